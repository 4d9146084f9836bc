"""Phase data with units and sources: Li, LiBx ("Li5B4"), Li6PS5Cl, FeS2, NCM, ...

The data live in ``phases.toml`` beside this module, one table per phase, every number with
its unit and source. Values are held in SI. Users can add phases from a dict or a TOML file.

>>> li = get_phase("Li")
>>> round(li.molar_volume * 1e6, 2)  # cm3/mol
13.0
>>> round(li.specific_capacity / 3600)  # C/kg -> mAh/g
3862
>>> get_phase("Li5B4").name
'LiBx'
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from numbers import Real
from pathlib import Path
from typing import Any

from tfalab.constants import FARADAY, GAS_CONSTANT
from tfalab.errors import ParameterError, UnknownPhaseError
from tfalab.materials.elements import molar_mass_of
from tfalab.units import check_unit, to_si

#: property name -> kind of quantity (see tfalab.units.KINDS)
PROPERTIES: dict[str, str] = {
    "molar_mass": "molar_mass",
    "density": "density",
    "electrons": "fraction",
    "specific_capacity": "specific_capacity",
    "average_voltage": "voltage",
    "youngs_modulus": "modulus",
    "shear_modulus": "modulus",
    "poisson_ratio": "fraction",
    "li_diffusivity": "diffusivity",
    "li_diffusion_activation_energy": "activation_energy",
    "ionic_conductivity": "conductivity",
    "ionic_conduction_activation_energy": "activation_energy",
    "electronic_conductivity": "conductivity",
    "fracture_toughness": "fracture_toughness",
    "reference_temperature": "temperature",
    "creep_stress_exponent": "fraction",
    "creep_activation_energy": "activation_energy",
    "flow_stress_1um_25C": "pressure",
    "flow_stress_1um_90C": "pressure",
    "size_exponent_25C": "fraction",
    "size_exponent_90C": "fraction",
    "bulk_yield_stress": "pressure",
    "flow_reference_strain_rate": "rate",
    "composite_li_diffusivity": "diffusivity",
    "composite_reference_free_li": "fraction",
    "fibre_diameter": "length",
}


@dataclass(frozen=True)
class Value:
    """One number of the database: SI value, the unit it was written in, and its source."""

    si: float
    unit: str
    source: str
    uncertain: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.source, str) or not self.source.strip():
            raise ParameterError("every material value needs a source")


@dataclass(frozen=True)
class Phase:
    """A material phase. Numeric properties are SI floats, ``None`` where unknown.

    >>> p = get_phase("FeS2")
    >>> round(p.specific_capacity / 3600)  # mAh/g, 4 electrons per FeS2
    894
    """

    name: str
    description: str = ""
    formula: str | None = None
    aliases: tuple[str, ...] = ()
    values: Mapping[str, Value] = field(default_factory=dict)

    def value(self, prop: str) -> Value:
        """The :class:`Value` of ``prop`` (with unit and source); ``ParameterError`` if unknown."""
        if not isinstance(prop, str):
            raise ParameterError(f"prop: a property name such as 'density', got {prop!r}")
        if prop == "molar_mass" and prop not in self.values and self.formula:
            return Value(molar_mass_of(self.formula), "g/mol",
                         f"computed from formula {self.formula} (IUPAC atomic weights)")
        try:
            return self.values[prop]
        except KeyError:
            raise ParameterError(f"phase {self.name!r} has no value for {prop!r}") from None

    def get(self, prop: str) -> float | None:
        """SI value of ``prop`` or ``None`` if the database has none."""
        if not isinstance(prop, str):
            raise ParameterError(f"prop: a property name such as 'density', got {prop!r}")
        try:
            return self.value(prop).si
        except ParameterError:
            return None

    def require(self, prop: str) -> float:
        """SI value of ``prop``; raises :class:`ParameterError` naming the phase if missing."""
        return self.value(prop).si

    @property
    def molar_mass(self) -> float | None:
        """kg/mol."""
        return self.get("molar_mass")

    @property
    def density(self) -> float | None:
        """kg/m³."""
        return self.get("density")

    @property
    def molar_volume(self) -> float | None:
        """m³/mol (per formula unit), from molar mass and density."""
        m, rho = self.molar_mass, self.density
        return None if m is None or rho is None else m / rho

    @property
    def specific_capacity(self) -> float | None:
        """C/kg: the practical value if given, else theoretical n·F/M; None if inactive."""
        if "specific_capacity" in self.values:
            return self.values["specific_capacity"].si
        return self.theoretical_capacity

    @property
    def theoretical_capacity(self) -> float | None:
        """C/kg from the electrons per formula unit: n·F/M."""
        n, m = self.get("electrons"), self.molar_mass
        return None if n is None or m is None else n * FARADAY / m

    @property
    def youngs_modulus(self) -> float | None:
        """Pa."""
        return self.get("youngs_modulus")

    @property
    def poisson_ratio(self) -> float | None:
        return self.get("poisson_ratio")

    @property
    def bulk_modulus(self) -> float | None:
        """Pa, from E and ν: K = E / (3 (1 − 2ν))."""
        e, nu = self.youngs_modulus, self.poisson_ratio
        return None if e is None or nu is None else e / (3 * (1 - 2 * nu))

    @property
    def shear_modulus(self) -> float | None:
        """Pa: the tabulated value, else G = E / (2 (1 + ν))."""
        if "shear_modulus" in self.values:
            return self.values["shear_modulus"].si
        e, nu = self.youngs_modulus, self.poisson_ratio
        return None if e is None or nu is None else e / (2 * (1 + nu))

    def _arrhenius(self, prop: str, energy: str, temperature: float) -> float | None:
        if isinstance(temperature, Real) and not isinstance(temperature, bool) \
                and not temperature > 0:
            raise ParameterError(f"temperature must be positive in kelvin, got {temperature}")
        temperature = to_si(temperature, "temperature", "temperature")
        x0 = self.get(prop)
        if x0 is None:
            return None
        ea = self.get(energy) or 0.0
        t0 = self.get("reference_temperature") or 298.15
        return x0 * math.exp(-ea / GAS_CONSTANT * (1.0 / temperature - 1.0 / t0))

    def li_diffusivity_at(self, temperature: float) -> float | None:
        """Li diffusivity (m²/s) at ``temperature`` (K), Arrhenius from the reference value."""
        return self._arrhenius("li_diffusivity", "li_diffusion_activation_energy", temperature)

    def ionic_conductivity_at(self, temperature: float) -> float | None:
        """Ionic conductivity (S/m) at ``temperature`` (K), Arrhenius from the reference value."""
        return self._arrhenius("ionic_conductivity", "ionic_conduction_activation_energy",
                               temperature)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready description (values in SI, with units and sources)."""
        return {
            "name": self.name, "formula": self.formula, "aliases": list(self.aliases),
            "description": self.description,
            "values": {k: {"si": v.si, "unit": v.unit, "source": v.source,
                           "uncertain": v.uncertain} for k, v in self.values.items()},
        }


