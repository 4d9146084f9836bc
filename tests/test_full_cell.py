"""The full-cell model: conservation, capacity limits, fade, shorts and errors."""

from __future__ import annotations

import numpy as np
import pytest

from tfalab.cell.cathodes import (
    cathode_constant,
    electrolyte_fraction,
    theoretical_capacity,
    transport_efficiency,
)
from tfalab.cell.full_parameters import full_parameters, make_full_cathode
from tfalab.cell.full_simulate import FullConfig, FullProtocol, run, simulate_full
from tfalab.design import FES2_COMPOSITE, CathodeComposite
from tfalab.errors import CapacityError, ParameterError, ProtocolError


@pytest.fixture(autouse=True, scope="module")
def _paper_build():
    """These tests check the model on the paper's calibrated cells: build Zhang2025 by default
    (the library's default is the Generic build)."""
    mp = pytest.MonkeyPatch()
    mp.setattr("tfalab.cell.builds.DEFAULT_BUILD", "Zhang2025")
    yield
    mp.undo()


@pytest.fixture(scope="module")
def fes2_run():
    return simulate_full("tfa", "fes2", "2.17 mg/cm2", "cycle 1C x 8")


def test_charge_and_li_conservation(fes2_run):
    d = fes2_run.celltest.data
    t, i = d["Test Time / s"].to_numpy(), d["Current / A"].to_numpy()
    area = fes2_run.celltest.area
    # charge passed (trapezoid within each step) equals the anode's net stripped charge
    passed = np.zeros(len(t))
    steps = d["Step Count / 1"].to_numpy()
    for k in np.unique(steps):
        m = np.flatnonzero(steps == k)
        seg = np.concatenate([[0.0], np.cumsum(np.diff(t[m]) * i[m][1:] / area)])
        passed[m] = seg + (passed[m[0] - 1] if m[0] > 0 else 0.0)
    q = d["Anode Net Stripped Charge / C/m**2"].to_numpy()
    assert np.allclose(q, passed, rtol=1e-6, atol=1e-6 * np.abs(q).max())
    # Li leaving the anode is in the cathode (active or cut off by contact loss)
    li = d["Cathode Li / C/m**2"].to_numpy()
    q0 = li[0] - q[0]
    assert np.allclose(li - q0, q, rtol=1e-4, atol=1e-4 * np.abs(q).max())


def test_capacity_never_above_the_theoretical(fes2_run):
    cat = make_full_cathode("fes2", "2.17 mg/cm2")
    limit = theoretical_capacity(cat) / 36000  # mAh/cm2
    c = fes2_run.cycles
    assert (c[["discharge_mAh_cm2", "charge_mAh_cm2"]].to_numpy() <= limit).all()
    rate = simulate_full("tfa", "ncm", None, "cycle 0.2C x 2", "5 MPa", "25 degC")
    ncm = make_full_cathode("ncm")
    assert (rate.cycles.discharge_mAh_cm2 <= theoretical_capacity(ncm) / 36000).all()


def test_retention_is_monotone_without_a_short(fes2_run):
    c = fes2_run.cycles
    assert fes2_run.termination == "completed"
    assert np.all(np.diff(c.discharge_mAh_cm2.to_numpy()) <= 1e-9)


def test_pressure_relieves_strain_driven_contact_loss():
    strain = {"Cathode contact loss coefficient": 2e-3, "Cathode chemical loss rate [s-1]": 0.0}
    runs = {p: simulate_full("tfa", "fes2", "2.17 mg/cm2", "cycle 1C x 6", pressure=p,
                             overrides=strain).celltest.data["Cathode Active Fraction / 1"]
            for p in ("10 MPa", "40 MPa")}
    assert runs["10 MPa"].iloc[-1] < runs["40 MPa"].iloc[-1] < 1.0


def test_chemical_loss_is_driven_by_time_not_by_cycling(fes2_run):
    d = fes2_run.celltest.data
    k = fes2_run.config.parameters()["Cathode chemical loss rate [s-1]"]
    assert k > 0
    t, eps = d["Test Time / s"].to_numpy(), d["Cathode Active Fraction / 1"].to_numpy()
    assert np.allclose(eps, np.exp(-k * t), rtol=1e-5)


def test_rate_lowers_capacity():
    res = simulate_full("tfa", "fes2", "0.633 mg/cm2", "rate 0.2C,2C,10C x 1")
    cap = res.cycles.discharge_mAh_g.to_numpy()
    assert cap[0] > cap[1] > cap[2]


def test_thick_composite_reacts_from_the_separator_and_loses_rate_capability():
    import pybamm

    from tfalab.cell.full import FullCell

    p = full_parameters("tfa", "fes2", "9.64 mg/cm2")
    one_c = 9.64e-2 * 894 * 3.6  # A/m2: about 3.6C (1C on 894 mAh/g is 86 A/m2)
    p["Current function [A]"] = one_c * p["Electrode area [m2]"]
    sim = pybamm.Simulation(FullCell(), parameter_values=pybamm.ParameterValues(p))
    sol = sim.solve([0, 1800], inputs={"Direction": 1.0, "Cut-off voltage [V]": 1.0})
    # ions enter at the separator: the layer next to it lithiates ahead of the one at the
    # current collector, and the LPSCl of the composite carries an ohmic drop
    front = sol["Cathode lithiation at the separator"].entries[-1]
    back = sol["Cathode lithiation at the current collector"].entries[-1]
    assert front > back + 0.05
    assert sol["Cathode electrolyte drop [V]"].entries[-1] > 0.01
    thick = simulate_full("tfa", "fes2", "9.64 mg/cm2", "cycle 1C x 1")
    thin = simulate_full("tfa", "fes2", "0.633 mg/cm2", "cycle 1C x 1")
    assert thick.cycles.discharge_mAh_g.iloc[0] < thin.cycles.discharge_mAh_g.iloc[0]
    # a poorer LPSCl network in the composite lowers the thick cell's capacity further
    poor = simulate_full("tfa", "fes2", "9.64 mg/cm2", "cycle 1C x 1",
                         overrides={"Cathode transport efficiency": 1e-3})
    assert poor.cycles.discharge_mAh_g.iloc[0] < thick.cycles.discharge_mAh_g.iloc[0]


