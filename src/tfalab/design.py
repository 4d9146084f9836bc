"""Full-cell design: cathode composites, N/P ratio, Li utilisation and stack energy density.

Per unit electrode area, SI inside. A :class:`CellStack` is cathode collector | cathode
composite | solid-electrolyte separator | anode | anode collector.

>>> cell = pellet_cell("fes2", loading="2.17 mg/cm2", die_diameter="10 mm",
...                    pellet_mass="150 mg")
>>> round(cell.cathode.areal_capacity / 36000, 2)  # mAh/cm2
1.94
>>> round(cell.separator_thickness * 1e3, 2)  # mm: 150 mg of LPSCl in a 10 mm die
1.14

The seed paper's own cell (its die and pellet) is ``tfalab.paper.paper_cell``.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

from tfalab.anode import MAH_CM2, MAH_G, MAX_THICKNESS, MIN_THICKNESS, CompositeAnode
from tfalab.errors import CapacityError, ParameterError
from tfalab.materials import Phase, get_phase
from tfalab.units import quantity, to_si

#: Composite compositions used in the seed paper (mass ratios).
FES2_COMPOSITE = {"FeS2": 4.0, "VGCF": 3.0, "Li6PS5Cl": 1.5}
NCM_COMPOSITE = {"NCM93": 70.0, "Li6PS5Cl": 30.0}
#: Cathodes that come lithiated (Li source) rather than Li-free (Li sink on first discharge).
_LITHIATED = {"NCM93"}

# --- the physical ranges every input is checked against ----------------------------------
#: m: a stack layer (separator, collector foil): a 100 nm film to a 10 mm slab, the range
#: the anode's thickness already has (``tfalab.anode.MIN_THICKNESS``/``MAX_THICKNESS``)
MIN_LAYER, MAX_LAYER = MIN_THICKNESS, MAX_THICKNESS
#: V vs Li/Li+: a cathode's average voltage, 0.1-6 V (conversion sulfides near 1.5-2 V to
#: 5 V spinels all lie inside; outside is no Li-battery cathode)
MIN_VOLTAGE, MAX_VOLTAGE = 0.1, 6.0
#: C/kg: a cathode's specific capacity, 1-4000 mAh/g (Li metal's own 3862 mAh/g bounds any
#: host; below 1 mAh/g a material is not electroactive)
MIN_SPECIFIC_CAPACITY, MAX_SPECIFIC_CAPACITY = 1 * MAH_G, 4000 * MAH_G
#: m: a pellet die's diameter, 1-100 mm (lab dies are 6-30 mm)
MIN_DIE, MAX_DIE = 1e-3, 0.1
#: kg: a separator pellet's mass, 1 mg - 100 g
MIN_PELLET_MASS, MAX_PELLET_MASS = 1e-6, 0.1
#: C-rates ``c_rate_current`` takes: above 0, at most 100 C (a 36 s discharge)
MAX_C_RATE = 100.0


def _ranged(value: Any, kind: str, name: str, lo: float, hi: float, shown: str) -> float:
    """``value`` in SI (``tfalab.units.to_si``), checked to lie in ``[lo, hi]``."""
    x = to_si(value, kind, name)  # to_si refuses what it cannot read (None, bool, lists)
    if not lo <= x <= hi:
        raise ParameterError(f"{name} must lie in {shown}, got {value!r}")
    return x


def _layer(value: Any, name: str) -> float:
    """A layer thickness (m) in 0.1 um - 10 mm."""
    return _ranged(value, "length", name, MIN_LAYER, MAX_LAYER, "0.1 um - 10 mm")


def _porosity(value: Any, name: str) -> float:
    """A porosity in [0, 1)."""
    x = to_si(value, "fraction", name)
    if not 0 <= x < 1:
        raise ParameterError(f"{name} must lie in [0, 1), got {value!r}")
    return x


def _anode(anode: object, default: Callable[[], CompositeAnode] | None) -> CompositeAnode:
    """A CompositeAnode from itself, a name ('tfa', 'li', as ``tfalab.cell.make_anode``), a
    .toml anode file or a config dict; None gives ``default()`` (refused without one)."""
    if isinstance(anode, CompositeAnode):
        return anode
    if anode is None and default is not None:
        return default()
    if isinstance(anode, str | Path | Mapping):
        from tfalab.cell.parameters import make_anode

        return make_anode(dict(anode) if isinstance(anode, Mapping) else anode)
    raise ParameterError(f"anode: a CompositeAnode, 'tfa' (the paper's TFA), 'li' (a bare Li "
                         f"foil), a .toml anode file or a config dict, got {anode!r}")


def parse_composition(text: str | Mapping[str, float]) -> dict[str, float]:
    """Mass fractions from ``"FeS2:VGCF:LPSCl = 4:3:1.5"`` or a mapping, normalised to 1.

    Ratios are finite numbers >= 0 (not booleans) with a positive, finite sum; each phase
    appears once (aliases count as their phase).

    >>> {k: round(v, 3) for k, v in parse_composition("FeS2:VGCF:LPSCl = 4:3:1.5").items()}
    {'FeS2': 0.471, 'VGCF': 0.353, 'Li6PS5Cl': 0.176}
    """
    if isinstance(text, str):
        if "=" not in text:
            raise ParameterError(f"composition: write it as 'A:B:C = 4:3:1.5', got {text!r}")
        names, ratios = (part.strip() for part in text.split("=", 1))
        keys = [n.strip() for n in names.split(":")]
        try:
            values = [float(r) for r in re.split(r"\s*:\s*", ratios)]
        except ValueError:
            raise ParameterError(f"composition: ratios must be numbers, got {text!r}") from None
        if len(keys) != len(values):
            raise ParameterError(f"composition {text!r}: {len(keys)} phases, {len(values)} ratios")
        if len(set(keys)) != len(keys):
            raise ParameterError(f"composition {text!r}: a phase is named twice")
        pairs: list[tuple[object, object]] = list(zip(keys, values, strict=True))
    elif isinstance(text, Mapping):
        pairs = list(text.items())
    else:
        raise ParameterError(f"composition: 'A:B:C = 4:3:1.5' or a mapping of phase to mass "
                             f"ratio, got {text!r}")
    out: dict[str, float] = {}
    for key, ratio in pairs:
        if not isinstance(key, str | Phase):
            raise ParameterError(f"composition: phase names must be strings, got {key!r}")
        if isinstance(ratio, bool) or not isinstance(ratio, Real) or not math.isfinite(ratio) \
                or ratio < 0:
            raise ParameterError(f"composition: the ratio of {key!r} must be a finite number "
                                 f">= 0 (not a boolean), got {ratio!r}")
        name = get_phase(key).name
        if name in out:
            raise ParameterError(f"composition: {name} is given twice ({key!r})")
        out[name] = float(ratio)
    total = sum(out.values())
    if not 0 < total < math.inf:
        raise ParameterError(f"composition: ratios must have a positive, finite sum (write "
                             f"e.g. 4:3:1.5), got {text!r}")
    return {k: v / total for k, v in out.items()}


@dataclass(frozen=True, init=False)
class CathodeComposite:
    """A composite cathode: active phase plus conductors/electrolyte, by mass.

    ``loading`` is the active-material mass per area ("2.17 mg/cm2", 0.01-1000 mg/cm2), or an
    areal capacity ("4 mAh/cm2") from which the mass follows. ``porosity`` is that of the
    pressed composite, in [0, 1). ``specific_capacity`` (1-4000 mAh/g) and
    ``average_voltage`` (0.1-6 V vs Li/Li+) override the database's values.

    >>> c = CathodeComposite("NCM93", NCM_COMPOSITE, loading="4 mAh/cm2")
    >>> round(c.loading * 100, 2)  # mg/cm2 (1 kg/m2 = 100 mg/cm2)
    18.18
    """

    active: Phase
    composition: Mapping[str, float]
    loading: float
    porosity: float
    specific_capacity: float
    average_voltage: float

    def __init__(self, active: str | Phase, composition: str | Mapping[str, float],
                 loading: str | float, porosity: str | float = 0.15,
                 specific_capacity: str | float | None = None,
                 average_voltage: str | float | None = None) -> None:
        act = get_phase(active)
        comp = parse_composition(composition)
        if act.name not in comp or not comp[act.name] > 0:
            raise ParameterError(f"composition {comp} does not contain the active {act.name}")
        for name in comp:
            get_phase(name).require("density")  # the composite's thickness needs them all
        if specific_capacity is None:
            q = act.specific_capacity
            if q is None or q <= 0:
                raise ParameterError(f"{act.name} is not electroactive (no capacity in the "
                                     "database); pass specific_capacity")
        else:
            q = _ranged(specific_capacity, "specific_capacity", "specific_capacity",
                        MIN_SPECIFIC_CAPACITY, MAX_SPECIFIC_CAPACITY, "1-4000 mAh/g")
        v = act.get("average_voltage") if average_voltage is None else \
            to_si(average_voltage, "voltage", "average_voltage")
        if v is None:
            raise ParameterError(f"{act.name} has no average voltage; pass average_voltage")
        if not MIN_VOLTAGE <= v <= MAX_VOLTAGE:
            shown = average_voltage if average_voltage is not None else \
                f"{act.name}'s database value {v:g} V"
            raise ParameterError(f"average_voltage must lie in {MIN_VOLTAGE:g}-{MAX_VOLTAGE:g} V "
                                 f"vs Li/Li+, got {shown!r}")
        mass = _loading(loading, q)
        eps = _porosity(porosity, "porosity")
        for name, value in (("active", act), ("composition", comp), ("loading", mass),
                            ("porosity", eps), ("specific_capacity", q),
                            ("average_voltage", v)):
            object.__setattr__(self, name, value)

    @property
    def active_fraction(self) -> float:
        return self.composition[self.active.name]

    @property
    def areal_mass(self) -> float:
        """kg/m² of composite."""
        return self.loading / self.active_fraction

    @property
    def solid_density(self) -> float:
        return 1.0 / sum(w / get_phase(n).require("density") for n, w in self.composition.items())

    @property
    def thickness(self) -> float:
        """m, from mass, solid density and porosity."""
        return self.areal_mass / ((1 - self.porosity) * self.solid_density)

    @property
    def areal_capacity(self) -> float:
        """C/m² (active mass × specific capacity)."""
        return self.loading * self.specific_capacity

    @property
    def lithiated(self) -> bool:
        """True when the cathode brings its own Li (NCM), False for Li-free ones (FeS2)."""
        return self.active.name in _LITHIATED

    def c_rate_current(self, c_rate: float) -> float:
        """Current density (A/m²) of a C-rate (above 0, at most 100) on this cathode's areal
        capacity."""
        if isinstance(c_rate, bool) or not isinstance(c_rate, Real) \
                or not 0 < c_rate <= MAX_C_RATE:
            raise ParameterError(f"c_rate must be a number above 0 and at most {MAX_C_RATE:g}, "
                                 f"got {c_rate!r}")
        return float(c_rate) * self.areal_capacity / 3600.0


#: kg/m² of active material a cathode may hold (0.01-1000 mg/cm2): past these a composite
#: is no longer a cathode layer (and a run would take hours of nothing)
MIN_LOADING, MAX_LOADING = 1e-4, 10.0


def _loading(loading: str | float, specific_capacity: float) -> float:
    q = quantity(loading, "loading")  # refuses booleans, None and what is not a quantity
    if q.check("[current] * [time] / [length] ** 2"):
        mass = to_si(loading, "areal_capacity", "loading") / specific_capacity
    else:
        mass = to_si(loading, "areal_mass", "loading")
    if not mass > 0 or not math.isfinite(mass):
        raise ParameterError(f"cathode loading must be positive, got {loading!r}")
    if not MIN_LOADING <= mass <= MAX_LOADING:
        raise ParameterError(f"cathode loading must lie in {MIN_LOADING * 100:g}-"
                             f"{MAX_LOADING * 100:g} mg/cm2 of active material, got {loading!r} "
                             f"({mass * 100:.3g} mg/cm2)")
    return mass


#: the keyword options a preset cathode passes on to :class:`CathodeComposite`
CATHODE_OPTIONS = ("porosity", "specific_capacity", "average_voltage")


def _cathode_options(kwargs: Mapping[str, Any], where: str) -> None:
    unknown = [k for k in kwargs if k not in CATHODE_OPTIONS]
    if unknown:
        raise ParameterError(f"{where}: unknown keyword {', '.join(map(repr, unknown))}; "
                             f"allowed: {', '.join(CATHODE_OPTIONS)}")


def fes2_cathode(loading: str | float = "2.17 mg/cm2", **kwargs: Any) -> CathodeComposite:
    """FeS2:VGCF:LPSCl = 4:3:1.5 composite (the seed paper's); ``kwargs``: porosity,
    specific_capacity, average_voltage."""
    _cathode_options(kwargs, "fes2_cathode")
    return CathodeComposite("FeS2", FES2_COMPOSITE, loading, **kwargs)


def ncm_cathode(loading: str | float = "2 mAh/cm2", **kwargs: Any) -> CathodeComposite:
    """NCM93:LPSCl = 70:30 composite (the seed paper's); ``kwargs``: porosity,
    specific_capacity, average_voltage."""
    _cathode_options(kwargs, "ncm_cathode")
    return CathodeComposite("NCM93", NCM_COMPOSITE, loading, **kwargs)


CATHODES = {"fes2": fes2_cathode, "ncm": ncm_cathode}


def make_cathode(kind: str, loading: str | float, **kwargs: Any) -> CathodeComposite:
    """A preset cathode by name: ``"fes2"`` or ``"ncm"``; ``kwargs``: porosity,
    specific_capacity, average_voltage (see :class:`CathodeComposite`)."""
    key = kind.strip().lower() if isinstance(kind, str) else None
    if key not in CATHODES:
        raise ParameterError(f"cathode: unknown kind {kind!r}; known: {', '.join(CATHODES)}")
    _cathode_options(kwargs, "make_cathode")
    return CATHODES[key](loading, **kwargs)


@dataclass(frozen=True, init=False)
class Collector:
    """A current-collector foil: a phase with a density (by name: "Cu", "Al", "SS304") and a
    thickness of 0.1 um - 10 mm ("12 um" or metres).

    >>> Collector("Cu", "8 um").thickness
    8e-06
    """

    phase: str
    thickness: float  #: m

    def __init__(self, phase: str | Phase, thickness: str | float) -> None:
        ph = get_phase(phase)
        ph.require("density")
        object.__setattr__(self, "phase", ph.name)
        object.__setattr__(self, "thickness", _layer(thickness, "thickness"))

    @property
    def areal_mass(self) -> float:
        return get_phase(self.phase).require("density") * self.thickness


@dataclass(frozen=True, init=False)
class CellStack:
    """One repeat unit of an all-solid-state cell (per unit area, SI).

    Inputs take friendly units, like the rest of this module: ``separator_thickness``
    ("30 um" or metres, 0.1 um - 10 mm), ``separator_porosity`` in [0, 1),
    ``max_utilisation`` in (0, 1]. ``anode`` is a :class:`CompositeAnode` or a name ("tfa",
    "li"); collectors default to 20 um steel.

    >>> CellStack(fes2_cathode(), "tfa", "30 um").separator_thickness
    3e-05
    """

    cathode: CathodeComposite
    anode: CompositeAnode
    separator_thickness: float  #: m
    separator_porosity: float
    separator_phase: str
    cathode_collector: Collector
    anode_collector: Collector
    max_utilisation: float

    def __init__(self, cathode: CathodeComposite, anode: CompositeAnode | str,
                 separator_thickness: str | float, separator_porosity: str | float = 0.10,
                 separator_phase: str | Phase = "Li6PS5Cl",
                 cathode_collector: Collector | None = None,
                 anode_collector: Collector | None = None,
                 max_utilisation: str | float = 0.65) -> None:
        if not isinstance(cathode, CathodeComposite):
            raise ParameterError(f"cathode: a CathodeComposite (e.g. make_cathode('fes2', "
                                 f"'2 mg/cm2')), got {cathode!r}")
        sep = get_phase(separator_phase)
        sep.require("density")
        foils = {}
        for name, foil in (("cathode_collector", cathode_collector),
                           ("anode_collector", anode_collector)):
            if foil is not None and not isinstance(foil, Collector):
                raise ParameterError(f"{name}: a Collector (e.g. Collector('Cu', '8 um')) or "
                                     f"None (20 um steel), got {foil!r}")
            foils[name] = foil or Collector("SS304", 20e-6)
        utilisation = to_si(max_utilisation, "fraction", "max_utilisation")
        if not 0 < utilisation <= 1:
            raise ParameterError(f"max_utilisation must lie in (0, 1], got {max_utilisation!r}")
        for name, value in (("cathode", cathode), ("anode", _anode(anode, None)),
                            ("separator_thickness",
                             _layer(separator_thickness, "separator_thickness")),
                            ("separator_porosity",
                             _porosity(separator_porosity, "separator_porosity")),
                            ("separator_phase", sep.name), *foils.items(),
                            ("max_utilisation", utilisation)):
            object.__setattr__(self, name, value)
        if not self.cathode.lithiated and self.anode.areal_capacity <= 0:
            raise CapacityError(f"a Li-free {self.cathode.active.name} cathode needs Li from "
                                "the anode, and this anode holds none")
        if self.anode.areal_capacity <= 0:
            raise CapacityError("this anode holds no free Li (free_li = 0): N/P and Li "
                                "utilisation are undefined (anode-free cells are not modelled)")

    @property
    def np_ratio(self) -> float:
        """Anode free-Li capacity over cathode capacity."""
        return self.anode.areal_capacity / self.cathode.areal_capacity

    @property
    def cell_capacity(self) -> float:
        """C/m² the cell cycles: the cathode's, capped by the anode's usable Li for Li-free
        cathodes (FeS2 draws all its Li from the anode)."""
        if self.cathode.lithiated:
            return self.cathode.areal_capacity
        return min(self.cathode.areal_capacity, self.max_utilisation * self.anode.areal_capacity)

    @property
    def limited_by(self) -> str:
        return "cathode" if self.cell_capacity >= self.cathode.areal_capacity * (1 - 1e-12) \
            else "anode"

    @property
    def li_utilisation(self) -> float:
        """Fraction of the anode's free Li that one full discharge moves (Li-free cathodes),
        or that the cathode's Li fills back (lithiated cathodes)."""
        return self.cell_capacity / self.anode.areal_capacity

    @property
    def layers(self) -> dict[str, tuple[float, float]]:
        """Layer -> (thickness m, areal mass kg/m²)."""
        sep = get_phase(self.separator_phase).require("density")
        sep_mass = sep * (1 - self.separator_porosity) * self.separator_thickness
        return {
            "cathode collector": (self.cathode_collector.thickness,
                                  self.cathode_collector.areal_mass),
            "cathode": (self.cathode.thickness, self.cathode.areal_mass),
            "separator": (self.separator_thickness, sep_mass),
            "anode": (self.anode.thickness, self.anode.areal_mass),
            "anode collector": (self.anode_collector.thickness, self.anode_collector.areal_mass),
        }

    @property
    def energy(self) -> float:
        """J/m² per discharge at the cathode's average voltage vs Li (anode at ≈ 0 V)."""
        return self.cell_capacity * self.cathode.average_voltage

    @property
    def specific_energy(self) -> float:
        """J/kg of stack."""
        return self.energy / sum(m for _, m in self.layers.values())

    @property
    def energy_density(self) -> float:
        """J/m³ of stack."""
        return self.energy / sum(t for t, _ in self.layers.values())

    def summary(self) -> dict[str, float | str]:
        """Design table in friendly units."""
        return {
            "cathode": self.cathode.active.name,
            "cathode loading / mg cm-2": self.cathode.loading * 100,
            "cathode capacity / mAh cm-2": self.cathode.areal_capacity / MAH_CM2,
            "cathode thickness / um": self.cathode.thickness * 1e6,
            "anode capacity / mAh cm-2": self.anode.areal_capacity_mAh_cm2,
            "N/P": self.np_ratio,
            "cell capacity / mAh cm-2": self.cell_capacity / MAH_CM2,
            "limited by": self.limited_by,
            "Li utilisation / %": 100 * self.li_utilisation,
            "separator thickness / um": self.separator_thickness * 1e6,
            "stack thickness / um": sum(t for t, _ in self.layers.values()) * 1e6,
            "stack areal mass / mg cm-2": sum(m for _, m in self.layers.values()) * 100,
            "specific energy / Wh kg-1": self.specific_energy / 3600,
            "energy density / Wh L-1": self.energy_density / 3.6e6,
        }


def anode_summary(anode: CompositeAnode | str) -> dict[str, float | str]:
    """Anode design table in friendly units (``anode``: a CompositeAnode, "tfa" or "li")."""
    anode = _anode(anode, None)
    bounds = anode.modulus_bounds() if anode.skeleton is None or \
        anode.skeleton.youngs_modulus is not None else None
    out: dict[str, float | str] = {
        "skeleton": "none (bare Li)" if anode.skeleton is None else anode.skeleton.name,
        "free Li / wt%": 100 * anode.free_li,
        "thickness / um": anode.thickness * 1e6,
        "porosity / %": 100 * anode.porosity,
        "density / g cm-3": anode.density / 1000,
        "free Li volume fraction / %": 100 * anode.li_volume_fraction,
        "specific capacity (total mass) / mAh g-1": anode.specific_capacity_mAh_g,
        "specific capacity (free Li) / mAh g-1": anode.li_specific_capacity / 3600,
        "volumetric capacity / mAh cm-3": anode.volumetric_capacity / 3.6e6,
        "areal capacity / mAh cm-2": anode.areal_capacity_mAh_cm2,
        "capacity at 65 % utilisation / mAh cm-2": anode.capacity_at(0.65) / MAH_CM2,
        "pore capacity (plating into pores) / mAh cm-2": anode.pore_capacity() / MAH_CM2,
        "collapse fraction": anode.collapse_fraction,
    }
    if bounds is not None:
        out |= {"E Voigt / GPa": bounds.voigt / 1e9, "E HS upper / GPa": bounds.hs_upper / 1e9,
                "E HS lower / GPa": bounds.hs_lower / 1e9, "E Reuss / GPa": bounds.reuss / 1e9}
    return out


# --- presets ---------------------------------------------------------------------------

def pellet_separator_thickness(die_diameter: str | float, pellet_mass: str | float,
                               porosity: str | float = 0.10,
                               phase: str = "Li6PS5Cl") -> float:
    """m: thickness of a separator pellet of ``pellet_mass`` of ``phase`` pressed in a die of
    ``die_diameter`` to ``porosity``.

    Ranges: ``die_diameter`` 1-100 mm (lab dies are 6-30 mm), ``pellet_mass`` 1 mg - 100 g,
    ``porosity`` in [0, 1); the pellet they give must be a layer of 0.1 um - 10 mm.

    >>> round(pellet_separator_thickness("10 mm", "150 mg") * 1e3, 2)
    1.14
    """
    d = _ranged(die_diameter, "length", "die_diameter", MIN_DIE, MAX_DIE, "1-100 mm")
    m = _ranged(pellet_mass, "mass", "pellet_mass", MIN_PELLET_MASS, MAX_PELLET_MASS,
                "1 mg - 100 g")
    eps = _porosity(porosity, "porosity")
    rho = get_phase(phase).require("density")
    h = m / (math.pi * d**2 / 4 * rho * (1 - eps))
    if not MIN_LAYER <= h <= MAX_LAYER:
        raise ParameterError(f"die_diameter {die_diameter!r} and pellet_mass {pellet_mass!r} "
                             f"give a {h * 1e3:.3g} mm separator; a separator must be 0.1 um - "
                             f"10 mm thick")
    return h


def pellet_cell(cathode: str = "fes2", loading: str | float = "2.17 mg/cm2",
                anode: CompositeAnode | None = None, *, die_diameter: str | float,
                pellet_mass: str | float, pellet_porosity: str | float = 0.10,
                separator_phase: str = "Li6PS5Cl",
                collector: Collector | None = None) -> CellStack:
    """A lab pellet cell: separator pressed from ``pellet_mass`` (1 mg - 100 g) of
    ``separator_phase`` in a die of ``die_diameter`` (1-100 mm) to ``pellet_porosity``
    (see :func:`pellet_separator_thickness`); 100 µm TFA by default (``anode``: a
    CompositeAnode, "tfa" or "li"); 20 µm steel collectors unless ``collector`` is given."""
    sep = pellet_separator_thickness(die_diameter, pellet_mass, pellet_porosity,
                                     separator_phase)
    if collector is not None and not isinstance(collector, Collector):
        raise ParameterError(f"collector: a Collector (e.g. Collector('SS304', '20 um')) or "
                             f"None, got {collector!r}")
    foils: dict[str, Any] = {} if collector is None else {"cathode_collector": collector,
                                                          "anode_collector": collector}
    return CellStack(cathode=make_cathode(cathode, loading),
                     anode=_anode(anode, CompositeAnode),
                     separator_thickness=sep,
                     separator_porosity=to_si(pellet_porosity, "fraction", "pellet_porosity"),
                     separator_phase=separator_phase, **foils)


def thin_cell(cathode: str = "ncm", loading: str | float = "4 mAh/cm2",
              anode: CompositeAnode | str | None = None,
              separator: str | float = "30 um") -> CellStack:
    """A practical stack: 30 µm LPSCl separator (``separator``: 0.1 um - 10 mm), 50 µm TFA
    (``anode``: a CompositeAnode, or a name as ``tfalab.cell.make_anode`` takes: "tfa", the
    paper's 100 µm TFA, or "li", a bare Li foil), Al 12 µm and Cu 8 µm foils."""
    return CellStack(cathode=make_cathode(cathode, loading),
                     anode=_anode(anode, lambda: CompositeAnode(thickness="50 um")),
                     separator_thickness=_layer(separator, "separator"),
                     cathode_collector=Collector("Al", 12e-6),
                     anode_collector=Collector("Cu", 8e-6))


PRESETS: dict[str, Callable[..., CellStack]] = {"pellet": pellet_cell, "thin": thin_cell}


def make_stack(preset: str, **kwargs: Any) -> CellStack:
    """A preset stack by name: ``"pellet"`` (give its die and pellet) or ``"thin"``. The seed
    paper's cell is ``tfalab.paper.paper_cell``."""
    if not isinstance(preset, str) or preset not in PRESETS:
        raise ParameterError(f"preset: unknown stack preset {preset!r}; known: "
                             f"{', '.join(PRESETS)}")
    factory = PRESETS[preset]
    signature = inspect.signature(factory)
    try:
        signature.bind(**kwargs)
    except TypeError as exc:
        raise ParameterError(f"preset {preset!r}: {exc}; its options: "
                             f"{', '.join(signature.parameters)}") from None
    return factory(**kwargs)
