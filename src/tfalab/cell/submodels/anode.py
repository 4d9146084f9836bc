"""The anode and its interface with the solid electrolyte, as a PyBaMM submodel: one instance
per electrode ("Left" and "Right" in a symmetric cell, "Anode" in a full cell).

States: net stripped charge, Li contact fraction, filament length, interphase resistance and
the depth of Li intruded into the electrolyte (option ``"intrusion"``). The equations are
those of :mod:`tfalab.cell.physics`; ``docs/cell-model.md`` derives them.

It reads ``Stack pressure [Pa]``, ``Ionic current density [A.m-2]`` and ``Current density
[A.m-2]`` (positive: this electrode strips when ``sign`` is +1) from the other submodels, and
provides ``{name} ...`` variables (utilisation, contact fraction, resistance, thickness
change, porosity, fracture ratio ...), its rates and its events; the cell adds its
overpotential (:meth:`AnodeInterface.overpotential`) to the voltage.

>>> import pybamm
>>> from tfalab.cell.submodels import AnodeInterface, CellOptions, Params
>>> sm = AnodeInterface(Params(), "Left", CellOptions({"intrusion": "none"}))
>>> v = sm.get_fundamental_variables()
>>> isinstance(v["Left intrusion depth [m]"], pybamm.Scalar)  # no intrusion: no state
True
"""

from __future__ import annotations

from typing import Any

import pybamm

from tfalab.cell import physics as ph
from tfalab.cell.submodels.options import CellOptions
from tfalab.cell.submodels.params import Params
from tfalab.constants import FARADAY

X = ph.PYBAMM


