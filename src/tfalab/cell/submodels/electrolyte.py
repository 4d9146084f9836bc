"""The solid-electrolyte separator (Li6PS5Cl pellet) as a PyBaMM submodel.

An ohmic single-ion conductor, σ(T) (Arrhenius). Li intruded into its pores and filaments from
either electrode shorten it; a crack that runs through a flaw (fracture ratio ≥ 1 at any
electrode) adds 1.5 times its thickness to the span; once Li spans it an electronic shunt of
resistance R_sh takes the current: the ionic fraction is 1 / (1 + s R / R_sh), with s the smooth
spanning switch and R the cell's series resistance (electrolyte, interfaces, and a cathode's
``Cathode series resistance [Ohm.m2]`` where there is one). Equations:
``docs/cell-model.md``.
"""

from __future__ import annotations

from typing import Any

import pybamm

from tfalab.cell import physics as ph
from tfalab.cell.submodels.options import CellOptions
from tfalab.cell.submodels.params import Params

X = ph.PYBAMM


class Electrolyte(pybamm.BaseSubModel):
    """Separator between ``electrodes`` (one or two :class:`AnodeInterface` names)."""

    def __init__(self, param: Params, electrodes: tuple[str, ...],
                 options: CellOptions | None = None) -> None:
        super().__init__(param, name="electrolyte",
                         options=options if options is not None else CellOptions())
        self.electrodes = electrodes

    def get_coupled_variables(self, variables: dict[str, Any]) -> dict[str, Any]:
        p, names = self.param, self.electrodes
        thickness = p["Electrolyte thickness [m]"]
        intrusion = sum((variables[f"{n} intrusion depth [m]"] for n in names),
                        pybamm.Scalar(0.0))
        filament = sum((variables[f"{n} filament length [m]"] for n in names),
                       pybamm.Scalar(0.0))
        ratio = variables[f"{names[0]} fracture ratio"]
        for n in names[1:]:
            ratio = pybamm.maximum(ratio, variables[f"{n} fracture ratio"])
        cracked = ph.step(ratio - 1, 0.02, X)  # the crack runs through
        span = intrusion + filament + 1.5 * thickness * cracked
        remaining = pybamm.maximum(thickness - span, 1e-3 * thickness)
        r_el = remaining / ph.electrolyte_conductivity(p, X)
        width = p["Shunt transition width [m]"]
        shunt = ph.step(span - thickness + 3 * width, width, X)
        r_series = r_el + sum((variables[f"{n} interfacial resistance [Ohm.m2]"] for n in names),
                              pybamm.Scalar(0.0))
        if "Cathode series resistance [Ohm.m2]" in variables:
            r_series = r_series + variables["Cathode series resistance [Ohm.m2]"]
        ionic = 1 / (1 + shunt * r_series / p["Shunt resistance [Ohm.m2]"])
        variables.update({
            "Intrusion depth [m]": intrusion, "Filament length [m]": filament,
            "Electrolyte span [m]": span, "Electrolyte resistance [Ohm.m2]": r_el,
            "Ionic fraction": ionic, "Shunt fraction": 1 - ionic,
            "Ionic current density [A.m-2]": variables["Current density [A.m-2]"] * ionic,
        })
        return variables

    def add_events_from(self, variables: dict[str, Any]) -> None:
        self.events = [pybamm.Event("Short circuit", self.param["Electrolyte thickness [m]"]
                                    - variables["Electrolyte span [m]"])]
