"""Li adsorption energies on slabs, the seed paper's Eq. 1.

E_ads = E(slab+Li) − E(slab) − E(Li), in eV, with two references for E(Li), both reported:

* ``atom``: an isolated Li atom in a large box (the paper's choice, judging by its −1.56 eV on
  Li(001), close to Li's cohesive energy);
* ``bulk``: the energy per atom of relaxed bcc Li (E_ads then measures deposition from the
  metal: negative means the surface binds Li more strongly than Li metal does).

Every structure is relaxed with the calculator until all forces are below ``fmax`` (eV/Å); the
bottom half of each slab is fixed at bulk positions.

>>> round(adsorption_energy(-101.0, -99.2, -0.3), 6)    # eV
-1.5
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, cast

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
    adsorption_sites,
    check_miller,
    check_slab,
    make_slab,
    to_atoms,
)
from tfalab.errors import ParameterError

#: Edge (Å) of the cubic box holding the isolated Li atom.
ATOM_BOX = 15.0


def adsorption_energy(e_slab_li: float, e_slab: float, e_li: float) -> float:
    """Eq. 1 of the seed paper: E(slab+Li) − E(slab) − E(Li) (all in eV)."""
    return float(e_slab_li - e_slab - e_li)


@dataclass
class LiReference:
    """Energies (eV) of the Li references: isolated atom and bulk bcc Li per atom."""

    atom: float
    bulk: float
    bulk_lattice: float  #: relaxed bcc lattice parameter, Å
    calculator: str

    @property
    def cohesive_energy(self) -> float:
        """E(atom) − E(bulk per atom), eV (experiment: 1.63 eV)."""
        return self.atom - self.bulk


def li_reference(calculator: Any = None, fmax: float = FMAX,
                 cache: ResultCache | None = None) -> LiReference:
    """Relax bcc Li (cell and positions) and compute the isolated-atom energy."""
    from ase import Atoms

    calc = get_calculator(calculator)
    key = (cache or ResultCache()).key("li-reference", calc=calculator_id(calc), fmax=fmax,
                                       box=ATOM_BOX)
    if cache and (hit := cache.get(key)):
        return LiReference(**hit)
    bulk = relax(to_atoms("Li"), calc, fmax=fmax, cell=True)
    atom = Atoms("Li", positions=[[ATOM_BOX / 2] * 3], cell=[ATOM_BOX] * 3, pbc=True)
    atom.calc = calc
    ref = LiReference(float(atom.get_potential_energy()), bulk.energy / len(bulk.atoms),
                      float(bulk.atoms.cell.lengths()[0]), calculator_id(calc))
    if cache:
        cache.put(key, asdict(ref))
    return ref


@dataclass
class SiteEnergy:
    """One adsorption site after relaxation (energies eV, positions Å)."""

    kind: str
    near: str  #: species of the nearest surface atoms
    initial_position: tuple[float, float, float]
    final_position: tuple[float, float, float]
    energy: float  #: E(slab+Li)
    e_ads_atom: float  #: Eq. 1 with the isolated-atom reference
    e_ads_bulk: float  #: Eq. 1 with the bulk-Li reference
    fmax: float
    steps: int
    height: float  #: final height of the adatom above the top surface atom, Å


@dataclass
class AdsorptionResult:
    """Li adsorption on one surface: the relaxed clean slab and every site tried."""

    surface: str
    n_atoms: int
    e_slab: float
    reference: LiReference
    sites: list[SiteEnergy] = field(default_factory=list)
    fmax: float = FMAX

    @property
    def best(self) -> SiteEnergy:
        """The most stable site (lowest E_ads)."""
        return min(self.sites, key=lambda s: s.e_ads_atom)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (eV, Å)."""
        d = asdict(self)
        d["best_site"] = self.best.kind
        d["e_ads_atom_best"] = self.best.e_ads_atom
        d["e_ads_bulk_best"] = self.best.e_ads_bulk
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AdsorptionResult:
        """Inverse of :meth:`to_dict`."""
        sites = [SiteEnergy(**cast(dict[str, Any],  # JSON fields, lists back to tuples
                                   {k: tuple(v) if isinstance(v, list) else v
                                    for k, v in s.items()})) for s in d["sites"]]
        return cls(d["surface"], d["n_atoms"], d["e_slab"], LiReference(**d["reference"]),
                   sites, d.get("fmax", FMAX))


def surface_slab(phase: Any, miller: tuple[int, int, int] | None = None,
                 calculator: Any = None, relax_bulk: bool = True, fmax: float = FMAX,
                 **slab_kw: Any) -> Any:
    """Slab of a phase name (or structure) cut from its relaxed bulk; ``slab_kw`` go to
    :func:`~tfalab.atomistic.structures.make_slab`."""
    if miller is None:
        if not isinstance(phase, str) or phase not in CANDIDATES:
            raise ParameterError("give the Miller index of the surface")
        miller = CANDIDATES[phase].surface
    miller = check_miller(miller)  # before the (slow) bulk relaxation
    bulk = to_atoms(phase)
    if relax_bulk:
        bulk = relax(bulk, calculator, fmax=fmax, cell=True).atoms
    return make_slab(bulk, miller, **slab_kw)