def phase_from_dict(name: str, data: Mapping[str, Any]) -> Phase:
    """Build a :class:`Phase` from a TOML-like mapping (see ``phases.toml``).

    >>> p = phase_from_dict("Mg", {"formula": "Mg",
    ...     "density": {"value": 1.74, "unit": "g/cm3", "source": "CRC"}})
    >>> round(p.density)
    1740
    """
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"phase name: a non-empty string such as 'Mg', got {name!r}")
    if not isinstance(data, Mapping):
        raise ParameterError(f"phase {name!r}: its data must be a table (mapping) of properties, "
                             f"got {type(data).__name__}")
    values: dict[str, Value] = {}
    for key, raw in data.items():
        if key in ("formula", "aliases", "description"):
            continue
        if key not in PROPERTIES:
            raise ParameterError(f"phase {name!r}: unknown property {key!r}; "
                                 f"known: {', '.join(PROPERTIES)}")
        if not isinstance(raw, Mapping) or not {"value", "unit", "source"} <= set(raw):
            raise ParameterError(f"phase {name!r}, {key}: write {{value, unit, source}}")
        unit = check_unit(str(raw["unit"])) if raw["unit"] else ""
        text = f"{raw['value']} {unit}".strip()
        si = to_si(text if unit else raw["value"], PROPERTIES[key], f"{name}.{key}")
        if key in ("density", "molar_mass", "youngs_modulus", "shear_modulus") and si <= 0:
            raise ParameterError(f"phase {name!r}: {key} must be positive, got {raw['value']}")
        values[key] = Value(si, unit, str(raw["source"]), bool(raw.get("uncertain", False)))
    formula = data.get("formula")
    if formula is not None:
        if not isinstance(formula, str):
            raise ParameterError(f"phase {name!r}: formula must be a string such as 'Li6PS5Cl', "
                                 f"got {formula!r}")
        molar_mass_of(formula)  # validate early
    aliases = data.get("aliases", ())
    if isinstance(aliases, str) or not isinstance(aliases, list | tuple) \
            or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise ParameterError(f"phase {name!r}: aliases must be a list of names, got {aliases!r}")
    return Phase(name=name, description=str(data.get("description", "")), formula=formula,
                 aliases=tuple(aliases), values=values)


