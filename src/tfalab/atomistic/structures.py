"""Bulk structures, slabs and adsorption sites of Li and candidate skeleton phases.

Structures are built from standard lattice data (:data:`CANDIDATES`, each with its source) as
pymatgen structures and converted to ASE atoms for the calculators. Lengths are in Å here (the
convention of structure files), densities in kg/m³.

>>> s = bulk_structure("Li3N")
>>> s.composition.reduced_formula, len(s)
('Li3N', 4)
>>> sorted(CANDIDATES)[:3]
['Li', 'Li2O', 'Li3N']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from tfalab.errors import DataFileError, ParameterError, UnknownPhaseError

#: Closest approach (Å) accepted between two atoms: shorter means overlapping atoms.
MIN_DISTANCE = 0.7
#: Vacuum (Å) a slab must have between its periodic images.
MIN_VACUUM = 12.0


class SlabError(ParameterError):
    """A slab is malformed (no or too little vacuum, no surface normal along c)."""


def _reference(phase: str) -> Any:
    from tfalab.analysis.xrd import reference_structure

    return reference_structure(phase).copy()


def _from_spacegroup(sg: str, a: float, c: float | None, sites: list[tuple[str, tuple]]) -> Any:
    from pymatgen.core import Lattice, Structure

    lattice = Lattice.cubic(a) if c is None else Lattice.hexagonal(a, c)
    return Structure.from_spacegroup(sg, lattice, [s for s, _ in sites], [x for _, x in sites])


def _lial() -> Any:
    from pymatgen.core import Lattice, Structure

    fcc = [(0, 0, 0), (0, 0.5, 0.5), (0.5, 0, 0.5), (0.5, 0.5, 0)]
    species, coords = [], []
    for el, shifts in (("Al", [(0, 0, 0), (0.25, 0.25, 0.25)]),
                       ("Li", [(0.5, 0.5, 0.5), (0.75, 0.75, 0.75)])):
        for s in shifts:
            for f in fcc:
                species.append(el)
                coords.append([(f[i] + s[i]) % 1.0 for i in range(3)])
    return Structure(Lattice.cubic(6.37), species, coords).get_primitive_structure()


@dataclass(frozen=True)
class Candidate:
    """A phase with its structure recipe (lattice in Å), source and default surface."""

    name: str
    build: Callable[[], Any]
    lattice: str  #: human text: space group and lattice parameters (Å)
    source: str
    surface: tuple[int, int, int]  #: Miller index of the surface used for adsorption
    note: str = ""


#: Li and the candidate skeleton phases, from standard crystallographic data (see
#: docs/atomistic.md). Every structure is relaxed with the calculator before use.
CANDIDATES: dict[str, Candidate] = {c.name: c for c in (
    Candidate("Li", lambda: _reference("Li"), "Im-3m (bcc), a = 3.51",
              "CRC Handbook; Wyckoff, Crystal Structures (tfalab.analysis.xrd)", (0, 0, 1)),
    Candidate("LiBx", lambda: _reference("LiBx"), "P6_3/mmc, a = 4.02, c = 3.10 (LiB cell)",
              "Woerle & Nesper, Angew. Chem. Int. Ed. 39, 2349 (2000); Hermann et al., JACS "
              "134, 18606 (2012) (tfalab.analysis.xrd)", (1, 1, 0),
              "Li5B4 of the paper modelled by the fully occupied LiB cell (B chains along c)"),
    Candidate("Li3N", lambda: _from_spacegroup(
        "P6/mmm", 3.648, 3.875,
        [("N", (0, 0, 0)), ("Li", (0, 0, 0.5)), ("Li", (1 / 3, 2 / 3, 0))]),
        "P6/mmm, a = 3.648, c = 3.875",
        "Rabenau & Schultz, J. Less-Common Met. 50, 155 (1976)", (1, 0, 0)),
    Candidate("LiF", lambda: _from_spacegroup(
        "Fm-3m", 4.027, None, [("Li", (0, 0, 0)), ("F", (0.5, 0.5, 0.5))]),
        "Fm-3m (rock salt), a = 4.027", "CRC Handbook; Wyckoff, Crystal Structures",
        (1, 0, 0)),
    Candidate("Li2O", lambda: _from_spacegroup(
        "Fm-3m", 4.611, None, [("O", (0, 0, 0)), ("Li", (0.25, 0.25, 0.25))]),
        "Fm-3m (antifluorite), a = 4.611",
        "Hull et al., J. Nucl. Mater. 160, 125 (1988), 293 K", (1, 1, 1)),
    Candidate("LiMg", lambda: _from_spacegroup(
        "Pm-3m", 3.48, None, [("Li", (0, 0, 0)), ("Mg", (0.5, 0.5, 0.5))]),
        "Pm-3m (B2, CsCl), a = 3.48",
        "ordered model of the bcc beta Li-Mg solid solution near 50 at% Mg (a ~ 3.48 A; "
        "Hume-Rothery et al., J. Inst. Met. 1945; Nayeb-Hashemi et al., Bull. Alloy Phase "
        "Diagr. 5, 365 (1984))", (1, 1, 0),
        "the real beta phase is disordered; B2 is the usual ordered stand-in"),
    Candidate("LiAl", _lial, "Fd-3m (B32, NaTl), a = 6.37",
              "Zintl & Brauer, Z. Phys. Chem. B 20, 245 (1933); Kishio & Brittain, J. Phys. "
              "Chem. Solids 40, 933 (1979)", (1, 1, 0)),
)}

#: The skeleton candidates screened by default (Li is the reference).
DEFAULT_SCREEN = ("LiBx", "Li3N", "LiF", "Li2O", "LiMg")


def bulk_structure(name: str) -> Any:
    """Unrelaxed pymatgen structure of a phase in :data:`CANDIDATES` (aliases: Li5B4, LiB)."""
    key = {"li5b4": "LiBx", "lib": "LiBx", "libx": "LiBx"}.get(name.strip().lower(), name)
    for known in CANDIDATES:
        if known.lower() == key.strip().lower():
            return CANDIDATES[known].build()
    raise UnknownPhaseError(f"no atomistic structure for phase {name!r}; known: "
                            f"{', '.join(CANDIDATES)} (or pass a pymatgen Structure / ASE Atoms)")


#: Largest |h|, |k|, |l| accepted in a Miller index (higher-index surfaces need huge cells).
MAX_MILLER = 9


def check_miller(miller: Any, name: str = "miller") -> tuple[int, int, int]:
    """``miller`` as three integers, or :class:`~tfalab.errors.ParameterError`: not three
    integers, all zero (no plane) or an index beyond ±:data:`MAX_MILLER`.

    >>> check_miller((1, 1, 0))
    (1, 1, 0)
    """
    import numbers

    try:
        items = tuple(miller)
    except TypeError:
        items = ()
    if len(items) != 3 or not all(isinstance(i, numbers.Integral) and not isinstance(i, bool)
                                  for i in items):
        raise ParameterError(f"{name} {miller!r} must be three integers (h, k, l), e.g. "
                             "(1, 1, 0)")
    hkl = cast(tuple[int, int, int], tuple(int(i) for i in items))
    if hkl == (0, 0, 0):
        raise ParameterError(f"{name} {hkl} is not a plane: at least one of h, k, l must be "
                             "non-zero, e.g. (0, 0, 1)")
    if max(abs(i) for i in hkl) > MAX_MILLER:
        raise ParameterError(f"{name} {hkl}: each index must be between -{MAX_MILLER} and "
                             f"{MAX_MILLER}")
    return hkl


def read_structure(path: Any) -> Any:
    """ASE atoms from a structure file (any format ASE reads: CIF, POSCAR, xyz, traj, ...);
    :class:`~tfalab.errors.DataFileError` naming the file when it cannot be read or holds
    no atoms."""
    from ase.io import read

    try:
        atoms = read(str(path))
    except (StopIteration, IndexError) as exc:  # ASE's way of saying "no structure here"
        raise DataFileError(f"structure file {str(path)!r} holds no structure ASE can read"
                            f"{': ' + str(exc) if str(exc) else ''}; give a CIF, POSCAR, xyz "
                            "or traj file with atoms") from None
    except Exception as exc:  # ASE's readers raise anything on junk
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise DataFileError(f"structure file {str(path)!r} cannot be read as a structure ("
                            f"{type(exc).__name__}{': ' + text if text else ''}); give a CIF, "
                            "POSCAR, xyz or traj file ASE can read") from None
    if isinstance(atoms, list):
        if not atoms:
            raise DataFileError(f"structure file {str(path)!r} holds no structure")
        atoms = atoms[-1]
    if len(atoms) == 0:
        raise DataFileError(f"structure file {str(path)!r} holds no atoms")
    return atoms


def to_atoms(obj: Any) -> Any:
    """ASE :class:`~ase.Atoms` from atoms, a pymatgen structure, a phase name or a file path."""
    from ase import Atoms

    if isinstance(obj, Atoms):
        return obj.copy()
    if isinstance(obj, str):
        from pathlib import Path

        if Path(obj).is_file():
            return read_structure(obj)
        looks_like_path = "/" in obj or "\\" in obj or bool(Path(obj).suffix)
        if looks_like_path and not any(k.lower() == obj.strip().lower() for k in CANDIDATES):
            raise DataFileError(f"structure {obj!r} is neither a phase ({', '.join(CANDIDATES)})"
                                " nor an existing structure file")
        obj = bulk_structure(obj)
    from pymatgen.core import Structure

    if isinstance(obj, Structure):
        from pymatgen.io.ase import AseAtomsAdaptor

        atoms = AseAtomsAdaptor.get_atoms(obj)
        atoms.info = {}
        return atoms
    raise ParameterError(f"cannot make atoms from {type(obj).__name__}; pass ASE Atoms, a "
                         "pymatgen Structure, a phase name or a structure file")


def min_distance(atoms: Any) -> float:
    """Shortest interatomic distance (Å), periodic images included (inf for one atom)."""
    if len(atoms) < 2 and not any(atoms.pbc):
        return math.inf
    from ase.neighborlist import neighbor_list

    d = neighbor_list("d", atoms, 3.0, self_interaction=False)
    return float(d.min()) if len(d) else math.inf


def check_structure(atoms: Any, min_dist: float = MIN_DISTANCE) -> None:
    """Raise :class:`~tfalab.errors.ParameterError` for empty cells or overlapping atoms."""
    if len(atoms) == 0:
        raise ParameterError("structure has no atoms")
    if any(atoms.pbc) and abs(atoms.cell.volume) < 1e-6:
        raise ParameterError("periodic structure has a zero-volume cell")
    d = min_distance(atoms)
    if d < min_dist:
        raise ParameterError(f"overlapping atoms in {atoms.get_chemical_formula()}: two atoms "
                             f"are {d:.3f} A apart (minimum {min_dist} A)")


def vacuum_thickness(atoms: Any) -> float:
    """Largest empty gap (Å) along the cell's third axis, measured normal to the surface."""
    cell = np.asarray(atoms.cell, float)
    normal = np.cross(cell[0], cell[1])
    norm = np.linalg.norm(normal)
    if norm == 0:
        raise SlabError("slab cell has parallel in-plane vectors")
    height = abs(float(np.dot(cell[2], normal / norm)))
    z = np.sort(atoms.get_scaled_positions(wrap=True)[:, 2])
    gaps = np.diff(np.concatenate([z, [z[0] + 1.0]]))
    return float(gaps.max() * height)


