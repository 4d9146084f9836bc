"""The anode/interface submodel as PyBaMM expressions: one instance per electrode.

:class:`AnodeInterface` adds an electrode's states (net stripped charge, Li contact fraction,
filament length, interphase resistance, depth of Li intruded into the electrolyte), their
rates and its output variables to a PyBaMM model. A symmetric cell uses two of them; a full
cell uses one in place of PyBaMM's planar Li counter electrode. The equations are those of
:mod:`tfalab.cell.physics`.
"""

from __future__ import annotations

from typing import Any

import pybamm

from tfalab.cell import physics as ph
from tfalab.constants import FARADAY

X = ph.PYBAMM


class Params:
    """``p[name]`` → ``pybamm.Parameter(name)``, cached (the ``p`` of :mod:`physics`)."""

    def __init__(self) -> None:
        self._cache: dict[str, pybamm.Parameter] = {}

    def __getitem__(self, name: str) -> pybamm.Parameter:
        if name not in self._cache:
            self._cache[name] = pybamm.Parameter(name)
        return self._cache[name]

    # what PyBaMM's external-circuit submodels (voltage, power and resistance control in an
    # Experiment) read from a model's ``param``
    @property
    def Q(self) -> pybamm.Parameter:
        """Nominal cell capacity (A.h): the basis of C-rates."""
        return self["Nominal cell capacity [A.h]"]

    @property
    def A_cc(self) -> pybamm.Parameter:
        """Current-collector (electrode) area (m²)."""
        return self["Electrode area [m2]"]


class AnodeInterface:
    """One anode and its interface with the solid electrolyte.

    ``name`` prefixes the states and variables ("Left", "Right", "Anode").
    """

    def __init__(self, name: str, p: Params) -> None:
        self.name = name
        self.p = p
        n = name
        self.q = pybamm.Variable(f"{n} net stripped charge [C.m-2]", scale=36000.0)
        self.phi = pybamm.Variable(f"{n} Li contact fraction")
        self.filament = pybamm.Variable(f"{n} filament length [m]", scale=1e-5)
        self.r_sei = pybamm.Variable(f"{n} interphase resistance [Ohm.m2]", scale=1e-4)
        self.intrusion = pybamm.Variable(f"{n} intrusion depth [m]", scale=1e-6)
        self.utilisation = self.q / p["Anode free-Li capacity [C.m-2]"]
        self.contact = ph.effective_contact(p, self.phi, self.utilisation, X)

    def overpotential(self, i: Any) -> Any:
        """Interface overpotential (V) at nominal current density ``i`` (positive: stripping)."""
        return ph.interface_overpotential(self.p, i, self.contact, self.r_sei, X)

    def resistance(self) -> Any:
        return ph.interface_resistance(self.p, self.contact, self.r_sei, X)

    def thickness_change(self) -> Any:
        return ph.thickness_change(self.p, self.q, self.phi, X)

    @property
    def flaw(self) -> Any:
        """Depth (m) of the electrolyte flaw ahead of this electrode: the pellet's surface flaw
        deepened by the Li intruded from this side."""
        return self.p["Flaw size [m]"] + self.intrusion

    def fracture_ratio(self, pressure: Any) -> Any:
        """P_Li over the Griffith stress of the intruded flaw (≥ 1: the pellet cracks)."""
        return ph.fracture_ratio(self.p, pressure, X, self.intrusion)

    def add_to(self, model: pybamm.BaseModel, i: Any, pressure: Any,
               i_applied: Any = None) -> None:
        """Add states, rates, initial conditions, variables and events to ``model``.

        ``i``: ionic current density through this interface (A/m², positive = stripping);
        ``pressure``: stack pressure (Pa); ``i_applied``: the applied current density, which
        drives a filament tip until it touches the other electrode (default ``i``).
        """
        i_tip = i if i_applied is None else i_applied
        p, n = self.p, self.name
        flaw = self.flaw
        model.rhs.update({
            self.intrusion: ph.intrusion_rate(p, self.intrusion, pressure, X),
            self.q: i,
            self.phi: ph.contact_rate(p, i, self.phi, self.contact, pressure, X),
            self.filament: ph.filament_rate(p, i_tip, self.contact, self.r_sei, flaw, X,
                                            pressure * p["Anode Li load fraction"]),
            self.r_sei: ph.interphase_rate(p, self.r_sei, X),
        })
        model.initial_conditions.update({
            self.q: pybamm.Scalar(0.0), self.phi: p["Initial Li contact fraction"],
            self.intrusion: pybamm.Scalar(0.0),
            self.filament: pybamm.Scalar(0.0),
            self.r_sei: p["Initial interphase resistance [Ohm.m2]"],
        })
        vm = p["Li molar volume [m3.mol-1]"]
        h0 = p["Anode thickness [m]"]
        s = self.q * vm / FARADAY
        pores0 = p["Anode porosity"] * h0
        pores = (pores0 + (1 - p["Anode collapse fraction"]) * ph.relu(s, X)
                 - pybamm.minimum(ph.relu(-s, X), pores0))
        dh = self.thickness_change()
        model.variables.update({
            f"{n} net stripped charge [C.m-2]": self.q,
            f"{n} net stripped capacity [mA.h.cm-2]": self.q / 36000.0,
            f"{n} utilisation": self.utilisation,
            f"{n} Li contact fraction": self.phi,
            f"{n} contact fraction": self.contact,
            f"{n} filament length [m]": self.filament,
            f"{n} intrusion depth [m]": self.intrusion,
            f"{n} interphase resistance [Ohm.m2]": self.r_sei,
            f"{n} interfacial resistance [Ohm.m2]": self.resistance(),
            f"{n} characteristic frequency [Hz]": ph.characteristic_frequency(
                p, self.contact, self.r_sei, X),
            f"{n} thickness change [m]": dh,
            f"{n} porosity": pores / (h0 + dh),
            f"{n} local current density [A.m-2]": pybamm.AbsoluteValue(i) / self.contact,
        })
        model.events.append(pybamm.Event(f"{n} free Li exhausted", 0.999 - self.utilisation))