_REGISTRY: dict[str, Phase] = {}


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "").replace("-", "").replace("_", "")


def _index() -> dict[str, Phase]:
    if not _REGISTRY:
        text = resources.files("tfalab.materials").joinpath("phases.toml").read_text("utf-8")
        for name, data in tomllib.loads(text).items():
            _add(phase_from_dict(name, data), overwrite=False)
    return _REGISTRY


def _add(phase: Phase, overwrite: bool) -> None:
    keys = {_key(phase.name), *(_key(a) for a in phase.aliases)}
    if phase.formula:
        keys.add(_key(phase.formula))
    clash = [k for k in keys if k in _REGISTRY and _REGISTRY[k].name != phase.name]
    if clash and not overwrite:
        raise ParameterError(f"phase {phase.name!r}: name or alias already used by "
                             f"{_REGISTRY[clash[0]].name!r} (pass overwrite=True to replace)")
    if not overwrite and _key(phase.name) in _REGISTRY:
        raise ParameterError(f"phase {phase.name!r} exists (pass overwrite=True to replace)")
    for k in keys:
        _REGISTRY[k] = phase


def get_phase(name: str | Phase) -> Phase:
    """Look a phase up by name, alias or formula (case- and space-insensitive).

    >>> get_phase("LPSCl").formula
    'Li6PS5Cl'
    """
    if isinstance(name, Phase):
        return name
    if not isinstance(name, str):
        raise ParameterError(f"phase: a phase name such as 'Li6PS5Cl' or a Phase, got {name!r}")
    index = _index()
    try:
        return index[_key(name)]
    except KeyError:
        known = ", ".join(phase_names())
        raise UnknownPhaseError(f"unknown phase {name!r}; known phases: {known}") from None


def phase_names() -> list[str]:
    """Names of all phases in the database."""
    return sorted({p.name for p in _index().values()})


def register_phase(phase: Phase | Mapping[str, Any], name: str | None = None,
                   overwrite: bool = False) -> Phase:
    """Add a user phase (a :class:`Phase` or a TOML-like dict with ``name``)."""
    _index()
    if not isinstance(overwrite, bool):
        raise ParameterError(f"overwrite: True or False, got {overwrite!r}")
    if not isinstance(phase, Phase | Mapping):
        raise ParameterError(f"phase: a Phase or a TOML-like dict of properties, got "
                             f"{type(phase).__name__}")
    if not isinstance(phase, Phase):
        if name is None:
            raise ParameterError("register_phase needs a name for a dict phase")
        phase = phase_from_dict(name, phase)
    _add(phase, overwrite)
    return phase


def load_phases(path: str | Path, overwrite: bool = False) -> list[Phase]:
    """Register every phase in a TOML file written like ``phases.toml``."""
    if not isinstance(path, str | Path):
        raise ParameterError(f"path: a phase file path (.toml), got {path!r}")
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"no phase file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"path: cannot read the phase file {str(path)!r} ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: not valid TOML ({exc})") from None
    return [register_phase(d, name=n, overwrite=overwrite) for n, d in data.items()]


def all_phases() -> Iterable[Phase]:
    """Every registered phase, once each."""
    return [get_phase(n) for n in phase_names()]


__all__ = ["PROPERTIES", "Phase", "Value", "all_phases", "get_phase", "load_phases",
           "phase_from_dict", "phase_names", "register_phase"]
