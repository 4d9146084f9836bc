"""The symmetric-cell model: conservation, limits, trends, failure modes and errors."""

from __future__ import annotations

import numpy as np
import pybamm
import pytest

from tfalab.analysis import detect_short, time_to_failure
from tfalab.anode import CompositeAnode
from tfalab.cell import SymmetricCell, symmetric_parameters
from tfalab.cell import experiments as ex
from tfalab.cell import physics as ph
from tfalab.cell import simulate as sim_mod
from tfalab.cell.simulate import SymmetricConfig, run, simulate_symmetric
from tfalab.errors import ParameterError, ProtocolError, SimulationError
from tfalab.protocols import make_protocol


@pytest.fixture(autouse=True, scope="module")
def _paper_build():
    """These tests check the model on the paper's calibrated cells: build Zhang2025 by default
    (the library's default is the Generic build)."""
    mp = pytest.MonkeyPatch()
    mp.setattr("tfalab.cell.builds.DEFAULT_BUILD", "Zhang2025")
    yield
    mp.undo()

H = 3600.0


def _charge_balance(res):
    d = res.celltest.data
    t, i = d["Test Time / s"].to_numpy(), d["Current / A"].to_numpy()
    area = res.celltest.area
    left = d["Left Net Stripped Charge / C/m**2"].to_numpy()
    right = d["Right Net Stripped Charge / C/m**2"].to_numpy()
    return t, i / area, left, right, d["Step Count / 1"].to_numpy()


@pytest.mark.parametrize("anode", ["li", "tfa"])
def test_li_conservation_every_electrode_every_step(anode):
    res = simulate_symmetric(anode, protocol="cycle 1 mA/cm2 1 mAh/cm2 x 3", pressure="10 MPa")
    assert res.termination == "completed"
    t, i, left, right, step = _charge_balance(res)
    np.testing.assert_allclose(left + right, 0.0, atol=1e-9 * 36000)
    # charge passed in each step equals the Li moved out of the left electrode
    for k in np.unique(step):
        sel = step == k
        passed = i[sel][0] * (t[sel][-1] - t[sel][0])
        moved = left[sel][-1] - left[sel][0]
        assert moved == pytest.approx(passed, rel=1e-6)


def test_rest_at_low_pressure_leaves_the_cell_unchanged():
    res = simulate_symmetric("li", protocol="rest 10 h", pressure="5 MPa")
    d = res.celltest.data
    for col in ("Left Contact Fraction / 1", "Right Contact Fraction / 1"):
        np.testing.assert_allclose(d[col], 1.0, atol=1e-9)
    for col in ("Filament Length / m", "Left Net Stripped Charge / C/m**2",
                "Left Thickness Change / m"):
        np.testing.assert_allclose(d[col], 0.0, atol=1e-12)
    np.testing.assert_allclose(d["Voltage / V"], 0.0, atol=1e-12)
    np.testing.assert_allclose(d["Applied Pressure / Pa"], 5e6, rtol=1e-6)  # smooth max(P, 0)


def test_stripping_contact_improves_with_pressure_below_intrusion():
    contact = []
    for p in ("0 MPa", "5 MPa", "10 MPa", "15 MPa"):
        res = simulate_symmetric("li", protocol="strip 2 mA/cm2 to 1 mAh/cm2", pressure=p)
        contact.append(res.celltest.column("Left Contact Fraction / 1")[-1])
    assert np.all(np.diff(contact) >= -1e-9)
    assert contact[-1] > contact[0]


def test_bare_li_shorts_with_no_current_above_the_intrusion_threshold():
    p_short = ex.mechanical_short_pressure("li")  # eventually (equilibrium intrusion)
    assert 5e6 < p_short < 60e6
    p_hour = ex.mechanical_short_pressure("li", within="1 h")  # intrusion creeps: takes time
    assert p_hour > p_short
    res = simulate_symmetric("li", protocol="rest 1 h", pressure=p_hour * 1.02)
    assert res.termination == "Short circuit"
    slow = simulate_symmetric("li", protocol="rest 1 h", pressure=0.5 * (p_short + p_hour))
    assert slow.termination == "completed"  # shorts later than the hour
    below = simulate_symmetric("li", protocol="rest 1 h", pressure=p_short * 0.8)
    assert below.termination == "completed"
    # the skeleton carries load: the TFA tolerates more
    assert ex.mechanical_short_pressure("tfa") > 1.5 * p_short


