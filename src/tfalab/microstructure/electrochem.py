"""Stripping and plating on voxels, with an exact charge ledger.

One voxel of Li carries ``q_v = a³ / V_m · F`` (a: voxel edge, V_m: molar volume of Li). A
capacity ``Q`` (C/m²) over the face area ``A`` is ``Q A / q_v`` voxels; the ledger keeps the net
charge passed, and after every step the net number of stripped voxels is ``floor(net charge /
q_v)``: voxels moved equal the charge passed to the voxel, the sub-voxel remainder is carried
(``Microstructure.metadata["ledger"]``), and stripping then plating the same charge moves the
same number of voxels back.

Stripping
    *Bare Li* (no skeleton): Li leaves at the electrolyte face, layer by layer (random order
    within a layer); the stack pressure keeps the electrolyte on the receding Li, so the
    column shortens (thickness loss, ``OUTSIDE`` voxels at the far end).
    *Skeleton-hosted Li*: only free Li connected (26-neighbours, through Li and skeleton) to the
    electrolyte face can leave. Li wets the lithiophilic skeleton and moves fast along it, so it
    leaves from the bulk, throughout the thickness (over a strip of hours the skeleton supplies
    Li from tens of µm deep: √(D_TFA t) ≈ 29 µm for 2.4e-10 cm²/s and 10 h, deeper than a
    modelled slab). The space between the fibres is split into *pockets* enclosed by the
    skeleton (:func:`li_pockets`: basins of the distance to the skeleton ``d_sk``), and the
    pockets empty one after another, the largest (largest inscribed radius) first: growing an
    existing void beats opening a new one, and by Gibbs–Thomson the Li chemical potential is
    highest on the least curved void surface (μ = μ0 − 2γΩ/r for Li bounding a void of radius
    r), so the largest void grows first and, as it grows, stays the largest until its pocket is
    empty (Li's self-diffusion length over a strip of hours, ≈ 9 µm for 2.5e-11 cm²/s and 10 h,
    exceeds the ~4 µm cells: the ripening has time to act). Within a pocket, Li farthest from
    the fibres leaves first (the wetting Li on the fibres last); the depth only breaks ties
    (near the face first). Stripped voxels become pores, except a fraction χ
    (``collapse_fraction``: ``"rigid"`` = 0, ``"fitted"`` = the 0D model's value fitted to C4,
    or a number) that the stack pressure closes: each column closes χ of the voxels it opened,
    evenly spaced along it (:func:`_squash`), which removes them from the column (thickness
    loss), as in :class:`~tfalab.anode.CompositeAnode`: the opened pores are squashed along the
    thickness.
    Stripping more than the accessible free Li raises :class:`~tfalab.errors.CapacityError`:
    past the inventory the skeleton is unsupported and collapses.

Plating
    The reverse of stripping, as in :meth:`tfalab.anode.CompositeAnode.state_after` (a state
    function of the net stripped charge). While the net stripped charge is positive, the
    collapse is undone in proportion: the ledger scales ``voxels_collapsed`` (``floor(χ × net
    stripped voxels)`` after stripping) with the net stripped voxels, so of the plated voxels
    those that bring the collapsed count back down re-expand the skeleton (the inverse of the
    squash: the columns that lost height get it back, in proportion to their deficit, each by
    Li voxels inserted before evenly spaced pore voxels, shifting the rest of the column
    towards the far end: the thickness comes back), the rest refill pores. Pores are refilled
    nearest the (lithiophilic) skeleton first (order: increasing ``d_sk``, ties near the face
    first; in bare Li, nearest the face); once the net stripped charge is zero or negative and
    the pores are full, Li grows at the electrolyte face (new layers at ``z = 0``; the array
    grows if needed). Stripping then plating the same charge thus returns the as-made porosity
    and thickness, with or without collapse.

>>> from tfalab.microstructure.generate import bare_li
>>> ms = bare_li((80, 10, 10))
>>> s = strip(ms, "1 mAh/cm2")
>>> round((ms.thickness - s.thickness) * 1e6, 2)    # 1 mAh/cm2 of Li is 4.85 um
4.85
"""

from __future__ import annotations

