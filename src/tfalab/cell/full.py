"""FullCell: anode|Li6PS5Cl|composite cathode as a PyBaMM model.

The composite cathode is resolved through its thickness (``layers`` finite volumes, x = depth
over thickness): Li6PS5Cl is a single-ion, ohmic electrolyte in the separator and in the
composite, whose LPSCl network conducts with a transport efficiency from the composite's
composition (continuum percolation, :func:`~tfalab.cell.cathodes.transport_efficiency`); the
carbon is taken as a perfect electronic conductor. Each layer holds an active particle with
spherical solid diffusion and Butler–Volmer kinetics, and a double layer (so that the
interfacial potential is a state and the model stays an ODE system). tfalab's anode/interface
submodel (:class:`~tfalab.cell.submodels.AnodeInterface`) is the negative electrode, so that
contact loss, intrusion, filaments and shorts act as in symmetric cells. Positive current is
discharge: the anode strips, the cathode takes up Li.

Capacity fade: loss of active material, (i) time-driven, first order, by chemical
decomposition of the composite's electrolyte at the active/carbon interfaces (``Cathode
chemical loss rate [s-1]``) and (ii) by contact loss per volumetric strain cycled, relieved by
stack pressure (``Cathode contact loss coefficient``); the cathode interphase resistance grows
parabolically in time. Equations: ``docs/full-cell-model.md``.

>>> import pybamm
>>> from tfalab.cell.full_parameters import full_parameters
>>> p = {**full_parameters("tfa", "fes2", "2.17 mg/cm2"), "Current function [A]": 5e-4}
>>> p["Lower voltage cut-off [V]"] = 1.0  # discharge to 1.0 V
>>> sim = pybamm.Simulation(FullCell(), parameter_values=pybamm.ParameterValues(p))
>>> v = sim.solve([0, 3600])["Voltage [V]"].entries
>>> bool(1.5 < v[-1] < 2.1 < v[0])
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pybamm

from tfalab.cell.citations import register_citations
from tfalab.cell.standard import add_counters, add_voltage_components
from tfalab.cell.submodels import (
    AnodeInterface,
    CellOptions,
    Electrolyte,
    Params,
    StackPressure,
    assemble,
)
from tfalab.cell.submodels.cathode import R_C, X_C, CompositeCathode
from tfalab.cell.submodels.options import options_dict
from tfalab.errors import ParameterError

#: a full cell's holder keeps the stack pressure constant unless told otherwise
FULL_CELL_DEFAULTS = {"holder": "rigid"}
#: finite volumes a cathode particle (particle_points) or its thickness (layers) may have
MIN_POINTS, MAX_POINTS = 2, 200


class FullCell(pybamm.BaseModel):
    """Anode|Li6PS5Cl|composite-cathode cell (0D anode; cathode resolved through its
    thickness, one particle per layer), assembled from submodels:
    :class:`~tfalab.cell.submodels.AnodeInterface` ("Anode"),
    :class:`~tfalab.cell.submodels.StackPressure`, :class:`~tfalab.cell.submodels.Electrolyte`
    and :class:`~tfalab.cell.submodels.cathode.CompositeCathode`.

    ``options``: :class:`~tfalab.cell.submodels.CellOptions` (default holder: ``"rigid"``).
    """

    def __init__(self, name: str = "tfalab full cell", particle_points: int = 8,
                 layers: int = 6, options: dict[str, Any] | None = None) -> None:
        for what, n in (("particle_points", particle_points), ("layers", layers)):
            if isinstance(n, bool) or not isinstance(n, int | np.integer) \
                    or not MIN_POINTS <= n <= MAX_POINTS:
                raise ParameterError(f"{what} must be a whole number in {MIN_POINTS}-"
                                     f"{MAX_POINTS}, got {n!r}")
        options = options_dict(options)
        super().__init__(name)
        self.particle_points = int(particle_points)
        self.layers = int(layers)
        self.options = opts = CellOptions({**FULL_CELL_DEFAULTS, **options})
        p = self.param = Params()
        current = pybamm.FunctionParameter("Current function [A]", {"Time [s]": pybamm.t})
        i = current / p["Electrode area [m2]"]
        self.variables.update({"Current [A]": current, "Current density [A.m-2]": i})
        anode = self.anode = AnodeInterface(p, "Anode", opts, 1.0)
        self.submodels = {"anode": anode, "holder": StackPressure(p, ("Anode",), opts),
                          "electrolyte": Electrolyte(p, ("Anode",), opts),
                          "cathode": CompositeCathode(p, opts)}
        assemble(self, list(self.submodels.values()))
        v = self.variables

        # --- voltage: cathode vs the electrolyte at the separator, less the separator and
        # interphase drops and the anode's overpotential, times the ionic fraction
        ionic, i_ion = v["Ionic fraction"], v["Ionic current density [A.m-2]"]
        r_sep, r_ci = v["Electrolyte resistance [Ohm.m2]"], v[
            "Cathode interphase resistance [Ohm.m2]"]
        eta_a = anode.overpotential(v, i_ion)
        voltage = (v["Cathode potential [V]"] - i_ion * (r_sep + r_ci) - eta_a) * ionic
        self.variables.update({
            "Time [s]": pybamm.t, "Time [h]": pybamm.t / 3600,
            "Current function [A]": current, "Current variable [A]": current,
            "Voltage [V]": voltage, "Battery voltage [V]": voltage,
            "Separator resistance [Ohm.m2]": r_sep,
            "Electrolyte resistance [Ohm.m2]": r_sep + v["Cathode series resistance [Ohm.m2]"]
            - r_ci,
            "Anode interface overpotential [V]": eta_a,
            "Anode local current density [A.m-2]":
                pybamm.AbsoluteValue(i_ion) / v["Anode contact fraction"],
            "Ambient temperature [K]": p["Ambient temperature [K]"],
        })
        # what every PyBaMM battery model offers: counters, power, C-rate, voltage components
        add_counters(self, current, voltage, p.Q)
        ocv_bulk = v["Cathode bulk open-circuit potential [V]"]
        conc = v["Open-circuit voltage [V]"] - ocv_bulk
        reaction = -(eta_a + v["Cathode overpotential [V]"]) * ionic
        contact = -i_ion * r_ci * ionic
        add_voltage_components(self, ocv_bulk, {
            "Battery particle concentration overpotential [V]": conc,
            "X-averaged battery reaction overpotential [V]": reaction,
            "Contact overpotential [V]": contact,
            # the rest: separator and composite ionic drops, hysteresis, the shunt's share
            "X-averaged battery electrolyte ohmic losses [V]":
                voltage - ocv_bulk - conc - reaction - contact,
        })
        register_citations()
        self.events += [
            pybamm.Event("Minimum voltage [V]", voltage - p["Lower voltage cut-off [V]"]),
            pybamm.Event("Maximum voltage [V]", p["Upper voltage cut-off [V]"] - voltage),
        ]

    @property
    def default_geometry(self) -> pybamm.Geometry:
        zero = pybamm.Scalar(0)
        return pybamm.Geometry({
            "cathode": {X_C: {"min": zero, "max": pybamm.Parameter("Cathode thickness [m]")}},
            "cathode particle": {R_C: {"min": zero,
                                       "max": pybamm.Parameter("Cathode particle radius [m]")}},
        })

    @property
    def default_submesh_types(self) -> dict[str, Any]:
        return {"cathode": pybamm.Uniform1DSubMesh,
                "cathode particle": pybamm.Uniform1DSubMesh}

    @property
    def default_var_pts(self) -> dict[Any, int]:
        return {X_C: self.layers, R_C: self.particle_points}

    @property
    def default_spatial_methods(self) -> dict[str, Any]:
        return {"cathode": pybamm.FiniteVolume(), "cathode particle": pybamm.FiniteVolume()}

    @property
    def default_quick_plot_variables(self) -> list[Any]:
        return ["Voltage [V]", "Current [A]", "Cathode lithiation",
                "Cathode interfacial potential [V]",
                ["Cathode surface lithiation", "Cathode average lithiation"],
                ["Anode utilisation", "Anode contact fraction", "Cathode active fraction"]]

    @property
    def summary_variables(self) -> list[str]:  # the last value of each Experiment cycle
        return ["Discharge capacity [A.h]", "Throughput capacity [A.h]",
                "Cathode active fraction", "Lost cathode Li [C.m-2]",
                "Cathode interphase resistance [Ohm.m2]", "Anode utilisation",
                "Anode contact fraction", "Filament length [m]", "Intrusion depth [m]"]

    @property
    def default_parameter_values(self) -> pybamm.ParameterValues:
        from tfalab.cell.full_parameters import full_parameters

        return pybamm.ParameterValues(full_parameters("tfa", "fes2", "2.17 mg/cm2"))

    @property
    def default_solver(self) -> Any:
        return pybamm.IDAKLUSolver(rtol=1e-6, atol=1e-8)