def test_skeleton_confines_free_li_no_intrusion_without_pressure():
    for anode in ("li", "tfa"):  # nothing intrudes at zero pressure
        p = symmetric_parameters(anode, pressure="0 MPa")
        assert ph.intrusion_depth(p, 0.0, ph.NUMPY) == 0.0
    tfa = symmetric_parameters("tfa", pressure="50 MPa")
    li = symmetric_parameters("li", pressure="50 MPa")
    # free Li in sub-micron skeleton channels is stronger than bulk Li (size effect)
    assert tfa["Anode Li channel size [m]"] < 2e-6 < li["Anode Li channel size [m]"]
    assert ph.intruded_fraction(tfa, 20e6, ph.NUMPY) < 1e-3 * ph.intruded_fraction(li, 20e6,
                                                                                   ph.NUMPY)
    # the paper's Fig. 2f/g: Li intrudes and cracks the pellet at 50 MPa, the TFA does not
    assert ph.intrusion_depth(li, 50e6, ph.NUMPY) > 10 * ph.intrusion_depth(tfa, 50e6, ph.NUMPY)
    assert ph.intrusion_depth(tfa, 50e6, ph.NUMPY) < 1e-6
    assert ph.mechanical_short_margin(li, 50e6, ph.NUMPY) > 0
    assert ph.mechanical_short_margin(tfa, 50e6, ph.NUMPY) < 0
    # confinement weakens as the skeleton thins, and vanishes when it floats in Li
    channel = [symmetric_parameters(CompositeAnode(free_li=f"{w} wt%"))["Anode Li channel size [m]"]
               for w in (40, 60, 69, 75)]
    assert channel[0] < channel[1] < channel[2] < 2e-6 < channel[3]


def test_a_short_makes_the_voltage_collapse():
    res = ex.cycle("li", "20 MPa", "4 mA/cm2", "1 mAh/cm2", "24 h")
    assert res.termination == "Short circuit"
    short = detect_short(res.celltest)
    assert short is not None
    v = res.celltest.voltage
    assert abs(v[-1]) < 1e-3 < np.median(np.abs(v))


@pytest.mark.parametrize(("pressure", "current", "capacity", "hours"),
                         [("20 MPa", "4 mA/cm2", "1 mAh/cm2", "200 h"),
                          ("20 MPa", "0.5 mA/cm2", "2 mAh/cm2", "400 h"),
                          ("40 MPa", "2 mA/cm2", "2 mAh/cm2", "200 h"),
                          ("10 MPa", "2 mA/cm2", "1 mAh/cm2", "200 h")])
def test_tfa_outlasts_li_in_paper_conditions(pressure, current, capacity, hours):
    li = ex.cycle("li", pressure, current, capacity, hours)
    tfa = ex.cycle("tfa", pressure, current, capacity, hours)
    assert time_to_failure(tfa.celltest) > time_to_failure(li.celltest)


def test_plating_relief_needs_internal_pores():
    """Dense Li has nowhere to put plated Li but the interface; a porous host does."""
    li, tfa = symmetric_parameters("li"), symmetric_parameters("tfa")
    assert ph.plating_relief_velocity(li, ph.NUMPY) == 0.0
    relief = ph.plating_relief_velocity(tfa, ph.NUMPY)
    assert relief == pytest.approx(ph.diffusion_velocity(tfa, ph.NUMPY), rel=0.05)
    # so at the same current and contact, Li plated into a flaw builds pressure, TFA Li does not
    i, flaw = -5.0, tfa["Flaw size [m]"]  # 0.5 mA/cm2 plating, below the TFA's relief
    r = li["Initial interphase resistance [Ohm.m2]"]
    li_pressure = 20e6  # below the Griffith stress of the bare flaw (~33 MPa)
    assert ph.filament_rate(tfa, i, 1.0, r, flaw, ph.NUMPY, li_pressure) == 0.0
    assert ph.filament_rate(li, i, 1.0, r, flaw, ph.NUMPY, li_pressure) > 0.0


def test_li_supply_has_two_parallel_paths():
    """Bare Li: self-diffusion over its thickness only. A percolating skeleton adds a path whose
    room-temperature diffusivity is the SIMS value less Li's, and whose weaker activation makes
    the TFA's supply grow less with temperature than bare Li's."""
    li_d = symmetric_parameters("li")["Anode Li diffusivity [m2.s-1]"]
    for t in ("25 degC", "80 degC"):
        li, tfa = symmetric_parameters("li", temperature=t), symmetric_parameters("tfa",
                                                                                 temperature=t)
        assert li["Anode skeleton-path diffusivity [m2.s-1]"] == 0.0
        bulk = ph.diffusion_velocity({**tfa, "Anode skeleton-path diffusivity [m2.s-1]": 0.0},
                                     ph.NUMPY)
        assert bulk == pytest.approx(ph.diffusion_velocity(li, ph.NUMPY))  # same free-Li path
        assert ph.diffusion_velocity(tfa, ph.NUMPY) > 3 * bulk
    tfa25 = symmetric_parameters("tfa", temperature="25 degC")
    sims = (tfa25["Anode Li diffusivity [m2.s-1]"]
            + tfa25["Anode skeleton-path diffusivity [m2.s-1]"])
    assert sims == pytest.approx(2.4e-14)  # the paper's ToF-SIMS value, m2/s
    assert li_d == pytest.approx(2.5e-15)

    def ratio(anode):
        hot, cold = (ph.diffusion_velocity(symmetric_parameters(anode, temperature=t), ph.NUMPY)
                     for t in ("80 degC", "25 degC"))
        return hot / cold

    assert 1 < ratio("tfa") < ratio("li")


