"""FullCell: anode|Li6PS5Cl|composite cathode as a PyBaMM model.

A single-particle description of the composite cathode (spherical diffusion in the active
particles, Butler–Volmer kinetics on their surface) with Li6PS5Cl as a single-ion, ohmic
electrolyte in the separator and in the composite (transport efficiency ε^b), and tfalab's
anode/interface submodel (:class:`~tfalab.cell.submodel.AnodeInterface`) as the negative
electrode, so that contact loss, intrusion, filaments and shorts act as in symmetric cells.
Positive current is discharge: the anode strips, the cathode takes up Li.

Capacity fade: active material loses contact in proportion to the volumetric strain it
cycles, relieved by stack pressure (``Cathode contact loss coefficient``); the cathode
interphase grows parabolically in time. Equations: ``docs/full-cell-model.md``.

>>> import pybamm
>>> from tfalab.cell.full_parameters import full_parameters
>>> p = {**full_parameters("tfa", "fes2", "2.17 mg/cm2"), "Current function [A]": 5e-4}
>>> sim = pybamm.Simulation(FullCell(), parameter_values=pybamm.ParameterValues(p))
>>> cut = {"Direction": 1.0, "Cut-off voltage [V]": 1.0}  # discharge to 1.0 V
>>> v = sim.solve([0, 3600], inputs=cut)["Voltage [V]"].entries
>>> bool(1.5 < v[-1] < v[0] < 2.3)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pybamm

from tfalab.cell import physics as ph
from tfalab.cell.submodel import AnodeInterface, Params
from tfalab.constants import FARADAY, GAS_CONSTANT

X = ph.PYBAMM
#: dimensionless radius of the cathode particle (0 at the centre, 1 at the surface)
R_C = pybamm.SpatialVariable("r_c", domain=["cathode particle"], coord_sys="spherical polar")


class FullCell(pybamm.BaseModel):
    """Anode|Li6PS5Cl|composite-cathode cell (0D anode, single-particle cathode)."""

    def __init__(self, name: str = "tfalab full cell", particle_points: int = 12) -> None:
        super().__init__(name)
        self.particle_points = particle_points
        p = self.param = Params()
        current = pybamm.FunctionParameter("Current function [A]", {"Time [s]": pybamm.t})
        area = p["Electrode area [m2]"]
        i = current / area
        t_k = p["Ambient temperature [K]"]
        pressure = p["Stack pressure [Pa]"]

        # --- anode, intrusion, filaments, shunt -------------------------------------------
        anode = self.anode = AnodeInterface("Anode", p)
        intrusion = ph.intrusion_depth(p, pressure, X)
        thickness = p["Electrolyte thickness [m]"]
        cracked = ph.step(ph.fracture_ratio(p, pressure, X) - 1, 0.02, X)  # crack spans it
        span = intrusion + anode.filament + 1.5 * thickness * cracked
        width = p["Shunt transition width [m]"]
        shunt = ph.step(span - thickness + 3 * width, width, X)
        remaining = pybamm.maximum(thickness - span, 1e-3 * thickness)
        sigma = ph.electrolyte_conductivity(p, X)

        # --- cathode particle (dimensionless radius) ---------------------------------------
        c_max = p["Cathode Li concentration [mol.m-3]"]
        theta = pybamm.Variable("Cathode lithiation", domain="cathode particle")
        eps = pybamm.Variable("Cathode active fraction")
        r_ci = pybamm.Variable("Cathode interphase resistance [Ohm.m2]", scale=1e-4)
        lost = pybamm.Variable("Lost cathode Li [C.m-2]", scale=1e3)
        radius = p["Cathode particle radius [m]"]
        diff = ph.arrhenius(p, p["Cathode diffusivity [m2.s-1]"],
                            p["Cathode diffusion activation energy [J.mol-1]"],
                            p["Cathode reference temperature [K]"], X)
        surface = p["Cathode active surface area [m2.m-2]"] * eps
        r_ser = (remaining / sigma + p["Cathode thickness [m]"] / (
            3 * sigma * p["Cathode electrolyte fraction"] ** p["Cathode Bruggeman exponent"]))
        r_lin = r_ser + anode.resistance() + r_ci
        ionic = 1 / (1 + shunt * r_lin / p["Shunt resistance [Ohm.m2]"])
        i_ion = i * ionic
        j = i_ion / surface  # A/m² of particle surface, positive = lithiation
        theta_s = pybamm.BoundaryValue(theta, "right")
        self.rhs[theta] = diff / radius**2 * pybamm.div(pybamm.grad(theta))
        self.boundary_conditions[theta] = {
            "left": (pybamm.Scalar(0), "Neumann"),
            "right": (j * radius / (FARADAY * diff * c_max), "Neumann"),
        }
        self.initial_conditions[theta] = p["Cathode initial lithiation"]

        # contact loss of cathode particles: per volumetric strain cycled, relieved by pressure
        capacity = p["Cathode capacity [C.m-2]"]
        relief = p["Cathode pressure relief [Pa]"] / (p["Cathode pressure relief [Pa]"] + pressure)
        d_eps = -(p["Cathode contact loss coefficient"] * p["Cathode volume change"] * relief
                  * pybamm.AbsoluteValue(i_ion) / capacity)
        self.rhs[eps] = d_eps
        self.initial_conditions[eps] = pybamm.Scalar(1.0)
        theta_avg = pybamm.Integral(theta, R_C) * (3 / (4 * np.pi))  # volume average
        self.rhs[lost] = -d_eps * theta_avg * capacity
        self.initial_conditions[lost] = pybamm.Scalar(0.0)
        k = p["Cathode interphase growth constant [Ohm.m2.s-0.5]"]
        self.rhs[r_ci] = k * k / (2 * r_ci)
        self.initial_conditions[r_ci] = p["Cathode initial interphase resistance [Ohm.m2]"]

        # --- kinetics and voltage ------------------------------------------------------------
        j0 = ph.arrhenius(p, p["Cathode exchange current density [A.m-2]"],
                          p["Exchange current activation energy [J.mol-1]"],
                          p["Cathode reference temperature [K]"], X)
        j0_eff = j0 * pybamm.sqrt(pybamm.maximum(theta_s * (1 - theta_s), 1e-4))
        eta_c = 2 * GAS_CONSTANT * t_k / FARADAY * pybamm.arcsinh(j / (2 * j0_eff))
        ocp = pybamm.FunctionParameter("Cathode OCP [V]", {"Cathode lithiation": theta_s})
        hyst = 0.5 * p["Cathode hysteresis [V]"] * pybamm.tanh(i / 0.05)
        emf = ocp - hyst
        voltage = (emf - eta_c - i_ion * (r_ser + r_ci) - anode.overpotential(i_ion)) * ionic
        flaw = p["Flaw size [m]"] + intrusion
        anode.add_to(self, i_ion, pressure, flaw, i)

        direction = pybamm.InputParameter("Direction")
        cutoff = pybamm.InputParameter("Cut-off voltage [V]")
        cathode_li = eps * theta_avg * capacity + lost
        self.variables.update({
            "Time [s]": pybamm.t, "Time [h]": pybamm.t / 3600,
            "Current [A]": current, "Current function [A]": current,
            "Current density [A.m-2]": i, "Ionic current density [A.m-2]": i_ion,
            "Voltage [V]": voltage, "Battery voltage [V]": voltage,
            "Open-circuit voltage [V]": ocp,
            "Cathode surface lithiation": theta_s, "Cathode average lithiation": theta_avg,
            "Cathode active fraction": eps, "Cathode overpotential [V]": eta_c,
            "Cathode interphase resistance [Ohm.m2]": r_ci,
            "Cathode Li [C.m-2]": cathode_li, "Lost cathode Li [C.m-2]": lost,
            "Electrolyte resistance [Ohm.m2]": r_ser,
            "Stack pressure [Pa]": pressure + 0 * pybamm.t, "Intrusion depth [m]": intrusion,
            "Filament length [m]": anode.filament, "Electrolyte span [m]": span,
            "Shunt fraction": 1 - ionic,
            "Ambient temperature [K]": t_k,
        })
        self.events += [
            pybamm.Event("Short circuit", thickness - span),
            pybamm.Event("Voltage cut-off [experiment]", direction * (voltage - cutoff)),
        ]

    @property
    def default_geometry(self) -> pybamm.Geometry:
        return pybamm.Geometry({"cathode particle": {R_C: {"min": pybamm.Scalar(0),
                                                          "max": pybamm.Scalar(1)}}})

    @property
    def default_submesh_types(self) -> dict[str, Any]:
        return {"cathode particle": pybamm.Uniform1DSubMesh}

    @property
    def default_var_pts(self) -> dict[Any, int]:
        return {R_C: self.particle_points}

    @property
    def default_spatial_methods(self) -> dict[str, Any]:
        return {"cathode particle": pybamm.FiniteVolume()}

    @property
    def summary_variables(self) -> list[str]:
        return []

    @property
    def default_parameter_values(self) -> pybamm.ParameterValues:
        from tfalab.cell.full_parameters import full_parameters

        return pybamm.ParameterValues(full_parameters("tfa", "fes2", "2.17 mg/cm2"))

    @property
    def default_solver(self) -> Any:
        return pybamm.IDAKLUSolver(rtol=1e-6, atol=1e-8)
