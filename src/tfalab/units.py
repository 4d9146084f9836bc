"""Quantities as users write them ("100 um", "20 MPa", "0.5 mA/cm2", "80 degC", "60 wt%").

Everything inside tfalab is SI (m, Pa, A/m², C/m², K, kg/m², C/kg). This module turns what a
user writes into SI floats, checking the physical dimension, and turns SI floats back into the
units a researcher reads.

Bare numbers are taken as already being in SI (fractions for dimensionless quantities).

>>> to_si("100 um", "length")
0.0001
>>> round(to_si("0.5 mA/cm2", "current_density"), 6)
5.0
>>> to_si("80 degC", "temperature")
353.15
>>> to_si("60 wt%", "fraction")
0.6
>>> from_si(18000.0, "areal_capacity", "mAh/cm2")
0.5
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from numbers import Real
from typing import Any

import pint

from tfalab.errors import UnitError

#: Physical kinds tfalab knows: name -> (example a user may write, SI unit used internally).
KINDS: dict[str, tuple[str, str]] = {
    "length": ("100 um", "m"),
    "area": ("0.785 cm2", "m**2"),
    "pressure": ("20 MPa", "Pa"),
    "current": ("1 mA", "A"),
    "current_density": ("0.5 mA/cm2", "A/m**2"),
    "areal_capacity": ("2 mAh/cm2", "C/m**2"),
    "specific_capacity": ("3860 mAh/g", "C/kg"),
    "volumetric_capacity": ("2000 mAh/cm3", "C/m**3"),
    "charge": ("1 mAh", "C"),
    "temperature": ("80 degC", "K"),
    "time": ("6000 h", "s"),
    "fraction": ("60 wt%", "dimensionless"),
    "density": ("0.534 g/cm3", "kg/m**3"),
    "areal_mass": ("2.17 mg/cm2", "kg/m**2"),
    "mass": ("150 mg", "kg"),
    "molar_mass": ("6.94 g/mol", "kg/mol"),
    "molar_volume": ("13.0 cm3/mol", "m**3/mol"),
    "voltage": ("1.8 V", "V"),
    "modulus": ("7.8 GPa", "Pa"),
    "diffusivity": ("2.4e-10 cm2/s", "m**2/s"),
    "conductivity": ("2 mS/cm", "S/m"),
    "activation_energy": ("0.35 eV", "J/mol"),
    "specific_energy": ("400 Wh/kg", "J/kg"),
    "energy_density": ("1000 Wh/L", "J/m**3"),
    "areal_resistance": ("30 ohm*cm2", "ohm*m**2"),
    "frequency": ("0.6 Hz", "Hz"),
    "rate": ("1e-3 1/s", "1/s"),
    "velocity": ("1 um/s", "m/s"),
    "capacitance": ("10 uF/cm2", "F/m**2"),
    "stiffness": ("0.1 MPa/um", "Pa/m"),
    "resistance_growth": ("0.2 ohm*cm2/h**0.5", "ohm*m**2/s**0.5"),
    "fracture_toughness": ("0.23 MPa*m**0.5", "Pa*m**0.5"),
    "concentration": ("63104 mol/m3", "mol/m**3"),
}

# matched against stripped text (a lazy "(.*?)\s*$" is quadratic on long runs of blanks)
#: SI ranges that every value of a kind must lie in, whatever it describes
PHYSICAL_RANGES = {
    # an electrode: from a 0.1 mm wide micro-electrode to a 1 m2 sheet (pouch cells are ~0.01)
    "area": (1e-8, 1.0, "the range of an electrode's area, 0.0001 cm2 to 10000 cm2"),
}

_NUMBER_UNIT = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*)", re.S)
#: characters a quantity string may have
MAX_QUANTITY_TEXT = 200
# "cm2" -> "cm**2", "cm-2" -> "cm**-2" (unit letters directly followed by an exponent)
_POWER = re.compile(r"(?<=[A-Za-zµμ])(-?[0-9])(?![0-9.])")


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The one pint registry tfalab uses."""
    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.define("per_mille = 0.001 = ‰")
    return ureg


def _clean_unit(unit: str) -> str:
    unit = re.sub(r"\b(wt|vol|at) +%", r"\1%", unit.strip())  # "60 wt %"
    for old, new in (("²", "2"), ("³", "3"), ("⁻", "-"), ("−", "-"),  # "cm²", "cm⁻²"
                     ("wt%", "percent"), ("vol%", "percent"), ("at%", "percent"),
                     ("%", "percent"), ("°C", "degC"), ("℃", "degC"), ("Ω", "ohm"),
                     ("·", "*"), ("^", "**")):
        unit = unit.replace(old, new)
    return _POWER.sub(r"**\1", unit) if unit else "dimensionless"


#: characters a unit may hold (letters, digits, operators, brackets, %, ‰, µ, °, Ω, ·, ², ³, ⁻)
_UNIT_CHARS = re.compile(r"^[A-Za-z0-9_ *./()^%‰µμ°ΩΩ℃·+²³⁻−-]*$")


def _parse_unit(unit: str) -> pint.Unit:
    """pint's unit for ``unit`` (cleaned), or :class:`UnitError`: pint's parser can raise
    anything on malformed text (AssertionError, TokenError, ZeroDivisionError ...)."""
    text = _clean_unit(unit)
    if not _UNIT_CHARS.match(unit) or len(unit) > 100:
        raise UnitError(f"malformed unit {unit!r}")
    try:
        parsed = registry().parse_units(text)
    except Exception as exc:  # any failure of pint's parser is a bad unit string
        raise UnitError(f"malformed unit {unit!r}") from exc
    return parsed


