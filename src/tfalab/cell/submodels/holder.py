"""The cell holder as a PyBaMM submodel: the stack pressure on the cell.

Option ``"holder"``: ``"spring"`` (a holder of finite stiffness k: the electrodes' thickness
changes Δh move the pressure, P = max(P₀ + k Σ Δh, 0), smoothed over 1 kPa) or ``"rigid"``
(P = P₀).
"""

from __future__ import annotations

from typing import Any

import pybamm

from tfalab.cell.submodels.options import CellOptions
from tfalab.cell.submodels.params import Params


class StackPressure(pybamm.BaseSubModel):
    """Stack pressure from the holder and the thickness changes of ``electrodes``."""

    def __init__(self, param: Params, electrodes: tuple[str, ...],
                 options: CellOptions | None = None) -> None:
        super().__init__(param, name="stack pressure",
                         options=options if options is not None else CellOptions())
        self.electrodes = electrodes

    def get_coupled_variables(self, variables: dict[str, Any]) -> dict[str, Any]:
        p = self.param
        dh = sum((variables[f"{n} thickness change [m]"] for n in self.electrodes),
                 pybamm.Scalar(0.0))
        if self.options["holder"] == "spring":
            raw = p["Stack pressure [Pa]"] + p["Holder stiffness [Pa.m-1]"] * dh
            pressure = 0.5 * (raw + pybamm.sqrt(raw * raw + 1e6))  # smooth max(raw, 0), 1 kPa
        else:
            pressure = p["Stack pressure [Pa]"] + 0 * pybamm.t
        variables.update({"Stack pressure [Pa]": pressure, "Cell thickness change [m]": dh})
        return variables
