"""SymmetricCell: an anode|Li6PS5Cl|anode cell as a PyBaMM model.

Both electrodes are simulated with :class:`~tfalab.cell.submodel.AnodeInterface`; positive
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

from tfalab.cell import physics as ph
from tfalab.cell.citations import register_citations
from tfalab.cell.parameters import Zhang2025_TFA
from tfalab.cell.standard import (
    MAGNITUDE,
    PYBAMM_OPTIONS,
    add_counters,
    add_voltage_components,
    use_magnitude_limits,
)
from tfalab.cell.submodel import AnodeInterface, Params

X = ph.PYBAMM


class SymmetricCell(pybamm.BaseModel):
    """Anode|Li6PS5Cl|anode symmetric cell (0D per electrode)."""

    def __init__(self, name: str = "tfalab symmetric cell") -> None:
        super().__init__(name)
        p = self.param = Params()
        current = pybamm.FunctionParameter("Current function [A]", {"Time [s]": pybamm.t})
        area = p["Electrode area [m2]"]
        i = current / area
        left, right = AnodeInterface("Left", p), AnodeInterface("Right", p)
        self.electrodes = (left, right)

        # stack pressure from the holder spring
        dh = left.thickness_change() + right.thickness_change()
        raw = p["Stack pressure [Pa]"] + p["Holder stiffness [Pa.m-1]"] * dh
        pressure = 0.5 * (raw + pybamm.sqrt(raw * raw + 1e6))  # smooth max(raw, 0), 1 kPa

        # electrolyte: intrusion, filaments, shunt
        intrusion = left.intrusion + right.intrusion
        thickness = p["Electrolyte thickness [m]"]
        ratio = pybamm.maximum(left.fracture_ratio(pressure), right.fracture_ratio(pressure))
        cracked = ph.step(ratio - 1, 0.02, X)  # the crack runs through
        span = intrusion + left.filament + right.filament + 1.5 * thickness * cracked
        remaining = pybamm.maximum(thickness - span, 1e-3 * thickness)
        r_el = remaining / ph.electrolyte_conductivity(p, X)
        width = p["Shunt transition width [m]"]
        shunt = ph.step(span - thickness + 3 * width, width, X)
        r_lin = r_el + left.resistance() + right.resistance()
        ionic = 1 / (1 + shunt * r_lin / p["Shunt resistance [Ohm.m2]"])
        i_ion = i * ionic
        left.add_to(self, i_ion, pressure, i)
        right.add_to(self, -i_ion, pressure, -i)

        v_ion = i * r_el + left.overpotential(i) - right.overpotential(-i)
        voltage = v_ion * ionic
        self.variables.update({
            "Time [s]": pybamm.t, "Time [h]": pybamm.t / 3600,
            "Current [A]": current, "Current function [A]": current,
            "Current variable [A]": current,
            "Current density [A.m-2]": i, "Ionic current density [A.m-2]": i_ion,
            "Voltage [V]": voltage, "Battery voltage [V]": voltage,
            "Stack pressure [Pa]": pressure, "Intrusion depth [m]": intrusion,
            "Filament length [m]": left.filament + right.filament,
            "Electrolyte span [m]": span, "Shunt fraction": 1 - ionic,
            "Electrolyte resistance [Ohm.m2]": r_el,
            "Interfacial resistance [Ohm.m2]": left.resistance() + right.resistance(),
            "Cell thickness change [m]": dh,
            "Ambient temperature [K]": p["Ambient temperature [K]"],
        })
        add_counters(self, current, voltage, p.Q)
        add_voltage_components(self, pybamm.Scalar(0.0), {
            "X-averaged battery reaction overpotential [V]":
                (left.overpotential(i) - right.overpotential(-i)) * ionic,
            "X-averaged battery electrolyte ohmic losses [V]": i * r_el * ionic,
        })
        self.events += [
            pybamm.Event("Short circuit", thickness - span),
            pybamm.Event("Voltage limit", p["Voltage limit [V]"] - pybamm.AbsoluteValue(voltage)),
        ]
        self.variables[MAGNITUDE] = pybamm.AbsoluteValue(voltage)
        use_magnitude_limits()
        self.options = dict(PYBAMM_OPTIONS)
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
