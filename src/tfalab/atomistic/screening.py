"""Screening of candidate skeleton phases with the same atomistic descriptors.

For each candidate (a name in :data:`~tfalab.atomistic.structures.CANDIDATES` or any
structure): density and Li content of the relaxed bulk, elastic moduli (strain–stress, VRH),
Li diffusivity from a short NVT run, and the Li adsorption energy on one surface, also relative
to Li(001)'s. Each descriptor is cached per candidate, so an interrupted screen resumes.

The table can be added to :mod:`tfalab.materials` with :func:`phase_entries`:

>>> import pandas as pd
>>> t = pd.DataFrame([{"phase": "LiF", "formula": "LiF", "density_kg_m3": 2640.0,
...                    "E_GPa": 110.0, "G_GPa": 45.0, "poisson": 0.22,
...                    "D_Li_cm2_s": 1e-9, "temperature_K": 300.0, "calculator": "chgnet"}])
>>> from tfalab.materials import phase_from_dict
>>> name, entry = next(iter(phase_entries(t).items()))
>>> name, round(phase_from_dict(name, entry).density)
('LiF (chgnet)', 2640)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any

from tfalab.atomistic.calculators import (
    FMAX,
    ResultCache,
    calculator_id,
    check_elements,
    get_calculator,
    relax,
    structure_fingerprint,
)
from tfalab.atomistic.structures import (
    CANDIDATES,
    DEFAULT_SCREEN,
    check_miller,
    check_structure,
    composition_descriptors,
    supercell_reps,
    to_atoms,
)
from tfalab.errors import ParameterError

DESCRIPTORS = ("adsorption", "diffusion", "elastic")
COLUMNS = ["phase", "formula", "n_atoms_cell", "density_kg_m3", "li_atomic_fraction",
           "li_mass_fraction", "surface", "E_ads_eV", "E_ads_bulk_ref_eV", "dE_ads_vs_Li_eV",
           "D_Li_m2_s", "D_Li_err_m2_s", "D_Li_cm2_s", "D_Li_significant", "msd_Li_A2", "K_GPa",
           "G_GPa", "E_GPa", "poisson", "mechanically_stable", "temperature_K", "calculator"]


def _candidates(candidates: Iterable[str] | Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """name -> (atoms, miller or None)."""
    if isinstance(candidates, Mapping):
        return {str(k): (to_atoms(v), None) for k, v in candidates.items()}
    out = {}
    for c in candidates:
        if isinstance(c, str):
            key = next((k for k in CANDIDATES if k.lower() == c.strip().lower()), None)
            out[key or c] = (to_atoms(c), CANDIDATES[key].surface if key else None)
        else:
            atoms = to_atoms(c)
            out[atoms.get_chemical_formula(mode="reduce")] = (atoms, None)
    if not out:
        raise ParameterError("no candidates to screen")
    return out


#: screen_one's keyword arguments: name -> (type, low, high) of the accepted range.
_KW_RANGES: dict[str, tuple[type, float, float]] = {
    "temperature_K": (float, 1.0, 5000.0), "md_steps": (int, 1, 10_000_000),
    "timestep_fs": (float, 0.01, 20.0), "md_min_width": (float, 1.0, 100.0),
    "max_sites": (int, 1, 1000), "fmax": (float, 1e-4, 10.0)}


def _check_settings(descriptors: Iterable[str], **kw: Any) -> tuple[str, ...]:
    """The descriptors as a tuple; :class:`~tfalab.errors.ParameterError` for an unknown
    descriptor or keyword, or a setting outside its range (see :data:`_KW_RANGES`)."""
    if isinstance(descriptors, str):
        descriptors = [d.strip() for d in descriptors.split(",") if d.strip()]
    try:
        found = tuple(descriptors)
    except TypeError:
        raise ParameterError(f"descriptors {descriptors!r} must be names from "
                             f"{DESCRIPTORS}") from None
    unknown = [d for d in found if d not in DESCRIPTORS]
    if unknown or not found:
        raise ParameterError(f"descriptors {list(found)}: unknown {unknown}; give one or more "
                             f"of {DESCRIPTORS}")
    for name, value in kw.items():
        if name not in _KW_RANGES:
            raise ParameterError(f"unknown screening setting {name!r}; known: "
                                 f"{', '.join(_KW_RANGES)}")
        kind, low, high = _KW_RANGES[name]
        ok_type = (isinstance(value, int) if kind is int else isinstance(value, (int, float)))
        if isinstance(value, bool) or not ok_type or not math.isfinite(value) \
                or not low <= value <= high:
            what = "an integer" if kind is int else "a number"
            raise ParameterError(f"{name} = {value!r} must be {what} between {low:g} and "
                                 f"{high:g}")
    return found


def screen_one(name: str, atoms: Any, calculator: Any = None,
               descriptors: Iterable[str] = DESCRIPTORS, miller: tuple[int, int, int] | None
               = None, li_surface: float | None = None, temperature_K: float = 300.0,
               md_steps: int = 500, timestep_fs: float = 2.0, md_min_width: float = 7.0,
               max_sites: int = 3, fmax: float = FMAX, cache: ResultCache | None = None,
               progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Descriptors of one phase as a table row (see :data:`COLUMNS`); ``li_surface`` is the
    best E_ads (eV, isolated-atom reference) on Li(001) for the relative column."""
    from tfalab.atomistic.adsorption import adsorb, li_reference
    from tfalab.atomistic.elastic import elastic_tensor
    from tfalab.atomistic.md import run_md
    from tfalab.atomistic.structures import make_slab

    descriptors = _check_settings(descriptors, temperature_K=temperature_K, md_steps=md_steps,
                                  timestep_fs=timestep_fs, md_min_width=md_min_width,
                                  max_sites=max_sites, fmax=fmax)
    if miller is not None:
        miller = check_miller(miller, f"{name}: Miller index")
    calc = get_calculator(calculator)
    cid = calculator_id(calc)
    cache = cache or ResultCache()
    say = progress or (lambda _m: None)
    fp = structure_fingerprint(atoms)
    row: dict[str, Any] = dict.fromkeys(COLUMNS, math.nan)
    row.update(phase=name, formula=atoms.get_chemical_formula(mode="reduce"), calculator=cid,
               temperature_K=temperature_K, surface="")
    say(f"{name}: relaxing bulk")
    key = cache.key("bulk", calc=cid, s=fp, fmax=fmax)
    hit = cache.get(key)
    if hit is None:
        r = relax(atoms, calc, fmax=fmax, cell=True, steps=500)
        hit = {"cell": r.atoms.cell.tolist(), "scaled": r.atoms.get_scaled_positions().tolist()}
        cache.put(key, hit)
    bulk = atoms.copy()
    bulk.set_cell(hit["cell"])
    bulk.set_scaled_positions(hit["scaled"])
    row.update(n_atoms_cell=len(bulk), **composition_descriptors(bulk))
    if "elastic" in descriptors:
        say(f"{name}: elastic constants")
        key = cache.key("elastic", calc=cid, s=fp, fmax=fmax)
        hit = cache.get(key)
        if hit is None:
            res = elastic_tensor(bulk, calc)
            hit = {**res.summary_GPa(), "mechanically_stable": res.stable}
            cache.put(key, hit)
        row.update(hit)
    if "diffusion" in descriptors and "Li" in bulk.get_chemical_symbols():
        say(f"{name}: NVT MD at {temperature_K:g} K, {md_steps} steps")
        key = cache.key("md", calc=cid, s=fp, fmax=fmax, T=temperature_K, n=md_steps,
                        dt=timestep_fs, w=md_min_width)
        hit = cache.get(key)
        if hit is None:
            cell = bulk.repeat(supercell_reps(bulk, md_min_width))
            run = run_md(cell, calc, temperature_K, md_steps, timestep_fs, seed=1,
                         progress=progress is not None)
            eq = 0.2 * md_steps * timestep_fs
            fit = run.diffusion("Li", equilibration_fs=eq)
            msd = run.msd(eq)["Li"]
            hit = {"D_Li_m2_s": fit.D, "D_Li_err_m2_s": fit.uncertainty,
                   "D_Li_cm2_s": fit.D_cm2_s, "msd_Li_A2": float(msd[-1])}
            cache.put(key, hit)
        row.update(hit)
        # sub-ps runs see vibration, not diffusion: a D within 2 sigma of 0 is not a diffusivity
        row["D_Li_significant"] = bool(hit["D_Li_m2_s"] > 2 * hit["D_Li_err_m2_s"])
    if "adsorption" in descriptors:
        if miller is None:
            raise ParameterError(f"{name}: give the surface (Miller index) for adsorption")
        row["surface"] = f"{name}({''.join(str(i) for i in miller)})"
        say(f"{name}: Li adsorption on {row['surface']}")
        slab = make_slab(bulk, miller)
        ref = li_reference(calc, fmax=fmax, cache=cache)
        ads = adsorb(slab, calc, max_sites=max_sites, fmax=fmax, reference=ref,
                     surface=row["surface"], cache=cache)
        row.update(E_ads_eV=ads.best.e_ads_atom, E_ads_bulk_ref_eV=ads.best.e_ads_bulk)
        if li_surface is not None:
            row["dE_ads_vs_Li_eV"] = ads.best.e_ads_atom - li_surface
    return row


