"""Virtual X-ray CT of a voxel microstructure: see a model volume as the paper's CT saw it.

The seed paper's porosities and pore sizes (Fig. 5e–g, Fig. S27) are lab-CT measurements
(ZEISS Xradia 610 Versa, 50 kV, 0.3 µm voxels, reconstructed and segmented in Dragonfly) of a
structure whose fibres are 100–400 nm across, i.e. at or below the scan's resolution. A
like-for-like comparison images the fine model volume (100 nm voxels) the way the scan does
(:func:`virtual_ct`):

1. **Attenuation**: each phase gets a grey value (default: pore 0, free Li and LiBx skeleton
   1, see ``DEFAULT_ATTENUATION``).
2. **Point-spread function**: an isotropic Gaussian blur with full width at half maximum
   ``psf_fwhm`` (default ``PSF_FWHM`` = 0.6 µm, two CT voxels).
3. **Partial volume**: the blurred volume is averaged over blocks of the CT voxel (0.3 µm =
   3 × 3 × 3 model voxels): each CT voxel holds the mean grey value of the matter in it.
4. **Noise** (optional): Gaussian, ``noise`` × the pore–solid contrast, seeded.
5. **Segmentation**: Otsu's threshold of the electrode's grey values
   (:func:`tfalab.analysis.ct.otsu_threshold`, the lab-data pipeline; ``classes=3``: the
   lowest multi-Otsu threshold, for a bright skeleton), pores at or below it.

The result (:class:`VirtualCT`) carries the grey volume and a segmented
:class:`~tfalab.microstructure.generate.Microstructure` at the CT voxel (pore / solid, solid
labelled as free Li, blocks mostly beyond the electrode ``OUTSIDE``), on which porosity and the
local-thickness pore sizes (:func:`tfalab.analysis.ct.pore_size_distribution`) are measured
as on a real scan. Sub-resolution solid (a fibre wall thinner than the PSF between two pores)
blurs below the threshold and vanishes, so the pores on either side merge; a thick slab or a
large pore survives with its volume.

PSF assumption: ZEISS specifies a spatial resolution of 0.5 µm for the Xradia 610/620 Versa
(its best case, at voxels far smaller than 0.3 µm; product information "ZEISS Xradia 610 and
620 Versa", Carl Zeiss X-ray Microscopy, whose specification table could not be read here: the
figure is the manufacturer's as commonly quoted); at a 0.3 µm voxel the scan cannot resolve
line pairs finer than two voxels (Nyquist), so the default PSF FWHM is 0.6 µm (2 CT voxels),
with the 0.3 µm voxel's own box average on top. ``docs/microstructure.md`` shows 0–0.9 µm.

>>> lab = np.zeros((30, 30, 30), np.uint8); lab[..., :6] = lab[..., 27:] = 1   # Li | pore | Li
>>> lab[..., 15:17] = 1                      # a 0.2 um Li wall splits the 2.1 um pore in two
>>> ct = virtual_ct(Microstructure(lab, 1e-7), threshold=0.5)
>>> ct.segmented.shape, round(ct.porosity, 2)   # wall blurred away: one pore, 7 CT voxels wide
((10, 10, 10), 0.7)
>>> round(virtual_ct(Microstructure(lab, 1e-7), psf_fwhm=0.0, threshold=0.5).porosity, 2)
0.6
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tfalab.analysis import ct
from tfalab.errors import ParameterError
from tfalab.microstructure.generate import LI, OUTSIDE, PORE, SKELETON, Microstructure

__all__ = ["CT_VOXEL", "DEFAULT_ATTENUATION", "PSF_FWHM", "VirtualCT", "virtual_ct"]

#: Voxel of the paper's scans (ZEISS Xradia 610 Versa, "resolution of 0.3 µm").
CT_VOXEL = 0.3e-6
#: FWHM of the Gaussian point-spread function: two CT voxels (an assumption: ZEISS gives a
#: 0.5 µm spatial resolution for the 610/620 Versa at its finest voxels; a 0.3 µm voxel resolves
#: line pairs of two voxels at best).
PSF_FWHM = 0.6e-6
#: Grey value of each label. Pores (Ar or vacuum) do not attenuate; free Li and the LiBx
#: skeleton are both light-element solids and are given the same value: the paper's CT
#: segments pores ("areas of lower X-ray attenuation") against the solid, not skeleton against
#: Li. Outside the electrode (the current-collector side of a thinned slab) counts as solid.
DEFAULT_ATTENUATION = {PORE: 0.0, LI: 1.0, SKELETON: 1.0, OUTSIDE: 1.0}
_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


@dataclass(frozen=True)
class VirtualCT:
    """A virtual scan: grey values and the Otsu segmentation at the CT voxel."""

    grey: np.ndarray  #: reconstructed grey values at the CT voxel (float32)
    threshold: float  #: grey value splitting pore (≤) from solid
    segmented: Microstructure  #: PORE / LI (all solid) / OUTSIDE at the CT voxel
    psf_fwhm: float  #: m
    factor: int  #: CT voxel / model voxel

    @property
    def voxel_size(self) -> float:
        """CT voxel (m)."""
        return self.segmented.voxel_size

    @property
    def porosity(self) -> float:
        """Porosity the scan shows (pore voxels / electrode voxels)."""
        return self.segmented.fraction(PORE)

    def pore_sizes(self) -> ct.PoreSizeDistribution:
        """Local-thickness pore-size distribution of the segmented pores (outside counts as
        solid), as :func:`tfalab.microstructure.metrics.pore_sizes` on a model volume."""
        return ct.pore_size_distribution(self.segmented.labels == PORE, self.voxel_size,
                                         within_electrode=False)

    @property
    def median_pore_diameter(self) -> float:
        """d50 by pore volume (m); NaN without pores."""
        return self.pore_sizes().median_diameter


def _factor(ratio: float) -> int:
    k = round(ratio)
    if k < 1 or abs(ratio - k) > 1e-6 * max(ratio, 1.0):
        raise ParameterError(f"the CT voxel must be a whole multiple of the model voxel, got a "
                             f"ratio of {ratio:.6g}")
    return int(k)


def _block_mean(a: np.ndarray, k: int) -> np.ndarray:
    shp = tuple(n // k for n in a.shape)
    if min(shp) < 1:
        raise ParameterError(f"volume {a.shape} is smaller than one CT voxel ({k} voxels)")
    a = a[:shp[0] * k, :shp[1] * k, :shp[2] * k]
    return a.reshape(shp[0], k, shp[1], k, shp[2], k).mean(axis=(1, 3, 5), dtype=np.float64)


def virtual_ct(ms: Microstructure, voxel_size: float = CT_VOXEL, psf_fwhm: float = PSF_FWHM,
               attenuation: dict[int, float] | None = None, noise: float = 0.0,
               seed: int | None = 0, threshold: float | None = None,
               classes: int = 2) -> VirtualCT:
    """Image ``ms`` as a lab CT would (module docstring): Gaussian PSF of FWHM ``psf_fwhm``
    (m) at the model's voxel, block average onto ``voxel_size`` (m, a whole multiple of the
    model voxel), optional Gaussian ``noise`` (standard deviation as a fraction of the
    pore–solid contrast), then pores = grey ≤ ``threshold`` (default: Otsu's over the
    electrode's CT voxels; ``classes=3``: the lowest three-class Otsu threshold). A CT voxel
    more than half outside the electrode is ``OUTSIDE``; the far side beyond the model is
    continued by its edge values (``mode="nearest"``).

    >>> zz, yy, xx = np.mgrid[:60, :60, :60] - 29.5
    >>> lab = np.where(zz**2 + yy**2 + xx**2 <= 15**2, 0, 1).astype(np.uint8)  # 3 um pore in Li
    >>> ct = virtual_ct(Microstructure(lab, 1e-7))
    >>> round(float((lab == 0).mean()), 3), round(ct.porosity, 3), round(ct.threshold, 2)
    (0.066, 0.069, 0.59)
    """
    from scipy import ndimage

    if not (np.isfinite(psf_fwhm) and psf_fwhm >= 0):
        raise ParameterError(f"psf_fwhm must be a length >= 0, got {psf_fwhm}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ParameterError(f"noise must be >= 0, got {noise}")
    if classes not in (2, 3):
        raise ParameterError(f"classes must be 2 or 3, got {classes}")
    k = _factor(voxel_size / ms.voxel_size)
    known = {PORE: "PORE", LI: "LI", SKELETON: "SKELETON", OUTSIDE: "OUTSIDE"}
    for lab, mu in dict(attenuation or {}).items():
        if isinstance(lab, bool) or lab not in known:
            raise ParameterError(f"attenuation: unknown label {lab!r}; the labels are "
                                 + ", ".join(f"{v} = {k}" for k, v in known.items()))
        if isinstance(mu, bool) or not isinstance(mu, int | float | np.number) or \
                not (np.isfinite(mu) and mu >= 0):
            raise ParameterError(f"attenuation[{lab}] must be a finite number >= 0, got {mu!r}")
    att = dict(DEFAULT_ATTENUATION) | dict(attenuation or {})
    table = np.array([att[lab] for lab in (PORE, LI, SKELETON, OUTSIDE)], np.float32)
    grey = table[ms.labels]
    sigma = psf_fwhm / _FWHM_PER_SIGMA / ms.voxel_size
    if sigma > 0:
        grey = ndimage.gaussian_filter(grey, sigma, mode="nearest", truncate=3.0)
    grey = _block_mean(grey, k)
    outside = _block_mean(ms.labels == OUTSIDE, k) > 0.5
    if noise > 0:
        contrast = abs(float(table[LI] - table[PORE])) or 1.0
        grey = grey + np.random.default_rng(seed).normal(0.0, noise * contrast, grey.shape)
    grey = grey.astype(np.float32)
    inside = grey[~outside]
    if not inside.size:
        raise ParameterError("the volume holds no electrode at the CT voxel")
    if threshold is not None:
        thr = float(threshold)
    elif classes == 3:
        from skimage.filters import threshold_multiotsu

        thr = float(threshold_multiotsu(inside, classes=3)[0])
    else:
        thr = ct.otsu_threshold(inside) if np.ptp(inside) > 0 else float(inside[0])
    labels = np.where(grey <= thr, PORE, LI).astype(np.uint8)
    if np.ptp(inside) == 0 and threshold is None:  # a uniform scan: nothing to segment
        labels[:] = PORE if inside[0] < 0.5 * (table[LI] + table[PORE]) else LI
    labels[outside] = OUTSIDE
    meta: dict[str, Any] = dict(ms.metadata)
    meta.update(virtual_ct={"model_voxel_m": ms.voxel_size, "psf_fwhm_m": psf_fwhm,
                            "noise": noise, "threshold": thr})
    seg = Microstructure(labels, ms.voxel_size * k, meta)
    return VirtualCT(grey, thr, seg, float(psf_fwhm), k)
