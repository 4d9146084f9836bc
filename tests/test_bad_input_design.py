"""Bad input to the design and anode APIs raises a tfalab error naming the argument (the fuzz
found raw TypeErrors, AttributeErrors, ZeroDivisionErrors, OverflowErrors and silently
meaningless numbers); the edges of every range added are still accepted."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from tfalab.anode import MAX_PLATED, CompositeAnode, fit_collapse_fraction, modulus_bounds
from tfalab.design import (
    CathodeComposite,
    CellStack,
    Collector,
    anode_summary,
    fes2_cathode,
    make_cathode,
    make_stack,
    ncm_cathode,
    parse_composition,
    pellet_cell,
    pellet_separator_thickness,
    thin_cell,
)
from tfalab.errors import TfalabError
from tfalab.explore.design import DesignInputs, design_code, design_metrics, free_li_curve
from tfalab.materials import get_phase, load_phases, phase_from_dict, register_phase

FES2 = fes2_cathode()
TFA = CompositeAnode()
PELLET = {"die_diameter": "10 mm", "pellet_mass": "150 mg"}

# (call, words the message must hold: the argument's name)
T2_RAW_EXCEPTIONS: list[tuple[Callable[[], Any], str]] = [
    (lambda: thin_cell(anode=5), "anode"),
    (lambda: thin_cell(anode="graphite"), "anode"),
    (lambda: pellet_cell(anode=[1], **PELLET), "anode"),
    (lambda: make_cathode(None, "2 mg/cm2"), "cathode"),
    (lambda: make_cathode(5, "2 mg/cm2"), "cathode"),
    (lambda: make_cathode("fes2", None), "loading"),
    (lambda: make_cathode("fes2", [1]), "loading"),
    (lambda: make_cathode("fes2", {"a": 1}), "loading"),
    (lambda: make_cathode("fes2", "2 mg/cm2", colour="red"), "colour"),
    (lambda: fes2_cathode("2 mg/cm2", colour="red"), "colour"),
    (lambda: ncm_cathode("2 mAh/cm2", active="FeS2"), "active"),
    (lambda: parse_composition({"FeS2": "a"}), "composition"),
    (lambda: parse_composition({"FeS2": None}), "composition"),
    (lambda: parse_composition({5: 1.0}), "composition"),
    (lambda: parse_composition(None), "composition"),
    (lambda: parse_composition(["FeS2", 1]), "composition"),
    (lambda: parse_composition("FeS2:VGCF = 1:x"), "composition"),
    (lambda: make_stack(["thin"]), "preset"),
    (lambda: make_stack(None), "preset"),
    (lambda: make_stack("thin", colour="red"), "colour"),
    (lambda: CellStack(cathode=None, anode=TFA, separator_thickness=30e-6), "cathode"),
    (lambda: CellStack(cathode="fes2", anode=TFA, separator_thickness=30e-6), "cathode"),
    (lambda: CellStack(cathode=FES2, anode=None, separator_thickness=30e-6), "anode"),
    (lambda: CellStack(FES2, TFA, 30e-6, cathode_collector="Cu"), "cathode_collector"),
    (lambda: CellStack(FES2, TFA, 30e-6, separator_phase=None), "phase"),
    (lambda: CellStack(FES2, TFA, 30e-6, max_utilisation="x"), "max_utilisation"),
    (lambda: pellet_cell(collector="Cu", **PELLET), "collector"),
    (lambda: Collector(None, 20e-6), "phase"),
    (lambda: Collector("Cu", None), "thickness"),
    (lambda: Collector("Cu", "20 MPa"), "thickness"),
    (lambda: anode_summary(None), "anode"),
    (lambda: FES2.c_rate_current("abc"), "c_rate"),
    (lambda: CompositeAnode.from_config({"x": 1}), "config"),
    (lambda: CompositeAnode.from_config("abc"), "config"),
    (lambda: CompositeAnode.from_config(None), "config"),
    (lambda: TFA.trajectory("abc"), "net_stripped"),
    (lambda: TFA.trajectory([[1, 2], [3, 4]]), "net_stripped"),
    (lambda: TFA.trajectory(np.zeros((2, 2))), "net_stripped"),
    (lambda: TFA.trajectory(5.0), "net_stripped"),
    (lambda: TFA.trajectory([0.0, "abc"]), "net_stripped"),
    (lambda: TFA.strip("1 mAh/cm2", start="x"), "start"),
    (lambda: TFA.plate("1 mAh/cm2", start=5), "start"),
    (lambda: CompositeAnode(collapse_fraction=np.array([0.1, 0.2])), "collapse_fraction"),
    (lambda: modulus_bounds("abc", [1.0], [1.0]), "fractions"),
    (lambda: modulus_bounds([1.0], None, [1.0]), "bulk"),
    (lambda: modulus_bounds([0.5, 0.5], [[1.0], [1.0, 2.0]], [1.0, 1.0]), "bulk"),
    (lambda: fit_collapse_fraction(anode="tfa"), "anode"),
    (lambda: fit_collapse_fraction(stripped=None), "stripped"),
    (lambda: get_phase(None), "phase"),
    (lambda: get_phase(5), "phase"),
    (lambda: get_phase(["Li"]), "phase"),
    (lambda: get_phase("Li").value(["density"]), "prop"),
    (lambda: get_phase("Li").li_diffusivity_at("hot"), "temperature"),
    (lambda: phase_from_dict("Mg", None), "Mg"),
    (lambda: phase_from_dict("Mg", {"aliases": "magnesium"}), "aliases"),
    (lambda: phase_from_dict("Mg", {"density": {"value": "abc", "unit": "",
                                                "source": "x"}}), "density"),
    (lambda: register_phase(5, name="X"), "phase"),
    (lambda: load_phases(None), "path"),
    (lambda: design_code(None), "inputs"),
    (lambda: free_li_curve(None), "inputs"),
]

T3_OVERFLOW: list[tuple[Callable[[], Any], str]] = [
    (lambda: pellet_cell(die_diameter="1e-200 m", pellet_mass="150 mg"), "die_diameter"),
    (lambda: pellet_cell(die_diameter="1e200 m", pellet_mass="150 mg"), "die_diameter"),
    (lambda: pellet_separator_thickness("1e-170 m", "1 mg"), "die_diameter"),
    (lambda: pellet_separator_thickness("10 mm", "1e-300 mg"), "pellet_mass"),
    (lambda: pellet_separator_thickness(True, "1 mg"), "die_diameter"),
    (lambda: pellet_separator_thickness("1 mm", "100 g"), "pellet_mass"),  # a 76 m pellet
    (lambda: pellet_separator_thickness("100 mm", "1 mg"), "die_diameter"),  # 86 nm
    (lambda: pellet_separator_thickness("10 mm", "150 mg", porosity="nan %"), "porosity"),
]

S5_SILENT: list[tuple[Callable[[], Any], str]] = [
    (lambda: pellet_cell(die_diameter="10 mm", pellet_mass="1e300 kg"), "pellet_mass"),
    (lambda: pellet_cell(die_diameter="10 mm", pellet_mass="-1 mg"), "pellet_mass"),
    (lambda: thin_cell(separator="1 km"), "separator"),
    (lambda: thin_cell(separator="1 nm"), "separator"),
    (lambda: thin_cell(separator=True), "separator"),
    (lambda: CellStack(FES2, TFA, separator_thickness=math.inf), "separator_thickness"),
    (lambda: CellStack(FES2, TFA, separator_thickness=math.nan), "separator_thickness"),
    (lambda: CellStack(FES2, TFA, separator_thickness=-30e-6), "separator_thickness"),
    (lambda: CellStack(FES2, TFA, 30e-6, separator_porosity=1.0), "separator_porosity"),
    (lambda: CellStack(FES2, TFA, 30e-6, max_utilisation=True), "max_utilisation"),
    (lambda: Collector("Cu", -1e-3), "thickness"),
    (lambda: Collector("Cu", math.nan), "thickness"),
    (lambda: Collector("Cu", "1 m"), "thickness"),
    (lambda: Collector("Cu", 0.0), "thickness"),
    (lambda: make_cathode("fes2", True), "loading"),
    (lambda: make_cathode("fes2", math.nan), "loading"),
    (lambda: make_cathode("fes2", "2 mg/cm2", specific_capacity="1e-300 mAh/g"),
     "specific_capacity"),
    (lambda: make_cathode("fes2", "2 mg/cm2", specific_capacity="5000 mAh/g"),
     "specific_capacity"),
    (lambda: make_cathode("fes2", "2 mg/cm2", specific_capacity=True), "specific_capacity"),
    (lambda: make_cathode("fes2", "2 mg/cm2", average_voltage="1e-300 V"), "average_voltage"),
    (lambda: make_cathode("ncm", "2 mAh/cm2", average_voltage="7 V"), "average_voltage"),
    (lambda: CathodeComposite("Li", {"Li": 1}, "1 mg/cm2"), "average_voltage"),
    (lambda: CathodeComposite("FeS2", {"FeS2": 0, "VGCF": 1}, "1 mg/cm2"), "FeS2"),
    (lambda: parse_composition("FeS2:VGCF = nan:1"), "composition"),
    (lambda: parse_composition("FeS2:VGCF = inf:1"), "composition"),
    (lambda: parse_composition("FeS2:VGCF = 1e308:1e308"), "composition"),
    (lambda: parse_composition({"FeS2": True}), "composition"),
    (lambda: parse_composition({"FeS2": 1, "pyrite": 1}), "composition"),
    (lambda: parse_composition("FeS2:FeS2 = 1:1"), "composition"),
    (lambda: parse_composition({"FeS2": -1, "VGCF": 2}), "composition"),
    (lambda: FES2.c_rate_current(-1.0), "c_rate"),
    (lambda: FES2.c_rate_current(True), "c_rate"),
    (lambda: TFA.plate("1e6 mAh/cm2"), "areal_capacity"),
    (lambda: TFA.plate(math.inf), "areal_capacity"),
    (lambda: TFA.state_after(-1e30), "net_stripped"),
    (lambda: TFA.plate("900 mAh/cm2", start=TFA.plate("900 mAh/cm2")), "net_stripped"),
    (lambda: TFA.trajectory([0.0, -1e30]), "net_stripped"),
    (lambda: design_metrics(DesignInputs(separator_um=1e12)), "separator_um"),
    (lambda: design_metrics(DesignInputs(thickness_um=1e9)), "thickness_um"),
    (lambda: design_metrics(DesignInputs(strip_mAh_cm2=1e9)), "strip_mAh_cm2"),
    (lambda: design_metrics(DesignInputs(porosity_pct=100.0)), "porosity_pct"),
    (lambda: design_metrics(DesignInputs(loading=0.0)), "loading"),
    (lambda: design_metrics(DesignInputs(loading=1e9)), "loading"),
]


@pytest.mark.parametrize(("call", "words"), T2_RAW_EXCEPTIONS + T3_OVERFLOW + S5_SILENT)
def test_bad_input_raises_a_tfalab_error_naming_the_argument(call, words):
    with pytest.raises(TfalabError, match=re.escape(words)):
        call()


def test_unknown_keywords_are_listed_with_the_allowed_ones():
    with pytest.raises(TfalabError, match="allowed: porosity, specific_capacity, average_voltage"):
        make_cathode("fes2", "2 mg/cm2", colour="red")
    with pytest.raises(TfalabError, match="die_diameter"):  # the pellet preset's options
        make_stack("pellet", colour="red")


# --- what is still accepted: names, friendly units and the edges of each range ----------

def test_anode_names_are_the_cells_anode_names():
    from tfalab.cell import make_anode

    assert thin_cell(anode="tfa").anode == make_anode("tfa")
    assert thin_cell(anode="li").anode == make_anode("li")
    assert pellet_cell(anode="li", **PELLET).anode.is_bare
    assert CellStack(FES2, "tfa", "30 um") == CellStack(FES2, make_anode("tfa"), 30e-6)
    assert thin_cell(anode=TFA.to_config()).anode == TFA
    assert anode_summary("tfa") == anode_summary(TFA)
    assert thin_cell().anode == CompositeAnode(thickness="50 um")  # None: the preset's


def test_friendly_units_in_stack_and_collector():
    assert Collector("Cu", "20 um") == Collector("copper", 20e-6)
    assert Collector("Cu", "20 um").areal_mass == pytest.approx(8960 * 20e-6)
    a = CellStack(FES2, TFA, "30 um", separator_porosity="10 %", max_utilisation="65 %")
    assert a == CellStack(FES2, TFA, 30e-6)
    assert CellStack(FES2, TFA, 30e-6, cathode_collector=None).cathode_collector == \
        Collector("SS304", "20 um")
    assert make_cathode(" FES2 ", "2 mg/cm2") == fes2_cathode("2 mg/cm2")


@pytest.mark.parametrize(("die", "mass"), [("1 mm", "1 mg"), ("100 mm", "100 g"),
                                           ("1 mm", "10 mg"), ("100 mm", "10 mg")])
def test_pellet_range_edges_are_accepted(die, mass):
    h = pellet_separator_thickness(die, mass)
    assert 1e-7 <= h <= 1e-2
    assert pellet_cell(die_diameter=die, pellet_mass=mass).separator_thickness == h


@pytest.mark.parametrize("thickness", ["0.1 um", "10 mm", 1e-7, 1e-2])
def test_layer_thickness_edges_are_accepted(thickness):
    assert Collector("Cu", thickness).thickness in (1e-7, 1e-2)
    assert thin_cell(separator=thickness).separator_thickness in (1e-7, 1e-2)


@pytest.mark.parametrize(("capacity", "voltage"), [("1 mAh/g", "0.1 V"),
                                                   ("4000 mAh/g", "6 V")])
def test_cathode_range_edges_are_accepted(capacity, voltage):
    c = make_cathode("fes2", "2 mg/cm2", specific_capacity=capacity, average_voltage=voltage)
    assert c.average_voltage in (0.1, 6.0)
    assert c.c_rate_current(100) > 0


def test_plating_edge_is_accepted():
    s = TFA.plate("1000 mAh/cm2")
    assert s.net_stripped == -MAX_PLATED
    assert TFA.state_after(-MAX_PLATED) == s
    grown = MAX_PLATED * TFA.li_volume_per_charge - TFA.porosity * TFA.thickness  # pores fill
    assert s.thickness == pytest.approx(TFA.thickness + grown)
    assert 4.8e-3 < s.thickness < 5.0e-3


def test_trajectory_takes_friendly_units():
    tr = TFA.trajectory(["0 mAh/cm2", "5 mAh/cm2"])
    assert tr["net_stripped"][1] == pytest.approx(5 * 36000)
    assert tr["thickness"][1] == pytest.approx(TFA.state_after("5 mAh/cm2").thickness)


@pytest.mark.parametrize("change", [{"separator_um": 0.1}, {"separator_um": 1e4},
                                    {"thickness_um": 0.1}, {"thickness_um": 1e4},
                                    {"strip_mAh_cm2": 1000.0},
                                    {"free_li_wt": 100.0}, {"porosity_pct": 0.0}])
def test_design_view_range_edges_are_accepted(change):
    m = design_metrics(replace(DesignInputs(), **change))
    assert m["specific_energy_Wh_kg"] > 0


# --- S14: 100 wt% free Li is bare Li, whatever skeleton is named --------------------------

def test_all_free_li_is_bare_li_exactly():
    a = CompositeAnode(free_li="100 wt%")  # default LiBx skeleton named
    assert a.is_bare and a.skeleton is None
    assert a.collapse_fraction == 1.0  # bare Li's, not LiBx's fitted 0.2856
    assert CompositeAnode(free_li=1.0, porosity=0.0) == CompositeAnode.bare_li()
    assert CompositeAnode(skeleton="Cu", free_li=1.0, porosity=0.0,
                          collapse_fraction=0.3) == CompositeAnode.bare_li()
    assert CompositeAnode.from_config(a.to_config()) == a
    assert CompositeAnode(free_li="99 wt%").skeleton is not None
