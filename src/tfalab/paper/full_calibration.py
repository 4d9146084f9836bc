"""Calibration of the full-cell model: two capacity points and the composite's transport
(FeS2), two retention curves (FeS2 and NCM), and the NCM loading the paper does not give.

| parameter | fitted to | bounds |
|---|---|---|
| ncm.loading | C26.current_5C (closed form: the paper gives no loading) | - |
| fes2.diffusivity | C22.capacity_5C (identifies D/R², R fixed at 0.5 µm) | 1e-17 - 1e-14 m²/s |
| fes2.composite_extra_capacity | C22.capacity_0.2C | 1e4 - 1.6e6 C/kg |
| fes2.chemical_loss | C23.retention_420 | 1e-9 - 1e-5 1/s |
| composite.percolation_threshold | C25.areal_capacity_40 | 0.10 - 0.215 |
| ncm.interphase_growth | C26.retention_2000 | 3e-8 - 3e-5 ohm m²/s^0.5 |

In this order: the 0.2C capacity depends weakly on D and the 5C capacity on the extra
capacity, so D and the extra capacity are refitted once (in a narrower bracket) if the 5C
capacity has moved by more than 2 %; the chemical loss is fitted with both in place, and the
percolation threshold after it, so that C25's 40-cycle fade comes from the loss fitted to C23;
the NCM interphase growth last, with the NCM loading and the percolation threshold (which sets
the NCM composite's transport) in place.
Each fit is a bisection on the log of the parameter
(:func:`~tfalab.paper.cell_calibration.solve_log`) with every earlier value in place (in memory,
:func:`~tfalab.parameters.fitted_overrides`: nothing is written while it runs, and the stored
values are back in place at the end). ``tfalab calibrate --full --write PATH`` writes the
values into the parameters file ``PATH`` (several minutes on two cores);
``scripts/regenerate_parameters.py --full`` into the source tree's ``parameters.toml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from tfalab.cell.cathodes import cathode_constant, electrolyte_fraction, transport_efficiency
from tfalab.cell.full_parameters import make_full_cathode
from tfalab.paper import full_experiments as fx
from tfalab.paper.cell_calibration import solve_log, target, write_fitted
from tfalab.parameters import fitted_overrides

NAMES = {
    "ncm.loading": None,
    "fes2.diffusivity": "Cathode diffusivity [m2.s-1]",
    "fes2.composite_extra_capacity": None,  # changes the cathode, not a PyBaMM override
    "fes2.chemical_loss": "Cathode chemical loss rate [s-1]",
    "composite.percolation_threshold": None,  # enters through "Cathode transport efficiency"
    "ncm.interphase_growth": "Cathode interphase growth constant [Ohm.m2.s-0.5]",
}

#: bounds of the fits (SI)
BOUNDS = {
    "fes2.diffusivity": (1e-17, 1e-14),
    "fes2.composite_extra_capacity": (1e4, 1.6e6),
    "fes2.chemical_loss": (1e-9, 1e-5),
    "composite.percolation_threshold": (0.10, 0.215),
    # 0.1x - 100x the prior 3e-7 (Koerver et al. 2017's order of magnitude)
    "ncm.interphase_growth": (3e-8, 3e-5),
}


def ncm_loading() -> float:
    """kg/m² from the paper's 5C current density and the assumed C-rate basis."""
    return target("C26.current_5C") / 5 * 3600.0 / cathode_constant("ncm.c_rate_capacity")


def thick_transport(threshold: float) -> dict[str, float]:
    """Override of the thick (C25) FeS2 cell's transport efficiency at ``threshold``."""
    phi = electrolyte_fraction(make_full_cathode("fes2", "9.64 mg/cm2"))
    return {"Cathode transport efficiency": transport_efficiency(phi, threshold)}


def fit_ncm_interphase(log: Callable[[str], None] = print) -> float:
    """The NCM interphase growth constant from C26's retention after 2000 cycles at 2C
    (TFA||NCM, 5 MPa, 25 °C); every other value as stored. Returns it; stores nothing."""
    key = NAMES["ncm.interphase_growth"]
    assert key is not None  # NAMES gives it a PyBaMM name
    return _solve("ncm.interphase_growth",
                  lambda x: fx.retention(fx.ncm_long({key: x}), 2000),
                  target("C26.retention_2000") * 100, increasing=False, log=log)


def _store(live: dict[str, float], values: dict[str, float]) -> None:
    """Put ``values`` in place in memory (``live`` is a :func:`fitted_overrides` layer)."""
    live.update(values)
    fx._run.cache_clear()


def _solve(name: str, func: Callable[[float], float], goal: float, increasing: bool,
           log: Callable[[str], None], bounds: tuple[float, float] | None = None,
           iterations: int = 12) -> float:
    """Bisection within the bounds; logs the value reached and whether a bound was hit."""
    lo, hi = bounds or BOUNDS[name]
    seen: dict[float, float] = {}

    def f(x: float) -> float:
        seen[x] = func(x)
        return seen[x]

    x = solve_log(f, goal, lo, hi, increasing, iterations)
    edge = ""
    lo0, hi0 = BOUNDS[name]
    if abs(math.log(x / lo0)) < 0.02 or abs(math.log(x / hi0)) < 0.02:
        edge = " (AT THE BOUND of the fit)"
    log(f"{name} = {x:.4g}: {seen[x]:.4g} for a target of {goal:.4g}{edge}")
    return x


