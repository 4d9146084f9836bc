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

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tfalab.anode import MAH_CM2, CompositeAnode
from tfalab.errors import CapacityError, ParameterError
from tfalab.materials import Phase, get_phase
from tfalab.units import quantity, to_si

#: Composite compositions used in the seed paper (mass ratios).
FES2_COMPOSITE = {"FeS2": 4.0, "VGCF": 3.0, "Li6PS5Cl": 1.5}
NCM_COMPOSITE = {"NCM93": 70.0, "Li6PS5Cl": 30.0}
#: Cathodes that come lithiated (Li source) rather than Li-free (Li sink on first discharge).
_LITHIATED = {"NCM93"}


def parse_composition(text: str | Mapping[str, float]) -> dict[str, float]:
    """Mass fractions from ``"FeS2:VGCF:LPSCl = 4:3:1.5"`` or a mapping, normalised to 1.

    >>> {k: round(v, 3) for k, v in parse_composition("FeS2:VGCF:LPSCl = 4:3:1.5").items()}
    {'FeS2': 0.471, 'VGCF': 0.353, 'Li6PS5Cl': 0.176}
    """
    if isinstance(text, str):
        if "=" not in text:
            raise ParameterError(f"write a composition as 'A:B:C = 4:3:1.5', got {text!r}")
        names, ratios = (part.strip() for part in text.split("=", 1))
        keys = [n.strip() for n in names.split(":")]
        try:
            values = [float(r) for r in re.split(r"\s*:\s*", ratios)]
        except ValueError:
            raise ParameterError(f"composition ratios must be numbers: {text!r}") from None
        if len(keys) != len(values):
            raise ParameterError(f"composition {text!r}: {len(keys)} phases, {len(values)} ratios")
        text = dict(zip(keys, values, strict=True))
    if any(v < 0 for v in text.values()) or sum(text.values()) <= 0:
        raise ParameterError(f"composition ratios must be non-negative with a positive sum: {text}")
    total = sum(text.values())
    return {get_phase(k).name: v / total for k, v in text.items()}


@dataclass(frozen=True, init=False)
class CathodeComposite:
    """A composite cathode: active phase plus conductors/electrolyte, by mass.

    ``loading`` is the active-material mass per area ("2.17 mg/cm2"), or an areal capacity
    ("4 mAh/cm2") from which the mass follows. ``porosity`` is that of the pressed composite.

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
        if act.name not in comp:
            raise ParameterError(f"composition {comp} does not contain the active {act.name}")
        q = act.specific_capacity if specific_capacity is None else \
            to_si(specific_capacity, "specific_capacity", "specific_capacity")
        if q is None or q <= 0:
            raise ParameterError(f"{act.name} is not electroactive (no capacity in the database)")
        v = act.get("average_voltage") if average_voltage is None else \
            to_si(average_voltage, "voltage", "average_voltage")
        if v is None:
            raise ParameterError(f"{act.name} has no average voltage; pass average_voltage")
        if not 0 < v <= 10:
            raise ParameterError(f"average_voltage must lie in (0, 10] V vs Li/Li+, got "
                                 f"{average_voltage!r}")
        mass = _loading(loading, q)
        eps = to_si(porosity, "fraction", "porosity")
        if not 0 <= eps < 1:
            raise ParameterError(f"cathode porosity must lie in [0, 1), got {porosity!r}")
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
        """Current density (A/m²) of a C-rate on this cathode's areal capacity."""
        return c_rate * self.areal_capacity / 3600.0


#: kg/m² of active material a cathode may hold (0.01-1000 mg/cm2): past these a composite
#: is no longer a cathode layer (and a run would take hours of nothing)
MIN_LOADING, MAX_LOADING = 1e-4, 10.0


def _loading(loading: str | float, specific_capacity: float) -> float:
    if isinstance(loading, str):
        q = quantity(loading, "loading")
        if q.check("[current] * [time] / [length] ** 2"):
            mass = to_si(loading, "areal_capacity", "loading") / specific_capacity
        else:
            mass = to_si(loading, "areal_mass", "loading")
    else:
        mass = float(loading)
    if not mass > 0 or not math.isfinite(mass):
        raise ParameterError(f"cathode loading must be positive, got {loading!r}")
    if not MIN_LOADING <= mass <= MAX_LOADING:
        raise ParameterError(f"cathode loading must lie in {MIN_LOADING * 100:g}-"
                             f"{MAX_LOADING * 100:g} mg/cm2 of active material, got {loading!r} "
                             f"({mass * 100:.3g} mg/cm2)")
    return mass


def fes2_cathode(loading: str | float = "2.17 mg/cm2", **kwargs: Any) -> CathodeComposite:
    """FeS2:VGCF:LPSCl = 4:3:1.5 composite (the seed paper's)."""
    return CathodeComposite("FeS2", FES2_COMPOSITE, loading, **kwargs)


