"""SymmetricCell: an anode|Li6PS5Cl|anode cell as a PyBaMM model.

Both electrodes are simulated with :class:`~tfalab.cell.submodels.AnodeInterface`; positive
current ("Discharge" in a ``pybamm.Experiment``) strips the left electrode and plates the
right one. The electrolyte is an ohmic single-ion conductor with σ(T); stack pressure comes
from a cell holder of finite stiffness, so that thickness changes move it; intruded Li and
filaments shorten the electrolyte, and once they span it an electronic shunt takes the current.

>>> import pybamm
>>> from tfalab.cell import SymmetricCell
>>> model = SymmetricCell()
>>> sim = pybamm.Simulation(model, parameter_values=pybamm.ParameterValues("Zhang2025_TFA"),
...     experiment=pybamm.Experiment(["Discharge at 0.4 mA for 1 hour (10 minute period)"]))
>>> sol = sim.solve()
>>> bool(0.002 < sol["Voltage [V]"].entries[-1] < 0.02)
True
"""

from __future__ import annotations

from typing import Any

import pybamm

from tfalab.cell.citations import register_citations
from tfalab.cell.parameters import Zhang2025_TFA
from tfalab.cell.standard import (
    MAGNITUDE,
    add_counters,
    add_voltage_components,
    use_magnitude_limits,
)
from tfalab.cell.submodels import (
    AnodeInterface,
    CellOptions,
    Electrolyte,
    Params,
    StackPressure,
    assemble,
)


class SymmetricCell(pybamm.BaseModel):
    """Anode|Li6PS5Cl|anode symmetric cell (0D per electrode), assembled from submodels:
    two :class:`~tfalab.cell.submodels.AnodeInterface` ("Left" strips under positive current,
    "Right" plates), :class:`~tfalab.cell.submodels.StackPressure` and
    :class:`~tfalab.cell.submodels.Electrolyte`.

    ``options``: :class:`~tfalab.cell.submodels.CellOptions` (``"intrusion"``: ``"creep"`` |
    ``"equilibrium"`` | ``"none"``; ``"skeleton path"``: ``"on"`` | ``"off"``; ``"holder"``:
    ``"spring"`` | ``"rigid"``).
    """

    def __init__(self, name: str = "tfalab symmetric cell",
                 options: dict[str, Any] | None = None) -> None:
        super().__init__(name)
        self.options = opts = CellOptions(options)
        p = self.param = Params()
        current = pybamm.FunctionParameter("Current function [A]", {"Time [s]": pybamm.t})
        i = current / p["Electrode area [m2]"]
        self.variables.update({"Current [A]": current, "Current density [A.m-2]": i})
        left, right = AnodeInterface(p, "Left", opts, 1.0), AnodeInterface(p, "Right", opts, -1.0)
        self.submodels = {"left": left, "right": right,
                          "holder": StackPressure(p, ("Left", "Right"), opts),
                          "electrolyte": Electrolyte(p, ("Left", "Right"), opts)}
        assemble(self, list(self.submodels.values()))
        v = self.variables

        # the voltage: the electrolyte's ohmic drop and the two interfaces, at the applied
        # current, times the ionic fraction (a shunt carries the rest)
        ionic, r_el = v["Ionic fraction"], v["Electrolyte resistance [Ohm.m2]"]
        eta_left, eta_right = left.overpotential(v, i), right.overpotential(v, -i)
        voltage = (i * r_el + eta_left - eta_right) * ionic
        i_ion = v["Ionic current density [A.m-2]"]
        self.variables.update({
            "Time [s]": pybamm.t, "Time [h]": pybamm.t / 3600,
            "Current function [A]": current, "Current variable [A]": current,
            "Voltage [V]": voltage, "Battery voltage [V]": voltage,
            "Interfacial resistance [Ohm.m2]": v["Left interfacial resistance [Ohm.m2]"]
            + v["Right interfacial resistance [Ohm.m2]"],
            "Ambient temperature [K]": p["Ambient temperature [K]"],
            "Left interface overpotential [V]": left.overpotential(v, i_ion),
            "Right interface overpotential [V]": right.overpotential(v, -i_ion),
            "Left local current density [A.m-2]":
                pybamm.AbsoluteValue(i_ion) / v["Left contact fraction"],
            "Right local current density [A.m-2]":
                pybamm.AbsoluteValue(i_ion) / v["Right contact fraction"],
        })
        add_counters(self, current, voltage, p.Q)
        add_voltage_components(self, pybamm.Scalar(0.0), {
            "X-averaged battery reaction overpotential [V]": (eta_left - eta_right) * ionic,
            "X-averaged battery electrolyte ohmic losses [V]": i * r_el * ionic,
        })
        self.events.append(pybamm.Event(
            "Voltage limit", p["Voltage limit [V]"] - pybamm.AbsoluteValue(voltage)))
        self.variables[MAGNITUDE] = pybamm.AbsoluteValue(voltage)
        use_magnitude_limits()
        register_citations()

    @property
    def default_quick_plot_variables(self) -> list[Any]:
        return ["Voltage [V]", "Current [A]",
                ["Left contact fraction", "Right contact fraction"],
                ["Left utilisation", "Right utilisation"],
                "Stack pressure [Pa]", ["Filament length [m]", "Intrusion depth [m]"]]

    @property
    def summary_variables(self) -> list[str]:  # the last value of each Experiment cycle
        return ["Discharge capacity [A.h]", "Throughput capacity [A.h]",
                "Left utilisation", "Right utilisation",
                "Left contact fraction", "Right contact fraction",
                "Interfacial resistance [Ohm.m2]", "Filament length [m]",
                "Intrusion depth [m]", "Stack pressure [Pa]", "Cell thickness change [m]"]

    @property
    def default_parameter_values(self) -> pybamm.ParameterValues:
        return pybamm.ParameterValues(Zhang2025_TFA())

    @property
    def default_solver(self) -> Any:
        return pybamm.IDAKLUSolver(rtol=1e-6, atol=1e-8)
