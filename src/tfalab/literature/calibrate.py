"""Fit a laboratory's declared build values to its declared calibration measurements.

A build file lists, for each fitted value, the measurements it is fitted to (``fitted_to``,
at most two, all of that laboratory, ``role = "calibration"`` in the measurements file). This
module finds the values that bring the model closest to those measurements, in log terms:

    min Σ_r ln²(model_r / observed_r)   over ln(value) within :data:`BOUNDS`

by a coarse grid over all fitted values followed by two finer grids around the best point
(the model's failure times are step-like in the parameters, so gradient methods stall). A
run that does not fail within its protocol counts as failing at twice the protocol's length.
``scripts/calibrate_builds.py`` runs it and writes the values into the *source tree's* build
files; nothing is written into an installed package.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tfalab.cell.builds import Build, load_build
from tfalab.errors import ParameterError
from tfalab.literature.evaluate import model_value
from tfalab.literature.measurements import Measurement, load_measurements
from tfalab.protocols import make_protocol
from tfalab.units import from_si

#: search range (SI) of each build field that may be fitted
BOUNDS: dict[str, tuple[float, float]] = {
    "flaw_depth": (0.3e-6, 60e-6),
    "creep_length": (0.3e-6, 30e-6),
    "pore_median_size": (0.05e-6, 3e-6),
    "holder_stiffness": (1e9, 1e12),
    "initial_contact": (0.05, 1.0),
}
#: friendly unit each field is written in
UNITS = {"flaw_depth": "um", "creep_length": "um", "pore_median_size": "um",
         "holder_stiffness": "MPa/um", "initial_contact": ""}


def _miss(m: Measurement, build: Build) -> float:
    value, _ = model_value(m, build=build)
    obs = max(m.observed_si, 60.0 if m.kind in ("time_to_short", "stable") else 1e-3)
    if not math.isfinite(value):
        value = 2 * make_protocol(m.protocol).duration if m.kind != "ccd" else 2 * obs * 10
    return math.log(max(value, 1e-3) / obs)


def calibration_rows(build: Build, measurements: Sequence[Measurement] | None = None
                     ) -> list[Measurement]:
    """The measurements the build's fitted values are fitted to."""
    ms = {m.id: m for m in (measurements or load_measurements())}
    ids = sorted({i for v in build.fitted_values() for i in v.fitted_to})
    missing = [i for i in ids if i not in ms]
    if missing:
        raise ParameterError(f"build {build.name!r} is fitted to unknown measurements {missing}")
    return [ms[i] for i in ids]


def calibrate_build(build: str | Build, fields: Sequence[str] | None = None,
                    rows: Sequence[Measurement] | None = None, points: int = 5, levels: int = 4,
                    log: Callable[[str], None] = print) -> dict[str, float]:
    """Fit ``fields`` (default: the build's fitted values) to ``rows`` (default: their
    ``fitted_to``); returns ``{field: SI value}``. At most 3 fields and 2 rows."""
    for name, value, least in (("points", points, 2), ("levels", levels, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ParameterError(f"{name} must be a whole number >= {least}, got {value!r}")
    b = load_build(build)
    fields = list(fields or [v.name for v in b.fitted_values()])
    rows = list(rows or calibration_rows(b))
    if not fields or len(fields) > 3:
        raise ParameterError(f"fit 1-3 build values, got {fields}")
    if not rows or len(rows) > 2:
        raise ParameterError(f"fit to 1-2 measurements, got {[m.id for m in rows]}")
    unknown = [f for f in fields if f not in BOUNDS]
    if unknown:
        raise ParameterError(f"cannot fit {unknown}; fittable: {sorted(BOUNDS)}")
    lo = np.log([BOUNDS[f][0] for f in fields])
    hi = np.log([BOUNDS[f][1] for f in fields])

    def cost(x: np.ndarray) -> float:
        trial = b.with_values(**{f: float(math.exp(v)) for f, v in zip(fields, x,
                                                                        strict=True)})
        return float(sum(_miss(m, trial) ** 2 for m in rows))

    best_x, best_c = None, math.inf
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    for level in range(levels):
        axes = [np.clip(np.linspace(c - h, c + h, points), a, z)
                for c, h, a, z in zip(centre, half, lo, hi, strict=True)]
        for x in itertools.product(*axes):
            c = cost(np.array(x))
            if c < best_c:
                best_x, best_c = np.array(x), c
        if best_x is None:  # every cost NaN (a NaN observation): nothing to refine
            raise ParameterError(f"{b.name}: no trial gave a finite cost")
        log(f"{b.name} level {level}: cost {best_c:.4g} at "
            + ", ".join(f"{f}={from_si(math.exp(v), _kind(f), UNITS[f]) if UNITS[f] else math.exp(v):.4g} {UNITS[f]}"  # noqa: E501
                        for f, v in zip(fields, best_x, strict=True)))
        centre, half = best_x, half / (points - 1) * 1.0
    assert best_x is not None  # levels >= 1, and a level without a finite cost raised
    return {f: float(math.exp(v)) for f, v in zip(fields, best_x, strict=True)}


def _kind(field: str) -> str:
    from tfalab.cell.builds import FIELDS

    return FIELDS[field][0]


def write_values(path: Any, values: dict[str, float]) -> None:
    """Replace the ``value = "..."`` of fitted entries in a build file (source tree)."""
    import re
    from pathlib import Path

    p = Path(path)
    text = p.read_text("utf-8")
    for f, v in values.items():
        unit = UNITS[f]
        shown = from_si(v, _kind(f), unit) if unit else v
        new = f'"{shown:.4g} {unit}"' if unit else f"{shown:.4g}"
        pattern = re.compile(rf'^({f} = \{{ value = )("[^"]*"|[0-9.eE+-]+)', re.M)
        if not pattern.search(text):
            raise ParameterError(f"{p}: no fitted entry '{f} = {{ value = ... }}' to update")
        # mypy cannot type a lambda with a default argument
        text = pattern.sub(lambda mm, n=new: mm.group(1) + n, text)  # type: ignore[misc]
    p.write_text(text, "utf-8")
