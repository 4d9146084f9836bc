"""The anode/interface equations, written once for NumPy and for PyBaMM expression trees.

Each function takes parameters ``p`` (a mapping from PyBaMM-style names to numbers, or to
``pybamm.Parameter`` objects), state values, and a backend ``xp`` (:data:`NUMPY` or
:data:`PYBAMM`) that supplies ``exp``, ``log``, ``sqrt``, ``erfc``, ``tanh``, ``asinh``,
``maximum`` and ``minimum``. The equations, their assumptions and sources are in
``docs/cell-model.md``. SI units throughout; current densities are per nominal electrode area,
positive when the electrode strips Li.

>>> from tfalab.cell.parameters import symmetric_parameters
>>> p = symmetric_parameters("li", pressure="35 MPa", build="Zhang2025")
>>> bool(mechanical_short_margin(p, p["Stack pressure [Pa]"], NUMPY) > 0)  # Li cracks it
True
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from scipy import special

from tfalab.constants import FARADAY, GAS_CONSTANT

NUMPY = SimpleNamespace(exp=np.exp, log=np.log, sqrt=np.sqrt, erfc=special.erfc, tanh=np.tanh,
                        asinh=np.arcsinh, maximum=np.maximum, minimum=np.minimum)


def _pybamm_backend() -> SimpleNamespace:
    import pybamm

    return SimpleNamespace(exp=pybamm.exp, log=pybamm.log, sqrt=pybamm.sqrt, erfc=pybamm.erfc,
                           tanh=pybamm.tanh, asinh=pybamm.arcsinh, maximum=pybamm.maximum,
                           minimum=pybamm.minimum)


class _LazyPybamm(SimpleNamespace):
    def __getattr__(self, name: str) -> Any:  # import pybamm only when used
        backend = _pybamm_backend()
        self.__dict__.update(vars(backend))
        return getattr(backend, name)


PYBAMM = _LazyPybamm()

_T25, _T90 = 298.15, 363.15
_UM = 1e-6


def arrhenius(p: Any, x_ref: Any, energy: Any, t_ref: Any, xp: Any) -> Any:
    """x(T) = x_ref exp(−E/R (1/T − 1/T_ref)) at the cell temperature."""
    t = p["Ambient temperature [K]"]
    return x_ref * xp.exp(-energy / GAS_CONSTANT * (1 / t - 1 / t_ref))


def relu(x: Any, xp: Any) -> Any:
    return xp.maximum(x, 0 * x)


def step(x: Any, width: Any, xp: Any) -> Any:
    """Smooth 0 → 1 step at x = 0."""
    return 0.5 * (1 + xp.tanh(x / width))


# --- Li mechanics ---------------------------------------------------------------------------
def li_flow_stress(p: Any, size: Any, xp: Any) -> Any:
    """Size-dependent flow stress of Li (Pa) at feature size ``size`` (m), Xu et al. 2017.

    σ(d, T) = σ₁(T) (d / 1 µm)^−m(T), with ln σ₁ and m linear in T between the 25 °C and
    90 °C data, never below the bulk yield stress.
    """
    t = p["Ambient temperature [K]"]
    x = (t - _T25) / (_T90 - _T25)
    ln_s1 = (1 - x) * xp.log(p["Li flow stress at 1 um, 25 C [Pa]"]) + \
        x * xp.log(p["Li flow stress at 1 um, 90 C [Pa]"])
    m = (1 - x) * p["Li size exponent, 25 C"] + x * p["Li size exponent, 90 C"]
    sigma = xp.exp(ln_s1 - m * xp.log(size / _UM))
    return xp.maximum(sigma, p["Li bulk yield stress [Pa]"])


def creep_velocity(p: Any, stress: Any, xp: Any, length: Any = None) -> Any:
    """Velocity (m/s) at which Li creeps into interface voids under local stress ``stress``.

    v = λ ε̇_ref (σ / σ_y(λ, T))^n: power-law creep at the void length scale λ (``length``,
    default the creep length), whose flow stress σ_y(λ, T) carries Li's size effect and
    temperature dependence.
    """
    lam = p["Creep length [m]"] if length is None else length
    sy = li_flow_stress(p, lam, xp)
    n = p["Li creep stress exponent"]
    ratio = stress / sy
    v = lam * p["Li reference strain rate [s-1]"] * xp.exp(n * xp.log(ratio + 1e-30))
    v_max = p["Maximum creep velocity [m.s-1]"]
    return v / (1 + v / v_max)  # bounded (power-law breakdown; keeps the ODEs non-stiff)


def diffusion_velocity(p: Any, xp: Any) -> Any:
    """Velocity (m/s) at which Li diffusion refills (or relieves) the interface.

    Two parallel paths: self-diffusion through the free Li over the electrode thickness,
    D_Li(T)/h, and, in a skeleton-hosted anode, transport along the skeleton's surfaces,
    D_s(T)/ℓ_s, with its own activation energy and supply length (``docs/cell-model.md``).
    Bare Li has D_s = 0.
    """
    t_ref = p["Reference temperature [K]"]
    bulk = arrhenius(p, p["Anode Li diffusivity [m2.s-1]"],
                     p["Anode Li diffusion activation energy [J.mol-1]"], t_ref, xp)
    path = arrhenius(p, p["Anode skeleton-path diffusivity [m2.s-1]"],
                     p["Anode skeleton-path activation energy [J.mol-1]"], t_ref, xp)
    return bulk / p["Anode diffusion length [m]"] + path / p["Anode skeleton-path length [m]"]


# --- electrolyte ------------------------------------------------------------------------------
def electrolyte_conductivity(p: Any, xp: Any) -> Any:
    return arrhenius(p, p["Electrolyte conductivity [S.m-1]"],
                     p["Electrolyte conductivity activation energy [J.mol-1]"],
                     p["Electrolyte reference temperature [K]"], xp)


def intruded_fraction(p: Any, li_pressure: Any, xp: Any) -> Any:
    """Fraction of the pellet's pore throats wide enough for Li to flow into at ``li_pressure``.

    Li enters a throat of size d when the pressure on it exceeds its flow stress σ_y(d, T);
    throat sizes are log-normal (median d₅₀, geometric spread s).
    """
    t = p["Ambient temperature [K]"]
    x = (t - _T25) / (_T90 - _T25)
    ln_s1 = (1 - x) * xp.log(p["Li flow stress at 1 um, 25 C [Pa]"]) + \
        x * xp.log(p["Li flow stress at 1 um, 90 C [Pa]"])
    m = (1 - x) * p["Li size exponent, 25 C"] + x * p["Li size exponent, 90 C"]
    ln_dmin = xp.log(_UM) + (ln_s1 - xp.log(li_pressure + 1.0)) / m
    z = (ln_dmin - xp.log(p["Electrolyte pore median size [m]"])) / \
        xp.log(p["Electrolyte pore size spread"])
    return 0.5 * xp.erfc(z / np.sqrt(2.0)) * confinement(p, li_pressure, xp)


def confinement(p: Any, li_pressure: Any, xp: Any) -> Any:
    """0 → 1 as ``li_pressure`` passes the flow stress of Li in the anode's own channels.

    Li that intrudes into the electrolyte must first flow out of the channels that hold it:
    free Li in a skeleton (channels of ~0.1–1 µm) is as strong as Li at that size (Xu 2017),
    bare Li only as strong as bulk Li. Smooth step, 10 % wide.
    """
    s = li_flow_stress(p, p["Anode Li channel size [m]"], xp)
    return step(li_pressure / s - 1, 0.1, xp)


def intrusion_depth(p: Any, pressure: Any, xp: Any) -> Any:
    """Depth (m) of the deepest Li-filled channel into the pellet under stack ``pressure``.

    Weakest link: each of the N = A / d₅₀² surface pores starts a chain of intruded throats
    that continues one more pore with probability x = f/f_c (f: intrudable fraction, f_c: the
    percolation threshold). N x^k chains reach k pores, so the deepest reaches
    k = ln N / ln(1/x); the first pore is the interface roughness, and the depth beyond it,
    d₅₀ (k − 1)⁺, is zero until at least one surface pore is filled (N x ≥ 1) and spans the
    pellet (a mechanical short) as f → f_c. Only the share of the pressure carried by free Li
    counts (skeleton load sharing).
    """
    f = intruded_fraction(p, pressure * p["Anode Li load fraction"], xp)
    x = xp.minimum(f / p["Pore percolation threshold"], 1 - 1e-12 + 0 * f)
    d50 = p["Electrolyte pore median size [m]"]
    sites = xp.log(p["Electrode area [m2]"] / (d50 * d50))
    depth = d50 * relu(sites / (-xp.log(x + 1e-30)) - 1, xp)
    return xp.minimum(depth, 10 * p["Electrolyte thickness [m]"])


def intrusion_velocity(p: Any, pressure: Any, xp: Any) -> Any:
    """Velocity (m/s) at which Li under ``pressure`` creeps into the pellet's open pores.

    Li flows into the pore throats by power-law creep at their size, with the same law
    (σ_y(d, T), n) that closes interface voids at the creep length:
    v = d₅₀ ε̇_ref (P_Li/σ_y(d₅₀, T))ⁿ (d₅₀: median throat size), times the confinement step
    of Li held in a skeleton.
    """
    li_pressure = pressure * p["Anode Li load fraction"]
    length = p["Electrolyte pore median size [m]"]
    return creep_velocity(p, li_pressure, xp, length) * confinement(p, li_pressure, xp)


def intrusion_rate(p: Any, depth: Any, pressure: Any, xp: Any) -> Any:
    """dℓ_in/dt (m/s): the intruded depth creeps towards its equilibrium (weakest-link) depth.

    dℓ_in/dt = v_in (1 − ℓ_in/ℓ_eq)⁺ with ℓ_eq = :func:`intrusion_depth` and v_in =
    :func:`intrusion_velocity`. Below the intrusion threshold ℓ_eq = 0 and nothing enters;
    above the mechanical-short pressure ℓ_eq exceeds what cracks (or spans) the pellet, which
    then happens after a finite time that falls with pressure and temperature.
    """
    eq = intrusion_depth(p, pressure, xp)
    return intrusion_velocity(p, pressure, xp) * relu(1 - depth / (eq + 1e-12), xp)


def critical_intrusion(p: Any, pressure: Any, xp: Any, sides: int = 2) -> Any:
    """Intruded depth (m) at which Li under ``pressure`` cracks the pellet (Griffith on the
    flaw deepened by the intrusion) or spans it from ``sides`` sides, whichever is smaller;
    ≤ 0 when the flaws alone already crack."""
    li_pressure = pressure * p["Anode Li load fraction"]
    k = p["Electrolyte fracture toughness [Pa.m-0.5]"] / p["Flaw geometry factor"]
    griffith = (k / (li_pressure + 1.0)) ** 2 / np.pi - p["Flaw size [m]"]
    return xp.minimum(griffith, p["Electrolyte thickness [m]"] / sides)


def mechanical_short_time(p: Any, pressure: float, sides: int = 2) -> float:
    """Time (s) until Li under ``pressure``, with no current, cracks or spans the pellet.

    Closed form of :func:`intrusion_rate` from ℓ_in = 0: t = (ℓ_eq/v) ln(ℓ_eq/(ℓ_eq − ℓ_c))
    with ℓ_c = :func:`critical_intrusion`; 0 if the flaws alone crack, ``inf`` if the
    equilibrium depth stays below ℓ_c (NumPy only).

    >>> from tfalab.cell.parameters import symmetric_parameters
    >>> p = symmetric_parameters("li", build="Zhang2025")
    >>> mechanical_short_time(p, 20e6), mechanical_short_time(p, 40e6) < 3600
    (inf, True)
    """
    crit = float(critical_intrusion(p, pressure, NUMPY, sides))
    if crit <= 0:
        return 0.0
    eq = float(intrusion_depth(p, pressure, NUMPY))
    v = float(intrusion_velocity(p, pressure, NUMPY))
    if eq <= crit or v <= 0:
        return float(np.inf)
    return eq / v * float(np.log(eq / (eq - crit)))


def mechanical_short_margin(p: Any, pressure: Any, xp: Any, sides: int = 2) -> Any:
    """> 0 when Li under ``pressure`` alone shorts the pellet: intruded from ``sides`` sides
    across it, or cracking it (:func:`fracture_ratio`); in units of the pellet thickness."""
    thickness = p["Electrolyte thickness [m]"]
    span = sides * intrusion_depth(p, pressure, xp) / thickness - 1
    return xp.maximum(span, fracture_ratio(p, pressure, xp) - 1)


def griffith_stress(p: Any, flaw: Any, xp: Any) -> Any:
    """Stress (Pa) a Li-filled flaw of depth ``flaw`` withstands: K_IC / (Y √(π a))."""
    return p["Electrolyte fracture toughness [Pa.m-0.5]"] / (
        p["Flaw geometry factor"] * xp.sqrt(np.pi * flaw))


def fracture_ratio(p: Any, pressure: Any, xp: Any, depth: Any = None) -> Any:
    """P_Li / σ_c(a₀ + ℓ_in): the stack pressure carried by Li over the Griffith stress of the
    deepest Li-filled flaw. At 1 the intruded Li cracks the pellet with no current (the
    paper's Fig. 2f: intrusion "leading to mechanical fracture of the solid electrolyte").
    ``depth``: the intruded depth ℓ_in (default: its equilibrium value at ``pressure``)."""
    if depth is None:
        depth = intrusion_depth(p, pressure, xp)
    flaw = p["Flaw size [m]"] + depth
    return pressure * p["Anode Li load fraction"] / griffith_stress(p, flaw, xp)


# --- interface --------------------------------------------------------------------------------
def exchange_current(p: Any, xp: Any) -> Any:
    return arrhenius(p, p["Exchange current density [A.m-2]"],
                     p["Exchange current activation energy [J.mol-1]"],
                     p["Reference temperature [K]"], xp)


def interphase_growth_constant(p: Any, xp: Any) -> Any:
    return arrhenius(p, p["Interphase growth constant [Ohm.m2.s-0.5]"],
                     p["Interphase activation energy [J.mol-1]"],
                     p["Reference temperature [K]"], xp)


def availability(p: Any, utilisation: Any, xp: Any) -> Any:
    """1 while free Li remains, → 0 as the utilisation reaches 100 % (skeleton collapse)."""
    return step(1 - p["Anode exhaustion width"] * 2 - utilisation,
                p["Anode exhaustion width"], xp)


def effective_contact(p: Any, phi: Any, utilisation: Any, xp: Any) -> Any:
    """Electrochemically active contact fraction: skeleton contacts plus Li contacts."""
    sk = p["Anode skeleton contact fraction"]
    return availability(p, utilisation, xp) * (sk + (1 - sk) * phi) + 1e-9


def constriction_resistance(p: Any, contact: Any, xp: Any) -> Any:
    """Ω·m²: current constriction through contact spots of radius λ (Holm/Fleig–Maier form)."""
    rho = 1 / electrolyte_conductivity(p, xp)
    gap = 1 - xp.sqrt(xp.minimum(contact, 1 + 0 * contact))
    return rho * np.pi * p["Creep length [m]"] / (2 * contact) * gap * xp.sqrt(gap + 1e-12)


def charge_transfer_overpotential(p: Any, i_local: Any, xp: Any) -> Any:
    """Butler–Volmer (α = ½) overpotential (V) at local current density ``i_local`` (A/m²)."""
    t = p["Ambient temperature [K]"]
    return 2 * GAS_CONSTANT * t / FARADAY * xp.asinh(i_local / (2 * exchange_current(p, xp)))


def interface_overpotential(p: Any, i: Any, contact: Any, r_sei: Any, xp: Any) -> Any:
    """Overpotential (V, sign of ``i``) of one interface at nominal current density ``i``."""
    local = i / contact
    return (charge_transfer_overpotential(p, local, xp) + local * r_sei
            + i * constriction_resistance(p, contact, xp))


def interface_resistance(p: Any, contact: Any, r_sei: Any, xp: Any) -> Any:
    """Small-signal interfacial resistance (Ω·m²) of one interface."""
    t = p["Ambient temperature [K]"]
    r_ct = GAS_CONSTANT * t / (FARADAY * exchange_current(p, xp))
    return (r_ct + r_sei) / contact + constriction_resistance(p, contact, xp)


def characteristic_frequency(p: Any, contact: Any, r_sei: Any, xp: Any) -> Any:
    """Hz: 1 / (2π R C) of the interface arc, with C = C₀ × contact fraction."""
    r = interface_resistance(p, contact, r_sei, xp)
    return 1 / (2 * np.pi * r * p["Interface capacitance [F.m-2]"] * contact)


# --- rates of the electrode states ----------------------------------------------------------
def contact_rate(p: Any, i: Any, phi: Any, contact: Any, pressure: Any, xp: Any) -> Any:
    """dφ/dt of the Li contact fraction φ (1/s).

    Stripping opens voids at the rate Li leaves the interface (v_s = i V_m / F) less what
    diffusion from the bulk resupplies (v_D); creep under the local stress P_Li / contact
    closes them: dφ/dt = [v_creep (1 − φ) − (v_s − v_D)⁺ φ] / λ.
    """
    vm = p["Li molar volume [m3.mol-1]"]
    v_strip = relu(i, xp) * vm / FARADAY
    stress = pressure * p["Anode Li load fraction"] / contact
    creep = creep_velocity(p, stress, xp)
    # diffusion supplies Li to the contacts while they strip; it does not close voids at rest
    net = relu(v_strip - diffusion_velocity(p, xp), xp)
    return (creep * (1 - phi) - net * phi) / p["Creep length [m]"]


#: smoothing width (m) of the "has internal pores" switch of the plating relief; numerical only
_RELIEF_WIDTH = 0.1e-6


def plating_relief_velocity(p: Any, xp: Any) -> Any:
    """Velocity (m/s) at which Li plated at the interface can move away from it by diffusion.

    Li deposited at the contacts relieves its pressure by diffusing along the host into the
    electrode — the TFA's lithiophilic skeleton carries it to the internal pores and free
    surfaces ("pumping Li from the interface into the inner compartment", the paper) — at up
    to v_D = D_eff/h. Dense Li has no internal free surface to take it: plated Li can only
    push the whole electrode back by creep, so it gets no diffusion relief. The switch is the
    as-made pore volume per area, smooth over 0.1 µm (an electrode with pores has a network of
    internal surfaces; whether they are momentarily filled is not tracked, see
    ``docs/cell-model.md``).
    """
    pores = p["Anode porosity"] * p["Anode thickness [m]"]
    return diffusion_velocity(p, xp) * pores / (pores + _RELIEF_WIDTH)


def creep_relief_stress(p: Any, v_dep: Any, xp: Any) -> Any:
    """Li pressure (Pa) in a flaw at which the Li creeps back out as fast as it is plated in.

    Li plated into a flaw at velocity v_dep can push the electrode's Li back by power-law
    creep at the creep length λ: σ = σ_y(λ, T) (v_dep / (λ ε̇_ref))^(1/n), the stress at which
    :func:`creep_velocity` equals v_dep. The flaw's plating pressure cannot exceed it, so slow
    plating at moderate pressure does not pressurise flaws without limit (dense Li too).
    """
    lam = p["Creep length [m]"]
    ratio = v_dep / (lam * p["Li reference strain rate [s-1]"]) + 1e-30
    return li_flow_stress(p, lam, xp) * xp.exp(xp.log(ratio) / p["Li creep stress exponent"])


def filament_rate(p: Any, i: Any, contact: Any, r_sei: Any, flaw: Any, xp: Any,
                  li_pressure: Any = 0.0) -> Any:
    """dℓ/dt (m/s) of a Li filament growing from a flaw of depth ``flaw`` while plating.

    The plating overpotential at the contacts η sets a Li pressure F η / V_m in the flaw
    (Duan et al. 2023), to the extent that deposited Li cannot move away from the interface
    as fast as it arrives (factor 1 − v_r / v_dep, with v_r the plating relief velocity of
    :func:`plating_relief_velocity`: diffusion into the electrode's pores, which the TFA's
    fast skeleton transport feeds and dense Li lacks), and never above the stress at which
    the Li creeps back out as fast as it is plated (:func:`creep_relief_stress`); past the
    Griffith stress of the flaw
    the filament advances at the local plating velocity concentrated on a tip fraction f_tip.
    Li in the flaw is already at the stack pressure it carries, ``li_pressure``, which adds to
    the plating pressure (a Li-filled crack is a pressurised crack).
    """
    vm = p["Li molar volume [m3.mol-1]"]
    plate = relu(-i, xp)
    eta = interface_overpotential(p, plate, contact, r_sei, xp)
    v_dep = plate / contact * vm / FARADAY
    trapped = relu(1 - plating_relief_velocity(p, xp) / (v_dep + 1e-30), xp)
    sigma = xp.minimum(FARADAY * eta / vm * trapped, creep_relief_stress(p, v_dep, xp))
    excess = relu(1 - griffith_stress(p, flaw, xp) / (sigma + li_pressure + 1.0), xp)
    return v_dep / p["Filament tip fraction"] * excess


def interphase_rate(p: Any, r_sei: Any, xp: Any) -> Any:
    """dR/dt of the parabolic interphase resistance R² = R₀² + k² t."""
    k = interphase_growth_constant(p, xp)
    return k * k / (2 * r_sei)


def thickness_change(p: Any, q: Any, phi: Any, xp: Any) -> Any:
    """Thickness change (m) of an electrode after net stripped charge ``q`` (C/m²).

    The composite-anode bookkeeping (``docs/anode-bookkeeping.md``): stripping loses χ of the
    stripped volume as thickness; plating fills the pores first, then thickens. Interface
    voids do not move the holder: the stack rests on the remaining contacts, which recede
    with the stripped Li (``phi`` is accepted for a future void-height term).
    """
    vm = p["Li molar volume [m3.mol-1]"]
    s = q * vm / FARADAY
    pores0 = p["Anode porosity"] * p["Anode thickness [m]"]
    strip = -p["Anode collapse fraction"] * relu(s, xp)
    grow = relu(-s - pores0, xp)
    return strip + grow + 0 * phi
