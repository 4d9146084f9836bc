"""The composite (skeleton-hosted) anode and its bare-Li limit: capacity and volume bookkeeping.

A composite anode is a solid of free Li (mass fraction ``w`` of the solid) and an inactive
skeleton phase, with internal porosity ``ε`` and thickness ``h``. Everything here is per unit
electrode area and in SI (m, kg/m², C/m²). The equations and assumptions are in
``docs/anode-bookkeeping.md``.

>>> tfa = CompositeAnode(skeleton="LiBx", free_li="60 wt%", thickness="100 um", porosity=0.066)
>>> round(tfa.specific_capacity_mAh_g)
2317
>>> round(tfa.areal_capacity_mAh_cm2, 1)
15.3
>>> s = tfa.state_after("5 mAh/cm2")
>>> round(100 * s.porosity, 1), round(1e6 * (tfa.thickness - s.thickness), 1)
(25.7, 6.9)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from tfalab.constants import FARADAY
from tfalab.errors import CapacityError, ParameterError
from tfalab.materials import Phase, get_phase
from tfalab.parameters import fitted
from tfalab.units import to_si

#: C/m² in one mAh/cm²
MAH_CM2 = 36000.0
#: C/kg in one mAh/g
MAH_G = 3600.0

#: m: the anode thicknesses the model is meant for (a film of 100 nm to a 10 mm slab)
MIN_THICKNESS, MAX_THICKNESS = 1e-7, 1e-2

#: C/m²: the most net plating the bookkeeping takes (1000 mAh/cm², 4.85 mm of Li: the same
#: bound protocols put on a step's capacity); stripping is bounded by the free-Li inventory
MAX_PLATED = 1000 * MAH_CM2

_NAMED_SPLITS = {"rigid": 0.0, "bare": 1.0, "collapse": 1.0}


def _fraction(value: str | float, name: str) -> float:
    x = to_si(value, "fraction", name)
    if not 0.0 <= x <= 1.0:
        raise ParameterError(f"{name} must lie between 0 and 100 %, got {value!r}")
    return x


#: skeleton phase → its fitted collapse fraction (``data/parameters.toml``); no other skeleton
#: borrows it
FITTED_COLLAPSE = {"LiBx": "anode.collapse_fraction"}


def _collapse_fraction(value: str | float | None, bare: bool, skeleton: str = "LiBx") -> float:
    if bare:
        return 1.0
    if value is None or (isinstance(value, str) and value == "fitted"):
        if skeleton not in FITTED_COLLAPSE:
            raise ParameterError(
                f"collapse_fraction: no fitted value for skeleton {skeleton!r} (the fitted "
                f"{fitted('anode.collapse_fraction').value:.3f} is LiBx's, claim C4); pass a "
                "number in [0, 1], 'rigid' (0) or 'collapse' (1)")
        return fitted(FITTED_COLLAPSE[skeleton]).value
    if isinstance(value, str) and value in _NAMED_SPLITS:
        return _NAMED_SPLITS[value]
    x = to_si(value, "fraction", "collapse_fraction")
    if not 0.0 <= x <= 1.0:
        raise ParameterError(f"collapse_fraction must lie in [0, 1], got {value!r}")
    return x


@dataclass(frozen=True)
class AnodeState:
    """The anode after a net stripped areal capacity (negative: net plated). SI units."""

    net_stripped: float  #: C/m², positive = Li removed since the as-made state
    thickness: float  #: m
    porosity: float  #: pore volume / total volume
    free_li_thickness: float  #: free-Li volume per area, m
    skeleton_thickness: float  #: skeleton volume per area, m
    utilisation: float  #: net stripped / initial free-Li capacity (0 when net plated)

    @property
    def pore_thickness(self) -> float:
        """Pore volume per area (m)."""
        return self.porosity * self.thickness


@dataclass(frozen=True, init=False)
class CompositeAnode:
    """A skeleton-hosted Li anode (or bare Li with ``skeleton=None``).

    Parameters accept friendly units ("100 um", "60 wt%") or SI numbers.

    ``collapse_fraction`` (χ) says how stripped Li volume splits: a fraction χ is lost as
    thickness, 1 − χ opens internal pores. ``"rigid"`` (0), ``"bare"`` (1), a number, or
    ``"fitted"`` (default: the value fitted to claim C4). Bare Li always uses χ = 1.

    ``free_li`` of 100 % leaves no skeleton: the anode *is* bare Li whatever ``skeleton``
    names, and is built exactly as ``CompositeAnode(skeleton=None, ...)`` (``skeleton`` None,
    χ = 1, not the skeleton's fitted χ); :meth:`bare_li` is the usual way to write it.

    >>> CompositeAnode.bare_li("100 um").areal_capacity_mAh_cm2 > 20
    True
    """

    skeleton: Phase | None
    free_li: float
    thickness: float
    porosity: float
    collapse_fraction: float

    def __init__(self, skeleton: str | Phase | None = "LiBx", free_li: str | float = "60 wt%",
                 thickness: str | float = "100 um", porosity: str | float = 0.066,
                 collapse_fraction: str | float | None = "fitted") -> None:
        if skeleton is not None and not isinstance(skeleton, str | Phase):
            raise ParameterError(f"skeleton must be a phase name (e.g. 'LiBx') or None for "
                                 f"bare Li, got {skeleton!r}")
        skel = None if skeleton is None else get_phase(skeleton)
        if skel is not None and skel.name == "Li":
            raise ParameterError("skeleton 'Li' is the free Li itself; use skeleton=None "
                                 "(CompositeAnode.bare_li) for bare Li")
        w = _fraction(free_li, "free_li")
        h = to_si(thickness, "length", "thickness")
        if not MIN_THICKNESS <= h <= MAX_THICKNESS:
            raise ParameterError(f"thickness must lie in {MIN_THICKNESS * 1e6:g} um - "
                                 f"{MAX_THICKNESS * 1e3:g} mm, got {thickness!r}")
        eps = to_si(porosity, "fraction", "porosity")
        if not 0.0 <= eps < 1.0:
            raise ParameterError(f"porosity must lie in [0, 1), got {porosity!r}")
        if skel is None and w != 1.0:
            raise ParameterError("an anode without skeleton is bare Li: free_li must be 100 %")
        if w == 1.0:  # no skeleton mass left: bare Li, whatever skeleton was named
            skel = None
        if skel is not None and skel.density is None:
            raise ParameterError(f"skeleton phase {skel.name!r} has no density")
        object.__setattr__(self, "skeleton", skel)
        object.__setattr__(self, "free_li", w)
        object.__setattr__(self, "thickness", h)
        object.__setattr__(self, "porosity", eps)
        object.__setattr__(self, "collapse_fraction",
                           _collapse_fraction(collapse_fraction, bare=skel is None,
                                              skeleton=skel.name if skel else ""))

    @classmethod
    def bare_li(cls, thickness: str | float = "100 um") -> CompositeAnode:
        """A dense Li foil: no skeleton, no porosity, stripping thins it (χ = 1)."""
        return cls(skeleton=None, free_li=1.0, thickness=thickness, porosity=0.0)

    # --- serialisation -------------------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        """A JSON-ready description in SI; ``CompositeAnode.from_config`` reverses it."""
        return {"skeleton": None if self.skeleton is None else self.skeleton.name,
                "free_li": self.free_li, "thickness": self.thickness,
                "porosity": self.porosity, "collapse_fraction": self.collapse_fraction}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CompositeAnode:
        """The anode a :meth:`to_config` dict describes (keys: skeleton, free_li, thickness,
        porosity, collapse_fraction; any may be left out for its default)."""
        if not isinstance(config, Mapping):
            raise ParameterError(f"config: a dict with keys {', '.join(CONFIG_KEYS)}, got "
                                 f"{config!r}")
        unknown = [k for k in config if k not in CONFIG_KEYS]
        if unknown:
            raise ParameterError(f"config: unknown keys {unknown!r}; allowed: "
                                 f"{', '.join(CONFIG_KEYS)}")
        return cls(**config)

    @property
    def is_bare(self) -> bool:
        return self.skeleton is None or self.free_li == 1.0

    # --- composition ---------------------------------------------------------------------
    @property
    def _li(self) -> Phase:
        return get_phase("Li")

    @property
    def solid_specific_volume(self) -> float:
        """m³ of solid per kg: w/ρ_Li + (1 − w)/ρ_skeleton."""
        v = self.free_li / self._li.require("density")
        if self.free_li < 1.0:
            assert self.skeleton is not None  # __init__: no skeleton means free_li == 1
            v += (1.0 - self.free_li) / self.skeleton.require("density")
        return v

    @property
    def solid_density(self) -> float:
        """kg/m³ of the pore-free composite."""
        return 1.0 / self.solid_specific_volume

    @property
    def density(self) -> float:
        """kg/m³ including porosity: (1 − ε) ρ_solid."""
        return (1.0 - self.porosity) * self.solid_density

    @property
    def li_volume_fraction(self) -> float:
        """Free-Li volume / total volume."""
        return (1 - self.porosity) * self.free_li / self._li.require("density") \
            / self.solid_specific_volume

    @property
    def skeleton_volume_fraction(self) -> float:
        """Skeleton volume / total volume."""
        return 1.0 - self.porosity - self.li_volume_fraction

    @property
    def areal_mass(self) -> float:
        """kg/m²."""
        return self.density * self.thickness

    # --- capacities ----------------------------------------------------------------------
    @property
    def li_specific_capacity(self) -> float:
        """C/kg of free Li (F / M_Li)."""
        capacity = self._li.specific_capacity
        assert capacity is not None  # phases.toml gives Li its electrons and formula
        return capacity

    @property
    def li_volume_per_charge(self) -> float:
        """m³ of Li per coulomb: V_m / F (1 mAh/cm² ≙ 4.85 µm)."""
        molar_volume = self._li.molar_volume
        assert molar_volume is not None  # phases.toml gives Li its density and formula
        return molar_volume / FARADAY

    @property
    def specific_capacity(self) -> float:
        """C/kg of total anode mass: w · F/M_Li."""
        return self.free_li * self.li_specific_capacity

    @property
    def volumetric_capacity(self) -> float:
        """C/m³ of anode."""
        return self.density * self.specific_capacity

    @property
    def areal_capacity(self) -> float:
        """C/m² at 100 % utilisation of the free Li."""
        return self.volumetric_capacity * self.thickness

    @property
    def specific_capacity_mAh_g(self) -> float:
        return self.specific_capacity / MAH_G

    @property
    def areal_capacity_mAh_cm2(self) -> float:
        return self.areal_capacity / MAH_CM2

    def utilisation(self, areal_capacity: str | float) -> float:
        """Fraction of the free Li that ``areal_capacity`` uses.

        >>> round(CompositeAnode().utilisation("9.5 mAh/cm2"), 3)
        0.622
        """
        q = to_si(areal_capacity, "areal_capacity", "areal_capacity")
        if self.areal_capacity == 0:
            raise CapacityError("this anode holds no free Li (free_li = 0)")
        if q < 0:
            raise CapacityError(f"areal_capacity must be >= 0 (a capacity drawn from the "
                                f"anode), got {areal_capacity!r}")
        if q > self.areal_capacity * (1 + 1e-12):
            raise CapacityError(f"areal_capacity {areal_capacity!r} exceeds the anode's free-Li "
                                f"inventory {self.areal_capacity_mAh_cm2:.3g} mAh/cm2 "
                                f"(utilisation would be {q / self.areal_capacity:.2f})")
        return q / self.areal_capacity

    def capacity_at(self, utilisation: str | float) -> float:
        """Areal capacity (C/m²) at a utilisation fraction (0–1 or "65 %")."""
        return _fraction(utilisation, "utilisation") * self.areal_capacity

    # --- volume bookkeeping --------------------------------------------------------------
    def state_after(self, net_stripped: str | float) -> AnodeState:
        """State after a net stripped areal capacity (negative or ``plate`` for net plating).

        Path-independent (a state function), so stripping then plating the same charge
        returns the as-made state exactly. Net plating is bounded by ``MAX_PLATED``
        (1000 mAh/cm2), stripping by the free-Li inventory. See ``docs/anode-bookkeeping.md``.
        """
        q = to_si(net_stripped, "areal_capacity", "net_stripped")
        if q < -MAX_PLATED:
            raise ParameterError(f"net_stripped must be at least {-MAX_PLATED / MAH_CM2:g} "
                                 f"mAh/cm2 (net plating up to 1000 mAh/cm2, 4.85 mm of Li, the "
                                 f"bound protocols use), got {net_stripped!r}")
        h0, eps0, chi = self.thickness, self.porosity, self.collapse_fraction
        li0 = self.li_volume_fraction * h0
        sk = self.skeleton_volume_fraction * h0
        s = q * self.li_volume_per_charge
        if s > li0 * (1 + 1e-12):
            raise CapacityError(
                f"stripping {q / MAH_CM2:.3g} mAh/cm2 exceeds the free-Li inventory "
                f"{self.areal_capacity_mAh_cm2:.3g} mAh/cm2 (100 % utilisation); past it "
                "the skeleton is unsupported and collapses")
        if s >= 0:
            h = h0 - chi * s
            pores = eps0 * h0 + (1 - chi) * s
        else:  # net plating: fill the pores first, then grow at the interface
            p = -s
            fill = min(p, eps0 * h0)
            pores = eps0 * h0 - fill
            h = h0 + (p - fill)
        util = max(q, 0.0) / self.areal_capacity if self.areal_capacity > 0 else 0.0
        return AnodeState(net_stripped=q, thickness=h, porosity=max(pores, 0.0) / h,
                          free_li_thickness=max(li0 - s, 0.0), skeleton_thickness=sk,
                          utilisation=util)

    def strip(self, areal_capacity: str | float, start: AnodeState | None = None) -> AnodeState:
        """Strip ``areal_capacity`` from ``start`` (default: as made); past the free-Li
        inventory is a :class:`CapacityError`."""
        q = to_si(areal_capacity, "areal_capacity", "areal_capacity")
        if q < 0:
            raise ParameterError(f"strip takes a positive capacity, got {areal_capacity!r}")
        return self.state_after(_start(start) + q)

    def plate(self, areal_capacity: str | float, start: AnodeState | None = None) -> AnodeState:
        """Plate ``areal_capacity`` onto ``start`` (default: as made): at most 1000 mAh/cm2
        (``MAX_PLATED``, 4.85 mm of Li) net, the bound protocols put on a step."""
        q = to_si(areal_capacity, "areal_capacity", "areal_capacity")
        if not 0 <= q <= MAX_PLATED:
            raise ParameterError(f"areal_capacity: plate takes a capacity in 0-"
                                 f"{MAX_PLATED / MAH_CM2:g} mAh/cm2 (4.85 mm of Li), got "
                                 f"{areal_capacity!r}")
        return self.state_after(_start(start) - q)

    def pore_capacity(self) -> float:
        """Areal capacity (C/m²) the as-made pores accommodate before the anode thickens.

        >>> round(CompositeAnode().pore_capacity() / MAH_CM2, 2)
        1.36
        """
        return self.porosity * self.thickness / self.li_volume_per_charge

    def trajectory(self, net_stripped: Sequence[float | str] | np.ndarray
                   ) -> dict[str, np.ndarray]:
        """Thickness and porosity along a path (a 1-D sequence) of net stripped capacities
        (C/m², or friendly strings such as "5 mAh/cm2")."""
        path = _path(net_stripped)
        states = [self.state_after(q) for q in path]
        return {"net_stripped": np.asarray(path, dtype=float),
                "thickness": np.array([s.thickness for s in states]),
                "porosity": np.array([s.porosity for s in states])}

    # --- mechanics -----------------------------------------------------------------------
    def modulus_bounds(self) -> ModulusBounds:
        """Voigt/Reuss and Hashin–Shtrikman bounds of the Young's modulus (Pa)."""
        phases = [(self.li_volume_fraction, self._li)]
        if self.skeleton is not None and self.skeleton_volume_fraction > 0:
            phases.append((self.skeleton_volume_fraction, self.skeleton))
        fractions, bulk, shear = [], [], []
        for phi, ph in phases:
            k, g = ph.bulk_modulus, ph.shear_modulus
            if k is None or g is None:
                raise ParameterError(f"phase {ph.name!r} lacks elastic moduli (E and ν)")
            fractions.append(phi)
            bulk.append(k)
            shear.append(g)
        if self.porosity > 0:
            fractions.append(self.porosity)
            bulk.append(0.0)
            shear.append(0.0)
        return modulus_bounds(fractions, bulk, shear)


#: the keys of ``CompositeAnode.to_config`` / ``from_config``
CONFIG_KEYS = ("skeleton", "free_li", "thickness", "porosity", "collapse_fraction")


def _start(start: AnodeState | None) -> float:
    """The net stripped capacity (C/m²) of ``start`` (0 for None: the as-made anode)."""
    if start is None:
        return 0.0
    if not isinstance(start, AnodeState):
        raise ParameterError(f"start: an AnodeState (from strip, plate or state_after) or None, "
                             f"got {start!r}")
    return to_si(start.net_stripped, "areal_capacity", "start.net_stripped")


def _path(net_stripped: Iterable[Any] | np.ndarray) -> list[float]:
    """SI floats of a 1-D path of capacities; a string, a mapping, a scalar or a nested list
    is refused with a message naming ``net_stripped``."""
    if isinstance(net_stripped, np.ndarray):
        one_d = net_stripped.ndim == 1
    else:
        one_d = isinstance(net_stripped, Iterable) \
            and not isinstance(net_stripped, str | bytes | Mapping)
    if not one_d:
        raise ParameterError(f"net_stripped: a 1-D sequence of capacities (C/m2 or '5 mAh/cm2'),"
                             f" got {net_stripped!r}")
    out = []
    for k, q in enumerate(net_stripped):
        if isinstance(q, Iterable) and not isinstance(q, str):
            raise ParameterError(f"net_stripped: a 1-D sequence of capacities, but item {k} is "
                                 f"{q!r}")
        out.append(to_si(q, "areal_capacity", f"net_stripped[{k}]"))
    return out


@dataclass(frozen=True)
class ModulusBounds:
    """Bounds of effective elastic moduli (Pa)."""

    voigt: float
    reuss: float
    hs_upper: float
    hs_lower: float
    bulk: tuple[float, float, float, float]  #: K: Voigt, Reuss, HS+, HS-
    shear: tuple[float, float, float, float]  #: G: Voigt, Reuss, HS+, HS-


def _floats(values: ArrayLike, name: str) -> np.ndarray:
    """A 1-D array of finite floats, or a :class:`ParameterError` naming ``name``."""
    try:
        raw = np.asarray(values)
        arr = raw.astype(float)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: a 1-D sequence of numbers, got {values!r}") from None
    if raw.dtype.kind not in "iuf" \
            or any(isinstance(v, bool) for v in np.ravel(np.asarray(values, dtype=object))):
        raise ParameterError(f"{name}: a 1-D sequence of numbers (not text or booleans), got "
                             f"{values!r}")
    if arr.ndim != 1 or not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name}: a 1-D sequence of finite numbers, got {values!r}")
    return arr