def screen(candidates: Iterable[str] | Mapping[str, Any] = DEFAULT_SCREEN,
           calculator: Any = None, descriptors: Iterable[str] = DESCRIPTORS,
           surfaces: Mapping[str, tuple[int, int, int]] | None = None,
           cache: ResultCache | None = None, progress: Callable[[str], None] | None = None,
           on_row: Callable[[dict], None] | None = None, **kw: Any) -> Any:
    """Screen ``candidates`` (names or {name: structure}); a pandas table, one row per phase.

    ``surfaces`` overrides the Miller index per phase; ``kw`` go to :func:`screen_one`
    (temperature_K, md_steps, timestep_fs, md_min_width, max_sites, fmax). ``on_row`` is
    called after each phase (e.g. to write partial results).
    """
    import pandas as pd

    from tfalab.atomistic.adsorption import adsorb, li_reference, surface_slab

    # every candidate, surface and setting is checked before any computation
    descriptors = _check_settings(descriptors, **kw)
    todo = _candidates(candidates)
    surfaces = dict(surfaces or {})
    stray = [k for k in surfaces if k not in todo]
    if stray:
        raise ParameterError(f"surfaces given for {stray}, which are not screened; "
                             f"candidates: {list(todo)}")
    for name, (_, miller) in todo.items():
        miller = surfaces.get(name, miller)
        if miller is not None:
            surfaces[name] = check_miller(miller, f"surfaces[{name!r}]")
        elif "adsorption" in descriptors:
            raise ParameterError(f"{name}: give the surface (Miller index) for adsorption, "
                                 f"e.g. surfaces={{{name!r}: (0, 0, 1)}}")
    calc = get_calculator(calculator)
    for _, (atoms, _) in todo.items():
        check_structure(atoms)
        check_elements(atoms, calc)
    cache = cache or ResultCache()
    li_best = None
    if "adsorption" in descriptors:
        if progress:
            progress("Li(001): reference surface")
        fmax = kw.get("fmax", FMAX)
        ref = li_reference(calc, fmax=fmax, cache=cache)
        slab = surface_slab("Li", (0, 0, 1), calc, fmax=fmax)
        li_best = adsorb(slab, calc, max_sites=kw.get("max_sites", 3), fmax=fmax,
                         reference=ref, surface="Li(001)", cache=cache).best.e_ads_atom
    rows = []
    for name, (atoms, miller) in todo.items():
        miller = surfaces.get(name, miller)
        row = screen_one(name, atoms, calc, descriptors, miller, li_best, cache=cache,
                         progress=progress, **kw)
        rows.append(row)
        if on_row:
            on_row(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def phase_entries(table: Any, suffix: str | None = None) -> dict[str, dict[str, Any]]:
    """TOML-like phase entries (for :func:`tfalab.materials.register_phase`) from a screening
    table: density, Young's and shear moduli, Poisson's ratio and Li diffusivity, each marked
    uncertain with the calculator as source. Names get ``suffix`` (default " (<calculator>)")
    so they do not clash with the curated phases."""
    entries = {}
    for _, r in table.iterrows():
        src = (f"tfalab.atomistic screening with {r['calculator']} (relaxed cell; "
               "see docs/atomistic.md)")
        name = f"{r['phase']}{suffix if suffix is not None else ' (' + r['calculator'] + ')'}"
        e: dict[str, Any] = {"formula": r["formula"],
                             "description": f"{r['phase']} from atomistic screening"}

        def put(key: str, value: Any, unit: str, e: dict = e, src: str = src) -> None:
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                e[key] = {"value": float(value), "unit": unit, "source": src, "uncertain": True}

        put("density", r.get("density_kg_m3"), "kg/m**3")
        put("youngs_modulus", r.get("E_GPa"), "GPa")
        put("shear_modulus", r.get("G_GPa"), "GPa")
        put("poisson_ratio", r.get("poisson"), "")
        if r.get("D_Li_cm2_s") is not None and r.get("D_Li_significant", True) and \
                r.get("D_Li_cm2_s") > 0:
            put("li_diffusivity", r.get("D_Li_cm2_s"), "cm**2/s")
            put("reference_temperature", r.get("temperature_K"), "K")
        entries[name] = e
    return entries


__all__ = ["COLUMNS", "DESCRIPTORS", "phase_entries", "screen", "screen_one"]
_ = asdict
