"""The model's value for one published measurement, and whether it is within tolerance.

>>> from tfalab.literature.measurements import load_measurements
>>> m = next(m for m in load_measurements() if m.kind == "void_onset")
>>> e = evaluate(m)
>>> e.model > 0
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from tfalab.analysis import critical_current_density
from tfalab.cell import experiments as ex
from tfalab.cell.simulate import simulate_symmetric
from tfalab.errors import TfalabError
from tfalab.literature.measurements import Measurement
from tfalab.protocols import make_protocol

#: "shorted on pressurisation" (an observed 0 h) is read as within this time (s)
IMMEDIATE = 3600.0


@dataclass(frozen=True)
class Evaluation:
    """A measurement, the model's value (SI; ``inf`` = no failure) and the verdict."""

    measurement: Measurement
    model: float
    passed: bool
    detail: str = ""
    seconds: float = 0.0

    def row(self) -> dict[str, Any]:
        m = self.measurement
        unit, scale = ("mA/cm2", 10.0) if m.kind in ("ccd", "void_onset") else ("h", 3600.0)
        return {"id": m.id, "lab": m.lab, "laboratory": m.laboratory, "doi": m.doi,
                "kind": m.kind, "role": m.role, "pressure": m.pressure,
                "temperature": m.temperature,
                "relative_density": m.relative_density, "protocol": m.protocol,
                "observed": m.observed_si / scale, "bound": m.bound,
                "model": self.model / scale, "unit": unit, "tolerance": m.tolerance,
                "passed": self.passed, "detail": self.detail, "seconds": self.seconds}


def verdict(m: Measurement, value: float) -> bool:
    """Whether the model's ``value`` (SI) agrees with ``m`` within its tolerance."""
    obs, f = m.observed_si, m.factor
    if m.kind in ("time_to_short", "stable") and obs == 0:
        obs = IMMEDIATE  # shorted on pressurisation: within the first hour
        return value <= obs
    if m.kind == "stable":
        return value >= obs / f if m.bound != "upper" else value <= obs * f
    if m.bound == "upper":
        return value <= obs * f
    if m.bound == "lower":
        return value >= obs / f
    return obs / f <= value <= obs * f


def model_value(m: Measurement, overrides: dict[str, float] | None = None,
                build: Any = None) -> tuple[float, str]:
    """The model's value (SI) of measurement ``m`` and a short description of the run.

    ``build`` replaces the measurement's own build (used while fitting one); ``overrides``
    replaces model parameters by PyBaMM name.
    """
    kw = m.conditions()
    if build is not None:
        kw["build"] = build
    if m.kind == "void_onset":
        return ex.void_onset_current(kw["anode"], kw["temperature"], overrides, kw["build"],
                                     kw["pressure"]), "diffusion supply + creep at half contact"
    protocol = make_protocol(m.protocol)
    res = simulate_symmetric(protocol=protocol, overrides=overrides, **kw)
    if m.kind == "ccd":
        r = critical_current_density(res.celltest)
        if not r.failed:
            return math.inf, "no failure within the ramp"
        return float(r.ccd), f"{r.mode} at {r.ccd / 10:.2f} mA/cm2"
    t_short = ex.short_time(res)
    if m.kind == "time_to_short":
        if math.isfinite(t_short):
            return t_short, f"short at {t_short / 3600:.3g} h"
        return math.inf, f"no short ({res.termination})"
    # stable: time it ran without a short or divergence
    if not res.failed:
        return math.inf, f"stable for {protocol.duration / 3600:.4g} h"
    t_end = float(res.celltest.time[-1])
    return (t_short if math.isfinite(t_short) else t_end), res.termination


def evaluate(m: Measurement, overrides: dict[str, float] | None = None,
             build: Any = None) -> Evaluation:
    """Simulate ``m`` with its laboratory's build and compare (a failed run is a miss)."""
    start = time.perf_counter()
    try:
        value, detail = model_value(m, overrides, build)
    except TfalabError as exc:
        return Evaluation(m, math.nan, False, f"error: {exc}", time.perf_counter() - start)
    return Evaluation(m, value, verdict(m, value), detail, time.perf_counter() - start)
