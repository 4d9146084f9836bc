"""tfalab's cells used as any PyBaMM model is: Experiments with C-rates, CV holds, power steps
and 'until' limits, QuickPlot, summary variables, voltage components, save_data, BatchStudy,
serialisation, citations; and the conservation laws they must keep (charge to 1e-6)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pybamm
import pytest

from tfalab.cell import SymmetricCell
from tfalab.cell.full import FullCell
from tfalab.cell.full_parameters import full_parameters

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def sym_pv() -> pybamm.ParameterValues:
    return pybamm.ParameterValues("Zhang2025_TFA")


@pytest.fixture(scope="module")
def full_pv() -> pybamm.ParameterValues:
    return pybamm.ParameterValues(full_parameters("tfa", "fes2", "2.17 mg/cm2"))


def _solve(model: pybamm.BaseModel, pv: pybamm.ParameterValues, steps: list) -> pybamm.Solution:
    sim = pybamm.Simulation(model, parameter_values=pv, experiment=pybamm.Experiment(steps))
    return sim.solve()


# --- symmetric cell -------------------------------------------------------------------------
def test_symmetric_c_rate_and_capacity_counters(sym_pv: pybamm.ParameterValues) -> None:
    q = sym_pv["Nominal cell capacity [A.h]"]
    sol = _solve(SymmetricCell(), sym_pv, ["Discharge at 0.1C for 30 minutes",
                                           "Charge at 0.1C for 30 minutes"])
    # ∫I dt and ∫|I| dt: the PyBaMM counters, exact for constant-current steps
    assert sol["Discharge capacity [A.h]"].entries[-1] == pytest.approx(0.0, abs=1e-9 * q)
    assert sol["Throughput capacity [A.h]"].entries[-1] == pytest.approx(0.1 * q, rel=1e-6)
    assert np.allclose(sol["C-rate"].entries[sol["Current [A]"].entries > 0], 0.1)


def test_symmetric_charge_conservation(sym_pv: pybamm.ParameterValues) -> None:
    """Charge stripped on the left is plated on the right and equals ∫I dt / area (1e-6)."""
    sol = _solve(SymmetricCell(), sym_pv, ["Discharge at 0.4 mA for 1 hour",
                                           "Rest for 10 minutes",
                                           "Charge at 0.2 mA for 1 hour"])
    area = sym_pv["Electrode area [m2]"]
    left = sol["Left net stripped charge [C.m-2]"].entries
    right = sol["Right net stripped charge [C.m-2]"].entries
    passed = sol["Discharge capacity [A.h]"].entries * 3600.0 / area
    scale = np.abs(left).max()
    assert np.abs(left + right).max() <= 1e-6 * scale
    assert np.abs(left - passed).max() <= 1e-6 * scale


def test_symmetric_cv_hold_and_power(sym_pv: pybamm.ParameterValues) -> None:
    sol = _solve(SymmetricCell(), sym_pv, ["Hold at 0.01 V for 10 minutes"])
    assert sol["Voltage [V]"].entries[-1] == pytest.approx(0.01, rel=1e-6)
    assert sol["Current [A]"].entries[-1] > 0  # a positive overpotential drives stripping
    sol = _solve(SymmetricCell(), sym_pv, ["Discharge at 0.000004 W for 10 minutes"])
    power = sol["Power [W]"].entries
    assert np.allclose(power[1:], 4e-6, rtol=1e-5)


@pytest.mark.parametrize("step, sign", [("Discharge", 1.0), ("Charge", -1.0)])
def test_symmetric_until_limits_act_on_the_magnitude(sym_pv: pybamm.ParameterValues,
                                                    step: str, sign: float) -> None:
    v0 = _solve(SymmetricCell(), sym_pv, [f"{step} at 1 mA for 1 second"])[
        "Voltage [V]"].entries[0]
    limit = abs(v0) * 1.005  # |V| creeps up as the contact relaxes
    sol = _solve(SymmetricCell(), sym_pv, [f"{step} at 1 mA for 5 hours or until {limit} V"])
    v = sol["Voltage [V]"].entries
    assert np.sign(v[-1]) == sign
    assert abs(v[-1]) == pytest.approx(limit, rel=1e-4)
    assert sol.t[-1] < 5 * 3600.0


def test_an_explicit_operator_keeps_pybamms_meaning(sym_pv: pybamm.ParameterValues) -> None:
    # "until > X" on the signed voltage, as PyBaMM defines it
    v0 = _solve(SymmetricCell(), sym_pv, ["Discharge at 1 mA for 1 second"])["Voltage [V]"]
    limit = float(v0.entries[0]) * 1.005
    sol = _solve(SymmetricCell(), sym_pv, [f"Discharge at 1 mA for 5 hours or until > {limit} V"])
    assert sol["Voltage [V]"].entries[-1] == pytest.approx(limit, rel=1e-4)


def test_symmetric_quickplot_summary_and_components(sym_pv: pybamm.ParameterValues,
                                                    tmp_path: Path) -> None:
    sol = _solve(SymmetricCell(), sym_pv,
                 [("Discharge at 0.4 mA for 1 hour", "Charge at 0.4 mA for 1 hour")] * 2)
    qp = pybamm.QuickPlot(sol)  # default variables
    qp.plot(0)
    summary = sol.summary_variables
    assert np.allclose(summary["Throughput capacity [A.h]"], [8e-4, 1.6e-3], rtol=1e-6)
    fig = pybamm.plot_summary_variables(sol, output_variables=["Throughput capacity [A.h]",
                                                                "Left utilisation"],
                                        show_plot=False)
    assert fig is not None
    pybamm.plot_voltage_components(sol, show_plot=False)
    parts = sum(sol[name].entries for name in (
        "X-averaged battery reaction overpotential [V]",
        "X-averaged battery electrolyte ohmic losses [V]"))
    assert np.allclose(parts, sol["Voltage [V]"].entries, atol=1e-12)
    sol.save_data(tmp_path / "out.csv", ["Time [s]", "Voltage [V]"], to_format="csv")
    assert (tmp_path / "out.csv").read_text().count("\n") > 10


def test_batch_study_and_serialisation(sym_pv: pybamm.ParameterValues,
                                       tmp_path: Path) -> None:
    li = pybamm.ParameterValues("Zhang2025_Li")
    bs = pybamm.BatchStudy(models={"cell": SymmetricCell()},
                           parameter_values={"tfa": sym_pv, "li": li},
                           experiments={"e": pybamm.Experiment(["Discharge at 0.4 mA for 1 hour"])},
                           permutations=True)
    bs.solve()
    assert len(bs.sims) == 2
    pv = sym_pv.copy()
    pv["Current function [A]"] = 4e-4
    sim = pybamm.Simulation(SymmetricCell(), parameter_values=pv)
    sim.build()
    sim.built_model.save_model(str(tmp_path / "cell"))
    loaded = pybamm.load_model(str(tmp_path / "cell.json"))
    again = pybamm.IDAKLUSolver().solve(loaded, [0, 3600])
    direct = sim.solve([0, 3600])
    assert again["Voltage [V]"].entries[-1] == pytest.approx(
        direct["Voltage [V]"].entries[-1], rel=1e-4)  # default vs the model's tolerances


def test_citations_are_registered(tmp_path: Path) -> None:
    SymmetricCell()
    out = tmp_path / "cite.txt"
    pybamm.print_citations(str(out))
    text = out.read_text().lower()
    assert "topology fortified anodes" in text and "masias" in text


def test_simulate_returns_the_solution_when_asked() -> None:
    from tfalab.cell.simulate import simulate_symmetric

    res = simulate_symmetric("tfa", protocol="cycle 0.5 mA/cm2 0.5 mAh/cm2 x 2", solution=True)
    assert isinstance(res.solution, pybamm.Solution)
    v = res.solution["Voltage [V]"].entries
    assert len(v) == len(res.celltest)
    np.testing.assert_allclose(v, res.celltest.voltage, rtol=1e-9, atol=1e-12)
    assert simulate_symmetric("tfa", protocol="cycle 0.5 mA/cm2 0.5 mAh/cm2 x 1").solution is None


# --- full cell --------------------------------------------------------------------------------
def test_full_cell_c_rates_cv_and_capacity(full_pv: pybamm.ParameterValues) -> None:
    sol = _solve(FullCell(), full_pv, ["Discharge at 1C until 1.0 V",
                                       "Charge at 0.5C until 2.4 V",
                                       "Hold at 2.4 V until 0.05C"])
    v, i = sol["Voltage [V]"].entries, sol["Current [A]"].entries
    q = full_pv["Nominal cell capacity [A.h]"]
    assert v.min() == pytest.approx(1.0, abs=1e-3)
    assert i[-1] == pytest.approx(-0.05 * q, rel=1e-3)
    assert v[-1] == pytest.approx(2.4, abs=1e-6)
    discharged = sol.cycles[0]["Discharge capacity [A.h]"].entries[-1]
    # FeS2 composites give more than FeS2's theoretical capacity (the LPSCl and carbon store
    # some charge too: data/cathodes.toml)
    assert 0.5 * q < discharged < 1.5 * q


def test_full_cell_li_conservation(full_pv: pybamm.ParameterValues) -> None:
    """The anode's stripped Li, the cathode's uptake and ∫I dt agree to 1e-6."""
    sol = _solve(FullCell(), full_pv, ["Discharge at 1C for 20 minutes",
                                       "Charge at 1C for 10 minutes"])
    area = full_pv["Electrode area [m2]"]
    stripped = sol["Anode net stripped charge [C.m-2]"].entries
    passed = sol["Discharge capacity [A.h]"].entries * 3600.0 / area
    cathode = sol["Cathode Li [C.m-2]"].entries
    scale = np.abs(stripped).max()
    assert np.abs(stripped - passed).max() <= 1e-6 * scale
    assert np.abs((cathode - cathode[0]) - stripped).max() <= 1e-6 * scale


def test_full_cell_quickplot_axes_in_micrometres(full_pv: pybamm.ParameterValues) -> None:
    sol = _solve(FullCell(), full_pv, ["Discharge at 1C until 1.0 V"])
    qp = pybamm.QuickPlot(sol, ["Cathode interfacial potential [V]"])
    qp.plot(0)
    x_max = qp.fig.axes[0].get_xlim()[1]
    assert x_max == pytest.approx(full_pv["Cathode thickness [m]"] * 1e6, rel=1e-6)
    pybamm.QuickPlot(sol).plot(0)  # default variables
    pybamm.plot_voltage_components(sol, show_plot=False)


def test_full_cell_runs_without_inputs(full_pv: pybamm.ParameterValues) -> None:
    """Every parameter has a default: no InputParameter is left to provide."""
    pv = full_pv.copy()
    pv["Current function [A]"] = 5e-4
    sol = pybamm.Simulation(FullCell(), parameter_values=pv).solve([0, 600])
    assert sol["Voltage [V]"].entries[-1] < sol["Voltage [V]"].entries[0]
