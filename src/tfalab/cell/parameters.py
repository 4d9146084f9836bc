"""Parameter sets of the anode/interface model, in PyBaMM's ``"Name [unit]"`` form.

Everything is built from the three places where tfalab keeps numbers: material phases
(:mod:`tfalab.materials`), model constants (``data/cell_model.toml``) and fitted parameters
(``data/parameters.toml``, :mod:`tfalab.parameters`). The anode-specific entries come from a
:class:`~tfalab.anode.CompositeAnode`. Temperature-dependent quantities are given at a
reference temperature with an activation energy, so that changing ``"Ambient temperature [K]"``
moves them all.

The sets are registered with PyBaMM (entry point ``pybamm_parameter_sets``), so a PyBaMM user
can write ``pybamm.ParameterValues("Zhang2025_TFA")``.

>>> p = Zhang2025_TFA()
>>> round(p["Anode free-Li capacity [C.m-2]"] / 36000, 1)  # mAh/cm2
15.3
>>> round(p["Electrolyte thickness [m]"] * 1e3, 2)  # mm
1.14
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tfalab.anode import CONFIG_KEYS, CompositeAnode
from tfalab.cell.builds import Build, load_build
from tfalab.errors import ParameterError
from tfalab.materials import get_phase
from tfalab.parameters import fitted
from tfalab.tomlfile import read_toml
from tfalab.units import to_si

#: Where a parameter's value comes from, for the docs and the report.
SOURCES: dict[str, str] = {}


@dataclass(frozen=True)
class ModelConstant:
    """A model constant from ``data/cell_model.toml`` (SI value)."""

    name: str
    value: float
    unit: str
    source: str
    uncertain: bool


@lru_cache(maxsize=1)
def model_constants() -> dict[str, ModelConstant]:
    """The model constants of ``data/cell_model.toml``, keyed ``"group.name"``."""
    raw = tomllib.loads(resources.files("tfalab.data").joinpath("cell_model.toml")
                        .read_text("utf-8"))
    out = {}
    for group, entries in raw.items():
        for key, d in entries.items():
            text = f"{d['value']} {d['unit']}".strip() if d["unit"] else float(d["value"])
            si = to_si(text, d["kind"], f"{group}.{key}")
            out[f"{group}.{key}"] = ModelConstant(f"{group}.{key}", si, d["unit"], d["source"],
                                                  bool(d.get("uncertain", False)))
    return out


def constant(name: str) -> float:
    """SI value of the model constant ``name`` (``"electrolyte.flaw_geometry_factor"``)."""
    try:
        return model_constants()[name].value
    except KeyError:
        raise ParameterError(f"no model constant {name!r}") from None


def skeleton_percolates(anode: CompositeAnode) -> bool:
    """Whether the anode has a skeleton that spans it: not bare Li, and free Li at or below the
    skeleton's percolation limit (``anode.skeleton_percolation_free_li``; above it the skeleton
    floats in Li)."""
    return (not anode.is_bare and anode.skeleton is not None
            and anode.free_li <= constant("anode.skeleton_percolation_free_li"))


def skeleton_load_fraction(anode: CompositeAnode) -> float:
    """Fraction of the stack pressure carried by the free Li (1 for bare Li).

    Iso-strain (Voigt) load sharing between free Li and a percolating skeleton; above the
    skeleton's percolation limit (``anode.skeleton_percolation_free_li``) the skeleton floats
    in Li and the Li carries everything.
    """
    if not skeleton_percolates(anode):
        return 1.0
    assert anode.skeleton is not None  # skeleton_percolates: the anode has a skeleton
    e_li = get_phase("Li").youngs_modulus
    assert e_li is not None  # phases.toml gives Li its Young's modulus
    e_sk = anode.skeleton.youngs_modulus
    if e_sk is None:  # Al, Cu, Li2S, VGCF: the load split needs the skeleton's modulus
        raise ParameterError(f"skeleton phase {anode.skeleton.name!r} has no Young's modulus; "
                             "a percolating skeleton needs one to share the stack pressure")
    f_li, f_sk = anode.li_volume_fraction, anode.skeleton_volume_fraction
    return f_li * e_li / (f_li * e_li + f_sk * e_sk)


def skeleton_path_diffusivity(anode: CompositeAnode) -> float:
    """Li diffusivity (m²/s, at the Li reference temperature) added by the skeleton's surfaces.

    The measured diffusivity of the reference composite (the paper's ToF-SIMS value) less Li's
    self-diffusivity, scaled with skeleton volume fraction (the paths are the skeleton's
    surfaces). Zero for bare Li and when the skeleton does not percolate.

    >>> round(skeleton_path_diffusivity(CompositeAnode()) * 1e4, 13)  # cm2/s, the paper's TFA
    2.15e-10
    """
    if not skeleton_percolates(anode):
        return 0.0
    assert anode.skeleton is not None  # skeleton_percolates: the anode has a skeleton
    d_ref = anode.skeleton.get("composite_li_diffusivity")
    if d_ref is None:
        return 0.0
    d_li = get_phase("Li").require("li_diffusivity")
    ref = CompositeAnode(skeleton=anode.skeleton, free_li=anode.skeleton.require(
        "composite_reference_free_li"), thickness=anode.thickness, porosity=anode.porosity)
    scale = anode.skeleton_volume_fraction / ref.skeleton_volume_fraction
    return max(d_ref - d_li, 0.0) * scale


def li_channel_size(anode: CompositeAnode) -> float:
    """Size (m) of the channels that hold the free Li: what Li must flow through to leave.

    In a percolating fibrous skeleton the mean free path between fibres (the mean intercept of
    a random fibre network, π d_f (1 − f) / (4 f), f the skeleton's share of the solid volume;
    Underwood, Quantitative Stereology, 1970); bare Li, or Li in which the skeleton floats
    (above the percolation limit), is unconfined and gets the electrode thickness.

    >>> round(li_channel_size(CompositeAnode()) * 1e9)  # nm, the paper's TFA
    750
    """
    if not skeleton_percolates(anode):
        return anode.thickness
    assert anode.skeleton is not None  # skeleton_percolates: the anode has a skeleton
    d_f = anode.skeleton.get("fibre_diameter")
    if d_f is None:
        return anode.thickness
    f = anode.skeleton_volume_fraction / (anode.skeleton_volume_fraction
                                          + anode.li_volume_fraction)
    return min(math.pi * d_f * (1 - f) / (4 * f), anode.thickness)


def anode_parameters(anode: CompositeAnode) -> dict[str, float]:
    """The ``"Anode ..."`` entries for one anode."""
    li = get_phase("Li")
    percolates = skeleton_percolates(anode)
    return {
        "Anode thickness [m]": anode.thickness,
        "Anode porosity": anode.porosity,
        "Anode free-Li capacity [C.m-2]": anode.areal_capacity,
        "Anode collapse fraction": anode.collapse_fraction,
        "Anode skeleton contact fraction": anode.skeleton_volume_fraction if percolates else 0.0,
        "Anode Li load fraction": skeleton_load_fraction(anode),
        "Anode Li diffusivity [m2.s-1]": li.require("li_diffusivity"),
        "Anode Li diffusion activation energy [J.mol-1]":
            li.require("li_diffusion_activation_energy"),
        "Anode diffusion length [m]": anode.thickness,
        "Anode skeleton-path diffusivity [m2.s-1]": skeleton_path_diffusivity(anode),
        **skeleton_path_parameters(anode),
        "Anode Li channel size [m]": li_channel_size(anode),
        "Anode exhaustion width": constant("anode.exhaustion_width"),
    }


#: skeleton phase → its fitted skeleton-path parameters (``data/parameters.toml``). The values
#: were fitted to the LiBx TFA's CCDs (C11, C12) and are applied to no other skeleton.
SKELETON_PATH_FITS = {"LiBx": ("skeleton.path_length", "skeleton.path_activation_energy")}


def skeleton_path_parameters(anode: CompositeAnode) -> dict[str, float]:
    """Supply length and activation energy of the skeleton path of ``anode``.

    Only skeletons with a measured composite diffusivity have a skeleton path (else its
    diffusivity is 0 and these values do not matter); their length and activation energy are
    the fitted values of that skeleton (:data:`SKELETON_PATH_FITS`). A skeleton with a
    measured diffusivity but no fitted path raises :class:`ParameterError` rather than
    silently borrowing LiBx's values.
    """
    li = get_phase("Li")
    neutral = {"Anode skeleton-path activation energy [J.mol-1]":
               li.require("li_diffusion_activation_energy"),
               "Anode skeleton-path length [m]": anode.thickness}
    if skeleton_path_diffusivity(anode) == 0.0:
        return neutral
    assert anode.skeleton is not None  # a skeleton path needs a skeleton
    names = SKELETON_PATH_FITS.get(anode.skeleton.name)
    if names is None:
        raise ParameterError(
            f"skeleton {anode.skeleton.name!r} has a composite diffusivity but no fitted "
            "skeleton-path length and activation energy; set them with overrides "
            "('Anode skeleton-path length [m]', 'Anode skeleton-path activation energy "
            "[J.mol-1]') or fit them (tfalab fit)")
    length, energy = (fitted(n).value for n in names)
    return {"Anode skeleton-path activation energy [J.mol-1]": energy,
            "Anode skeleton-path length [m]": min(length, anode.thickness)}


def material_parameters() -> dict[str, float]:
    """The materials layer: Li, Li6PS5Cl, the Li|Li6PS5Cl interface, filaments, the short.

    The same for every laboratory; what differs between cells is the build
    (:mod:`tfalab.cell.builds`)."""
    li = get_phase("Li")
    se = get_phase("Li6PS5Cl")
    assert li.molar_volume is not None  # phases.toml gives Li its density and formula
    return {
        "Li molar volume [m3.mol-1]": li.molar_volume,
        "Li creep stress exponent": li.require("creep_stress_exponent"),
        "Li flow stress at 1 um, 25 C [Pa]": li.require("flow_stress_1um_25C"),
        "Li flow stress at 1 um, 90 C [Pa]": li.require("flow_stress_1um_90C"),
        "Li size exponent, 25 C": li.require("size_exponent_25C"),
        "Li size exponent, 90 C": li.require("size_exponent_90C"),
        "Li bulk yield stress [Pa]": li.require("bulk_yield_stress"),
        "Li reference strain rate [s-1]": li.require("flow_reference_strain_rate"),
        "Maximum creep velocity [m.s-1]": constant("interface.maximum_creep_velocity"),
        "Reference temperature [K]": li.require("reference_temperature"),
        "Electrolyte conductivity activation energy [J.mol-1]":
            se.require("ionic_conduction_activation_energy"),
        "Electrolyte reference temperature [K]": se.require("reference_temperature"),
        "Electrolyte fracture toughness [Pa.m-0.5]": se.require("fracture_toughness"),
        "Flaw geometry factor": constant("electrolyte.flaw_geometry_factor"),
        "Pore percolation threshold": constant("electrolyte.percolation_threshold"),
        "Exchange current density [A.m-2]": fitted("interface.exchange_current_density").value,
        "Exchange current activation energy [J.mol-1]":
            constant("interface.exchange_activation_energy"),
        "Interface capacitance [F.m-2]": fitted("interface.capacitance").value,
        "Interphase growth constant [Ohm.m2.s-0.5]": fitted("interface.interphase_growth").value,
        "Interphase activation energy [J.mol-1]":
            constant("interface.interphase_activation_energy"),
        "Filament tip fraction": fitted("filament.tip_fraction").value,
        "Shunt resistance [Ohm.m2]": constant("short.shunt_resistance"),
        "Shunt transition width [m]": constant("short.transition_width"),
        "Voltage limit [V]": constant("cell.voltage_limit"),
    }


#: Default operating conditions of the parameter sets (the paper's symmetric cells).
DEFAULT_CONDITIONS = {"pressure": "20 MPa", "temperature": "80 degC", "area": None}

#: named anode designs (the anode layer); "li" takes the build's Li foil thickness
ANODE_PRESETS = {"tfa": "the paper's TFA: LiBx skeleton, 60 wt% free Li, 100 um, 6.6 % pores",
                 "li": "bare Li foil of the build's li_foil_thickness"}
_ALIASES = {"tfa": "tfa", "li-b": "tfa", "libx": "tfa", "li": "li", "bare": "li",
            "bare li": "li", "li metal": "li"}

#: temperatures the model accepts (K): Li melts at 180.5 degC
T_MIN, T_MAX = 200.0, 453.0
#: stack pressures the model accepts (Pa)
P_MAX = 1e9


def load_anode_file(path: str | Path) -> CompositeAnode:
    """A :class:`CompositeAnode` from a TOML file with the keys of ``CompositeAnode``.

    ``skeleton``, ``free_li``, ``thickness``, ``porosity``, ``collapse_fraction`` in friendly
    units (``thickness = "50 um"``); a ``[anode]`` table may hold them.
    """
    raw = read_toml(path, "anode file")
    raw = raw.get("anode", raw)
    if not isinstance(raw, dict) or not set(raw) - {"name", "description"}:
        raise ParameterError(f"anode file {str(path)!r} sets no anode value; give at least one "
                             f"of skeleton, free_li, thickness, porosity, collapse_fraction "
                             f"(under [anode] or at the top)")
    allowed = {"skeleton", "free_li", "thickness", "porosity", "collapse_fraction"}
    unknown = set(raw) - allowed - {"name", "description"}
    if unknown:
        raise ParameterError(f"anode file {str(path)!r}: unknown keys {sorted(unknown)}; "
                             f"allowed: {sorted(allowed)}")
    kw = {k: v for k, v in raw.items() if k in allowed}
    if kw.get("skeleton") in ("", "none", "None"):
        kw["skeleton"] = None
    return CompositeAnode(**kw)


def make_anode(anode: str | Path | CompositeAnode | dict[str, Any],
               build: str | Path | Build | None = None) -> CompositeAnode:
    """The anode layer: ``"tfa"`` (the paper's TFA), ``"li"`` (bare Li foil of the build's
    thickness, 100 µm by default), a TOML file, a config dict or a CompositeAnode.

    >>> make_anode("li").thickness
    0.0001
    """
    if build is not None:
        build = load_build(build)  # a given build is checked even where it is not used
    if isinstance(anode, CompositeAnode):
        return anode
    if isinstance(anode, Mapping):
        if not anode:
            raise ParameterError(f"anode: an empty config sets no anode value; give 'tfa', "
                                 f"'li' or keys from {', '.join(CONFIG_KEYS)}")
        return CompositeAnode.from_config(anode)
    if not isinstance(anode, str | Path):
        raise ParameterError(f"anode must be 'tfa', 'li', a .toml file or a CompositeAnode, "
                             f"got {type(anode).__name__}")
    text = str(anode).strip()
    key = _ALIASES.get(text.lower())
    if key == "tfa":
        return CompositeAnode()
    if key == "li":
        return CompositeAnode.bare_li(load_build(build).value("li_foil_thickness"))
    if text.endswith(".toml") or Path(text).is_file():
        return load_anode_file(text)
    raise ParameterError(f"unknown anode {anode!r}; use one of {sorted(ANODE_PRESETS)}, "
                         "a .toml anode file or a CompositeAnode")


def conditions(pressure: str | float, temperature: str | float) -> tuple[float, float]:
    """Stack pressure (Pa) and temperature (K), checked to lie in the model's range."""
    p = to_si(pressure, "pressure", "pressure")
    t = to_si(temperature, "temperature", "temperature")
    if not (math.isfinite(p) and 0 <= p <= P_MAX):
        raise ParameterError(f"pressure must lie in 0-1000 MPa, got {pressure!r}")
    if not (math.isfinite(t) and T_MIN <= t <= T_MAX):
        raise ParameterError(f"temperature must lie in {T_MIN - 273.15:.5g} to "
                             f"{T_MAX - 273.15:.5g} degC ({T_MIN:g}-{T_MAX:g} K; solid Li "
                             f"melts at 180.5 degC), got {temperature!r}")
    return p, t


#: parameters set by an argument of :func:`symmetric_parameters`, not by overrides
_OWN_ARGUMENT = {"Stack pressure [Pa]": "pressure", "Ambient temperature [K]": "temperature",
                 "Electrode area [m2]": "area"}


def symmetric_parameters(anode: str | CompositeAnode = "tfa", pressure: str | float = "20 MPa",
                         temperature: str | float = "80 degC",
                         area: str | float | None = None,
                         overrides: dict[str, Any] | None = None,
                         build: str | Path | Build | dict[str, Any] | None = None,
                         relative_density: str | float | None = None) -> dict[str, Any]:
    """The full parameter dict of a symmetric cell (both electrodes made of ``anode``).

    Materials + the cell ``build`` (default ``"Zhang2025"``; its pellet moved to
    ``relative_density`` if given) + the anode design, then ``overrides`` (PyBaMM names, SI;
    the build file's own overrides first).

    >>> p = symmetric_parameters("li", pressure="10 MPa")
    >>> p["Stack pressure [Pa]"], p["Anode Li load fraction"]
    (10000000.0, 1.0)
    """
    own = {k: arg for k, arg in _OWN_ARGUMENT.items() if k in overrides_dict(overrides)}
    if own:
        raise ParameterError(f"overrides: {sorted(own)} contradict the argument(s) that set "
                             f"them; use {', '.join(f'{a}=' for a in own.values())} instead, "
                             f"got overrides={dict(overrides or {})!r}")
    b = load_build(build)
    a = make_anode(anode, b)
    p, t = conditions(pressure, temperature)
    ar = b.area if area is None else to_si(area, "area", "area")
    if not (math.isfinite(ar) and ar > 0):
        raise ParameterError(f"electrode area must be positive, got {area!r}")
    out: dict[str, Any] = {**material_parameters(), **b.parameters(relative_density),
                           **anode_parameters(a),
                           "Stack pressure [Pa]": p, "Ambient temperature [K]": t,
                           "Electrode area [m2]": ar, "Current function [A]": 0.0}
    if b.overrides:
        apply_overrides(out, b.overrides)
    # the basis of C-rates in a pybamm.Experiment: one electrode's free Li
    out["Nominal cell capacity [A.h]"] = out["Anode free-Li capacity [C.m-2]"] * ar / 3600.0
    return apply_overrides(out, overrides)


def parameter_values(build: str | Path | Build | None = None,
                     anode: str | CompositeAnode = "tfa", pressure: str | float = "20 MPa",
                     temperature: str | float = "80 degC", area: str | float | None = None,
                     relative_density: str | float | None = None,
                     overrides: dict[str, Any] | None = None) -> Any:
    """A ``pybamm.ParameterValues`` composed of the three layers: materials, ``build``, anode.

    >>> pv = parameter_values(build="Zhang2025", anode="li", pressure="5 MPa")
    >>> pv["Stack pressure [Pa]"]
    5000000.0
    """
    import pybamm

    return pybamm.ParameterValues(symmetric_parameters(
        anode, pressure, temperature, area, overrides, build, relative_density))


def overrides_dict(overrides: Any) -> dict[str, Any]:
    """``overrides`` as a plain dict, checked to be a mapping (None: empty)."""
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ParameterError(f"overrides must map parameter names to values, e.g. "
                             f"{{'Exchange current density [A.m-2]': 10.0}}, got {overrides!r}")
    return dict(overrides)


def apply_overrides(params: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """``params`` updated with ``overrides`` (only names it has), then checked."""
    overrides = overrides_dict(overrides)
    if overrides:
        unknown = {k for k in overrides if not isinstance(k, str)} | (set(overrides)
                                                                      - set(params))
        if unknown:
            raise ParameterError(f"unknown parameter(s) {sorted(map(str, unknown))}")
        for key, value in overrides.items():
            number = isinstance(value, int | float | np.number) and not isinstance(value, bool)
            if isinstance(params[key], int | float) and not number:
                raise ParameterError(f"override {key!r} must be a number (SI), got {value!r}")
        params.update(overrides)
    check_parameters(params)
    return params


_POSITIVE = ("Li molar volume [m3.mol-1]", "Electrolyte pore size spread",
             "Initial interphase resistance [Ohm.m2]", "Creep length [m]",
             "Electrolyte thickness [m]",
             "Flaw size [m]",
             "Electrolyte conductivity [S.m-1]", "Exchange current density [A.m-2]",
             "Electrolyte pore median size [m]", "Electrode area [m2]", "Anode thickness [m]",
             "Anode Li channel size [m]", "Interface capacitance [F.m-2]",
             "Filament tip fraction", "Shunt resistance [Ohm.m2]",
             "Electrolyte fracture toughness [Pa.m-0.5]", "Ambient temperature [K]",
             "Anode Li diffusivity [m2.s-1]", "Holder stiffness [Pa.m-1]",
             "Anode diffusion length [m]", "Anode skeleton-path length [m]")


def check_parameters(p: dict[str, Any]) -> None:
    """Raise :class:`ParameterError` for non-physical values (only plain numbers are checked):
    every number finite, every absolute temperature (``[K]``) positive, and the ranges below."""
    for key, v in p.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            continue
        if not math.isfinite(v):
            raise ParameterError(f"{key} must be finite, got {v}")
        if key.endswith("[K]") and not v > 0:
            raise ParameterError(f"{key} is an absolute temperature and must be > 0 K, got {v}")
    for key in _POSITIVE:
        v = p.get(key)
        if isinstance(v, int | float) and not v > 0:
            raise ParameterError(f"{key} must be positive, got {v}")
    for key in ("Anode porosity", "Anode collapse fraction", "Anode skeleton contact fraction",
                "Anode Li load fraction", "Pore percolation threshold",
                "Initial Li contact fraction", "Electrolyte relative density",
                "Filament tip fraction"):
        v = p.get(key)
        if isinstance(v, int | float) and not 0 <= v <= 1:
            raise ParameterError(f"{key} must lie in [0, 1], got {v}")
    for key in ("Stack pressure [Pa]", "Anode skeleton-path diffusivity [m2.s-1]"):
        v = p.get(key)
        if isinstance(v, int | float) and v < 0:
            raise ParameterError(f"{key} must be >= 0, got {v}")


def Zhang2025_TFA() -> dict[str, Any]:
    """PyBaMM parameter set: TFA|Li6PS5Cl|TFA, 60 wt% free Li, 100 µm, 20 MPa, 80 °C, in the
    paper's cell build ``Zhang2025``."""
    return symmetric_parameters("tfa", build="Zhang2025")


def Zhang2025_Li() -> dict[str, Any]:
    """PyBaMM parameter set: Li|Li6PS5Cl|Li, 100 µm Li, 20 MPa, 80 °C, in the paper's cell
    build ``Zhang2025``."""
    return symmetric_parameters("li", build="Zhang2025")
