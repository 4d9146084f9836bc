import math

import pytest

from tfalab.errors import ParameterError, UnknownPhaseError
from tfalab.materials import PROPERTIES, get_phase, load_phases, phase_names, register_phase

REQUIRED = ["Li", "LiBx", "Li6PS5Cl", "FeS2", "NCM93", "Li2S", "Fe", "VGCF", "SS304"]


def test_required_phases_present_with_sources():
    names = phase_names()
    for name in REQUIRED:
        assert name in names
        phase = get_phase(name)
        assert phase.density and phase.density > 0
        for key in phase.values:
            assert key in PROPERTIES
            assert phase.value(key).source


def test_aliases_and_formulas():
    assert get_phase("Li5B4") is get_phase("LiBx")
    assert get_phase("lpscl").name == "Li6PS5Cl"
    assert get_phase("LiNi0.93Co0.06Mn0.01O2").name == "NCM93"


def test_li_capacity_and_molar_volume():
    li = get_phase("Li")
    assert math.isclose(li.specific_capacity / 3600, 3862, rel_tol=1e-3)  # mAh/g
    assert math.isclose(li.molar_volume * 1e6, 13.0, rel_tol=5e-3)  # cm3/mol
    # 1 mAh/cm2 of Li is 4.85 um thick
    assert math.isclose(36000 / 96485.33 * li.molar_volume * 1e6, 4.85, rel_tol=5e-3)


def test_theoretical_capacities():
    assert math.isclose(get_phase("FeS2").theoretical_capacity / 3600, 894, rel_tol=2e-3)
    assert math.isclose(get_phase("NCM93").theoretical_capacity / 3600, 274.6, rel_tol=2e-3)
    assert get_phase("LiBx").specific_capacity is None  # inactive skeleton


def test_elastic_relations():
    li = get_phase("Li")
    assert li.bulk_modulus > li.shear_modulus > 0


def test_arrhenius_increases_with_temperature():
    lpscl = get_phase("Li6PS5Cl")
    s25, s80 = lpscl.ionic_conductivity_at(298.15), lpscl.ionic_conductivity_at(353.15)
    assert math.isclose(s25, lpscl.get("ionic_conductivity"))
    assert s80 > s25
    with pytest.raises(ParameterError):
        lpscl.ionic_conductivity_at(-5)


def test_unknown_phase_error_lists_known():
    with pytest.raises(UnknownPhaseError, match="known phases"):
        get_phase("unobtainium")


def test_missing_value_is_specific_error():
    with pytest.raises(ParameterError, match="SS304"):
        get_phase("SS304").require("li_diffusivity")


def test_user_phases(tmp_path):
    p = register_phase({"formula": "Li3N",
                        "density": {"value": 1.27, "unit": "g/cm3", "source": "CRC"}},
                       name="Li3N-test")
    assert get_phase("Li3N-test") is p
    assert math.isclose(p.molar_mass * 1000, 34.83, rel_tol=1e-3)
    f = tmp_path / "mine.toml"
    f.write_text('[LiF-test]\nformula = "LiF"\n'
                 'density = { value = 2.64, unit = "g/cm3", source = "CRC" }\n')
    (phase,) = load_phases(f)
    assert phase.name == "LiF-test"
    with pytest.raises(ParameterError, match="exists"):
        load_phases(f)


@pytest.mark.parametrize("bad", [
    {"density": {"value": 1.0, "unit": "MPa", "source": "x"}},
    {"density": {"value": -1.0, "unit": "g/cm3", "source": "x"}},
    {"density": {"value": 1.0, "unit": "g/cm3", "source": ""}},
    {"colour": {"value": 1.0, "unit": "", "source": "x"}},
    {"formula": "Xx2", "density": {"value": 1.0, "unit": "g/cm3", "source": "x"}},
])
def test_bad_user_phase(bad):
    with pytest.raises(ValueError):
        register_phase(bad, name="bad-phase")
