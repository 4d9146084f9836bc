"""What one sweep point computes: a pure function from a point (a dict of friendly values) to
one row of results. A failure of the model or of the inputs is a row with its ``error``, never
an exception, so that one bad point does not stop a sweep.

Kinds (``[sweep] kind``):

``ccd``     a symmetric-cell CCD ramp (``protocol`` or tfalab's default ramp): ``ccd_mA_cm2``,
            ``failure_mode``, ``failure_time_h``.
``cycle``   galvanostatic symmetric cycling (``current``, ``capacity``, ``duration``):
            ``time_to_short_h``, ``failure_mode``, the overpotential trend (first/last plateau
            overpotential, mV per 100 h).
``short``   Li held under ``pressure`` at rest: the closed-form time to a mechanical short.
``full``    a full cell (``cathode``, ``loading``, ``c_rate``, ``cycles``): first discharge,
            retention, last Coulombic efficiency.
``design``  the design metrics alone (instant).

Every row also has the design metrics of the point's anode in a cell stack (``stack`` "thin" or
"pellet"; ``cathode``, ``loading``): anode capacity, N/P, Li utilisation, Wh/kg and Wh/L, and
``key``, ``kind``, ``error``, ``termination``, ``seconds``, ``tfalab_version``.

>>> row = evaluate_point({"anode": "tfa", "free_li": "70 wt%"}, "design")
>>> row["error"] is None, round(row["anode_capacity_mAh_cm2"], 1) > 10
(True, True)
>>> evaluate_point({"pressure": "-5 MPa"}, "short")["error"]
"ParameterError: pressure must lie in 0-1000 MPa, got '-5 MPa'"
"""

from __future__ import annotations

import math
import time
from typing import Any

from tfalab.sweep.spec import check_kind, check_point, check_value, point_key

#: the anode presets a point may name (otherwise it is built from skeleton/free_li/...)
ANODE_PRESETS = ("tfa", "li")
#: the numeric outputs of each kind of point, besides :data:`DESIGN_OUTPUTS`
KIND_OUTPUTS: dict[str, tuple[str, ...]] = {
    "ccd": ("ccd_mA_cm2", "failure_time_h"),
    "cycle": ("time_to_short_h", "overpotential_slope_mV_per_100h", "overpotential_start_mV"),
    "short": ("time_to_short_h",),
    "full": ("first_discharge_mAh_cm2", "retention", "coulombic_efficiency"),
    "design": (),
}
#: the design metrics every row has
DESIGN_OUTPUTS = ("anode_capacity_mAh_cm2", "anode_thickness_um", "free_li_wt", "np_ratio",
                  "li_utilisation", "specific_energy_Wh_kg", "energy_density_Wh_L", "seconds")


def _anode(point: dict[str, Any]) -> Any:
    """The point's anode: a preset name, or built from its design fields."""
    from tfalab.anode import CompositeAnode

    name = point.get("anode")
    design = {k: point[k] for k in ("skeleton", "free_li", "thickness", "porosity") if k in point}
    if name is not None and not design:
        return name
    if name == "li" or str(design.get("skeleton", "")).lower() in ("none", "li", "bare"):
        return CompositeAnode.bare_li(design.get("thickness", "100 um"))
    kw: dict[str, Any] = {"skeleton": design.get("skeleton", "LiBx")}
    for k in ("free_li", "thickness", "porosity"):
        if k in design:
            kw[k] = design[k]
    return CompositeAnode(**kw)


def _design(point: dict[str, Any], anode: Any) -> dict[str, Any]:
    from tfalab.cell.parameters import make_anode
    from tfalab.design import make_stack

    a = make_anode(anode)
    stack_kind = point.get("stack", "thin")
    kw: dict[str, Any] = {"anode": a, "cathode": point.get("cathode", "ncm")}
    if "loading" in point:
        kw["loading"] = point["loading"]
    if stack_kind == "thin" and "separator" in point:
        kw["separator"] = point["separator"]
    if stack_kind == "pellet":
        kw |= {"die_diameter": point.get("die_diameter", "10 mm"),
               "pellet_mass": point.get("pellet_mass", "150 mg")}
    stack = make_stack(stack_kind, **kw)
    return {
        "anode_capacity_mAh_cm2": a.areal_capacity / 36000.0,
        "anode_thickness_um": a.thickness * 1e6,
        "free_li_wt": a.free_li,
        "np_ratio": stack.np_ratio,
        "li_utilisation": stack.li_utilisation,
        "specific_energy_Wh_kg": stack.specific_energy / 3600.0,
        "energy_density_Wh_L": stack.energy_density / 3.6e6,
    }


