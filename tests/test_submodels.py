"""The cell physics as PyBaMM submodels: options select physics, and a user can compose their
own cell from the submodels."""

from __future__ import annotations

import numpy as np
import pybamm
import pytest

from tfalab.cell import SymmetricCell
from tfalab.cell.full import FullCell
from tfalab.cell.submodels import (
    AnodeInterface,
    CellOptions,
    Electrolyte,
    Params,
    StackPressure,
    assemble,
)
from tfalab.errors import ParameterError


def _run(model: pybamm.BaseModel, pv: pybamm.ParameterValues, current: float,
         hours: float) -> pybamm.Solution:
    pv = pv.copy()
    pv["Current function [A]"] = current
    return pybamm.Simulation(model, parameter_values=pv).solve([0, hours * 3600])


@pytest.fixture(scope="module")
def li_pv() -> pybamm.ParameterValues:
    from tfalab.cell.parameters import symmetric_parameters

    # bare Li at a pressure where Li creeps into the pellet's pores
    return pybamm.ParameterValues(symmetric_parameters("li", pressure="15 MPa",
                                                       build="Zhang2025"))


def test_unknown_options_are_refused() -> None:
    with pytest.raises(ParameterError, match="intrusion"):
        SymmetricCell(options={"intrusion": "sometimes"})
    with pytest.raises(ParameterError, match="unknown option"):
        SymmetricCell(options={"thermal": "lumped"})
    assert FullCell().options["holder"] == "rigid" and SymmetricCell().options["holder"] == "spring"


def test_intrusion_options(li_pv: pybamm.ParameterValues) -> None:
    creep = _run(SymmetricCell(), li_pv, 0.0, 2.0)["Intrusion depth [m]"].entries
    none = _run(SymmetricCell(options={"intrusion": "none"}), li_pv, 0.0, 2.0)
    eq = _run(SymmetricCell(options={"intrusion": "equilibrium"}), li_pv, 0.0, 2.0)
    assert np.all(none["Intrusion depth [m]"].entries == 0)
    depth_eq = eq["Intrusion depth [m]"].entries
    assert depth_eq[0] > 0 and np.allclose(depth_eq, depth_eq[0], rtol=1e-9)  # at once
    assert creep[0] == 0 and 0 < creep[-1] <= depth_eq[0] * (1 + 1e-9)  # creeps towards it
    # fewer states without the intrusion state
    assert len(SymmetricCell(options={"intrusion": "none"}).rhs) == len(SymmetricCell().rhs) - 2


def test_skeleton_path_off_starves_the_interface() -> None:
    pv = pybamm.ParameterValues("Zhang2025_TFA")
    on = _run(SymmetricCell(), pv, 3e-3, 2.0)
    off = _run(SymmetricCell(options={"skeleton path": "off"}), pv, 3e-3, 2.0)
    # without transport along the skeleton, stripping opens more voids: less contact
    assert off["Left Li contact fraction"].entries[-1] < on["Left Li contact fraction"].entries[-1]
    assert abs(off["Voltage [V]"].entries[-1]) > abs(on["Voltage [V]"].entries[-1])


def test_rigid_holder_keeps_the_pressure() -> None:
    pv = pybamm.ParameterValues("Zhang2025_TFA")
    spring = _run(SymmetricCell(), pv, 1e-3, 3.0)["Stack pressure [Pa]"].entries
    rigid = _run(SymmetricCell(options={"holder": "rigid"}), pv, 1e-3, 3.0)[
        "Stack pressure [Pa]"].entries
    assert np.allclose(rigid, pv["Stack pressure [Pa]"])
    assert not np.allclose(spring, pv["Stack pressure [Pa]"], rtol=1e-9)


def test_compose_your_own_cell() -> None:
    """A Li|LPSCl half cell against an ideal counter electrode: one AnodeInterface, the holder
    and the electrolyte, assembled by tfalab's `assemble`, with a voltage of one's own."""
    p, opts = Params(), CellOptions({"holder": "rigid"})
    model = pybamm.BaseModel("half cell")
    current = pybamm.FunctionParameter("Current function [A]", {"Time [s]": pybamm.t})
    i = current / p["Electrode area [m2]"]
    model.variables.update({"Current [A]": current, "Current density [A.m-2]": i})
    anode = AnodeInterface(p, "Work", opts)
    assemble(model, [anode, StackPressure(p, ("Work",), opts), Electrolyte(p, ("Work",), opts)])
    v = model.variables
    model.variables["Voltage [V]"] = (i * v["Electrolyte resistance [Ohm.m2]"]
                                      + anode.overpotential(v, v["Ionic current density [A.m-2]"]))
    pv = pybamm.ParameterValues("Zhang2025_TFA")
    pv["Current function [A]"] = 4e-4
    sol = pybamm.Simulation(model, parameter_values=pv).solve([0, 3600])
    area = pv["Electrode area [m2]"]
    assert sol["Work net stripped charge [C.m-2]"].entries[-1] == pytest.approx(
        4e-4 * 3600 / area, rel=1e-6)
    assert 0 < sol["Voltage [V]"].entries[-1] < 0.05
