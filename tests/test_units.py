import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfalab.errors import UnitError
from tfalab.units import KINDS, convert, from_si, to_si


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("100 um", "length", 1e-4),
    ("100 µm", "length", 1e-4),
    ("20 MPa", "pressure", 20e6),
    ("0.5 mA/cm2", "current_density", 5.0),
    ("2 mAh/cm2", "areal_capacity", 72000.0),
    ("80 degC", "temperature", 353.15),
    ("25 °C", "temperature", 298.15),
    ("60 wt%", "fraction", 0.6),
    ("6.6 %", "fraction", 0.066),
    ("2.17 mg/cm2", "areal_mass", 0.0217),
    ("3860 mAh/g", "specific_capacity", 3860 * 3600),
    ("2.4e-10 cm2/s", "diffusivity", 2.4e-14),
    ("30 ohm*cm2", "areal_resistance", 3e-3),
])
def test_parseto_si(text, kind, expected):
    assert math.isclose(to_si(text, kind, "x"), expected, rel_tol=1e-12)


def test_bare_numbers_are_si():
    assert to_si(1e-4, "length") == 1e-4


def test_activation_energy_per_particle_to_molar():
    assert math.isclose(to_si("1 eV", "activation_energy"), 96485.33, rel_tol=1e-6)


def test_round_trip_si():
    for unit in ("mAh/cm2", "C/m2", "Ah/m2"):
        assert math.isclose(to_si(f"{from_si(72000.0, 'areal_capacity', unit)} {unit}",
                                  "areal_capacity"), 72000.0, rel_tol=1e-12)


def test_wrong_dimension_names_argument():
    with pytest.raises(UnitError, match=r"thickness: expected a length.*20 MPa"):
        to_si("20 MPa", "length", "thickness")


@pytest.mark.parametrize("bad", ["100 furlongs/fortnight2x", "abc", "", "12 zorks"])
def test_unreadable_quantities(bad):
    with pytest.raises(UnitError):
        to_si(bad, "length", "thickness")


def test_unknown_kind_and_bool():
    with pytest.raises(UnitError, match="unknown kind"):
        to_si("1 m", "wavelength")
    with pytest.raises(UnitError):
        to_si(True, "length")


def test_convert_checks_dimension():
    assert convert(1.0, "mAh/cm2", "C/m2") == 36000.0
    with pytest.raises(UnitError):
        convert(1.0, "mAh/cm2", "MPa")


# --- bad input (issue 20): any text gives a value or a UnitError, never another exception ----

_UNIT_BITS = st.sampled_from(["um", "mm", "MPa", "mA", "cm2", "/", "*", "**", "(", ")", "^",
                              "0", "-1", "2", "degC", "K", "%", "wt%", " ", "h", "e", ".",
                              "mAh", "ohm", "µ", "°C", "1/s", "g"])


@settings(max_examples=300, deadline=None)
@given(number=st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                        st.sampled_from(["1e400", "-1e400", "nan", "1", "-5", "0"])),
       unit=st.lists(_UNIT_BITS, max_size=6).map("".join),
       kind=st.sampled_from(sorted(KINDS)))
def test_any_quantity_text_is_a_value_or_a_unit_error(number, unit, kind) -> None:
    text = f"{number} {unit}"
    try:
        value = to_si(text, kind, "x")
    except UnitError as exc:
        assert "x" in str(exc)
        return
    assert math.isfinite(value)
    if kind == "temperature":
        assert value > 0


@pytest.mark.parametrize("text", ["100 um/", "100 (um", "100 um**", "1e400 um", "nan um"])
def test_malformed_quantities_name_the_text(text: str) -> None:
    with pytest.raises(UnitError, match="thickness"):
        to_si(text, "length", "thickness")


@pytest.mark.parametrize("text", ["-5 K", "-300 degC", "0 K", -1.0])
def test_temperatures_at_or_below_absolute_zero_are_refused(text) -> None:
    with pytest.raises(UnitError, match="above 0 K"):
        to_si(text, "temperature", "temperature")