import math

import numpy as np

from tfalab.constants import FARADAY
from tfalab.errors import CapacityError, ParameterError
from tfalab.materials import get_phase
from tfalab.microstructure.generate import (
    LI,
    MAX_VOXELS,
    OUTSIDE,
    PORE,
    SKELETON,
    Microstructure,
    seeded_rng,
)
from tfalab.units import to_si

__all__ = ["charge_per_voxel", "li_pockets", "plate", "strip", "voxels_for"]

_EPS = 1e-9


def charge_per_voxel(ms: Microstructure) -> float:
    """Charge (C) carried by one voxel of Li.

    >>> from tfalab.microstructure.generate import bare_li
    >>> round(charge_per_voxel(bare_li((2, 2, 2), "1 um")) * 1e9, 3)   # nC
    7.424
    """
    molar_volume = get_phase("Li").molar_volume
    assert molar_volume is not None  # phases.toml gives Li its density and formula
    return ms.voxel_volume / molar_volume * FARADAY


def _capacity(value: str | float, name: str) -> float:
    q = to_si(value, "areal_capacity", name)
    if not (np.isfinite(q) and q >= 0):
        raise ParameterError(f"{name} must be a non-negative areal capacity, got {value!r}")
    return q


def voxels_for(ms: Microstructure, capacity: str | float) -> float:
    """Voxels of Li (not rounded) that ``capacity`` (C/m² or "5 mAh/cm2") moves in ``ms``."""
    return _capacity(capacity, "capacity") * ms.face_area / charge_per_voxel(ms)


def _ledger(ms: Microstructure) -> dict:
    led = ms.metadata.setdefault("ledger", {})
    for key, val in (("net_charge_C", 0.0), ("net_voxels_stripped", 0), ("voxels_collapsed", 0),
                     ("voxels_grown_at_interface", 0)):
        led.setdefault(key, val)
    return led


def _collapse(value: str | float | None) -> float:
    if value is None or value == "rigid":
        return 0.0
    if value == "fitted":
        from tfalab.parameters import fitted

        return fitted("anode.collapse_fraction").value
    x = to_si(value, "fraction", "collapse_fraction")
    if not 0 <= x <= 1:
        raise ParameterError(f"collapse_fraction must lie in [0, 1], got {value!r}")
    return x


#: depth only breaks ties of the distance to the skeleton (see the module docstring)
_TIE = 1e-5


def _distance_to_skeleton(labels: np.ndarray) -> np.ndarray:
    import edt

    skel = labels == SKELETON
    if not skel.any():
        return np.zeros(labels.shape, np.float32)
    return edt.edt(~skel, parallel=0).astype(np.float64)


