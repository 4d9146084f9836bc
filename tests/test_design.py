import itertools
import math

import pytest

from tfalab.anode import MAH_CM2, CompositeAnode
from tfalab.design import (
    CathodeComposite,
    CellStack,
    fes2_cathode,
    make_cathode,
    make_stack,
    ncm_cathode,
    parse_composition,
    pellet_cell,
    pellet_separator_thickness,
    thin_cell,
)
from tfalab.errors import CapacityError, ParameterError, UnknownPhaseError
from tfalab.paper import PAPER_DIE_DIAMETER, PAPER_PELLET_MASS, paper_cell


def test_composition_normalised():
    c = parse_composition("FeS2:VGCF:LPSCl = 4:3:1.5")
    assert math.isclose(sum(c.values()), 1.0)
    assert math.isclose(c["FeS2"], 4 / 8.5)


def test_loading_as_mass_or_capacity_agree():
    by_mass = fes2_cathode("2.17 mg/cm2")
    by_cap = fes2_cathode(f"{by_mass.areal_capacity / MAH_CM2} mAh/cm2")
    assert math.isclose(by_cap.loading, by_mass.loading)


def test_cathode_capacity_not_above_theoretical():
    c = fes2_cathode("9.64 mg/cm2")
    assert c.areal_capacity <= c.loading * c.active.theoretical_capacity * (1 + 1e-12)


def test_paper_pellet_is_about_1_mm():
    cell = paper_cell()
    assert 0.9e-3 < cell.separator_thickness < 1.3e-3


def test_paper_cell_is_the_generic_pellet_cell_with_the_papers_numbers():
    cell = paper_cell("ncm", "2 mAh/cm2")
    same = pellet_cell("ncm", "2 mAh/cm2", die_diameter="10 mm", pellet_mass="150 mg")
    assert cell == same
    assert (PAPER_DIE_DIAMETER, PAPER_PELLET_MASS) == (10e-3, 150e-6)
    assert make_stack("pellet", cathode="ncm", loading="2 mAh/cm2", die_diameter=10e-3,
                      pellet_mass=150e-6) == same
    # a bigger die spreads the same pellet thinner, a heavier pellet is thicker
    assert pellet_separator_thickness("20 mm", "150 mg") == pytest.approx(
        cell.separator_thickness / 4)
    assert pellet_separator_thickness("10 mm", "300 mg") == pytest.approx(
        2 * cell.separator_thickness)


def test_np_and_utilisation_consistent():
    cell = paper_cell("fes2", "9.64 mg/cm2")
    assert math.isclose(cell.np_ratio * cell.li_utilisation, 1.0)
    assert cell.limited_by == "cathode"


def test_anode_limited_li_free_cathode():
    cell = thin_cell("fes2", "6 mAh/cm2")  # 50 um TFA holds 7.6 mAh/cm2, 65 % usable
    assert cell.limited_by == "anode"
    assert math.isclose(cell.li_utilisation, 0.65)


def test_energy_density_thin_beats_paper():
    thin, paper = thin_cell(), paper_cell("ncm", "2 mAh/cm2")
    assert thin.specific_energy > 5 * paper.specific_energy
    assert 100 < thin.specific_energy / 3600 < 600  # Wh/kg


def test_energy_monotonic_in_loading():
    e = [thin_cell("ncm", f"{q} mAh/cm2").specific_energy for q in (1, 2, 3, 4)]
    assert all(b > a for a, b in itertools.pairwise(e))


@pytest.mark.parametrize(("call", "error"), [
    (lambda: fes2_cathode("-1 mg/cm2"), ParameterError),
    (lambda: fes2_cathode("0 mg/cm2"), ParameterError),
    (lambda: make_cathode("lfp", "1 mg/cm2"), ParameterError),
    (lambda: CathodeComposite("LiBx", {"LiBx": 1}, "1 mg/cm2"), ParameterError),
    (lambda: CathodeComposite("FeS2", "FeS2:Unobtainium = 1:1", "1 mg/cm2"),
     UnknownPhaseError),
    (lambda: make_stack("pouch"), ParameterError),
    (lambda: make_stack("paper"), ParameterError),  # the paper's cell: tfalab.paper
    (lambda: make_stack("pellet", cathode="fes2"), ParameterError),  # no die, no pellet
    (lambda: pellet_separator_thickness("0 mm", "150 mg"), ParameterError),
    (lambda: pellet_separator_thickness("10 mm", "150 mg", porosity=1.0), ParameterError),
    (lambda: ncm_cathode("2 mAh/cm2", porosity=1.2), ParameterError),
])
def test_impossible_designs(call, error):
    with pytest.raises(error):
        call()


def test_li_free_cathode_needs_li():
    with pytest.raises(CapacityError):
        CellStack(fes2_cathode(), CompositeAnode(free_li=0.0), separator_thickness=30e-6)
