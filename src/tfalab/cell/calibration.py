"""Calibration of the symmetric-cell model: the few parameters literature cannot give.

Each fitted parameter is fitted to a declared claim check (``fitted_to`` in
``data/parameters.toml``); every other claim of C8–C18 is a prediction. :func:`calibrate`
reproduces the stored values from the paper values in the claims catalogue: it runs the
virtual experiments of :mod:`tfalab.cell.experiments` and solves one equation per parameter
(bisection on a log scale within a plausible range), the four that set the CCDs by coordinate
descent, in a fixed order, repeated until the values settle. It takes minutes on two cores; ``tfalab calibrate --write`` stores the result.

| parameter | fitted to |
|---|---|
| interface.exchange_current_density, interface.interphase_growth | C14.tfa_overpotential_80h, C14.tfa_overpotential_5000h |
| interface.creep_length, electrolyte.pore_median_size, filament.tip_fraction | C10.li_ccd_10MPa, C10.li_ccd_20MPa, C13.li_short_time |
| interface.capacitance | C18.tfa_frequency |
| holder.stiffness | C9.li_pressure_swing |
"""  # noqa: E501

from __future__ import annotations

import math
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from tfalab.analysis import time_to_failure
from tfalab.cell import experiments as ex
from tfalab.parameters import fitted
from tfalab.units import quantity

#: fitted parameter → the PyBaMM parameter it sets
PYBAMM_NAMES = {
    "interface.exchange_current_density": "Exchange current density [A.m-2]",
    "interface.interphase_growth": "Interphase growth constant [Ohm.m2.s-0.5]",
    "interface.creep_length": "Creep length [m]",
    "electrolyte.pore_median_size": "Electrolyte pore median size [m]",
    "filament.tip_fraction": "Filament tip fraction",
    "interface.capacitance": "Interface capacitance [F.m-2]",
    "holder.stiffness": "Holder stiffness [Pa.m-1]",
}

#: pressures over which the TFA's maximum CCD is taken (the paper's 0–50 MPa)
TFA_PRESSURES = tuple(f"{p} MPa" for p in range(0, 55, 10))


def target(key: str) -> float:
    """SI value of the paper number behind claim check ``key`` (e.g. ``"C10.li_ccd_10MPa"``)."""
    from tfalab.validation.catalogue import load_catalogue

    cid, name = key.split(".", 1)
    check = load_catalogue()[cid].check(name)
    return float(quantity(f"{check.paper_value} {check.unit}").to_base_units().magnitude)


# --- the measured quantities, as functions of the overrides --------------------------------
def tfa_resistance(ov: dict[str, float]) -> float:
    """Ω·m², both TFA interfaces after stripping 5 mAh/cm2 at 0.5 mA/cm2, 20 MPa, 80 °C."""
    return float(ex.strip_impedance("tfa", overrides=ov)["resistance_ohm_cm2"].iloc[-1]) * 1e-4


def tfa_frequency(ov: dict[str, float]) -> float:
    return float(ex.strip_impedance("tfa", overrides=ov)["frequency_Hz"].iloc[-1])


def tfa_overpotential_5000h(ov: dict[str, float]) -> float:
    res = ex.cycle("tfa", "20 MPa", "0.5 mA/cm2", "2 mAh/cm2", "5008 h", overrides=ov)
    value = ex.overpotential_at_hours(res, 5000.0)
    return math.inf if math.isnan(value) else value  # failed before: too much growth


def tfa_overpotential_80h(ov: dict[str, float]) -> float:
    res = ex.cycle("tfa", "20 MPa", "0.5 mA/cm2", "2 mAh/cm2", "88 h", overrides=ov)
    value = ex.overpotential_at_hours(res, 80.0)
    return math.inf if math.isnan(value) else value


def tfa_max_ccd(ov: dict[str, float]) -> float:
    return max(ex.ccd("tfa", p, overrides=ov).ccd for p in TFA_PRESSURES)


def li_ccd(pressure: str) -> Callable[[dict[str, float]], float]:
    return lambda ov: ex.ccd("li", pressure, overrides=ov).ccd


def li_short_time(ov: dict[str, float]) -> float:
    res = ex.cycle("li", "20 MPa", "4 mA/cm2", "1 mAh/cm2", "24 h", overrides=ov)
    return time_to_failure(res.celltest)


def li_pressure_swing(ov: dict[str, float]) -> float:
    res = ex.cycle("li", "20 MPa", "0.5 mA/cm2", "2 mAh/cm2", "24 h", overrides=ov)
    return ex.electrode_pressure_swing(res)


# --- solving ----------------------------------------------------------------------------------
def solve_log(func: Callable[[float], float], goal: float, lo: float, hi: float,
              increasing: bool, iterations: int = 12) -> float:
    """Bisection on log(x) for func(x) = goal (func monotone, possibly stepwise)."""
    a, b = math.log(lo), math.log(hi)
    for _ in range(iterations):
        m = 0.5 * (a + b)
        above = func(math.exp(m)) > goal
        if above == increasing:
            b = m
        else:
            a = m
    return math.exp(0.5 * (a + b))


