"""FullCell: anode|Li6PS5Cl|composite cathode as a PyBaMM model.

The composite cathode is resolved through its thickness (``layers`` finite volumes, x = depth
over thickness): Li6PS5Cl is a single-ion, ohmic electrolyte in the separator and in the
composite, whose LPSCl network conducts with a transport efficiency from the composite's
composition (continuum percolation, :func:`~tfalab.cell.cathodes.transport_efficiency`); the
carbon is taken as a perfect electronic conductor. Each layer holds an active particle with
spherical solid diffusion and Butler–Volmer kinetics, and a double layer (so that the
interfacial potential is a state and the model stays an ODE system). tfalab's anode/interface
submodel (:class:`~tfalab.cell.submodel.AnodeInterface`) is the negative electrode, so that
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

from tfalab.cell import physics as ph
from tfalab.cell.citations import register_citations
from tfalab.cell.standard import PYBAMM_OPTIONS, add_counters, add_voltage_components
from tfalab.cell.submodel import AnodeInterface, Params
from tfalab.constants import FARADAY, GAS_CONSTANT

X = ph.PYBAMM
#: depth in the composite cathode (m; 0 at the separator, its thickness at the current collector)
X_C = pybamm.SpatialVariable("x_c", domain=["cathode"], coord_sys="cartesian")
#: radius in the cathode particles (m; 0 at the centre)
R_C = pybamm.SpatialVariable("r_c", domain=["cathode particle"],
                             auxiliary_domains={"secondary": ["cathode"]},
                             coord_sys="spherical polar")


class FullCell(pybamm.BaseModel):
    """Anode|Li6PS5Cl|composite-cathode cell (0D anode; cathode resolved through its
    thickness, one particle per layer)."""

    def __init__(self, name: str = "tfalab full cell", particle_points: int = 8,
                 layers: int = 6) -> None:
        super().__init__(name)
        self.particle_points = particle_points
        self.layers = layers
        p = self.param = Params()
        current = pybamm.FunctionParameter("Current function [A]", {"Time [s]": pybamm.t})
        area = p["Electrode area [m2]"]
        i = current / area
        t_k = p["Ambient temperature [K]"]
        pressure = p["Stack pressure [Pa]"]

        # --- anode, intrusion, filaments, shunt -------------------------------------------
        anode = self.anode = AnodeInterface("Anode", p)
        intrusion = anode.intrusion
        thickness = p["Electrolyte thickness [m]"]
        cracked = ph.step(anode.fracture_ratio(pressure) - 1, 0.02, X)  # the crack runs through
        span = intrusion + anode.filament + 1.5 * thickness * cracked
        width = p["Shunt transition width [m]"]
        shunt = ph.step(span - thickness + 3 * width, width, X)
        remaining = pybamm.maximum(thickness - span, 1e-3 * thickness)
        sigma = ph.electrolyte_conductivity(p, X)

        # --- composite cathode: layers through its thickness, a particle in each -----------
        c_max = p["Cathode Li concentration [mol.m-3]"]
        theta = pybamm.Variable("Cathode lithiation", domain="cathode particle",
                                auxiliary_domains={"secondary": "cathode"})
        # interfacial potential φ_s − φ_e in every layer (φ_s uniform: the carbon conducts)
        dphi = pybamm.Variable("Cathode interfacial potential [V]", domain="cathode")
        eps = pybamm.Variable("Cathode active fraction")
        r_ci = pybamm.Variable("Cathode interphase resistance [Ohm.m2]", scale=1e-4)
        lost = pybamm.Variable("Lost cathode Li [C.m-2]", scale=1e3)
        radius = p["Cathode particle radius [m]"]
        length = p["Cathode thickness [m]"]

        def mean(f: Any) -> Any:  # average over the composite's thickness
            return pybamm.Integral(f, X_C) / length
        diff = ph.arrhenius(p, p["Cathode diffusivity [m2.s-1]"],
                            p["Cathode diffusion activation energy [J.mol-1]"],
                            p["Cathode reference temperature [K]"], X)
        area0 = p["Cathode active surface area [m2.m-2]"]  # m² of particle surface per m²
        surface = area0 * eps
        sigma_c = sigma * p["Cathode transport efficiency"]  # LPSCl network of the composite
        r_sep = remaining / sigma
        r_ser = r_sep + length / (3 * sigma_c)  # uniform-reaction estimate (shunt split only)
        r_lin = r_ser + anode.resistance() + r_ci
        ionic = 1 / (1 + shunt * r_lin / p["Shunt resistance [Ohm.m2]"])
        i_ion = i * ionic

        # Butler–Volmer in every layer; j > 0 = lithiation (A/m² of particle surface)
        theta_s = pybamm.surf(theta)
        j0 = ph.arrhenius(p, p["Cathode exchange current density [A.m-2]"],
                          p["Exchange current activation energy [J.mol-1]"],
                          p["Cathode reference temperature [K]"], X)
        j0_eff = j0 * pybamm.sqrt(pybamm.maximum(theta_s * (1 - theta_s), 1e-4))
        ocp = pybamm.FunctionParameter("Cathode OCP [V]", {"Cathode lithiation": theta_s})
        hyst = 0.5 * p["Cathode hysteresis [V]"] * pybamm.tanh(i / 0.05)
        eta = dphi - (ocp - hyst)
        j = -2 * j0_eff * pybamm.sinh(FARADAY * eta / (2 * GAS_CONSTANT * t_k))

        self.rhs[theta] = diff * pybamm.div(pybamm.grad(theta))
        self.boundary_conditions[theta] = {
            "left": (pybamm.Scalar(0), "Neumann"),
            "right": (j / (FARADAY * diff * c_max), "Neumann"),
        }
        self.initial_conditions[theta] = p["Cathode initial lithiation"]
        # single-ion LPSCl in the composite, ionic current i_e = σ_c ∂Δφ/∂x (x: depth, m):
        # (a C / L) ∂Δφ/∂t = ∂i_e/∂x + a j / L (a: m² of particle surface per m² of cell);
        # all of i_ion enters at the separator, none leaves at the current collector
        cap_dl = p["Cathode double-layer capacitance [F.m-2]"] * area0
        self.rhs[dphi] = (sigma_c * length * pybamm.div(pybamm.grad(dphi))
                          + surface * j) / cap_dl
        self.boundary_conditions[dphi] = {
            "left": (i_ion / sigma_c, "Neumann"),
            "right": (pybamm.Scalar(0), "Neumann"),
        }
        dphi0 = pybamm.FunctionParameter("Cathode OCP [V]",
                                         {"Cathode lithiation": p["Cathode initial lithiation"]})
        self.initial_conditions[dphi] = dphi0
        phi_c = pybamm.BoundaryValue(dphi, "left")  # cathode vs the LPSCl at the separator
        double_layer = -cap_dl * mean(dphi - dphi0)  # C/m², Li+ held there

        # loss of active material: contact loss per cycled volumetric strain (relieved by
        # pressure) and a first-order, time-driven chemical loss of the active interfaces
        capacity = p["Cathode capacity [C.m-2]"]
        relief = p["Cathode pressure relief [Pa]"] / (p["Cathode pressure relief [Pa]"] + pressure)
        chem = ph.arrhenius(p, p["Cathode chemical loss rate [s-1]"],
                            p["Cathode chemical loss activation energy [J.mol-1]"],
                            p["Cathode reference temperature [K]"], X)
        d_eps = -(p["Cathode contact loss coefficient"] * p["Cathode volume change"] * relief
                  * pybamm.AbsoluteValue(i_ion) / capacity) - chem * eps
        self.rhs[eps] = d_eps
        self.initial_conditions[eps] = pybamm.Scalar(1.0)
        theta_avg = mean(pybamm.Integral(theta, R_C) * (3 / (4 * np.pi * radius**3)))
        self.rhs[lost] = -d_eps * theta_avg * capacity
        self.initial_conditions[lost] = pybamm.Scalar(0.0)
        k = p["Cathode interphase growth constant [Ohm.m2.s-0.5]"]
        self.rhs[r_ci] = k * k / (2 * r_ci)
        self.initial_conditions[r_ci] = p["Cathode initial interphase resistance [Ohm.m2]"]

        # --- voltage --------------------------------------------------------------------------
        theta_surf_avg = mean(theta_s)
        ocp_avg = pybamm.FunctionParameter("Cathode OCP [V]",
                                           {"Cathode lithiation": theta_surf_avg})
        eta_c = mean(-eta)  # mean kinetic overpotential (> 0 on discharge)
        voltage = (phi_c - i_ion * (r_sep + r_ci) - anode.overpotential(i_ion)) * ionic
        anode.add_to(self, i_ion, pressure, i)

        cathode_li = eps * theta_avg * capacity + lost + double_layer
        self.variables.update({
            "Time [s]": pybamm.t, "Time [h]": pybamm.t / 3600,
            "Current [A]": current, "Current function [A]": current,
            "Current variable [A]": current,
            "Current density [A.m-2]": i, "Ionic current density [A.m-2]": i_ion,
            "Voltage [V]": voltage, "Battery voltage [V]": voltage,
            "Open-circuit voltage [V]": ocp_avg,
            "Cathode surface lithiation": theta_surf_avg, "Cathode average lithiation": theta_avg,
            "Cathode lithiation at the separator": pybamm.BoundaryValue(theta_s, "left"),
            "Cathode lithiation at the current collector":
                pybamm.BoundaryValue(theta_s, "right"),
            "Cathode active fraction": eps, "Cathode overpotential [V]": eta_c,
            "Cathode electrolyte drop [V]": pybamm.BoundaryValue(dphi, "right") - phi_c,
            "Cathode double-layer charge [C.m-2]": double_layer,
            "Cathode interphase resistance [Ohm.m2]": r_ci,
            "Cathode Li [C.m-2]": cathode_li, "Lost cathode Li [C.m-2]": lost,
            "Electrolyte resistance [Ohm.m2]": r_ser,
            "Stack pressure [Pa]": pressure + 0 * pybamm.t, "Intrusion depth [m]": intrusion,
            "Filament length [m]": anode.filament, "Electrolyte span [m]": span,
            "Shunt fraction": 1 - ionic,
            "Ambient temperature [K]": t_k,
        })
        # what every PyBaMM battery model offers: counters, power, C-rate, voltage components
        add_counters(self, current, voltage, p.Q)
        ocv_bulk = pybamm.FunctionParameter("Cathode OCP [V]", {"Cathode lithiation": theta_avg})
        conc = ocp_avg - ocv_bulk
        reaction = -(anode.overpotential(i_ion) + eta_c) * ionic
        contact = -i_ion * r_ci * ionic
        add_voltage_components(self, ocv_bulk, {
            "Battery particle concentration overpotential [V]": conc,
            "X-averaged battery reaction overpotential [V]": reaction,
            "Contact overpotential [V]": contact,
            # the rest: separator and composite ionic drops, hysteresis, the shunt's share
            "X-averaged battery electrolyte ohmic losses [V]":
                voltage - ocv_bulk - conc - reaction - contact,
        })
        self.options = dict(PYBAMM_OPTIONS)
        register_citations()
        self.events += [
            pybamm.Event("Short circuit", thickness - span),
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