def test_skeleton_path_needs_a_percolating_skeleton_and_fits_in_the_electrode():
    floating = CompositeAnode(free_li=0.9)  # above the 70 wt% percolation limit
    assert symmetric_parameters(floating)["Anode skeleton-path diffusivity [m2.s-1]"] == 0.0
    thin = CompositeAnode(thickness="3 um")
    assert symmetric_parameters(thin)["Anode skeleton-path length [m]"] == pytest.approx(3e-6)
    with pytest.raises(ParameterError, match="skeleton-path diffusivity"):
        symmetric_parameters("tfa", overrides={"Anode skeleton-path diffusivity [m2.s-1]": -1.0})


def test_tfa_keeps_its_advantage_at_room_temperature():
    """The paper's C12 direction: at 25 degC the TFA's CCD is well above bare Li's."""
    ramp = "ccd from 0.2 mA/cm2 step 0.2 mA/cm2 to 6 mA/cm2 every 0.5 h"
    tfa = ex.ccd("tfa", "20 MPa", "25 degC", protocol=ramp).ccd
    li = ex.ccd("li", "20 MPa", "25 degC", protocol=ramp).ccd
    assert tfa > 1.5 * li


def test_tfa_ccd_above_li_and_temperature_lowers_it():
    ramp = "ccd from 0.5 mA/cm2 step 0.5 mA/cm2 to 10 mA/cm2 every 0.5 h"
    hot_tfa = ex.ccd("tfa", "10 MPa", protocol=ramp).ccd
    hot_li = ex.ccd("li", "10 MPa", protocol=ramp).ccd
    cold_tfa = ex.ccd("tfa", "10 MPa", "25 degC", protocol=ramp).ccd
    assert hot_tfa > hot_li
    assert cold_tfa < hot_tfa


def test_bare_li_ccd_rises_with_temperature_at_low_pressure():
    """Outside the paper: Li|Li6PS5Cl|Li at 1 MPa voids at a higher current the hotter it is
    (Spencer Jolly et al., ACS Appl. Mater. Interfaces 13, 22708 (2021): < 0.25, 0.25 and
    0.5 mA/cm2 at 25, 60 and 80 degC); creep and Li diffusion are both thermally activated."""
    ramp = "ccd from 0.05 mA/cm2 step 0.05 mA/cm2 to 5 mA/cm2 every 0.5 h"
    ccds = [ex.ccd("li", "1 MPa", t, protocol=ramp).ccd for t in ("25 degC", "60 degC",
                                                                   "80 degC")]
    assert ccds[0] < ccds[1] < ccds[2]


def test_bare_li_void_onset_matches_another_labs_measurement():
    """Outside the paper, no fitting: the model's void onset (Li's diffusion supply from the
    paper's SIMS diffusivity and bulk Li's 55 kJ/mol) against the critical current before
    voiding of Li|Li6PS5Cl|Li at 1 MPa (Spencer Jolly et al. 2021): < 0.25, 0.25 and
    0.5 mA/cm2 at 25, 60 and 80 degC."""
    onset = {t: ex.void_onset_current("li", f"{t} degC") / 10 for t in (25, 60, 80)}
    assert onset[25] < 0.25
    assert 0.25 / 2 < onset[60] < 0.25 * 2
    assert 0.5 / 2 < onset[80] < 0.5 * 2
    assert ex.void_onset_current("tfa", "25 degC") > 10 * ex.void_onset_current("li", "25 degC")


def test_stripping_past_the_free_li_collapses_the_tfa():
    res = simulate_symmetric("tfa", protocol="strip 1 mA/cm2 to 20 mAh/cm2", pressure="20 MPa")
    assert res.failed
    q_fail = time_to_failure(res.celltest) * 10 / 36000  # mAh/cm2 at 1 mA/cm2
    q_free = CompositeAnode().areal_capacity_mAh_cm2
    assert q_free * 0.9 < q_fail <= q_free * 1.001


