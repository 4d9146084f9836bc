"""Cathodes of the full-cell model: open-circuit potentials and parameters.

Two cathodes, both described as one reservoir of Li sites filled from θ = 0 (charged,
delithiated) to θ = 1 (discharged):

* ``"fes2"``: the FeS2:VGCF:LPSCl = 4:3:1.5 composite. Two-step conversion
  FeS2 → Li2FeS2 → Fe + 2 Li2S (two plateaus, with a charge/discharge hysteresis). The
  reservoir holds FeS2's 4 Li plus the redox capacity of the composite's LPSCl and carbon,
  a fitted capacity per gram of (LPSCl + carbon) bounded by their theoretical values.
* ``"ncm"``: LiNi0.93Co0.06Mn0.01O2:LPSCl = 70:30, with the NMC811 open-circuit potential of
  PyBaMM's ``Chen2020`` set (Chen et al., J. Electrochem. Soc. 167, 080534 (2020)) mapped
  onto the practical capacity of the materials database.

Numbers come from ``data/cathodes.toml`` (constants with sources) and ``data/parameters.toml``
(fitted: FeS2's extra capacity, diffusivity and chemical loss, the composites' percolation
threshold, NCM's interphase growth). Equations: ``docs/full-cell-model.md``.

>>> p = cathode_parameters(fes2_cathode("2.17 mg/cm2"))
>>> round(p["Cathode theoretical capacity [C.m-2]"] / 36000, 2)  # mAh/cm2
3.07
>>> round(float(fes2_ocp(0.25).evaluate()), 2), round(float(fes2_ocp(0.75).evaluate()), 2)
(2.1, 1.5)
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

import pybamm

from tfalab.constants import FARADAY
from tfalab.design import CathodeComposite, fes2_cathode, ncm_cathode
from tfalab.errors import ParameterError
from tfalab.materials import get_phase
from tfalab.parameters import fitted
from tfalab.units import to_si

__all__ = [
    "CATHODES",
    "cathode_constant",
    "cathode_kind",
    "cathode_parameters",
    "fes2_cathode",
    "fes2_ocp",
    "ncm_cathode",
    "ncm_ocp",
    "theoretical_capacity",
    "transport_efficiency",
]

#: NMC811 stoichiometry window of Chen et al. 2020 (charged, discharged)
NCM_WINDOW = (0.2661, 0.9084)


@lru_cache(maxsize=1)
def _constants() -> dict[str, dict[str, float]]:
    raw = tomllib.loads(resources.files("tfalab.data").joinpath("cathodes.toml")
                        .read_text("utf-8"))
    out: dict[str, dict[str, float]] = {}
    for group, entries in raw.items():
        out[group] = {}
        for key, d in entries.items():
            text = f"{d['value']} {d['unit']}".strip() if d["unit"] else float(d["value"])
            out[group][key] = to_si(text, d["kind"], f"{group}.{key}")
    return out


#: cathode parameters that are fitted (``data/parameters.toml``), not literature constants
FITTED = ("fes2.diffusivity", "composite.percolation_threshold", "ncm.interphase_growth")


def cathode_constant(name: str) -> float:
    """SI value of ``"group.key"`` in ``data/cathodes.toml`` (e.g. ``"fes2.plateau_1"``), or of
    a fitted cathode parameter of ``data/parameters.toml`` (:data:`FITTED`, e.g.
    ``"fes2.diffusivity"``)."""
    if name in FITTED:
        return fitted(name).value
    group, key = name.split(".", 1)
    try:
        return _constants()[group][key]
    except KeyError:
        raise ParameterError(f"no cathode constant {name!r}") from None


def fes2_ocp(theta: Any) -> Any:
    """Equilibrium potential (V vs Li) of the FeS2 composite at lithiation fraction θ.

    Two plateaus (first half of the Li: FeS2 → Li2FeS2, second: → Fe + 2 Li2S) joined by a
    tanh step, with logarithmic ends that reach the cut-offs as θ → 0 and θ → 1.
    """
    u1, u2 = cathode_constant("fes2.plateau_1"), cathode_constant("fes2.plateau_2")
    w = cathode_constant("fes2.plateau_width")
    th = pybamm.maximum(pybamm.minimum(theta, 1 - 1e-9), 1e-9)
    step = 0.5 * (1 + pybamm.tanh((0.5 - th) / 0.02))
    return u2 + (u1 - u2) * step + w * pybamm.log((1 - th) / th)


def ncm_ocp(theta: Any) -> Any:
    """Equilibrium potential (V vs Li) of the NCM at lithiation fraction θ of its practical
    capacity: Chen et al. 2020's NMC811 OCP over its stoichiometry window."""
    ocp = pybamm.ParameterValues("Chen2020")["Positive electrode OCP [V]"]
    lo, hi = NCM_WINDOW
    th = pybamm.maximum(pybamm.minimum(theta, 1 - 1e-9), 1e-9)
    # logarithmic ends keep θ inside [0, 1] (Chen's fit does not diverge at its window edges)
    w = cathode_constant("ncm.end_slope")
    ends = w * pybamm.log((1 - th) / th) + pybamm.exp(-theta / (w / 4)) \
        - pybamm.exp((theta - 1) / (w / 4))
    return ocp(lo + (hi - lo) * th) + ends


CATHODES = {"fes2": fes2_cathode, "ncm": ncm_cathode}


def cathode_kind(cathode: CathodeComposite) -> str:
    """``"fes2"`` or ``"ncm"`` from the composite's active phase."""
    name = cathode.active.name
    if name == "FeS2":
        return "fes2"
    if name == "NCM93":
        return "ncm"
    raise ParameterError(f"no full-cell model for the cathode {name!r}; known: FeS2, NCM93")