def _youngs(k: float, g: float) -> float:
    return 0.0 if k <= 0 or g <= 0 else 9 * k * g / (3 * k + g)


def modulus_bounds(fractions: ArrayLike, bulk: ArrayLike, shear: ArrayLike) -> ModulusBounds:
    """Voigt, Reuss and Hashin–Shtrikman bounds for an isotropic multiphase composite.

    HS bounds in Berryman's form (Λ, Γ, ζ functions), Mavko et al., *The Rock Physics
    Handbook*, §4.1. A phase with zero moduli (pores) sends the lower bounds to zero.

    >>> b = modulus_bounds([0.5, 0.5], [10e9, 10e9], [5e9, 5e9])
    >>> bool(round(b.voigt / 1e9, 3) == round(b.hs_lower / 1e9, 3))
    True
    """
    phi = _floats(fractions, "fractions")
    k = _floats(bulk, "bulk")
    g = _floats(shear, "shear")
    if phi.shape != k.shape or k.shape != g.shape or not len(phi):
        raise ParameterError("fractions, bulk and shear moduli must have the same length")
    if np.any(phi < 0) or abs(phi.sum() - 1.0) > 1e-9:
        raise ParameterError(f"volume fractions must be non-negative and sum to 1, got {phi}")
    if np.any(k < 0) or np.any(g < 0):
        raise ParameterError("moduli must be non-negative")
    phi, k, g = phi[phi > 0], k[phi > 0], g[phi > 0]

    def harmonic(values: np.ndarray, shift: float) -> float:
        with np.errstate(divide="ignore"):
            s = float(np.sum(phi / (values + shift)))
        return 0.0 if not np.isfinite(s) else float(1.0 / s - shift)

    def zeta(kk: float, gg: float) -> float:
        return 0.0 if gg == 0 else gg / 6 * (9 * kk + 8 * gg) / (kk + 2 * gg)

    kv, gv = float(phi @ k), float(phi @ g)
    kmax, kmin, gmax, gmin = float(k.max()), float(k.min()), float(g.max()), float(g.min())
    kr, gr = harmonic(k, 0.0), harmonic(g, 0.0)
    k_up, k_lo = harmonic(k, 4 / 3 * gmax), harmonic(k, 4 / 3 * gmin)
    g_up, g_lo = harmonic(g, zeta(kmax, gmax)), harmonic(g, zeta(kmin, gmin))
    return ModulusBounds(voigt=_youngs(kv, gv), reuss=_youngs(kr, gr),
                         hs_upper=_youngs(k_up, g_up), hs_lower=_youngs(k_lo, g_lo),
                         bulk=(kv, kr, k_up, k_lo), shear=(gv, gr, g_up, g_lo))


