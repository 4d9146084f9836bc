"""Metrics of a voxel microstructure: porosity, pore sizes, percolation, contact, surface,
tortuosity and elastic moduli.

Porosity profiles and pore sizes reuse the CT analysis (:mod:`tfalab.analysis.ct`: local
thickness via PoreSpy), so generated and measured volumes are measured the same way. Axis 0 is
the thickness, the electrolyte face is z = 0. Percolation and tortuosity use the slab of full
columns (``z < min column height``).

>>> from tfalab.microstructure.generate import Microstructure
>>> lab = np.full((10, 8, 8), 1, np.uint8); lab[:, 2:4, 2:4] = 2      # a square rod, 1 → 10
>>> ms = Microstructure(lab, 1e-6)
>>> percolates(ms.labels == 2), round(tortuosity(ms.labels == 2).tau, 6)
(True, 1.0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tfalab.analysis import ct
from tfalab.analysis.checks import check_number
from tfalab.anode import modulus_bounds
from tfalab.errors import ParameterError
from tfalab.materials import get_phase
from tfalab.microstructure.generate import LI, OUTSIDE, PORE, SKELETON, Microstructure

__all__ = [
    "Metrics",
    "Tortuosity",
    "chord_length",
    "coarsen",
    "contact_fractions",
    "effective_modulus",
    "measure",
    "percolates",
    "pore_sizes",
    "porosity",
    "porosity_profile",
    "specific_surface",
    "tortuosity",
]

_FULL = np.ones((3, 3, 3), bool)


def porosity(ms: Microstructure) -> float:
    """Pore volume / electrode volume.

    >>> from tfalab.microstructure.generate import Microstructure
    >>> lab = np.ones((4, 2, 2), np.uint8); lab[0, 0, 0] = 0; lab[3] = 3
    >>> porosity(Microstructure(lab, 1e-6))
    0.08333333333333333
    """
    return ms.fraction(PORE)


def porosity_profile(ms: Microstructure) -> tuple[np.ndarray, np.ndarray]:
    """(slice-centre depth in m, porosity of the electrode part of each slice); NaN where a
    slice holds no electrode. Built on :func:`tfalab.analysis.ct.porosity_profile`.

    >>> from tfalab.microstructure.generate import Microstructure
    >>> lab = np.ones((2, 2, 2), np.uint8); lab[0, 0, 0] = 0; lab[1, 0] = 3
    >>> porosity_profile(Microstructure(lab, 1.0))[1].tolist()
    [0.25, 0.0]
    """
    z, pore = ct.porosity_profile(ms.labels == PORE, ms.voxel_size)
    _, out = ct.porosity_profile(ms.labels == OUTSIDE, ms.voxel_size)
    with np.errstate(invalid="ignore", divide="ignore"):
        prof = np.where(out < 1, pore / (1 - out), np.nan)
    return z, prof


def full_slab(ms: Microstructure) -> np.ndarray:
    """The labels of the slab in which every column is electrode (``z < min height``)."""
    h = int(ms.column_heights().min())
    return ms.labels[:h]


def percolates(mask: np.ndarray, axis: int = 0, connectivity: int = 26) -> bool:
    """Whether one cluster of ``mask`` connects the first and last slice along ``axis``.

    >>> m = np.zeros((5, 3, 3), bool); m[:, 1, 1] = True
    >>> percolates(m), percolates(m, axis=1)
    (True, False)
    """
    from scipy import ndimage

    mask = np.asarray(mask, bool)
    if mask.shape[axis] == 0 or not mask.any():
        return False
    structure = _FULL if connectivity == 26 else None
    lab, _ = ndimage.label(mask, structure=structure)
    first = np.unique(np.take(lab, 0, axis=axis))
    last = np.unique(np.take(lab, -1, axis=axis))
    common = np.intersect1d(first[first > 0], last[last > 0])
    return bool(common.size)


def percolating_fraction(mask: np.ndarray, axis: int = 0, connectivity: int = 26) -> float:
    """Fraction of ``mask`` in clusters that span ``axis`` (1 = all of it, 0 = none).

    >>> m = np.zeros((5, 3, 3), bool); m[:, 1, 1] = True; m[2, 0, 0] = True
    >>> percolating_fraction(m, connectivity=6)
    0.8333333333333334
    """
    from scipy import ndimage

    mask = np.asarray(mask, bool)
    if not mask.any():
        return 0.0
    lab, _ = ndimage.label(mask, structure=_FULL if connectivity == 26 else None)
    first = np.unique(np.take(lab, 0, axis=axis))
    last = np.unique(np.take(lab, -1, axis=axis))
    common = np.intersect1d(first[first > 0], last[last > 0])
    return float(np.isin(lab, common).sum() / mask.sum())


def contact_fractions(ms: Microstructure) -> dict[str, float]:
    """Fraction of the electrolyte face (z = 0) touching each phase.

    >>> from tfalab.microstructure.generate import Microstructure
    >>> lab = np.ones((3, 2, 2), np.uint8); lab[0, 0, 0] = 2; lab[0, 1, 1] = 0
    >>> contact_fractions(Microstructure(lab, 1e-6))
    {'solid': 0.75, 'li': 0.5, 'skeleton': 0.25, 'pore': 0.25}
    """
    face = ms.labels[0]
    return {"solid": float(np.isin(face, (LI, SKELETON)).mean()),
            "li": float((face == LI).mean()), "skeleton": float((face == SKELETON).mean()),
            "pore": float((face == PORE).mean())}


def specific_surface(ms: Microstructure, a: int, b: int, isotropic: bool = True) -> float:
    """Interface area between labels ``a`` and ``b`` per electrode volume (1/m), counted as
    voxel faces; ``isotropic`` divides by 3/2, the mean over-count of a randomly oriented
    surface (Cauchy–Crofton); use ``False`` for axis-aligned surfaces.

    >>> from tfalab.microstructure.generate import Microstructure
    >>> lab = np.ones((10, 5, 5), np.uint8); lab[5:] = 2          # a flat Li|skeleton interface
    >>> specific_surface(Microstructure(lab, 1.0), 1, 2, isotropic=False)
    0.1
    """
    lab = ms.labels
    faces = 0
    for ax in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[ax], hi[ax] = slice(None, -1), slice(1, None)
        u, v = lab[tuple(lo)], lab[tuple(hi)]
        faces += int(((u == a) & (v == b)).sum() + ((u == b) & (v == a)).sum())
    area = faces * ms.voxel_size ** 2 * (2 / 3 if isotropic else 1.0)
    vol = float(ms.electrode.sum()) * ms.voxel_volume
    return area / vol if vol else 0.0


def chord_length(mask: np.ndarray, voxel_size: float = 1.0) -> float:
    """Mean chord (run) length of ``mask`` along the three axes (m); runs cut by the box are
    counted as they are. For the space between fibres this is the mean free path.

    >>> m = np.zeros((4, 4, 12), bool); m[..., :3] = True; m[..., 6:9] = True
    >>> chord_length(m, 1.0)     # runs of 3 along x, of 4 along z and y: 288 voxels / 80 runs
    3.6
    """
    mask = np.asarray(mask, bool)
    total, runs = 0, 0
    for ax in range(mask.ndim):
        m = np.moveaxis(mask, ax, -1).reshape(-1, mask.shape[ax]).astype(np.int8)
        padded = np.pad(m, ((0, 0), (1, 1)))
        starts = np.diff(padded, axis=1) == 1
        total += int(m.sum())
        runs += int(starts.sum())
    return total / runs * voxel_size if runs else 0.0


@dataclass(frozen=True)
class Tortuosity:
    """Steady diffusion through one phase along axis 0 (finite differences)."""

    tau: float  #: tortuosity factor ε / (D_eff/D); inf if the phase does not percolate
    volume_fraction: float  #: ε, fraction of the slab
    relative_diffusivity: float  #: D_eff / D (the transport factor ε/τ)
    cropped: bool  #: solved on a centred sub-volume (``max_voxels``)


#: Fewest voxels a tortuosity is solved on (the smallest crop is an 8-voxel cube)
MIN_TORTUOSITY_VOXELS = 8**3


def check_voxel_budget(value: Any, name: str) -> int:
    """A voxel budget: an integer >= :data:`MIN_TORTUOSITY_VOXELS`, else ParameterError."""
    return int(check_number(value, name, low=MIN_TORTUOSITY_VOXELS, integer=True))


def tortuosity(mask: np.ndarray, max_voxels: int = 300_000, tol: float = 1e-6) -> Tortuosity:
    """Tortuosity factor of ``mask`` along axis 0: solve Laplace's equation in the phase
    (c = 1 on a plane half a voxel before the first slice, c = 0 half a voxel after the
    last, no flux elsewhere; 6-neighbour conductances), then ``D_eff/D = J L / (A Δc)`` and
    ``τ = ε / (D_eff/D)`` (TauFactor's definition). Volumes above ``max_voxels`` are solved
    on a centred cube-like crop (``cropped``). Conjugate gradients with a Jacobi
    preconditioner (scipy).

    >>> m = np.zeros((12, 9, 9), bool); m[:, ::3, ::3] = True      # straight rods
    >>> t = tortuosity(m); round(t.tau, 6), round(t.relative_diffusivity, 4)
    (1.0, 0.1111)
    """
    import scipy.sparse as sp
    from scipy import ndimage

    max_voxels = check_voxel_budget(max_voxels, "max_voxels")
    tol = check_number(tol, "tol", low=0, high=1, low_open=True, high_open=True)
    mask = np.asarray(mask, bool)
    cropped = False
    if mask.size > max_voxels:
        edge = max(round(max_voxels ** (1 / 3)), 8)
        sl = tuple(slice(max((n - edge) // 2, 0), max((n - edge) // 2, 0) + min(edge, n))
                   for n in mask.shape)
        mask, cropped = mask[sl], True
    eps = float(mask.mean()) if mask.size else 0.0
    nz = mask.shape[0]
    inf = Tortuosity(float("inf"), eps, 0.0, cropped)
    if nz == 0 or not mask.any():
        return inf
    lab, _ = ndimage.label(mask)
    common = np.intersect1d(np.unique(lab[0]), np.unique(lab[-1]))
    common = common[common > 0]
    if not common.size:
        return inf
    live = np.isin(lab, common)
    idx = -np.ones(mask.shape, np.int64)
    n = int(live.sum())
    idx[live] = np.arange(n)
    rows, cols = [], []
    for ax in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[ax], hi[ax] = slice(None, -1), slice(1, None)
        a, b = idx[tuple(lo)], idx[tuple(hi)]
        ok = (a >= 0) & (b >= 0)
        rows.append(a[ok])
        cols.append(b[ok])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    diag = np.bincount(r, minlength=n) + np.bincount(c, minlength=n)
    diag = diag.astype(float)
    inlet = idx[0][idx[0] >= 0]
    outlet = idx[-1][idx[-1] >= 0]
    diag[inlet] += 2.0  # half-voxel link to the c = 1 plane
    diag[outlet] += 2.0
    rhs = np.zeros(n)
    rhs[inlet] += 2.0
    off = sp.coo_matrix((-np.ones(r.size), (r, c)), shape=(n, n))
    mat = (off + off.T + sp.diags(diag)).tocsr()
    z = np.broadcast_to(np.arange(nz)[:, None, None], mask.shape)[live]
    x0 = 1.0 - (z + 0.5) / nz
    sol = _pcg(mat, rhs, x0, 1.0 / diag, tol)
    flux = float(np.sum(2.0 * (1.0 - sol[inlet])))
    flux_out = float(np.sum(2.0 * sol[outlet]))
    j = 0.5 * (flux + flux_out)
    area = mask.shape[1] * mask.shape[2]
    rel = j * nz / area
    tau = eps / rel if rel > 0 else float("inf")
    return Tortuosity(tau, eps, rel, cropped)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # not BLAS: OpenBLAS threads make short dot products slow on a busy machine
    return float(np.multiply(a, b).sum())


def _pcg(mat: Any, rhs: np.ndarray, x: np.ndarray, inv_diag: np.ndarray, tol: float,
         maxiter: int = 20000) -> np.ndarray:
    """Jacobi-preconditioned conjugate gradients (relative residual ``tol``)."""
    r = rhs - mat @ x
    z = inv_diag * r
    p = z.copy()
    rz = _dot(r, z)
    stop = (tol ** 2) * _dot(rhs, rhs)
    for _ in range(maxiter):
        if _dot(r, r) <= stop:
            break
        q = mat @ p
        alpha = rz / _dot(p, q)
        x += alpha * p
        r -= alpha * q
        z = inv_diag * r
        rz_new = _dot(r, z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    return x


def coarsen(ms: Microstructure, factor: int) -> Microstructure:
    """Block-average to a ``factor``× larger voxel, as a coarser scan would see it: a block is
    pore when at least half of its electrode voxels are pore, outside when most of it is
    outside, else skeleton if skeleton outweighs Li, else Li. Fibres thinner than the new voxel
    mostly vanish into the surrounding phase.

    >>> from tfalab.microstructure.generate import Microstructure
    >>> lab = np.zeros((6, 6, 6), np.uint8); lab[:, 0, 0] = 2
    >>> np.unique(coarsen(Microstructure(lab, 1e-7), 3).labels)
    array([0], dtype=uint8)
    """
    f = int(factor)
    if f < 1:
        raise ParameterError(f"coarsening factor must be >= 1, got {factor}")
    if f == 1:
        return ms.copy()
    shp = tuple(s // f for s in ms.shape)
    if min(shp) < 1:
        raise ParameterError(f"volume {ms.shape} is smaller than one {f}-voxel block")
    lab = ms.labels[:shp[0] * f, :shp[1] * f, :shp[2] * f]

    def share(label: int) -> np.ndarray:
        m = (lab == label).reshape(shp[0], f, shp[1], f, shp[2], f)
        return m.mean(axis=(1, 3, 5))

    pore, li, sk, out = share(PORE), share(LI), share(SKELETON), share(OUTSIDE)
    inside = 1.0 - out
    res = np.where(sk > li, SKELETON, LI).astype(np.uint8)
    res[(inside > 0) & (pore >= 0.5 * inside)] = PORE
    res[out > 0.5] = OUTSIDE
    meta = dict(ms.metadata)
    meta["coarsened_from_m"] = ms.voxel_size
    return Microstructure(res, ms.voxel_size * f, meta)


def pore_sizes(ms: Microstructure) -> ct.PoreSizeDistribution:
    """Local-thickness pore-size distribution of the pores inside the electrode
    (:func:`tfalab.analysis.ct.pore_size_distribution`; outside counts as solid)."""
    return ct.pore_size_distribution(ms.labels == PORE, ms.voxel_size, within_electrode=False)


def _hs_reference(fractions: np.ndarray, bulk: np.ndarray, shear: np.ndarray,
                  ref: int) -> float:
    """Hashin–Shtrikman estimate (Young's modulus) with phase ``ref`` as the matrix."""
    km, gm = bulk[ref], shear[ref]
    zeta = 0.0 if gm == 0 else gm / 6 * (9 * km + 8 * gm) / (km + 2 * gm)

    def harm(values: np.ndarray, shift: float) -> float:
        with np.errstate(divide="ignore"):
            s = float(np.sum(fractions / (values + shift)))
        return 0.0 if not np.isfinite(s) or s == 0 else 1.0 / s - shift

    k = harm(bulk, 4 / 3 * gm)
    g = harm(shear, zeta)
    return 0.0 if k <= 0 or g <= 0 else 9 * k * g / (3 * k + g)


def effective_modulus(ms: Microstructure, skeleton_phase: str = "LiBx") -> dict[str, float]:
    """Young's modulus (Pa) bounds tied to connectivity: the Hashin–Shtrikman estimate with the
    stiffest *percolating* solid as the matrix (the skeleton if it spans the thickness, else
    the free Li), between Voigt and Reuss; Reuss (zero with pores) when no solid percolates.

    >>> from tfalab.microstructure.generate import bare_li
    >>> round(effective_modulus(bare_li((6, 4, 4)))["estimate"] / 1e9, 1)
    7.8
    """
    slab = full_slab(ms)
    phases = [(PORE, None), (LI, get_phase("Li")), (SKELETON, get_phase(skeleton_phase))]
    fr = np.array([float((slab == lab).mean()) if slab.size else 0.0 for lab, _ in phases])
    k = np.array([0.0 if p is None else p.bulk_modulus for _, p in phases])
    g = np.array([0.0 if p is None else p.shear_modulus for _, p in phases])
    keep = fr > 0
    b = modulus_bounds(fr[keep], k[keep], g[keep])
    sk_perc = percolates(slab == SKELETON)
    li_perc = percolates((slab == LI) | (slab == SKELETON)) if not sk_perc else True
    if sk_perc and fr[2] > 0:
        est, matrix = _hs_reference(fr, k, g, 2), "skeleton"
    elif li_perc and fr[1] > 0:
        est, matrix = _hs_reference(fr, k, g, 1), "free Li"
    else:
        est, matrix = b.reuss, "none"
    return {"estimate": float(est), "voigt": b.voigt, "reuss": b.reuss, "hs_upper": b.hs_upper,
            "hs_lower": b.hs_lower, "matrix": matrix}  # type: ignore[dict-item]


@dataclass(frozen=True)
class Metrics:
    """Everything :func:`measure` computes (SI)."""

    thickness: float
    porosity: float
    li_fraction: float
    skeleton_fraction: float
    free_li_wt: float  #: free-Li mass fraction of the solid
    mean_pore_diameter: float
    median_pore_diameter: float
    max_pore_diameter: float
    skeleton_percolates: bool
    pore_percolates: bool
    li_percolates: bool
    skeleton_percolating_fraction: float
    contact: dict[str, float]
    surface_li_pore: float
    surface_skeleton_li: float
    surface_skeleton_pore: float
    tau_li: float
    tau_skeleton: float
    tau_pore: float
    channel_size: float  #: mean free path between fibres (chord length of the non-skeleton)
    modulus: dict[str, Any]
    profile_depth: list[float]
    profile_porosity: list[float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (infinities and NaN as None)."""
        def clean(v: Any) -> Any:
            if isinstance(v, float) and not np.isfinite(v):
                return None
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list):
                return [clean(x) for x in v]
            if isinstance(v, np.generic):
                return clean(v.item())
            return v
        return clean(asdict(self))


def free_li_mass_fraction(li: float, skeleton: float, skeleton_phase: str = "LiBx") -> float:
    """wt% (as a fraction) of free Li in the solid from volume fractions.

    >>> round(free_li_mass_fraction(0.74, 0.194), 2)
    0.6
    """
    m_li = li * get_phase("Li").require("density")
    m_sk = skeleton * get_phase(skeleton_phase).require("density")
    return m_li / (m_li + m_sk) if m_li + m_sk > 0 else 0.0


def measure(ms: Microstructure, tortuosity_voxels: int = 300_000,
            pore_size_voxels: int = 8_000_000) -> Metrics:
    """All metrics of ``ms``. Tortuosities are solved on at most ``tortuosity_voxels``
    (centred crop) and pore sizes on at most ``pore_size_voxels`` (lateral crop).

    >>> from tfalab.microstructure.generate import generate
    >>> m = measure(generate(shape=(32, 32, 32), seed=0))
    >>> m.skeleton_percolates, round(m.porosity, 3)
    (True, 0.066)
    """
    tortuosity_voxels = check_voxel_budget(tortuosity_voxels, "tortuosity_voxels")
    pore_size_voxels = check_voxel_budget(pore_size_voxels, "pore_size_voxels")
    if not ms.electrode.any():
        raise ParameterError(f"the {'x'.join(map(str, ms.shape))} volume holds no electrode "
                             f"(every voxel is outside): nothing to measure")
    slab = full_slab(ms)
    z, prof = porosity_profile(ms)
    psd_ms = ms
    if ms.labels.size > pore_size_voxels:
        side = int(np.sqrt(pore_size_voxels / ms.shape[0]))
        y0, x0 = (ms.shape[1] - side) // 2, (ms.shape[2] - side) // 2
        psd_ms = Microstructure(ms.labels[:, y0:y0 + side, x0:x0 + side], ms.voxel_size)
    psd = pore_sizes(psd_ms)
    li, sk = ms.fraction(LI), ms.fraction(SKELETON)
    skel = slab == SKELETON
    return Metrics(
        thickness=ms.thickness, porosity=porosity(ms), li_fraction=li, skeleton_fraction=sk,
        free_li_wt=free_li_mass_fraction(li, sk),
        mean_pore_diameter=psd.mean_diameter, median_pore_diameter=psd.median_diameter,
        max_pore_diameter=psd.max_diameter,
        skeleton_percolates=percolates(skel), pore_percolates=percolates(slab == PORE, 0, 6),
        li_percolates=percolates(slab == LI, 0, 6),
        skeleton_percolating_fraction=percolating_fraction(skel),
        contact=contact_fractions(ms),
        surface_li_pore=specific_surface(ms, LI, PORE),
        surface_skeleton_li=specific_surface(ms, SKELETON, LI),
        surface_skeleton_pore=specific_surface(ms, SKELETON, PORE),
        tau_li=tortuosity(slab == LI, tortuosity_voxels).tau,
        tau_skeleton=tortuosity(skel, tortuosity_voxels).tau,
        tau_pore=tortuosity(slab == PORE, tortuosity_voxels).tau,
        channel_size=chord_length(slab != SKELETON, ms.voxel_size) if skel.any() else
        float("inf"),
        modulus=effective_modulus(ms),
        profile_depth=[float(v) for v in z], profile_porosity=[float(v) for v in prof])
