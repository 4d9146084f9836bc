"""From a voxel volume to the anode submodel's parameters, percolation sweeps and measured
(CT / FIB-SEM) volumes.

>>> from tfalab.microstructure.generate import generate
>>> p = effective_parameters(generate(shape=(32, 32, 32), seed=0))
>>> p["skeleton_percolates"], round(p["contact_floor"], 2) > 0.1
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tfalab.analysis import ct
from tfalab.analysis.checks import check_number
from tfalab.anode import CompositeAnode
from tfalab.errors import ParameterError
from tfalab.materials import get_phase
from tfalab.microstructure.generate import (
    DEFAULT_ASPECT_RATIO,
    DEFAULT_VOXEL_SIZE,
    LI,
    PORE,
    SKELETON,
    Microstructure,
    generate,
)
from tfalab.microstructure.metrics import (
    chord_length,
    contact_fractions,
    full_slab,
    percolates,
    percolating_fraction,
    tortuosity,
)

__all__ = ["PercolationSweep", "effective_parameters", "from_ct", "percolation_threshold"]


def effective_parameters(ms: Microstructure, tortuosity_voxels: int = 300_000,
                         skeleton_diffusivity: float | None = None) -> dict[str, Any]:
    """What the anode submodel takes from a volume (SI):

    ``skeleton_percolates`` / ``skeleton_percolating_fraction`` (load-bearing skeleton or a
    composite that creeps like Li), ``free_li_wt``; ``tau_li``, ``tau_skeleton`` and
    ``li_diffusivity`` = D_Li ε_Li/τ_Li + D_sk ε_sk/τ_sk (parallel paths; D_sk defaults to
    the database's TFA tracer diffusivity, an upper estimate of transport along the skeleton);
    ``accessible_pore_fraction`` (pores touching the solid network connected to the face: room
    for plating); ``contact_floor`` (skeleton contact fraction at the face: what stays in
    contact when all free Li at the face is gone); ``channel_size`` (mean free path between
    fibres). ``tortuosity_voxels`` is an integer >= 512; ``skeleton_diffusivity`` (m²/s) a
    finite number >= 0.
    """
    from scipy import ndimage

    from tfalab.microstructure.metrics import check_voxel_budget

    tortuosity_voxels = check_voxel_budget(tortuosity_voxels, "tortuosity_voxels")
    if skeleton_diffusivity is not None:
        skeleton_diffusivity = check_number(skeleton_diffusivity,
                                            "skeleton_diffusivity (m²/s)", low=0)

    from tfalab.microstructure.metrics import free_li_mass_fraction

    slab = full_slab(ms)
    li, sk = ms.fraction(LI), ms.fraction(SKELETON)
    t_li = tortuosity(slab == LI, tortuosity_voxels)
    t_sk = tortuosity(slab == SKELETON, tortuosity_voxels)
    d_li = get_phase("Li").require("li_diffusivity")
    d_sk = skeleton_diffusivity if skeleton_diffusivity is not None else \
        get_phase("LiBx").get("composite_li_diffusivity") or 0.0
    d_eff = d_li * t_li.relative_diffusivity + d_sk * t_sk.relative_diffusivity
    solid = (ms.labels == LI) | (ms.labels == SKELETON)
    lab, _ = ndimage.label(solid, structure=np.ones((3, 3, 3), bool))
    ids = np.unique(lab[0][lab[0] > 0])
    network = np.isin(lab, ids)
    pores = ms.labels == PORE
    touching = pores & ndimage.binary_dilation(network)
    plab, _ = ndimage.label(pores)
    reach = np.unique(plab[touching])
    accessible = np.isin(plab, reach[reach > 0]).sum() / max(int(ms.electrode.sum()), 1)
    contact = contact_fractions(ms)
    return {
        "free_li_wt": free_li_mass_fraction(li, sk),
        "porosity": ms.fraction(PORE),
        "skeleton_fraction": sk,
        "skeleton_percolates": percolates(slab == SKELETON),
        "skeleton_percolating_fraction": percolating_fraction(slab == SKELETON),
        "tau_li": t_li.tau, "tau_skeleton": t_sk.tau,
        "li_diffusivity": d_eff,
        "accessible_pore_fraction": float(accessible),
        "contact_floor": contact["skeleton"], "contact_solid": contact["solid"],
        "channel_size": chord_length(slab != SKELETON, ms.voxel_size)
        if (slab == SKELETON).any() else float("inf"),
        "thickness": ms.thickness,
    }


@dataclass(frozen=True)
class PercolationSweep:
    """Skeleton percolation probability against the free-Li mass fraction."""

    free_li: np.ndarray  #: mass fractions swept
    skeleton_fraction: np.ndarray  #: skeleton volume fractions they give
    probability: np.ndarray  #: fraction of seeds whose skeleton spans the thickness
    threshold: float  #: free-Li fraction where the probability falls through 1/2 (nan if not)


def percolation_threshold(free_li: np.ndarray | list[float] | None = None,
                          shape: tuple[int, int, int] = (64, 64, 64), seeds: int = 3,
                          aspect_ratio: float | None = DEFAULT_ASPECT_RATIO,
                          voxel_size: str | float = DEFAULT_VOXEL_SIZE,
                          porosity: float = 0.066, criterion: str = "connectivity",
                          load_paths: int | None = None, **kwargs: Any) -> PercolationSweep:
    """Sweep the free-Li mass fraction, generate ``seeds`` volumes each, and find where the
    skeleton stops spanning the thickness (26-connected), by linear interpolation of the
    probability through 1/2. ``criterion``: ``"connectivity"`` (one cluster touches both
    faces) or ``"load_bearing"`` (at least ``load_paths``, default
    :data:`~tfalab.microstructure.loadbearing.LOAD_PATHS` = 2, vertex-disjoint face-to-face
    paths through the skeleton's medial-axis network,
    :func:`~tfalab.microstructure.loadbearing.load_bearing`; slower).

    >>> s = percolation_threshold([0.6, 0.95], shape=(32, 32, 32), seeds=1)
    >>> s.probability.tolist(), 0.6 < s.threshold < 0.95
    ([1.0, 0.0], True)
    """
    try:
        w = np.asarray(np.linspace(0.5, 0.95, 10) if free_li is None else free_li, float)
    except (TypeError, ValueError):
        w = np.array([np.nan])
    if w.ndim != 1 or w.size < 2 or not np.all(np.isfinite(w)) or np.any((w < 0) | (w >= 1)):
        raise ParameterError(f"free_li must be at least two free-Li mass fractions, each in "
                             f"[0, 1), got {free_li!r}")
    seeds = int(check_number(seeds, "seeds", low=1, integer=True))
    test: Callable[[np.ndarray], bool]
    if criterion == "connectivity":
        test = percolates
    elif criterion == "load_bearing":
        from tfalab.microstructure.loadbearing import LOAD_PATHS, load_bearing

        k = LOAD_PATHS if load_paths is None else \
            int(check_number(load_paths, "load_paths", low=1, integer=True))

        def test(mask: np.ndarray) -> bool:
            return load_bearing(mask, max_paths=k).disjoint_paths >= k
    else:
        raise ParameterError(f"criterion must be 'connectivity' or 'load_bearing', "
                             f"got {criterion!r}")
    prob, phi = [], []
    for x in w:
        an = CompositeAnode(free_li=float(x), porosity=porosity)
        phi.append(an.skeleton_volume_fraction)
        hits = [test(full_slab(generate(an, shape, voxel_size, aspect_ratio=aspect_ratio,
                                        seed=s, **kwargs)) == SKELETON)
                for s in range(seeds)]
        prob.append(float(np.mean(hits)))
    p = np.asarray(prob)
    thr = float("nan")
    for i in range(len(w) - 1):
        if p[i] >= 0.5 > p[i + 1]:
            thr = float(w[i] + (p[i] - 0.5) / (p[i] - p[i + 1]) * (w[i + 1] - w[i]))
            break
    return PercolationSweep(w, np.asarray(phi), p, thr)


def from_ct(path: str | Path, voxel_size: str | float = ct.DEFAULT_VOXEL_SIZE,
            threshold: float | None = None, pore: str = "dark",
            skeleton_threshold: float | None = None, axis: int = 0,
            face: str = "start") -> Microstructure:
    """A measured volume (TIFF stack, folder of slices or ``.npy``) as a
    :class:`Microstructure`: read and segmented with :mod:`tfalab.analysis.ct` (Otsu's
    threshold by default), cropped to the electrode's extent along ``axis`` (slices at least
    half solid), turned so that axis 0 is the thickness with the electrolyte face (``face``:
    ``"start"`` or ``"end"`` of the axis) at z = 0. Solid is free Li, or skeleton where the grey
    value exceeds ``skeleton_threshold`` (bright = skeleton) if given.

    >>> import tempfile, os
    >>> vol = np.full((12, 10, 10), 200, np.uint8); vol[:2] = 10; vol[5:7, 3:6, 3:6] = 10
    >>> f = os.path.join(tempfile.mkdtemp(), "v.npy"); np.save(f, vol)
    >>> ms = from_ct(f, "0.3 um")
    >>> ms.shape, round(ms.fraction(PORE), 4)
    ((10, 10, 10), 0.018)
    """
    vol = ct.read_volume(path, voxel_size)
    seg = ct.segment(vol, threshold, pore)
    start, stop = ct.electrode_extent(seg, axis)
    if stop <= start:
        raise ParameterError("no electrode found in the volume (wrong threshold or pore phase?)")
    data = np.moveaxis(vol.data, axis, 0)[start:stop]
    pores = np.moveaxis(seg.pores, axis, 0)[start:stop]
    if face == "end":
        data, pores = data[::-1], pores[::-1]
    elif face != "start":
        raise ParameterError(f"face must be 'start' or 'end', got {face!r}")
    labels = np.where(pores, PORE, LI).astype(np.uint8)
    if skeleton_threshold is not None:
        lo, hi = float(np.min(data)), float(np.max(data))
        if not (np.isfinite(skeleton_threshold) and lo <= skeleton_threshold < hi):
            raise ParameterError(f"skeleton_threshold (--skeleton-threshold) "
                                 f"{skeleton_threshold!r} is outside the volume's grey values "
                                 f"{lo:g}-{hi:g} (it must lie in [{lo:g}, {hi:g})): all solid "
                                 f"would be one phase")
        labels[(~pores) & (data > skeleton_threshold)] = SKELETON
    meta = {"generator": "ct", "file": str(path), "threshold": seg.threshold,
            "pore_phase": pore, "extent": [start, stop], "axis": axis, "face": face}
    return Microstructure(np.ascontiguousarray(labels), vol.voxel_size, meta)
