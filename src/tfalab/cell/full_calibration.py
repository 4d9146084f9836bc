"""Calibration of the full-cell model: one capacity point and one retention curve (FeS2),
and the NCM loading the paper does not give.

| parameter | fitted to |
|---|---|
| fes2.composite_extra_capacity | C22.capacity_0.2C |
| fes2.chemical_loss | C23.retention_420 |
| ncm.loading | C26.current_5C (closed form: the paper gives no loading) |

``tfalab calibrate --full --write`` stores the values (minutes on two cores).
"""

from __future__ import annotations

from collections.abc import Callable

from tfalab.cell import full_experiments as fx
from tfalab.cell.calibration import solve_log, target, write_fitted
from tfalab.cell.cathodes import cathode_constant
from tfalab.parameters import fitted

NAMES = {
    "fes2.composite_extra_capacity": None,  # changes the cathode, not a PyBaMM override
    "fes2.chemical_loss": "Cathode chemical loss rate [s-1]",
    "ncm.loading": None,
}


def ncm_loading() -> float:
    """kg/m² from the paper's 5C current density and the assumed C-rate basis."""
    return target("C26.current_5C") / 5 * 3600.0 / cathode_constant("ncm.c_rate_capacity")


def calibrate(log: Callable[[str], None] = print, write: bool = False) -> dict[str, float]:
    """Fit the full-cell parameters in order; returns ``{name: value}`` (SI)."""
    out: dict[str, float] = {"ncm.loading": ncm_loading()}
    log(f"ncm.loading = {out['ncm.loading']:.4g}")
    if write:
        write_fitted({"ncm.loading": out["ncm.loading"]})

    def extra(q: float) -> float:
        write_fitted({"fes2.composite_extra_capacity": q})
        fx._run.cache_clear()
        return fx.capacity_at(fx.fes2_rate_test(), 0.2)

    goal = target("C22.capacity_0.2C") / 3600.0  # C/kg -> mAh/g
    old = fitted("fes2.composite_extra_capacity").value
    q = solve_log(extra, goal, 1e4, 1.6e6, increasing=True, iterations=14)
    out["fes2.composite_extra_capacity"] = q
    write_fitted({"fes2.composite_extra_capacity": q if write else old})
    fx._run.cache_clear()
    log(f"fes2.composite_extra_capacity = {q:.4g}")

    key = NAMES["fes2.chemical_loss"]
    k = solve_log(lambda x: fx.retention(fx.fes2_long(overrides={key: x}), 420),
                  target("C23.retention_420") * 100, 1e-9, 1e-5, increasing=False,
                  iterations=12)
    out["fes2.chemical_loss"] = k
    log(f"fes2.chemical_loss = {k:.4g}")
    if write:
        write_fitted(out)
    return out