def _fit(ov: dict[str, float], name: str, measure: Callable[[dict[str, float]], float],
         goal: float, lo: float, hi: float, increasing: bool, log: Callable[[str], None],
         iterations: int = 12) -> None:
    key = PYBAMM_NAMES[name]
    value = solve_log(lambda x: measure({**ov, key: x}), goal, lo, hi, increasing, iterations)
    ov[key] = value
    log(f"{name} = {value:.4g}")


#: the jointly fitted CCD parameters
CCD_PARAMETERS = ("interface.creep_length", "electrolyte.pore_median_size",
                  "filament.tip_fraction")


def ccd_residuals(ov: dict[str, float]) -> np.ndarray:
    """Log errors of Li CCD at 10 and 20 MPa and the Li short time at 4 mA/cm2."""
    model = np.array([li_ccd("10 MPa")(ov), li_ccd("20 MPa")(ov),
                      min(li_short_time(ov), 1e6)])
    goal = np.array([target("C10.li_ccd_10MPa"), target("C10.li_ccd_20MPa"),
                     target("C13.li_short_time")])
    return np.log(np.maximum(model, 1e-3) / goal)


def fit_ccd_parameters(ov: dict[str, float], log: Callable[[str], None] = print,
                       rounds: int = 3) -> None:
    """Coordinate descent over :data:`CCD_PARAMETERS` (in place).

    Each parameter is solved for the observable it controls most, within a physically
    plausible range: the pore size for Li's CCD at 20 MPa (intrusion), the creep length for
    Li's CCD at 10 MPa, the filament tip fraction for Li's short time at 4 mA/cm2.
    """
    for _ in range(rounds):
        _fit(ov, "electrolyte.pore_median_size", li_ccd("20 MPa"),
             target("C10.li_ccd_20MPa"), 0.5e-6, 2e-6, increasing=False, log=log, iterations=9)
        _fit(ov, "interface.creep_length", li_ccd("10 MPa"), target("C10.li_ccd_10MPa"),
             0.05e-6, 5e-6, increasing=True, log=log, iterations=8)
        _fit(ov, "filament.tip_fraction", li_short_time, target("C13.li_short_time"),
             1e-4, 1.0, increasing=True, log=log, iterations=9)
    log(f"CCD fit: log residuals {np.round(ccd_residuals(ov), 3)} "
        "(Li 10 MPa, Li 20 MPa, Li short time)")


def calibrate(passes: int = 2, log: Callable[[str], None] = print,
              start: dict[str, float] | None = None) -> dict[str, float]:
    """Fit the symmetric-cell parameters; returns ``{fitted name: value}`` (SI)."""
    ov = {PYBAMM_NAMES[n]: fitted(n).value for n in PYBAMM_NAMES}
    ov.update(start or {})
    for k in range(passes):
        log(f"pass {k + 1}")
        for _ in range(2):  # the TFA's overpotential at 80 h and 5000 h: kinetics, interphase
            _fit(ov, "interface.exchange_current_density", tfa_overpotential_80h,
                 target("C14.tfa_overpotential_80h"), 0.1, 1000.0, increasing=False, log=log,
                 iterations=10)
            _fit(ov, "interface.interphase_growth", tfa_overpotential_5000h,
                 target("C14.tfa_overpotential_5000h"), 1e-9, 1e-5, increasing=True, log=log,
                 iterations=10)
        fit_ccd_parameters(ov, log)
    key = PYBAMM_NAMES["interface.capacitance"]
    for _ in range(2):  # f ∝ 1/C for arcs of equal contact: two fixed-point steps
        ov[key] *= tfa_frequency(ov) / target("C18.tfa_frequency")
    log(f"interface.capacitance = {ov[key]:.4g}")
    key = PYBAMM_NAMES["holder.stiffness"]
    for _ in range(2):
        ov[key] *= target("C9.li_pressure_swing") / li_pressure_swing(ov)
    log(f"holder.stiffness = {ov[key]:.4g}")
    return {n: ov[PYBAMM_NAMES[n]] for n in PYBAMM_NAMES}


def write_fitted(values: dict[str, float], path: str | Path | None = None) -> Path:
    """Store fitted values in ``data/parameters.toml`` (4 significant digits)."""
    path = Path(path) if path else Path(str(resources.files("tfalab.data")
                                            .joinpath("parameters.toml")))
    text = path.read_text("utf-8")
    for name, value in values.items():
        header = re.escape(f"[{name}]")
        pattern = re.compile(rf"({header}\s*\nvalue = )([^\n]+)")
        if not pattern.search(text):
            raise KeyError(f"{name} not found in {path}")
        text = pattern.sub(lambda m, v=value: m.group(1) + f"{v:.4g}", text)
    path.write_text(text, "utf-8")
    fitted.__globals__["_table"].cache_clear()
    return path


def current_values() -> dict[str, Any]:
    """The stored fitted values of this calibration."""
    return {n: fitted(n).value for n in PYBAMM_NAMES}
