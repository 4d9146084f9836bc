"""Physics of the anode bookkeeping: conservation, limits, invalid input."""

import math

import numpy as np
import pytest

from tfalab.anode import MAH_CM2, CompositeAnode, fit_collapse_fraction, modulus_bounds
from tfalab.errors import CapacityError, ParameterError, UnitError, UnknownPhaseError
from tfalab.materials import get_phase
from tfalab.parameters import fitted

LI = get_phase("Li")


@pytest.fixture
def tfa():
    return CompositeAnode(skeleton="LiBx", free_li="60 wt%", thickness="100 um", porosity=0.066)


def test_volume_fractions_sum_to_one(tfa):
    assert math.isclose(tfa.li_volume_fraction + tfa.skeleton_volume_fraction + tfa.porosity, 1)


def test_mass_fraction_recovered_from_volumes(tfa):
    li_mass = tfa.li_volume_fraction * LI.density
    sk_mass = tfa.skeleton_volume_fraction * tfa.skeleton.density
    assert math.isclose(li_mass / (li_mass + sk_mass), 0.6)
    assert math.isclose(li_mass + sk_mass, tfa.density)


def test_capacity_equals_li_volume(tfa):
    """Areal capacity <-> free-Li volume through F and V_m."""
    li_thickness = tfa.li_volume_fraction * tfa.thickness
    assert math.isclose(tfa.areal_capacity * tfa.li_volume_per_charge, li_thickness)


def test_one_mAh_cm2_is_4_85_um(tfa):
    assert math.isclose(MAH_CM2 * tfa.li_volume_per_charge * 1e6, 4.85, rel_tol=3e-3)


@pytest.mark.parametrize("chi", [0.0, 0.2856, 0.7, 1.0])
@pytest.mark.parametrize("q", [0.5, 5.0, 12.0])
def test_strip_conserves_volume(chi, q):
    a = CompositeAnode(collapse_fraction=chi)
    s = a.strip(q * MAH_CM2)
    removed = q * MAH_CM2 * a.li_volume_per_charge
    assert math.isclose(s.free_li_thickness, a.li_volume_fraction * a.thickness - removed)
    solid = s.free_li_thickness + s.skeleton_thickness
    assert math.isclose(solid + s.pore_thickness, s.thickness)
    assert math.isclose(a.thickness - s.thickness, chi * removed)


@pytest.mark.parametrize("chi", [0.0, 0.2856, 1.0])
def test_strip_then_plate_returns_to_start(chi):
    a = CompositeAnode(collapse_fraction=chi)
    s = a.plate("5 mAh/cm2", start=a.strip("5 mAh/cm2"))
    assert math.isclose(s.thickness, a.thickness)
    assert math.isclose(s.porosity, a.porosity, abs_tol=1e-15)


def test_plating_fills_pores_first(tfa):
    pore_q = tfa.pore_capacity()
    half = tfa.plate(pore_q / 2)
    assert math.isclose(half.thickness, tfa.thickness)
    assert math.isclose(half.porosity, tfa.porosity / 2)
    over = tfa.plate(pore_q + 1 * MAH_CM2)
    assert over.porosity == 0
    assert math.isclose(over.thickness - tfa.thickness, MAH_CM2 * tfa.li_volume_per_charge)


def test_rigid_skeleton_keeps_thickness():
    a = CompositeAnode(collapse_fraction="rigid")
    assert a.strip("5 mAh/cm2").thickness == a.thickness


def test_porosity_monotonic_in_stripping(tfa):
    tr = tfa.trajectory(np.linspace(0, tfa.areal_capacity, 30))
    assert np.all(np.diff(tr["porosity"]) > 0)
    assert np.all(np.diff(tr["thickness"]) < 0)


def test_bare_li_limit():
    li = CompositeAnode.bare_li("100 um")
    assert li.collapse_fraction == 1.0
    assert math.isclose(li.density, LI.density)
    assert math.isclose(li.specific_capacity, LI.specific_capacity)
    s = li.strip("5 mAh/cm2")
    assert s.porosity == 0
    assert math.isclose((li.thickness - s.thickness) * 1e6, 24.25, rel_tol=3e-3)
    # 100 % free Li with a skeleton named is the same material
    same = CompositeAnode(free_li=1.0, porosity=0.0)
    assert math.isclose(same.areal_capacity, li.areal_capacity)


def test_zero_free_li_has_no_capacity():
    a = CompositeAnode(free_li=0.0)
    assert a.areal_capacity == 0
    assert math.isclose(a.density, (1 - 0.066) * get_phase("LiBx").density)
    with pytest.raises(CapacityError):
        a.utilisation("1 mAh/cm2")
    with pytest.raises(CapacityError):
        a.strip("0.1 mAh/cm2")


def test_full_utilisation_and_beyond(tfa):
    full = tfa.strip(tfa.areal_capacity)
    assert math.isclose(full.utilisation, 1.0)
    assert full.free_li_thickness == pytest.approx(0, abs=1e-18)
    with pytest.raises(CapacityError, match="100 % utilisation"):
        tfa.strip(tfa.areal_capacity * 1.01)


def test_utilisation_capacity_inverse(tfa):
    for u in (0.1, 0.62, 0.65, 1.0):
        assert math.isclose(tfa.utilisation(tfa.capacity_at(u)), u)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"free_li": "120 wt%"}, ParameterError),
    ({"free_li": -0.1}, ParameterError),
    ({"thickness": "-5 um"}, ParameterError),
    ({"thickness": 0}, ParameterError),
    ({"porosity": 1.0}, ParameterError),
    ({"porosity": -0.1}, ParameterError),
    ({"skeleton": "unobtainium"}, UnknownPhaseError),
    ({"thickness": "20 MPa"}, UnitError),
    ({"collapse_fraction": 1.5}, ParameterError),
    ({"skeleton": None, "free_li": 0.5}, ParameterError),
])
def test_invalid_input(kwargs, error):
    with pytest.raises(error):
        CompositeAnode(**kwargs)


def test_negative_strip_rejected(tfa):
    with pytest.raises(ParameterError):
        tfa.strip("-1 mAh/cm2")


def test_config_round_trip(tfa):
    assert CompositeAnode.from_config(tfa.to_config()) == tfa


def test_stored_fit_matches_fitting_function():
    """The value in parameters.toml is what the declared fit reproduces."""
    assert fitted("anode.collapse_fraction").value == pytest.approx(fit_collapse_fraction(),
                                                                    abs=1e-4)


def test_modulus_bounds_ordering(tfa):
    b = tfa.modulus_bounds()
    assert b.voigt >= b.hs_upper >= b.hs_lower >= b.reuss >= 0
    dense = CompositeAnode(porosity=0.0).modulus_bounds()
    assert dense.hs_lower > 0  # no pores: lower bounds are finite
    assert LI.youngs_modulus < dense.hs_lower <= dense.hs_upper < get_phase("LiBx").youngs_modulus


def test_modulus_bounds_single_phase_collapse():
    k, g = 10e9, 4e9
    b = modulus_bounds([1.0], [k], [g])
    e = 9 * k * g / (3 * k + g)
    for v in (b.voigt, b.reuss, b.hs_upper, b.hs_lower):
        assert math.isclose(v, e)


def test_modulus_bounds_bad_fractions():
    with pytest.raises(ParameterError):
        modulus_bounds([0.5, 0.4], [1e9, 2e9], [1e9, 1e9])