def check_slab(atoms: Any, min_vacuum: float = MIN_VACUUM) -> None:
    """Raise :class:`SlabError` unless the slab has ``min_vacuum`` Å of vacuum along c."""
    check_structure(atoms)
    vac = vacuum_thickness(atoms)
    if vac < min_vacuum:
        raise SlabError(f"slab {atoms.get_chemical_formula()} has {vac:.1f} A of vacuum along "
                        f"c; at least {min_vacuum} A is needed so that the surfaces do not "
                        "interact through the periodic images")


def supercell_reps(atoms: Any, min_width: float) -> tuple[int, int, int]:
    """Repetitions along a, b, c making every perpendicular cell width ≥ ``min_width`` Å."""
    cell = np.asarray(atoms.cell, float)
    vol = abs(np.linalg.det(cell))
    reps = []
    for i in range(3):
        j, k = (i + 1) % 3, (i + 2) % 3
        width = vol / np.linalg.norm(np.cross(cell[j], cell[k]))
        reps.append(max(1, math.ceil(min_width / width - 1e-9)))
    return tuple(reps)  # type: ignore[return-value]


def make_slab(bulk: Any, miller: tuple[int, int, int], thickness: float = 7.0,
              vacuum: float = 15.0, min_inplane: float = 6.0, fix_fraction: float = 0.5,
              termination: int = 0) -> Any:
    """An ASE slab of ``bulk`` with surface ``miller``, c normal to the surface (along z).

    ``thickness`` and ``vacuum`` are minimums in Å; the surface cell is repeated until both
    in-plane vectors are ≥ ``min_inplane`` Å; atoms in the bottom ``fix_fraction`` of the slab
    are fixed at bulk positions. ``termination`` picks among pymatgen's symmetric,
    non-polar terminations (else among all). ``atoms.info`` records miller and termination.
    """
    from pymatgen.analysis.adsorption import reorient_z
    from pymatgen.core import Structure
    from pymatgen.core.surface import SlabGenerator

    miller = check_miller(miller)
    for arg, value in (("thickness", thickness), ("vacuum", vacuum),
                       ("min_inplane", min_inplane), ("fix_fraction", fix_fraction)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise ParameterError(f"{arg} {value!r} must be a finite number")
    if vacuum < MIN_VACUUM:
        raise SlabError(f"vacuum {vacuum} A is below the minimum {MIN_VACUUM} A")
    if not 0 < thickness <= 100:
        raise ParameterError(f"thickness {thickness} A must be > 0 and <= 100 A")
    if not 0 <= fix_fraction < 1:
        raise ParameterError(f"fix_fraction {fix_fraction} must be >= 0 and < 1")
    if not 0 <= min_inplane <= 100:
        raise ParameterError(f"min_inplane {min_inplane} A must be between 0 and 100 A")
    if vacuum > 100:
        raise SlabError(f"vacuum {vacuum} A is above the maximum 100 A")
    if isinstance(termination, bool) or not isinstance(termination, int) or termination < 0:
        raise ParameterError(f"termination {termination!r} must be an integer >= 0")
    if not isinstance(bulk, Structure):
        from pymatgen.io.ase import AseAtomsAdaptor

        bulk = AseAtomsAdaptor.get_structure(to_atoms(bulk))
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    conv = SpacegroupAnalyzer(bulk, symprec=0.05).get_conventional_standard_structure()
    gen = SlabGenerator(conv, tuple(miller), thickness, vacuum, center_slab=True,
                        lll_reduce=True, primitive=True)
    slabs = gen.get_slabs()
    if not slabs:
        raise SlabError(f"pymatgen found no slab for {bulk.composition.reduced_formula}"
                        f"{tuple(miller)}")
    good = [s for s in slabs if s.is_symmetric() and not s.is_polar()] or slabs
    if not 0 <= termination < len(good):
        raise ParameterError(f"termination {termination} not in 0..{len(good) - 1}")
    slab = reorient_z(good[termination].get_orthogonal_c_slab())
    lengths = slab.lattice.abc
    reps = [max(1, math.ceil(min_inplane / lengths[i] - 1e-9)) for i in (0, 1)]
    slab.make_supercell([reps[0], reps[1], 1])
    atoms = to_atoms(Structure.from_sites(slab.sites))
    z = atoms.positions[:, 2]
    if fix_fraction > 0:
        from ase.constraints import FixAtoms

        cut = z.min() + fix_fraction * (z.max() - z.min()) + 1e-3
        atoms.set_constraint(FixAtoms(mask=z < cut))
    atoms.info.update(miller=tuple(int(i) for i in miller), termination=termination,
                      supercell=tuple(reps))
    check_slab(atoms)
    return atoms


def _coordination_kind(atoms: Any, point: np.ndarray,
                       height: float = 0.9) -> tuple[str | None, str]:
    """'ontop', 'bridge' or 'hollow' from the number of nearest top-layer atoms in plane,
    and the species of those atoms (e.g. 'B' or 'Li-B').

    pymatgen labels the 4-fold hollow of a square surface (bcc(001)) a 'bridge' (the midpoint
    of a Delaunay diagonal); counting the equidistant nearest surface atoms fixes that.
    """
    z = atoms.positions[:, 2]
    mask = z > z.max() - height
    top = atoms.positions[mask]
    symbols = np.asarray(atoms.get_chemical_symbols())[mask]
    cell = np.asarray(atoms.cell, float)
    shifts = [i * cell[0] + j * cell[1] for i in (-1, 0, 1) for j in (-1, 0, 1)]
    pts = np.concatenate([top + s for s in shifts])[:, :2]
    names = np.tile(symbols, len(shifts))
    r = np.linalg.norm(pts - point[:2], axis=1)
    near_mask = r < r.min() + 0.1
    near = "-".join(sorted(set(names[near_mask])))
    if r.min() < 0.3:
        return "ontop", near
    n = int(near_mask.sum())
    return ("bridge" if n == 2 else "hollow" if n >= 3 else None), near


@dataclass(frozen=True)
class AdsorptionSite:
    """A symmetry-distinct site: kind ('ontop', 'bridge', 'hollow'), position (Å) and the
    species of the nearest surface atoms."""

    kind: str
    position: tuple[float, float, float]
    near: str = ""


def adsorption_sites(slab: Any, distance: float = 2.0, max_sites: int | None = None,
                     kinds: tuple[str, ...] = ("ontop", "bridge", "hollow")
                     ) -> list[AdsorptionSite]:
    """Symmetry-distinct adsorption sites on the top surface of ``slab`` (pymatgen's
    :class:`~pymatgen.analysis.adsorption.AdsorbateSiteFinder`), ``distance`` Å above it.

    Sites are grouped by kind and by the species of the nearest surface atoms (e.g. ontop-Li,
    ontop-B); with ``max_sites`` they are taken round-robin over the groups so that every kind
    of site is represented first.
    """
    from pymatgen.analysis.adsorption import AdsorbateSiteFinder
    from pymatgen.io.ase import AseAtomsAdaptor

    atoms = to_atoms(slab)
    atoms.set_constraint()
    structure = AseAtomsAdaptor.get_structure(atoms)
    found = AdsorbateSiteFinder(structure).find_adsorption_sites(
        distance=distance, symm_reduce=0.01, near_reduce=0.01, positions=list(kinds))
    groups: dict[tuple[str, str], list[AdsorptionSite]] = {}
    for k in kinds:
        for p in found.get(k, []):
            kind, near = _coordination_kind(atoms, np.asarray(p, float))
            kind = kind or k
            groups.setdefault((kind, near), []).append(
                AdsorptionSite(kind, cast(tuple[float, float, float],  # a 3-vector
                                          tuple(map(float, p))), near))
    sites: list[AdsorptionSite] = []
    depth = max((len(v) for v in groups.values()), default=0)
    for i in range(depth):
        sites.extend(v[i] for v in groups.values() if i < len(v))
    if not sites:
        raise SlabError("no adsorption sites found on the slab's top surface")
    return sites[:max_sites] if max_sites else sites


def composition_descriptors(atoms: Any) -> dict[str, float]:
    """Density (kg/m³), Li atomic fraction and Li mass fraction of a bulk cell.

    >>> d = composition_descriptors(to_atoms("LiF"))
    >>> round(d["density_kg_m3"]), round(d["li_atomic_fraction"], 2)
    (2638, 0.5)
    """
    masses = atoms.get_masses()
    li = np.asarray(atoms.get_chemical_symbols()) == "Li"
    volume = abs(atoms.cell.volume) * 1e-30  # m³
    total = masses.sum() * 1.66053906660e-27
    return {"density_kg_m3": float(total / volume),
            "li_atomic_fraction": float(li.mean()),
            "li_mass_fraction": float(masses[li].sum() / masses.sum())}