#: fitted values :func:`calibrate` reports to ``progress`` (two more when D and the extra
#: capacity are refitted)
STEPS = len(NAMES)


def calibrate(log: Callable[[str], None] = print,
              write: str | Path | None = None,
              progress: Callable[[str], None] | None = None) -> dict[str, float]:
    """Fit the full-cell parameters in order; returns ``{name: value}`` (SI).

    Each value is put in place in memory as soon as it is fitted, so that the later fits see
    it; the stored values are back in place at the end. With ``write`` (the path of a
    parameters file, never the installed package's) the values are written there once every
    fit has run. ``progress`` is called with each fitted value's log line (:data:`STEPS`
    times, or two more). The fits run one after another in this process: each bisection
    step needs the one before, and each fit the values fitted before it (in memory).
    """
    def step(message: str) -> None:
        log(message)
        if progress is not None:
            progress(message)

    out: dict[str, float] = {"ncm.loading": ncm_loading()}
    step(f"ncm.loading = {out['ncm.loading']:.4g}")
    with fitted_overrides() as live:
        try:
            _fit_all(live, out, log, step)
        finally:
            fx._run.cache_clear()
    fx._run.cache_clear()
    if write is not None:
        write_fitted(out, write)
    return out


def _fit_all(live: dict[str, float], out: dict[str, float],
             log: Callable[[str], None], step: Callable[[str], None] | None = None) -> None:
    """The fits of :func:`calibrate`, in order, each in place in ``live`` before the next
    (``step``: logs a fitted value; default ``log``)."""
    step = step or log
    _store(live, {"ncm.loading": out["ncm.loading"]})

    # rate capability (C22 5C) and the 0.2C capacity (C22 0.2C)
    d_key = NAMES["fes2.diffusivity"]
    assert d_key is not None  # NAMES gives it a PyBaMM name
    five = target("C22.capacity_5C") / 3600.0  # C/kg -> mAh/g
    low = target("C22.capacity_0.2C") / 3600.0
    d_bounds: tuple[float, float] | None = None
    q_bounds: tuple[float, float] | None = None
    for attempt in range(2):
        d = _solve("fes2.diffusivity",
                   lambda x: fx.capacity_at(fx.fes2_rate_test({d_key: x}), 5.0),
                   five, increasing=True, log=step, bounds=d_bounds, iterations=14)
        _store(live, {"fes2.diffusivity": d})

        def extra(q: float) -> float:
            _store(live, {"fes2.composite_extra_capacity": q})
            return fx.capacity_at(fx.fes2_rate_test(), 0.2)

        q = _solve("fes2.composite_extra_capacity", extra, low, increasing=True, log=step,
                   bounds=q_bounds, iterations=14)
        _store(live, {"fes2.composite_extra_capacity": q})
        now = fx.capacity_at(fx.fes2_rate_test(), 5.0)
        log(f"  pass {attempt + 1}: 5C capacity {now:.4g} mAh/g with both in place")
        if abs(now / five - 1) < 0.02:
            break
        d_bounds = (max(d / 3, BOUNDS["fes2.diffusivity"][0]),
                    min(d * 3, BOUNDS["fes2.diffusivity"][1]))
        q_bounds = (q / 1.5, min(q * 1.5, BOUNDS["fes2.composite_extra_capacity"][1]))
    out["fes2.diffusivity"], out["fes2.composite_extra_capacity"] = d, q

    # time-driven fade (C23)
    k_key = NAMES["fes2.chemical_loss"]
    assert k_key is not None  # NAMES gives it a PyBaMM name
    k = _solve("fes2.chemical_loss",
               lambda x: fx.retention(fx.fes2_long(overrides={k_key: x}), 420),
               target("C23.retention_420") * 100, increasing=False, log=step)
    _store(live, {"fes2.chemical_loss": k})
    out["fes2.chemical_loss"] = k

    # the thick composite's transport (C25 after 40 cycles)
    def areal_40(phi_c: float) -> float:
        c = fx.fes2_thick(thick_transport(phi_c)).cycles
        return float(c.discharge_mAh_cm2.iloc[-1]) if len(c) == 40 else 0.0

    phi_c = _solve("composite.percolation_threshold", areal_40,
                   target("C25.areal_capacity_40") / 36000.0,  # C/m2 -> mAh/cm2
                   increasing=False, log=step)
    _store(live, {"composite.percolation_threshold": phi_c})
    out["composite.percolation_threshold"] = phi_c

    # the NCM cell's fade at 2C, room temperature (C26)
    k_ncm = fit_ncm_interphase(step)
    _store(live, {"ncm.interphase_growth": k_ncm})
    out["ncm.interphase_growth"] = k_ncm