def fit_collapse_fraction(target_porosity: str | float = 0.257,
                          stripped: str | float = "5 mAh/cm2",
                          anode: CompositeAnode | None = None) -> float:
    """Collapse fraction χ that gives ``target_porosity`` after stripping ``stripped``.

    This is the calibration behind ``anode.collapse_fraction`` (claim C4: 6.6 % → 25.7 % after
    5 mAh/cm² in the paper's 100 µm, 60 wt% TFA).

    >>> round(fit_collapse_fraction(), 4)
    0.2856
    """
    if anode is not None and not isinstance(anode, CompositeAnode):
        raise ParameterError(f"anode: a CompositeAnode or None (the paper's TFA), got {anode!r}")
    base = anode or CompositeAnode(collapse_fraction=0.0)
    eps = _fraction(target_porosity, "target_porosity")
    q = to_si(stripped, "areal_capacity", "stripped")
    if not q > 0:
        raise ParameterError(f"stripped must be a positive capacity, got {stripped!r}")
    cfg = base.to_config()

    def residual(chi: float) -> float:
        cfg["collapse_fraction"] = chi
        return CompositeAnode(**cfg).state_after(stripped).porosity - eps

    lo, hi = residual(0.0), residual(1.0)
    if lo * hi > 0:
        raise ParameterError(f"no collapse fraction in [0, 1] gives porosity {eps:.3f} "
                             f"(range {hi + eps:.3f}–{lo + eps:.3f})")
    return float(brentq(residual, 0.0, 1.0, xtol=1e-12))


def free_li_for_specific_capacity(specific_capacity: str | float) -> float:
    """Free-Li mass fraction that gives a specific capacity per total mass.

    Used to read the paper's 1926 mAh/g (claim C1): it implies ≈ 49.9 wt% free Li.

    >>> round(free_li_for_specific_capacity("1926 mAh/g"), 3)
    0.499
    """
    q = to_si(specific_capacity, "specific_capacity", "specific_capacity")
    li_capacity = get_phase("Li").specific_capacity
    assert li_capacity is not None  # phases.toml gives Li its electrons and formula
    w = q / li_capacity
    if not 0 <= w <= 1:
        raise ParameterError(f"{specific_capacity!r} is beyond the capacity of pure Li")
    return w