def _ccd(point: dict[str, Any], anode: Any, common: dict[str, Any]) -> dict[str, Any]:
    from tfalab.cell import experiments as ex

    kw = dict(common)
    if "protocol" in point:
        kw["protocol"] = point["protocol"]
    r = ex.ccd(anode, point.get("pressure", "20 MPa"), **kw)
    return {"ccd_mA_cm2": r.ccd / 10.0, "failed": bool(r.failed), "failure_mode": r.mode,
            "failure_time_h": r.failure_time / 3600.0, "termination": "completed"}


def _cycle(point: dict[str, Any], anode: Any, common: dict[str, Any]) -> dict[str, Any]:
    from tfalab.analysis.cycling import overpotential_trend
    from tfalab.cell import experiments as ex

    res = ex.cycle(anode, point.get("pressure", "20 MPa"), point.get("current", "0.5 mA/cm2"),
                   point.get("capacity", "0.5 mAh/cm2"), point.get("duration", "100 h"),
                   temperature=common["temperature"], build=common["build"])
    t_short = ex.short_time(res)
    trend = overpotential_trend(res.celltest) if res.termination == "completed" else {}
    return {"time_to_short_h": t_short / 3600.0, "termination": res.termination,
            "failure_mode": None if res.termination == "completed" else res.termination,
            "overpotential_slope_mV_per_100h": trend.get("slope_V_per_s", math.nan) * 3.6e8,
            "overpotential_start_mV": trend.get("intercept_V", math.nan) * 1e3}


def _short(point: dict[str, Any], anode: Any, common: dict[str, Any]) -> dict[str, Any]:
    from tfalab.cell import experiments as ex

    t = ex.mechanical_short_time(anode, point.get("pressure", "20 MPa"), **common)
    return {"time_to_short_h": t / 3600.0,
            "failure_mode": "mechanical short" if math.isfinite(t) else None,
            "termination": "completed"}


def _full(point: dict[str, Any], anode: Any, common: dict[str, Any]) -> dict[str, Any]:
    from tfalab.cell.full_simulate import simulate_full

    rate, n = float(point.get("c_rate", 1.0)), int(float(point.get("cycles", 10)))
    res = simulate_full(anode, point.get("cathode", "fes2"), point.get("loading"),
                        f"cycle {rate}C x {n}", point.get("pressure", "40 MPa"),
                        common["temperature"], build=common["build"])
    c = res.cycles
    return {"termination": res.termination,
            "first_discharge_mAh_cm2": float(c.discharge_mAh_cm2.iloc[0]) if len(c) else None,
            "retention": float(c.retention.iloc[-1]) if len(c) else None,
            "coulombic_efficiency": float(c.coulombic_efficiency.iloc[-1]) if len(c) else None,
            "failure_mode": None if res.termination == "completed" else res.termination}


_KIND = {"ccd": _ccd, "cycle": _cycle, "short": _short, "full": _full}


def evaluate_point(point: dict[str, Any], kind: str) -> dict[str, Any]:
    """One row of results for ``point`` (see the module docstring); never raises for a bad
    value or a failed simulation: the row's ``error`` says what went wrong.

    A point that is not a table of fields ``kind`` reads (an unknown ``kind``, an unknown
    field, or one this kind would ignore, see :data:`~tfalab.sweep.spec.KIND_FIELDS`) raises
    :class:`~tfalab.errors.ParameterError`: a sweep spec refuses those before it runs.

    >>> from tfalab.errors import TfalabError
    >>> try:
    ...     evaluate_point({"temperature": "80 degC"}, "design")
    ... except TfalabError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    point: field 'temperature' is not used by kind 'design' (it would be ignored); ...
    """
    from tfalab import __version__
    from tfalab.errors import TfalabError

    check_kind(kind)
    point = check_point(point, kind, values=False)
    start = time.perf_counter()
    row: dict[str, Any] = {"key": point_key(point, kind), "kind": kind, "error": None,
                           "termination": None, "tfalab_version": __version__,
                           **{f"in_{k}": str(v) for k, v in point.items()}}
    try:
        for name, value in point.items():
            check_value(name, value)
        anode = _anode(point)
        common: dict[str, Any] = {"temperature": point.get("temperature", "80 degC"),
                                  "build": point.get("build")}
        if "relative_density" in point and kind in ("ccd", "short"):
            common["relative_density"] = point["relative_density"]
        row |= _design(point, anode)
        if kind in _KIND:
            row |= _KIND[kind](point, anode, common)
        else:
            row["termination"] = "completed"
    except (TfalabError, ArithmeticError, ValueError, TypeError, KeyError) as exc:
        row["error"] = f"{type(exc).__name__}: {exc}"
    row["seconds"] = time.perf_counter() - start
    return row