def quantity(value: str | float | Real | pint.Quantity, name: str = "value") -> pint.Quantity:
    """Parse ``"20 MPa"`` (or a pint Quantity) into a pint Quantity.

    >>> quantity("20 MPa").to("Pa").magnitude
    20000000.0
    """
    ureg = registry()
    if isinstance(value, pint.Quantity):
        return value
    if isinstance(value, bool):
        raise UnitError(f"{name}: expected a quantity, got the boolean {value!r}")
    if isinstance(value, Real):
        if not math.isfinite(float(value)):
            raise UnitError(f"{name}: {value!r} is not a finite number")
        return ureg.Quantity(float(value), "dimensionless")
    if not isinstance(value, str):
        raise UnitError(f"{name}: expected a quantity such as '100 um', got {value!r}")
    if len(value) > MAX_QUANTITY_TEXT:
        raise UnitError(f"{name}: a quantity of {len(value)} characters is longer than the "
                        f"{MAX_QUANTITY_TEXT} allowed: {value[:40]!r}…")
    match = _NUMBER_UNIT.fullmatch(value.strip())
    if not match:
        raise UnitError(f"{name}: cannot read {value!r} as a number followed by a unit")
    number, unit = match.groups()
    if not math.isfinite(float(number)):
        raise UnitError(f"{name}: {value!r} is not a finite number (overflow or NaN)")
    try:
        return ureg.Quantity(float(number), _parse_unit(unit))
    except UnitError:
        raise UnitError(f"{name}: unknown or malformed unit {unit!r} in {value!r}") from None


def _kind(kind: str) -> tuple[str, str]:
    try:
        return KINDS[kind]
    except KeyError:
        raise UnitError(f"unknown kind of quantity {kind!r}; known: {', '.join(KINDS)}") from None


def to_si(value: str | float | Real | pint.Quantity, kind: str, name: str = "value") -> float:
    """Return ``value`` in tfalab's SI unit for ``kind``, checking its dimension.

    Bare numbers are taken to be SI already. A wrong dimension raises :class:`UnitError`
    naming ``name``.

    >>> to_si("20 MPa", "pressure", name="pressure")
    20000000.0
    """
    example, si_unit = _kind(kind)
    if isinstance(value, Real) and not isinstance(value, bool):
        out = float(value)
    else:
        out = _to_si_quantity(value, kind, name, example, si_unit)
    if not math.isfinite(out):
        raise UnitError(f"{name}: must be a finite {kind.replace('_', ' ')} (for example "
                        f"{example!r}), got {value!r}")
    if kind in PHYSICAL_RANGES and not PHYSICAL_RANGES[kind][0] <= out <= PHYSICAL_RANGES[kind][1]:
        raise UnitError(f"{name}: {value!r} is outside {PHYSICAL_RANGES[kind][2]}")
    if kind == "temperature" and not out > 0:
        raise UnitError(f"{name}: an absolute temperature must be above 0 K (-273.15 degC), "
                        f"got {value!r}")
    return out


def _to_si_quantity(value: str | float | Real | pint.Quantity, kind: str, name: str,
                    example: str, si_unit: str) -> float:
    q = quantity(value, name)
    if kind == "temperature" and "delta_" in str(q.units):
        raise UnitError(f"{name}: {value!r} is a temperature difference; give an absolute "
                        f"temperature such as {example!r}")
    if kind == "activation_energy" and q.check("[energy]"):
        q = q * registry().avogadro_constant  # eV per particle -> J/mol
    try:
        return _round15(float(q.to(si_unit).magnitude))
    except OverflowError:
        raise UnitError(f"{name}: {value!r} overflows") from None
    except pint.errors.DimensionalityError:
        label = kind.replace("_", " ")
        article = "an" if label[0] in "aeiou" else "a"
        raise UnitError(
            f"{name}: expected {article} {label} (for example {example!r}), "
            f"got {value!r} with dimension {q.dimensionality}"
        ) from None


def _check_number(value: Any, name: str) -> None:
    """A real number (not a boolean, not a string): UnitError otherwise. NaN and inf pass
    (a result may be undefined; converting it keeps it so)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise UnitError(f"{name}: expected a number, got {value!r}")


def _round15(x: float) -> float:
    """Drop the last-digit noise of unit conversion (1e-4, not 9.999999999999999e-05)."""
    return float(f"{x:.15g}")


def from_si(value: float, kind: str, unit: str) -> float:
    """Convert an SI float of ``kind`` to ``unit`` (e.g. C/m² to "mAh/cm2").

    >>> from_si(1e-4, "length", "um")
    100.0
    """
    _, si_unit = _kind(kind)
    ureg = registry()
    target = _parse_unit(unit)
    _check_number(value, "value")
    try:
        return _round15(float(ureg.Quantity(value, si_unit).to(target).magnitude))
    except pint.errors.DimensionalityError:
        raise UnitError(f"cannot express a {kind} in {unit!r}") from None


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a number between two units written as strings.

    >>> convert(1.0, "mAh/cm2", "C/m2")
    36000.0
    """
    ureg = registry()
    source, target = _parse_unit(from_unit), _parse_unit(to_unit)
    _check_number(value, "value")
    try:
        return _round15(float(ureg.Quantity(value, source).to(target).magnitude))
    except pint.errors.DimensionalityError:
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}") from None


def check_unit(unit: str) -> str:
    """Return ``unit`` if pint understands it, else raise :class:`UnitError`.

    >>> check_unit("mAh/cm2")
    'mAh/cm2'
    """
    _parse_unit(unit)
    return unit
