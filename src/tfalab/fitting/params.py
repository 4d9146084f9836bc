"""Fitted parameters: PyBaMM names, units from the name, bounds in friendly units or SI.

A parameter is named as in the model (``"Flaw size [m]"``); the unit in brackets is its SI
unit. Bounds and initial values may be numbers (SI) or quantities such as ``"5 um"``.
Bounds are fitted in log space (the fit moves ``ln p``, so the lower bound must be > 0) unless
``scale = "linear"`` is given: then linearly on the bound interval scaled to [0, 1]. Each bound
must lie in the parameter's physical range (:func:`tfalab.cell.parameters.check_parameters`).

>>> spec = make_spec("Flaw size [m]", ("5 um", "20 um"))
>>> spec.lower, spec.upper, spec.log
(5e-06, 2e-05, True)
>>> friendly("Flaw size [m]", 1.2e-5)
'12 um'
>>> to_value("Exchange current density [A.m-2]", "0.7 mA/cm2")
7.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pint

from tfalab.errors import ParameterError, UnitError
from tfalab.units import convert, quantity

#: Operating conditions, set per observation, not fitted.
CONDITIONS = ("Stack pressure [Pa]", "Ambient temperature [K]", "Electrode area [m2]",
              "Current function [A]")

#: SI unit in a PyBaMM name -> the unit a researcher reads.
FRIENDLY_UNITS = {
    "m": "um", "A.m-2": "mA/cm2", "Ohm.m2": "ohm*cm2", "Ohm.m2.s-0.5": "ohm*cm2/h**0.5",
    "Pa": "MPa", "Pa.m-1": "MPa/um", "J.mol-1": "kJ/mol", "m2.s-1": "cm2/s",
    "F.m-2": "uF/cm2", "S.m-1": "mS/cm", "Pa.m-0.5": "MPa*m**0.5", "m.s-1": "um/s",
    "m3.mol-1": "cm3/mol", "m2": "cm2", "C.m-2": "mAh/cm2", "K": "K", "s-1": "1/s",
    "V": "mV", "s": "h",
}

_UNIT = re.compile(r"\[([^\]]+)\]\s*$")


def si_unit(name: str) -> str:
    """The SI unit written in a PyBaMM name (``""`` for dimensionless names).

    >>> si_unit("Interphase growth constant [Ohm.m2.s-0.5]"), si_unit("Filament tip fraction")
    ('Ohm.m2.s-0.5', '')
    """
    m = _UNIT.search(name)
    return m.group(1) if m else ""


def pint_unit(unit: str) -> str:
    """A PyBaMM unit (``"Ohm.m2.s-0.5"``) written for pint (``"ohm*m**2*s**-0.5"``)."""
    if not unit:
        return "dimensionless"
    parts: list[str] = []
    for part in unit.split("."):
        m = re.fullmatch(r"([A-Za-z]+)(-?\d+(?:\.\d+)?)?", part)
        if m is None:  # a decimal exponent split by the "." separator is re-joined below
            parts[-1] = f"{parts[-1]}.{part}"
            continue
        sym = "ohm" if m.group(1) == "Ohm" else m.group(1)
        parts.append(sym if m.group(2) is None else f"{sym}**{m.group(2)}")
    return "*".join(parts)


def to_value(name: str, value: Any, what: str = "value") -> float:
    """``value`` (a number in SI, or a quantity string) in the SI unit of parameter ``name``."""
    if isinstance(value, bool):
        raise ParameterError(f"{name}: {what} must be a number or a quantity, got {value!r}")
    if isinstance(value, int | float):
        x = float(value)
    else:
        unit = pint_unit(si_unit(name))
        try:
            q = quantity(value, f"{name} {what}")
            x = float(f"{float(q.to(unit).magnitude):.15g}")  # no unit-conversion noise
        except (UnitError, pint.errors.DimensionalityError, pint.errors.UndefinedUnitError):
            example = FRIENDLY_UNITS.get(si_unit(name), si_unit(name) or "")
            raise ParameterError(
                f"{name}: cannot read {what} {value!r} as a quantity in "
                f"{si_unit(name) or 'no unit (a number)'}; write e.g. "
                f"{('1 ' + example).strip()!r} or a number in SI") from None
    if not math.isfinite(x):
        raise ParameterError(f"{name}: {what} must be finite, got {value!r}")
    return x


def friendly(name: str, value: float, digits: int = 4) -> str:
    """``value`` (SI) of parameter ``name`` in the unit a researcher reads."""
    unit = si_unit(name)
    target = FRIENDLY_UNITS.get(unit)
    if not math.isfinite(value):
        return f"{value} {target or unit}".strip()
    if target is None:
        return f"{value:.{digits}g} {unit}".strip()
    x = convert(value, pint_unit(unit), target)
    return f"{x:.{digits}g} {target}"


@dataclass(frozen=True)
class ParameterSpec:
    """A fitted parameter: bounds (SI), optional initial value (SI), log or linear scale."""

    name: str
    lower: float
    upper: float
    initial: float | None = None
    log: bool = True

    def to_x(self, value: float) -> float:
        """Fit coordinate of ``value``: ln(value), or (value - lower)/(upper - lower)."""
        if self.log:
            return math.log(value)
        return (value - self.lower) / (self.upper - self.lower)

    def from_x(self, x: float) -> float:
        """Value (SI) at fit coordinate ``x``."""
        if self.log:
            return math.exp(x)
        return self.lower + x * (self.upper - self.lower)

    @property
    def x_bounds(self) -> tuple[float, float]:
        return self.to_x(self.lower), self.to_x(self.upper)


def _check_range(name: str, value: float, raw: Any, what: str) -> None:
    """Refuse a bound outside the parameter's physical range (the model's own checks)."""
    from tfalab.cell.parameters import check_parameters

    try:
        check_parameters({name: value})
    except ParameterError as exc:
        raise ParameterError(f"{name}: {what} {raw!r} is outside the parameter's physical "
                             f"range ({exc})") from None


def make_spec(name: str, bounds: Any) -> ParameterSpec:
    """A :class:`ParameterSpec` from ``(lower, upper)`` or ``{"lower", "upper", "initial",
    "scale"}`` (``scale`` = ``"log"`` or ``"linear"``)."""
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"parameter names must be model parameter names such as "
                             f"'Flaw size [m]', got {name!r}")
    if name in CONDITIONS:
        raise ParameterError(f"{name!r} is an operating condition, not a model parameter: set "
                             f"it per observation (pressure=, temperature=, area=)")
    initial = None
    scale = None
    if isinstance(bounds, Mapping):
        unknown = sorted(set(bounds) - {"lower", "upper", "initial", "scale"})
        if unknown or "lower" not in bounds or "upper" not in bounds:
            raise ParameterError(
                f"{name}: bounds must be (lower, upper) or a table with lower, upper and "
                f"optional initial, scale; got {dict(bounds)!r}")
        lo, hi = bounds["lower"], bounds["upper"]
        initial = bounds.get("initial")
        scale = bounds.get("scale")
    elif isinstance(bounds, list | tuple) and len(bounds) == 2:
        lo, hi = bounds
    else:
        raise ParameterError(f"{name}: bounds must be a (lower, upper) pair such as "
                             f"('5 um', '20 um'), got {bounds!r}")
    lower = to_value(name, lo, "lower bound")
    upper = to_value(name, hi, "upper bound")
    if not lower < upper:
        raise ParameterError(f"{name}: lower bound {lo!r} must be below upper bound {hi!r}")
    _check_range(name, lower, lo, "lower bound")
    _check_range(name, upper, hi, "upper bound")
    if scale is None:
        if not lower > 0:
            raise ParameterError(f"{name}: a log-scale fit (the default) needs a lower bound "
                                 f"> 0, got {lo!r}; give scale = 'linear' for bounds that "
                                 f"include 0 or negative values")
        log = True
    elif str(scale).lower() in ("log", "linear"):
        log = str(scale).lower() == "log"
        if log and lower <= 0:
            raise ParameterError(f"{name}: scale 'log' needs positive bounds, got lower "
                                 f"bound {lo!r}; use scale = 'linear'")
    else:
        raise ParameterError(f"{name}: scale must be 'log' or 'linear', got {scale!r}")
    init = None
    if initial is not None:
        init = to_value(name, initial, "initial value")
        if not lower <= init <= upper:
            raise ParameterError(f"{name}: initial value {initial!r} lies outside the bounds "
                                 f"[{lo!r}, {hi!r}]")
    return ParameterSpec(name, lower, upper, init, log)