def test_thickness_bookkeeping_matches_the_anode_module():
    tfa = CompositeAnode()
    p = symmetric_parameters(tfa)
    for q in (-3 * 36000, -0.5 * 36000, 0.0, 2 * 36000, 5 * 36000):
        dh = ph.thickness_change(p, q, 1.0, ph.NUMPY)
        assert dh == pytest.approx(tfa.state_after(q).thickness - tfa.thickness, abs=1e-12)


def test_griffith_and_size_effect_match_their_sources():
    p = symmetric_parameters("li", temperature="25 degC")
    a = 1e-6
    assert ph.griffith_stress(p, a, ph.NUMPY) == pytest.approx(
        0.23e6 / (1.12 * np.sqrt(np.pi * a)))
    assert ph.li_flow_stress(p, 1e-6, ph.NUMPY) == pytest.approx(105e6)
    assert ph.li_flow_stress(p, 2e-6, ph.NUMPY) == pytest.approx(105e6 * 2**-0.68)
    hot = symmetric_parameters("li", temperature="90 degC")
    assert ph.li_flow_stress(hot, 1e-6, ph.NUMPY) == pytest.approx(35e6)
    # intruded fraction grows with pressure
    f = [ph.intruded_fraction(p, x, ph.NUMPY) for x in (1e6, 10e6, 50e6, 200e6)]
    assert np.all(np.diff(f) > 0)


def test_pybamm_parameter_sets_and_experiment_agree_with_the_runner():
    pv = pybamm.ParameterValues("Zhang2025_Li")
    assert pv["Anode Li load fraction"] == 1.0
    protocol = make_protocol("cycle 1 mA/cm2 0.5 mAh/cm2 x 1")
    experiment = protocol.to_experiment(pv["Electrode area [m2]"], points_per_step=10)
    sol = pybamm.Simulation(SymmetricCell(), parameter_values=pv,
                            experiment=experiment).solve()
    res = simulate_symmetric("li", protocol=protocol, pressure=pv["Stack pressure [Pa]"],
                             points_per_step=10)
    assert sol["Voltage [V]"].entries[-1] == pytest.approx(res.celltest.voltage[-1], rel=1e-3)


def test_configuration_is_serialisable_and_runs_are_reproducible():
    cfg = SymmetricConfig.make("tfa", "cycle 1 mA/cm2 0.5 mAh/cm2 x 2", "15 MPa", "60 degC")
    again = SymmetricConfig.from_dict(cfg.to_dict())
    assert again == cfg and again.key() == cfg.key()
    assert run(cfg).celltest == run(again).celltest


def test_bad_input_raises_clear_errors():
    with pytest.raises(ParameterError, match="pressure"):
        simulate_symmetric("li", protocol="rest 1 h", pressure="-5 MPa")
    with pytest.raises(ParameterError, match="unknown anode"):
        simulate_symmetric("graphite", protocol="rest 1 h")
    with pytest.raises(ParameterError, match="Creep length"):
        symmetric_parameters("li", overrides={"Creep length [m]": 0.0})
    with pytest.raises(ParameterError, match="unknown parameter"):
        symmetric_parameters("li", overrides={"Flux capacitor [W]": 1.0})
    with pytest.raises(ProtocolError):
        simulate_symmetric("li", protocol="dance 3 mA/cm2")


def test_solver_failure_keeps_the_part_already_simulated(monkeypatch):
    built = sim_mod._build(symmetric_parameters("tfa"))
    real_step = built.solver.step
    calls = {"n": 0}

    def failing_step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 3:
            raise pybamm.SolverError("injected failure")
        return real_step(*args, **kwargs)

    monkeypatch.setattr(built.solver, "step", failing_step)
    with pytest.raises(SimulationError, match="step 3") as info:
        simulate_symmetric("tfa", protocol="cycle 1 mA/cm2 0.5 mAh/cm2 x 5")
    partial = info.value.partial
    assert partial is not None and partial.data["Step Count / 1"].max() == 2


def test_stripping_above_the_li_supply_raises_li_interfacial_resistance_not_the_tfas():
    li = ex.strip_impedance("li", "3 mAh/cm2", "2 mA/cm2", "10 MPa")
    tfa = ex.strip_impedance("tfa", "3 mAh/cm2", "2 mA/cm2", "10 MPa")
    li_rise = li.resistance_ohm_cm2.iloc[-1] / li.resistance_ohm_cm2.iloc[0]
    tfa_rise = tfa.resistance_ohm_cm2.iloc[-1] / tfa.resistance_ohm_cm2.iloc[0]
    assert li_rise > 1.5 * tfa_rise
