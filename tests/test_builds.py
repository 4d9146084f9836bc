"""Parameter layers: cell builds, pellet density laws, creep in time."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfalab.cell import experiments as ex
from tfalab.cell import physics as ph
from tfalab.cell.builds import (
    BuildError,
    available_builds,
    flaw_scale,
    load_build,
    throat_scale,
)
from tfalab.cell.parameters import make_anode, parameter_values, symmetric_parameters
from tfalab.errors import ParameterError


def test_every_shipped_build_loads_with_sources():
    names = available_builds()
    assert {"Zhang2025", "Generic", "Doux2020"} <= set(names)
    for n in names:
        b = load_build(n)
        for v in b.values.values():
            assert v.source in ("reported", "assumed", "fitted")
            if v.source == "fitted":
                assert 1 <= len(v.fitted_to) <= 2
        assert len(b.fitted_values()) <= 3, n
        assert 0 < b.pellet_thickness() < 5e-3


def test_paper_parameter_sets_keep_working():
    import pybamm

    pv = pybamm.ParameterValues("Zhang2025_Li")
    assert pv["Electrode area [m2]"] == pytest.approx(math.pi * 0.01**2 / 4)
    assert pv["Anode thickness [m]"] == pytest.approx(100e-6)
    pv2 = parameter_values(build="Zhang2025", anode="li")
    assert pv2["Flaw size [m]"] == pv["Flaw size [m]"]


def test_bare_li_preset_takes_the_build_foil():
    assert make_anode("li", "Doux2020").thickness == pytest.approx(500e-6)
    assert make_anode("li").thickness == pytest.approx(100e-6)


def test_build_file_and_inheritance(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('name = "mine"\nbase = "Generic"\n[values]\nflaw_depth = "2 um"\n'
                 '[overrides]\n"Filament tip fraction" = 0.2\n')
    p = symmetric_parameters("li", build=str(f))
    assert p["Flaw size [m]"] == pytest.approx(2e-6)
    assert p["Filament tip fraction"] == 0.2
    assert p["Creep length [m]"] == load_build("Generic").value("creep_length")


@pytest.mark.parametrize("text, match", [
    ('base = "Generic"\n[values]\nflaw_dept = "2 um"\n', "unknown field"),
    ('base = "Generic"\n[values]\nflaw_depth = "2 MPa"\n', "flaw_depth"),
    ('base = "Generic"\n[values]\nflaw_depth = "-2 um"\n', "positive"),
    ('[values]\nflaw_depth = "2 um"\n', "does not set"),
    ('base = "Generic"\n[values]\nrelative_density = 1.5\n', "relative_density"),
    ('base = "Generic"\n[values]\ncreep_length = { value = "2 um", source = "fitted" }\n',
     "fitted_to"),
    ("not toml [", "not valid TOML"),
])
def test_bad_build_files_get_clear_errors(tmp_path, text, match):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises((BuildError, ParameterError), match=match):
        load_build(str(f))


def test_unknown_build_names_the_known_ones():
    with pytest.raises(BuildError, match="Zhang2025"):
        load_build("Nobody2099")


@settings(max_examples=30, deadline=None)
@given(st.floats(0.76, 0.999), st.floats(0.76, 0.999))
def test_density_laws_are_monotone(r1, r2):
    lo, hi = sorted((r1, r2))
    assert throat_scale(hi, 0.85) <= throat_scale(lo, 0.85)
    assert flaw_scale(hi, 0.85, 0.25) <= flaw_scale(lo, 0.85, 0.25)


@settings(max_examples=20, deadline=None)
@given(st.floats(0.76, 0.999))
def test_build_round_trip_and_density(rho):
    b = load_build("Doux2020").with_values(relative_density=rho)
    again = load_build(b.to_dict())
    assert again.parameters() == b.parameters()
    dense, loose = b.parameters(0.99), b.parameters(0.8)
    assert dense["Electrolyte conductivity [S.m-1]"] > loose["Electrolyte conductivity [S.m-1]"]
    assert dense["Flaw size [m]"] < loose["Flaw size [m]"]
    assert dense["Electrolyte pore median size [m]"] < loose["Electrolyte pore median size [m]"]


def test_ccd_rises_when_the_pellet_is_densified():
    ccd = [ex.ccd("li", "5 MPa", "25 degC", build="Generic", relative_density=r).ccd
           for r in (0.8, 0.99)]
    assert ccd[1] > ccd[0]


def _overpressure_build():
    # flaws shallow enough that Li must intrude (creep) before the pellet cracks
    return load_build("Generic").with_values(flaw_depth="1 um")


def test_time_to_short_under_overpressure_is_finite_and_falls_with_pressure_and_t():
    b = _overpressure_build()
    p0 = ex.mechanical_short_pressure("li", "25 degC", build=b)  # eventually shorts above it
    times = [ex.mechanical_short_time("li", p0 * f, "25 degC", build=b)
             for f in (1.02, 1.05, 1.1)]
    assert all(math.isfinite(t) and t > 0 for t in times)
    assert times[0] > times[1] > times[2]
    hot = ex.mechanical_short_time("li", p0 * 1.02, "40 degC", build=b)
    assert 0 <= hot < times[0]
    assert ex.mechanical_short_time("li", p0 * 0.98, "25 degC", build=b) == math.inf


def test_creep_short_in_the_model_matches_the_closed_form():
    b = _overpressure_build()
    t = ex.mechanical_short_time("li", "85 MPa", "25 degC", build=b)
    assert math.isfinite(t)
    res = ex.simulate_symmetric("li", protocol=f"rest {2 * t / 3600} h", pressure="85 MPa",
                                temperature="25 degC", build=b)
    assert res.termination == "Short circuit"
    assert ex.short_time(res) == pytest.approx(t, rel=0.1)


def test_below_the_threshold_there_is_no_creep_short():
    assert ex.mechanical_short_time("li", "5 MPa", "25 degC", build="Generic") == math.inf
    p = symmetric_parameters("li", "5 MPa", "25 degC", build="Generic")
    assert ph.intrusion_rate(p, 0.0, 5e6, ph.NUMPY) >= 0


def test_slow_plating_is_relieved_by_creep():
    p = symmetric_parameters("li", "5 MPa", "25 degC", build="Generic")
    slow = ph.creep_relief_stress(p, 1e-12, ph.NUMPY)
    fast = ph.creep_relief_stress(p, 1e-8, ph.NUMPY)
    assert 0 < slow < fast


def test_temperature_outside_solid_li_is_refused():
    with pytest.raises(ParameterError, match="temperature"):
        symmetric_parameters("li", temperature="250 degC")
    with pytest.raises(ParameterError, match="temperature"):
        symmetric_parameters("li", temperature="1 K")


def test_other_skeletons_do_not_borrow_libx_fits():
    from tfalab.anode import CompositeAnode

    p = symmetric_parameters(CompositeAnode(skeleton="LiBx"))
    assert p["Anode skeleton-path diffusivity [m2.s-1]"] > 0
    bare = symmetric_parameters("li")
    assert bare["Anode skeleton-path diffusivity [m2.s-1]"] == 0


def test_libx_fitted_collapse_is_not_applied_to_other_skeletons():
    from tfalab.anode import CompositeAnode

    with pytest.raises(ParameterError, match="collapse_fraction"):
        CompositeAnode(skeleton="Cu")
    assert CompositeAnode(skeleton="Cu", collapse_fraction="rigid").collapse_fraction == 0.0
    with pytest.raises(ParameterError, match="bare Li"):
        CompositeAnode(skeleton="Li")


def test_anode_file(tmp_path):
    f = tmp_path / "thin.toml"
    f.write_text('[anode]\nskeleton = "LiBx"\nfree_li = "50 wt%"\nthickness = "30 um"\n'
                 'porosity = 0.05\n')
    a = make_anode(str(f))
    assert a.thickness == pytest.approx(30e-6) and a.free_li == pytest.approx(0.5)
    bad = tmp_path / "bad.toml"
    bad.write_text('thikness = "30 um"\n')
    with pytest.raises(ParameterError, match="unknown keys"):
        make_anode(str(bad))


def test_cli_builds_and_a_parameter_file_as_build(tmp_path):
    from click.testing import CliRunner

    from tfalab.cli import cli

    r = CliRunner().invoke(cli, ["builds"])
    assert r.exit_code == 0 and "Doux2020" in r.output
    r = CliRunner().invoke(cli, ["builds", "Zhang2025"])
    assert r.exit_code == 0 and "fitted" in r.output
    f = tmp_path / "fit.toml"  # the form tfalab fit writes: overrides on a base build
    f.write_text('name = "mine"\nbase = "Zhang2025"\n[overrides]\n"Creep length [m]" = 3e-06\n')
    assert symmetric_parameters("li", build=str(f))["Creep length [m]"] == 3e-6
    out = tmp_path / "run"
    r = CliRunner().invoke(cli, ["simulate", "symmetric", "--build", str(f), "--anode", "li",
                                 "--relative-density", "95 %", "--protocol",
                                 "cycle 0.5 mA/cm2 0.5 mAh/cm2 x 2", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.with_suffix(".parquet").exists()


def test_parameter_file_without_base_sits_on_the_default_build(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('[overrides]\n"Filament tip fraction" = 0.3\n')
    b = load_build(str(f))
    assert b.overrides == {"Filament tip fraction": 0.3}
    assert b.value("creep_length") == load_build("Generic").value("creep_length")
