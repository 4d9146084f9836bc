"""Cell builds: what differs between laboratories' anode|sulfide-electrolyte cells.

tfalab's symmetric- and full-cell parameters come in three layers:

1. **Materials** — Li's creep law and size effect, diffusivities and activation energies,
   Li6PS5Cl's conductivity and fracture toughness, moduli, interface kinetics
   (:mod:`tfalab.materials`, ``data/cell_model.toml`` and the material values of
   ``data/parameters.toml``). One set for every laboratory.
2. **Cell build** — this module: the pellet (thickness, relative density, pore throats,
   surface flaws), the Li foil (thickness, preparation: the creep length of its contact
   asperities), the holder stiffness and the initial interface state. One named set per
   laboratory in ``data/builds/NAME.toml``; a user's own build is a TOML file of the same form.
3. **Anode design** — a :class:`~tfalab.anode.CompositeAnode` (presets ``"tfa"``, ``"li"``).

Each build value is ``reported`` (with its citation), ``assumed`` (with the reason) or
``fitted`` (to at most two declared measurements of that laboratory, listed in
``fitted_to``). A build may name a ``base`` build whose values it inherits.

**Relative density.** A build's pore-throat size, flaw depth and conductivity are given at
its own relative density ρ_b; :meth:`Build.parameters` moves them to another density ρ by
documented laws (``docs/cell-model.md``, *Pellet density*):

- pore throats: the hydraulic diameter of a particle packing at fixed particle size,
  d ∝ ε/(1 − ε) (Carman–Kozeny; ε = 1 − ρ);
- flaw depth: the deepest chain of surface-connected pores (weakest link, as for intrusion),
  a ∝ d / ln(ε_c/ε), which vanishes as the pellet densifies and diverges as the porosity
  reaches the pore percolation threshold ε_c;
- conductivity: Archie/Bruggeman, σ ∝ ρ^m.

>>> b = load_build("Zhang2025")
>>> b.name, round(b.value("relative_density"), 2)
('Zhang2025', 0.9)
>>> dense = b.parameters(relative_density=0.99)
>>> dense["Flaw size [m]"] < b.parameters()["Flaw size [m]"]
True
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from tfalab.errors import ParameterError, TfalabError, UnitError
from tfalab.materials import get_phase
from tfalab.parameters import fitted
from tfalab.tomlfile import read_toml
from tfalab.units import to_si

#: build field → (kind of quantity, what it is). Every field may be given in friendly units.
FIELDS: dict[str, tuple[str, str]] = {
    "die_diameter": ("length", "diameter of the pellet die (sets the electrode area)"),
    "electrode_area": ("area", "electrode area, if not the die's cross-section"),
    "pellet_mass": ("mass", "mass of electrolyte powder pressed into the pellet"),
    "pellet_thickness": ("length", "pellet thickness (alternative to pellet_mass)"),
    "relative_density": ("fraction", "pellet density over the crystallographic density"),
    "conductivity": ("conductivity", "the pellet's Li+ conductivity at 25 degC (optional; "
                     "default: the material's, moved to this density)"),
    "pore_median_size": ("length", "median pore-throat size at relative_density"),
    "pore_size_spread": ("fraction", "geometric standard deviation of the throat sizes"),
    "flaw_depth": ("length", "depth of the surface flaws at the anode interface, at "
                   "relative_density"),
    "li_foil_thickness": ("length", "thickness of the Li foil (bare-Li anode preset)"),
    "creep_length": ("length", "void / contact-asperity length scale of the pressed Li foil"),
    "holder_stiffness": ("stiffness", "areal stiffness of the cell holder"),
    "initial_contact": ("fraction", "Li contact fraction of the interface as assembled"),
    "initial_interphase_resistance": ("areal_resistance", "interphase resistance as "
                                      "assembled"),
}

#: SI ranges of the build fields: beyond them a value is a unit slip, not a pellet
#: (a 1 km flaw ran as a cell shorted at assembly)
RANGES: dict[str, tuple[float, float, str]] = {
    "die_diameter": (1e-3, 0.1, "1-100 mm"),
    "pellet_mass": (1e-6, 0.1, "1 mg-100 g"),
    "pellet_thickness": (1e-6, 1e-2, "1 um-10 mm"),
    "conductivity": (1e-8, 100.0, "1e-5-1000 mS/cm"),
    "pore_median_size": (1e-10, 1e-4, "0.1 nm-100 um"),
    "pore_size_spread": (1.0, 10.0, "1-10 (a geometric standard deviation)"),
    "flaw_depth": (1e-9, 1e-3, "1 nm-1 mm"),
    "li_foil_thickness": (1e-7, 1e-2, "0.1 um-10 mm"),
    "creep_length": (1e-9, 1e-2, "1 nm-10 mm"),
    "holder_stiffness": (1e6, 1e16, "1e-6-1e4 MPa/um"),
    "initial_interphase_resistance": (0.0, 1.0, "0-10000 ohm*cm2"),
}

#: build fields every build must resolve (after inheriting from its base)
REQUIRED = ("relative_density", "pore_median_size", "pore_size_spread", "flaw_depth",
            "li_foil_thickness", "creep_length", "holder_stiffness", "initial_contact",
            "initial_interphase_resistance")

SOURCES = ("reported", "assumed", "fitted")

#: the build used when none is named: a typical laboratory's Li|Li6PS5Cl cell
#: (``data/builds/Generic.toml``). The paper's cells are ``"Zhang2025"``, which the paper
#: layer (``tfalab.paper``) and the PyBaMM sets ``Zhang2025_TFA``/``Zhang2025_Li`` name.
DEFAULT_BUILD = "Generic"


class BuildError(TfalabError, ValueError):
    """A cell build is unknown or malformed."""


@dataclass(frozen=True)
class BuildValue:
    """One value of a build, in SI, with where it comes from."""

    name: str
    value: float
    source: str  #: "reported", "assumed" or "fitted"
    note: str = ""
    fitted_to: tuple[str, ...] = ()
    text: str = ""  #: as written in the file ("14 um")


@dataclass(frozen=True)
class Build:
    """A laboratory's cell build: the values of :data:`FIELDS` it sets, with sources."""

    name: str
    values: dict[str, BuildValue]
    description: str = ""
    reference: str = ""
    doi: str = ""
    overrides: dict[str, float] = field(default_factory=dict)
    path: str = ""

    # --- access ---------------------------------------------------------------------------
    def value(self, name: str) -> float:
        """SI value of field ``name``; :class:`BuildError` if the build does not set it."""
        try:
            return self.values[name].value
        except KeyError:
            raise BuildError(f"build {self.name!r} does not set {name!r}") from None

    def has(self, name: str) -> bool:
        return name in self.values

    def fitted_values(self) -> list[BuildValue]:
        """The values fitted to this laboratory's measurements."""
        return [v for v in self.values.values() if v.source == "fitted"]

    def with_values(self, **values: Any) -> Build:
        """A copy with some fields changed (friendly units accepted), marked as the user's.

        >>> b = load_build("Zhang2025").with_values(relative_density="95 %")
        >>> round(b.value("relative_density"), 2), b.values["relative_density"].source
        (0.95, 'assumed')
        """
        new = dict(self.values)
        for k, v in values.items():
            new[k] = _parse_value(k, {"value": v, "source": "assumed",
                                      "note": "set by the user"}, self.name)
        return replace(self, values=new)

    # --- derived quantities -----------------------------------------------------------------
    @property
    def area(self) -> float:
        """Electrode area (m²)."""
        if self.has("electrode_area"):
            return self.value("electrode_area")
        if self.has("die_diameter"):
            return math.pi * self.value("die_diameter") ** 2 / 4
        raise BuildError(f"build {self.name!r} sets neither electrode_area nor die_diameter")

    def pellet_thickness(self, relative_density: float | None = None) -> float:
        """Pellet thickness (m) at ``relative_density`` (default: the build's own).

        From the pellet mass if given (m / (A ρ_solid ρ_rel)); a reported thickness is moved
        to another density at constant mass.
        """
        rho_b = self.value("relative_density")
        rho = rho_b if relative_density is None else relative_density
        if self.has("pellet_mass"):
            solid = get_phase("Li6PS5Cl").require("density")
            die = (math.pi * self.value("die_diameter") ** 2 / 4 if self.has("die_diameter")
                   else self.area)
            return self.value("pellet_mass") / (die * solid * rho)
        if self.has("pellet_thickness"):
            return self.value("pellet_thickness") * rho_b / rho
        raise BuildError(f"build {self.name!r} sets neither pellet_mass nor pellet_thickness")

    def parameters(self, relative_density: str | float | None = None) -> dict[str, float]:
        """The build's PyBaMM parameters, moved to ``relative_density`` if given.

        >>> p = load_build("Zhang2025").parameters()
        >>> round(p["Electrolyte thickness [m]"] * 1e3, 2)  # mm
        1.14
        """
        from tfalab.cell.parameters import constant

        rho_b = self.value("relative_density")
        rho = rho_b if relative_density is None else check_density(
            to_si(relative_density, "fraction", "relative_density"))
        eps_c = constant("electrolyte.percolation_threshold")
        d50 = self.value("pore_median_size") * throat_scale(rho, rho_b)
        flaw = self.value("flaw_depth") * flaw_scale(rho, rho_b, eps_c)
        thickness = self.pellet_thickness(rho)
        m = constant("electrolyte.conductivity_density_exponent")
        if self.has("conductivity"):
            sigma = self.value("conductivity") * (rho / rho_b) ** m
        else:
            se = get_phase("Li6PS5Cl")
            rho_ref = constant("electrolyte.conductivity_reference_density")
            sigma = se.require("ionic_conductivity") * (rho / rho_ref) ** m
        return {
            "Electrolyte thickness [m]": thickness,
            "Electrolyte relative density": rho,
            "Electrolyte conductivity [S.m-1]": sigma,
            "Electrolyte pore median size [m]": d50,
            "Electrolyte pore size spread": self.value("pore_size_spread"),
            "Flaw size [m]": min(flaw, thickness),
            "Creep length [m]": self.value("creep_length"),
            "Holder stiffness [Pa.m-1]": self.value("holder_stiffness"),
            "Initial Li contact fraction": self.value("initial_contact"),
            "Initial interphase resistance [Ohm.m2]":
                self.value("initial_interphase_resistance"),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (SI values with their sources); :meth:`from_dict` inverts it."""
        return {"name": self.name, "description": self.description,
                "reference": self.reference, "doi": self.doi, "path": self.path,
                "overrides": dict(self.overrides),
                "values": {k: {"value": v.value, "source": v.source, "note": v.note,
                               "fitted_to": list(v.fitted_to), "text": v.text}
                           for k, v in self.values.items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Build:
        """Rebuild a build from :meth:`to_dict` output; its shape is checked first
        (:func:`tfalab.schema.build_dict_schema`), a :class:`BuildError` if it is wrong."""
        from tfalab.schema import build_dict_schema, validate

        validate(build_dict_schema(), d, "build dict", BuildError)
        try:
            values = {k: BuildValue(k, float(v["value"]), str(v["source"]), str(v["note"]),
                                    tuple(v["fitted_to"]), str(v["text"]))
                      for k, v in d["values"].items()}
            return cls(name=str(d["name"]), values=values,
                       description=str(d.get("description", "")),
                       reference=str(d.get("reference", "")), doi=str(d.get("doi", "")),
                       overrides={str(k): float(v) for k, v in d.get("overrides", {}).items()},
                       path=str(d.get("path", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise BuildError(f"malformed build dict: {exc}") from None

    def describe(self) -> list[dict[str, Any]]:
        """One row per value: name, value as written, SI value, source, note, fitted_to."""
        return [{"field": k, "value": v.text, "si": v.value, "source": v.source,
                 "fitted_to": ", ".join(v.fitted_to), "note": v.note}
                for k, v in self.values.items()]


# --- density laws ---------------------------------------------------------------------------
def check_density(rho: float) -> float:
    """``rho`` if it is a usable relative density, else :class:`ParameterError`."""
    if not (math.isfinite(rho) and 0.5 <= rho <= 0.999):
        raise ParameterError(f"relative_density must lie in [0.5, 0.999] (50-99.9 %), got {rho}")
    return rho


def throat_scale(rho: float, rho_ref: float) -> float:
    """d(ρ)/d(ρ_ref) for the hydraulic diameter of a packing, d ∝ ε/(1 − ε) (Carman–Kozeny).

    >>> throat_scale(0.9, 0.9), round(throat_scale(0.99, 0.9), 3)
    (1.0, 0.091)
    """
    def h(r: float) -> float:
        return (1 - r) / r

    return h(rho) / h(rho_ref)


def flaw_scale(rho: float, rho_ref: float, eps_c: float) -> float:
    """a(ρ)/a(ρ_ref) for the deepest chain of surface-connected pores (weakest link).

    Each surface pore starts a chain that continues one pore deeper with probability
    ε/ε_c, so the deepest of N chains reaches ln N / ln(ε_c/ε) pores of size d(ρ). Above the
    pore percolation threshold (ε ≥ ε_c) the pores span the pellet: the scale is infinite.

    >>> round(flaw_scale(0.99, 0.9, 0.25), 3)
    0.026
    """
    eps, eps_ref = 1 - rho, 1 - rho_ref
    if eps >= eps_c:
        return math.inf
    if eps_ref >= eps_c:
        raise ParameterError(f"the build's relative density {rho_ref} leaves a porosity at or "
                             f"above the pore percolation threshold {eps_c}")
    return throat_scale(rho, rho_ref) * math.log(eps_c / eps_ref) / math.log(eps_c / eps)


# --- loading --------------------------------------------------------------------------------
def _parse_value(name: str, d: Any, build: str) -> BuildValue:
    if name not in FIELDS:
        raise BuildError(f"build {build!r}: unknown field {name!r}; known: {', '.join(FIELDS)}")
    kind = FIELDS[name][0]
    if not isinstance(d, dict):
        d = {"value": d, "source": "reported"}
    if "fitted" in d:  # a value stored in data/parameters.toml (the paper's calibration)
        fp = fitted(str(d["fitted"]))
        return BuildValue(name, fp.value, "fitted", d.get("note", fp.data), fp.fitted_to,
                          f"{fp.value:.4g} {fp.unit}".strip())
    if "value" not in d:
        raise BuildError(f"build {build!r}: {name} needs 'value' (or 'fitted')")
    source = str(d.get("source", "reported"))
    if source not in SOURCES:
        raise BuildError(f"build {build!r}: {name} has source {source!r}; use one of {SOURCES}")
    raw = d["value"]
    try:
        si = to_si(raw if not isinstance(raw, int) else float(raw), kind, name)
    except UnitError as exc:
        raise BuildError(f"build {build!r}: {exc}") from None
    if not math.isfinite(si) or si <= 0:
        raise BuildError(f"build {build!r}: {name} must be positive and finite, got {raw!r}")
    if kind == "fraction" and name != "pore_size_spread" and si > 1:
        raise BuildError(f"build {build!r}: {name} must lie in (0, 1], got {raw!r}")
    if name in RANGES and not RANGES[name][0] <= si <= RANGES[name][1]:
        raise BuildError(f"build {build!r}: {name} = {raw!r} is outside {RANGES[name][2]}")
    fitted_to = tuple(d.get("fitted_to", ()))
    if source == "fitted" and not fitted_to:
        raise BuildError(f"build {build!r}: fitted value {name} must list fitted_to")
    if len(fitted_to) > 2:
        raise BuildError(f"build {build!r}: {name} is fitted to {len(fitted_to)} measurements; "
                         "a build value may be fitted to at most 2")
    note = str(d.get("note", d.get("citation", "")))
    return BuildValue(name, si, source, note, fitted_to, str(raw))


def _move_inherited(values: dict[str, BuildValue], own: dict[str, Any], rho_base: float,
                    name: str) -> None:
    from tfalab.cell.parameters import constant

    rho = values["relative_density"].value
    check_density(rho)
    scales = {"pore_median_size": throat_scale(rho, rho_base),
              "flaw_depth": flaw_scale(rho, rho_base,
                                       constant("electrolyte.percolation_threshold"))}
    for key, scale in scales.items():
        if key in values and key not in own and scale != 1.0:
            v = values[key]
            if not math.isfinite(scale):
                raise BuildError(f"build {name!r}: relative density {rho} leaves the pores "
                                 "percolating; set flaw_depth explicitly")
            values[key] = replace(v, value=v.value * scale,
                                  note=f"{v.note} (moved from {rho_base:.3g} to {rho:.3g} "
                                       "relative density by the density laws)")


def builds_folder() -> Any:
    return resources.files("tfalab.data").joinpath("builds")


def available_builds() -> list[str]:
    """Names of the builds shipped with tfalab.

    >>> "Zhang2025" in available_builds()
    True
    """
    return sorted(p.name[:-5] for p in builds_folder().iterdir() if p.name.endswith(".toml"))


def _read(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".toml") or path.exists():
        raw = read_toml(path, "build file", BuildError)
        if not raw:
            raise BuildError(f"build file {text!r} is empty; give a [build] table or "
                             f"[overrides] (docs/cell-model.md, 'Parameter layers')")
        return raw, str(path)
    res = builds_folder().joinpath(f"{text}.toml")
    if not res.is_file():
        raise BuildError(f"unknown build {text!r}; named builds: {', '.join(available_builds())}"
                         " (or give a .toml file)")
    return tomllib.loads(res.read_text("utf-8")), ""


@lru_cache(maxsize=64)
def _load_named(name: str) -> Build:
    return _load(name)


def _load(name_or_path: str | Path, depth: int = 0) -> Build:
    from tfalab.schema import build_file_schema, validate

    raw, path = _read(name_or_path)
    # the file's shape (tables, field names, types, finite numbers) before any value is read
    validate(build_file_schema(), raw,
             f"build file {path!r}" if path else f"build {str(name_or_path)!r}", BuildError)
    if depth > 5:
        raise BuildError(f"build {name_or_path!r}: 'base' chain too deep")
    base = raw.get("base")
    if not base and not raw.get("values"):
        base = DEFAULT_BUILD  # a parameter file (``tfalab fit``): overrides on the default
    values: dict[str, BuildValue] = {}
    overrides: dict[str, float] = {}
    if base:
        named = not (str(base).endswith(".toml") or Path(str(base)).exists())
        # named builds are cached; a file is read again at each depth (a file naming itself
        # as its base ends at the depth limit)
        parent = _load_named(str(base)) if named and depth == 0 else _load(base, depth + 1)
        values.update(parent.values)
        overrides.update(parent.overrides)
    name = str(raw.get("name", Path(str(name_or_path)).stem))
    own = raw.get("values", {})
    if not isinstance(own, dict):
        raise BuildError(f"build {name!r}: [values] must be a table")
    for k, d in own.items():
        values[k] = _parse_value(k, d, name)
    if base and "relative_density" in own:
        # inherited pore throats and flaws were given at the base's density: move them
        _move_inherited(values, own, parent.value("relative_density"), name)
    for k, v in raw.get("overrides", {}).items():
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
            raise BuildError(f"build {name!r}: override {k!r} must be a finite number (SI), "
                             f"got {v!r}")
        overrides[str(k)] = float(v)
    missing = [k for k in REQUIRED if k not in values]
    if missing:
        raise BuildError(f"build {name!r} does not set {', '.join(missing)}"
                         + ("" if base else " (name a 'base' build to inherit them)"))
    build = Build(name=name, values=values, description=str(raw.get("description", "")),
                  reference=str(raw.get("reference", "")), doi=str(raw.get("doi", "")),
                  overrides=overrides, path=path)
    build.area  # noqa: B018 - check it resolves
    build.pellet_thickness()
    check_density(build.value("relative_density"))
    return build


def load_build(build: str | Path | Build | dict[str, Any] | None = None) -> Build:
    """A named build (``"Zhang2025"``), a build TOML file, a :class:`Build` or its
    :meth:`~Build.to_dict`, or ``None`` for the default.

    >>> load_build().name
    'Generic'
    """
    if isinstance(build, Build):
        return build
    if isinstance(build, dict):
        return Build.from_dict(build)
    if build is None:
        build = DEFAULT_BUILD
    if not isinstance(build, str | Path):
        raise BuildError(f"build must be a name or a path, got {type(build).__name__}")
    text = str(build).strip()
    if not text:
        raise BuildError(f"build must be a name or a .toml file; named builds: "
                         f"{', '.join(available_builds())}")
    if text.endswith(".toml") or Path(text).exists():
        return _load(text)
    return _load_named(text)