def extra_capacity(cathode: CathodeComposite) -> float:
    """C/m² the composite's LPSCl and carbon store (FeS2 composites; 0 otherwise)."""
    if cathode_kind(cathode) != "fes2":
        return 0.0
    q = fitted("fes2.composite_extra_capacity").value
    others = sum(w for n, w in cathode.composition.items() if n in ("Li6PS5Cl", "VGCF"))
    return cathode.loading / cathode.active_fraction * others * q


def theoretical_capacity(cathode: CathodeComposite) -> float:
    """C/m²: the most the active materials present can store (FeS2 plus the theoretical
    redox capacity of the composite's LPSCl and carbon; NCM's practical capacity)."""
    if cathode_kind(cathode) != "fes2":
        return cathode.areal_capacity
    per_gram = {"Li6PS5Cl": cathode_constant("fes2.lpscl_redox_capacity"),
                "VGCF": cathode_constant("fes2.carbon_redox_capacity")}
    mass = cathode.loading / cathode.active_fraction
    return cathode.areal_capacity + sum(mass * w * per_gram.get(n, 0.0)
                                        for n, w in cathode.composition.items()
                                        if n != cathode.active.name)


def electrolyte_fraction(cathode: CathodeComposite) -> float:
    """Volume fraction of Li6PS5Cl in the composite cathode (porosity included)."""
    vol = {n: w / get_phase(n).require("density") for n, w in cathode.composition.items()}
    return (1 - cathode.porosity) * vol.get("Li6PS5Cl", 0.0) / sum(vol.values())


def transport_efficiency(fraction: float, threshold: float | None = None) -> float:
    """σ_eff/σ of the composite's LPSCl network at LPSCl volume fraction ``fraction``.

    Continuum percolation: ((φ − φ_c)/(1 − φ_c))^t above the threshold φ_c, 0 below it
    (φ_c fitted to C25, ``data/parameters.toml``, unless ``threshold`` is given; t from
    ``data/cathodes.toml``; Bruggeman's φ^1.5 has no threshold and overestimates the
    conductivity of lean composites).
    """
    phi_c = (cathode_constant("composite.percolation_threshold") if threshold is None
             else threshold)
    t = cathode_constant("composite.conduction_exponent")
    if fraction <= phi_c:
        raise ParameterError(
            f"the composite's LPSCl volume fraction {fraction:.3f} is below the percolation "
            f"threshold {phi_c:.2f}: no ionic path through the cathode")
    return ((fraction - phi_c) / (1 - phi_c)) ** t


def cathode_parameters(cathode: CathodeComposite) -> dict[str, Any]:
    """The ``"Cathode ..."`` entries of a full cell with ``cathode``."""
    kind = cathode_kind(cathode)
    c = _constants()[kind]
    active = cathode.active
    capacity = cathode.areal_capacity + extra_capacity(cathode)
    volume = cathode.loading / active.require("density")  # m³ of active per m²
    if kind == "fes2":
        fe, li2s = get_phase("Fe"), get_phase("Li2S")
        # FeS2, Fe and Li2S have formulas in phases.toml, hence molar masses
        assert (active.molar_mass is not None and fe.molar_mass is not None
                and li2s.molar_mass is not None)
        v0 = active.molar_mass / active.require("density")
        v1 = fe.molar_mass / fe.require("density") + 2 * li2s.molar_mass / li2s.require("density")
        strain, ocp, hyst, t_ref = v1 / v0 - 1, fes2_ocp, c["hysteresis"], 353.15
        growth, chemical = 0.0, fitted("fes2.chemical_loss").value
    else:
        strain, ocp, hyst, t_ref = c["volume_change"], ncm_ocp, 0.0, 298.15
        growth, chemical = cathode_constant("ncm.interphase_growth"), 0.0
    return {
        "Cathode theoretical capacity [C.m-2]": theoretical_capacity(cathode),
        "Cathode capacity [C.m-2]": capacity,
        "Cathode Li concentration [mol.m-3]": capacity / (FARADAY * volume),
        "Cathode active surface area [m2.m-2]": 3 * volume / c["particle_radius"],
        "Cathode particle radius [m]": c["particle_radius"],
        "Cathode diffusivity [m2.s-1]": cathode_constant(f"{kind}.diffusivity"),
        "Cathode diffusion activation energy [J.mol-1]": c["diffusion_activation_energy"],
        "Cathode exchange current density [A.m-2]": c["exchange_current_density"],
        "Cathode reference temperature [K]": t_ref,
        "Cathode OCP [V]": ocp,
        "Cathode hysteresis [V]": hyst,
        "Cathode volume change": strain,
        "Cathode thickness [m]": cathode.thickness,
        "Cathode electrolyte fraction": electrolyte_fraction(cathode),
        "Cathode transport efficiency": transport_efficiency(electrolyte_fraction(cathode)),
        "Cathode double-layer capacitance [F.m-2]":
            cathode_constant("composite.double_layer_capacitance"),
        "Cathode pressure relief [Pa]": cathode_constant("composite.pressure_relief"),
        "Cathode contact loss coefficient": cathode_constant("composite.contact_loss"),
        "Cathode chemical loss rate [s-1]": chemical,
        "Cathode chemical loss activation energy [J.mol-1]":
            cathode_constant("composite.chemical_loss_activation_energy"),
        "Cathode interphase growth constant [Ohm.m2.s-0.5]": growth,
        "Cathode initial interphase resistance [Ohm.m2]": 1e-5,
        "Cathode initial lithiation": 1e-4 if not cathode.lithiated else 1 - 1e-4,
        "Lower voltage cut-off [V]": c["lower_cutoff"],
        "Upper voltage cut-off [V]": c["upper_cutoff"],
    }