def test_li_anode_shorts_where_it_intrudes_and_tfa_does_not():
    li = simulate_full("li", "fes2", "2.17 mg/cm2", "cycle 1C x 3", pressure="40 MPa")
    tfa = simulate_full("tfa", "fes2", "2.17 mg/cm2", "cycle 1C x 3", pressure="40 MPa")
    assert li.termination == "Short circuit" and tfa.termination == "completed"


def test_configuration_round_trip_and_reproducible():
    cfg = FullConfig.make("tfa", "fes2", "2.17 mg/cm2", "cycle 1C x 2")
    again = FullConfig.from_dict(cfg.to_dict())
    assert again == cfg and again.key() == cfg.key()
    a, b = run(cfg), run(again)
    assert a.cycles.equals(b.cycles)


def test_bad_input_raises_clear_errors():
    with pytest.raises(ParameterError, match="loading"):
        full_parameters("tfa", "fes2", "-1 mg/cm2")
    with pytest.raises(ParameterError, match="unknown cathode"):
        full_parameters("tfa", "licoo2", "1 mg/cm2")
    with pytest.raises(CapacityError, match="N/P < 1"):
        full_parameters("tfa", "fes2", "30 mg/cm2")
    lean = CathodeComposite("FeS2", {**FES2_COMPOSITE, "Li6PS5Cl": 0.3}, "2 mg/cm2")
    with pytest.raises(ParameterError, match="percolation threshold"):
        full_parameters("tfa", lean)
    with pytest.raises(ProtocolError, match="full-cell protocol"):
        FullProtocol.parse("cycle fast forever")
    assert FullProtocol.parse("rate 0.2C,5C x 2").n_cycles == 4
    assert FullProtocol.parse("cycle 1C for 420 cycles").blocks == ((1.0, 420),)


def test_li_inventory_and_np_are_tracked(fes2_run):
    c = fes2_run.cycles
    free_li = fes2_run.config.parameters()["Anode free-Li capacity [C.m-2]"] / 36000
    # a Li-free cathode draws every mAh it stores from the anode's free Li: the first
    # discharge exactly; later cycles also hold the Li a fast charge leaves in the particles
    util, disc = c.anode_utilisation_max.to_numpy(), (c.discharge_mAh_cm2 / free_li).to_numpy()
    assert np.isclose(util[0], disc[0], rtol=2e-2)
    assert (util >= disc * (1 - 2e-2)).all()
    d = fes2_run.celltest.data
    held = (d["Cathode Li / C/m**2"] - d["Cathode Li / C/m**2"].iloc[0]).groupby(
        d["Cycle Count / 1"]).max() / 36000 / free_li
    assert np.allclose(util, c.cycle.map(held).to_numpy(), rtol=2e-2)
    assert (c.np_ratio > 1).all()


def test_fitted_cathode_parameters_are_looked_up_and_bounded():
    from tfalab.paper.full_calibration import BOUNDS
    from tfalab.parameters import fitted

    for name, claim in (("fes2.diffusivity", "C22.capacity_5C"),
                        ("composite.percolation_threshold", "C25.areal_capacity_40"),
                        ("ncm.interphase_growth", "C26.retention_2000")):
        p = fitted(name)
        assert p.fitted_to == (claim,)
        # the old cathode-constant lookup still answers, with the fitted value
        assert cathode_constant(name) == p.value
        lo, hi = BOUNDS[name]
        assert lo <= p.value <= hi
    ncm = full_parameters("tfa", "ncm", None, temperature="25 degC")
    assert ncm["Cathode interphase growth constant [Ohm.m2.s-0.5]"] == \
        fitted("ncm.interphase_growth").value
    p = full_parameters("tfa", "fes2", "2.17 mg/cm2")
    assert p["Cathode diffusivity [m2.s-1]"] == fitted("fes2.diffusivity").value
    # the threshold stays below the LPSCl fraction of both paper composites
    for kind in ("fes2", "ncm"):
        phi = electrolyte_fraction(make_full_cathode(kind))
        assert BOUNDS["composite.percolation_threshold"][1] < phi
    phi = electrolyte_fraction(make_full_cathode("fes2"))
    assert p["Cathode transport efficiency"] == transport_efficiency(phi)
    assert transport_efficiency(phi, 0.16) > transport_efficiency(phi) > \
        transport_efficiency(phi, 0.2)
    with pytest.raises(ParameterError, match="percolation threshold"):
        transport_efficiency(phi, phi + 0.01)


def test_ncm_interphase_growth_fades_the_2c_cell_monotonically():
    from tfalab.paper import full_experiments as fx

    key = "Cathode interphase growth constant [Ohm.m2.s-0.5]"
    runs = [fx.ncm_long({key: k}, cycles=200) for k in (3e-7, 3e-6, 3e-5)]
    assert all(r.termination == "completed" for r in runs)
    kept = [fx.retention(r, 200) for r in runs]
    assert kept[0] > kept[1] > kept[2]
    assert kept[0] > 100 > kept[2]  # the prior gives no fade; 100x it fades
    # past the first cycles the fade is monotone in the cycle number
    c = runs[2].cycles.discharge_mAh_cm2.to_numpy()[3:]
    assert np.all(np.diff(c) <= 1e-9)
