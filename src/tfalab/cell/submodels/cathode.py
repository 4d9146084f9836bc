"""The composite cathode of a full cell as a PyBaMM submodel, resolved through its thickness.

Li6PS5Cl is a single-ion, ohmic electrolyte in the composite, whose LPSCl network conducts
with a transport efficiency from its composition; the carbon is a perfect electronic
conductor. Each layer (``x_c``, m) holds an active particle (``r_c``, m) with spherical solid
diffusion and Butler–Volmer kinetics, and a double layer, so that the interfacial potential is
a state and the model stays an ODE system. Capacity fades by loss of active material (contact
loss per cycled volumetric strain, relieved by stack pressure; a first-order chemical loss)
and a parabolically growing interphase. Equations: ``docs/full-cell-model.md``.

It reads ``Ionic current density [A.m-2]`` (positive: discharge, the cathode takes up Li),
``Current density [A.m-2]`` and ``Stack pressure [Pa]``, and provides ``Cathode ...``
variables, among them ``Cathode potential [V]`` (vs the electrolyte at the separator) and
``Cathode series resistance [Ohm.m2]`` (the electrolyte submodel's shunt split).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pybamm

from tfalab.cell import physics as ph
from tfalab.cell.submodels.options import CellOptions
from tfalab.cell.submodels.params import Params
from tfalab.constants import FARADAY, GAS_CONSTANT

X = ph.PYBAMM
#: depth in the composite cathode (m; 0 at the separator, its thickness at the current collector)
X_C = pybamm.SpatialVariable("x_c", domain=["cathode"], coord_sys="cartesian")
#: radius in the cathode particles (m; 0 at the centre)
R_C = pybamm.SpatialVariable("r_c", domain=["cathode particle"],
                             auxiliary_domains={"secondary": ["cathode"]},
                             coord_sys="spherical polar")


class CompositeCathode(pybamm.BaseSubModel):
    """Composite cathode: particles in layers through its thickness, LPSCl between them."""

    def __init__(self, param: Params, options: CellOptions | None = None) -> None:
        super().__init__(param, name="composite cathode",
                         options=options if options is not None else CellOptions())

    def _mean(self, f: Any) -> Any:
        """Average over the composite's thickness."""
        return pybamm.Integral(f, X_C) / self.param["Cathode thickness [m]"]

    def get_fundamental_variables(self) -> dict[str, Any]:
        p = self.param
        theta = pybamm.Variable("Cathode lithiation", domain="cathode particle",
                                auxiliary_domains={"secondary": "cathode"})
        # interfacial potential φ_s − φ_e in every layer (φ_s uniform: the carbon conducts)
        dphi = pybamm.Variable("Cathode interfacial potential [V]", domain="cathode")
        eps = pybamm.Variable("Cathode active fraction")
        r_ci = pybamm.Variable("Cathode interphase resistance [Ohm.m2]", scale=1e-4)
        lost = pybamm.Variable("Lost cathode Li [C.m-2]", scale=1e3)
        radius, length = p["Cathode particle radius [m]"], p["Cathode thickness [m]"]
        theta_s = pybamm.surf(theta)
        theta_avg = self._mean(pybamm.Integral(theta, R_C) * (3 / (4 * np.pi * radius**3)))
        theta_surf_avg = self._mean(theta_s)
        sigma_c = ph.electrolyte_conductivity(p, X) * p["Cathode transport efficiency"]
        cap_dl = p["Cathode double-layer capacitance [F.m-2]"] * p[
            "Cathode active surface area [m2.m-2]"]
        dphi0 = pybamm.FunctionParameter("Cathode OCP [V]",
                                         {"Cathode lithiation": p["Cathode initial lithiation"]})
        double_layer = -cap_dl * self._mean(dphi - dphi0)  # C/m², Li+ held there
        capacity = p["Cathode capacity [C.m-2]"]
        phi_c = pybamm.BoundaryValue(dphi, "left")  # vs the LPSCl at the separator
        return {
            "Cathode lithiation": theta, "Cathode surface lithiation field": theta_s,
            "Cathode interfacial potential [V]": dphi,
            "Cathode active fraction": eps,
            "Cathode interphase resistance [Ohm.m2]": r_ci,
            "Lost cathode Li [C.m-2]": lost,
            "Cathode surface lithiation": theta_surf_avg,
            "Cathode average lithiation": theta_avg,
            "Cathode lithiation at the separator": pybamm.BoundaryValue(theta_s, "left"),
            "Cathode lithiation at the current collector":
                pybamm.BoundaryValue(theta_s, "right"),
            "Cathode potential [V]": phi_c,
            "Cathode electrolyte drop [V]": pybamm.BoundaryValue(dphi, "right") - phi_c,
            "Cathode double-layer charge [C.m-2]": double_layer,
            "Cathode Li [C.m-2]": eps * theta_avg * capacity + lost + double_layer,
            "Open-circuit voltage [V]": pybamm.FunctionParameter(
                "Cathode OCP [V]", {"Cathode lithiation": theta_surf_avg}),
            "Cathode bulk open-circuit potential [V]": pybamm.FunctionParameter(
                "Cathode OCP [V]", {"Cathode lithiation": theta_avg}),
            # uniform-reaction estimate of the composite's ionic resistance (shunt split only)
            "Cathode series resistance [Ohm.m2]": length / (3 * sigma_c) + r_ci,
        }

    def get_coupled_variables(self, variables: dict[str, Any]) -> dict[str, Any]:
        p = self.param
        i = variables["Current density [A.m-2]"]
        theta_s = variables["Cathode surface lithiation field"]
        dphi = variables["Cathode interfacial potential [V]"]
        # Butler–Volmer in every layer; j > 0 = lithiation (A/m² of particle surface)
        j0 = ph.arrhenius(p, p["Cathode exchange current density [A.m-2]"],
                          p["Exchange current activation energy [J.mol-1]"],
                          p["Cathode reference temperature [K]"], X)
        j0_eff = j0 * pybamm.sqrt(pybamm.maximum(theta_s * (1 - theta_s), 1e-4))
        ocp = pybamm.FunctionParameter("Cathode OCP [V]", {"Cathode lithiation": theta_s})
        hyst = 0.5 * p["Cathode hysteresis [V]"] * pybamm.tanh(i / 0.05)
        eta = dphi - (ocp - hyst)
        t_k = p["Ambient temperature [K]"]
        j = -2 * j0_eff * pybamm.sinh(FARADAY * eta / (2 * GAS_CONSTANT * t_k))
        variables.update({
            "Cathode reaction current density [A.m-2]": j,
            "Cathode overpotential [V]": self._mean(-eta),  # > 0 on discharge
        })
        return variables

    def set_rhs(self, variables: dict[str, Any]) -> None:
        p = self.param
        i_ion = variables["Ionic current density [A.m-2]"]
        pressure = variables["Stack pressure [Pa]"]
        theta = variables["Cathode lithiation"]
        dphi = variables["Cathode interfacial potential [V]"]
        eps = variables["Cathode active fraction"]
        j = variables["Cathode reaction current density [A.m-2]"]
        t_ref = p["Cathode reference temperature [K]"]
        diff = ph.arrhenius(p, p["Cathode diffusivity [m2.s-1]"],
                            p["Cathode diffusion activation energy [J.mol-1]"], t_ref, X)
        area0 = p["Cathode active surface area [m2.m-2]"]  # m² of particle surface per m²
        sigma_c = ph.electrolyte_conductivity(p, X) * p["Cathode transport efficiency"]
        length = p["Cathode thickness [m]"]
        cap_dl = p["Cathode double-layer capacitance [F.m-2]"] * area0
        capacity = p["Cathode capacity [C.m-2]"]
        relief = p["Cathode pressure relief [Pa]"] / (p["Cathode pressure relief [Pa]"] + pressure)
        chem = ph.arrhenius(p, p["Cathode chemical loss rate [s-1]"],
                            p["Cathode chemical loss activation energy [J.mol-1]"], t_ref, X)
        d_eps = -(p["Cathode contact loss coefficient"] * p["Cathode volume change"] * relief
                  * pybamm.AbsoluteValue(i_ion) / capacity) - chem * eps
        k = p["Cathode interphase growth constant [Ohm.m2.s-0.5]"]
        r_ci = variables["Cathode interphase resistance [Ohm.m2]"]
        self.rhs = {
            theta: diff * pybamm.div(pybamm.grad(theta)),
            # single-ion LPSCl in the composite, ionic current i_e = σ_c ∂Δφ/∂x (x: depth, m):
            # (a C / L) ∂Δφ/∂t = ∂i_e/∂x + a j / L (a: m² of particle surface per m² of cell);
            # all of i_ion enters at the separator, none leaves at the current collector
            dphi: (sigma_c * length * pybamm.div(pybamm.grad(dphi)) + area0 * eps * j) / cap_dl,
            eps: d_eps,
            variables["Lost cathode Li [C.m-2]"]:
                -d_eps * variables["Cathode average lithiation"] * capacity,
            r_ci: k * k / (2 * r_ci),
        }

    def set_boundary_conditions(self, variables: dict[str, Any]) -> None:
        p = self.param
        diff = ph.arrhenius(p, p["Cathode diffusivity [m2.s-1]"],
                            p["Cathode diffusion activation energy [J.mol-1]"],
                            p["Cathode reference temperature [K]"], X)
        sigma_c = ph.electrolyte_conductivity(p, X) * p["Cathode transport efficiency"]
        j = variables["Cathode reaction current density [A.m-2]"]
        c_max = p["Cathode Li concentration [mol.m-3]"]
        self.boundary_conditions = {
            variables["Cathode lithiation"]: {
                "left": (pybamm.Scalar(0), "Neumann"),
                "right": (j / (FARADAY * diff * c_max), "Neumann")},
            variables["Cathode interfacial potential [V]"]: {
                "left": (variables["Ionic current density [A.m-2]"] / sigma_c, "Neumann"),
                "right": (pybamm.Scalar(0), "Neumann")},
        }

    def set_initial_conditions(self, variables: dict[str, Any]) -> None:
        p = self.param
        self.initial_conditions = {
            variables["Cathode lithiation"]: p["Cathode initial lithiation"],
            variables["Cathode interfacial potential [V]"]: pybamm.FunctionParameter(
                "Cathode OCP [V]", {"Cathode lithiation": p["Cathode initial lithiation"]}),
            variables["Cathode active fraction"]: pybamm.Scalar(1.0),
            variables["Lost cathode Li [C.m-2]"]: pybamm.Scalar(0.0),
            variables["Cathode interphase resistance [Ohm.m2]"]:
                p["Cathode initial interphase resistance [Ohm.m2]"],
        }
