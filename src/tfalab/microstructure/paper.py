"""The paper's CT experiment (Fig. 5e–g) on a voxel volume: strip 5 mAh/cm², plate it back.

The voxel volume is a representative slab of the 100 µm TFA (``RVE_SHAPE`` voxels of 100 nm,
12.8 µm thick). It is a thickness-wise miniature of the electrode: it is stripped and plated
with the same *utilisation* as the paper's electrode, i.e. 5 mAh/cm² × (slab thickness /
100 µm), and its thickness change is scaled back up by the same ratio. Pore sizes are given at
the model's resolution (fibres resolved, ``"model"``), through a virtual CT of the paper's
scan (``"ct"``: point-spread function, partial volume at the 0.3 µm voxel, Otsu segmentation,
:func:`~tfalab.microstructure.imaging.virtual_ct`; the like-for-like comparison) and, for
reference, block-averaged 3× by majority (``"coarsened"``, the comparison used before the
virtual CT). The skeleton is the two-scale one (fibres on the walls of cells,
:func:`~tfalab.microstructure.generate.generate`'s ``cell_size``) with the cell size fitted to
C5's as-made pore size seen through the virtual CT (:func:`fit_cell_size`).

>>> r = paper_cycle(shape=(48, 32, 32))
>>> round(r["porosity"]["stripped"], 3) > round(r["porosity"]["as_made"], 3)
True
>>> r["porosity_ct"]["stripped"] > r["porosity_ct"]["as_made"]
True
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tfalab.anode import MAH_CM2, CompositeAnode
from tfalab.microstructure.electrochem import plate, strip
from tfalab.microstructure.generate import PORE, Microstructure, bare_li, generate
from tfalab.microstructure.imaging import CT_VOXEL, PSF_FWHM, virtual_ct
from tfalab.microstructure.metrics import coarsen, pore_sizes

#: RVE of the paper's TFA: 128 × 96 × 96 voxels of 100 nm (12.8 × 9.6 × 9.6 µm).
RVE_SHAPE = (128, 96, 96)
PAPER_THICKNESS = 100e-6
PAPER_CAPACITY = 5 * MAH_CM2
#: How a volume is "seen" for the pore sizes: the model itself, the virtual CT, or the
#: majority block average to the CT voxel (the comparison used before the virtual CT).
IMAGING = ("model", "ct", "coarsened")


def seen_as(ms: Microstructure, imaging: str = "ct",
            psf_fwhm: float = PSF_FWHM) -> Microstructure:
    """``ms`` as seen by ``imaging`` (``IMAGING``): itself (``"model"``), the segmentation of
    its virtual CT at 0.3 µm (``"ct"``) or its 3× majority block average (``"coarsened"``)."""
    if imaging == "model":
        return ms
    if imaging == "ct":
        return virtual_ct(ms, CT_VOXEL, psf_fwhm).segmented
    if imaging == "coarsened":
        return coarsen(ms, max(round(CT_VOXEL / ms.voxel_size), 1))
    raise ValueError(f"imaging must be one of {IMAGING}, got {imaging!r}")


def as_made_pore_size(cell_size: float | str | None = "fitted",
                      shape: tuple[int, int, int] = RVE_SHAPE, seed: int = 0,
                      imaging: str = "ct") -> float:
    """Median pore diameter (m, by pore volume) of the as-made RVE as the paper's CT sees it
    (``imaging="ct"``: the virtual CT; see :func:`seen_as`)."""
    ms = generate(CompositeAnode(), shape=shape, seed=seed, cell_size=cell_size)
    return pore_sizes(seen_as(ms, imaging)).median_diameter


def fit_cell_size(target: float = 2e-6, bounds: tuple[float, float] = (2e-6, 8e-6),
                  shape: tuple[int, int, int] = RVE_SHAPE, seed: int = 0,
                  steps: int = 7, imaging: str = "ct") -> float:
    """The cell size (m) of the two-scale skeleton behind ``microstructure.cell_size``: the
    smallest one (bisection, ``steps`` halvings of ``bounds``) whose as-made RVE shows a
    median pore diameter of at least ``target`` through the virtual CT of the paper's 0.3 µm
    scan (claim C5, 2 µm; ``imaging="coarsened"``: the earlier block-average comparison).

    The median is a step function of the cell size (local-thickness diameters come in steps
    of two CT voxels), hence "the smallest size that reaches it" rather than a root.
    """
    lo, hi = bounds
    if as_made_pore_size(hi, shape, seed, imaging) < target:
        raise ValueError(f"no cell size up to {hi} m gives {target} m pores")
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if as_made_pore_size(mid, shape, seed, imaging) >= target:
            hi = mid
        else:
            lo = mid
    return round(hi, 9)


@lru_cache(maxsize=8)
def paper_cycle(collapse: str | float = "fitted", shape: tuple[int, int, int] = RVE_SHAPE,
                seed: int = 0, pore_sizes_at: tuple[str, ...] = IMAGING,
                cell_size: str | float | None = "fitted",
                psf_fwhm: float = PSF_FWHM) -> dict[str, Any]:
    """Run the experiment; returns the states, porosities (fractions; ``porosity_ct``: as the
    virtual CT sees them), pore sizes (m, median by pore volume, for each of
    ``pore_sizes_at``) and thickness changes (m, scaled to the 100 µm electrode). The skeleton
    is the two-scale one with the fitted cell size (``cell_size=None``: uniform fibres);
    ``psf_fwhm``: the virtual CT's point-spread function."""
    tfa = CompositeAnode()
    ms0 = generate(tfa, shape=shape, seed=seed, cell_size=cell_size)
    scale = ms0.thickness / PAPER_THICKNESS
    q = PAPER_CAPACITY * scale
    ms1 = strip(ms0, q, collapse_fraction=collapse, seed=seed)
    ms2 = plate(ms1, q, seed=seed)
    li0 = bare_li((shape[0], min(shape[1], 32), min(shape[2], 32)), ms0.voxel_size)
    li1 = strip(li0, li0.thickness / PAPER_THICKNESS * PAPER_CAPACITY, seed=seed)
    states = {"as_made": ms0, "stripped": ms1, "replated": ms2}
    sizes: dict[str, dict[str, float]] = {}
    seen = {name: seen_as(ms, "ct", psf_fwhm) for name, ms in states.items()}
    for res in pore_sizes_at:
        sizes[res] = {}
        for name, ms in states.items():
            m = seen[name] if res == "ct" else seen_as(ms, res)
            sizes[res][name] = pore_sizes(m).median_diameter if (m.labels == PORE).any() \
                else float("nan")
    return {
        "states": states, "bare_li": (li0, li1), "capacity_rve_C_m2": q, "scale": scale,
        "porosity": {k: v.fraction(PORE) for k, v in states.items()},
        "porosity_ct": {k: v.fraction(PORE) for k, v in seen.items()},
        "pore_size": sizes,
        "tfa_thickness_change": (ms0.thickness - ms1.thickness) / scale,
        "li_thickness_change": (li0.thickness - li1.thickness) * PAPER_THICKNESS
        / li0.thickness,
        "collapse": collapse, "shape": shape, "voxel_size": ms0.voxel_size,
        "psf_fwhm": psf_fwhm,
    }