def adsorb(slab: Any, calculator: Any = None, max_sites: int | None = 3,
           fmax: float = FMAX, steps: int = 300, reference: LiReference | None = None,
           surface: str = "", cache: ResultCache | None = None,
           progress: Callable[[str], None] | None = None) -> AdsorptionResult:
    """Relax ``slab`` clean and with one Li on each symmetry-distinct site; Eq. 1 energies.

    Each relaxation is cached (when ``cache`` is given), so an interrupted run resumes.
    """
    calc = get_calculator(calculator)
    check_slab(slab)
    check_elements(slab, calc)
    cache = cache or ResultCache()
    cid = calculator_id(calc)
    ref = reference or li_reference(calc, fmax=fmax, cache=cache)
    surface = surface or f"{slab.get_chemical_formula()}{slab.info.get('miller', '')}"
    fp = structure_fingerprint(slab)
    key = cache.key("slab", calc=cid, slab=fp, fmax=fmax, steps=steps)
    hit = cache.get(key)
    if hit:
        e_slab, top = hit["energy"], hit["top"]
    else:
        clean = relax(slab, calc, fmax=fmax, steps=steps)
        e_slab, top = clean.energy, float(clean.atoms.positions[:, 2].max())
        cache.put(key, {"energy": e_slab, "top": top})
    result = AdsorptionResult(surface, len(slab), e_slab, ref, fmax=fmax)
    sites = adsorption_sites(slab, max_sites=max_sites)
    for i, site in enumerate(sites):
        if progress:
            progress(f"{surface}: site {i + 1}/{len(sites)} ({site.kind})")
        skey = cache.key("site", calc=cid, slab=fp, fmax=fmax, steps=steps,
                         pos=[round(x, 4) for x in site.position])
        hit = cache.get(skey)
        if hit is None:
            from ase import Atom

            work = slab.copy()
            work.append(Atom("Li", site.position))
            r = relax(work, calc, fmax=fmax, steps=steps)
            hit = {"energy": r.energy, "final": [float(x) for x in r.atoms.positions[-1]],
                   "fmax": r.fmax, "steps": r.steps,
                   "top": float(r.atoms.positions[:-1, 2].max())}
            cache.put(skey, hit)
        e = hit["energy"]
        result.sites.append(SiteEnergy(
            site.kind, site.near, site.position, tuple(hit["final"]), e,
            adsorption_energy(e, e_slab, ref.atom), adsorption_energy(e, e_slab, ref.bulk),
            hit["fmax"], hit["steps"], hit["final"][2] - hit["top"]))
    if not all(math.isfinite(s.energy) for s in result.sites):
        raise ParameterError("non-finite adsorption energy")
    return result


#: The paper's two surfaces: name -> (phase, Miller index).
PAPER_SURFACES = {"Li(001)": ("Li", (0, 0, 1)), "LiBx(110)": ("LiBx", (1, 1, 0))}


def paper_adsorption(calculator: Any = None, max_sites: int = 3, fmax: float = FMAX,
                     thickness: float = 7.0, cache: ResultCache | None = None,
                     progress: Callable[[str], None] | None = None
                     ) -> dict[str, AdsorptionResult]:
    """E_ads on Li(001) and LiBx(110) (the paper's Fig. 3a), one shared Li reference."""
    calc = get_calculator(calculator)
    ref = li_reference(calc, fmax=fmax, cache=cache)
    out = {}
    for name, (phase, miller) in PAPER_SURFACES.items():
        if progress:
            progress(f"{name}: relaxing bulk and building the slab")
        slab = surface_slab(phase, miller, calc, fmax=fmax, thickness=thickness)
        out[name] = adsorb(slab, calc, max_sites=max_sites, fmax=fmax, reference=ref,
                           surface=name, cache=cache, progress=progress)
    return out


def site_table(results: dict[str, AdsorptionResult]) -> Any:
    """All sites of ``results`` as a pandas table (eV, Å)."""
    import pandas as pd

    rows = []
    for name, res in results.items():
        for s in res.sites:
            rows.append({"surface": name, "site": s.kind, "near": s.near,
                         "E_ads_atom_eV": s.e_ads_atom, "E_ads_bulk_eV": s.e_ads_bulk,
                         "height_A": s.height,
                         "fmax_eV_A": s.fmax, "n_slab_atoms": res.n_atoms})
    return pd.DataFrame(rows)


__all__ = ["ATOM_BOX", "PAPER_SURFACES", "AdsorptionResult", "LiReference", "SiteEnergy",
           "adsorb", "adsorption_energy", "li_reference", "paper_adsorption", "site_table",
           "surface_slab"]