def ncm_cathode(loading: str | float = "2 mAh/cm2", **kwargs: Any) -> CathodeComposite:
    """NCM93:LPSCl = 70:30 composite (the seed paper's)."""
    return CathodeComposite("NCM93", NCM_COMPOSITE, loading, **kwargs)


CATHODES = {"fes2": fes2_cathode, "ncm": ncm_cathode}


def make_cathode(kind: str, loading: str | float, **kwargs: Any) -> CathodeComposite:
    """A preset cathode by name: ``"fes2"`` or ``"ncm"``."""
    try:
        return CATHODES[kind.lower()](loading, **kwargs)
    except KeyError:
        raise ParameterError(f"unknown cathode {kind!r}; known: {', '.join(CATHODES)}") from None


@dataclass(frozen=True)
class Collector:
    """A current-collector foil."""

    phase: str
    thickness: float  #: m

    @property
    def areal_mass(self) -> float:
        return get_phase(self.phase).require("density") * self.thickness


@dataclass(frozen=True)
class CellStack:
    """One repeat unit of an all-solid-state cell (per unit area, SI)."""

    cathode: CathodeComposite
    anode: CompositeAnode
    separator_thickness: float  #: m
    separator_porosity: float = 0.10
    separator_phase: str = "Li6PS5Cl"
    cathode_collector: Collector = field(default_factory=lambda: Collector("SS304", 20e-6))
    anode_collector: Collector = field(default_factory=lambda: Collector("SS304", 20e-6))
    max_utilisation: float = 0.65

    def __post_init__(self) -> None:
        if not self.separator_thickness > 0:
            raise ParameterError("separator thickness must be positive")
        if not 0 <= self.separator_porosity < 1:
            raise ParameterError("separator porosity must lie in [0, 1)")
        if not 0 < self.max_utilisation <= 1:
            raise ParameterError("max_utilisation must lie in (0, 1]")
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


def anode_summary(anode: CompositeAnode) -> dict[str, float | str]:
    """Anode design table in friendly units."""
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

    >>> round(pellet_separator_thickness("10 mm", "150 mg") * 1e3, 2)
    1.14
    """
    d = to_si(die_diameter, "length", "die_diameter")
    m = to_si(pellet_mass, "mass", "pellet_mass")
    eps = to_si(porosity, "fraction", "porosity")
    if not d > 0 or not m > 0:
        raise ParameterError("die diameter and pellet mass must be positive")
    if not 0 <= eps < 1:
        raise ParameterError(f"pellet porosity must lie in [0, 1), got {porosity!r}")
    rho = get_phase(phase).require("density")
    return m / (math.pi * d**2 / 4 * rho * (1 - eps))


def pellet_cell(cathode: str = "fes2", loading: str | float = "2.17 mg/cm2",
                anode: CompositeAnode | None = None, *, die_diameter: str | float,
                pellet_mass: str | float, pellet_porosity: str | float = 0.10,
                separator_phase: str = "Li6PS5Cl",
                collector: Collector | None = None) -> CellStack:
    """A lab pellet cell: separator pressed from ``pellet_mass`` of ``separator_phase`` in a
    die of ``die_diameter`` to ``pellet_porosity``; 100 µm TFA by default; 20 µm steel
    collectors unless ``collector`` is given."""
    sep = pellet_separator_thickness(die_diameter, pellet_mass, pellet_porosity,
                                     separator_phase)
    foils: dict[str, Any] = {} if collector is None else {"cathode_collector": collector,
                                                          "anode_collector": collector}
    return CellStack(cathode=make_cathode(cathode, loading), anode=anode or CompositeAnode(),
                     separator_thickness=sep,
                     separator_porosity=to_si(pellet_porosity, "fraction", "pellet_porosity"),
                     separator_phase=separator_phase, **foils)


def thin_cell(cathode: str = "ncm", loading: str | float = "4 mAh/cm2",
              anode: CompositeAnode | None = None,
              separator: str | float = "30 um") -> CellStack:
    """A practical stack: 30 µm LPSCl separator, 50 µm TFA, Al 12 µm and Cu 8 µm foils."""
    return CellStack(cathode=make_cathode(cathode, loading),
                     anode=anode or CompositeAnode(thickness="50 um"),
                     separator_thickness=to_si(separator, "length", "separator"),
                     cathode_collector=Collector("Al", 12e-6),
                     anode_collector=Collector("Cu", 8e-6))


PRESETS: dict[str, Callable[..., CellStack]] = {"pellet": pellet_cell, "thin": thin_cell}


def make_stack(preset: str, **kwargs: Any) -> CellStack:
    """A preset stack by name: ``"pellet"`` (give its die and pellet) or ``"thin"``. The seed
    paper's cell is ``tfalab.paper.paper_cell``."""
    try:
        factory = PRESETS[preset]
    except KeyError:
        raise ParameterError(f"unknown stack preset {preset!r}; known: {', '.join(PRESETS)}") \
            from None
    try:
        return factory(**kwargs)
    except TypeError as exc:
        raise ParameterError(f"preset {preset!r}: {exc}") from None