class AnodeInterface(pybamm.BaseSubModel):
    """One anode and its interface with the solid electrolyte.

    Parameters
    ----------
    param : :class:`~tfalab.cell.submodels.Params` of the cell.
    name : prefix of the states and variables ("Left", "Right", "Anode").
    options : :class:`~tfalab.cell.submodels.CellOptions` (``"intrusion"``,
        ``"skeleton path"``).
    sign : +1 if positive cell current strips this electrode, -1 if it plates it.
    """

    def __init__(self, param: Params, name: str, options: CellOptions | None = None,
                 sign: float = 1.0) -> None:
        options = options if options is not None else CellOptions()
        if options["skeleton path"] == "off":
            param = param.with_fixed({"Anode skeleton-path diffusivity [m2.s-1]": 0.0})
        super().__init__(param, name=f"{name} anode interface", options=options)
        self.electrode = name
        self.sign = sign
        self.p = param

    # --- variables --------------------------------------------------------------------------
    def get_fundamental_variables(self) -> dict[str, Any]:
        p, n = self.p, self.electrode
        q = pybamm.Variable(f"{n} net stripped charge [C.m-2]", scale=36000.0)
        phi = pybamm.Variable(f"{n} Li contact fraction")
        filament = pybamm.Variable(f"{n} filament length [m]", scale=1e-5)
        r_sei = pybamm.Variable(f"{n} interphase resistance [Ohm.m2]", scale=1e-4)
        intrusion: Any = (pybamm.Variable(f"{n} intrusion depth [m]", scale=1e-6)
                          if self.options["intrusion"] == "creep" else pybamm.Scalar(0.0))
        utilisation = q / p["Anode free-Li capacity [C.m-2]"]
        contact = ph.effective_contact(p, phi, utilisation, X)
        vm, h0 = p["Li molar volume [m3.mol-1]"], p["Anode thickness [m]"]
        s = q * vm / FARADAY
        pores0 = p["Anode porosity"] * h0
        pores = (pores0 + (1 - p["Anode collapse fraction"]) * ph.relu(s, X)
                 - pybamm.minimum(ph.relu(-s, X), pores0))
        dh = ph.thickness_change(p, q, phi, X)
        resistance = ph.interface_resistance(p, contact, r_sei, X)
        return {
            f"{n} net stripped charge [C.m-2]": q,
            f"{n} net stripped capacity [mA.h.cm-2]": q / 36000.0,
            f"{n} utilisation": utilisation,
            f"{n} Li contact fraction": phi,
            f"{n} contact fraction": contact,
            f"{n} filament length [m]": filament,
            f"{n} intrusion depth [m]": intrusion,
            f"{n} interphase resistance [Ohm.m2]": r_sei,
            f"{n} interfacial resistance [Ohm.m2]": resistance,
            f"{n} characteristic frequency [Hz]": ph.characteristic_frequency(
                p, contact, r_sei, X),
            f"{n} thickness change [m]": dh,
            f"{n} porosity": pores / (h0 + dh),
        }

    def get_coupled_variables(self, variables: dict[str, Any]) -> dict[str, Any]:
        p, n = self.p, self.electrode
        pressure = variables["Stack pressure [Pa]"]
        if self.options["intrusion"] == "equilibrium":
            variables[f"{n} intrusion depth [m]"] = ph.intrusion_depth(p, pressure, X)
        intrusion = variables[f"{n} intrusion depth [m]"]
        variables.update({
            f"{n} flaw depth [m]": p["Flaw size [m]"] + intrusion,
            f"{n} fracture ratio": ph.fracture_ratio(p, pressure, X, intrusion),
        })
        return variables

    def overpotential(self, variables: dict[str, Any], i: Any) -> Any:
        """Interface overpotential (V) at current density ``i`` through this interface
        (positive: stripping)."""
        n = self.electrode
        return ph.interface_overpotential(self.p, i, variables[f"{n} contact fraction"],
                                          variables[f"{n} interphase resistance [Ohm.m2]"], X)

    # --- equations ----------------------------------------------------------------------------
    def set_rhs(self, variables: dict[str, Any]) -> None:
        p, n = self.p, self.electrode
        pressure = variables["Stack pressure [Pa]"]
        i_ion = self.sign * variables["Ionic current density [A.m-2]"]
        i_tip = self.sign * variables["Current density [A.m-2]"]  # drives a filament tip
        phi = variables[f"{n} Li contact fraction"]
        contact = variables[f"{n} contact fraction"]
        r_sei = variables[f"{n} interphase resistance [Ohm.m2]"]
        intrusion = variables[f"{n} intrusion depth [m]"]
        self.rhs = {
            variables[f"{n} net stripped charge [C.m-2]"]: i_ion,
            phi: ph.contact_rate(p, i_ion, phi, contact, pressure, X),
            variables[f"{n} filament length [m]"]: ph.filament_rate(
                p, i_tip, contact, r_sei, p["Flaw size [m]"] + intrusion, X,
                pressure * p["Anode Li load fraction"]),
            r_sei: ph.interphase_rate(p, r_sei, X),
        }
        if self.options["intrusion"] == "creep":
            self.rhs[intrusion] = ph.intrusion_rate(p, intrusion, pressure, X)

    def set_initial_conditions(self, variables: dict[str, Any]) -> None:
        p, n = self.p, self.electrode
        self.initial_conditions = {
            variables[f"{n} net stripped charge [C.m-2]"]: pybamm.Scalar(0.0),
            variables[f"{n} Li contact fraction"]: p["Initial Li contact fraction"],
            variables[f"{n} filament length [m]"]: pybamm.Scalar(0.0),
            variables[f"{n} interphase resistance [Ohm.m2]"]:
                p["Initial interphase resistance [Ohm.m2]"],
        }
        if self.options["intrusion"] == "creep":
            self.initial_conditions[variables[f"{n} intrusion depth [m]"]] = pybamm.Scalar(0.0)

    def add_events_from(self, variables: dict[str, Any]) -> None:
        n = self.electrode
        self.events = [pybamm.Event(f"{n} free Li exhausted",
                                    0.999 - variables[f"{n} utilisation"])]