def li_pockets(labels: np.ndarray, dist: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """The pockets of non-skeleton space (Li and pores) enclosed by the skeleton, and their
    inscribed radii (voxels).

    Pockets are the basins of the distance to the skeleton ``d_sk`` (a watershed of −d_sk, as
    PoreSpy's SNOW partitioning): markers are the local maxima of ``d_sk``, a maximum that lies
    inside the inscribed sphere of a higher one being part of the same pocket (SNOW's
    ``trim_nearby_peaks`` rule, parameter-free). Volumes with every side ≥ 32 voxels are
    partitioned on a 2× coarser grid (speed; the pockets that matter are several voxels
    across) and the labels brought back to full resolution. Returns ``(pocket, radius)``:
    ``pocket`` (int32, 0 on the skeleton and outside), ``radius[k]`` = max d_sk in pocket k
    (``radius[0] = 0``).

    >>> lab = np.full((20, 20, 40), 1, np.uint8); lab[:, :, 13] = 2   # a wall: two pockets
    >>> pocket, radius = li_pockets(lab)
    >>> len(radius) - 1, bool(pocket[5, 5, 3] != pocket[5, 5, 30]), radius[1:].tolist()
    (2, True, [26.0, 13.0])
    """
    from scipy import ndimage
    from scipy.spatial import cKDTree
    from skimage.segmentation import watershed

    free = (labels == LI) | (labels == PORE)
    if dist is None:
        dist = _distance_to_skeleton(labels)
    if not (labels == SKELETON).any() or not free.any():
        pocket = free.astype(np.int32)
        return pocket, np.array([0.0, float(dist.max()) if free.any() else 0.0])
    f = 2 if min(labels.shape) >= 32 else 1
    outside = labels == OUTSIDE  # (d_sk is already 0 on the skeleton)
    d = _blocks(np.where(outside, 0.0, dist) if outside.any() else dist, f)
    m = _blocks(free, f)
    peaks = (d == ndimage.maximum_filter(d, size=3)) & m & (d > 0)
    plat, n = ndimage.label(peaks, structure=np.ones((3, 3, 3), bool))
    if n == 0:
        return free.astype(np.int32), np.array([0.0, float(dist.max())])
    # one marker per plateau, then drop maxima lying inside a higher maximum's sphere
    idx = np.asarray(ndimage.minimum_position(np.zeros(plat.shape, np.uint8), plat,
                                              np.arange(1, n + 1)), int).reshape(-1, 3)
    vals = d[tuple(idx.T)]
    order = np.argsort(-vals, kind="stable")
    idx, vals = idx[order], vals[order]
    centres = (idx * f + 0.5 * (f - 1)).astype(float)
    keep = np.ones(len(vals), bool)
    for i, nbrs in enumerate(cKDTree(centres).query_ball_point(centres, vals)):
        if keep[i]:
            for j in nbrs:
                if j > i:
                    keep[j] = False
    kept = idx[keep]
    markers = np.zeros(d.shape, np.int32)
    markers[tuple(kept.T)] = np.arange(1, len(kept) + 1, dtype=np.int32)
    pocket = watershed(-d, markers, mask=m).astype(np.int32)
    radius = np.zeros(len(kept) + 1)  # block maxima of d_sk over free voxels: exact
    radius[1:] = ndimage.maximum(d, pocket, np.arange(1, len(kept) + 1))
    if f > 1:  # back to full resolution: each coarse voxel fills its f³ block
        zc, yc, xc = pocket.shape
        full = np.empty((zc, f, yc, f, xc, f), np.int32)
        full[...] = pocket[:, None, :, None, :, None]
        pocket = full.reshape(zc * f, yc * f, xc * f)[:labels.shape[0], :labels.shape[1],
                                                     :labels.shape[2]]
    pocket[~free] = 0
    return pocket, radius


def _blocks(a: np.ndarray, f: int) -> np.ndarray:
    """Maximum over ``f``³ blocks (the array padded with its minimum to whole blocks)."""
    if f == 1:
        return a
    pad = [(0, -s % f) for s in a.shape]
    if any(p[1] for p in pad):
        a = np.pad(a, pad, constant_values=a.min())
    z, y, x = (s // f for s in a.shape)
    return a.reshape(z, f, y, f, x, f).max(axis=(1, 3, 5))


def _accessible_li(labels: np.ndarray) -> np.ndarray:
    """Free Li connected (26-neighbours, through Li and skeleton) to the face z = 0."""
    from scipy import ndimage

    solid = (labels == LI) | (labels == SKELETON)
    lab, _ = ndimage.label(solid, structure=np.ones((3, 3, 3), bool))
    ids = np.unique(lab[0][lab[0] > 0])
    return np.isin(lab, ids) & (labels == LI)


def _remove_from_columns(labels: np.ndarray, remove: np.ndarray) -> np.ndarray:
    """Delete the ``remove`` voxels from their columns (axis 0), shifting the rest of each
    column towards z = 0 and padding the far end with ``OUTSIDE``."""
    order = np.argsort(remove, axis=0, kind="stable")
    out = np.take_along_axis(labels, order, axis=0)
    k = remove.sum(axis=0)
    z = np.arange(labels.shape[0])[:, None, None]
    out[z >= labels.shape[0] - k[None]] = OUTSIDE
    return out


def _grow_at_face(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Insert ``n`` Li voxels at z = 0, spread evenly over the columns (extra ones at random)."""
    ny, nx = labels.shape[1:]
    cols = ny * nx
    add = np.full(cols, n // cols, np.int64)
    add[rng.choice(cols, n % cols, replace=False)] += 1
    add = add.reshape(ny, nx)
    free = (labels == OUTSIDE).sum(axis=0)
    short = int((add - free).max())
    if short > 0:
        pad = np.full((short, ny, nx), OUTSIDE, np.uint8)
        labels = np.concatenate([labels, pad], axis=0)
    nz = labels.shape[0]
    z = np.arange(nz)[:, None, None]
    src = (z - add[None]) % nz
    out = np.take_along_axis(labels, src, axis=0)
    out[z < add[None]] = LI
    return out


def _insert_in_columns(labels: np.ndarray, insert: np.ndarray) -> np.ndarray:
    """Insert a ``LI`` voxel before each ``insert`` voxel of its column (axis 0), shifting the
    rest of the column towards the far end (the array grows if a column runs out of room)."""
    nz, ny, nx = labels.shape
    k = insert.sum(axis=0)
    height = (labels != OUTSIDE).sum(axis=0)
    nz_out = max(nz, int((height + k).max()))
    out = np.full((nz + int(k.max()), ny, nx), OUTSIDE, np.uint8)
    dest = np.cumsum(insert, axis=0, dtype=np.int32)
    dest += np.arange(nz, dtype=np.int32)[:, None, None]
    np.put_along_axis(out, dest, labels, axis=0)
    dest -= insert  # an inserted Li voxel goes just before its voxel
    np.put_along_axis(out, dest, np.where(insert, np.uint8(LI), labels), axis=0)
    return out[:nz_out]


def _pick(key: np.ndarray, candidates: np.ndarray, n: int, largest: bool) -> np.ndarray:
    """Flat indices of the ``n`` candidates with the largest (or smallest) key."""
    idx = np.flatnonzero(candidates)
    if n >= idx.size:
        return idx
    k = key.ravel()[idx]
    if largest:
        k = -k
    part = np.argpartition(k, n - 1)[:n]
    return idx[part]


def _shares(weight: np.ndarray, n: int, cap: np.ndarray, rng: np.random.Generator
            ) -> np.ndarray:
    """``n`` shared out in proportion to ``weight`` (largest remainders, ties at random), no
    share above ``cap``."""
    total = float(weight.sum())
    target = weight * (n / total) if total > 0 else np.zeros(weight.shape)
    quota = np.minimum(np.floor(target + _EPS).astype(np.int64), cap)
    rem = target - quota + rng.uniform(0, 1e-9, weight.shape)
    extra = n - int(quota.sum())
    while extra > 0:
        room = np.flatnonzero(quota < cap)
        if not room.size:
            break
        take = room[np.argsort(-rem[room], kind="stable")[:extra]]
        quota[take] += 1
        rem[take] -= 1.0
        extra = n - int(quota.sum())
    if extra < 0:
        room = np.flatnonzero(quota > 0)
        quota[room[np.argsort(rem[room], kind="stable")[:-extra]]] -= 1
    return quota


def _spread(shape: tuple[int, ...], flat: np.ndarray, quota: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:
    """Of the voxels ``flat``, ``quota[column]`` per column (``quota`` over the ny × nx
    columns, flattened), evenly spaced along the column with a random phase: the k-th of the
    column's m voxels (k = 0 … m − 1, from the face) is taken when (k + 1) q/m + φ crosses an
    integer, exactly q of them."""
    if not flat.size:
        return flat
    col = flat % (shape[1] * shape[2])  # C order: same column <=> same (y, x) remainder
    order = np.lexsort((flat, col))  # by column, then depth
    cols, start, counts = np.unique(col[order], return_index=True, return_counts=True)
    q = np.minimum(quota[cols], counts)
    k = np.arange(flat.size) - np.repeat(start, counts)
    m, q = np.repeat(counts, counts), np.repeat(q, counts)
    phase = np.repeat(rng.uniform(0, 1, cols.size), counts)
    take = np.floor((k + 1) * q / m + phase) > np.floor(k * q / m + phase)
    return flat[order[take]]


def _squash(shape: tuple[int, ...], flat: np.ndarray, chi: float, n: int,
            rng: np.random.Generator) -> np.ndarray:
    """Flat indices of ``n`` of the just-stripped voxels ``flat`` that the stack pressure
    closes: each column closes χ of the voxels it opened (``n``, the ledger's count, shared out
    in proportion, so a column closes within one voxel of χ × its share), evenly spaced along
    the column. The opened pores are squashed along the thickness by χ instead of being
    riddled by random deletions."""
    if n <= 0:
        return np.empty(0, np.int64)
    if n >= flat.size:
        return flat
    opened = np.bincount(flat % (shape[1] * shape[2]), minlength=shape[1] * shape[2])
    return _spread(shape, flat, _shares(opened.astype(float), n, opened, rng), rng)


def _restore_sites(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Where plating re-expands ``n`` collapsed voxels (the inverse of :func:`_squash`): the
    columns that lost height get it back, in proportion to their deficit against the tallest
    column, and a Li voxel is inserted before evenly spaced pore voxels of the column (the
    squashed pores open up again; Li sites where a column has too few pores)."""
    nz, ny, nx = labels.shape
    height = (labels != OUTSIDE).sum(axis=0).ravel()
    deficit = (height.max() - height).astype(np.int64)
    if deficit.sum() >= n:
        quota = _shares(deficit.astype(float), n, deficit, rng)
    else:  # more than the deficit (e.g. uneven growth): the rest evenly over the columns
        quota = deficit + _shares(np.ones(ny * nx), n - int(deficit.sum()),
                                  np.full(ny * nx, n), rng)
    pores = (labels == PORE).reshape(nz, -1)
    few = pores.sum(axis=0) < quota
    cand = pores | (few[None, :] & (labels == LI).reshape(nz, -1))
    sites = _spread(labels.shape, np.flatnonzero(cand.reshape(labels.shape)), quota, rng)
    mask = np.zeros(labels.shape, bool)
    mask.ravel()[sites] = True
    return mask


def _step(ms: Microstructure, charge: float) -> tuple[int, dict]:
    """Record ``charge`` (C, + strip / − plate) and return the voxels to move now."""
    led = _ledger(ms)
    qv = charge_per_voxel(ms)
    before = math.floor(led["net_charge_C"] / qv + _EPS)
    after = math.floor((led["net_charge_C"] + charge) / qv + _EPS)
    return after - before, led


def strip(ms: Microstructure, capacity: str | float,
          collapse_fraction: str | float | None = "rigid", seed: int | None = 0) -> Microstructure:
    """A new :class:`Microstructure` after stripping ``capacity`` ("5 mAh/cm2" or C/m²).

    >>> from tfalab.microstructure.generate import generate, PORE
    >>> ms = generate(shape=(32, 24, 24), seed=0)
    >>> s = strip(ms, "0.3 mAh/cm2")
    >>> s.fraction(PORE) > ms.fraction(PORE), s.thickness == ms.thickness
    (True, True)
    """
    q = _capacity(capacity, "capacity")
    chi = _collapse(collapse_fraction)
    out = ms.copy()
    n, led = _step(out, q * out.face_area)
    labels = out.labels
    rng = seeded_rng(seed)
    if n > 0:
        access = _accessible_li(labels)
        available = int(access.sum())
        if n > available:
            raise CapacityError(
                f"stripping needs {n} Li voxels but only {available} free-Li voxels are "
                "connected to the electrolyte face; past the free-Li inventory the skeleton is "
                "unsupported and collapses")
        bare = not (labels == SKELETON).any()
        z = np.arange(labels.shape[0], dtype=np.float64)[:, None, None]
        if bare:  # the face first, random within a layer
            key = -z + rng.uniform(0, 1e-3, labels.shape)
        else:
            dist = _distance_to_skeleton(labels)
            pocket, radius = li_pockets(labels, dist)
            # pockets one after another, the largest first; in a pocket, far from fibres first
            rank = np.empty(len(radius))
            rank[np.argsort(-radius, kind="stable")] = np.arange(len(radius))
            span = float(dist.max()) + 1.0
            key = (len(radius) - rank[pocket]).astype(np.float64)
            del pocket
            key *= span
            key += dist
            key -= _TIE * z
            key += rng.uniform(0, 1e-7, labels.shape)
            del dist
        flat = _pick(key, access, n, largest=True)
        del key
        labels.ravel()[flat] = PORE
        remove = np.zeros(labels.shape, bool)
        if bare:
            remove.ravel()[flat] = True
            n_collapse = n
        else:
            total = led["net_voxels_stripped"] + n
            n_collapse = max(math.floor(chi * total + _EPS) - led["voxels_collapsed"], 0)
            n_collapse = min(n_collapse, n)
            remove.ravel()[_squash(labels.shape, flat, chi, n_collapse, rng)] = True
        if n_collapse:
            labels = _remove_from_columns(labels, remove)
        led["voxels_collapsed"] += int(n_collapse) if not bare else 0
        led["net_voxels_stripped"] += n
    led["net_charge_C"] += q * out.face_area
    out.labels = labels
    out.metadata.setdefault("history", []).append(
        {"step": "strip", "capacity_C_m2": q, "voxels": int(max(n, 0)),
         "collapse_fraction": chi})
    return out


def plate(ms: Microstructure, capacity: str | float, seed: int | None = 0,
          max_voxels: int = MAX_VOXELS) -> Microstructure:
    """A new :class:`Microstructure` after plating ``capacity`` ("5 mAh/cm2" or C/m²).

    Li grown at the face lengthens the array; a result above ``max_voxels`` voxels is refused
    (:class:`~tfalab.errors.ParameterError`) before it is allocated.

    >>> from tfalab.microstructure.generate import generate, PORE
    >>> ms = generate(shape=(32, 24, 24), seed=0)
    >>> back = plate(strip(ms, "0.3 mAh/cm2"), "0.3 mAh/cm2")
    >>> int((back.labels == PORE).sum()) == int((ms.labels == PORE).sum())
    True
    """
    q = _capacity(capacity, "capacity")
    out = ms.copy()
    n, led = _step(out, -q * out.face_area)
    n = -n
    labels = out.labels
    rng = seeded_rng(seed)
    if n > 0:
        # undo the collapse in proportion to the net stripped charge (0D state function)
        net_before = int(led["net_voxels_stripped"])
        collapsed = int(led["voxels_collapsed"])
        net_after = net_before - n
        target = math.floor(collapsed * net_after / net_before + _EPS) \
            if collapsed and net_after > 0 else 0
        n_restore = min(max(int(led["voxels_collapsed"]) - target, 0), n)
        if n_restore:
            mask = _restore_sites(labels, n_restore, rng)
            n_restore = int(mask.sum())
            labels = _insert_in_columns(labels, mask)
            led["voxels_collapsed"] -= n_restore
        pores = labels == PORE
        n_pores = int(pores.sum())
        fill = min(n - n_restore, n_pores)
        if fill:
            z = np.arange(labels.shape[0], dtype=np.float64)[:, None, None]
            if (labels == SKELETON).any():
                key = _distance_to_skeleton(labels) + _TIE * z + rng.uniform(0, 1e-7,
                                                                             labels.shape)
            else:
                key = z + rng.uniform(0, 1e-3, labels.shape)
            labels.ravel()[_pick(key, pores, fill, largest=False)] = LI
        if n - n_restore > fill:
            grow = n - n_restore - fill
            cols = labels.shape[1] * labels.shape[2]
            nz = labels.shape[0] + max(-(-grow // cols) - int((labels == OUTSIDE).sum(axis=0)
                                                              .min()), 0)
            if nz * cols > max_voxels:
                raise ParameterError(
                    f"plating {capacity!r} grows {grow:,} Li voxels at the face: the volume "
                    f"would be {nz}x{labels.shape[1]}x{labels.shape[2]} = {nz * cols:,} voxels, "
                    f"above the limit of {max_voxels:,} (--max-voxels, max_voxels=)")
            labels = _grow_at_face(labels, grow, rng)
            led["voxels_grown_at_interface"] += n - n_restore - fill
        led["net_voxels_stripped"] -= n
    led["net_charge_C"] -= q * out.face_area
    out.labels = labels
    out.metadata.setdefault("history", []).append(
        {"step": "plate", "capacity_C_m2": q, "voxels": int(max(n, 0))})
    return out
