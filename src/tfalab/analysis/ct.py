"""X-ray computed tomography (CT) of electrodes: segmentation, porosity and pore sizes.

A reconstructed volume (3D TIFF stack or ``.npy`` array, axes ``(z, y, x)``) is split into pore
and solid by a grey-value threshold (Otsu's by default; pores are the *dark*, low-attenuation
voxels unless told otherwise). From the pore mask tfalab computes

* the electrode's extent and thickness along an axis (slices whose solid fraction is at least
  ``min_solid``; the air or holder around the electrode is excluded),
* the porosity inside the electrode and its profile through the thickness,
* the pore size distribution from the local thickness (diameter of the largest sphere that fits
  in the pore space and covers the voxel; :func:`porespy.filters.local_thickness`).

Everything is SI (lengths in m); µm appear only in :func:`analyze`'s summary and figure. The
seed paper's CT (Zeiss Xradia 610 Versa) has a 0.3 µm resolution, the default voxel size: pores
narrower than 2–3 voxels (< 1 µm) are not resolved.

>>> vol = np.zeros((20, 16, 16)); vol[5:15] = 1.0; vol[8:12, 4:8, 4:8] = 0.0
>>> seg = segment(vol)
>>> round(electrode_thickness(seg, voxel_size=1e-6) / 1e-6, 9), round(porosity(seg), 4)
(10.0, 0.025)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tfalab.analysis.checks import check_bins, check_number
from tfalab.errors import DataFileError, FitError, ParameterError

__all__ = [
    "CTVolume",
    "PoreSizeDistribution",
    "Segmentation",
    "analyze",
    "electrode_extent",
    "electrode_thickness",
    "local_thickness",
    "otsu_threshold",
    "pore_size_distribution",
    "porosity",
    "porosity_profile",
    "read_volume",
    "segment",
]

#: Voxel size of the seed paper's CT scans (Zeiss Xradia 610 Versa, 0.3 µm resolution).
DEFAULT_VOXEL_SIZE = "0.3 um"
#: Voxel sizes (m) accepted for a volume: 0.1 nm to 1 cm.
VOXEL_SIZE_RANGE = (1e-10, 1e-2)
#: A slice belongs to the electrode if at least this fraction of it is solid.
MIN_SOLID = 0.5
UM = 1e-6


def _length(value: str | float, what: str) -> float:
    from tfalab.units import to_si

    v = to_si(value, "length", what) if isinstance(value, str) else float(value)
    if not np.isfinite(v) or v <= 0:
        raise ParameterError(f"{what} must be a positive length, got {value!r}")
    return float(v)


@dataclass(frozen=True)
class CTVolume:
    """A reconstructed grey-value volume, axes (z, y, x), with its (cubic) voxel size in m."""

    data: np.ndarray
    voxel_size: float
    source: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)


def _check_volume(data: np.ndarray, where: str) -> np.ndarray:
    data = np.asarray(data)
    if data.size == 0:
        raise DataFileError(f"{where}: empty volume")
    if data.dtype == bool:
        data = data.astype(np.uint8)
    if not np.issubdtype(data.dtype, np.number) or np.iscomplexobj(data):
        raise DataFileError(f"{where}: voxel values of type {data.dtype} are not real numbers")
    if data.ndim > 3:
        data = np.squeeze(data)
    if data.ndim == 4 and data.shape[-1] in (3, 4):
        raise DataFileError(f"{where}: colour (RGB) stack {data.shape}; convert it to grey "
                            "values first")
    if data.ndim != 3:
        raise DataFileError(f"{where}: need a 3D volume (z, y, x), got shape {data.shape}")
    if min(data.shape) < 2:
        raise DataFileError(f"{where}: volume {data.shape} is thinner than 2 voxels")
    if np.issubdtype(data.dtype, np.floating) and not np.all(np.isfinite(data)):
        raise DataFileError(f"{where}: volume contains NaN or infinite voxels; mask or fill "
                            "them before analysis")
    return data


def read_volume(path: str | Path, voxel_size: str | float = DEFAULT_VOXEL_SIZE) -> CTVolume:
    """Read a CT volume: a multi-page TIFF stack, a folder of 2D TIFF slices, or ``.npy``.

    ``voxel_size`` is a length ("0.3 um") or metres. Raises
    :class:`~tfalab.errors.DataFileError` naming the file when it is missing, unreadable,
    empty or not a 3D grey-value volume.

    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "v.npy")
    >>> np.save(f, np.zeros((4, 5, 6), np.uint8))
    >>> v = read_volume(f, "0.3 um")
    >>> v.shape, v.voxel_size
    ((4, 5, 6), 3e-07)
    """
    p = Path(path)
    size = _length(voxel_size, "voxel_size")
    lo, hi = VOXEL_SIZE_RANGE
    if not lo <= size <= hi:
        raise ParameterError(f"voxel_size (--voxel-size) {voxel_size!r} is outside "
                             f"{lo * 1e9:g} nm - {hi * 1e3:g} mm (a tomography voxel)")
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in (".tif", ".tiff"))
        if not files:
            raise DataFileError(f"{p}: folder holds no .tif/.tiff slices")
        slices = [_read_tiff(f) for f in files]
        shapes = {s.shape for s in slices}
        if len(shapes) != 1:
            raise DataFileError(f"{p}: slices differ in shape {sorted(shapes)}")
        data = np.stack([np.squeeze(s) for s in slices])
    elif not p.is_file():
        raise DataFileError(f"{p}: no such CT volume file")
    elif p.suffix.lower() in (".tif", ".tiff"):
        data = _read_tiff(p)
    elif p.suffix.lower() == ".npy":
        try:
            data = np.load(p, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise DataFileError(f"{p}: not a readable .npy array ({exc})") from exc
    else:
        raise DataFileError(f"{p}: unknown CT format {p.suffix!r}; expected a .tif/.tiff stack, "
                            "a folder of .tif slices or a .npy array")
    return CTVolume(_check_volume(data, str(p)), size, str(p))


def _read_tiff(path: Path) -> np.ndarray:
    import tifffile

    try:
        return np.asarray(tifffile.imread(path))
    except Exception as exc:  # tifffile raises many types on corrupt files
        raise DataFileError(f"{path}: not a readable TIFF ({type(exc).__name__}: {exc})") from exc


def _grey(volume: CTVolume | np.ndarray) -> np.ndarray:
    data = volume.data if isinstance(volume, CTVolume) else np.asarray(volume)
    if data.size == 0:
        raise ParameterError("empty volume")
    return data


def otsu_threshold(volume: CTVolume | np.ndarray) -> float:
    """Otsu's threshold of the grey values (subsampled to ≤ 10⁷ voxels for large volumes),
    moved to the midpoint between the grey values just below and just above it.

    >>> otsu_threshold(np.r_[np.zeros(50), np.ones(50)])
    0.5
    """
    from skimage.filters import threshold_otsu

    data = _grey(volume).ravel()
    if data.size > 10_000_000:
        data = data[:: data.size // 10_000_000 + 1]
    if not np.all(np.isfinite(data)):
        raise FitError("cannot threshold a volume with NaN or infinite voxels")
    if float(np.ptp(data)) == 0.0:
        raise FitError("volume has a single grey value: nothing to segment")
    t = float(threshold_otsu(data.astype(float)))
    # same split, but placed midway between the grey levels on either side of it
    below, above = data[data <= t], data[data > t]
    if below.size and above.size:
        t = 0.5 * (float(below.max()) + float(above.min()))
    return t


@dataclass(frozen=True)
class Segmentation:
    """Pore mask (True = pore) of a volume, the threshold used and the voxel size (m)."""

    pores: np.ndarray
    threshold: float
    pore_phase: str = "dark"
    voxel_size: float | None = None

    @property
    def solid(self) -> np.ndarray:
        return ~self.pores


def segment(volume: CTVolume | np.ndarray, threshold: float | None = None,
            pore: str = "dark") -> Segmentation:
    """Split a volume into pore and solid.

    ``threshold`` defaults to Otsu's; ``pore`` says which side is pore space: ``"dark"``
    (grey value ≤ threshold: low X-ray attenuation, as in the seed paper's Fig. 5e-g) or
    ``"bright"`` (> threshold).

    >>> seg = segment(np.array([[[10, 10], [200, 200]], [[10, 200], [200, 200]]]))
    >>> int(seg.pores.sum()), seg.threshold
    (3, 105.0)
    """
    if pore not in ("dark", "bright"):
        raise ParameterError(f"pore must be 'dark' or 'bright', got {pore!r}")
    data = _grey(volume)
    if data.ndim != 3:
        raise ParameterError(f"volume must be a 3-D grey-value volume (z, y, x), got an array "
                             f"of shape {data.shape}")
    if threshold is None:
        thr = otsu_threshold(data)
    else:
        try:
            thr = float(threshold)
        except (TypeError, ValueError):
            raise ParameterError(f"threshold (--threshold) must be a grey value, got "
                                 f"{threshold!r}") from None
        lo, hi = float(np.min(data)), float(np.max(data))
        if not (np.isfinite(thr) and lo <= thr < hi):
            raise ParameterError(f"threshold (--threshold) {threshold!r} is outside the "
                                 f"volume's grey values {lo:g}-{hi:g} (it must lie in "
                                 f"[{lo:g}, {hi:g})): every voxel would be one phase")
    pores = data <= thr if pore == "dark" else data > thr
    size = volume.voxel_size if isinstance(volume, CTVolume) else None
    return Segmentation(np.asarray(pores, bool), thr, pore, size)


def _pores(pores: Segmentation | np.ndarray) -> np.ndarray:
    mask = pores.pores if isinstance(pores, Segmentation) else np.asarray(pores)
    if mask.dtype != bool:
        if not np.isin(mask, (0, 1)).all():
            raise ParameterError("expected a pore mask (bool, True = pore); segment() the "
                                 "grey-value volume first")
        mask = mask.astype(bool)
    if mask.size == 0:
        raise ParameterError("empty pore mask")
    return mask


def _voxel(pores: Segmentation | np.ndarray, voxel_size: str | float | None) -> float:
    if voxel_size is not None:
        return _length(voxel_size, "voxel_size")
    if isinstance(pores, Segmentation) and pores.voxel_size is not None:
        return pores.voxel_size
    raise ParameterError("voxel_size is needed (the pore mask does not carry one)")


def _axis(mask: np.ndarray, axis: int) -> int:
    if not -mask.ndim <= axis < mask.ndim:
        raise ParameterError(f"axis {axis} out of range for a {mask.ndim}D volume")
    return axis % mask.ndim


def _min_solid(min_solid: Any) -> float:
    """A solid fraction in (0, 1] (the least solid share of an electrode slice)."""
    return check_number(min_solid, "min_solid (--min-solid)", low=0, high=1, low_open=True)


def _solid_per_slice(mask: np.ndarray, axis: int) -> np.ndarray:
    others = tuple(i for i in range(mask.ndim) if i != axis)
    return 1.0 - mask.mean(axis=others)


def electrode_extent(pores: Segmentation | np.ndarray, axis: int = 0,
                     min_solid: float = MIN_SOLID) -> tuple[int, int]:
    """Slice range ``(start, stop)`` along ``axis`` from the first to the last slice whose solid
    fraction is at least ``min_solid`` (in (0, 1]); :class:`FitError` if there is none.

    >>> m = np.ones((10, 4, 4), bool); m[3:7] = False
    >>> electrode_extent(m)
    (3, 7)
    """
    mask = _pores(pores)
    ax = _axis(mask, axis)
    min_solid = _min_solid(min_solid)
    idx = np.flatnonzero(_solid_per_slice(mask, ax) >= min_solid)
    if idx.size == 0:
        raise FitError(f"no slice along axis {axis} is at least {min_solid:.0%} solid "
                       "(min_solid): no electrode found (wrong pore phase or threshold?)")
    return (int(idx[0]), int(idx[-1]) + 1)


def electrode_thickness(pores: Segmentation | np.ndarray, voxel_size: str | float | None = None,
                        axis: int = 0, min_solid: float = MIN_SOLID) -> float:
    """Thickness (m) of the electrode along ``axis``: its slice extent times the voxel size.

    >>> m = np.ones((10, 4, 4), bool); m[3:7] = False
    >>> electrode_thickness(m, "0.3 um")
    1.2e-06
    """
    start, stop = electrode_extent(pores, axis, min_solid)
    return (stop - start) * _voxel(pores, voxel_size)


def _crop(mask: np.ndarray, axis: int, min_solid: float) -> np.ndarray:
    start, stop = electrode_extent(mask, axis, min_solid)
    index = [slice(None)] * mask.ndim
    index[_axis(mask, axis)] = slice(start, stop)
    return mask[tuple(index)]


def porosity(pores: Segmentation | np.ndarray, axis: int = 0, within_electrode: bool = True,
             min_solid: float = MIN_SOLID) -> float:
    """Pore volume fraction, inside the electrode's extent along ``axis`` by default.

    >>> m = np.zeros((4, 4, 4), bool); m[0, 0, :2] = True
    >>> porosity(m)
    0.03125
    """
    mask = _pores(pores)
    if within_electrode:
        mask = _crop(mask, axis, min_solid)
    else:
        _min_solid(min_solid)
    return float(mask.mean())


def porosity_profile(pores: Segmentation | np.ndarray, voxel_size: str | float | None = None,
                     axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Porosity of each slice through the thickness: (slice-centre positions in m, porosity).

    >>> m = np.zeros((3, 2, 2), bool); m[1, 0, 0] = True
    >>> porosity_profile(m, voxel_size=1.0)
    (array([0.5, 1.5, 2.5]), array([0.  , 0.25, 0.  ]))
    """
    mask = _pores(pores)
    ax = _axis(mask, axis)
    size = _voxel(pores, voxel_size)
    phi = 1.0 - _solid_per_slice(mask, ax)
    return (np.arange(mask.shape[ax]) + 0.5) * size, phi


def local_thickness(pores: Segmentation | np.ndarray,
                    voxel_size: str | float | None = None) -> np.ndarray:
    """Local pore diameter (m) of every voxel (0 in the solid): the width, 2r + 1 voxels, of the
    largest digital sphere (integer radius r) inside the pore space that covers it
    (:func:`porespy.filters.local_thickness`, distance-transform method). Accurate to about a
    voxel; smaller for voxels in corners of non-spherical pores.

    >>> yy, xx = np.mgrid[:15, :15]
    >>> m = np.zeros((3, 15, 15), bool); m[:] = (yy - 7) ** 2 + (xx - 7) ** 2 <= 16
    >>> float(local_thickness(m, 1.0).max())     # a cylinder 9 voxels across
    9.0
    """
    mask = _pores(pores)
    size = _voxel(pores, voxel_size)
    if not mask.any():
        return np.zeros(mask.shape)
    if mask.all():
        raise FitError(f"every voxel of the {'x'.join(map(str, mask.shape))} volume is pore: "
                       "local pore sizes need solid around the pores")
    import porespy

    porespy.settings.tqdm["disable"] = True
    radius = np.asarray(porespy.filters.local_thickness(mask, method="dt"), float)
    # porespy works with integer sphere radii r; such a digital sphere spans 2r + 1 voxels
    return np.where(mask, 2.0 * radius + 1.0, 0.0) * size


@dataclass(frozen=True)
class PoreSizeDistribution:
    """Pore-volume-weighted distribution of local pore diameters (m)."""

    bin_edges: np.ndarray  #: m
    volume_fraction: np.ndarray  #: fraction of the pore volume in each bin (sums to 1)
    mean_diameter: float  #: pore-volume-weighted mean local diameter, m
    median_diameter: float  #: d50 by pore volume, m
    max_diameter: float  #: m

    @property
    def diameters(self) -> np.ndarray:
        """Bin centres, m."""
        return 0.5 * (self.bin_edges[1:] + self.bin_edges[:-1])


def pore_size_distribution(pores: Segmentation | np.ndarray,
                           voxel_size: str | float | None = None, axis: int = 0,
                           within_electrode: bool = True, min_solid: float = MIN_SOLID,
                           bins: int | np.ndarray | None = None) -> PoreSizeDistribution:
    """Distribution of local pore diameters, inside the electrode by default.

    The mask is cropped to the electrode's extent along ``axis`` before the local thickness is
    computed, so the air around the electrode does not count as a pore. Default bins are one
    voxel wide; ``bins`` may be a number of bins (≥ 1) or strictly increasing edges (m). A mask
    without pore voxels (inside the electrode) raises :class:`FitError`.

    >>> yy, xx = np.mgrid[:15, :15]
    >>> m = np.zeros((3, 15, 15), bool); m[:] = (yy - 7) ** 2 + (xx - 7) ** 2 <= 16
    >>> psd = pore_size_distribution(m, voxel_size=1e-6)
    >>> round(psd.max_diameter * 1e6, 1), round(psd.median_diameter * 1e6, 1)
    (9.0, 9.0)
    """
    mask = _pores(pores)
    size = _voxel(pores, voxel_size)
    if bins is not None:
        bins = check_bins(bins, "bins", edges=True)
    if within_electrode:
        mask = _crop(mask, axis, min_solid)
    else:
        _min_solid(min_solid)
    if not mask.any():
        raise FitError(f"no pore voxel in the {'x'.join(map(str, mask.shape))} "
                       f"{'electrode' if within_electrode else 'volume'}: there is no pore "
                       "size distribution (wrong pore phase or threshold?)")
    d = local_thickness(mask, size)[mask]
    if bins is None:
        bins = np.arange(0, np.ceil(d.max() / size) + 2) * size
    counts, edges = np.histogram(d, bins=bins)
    frac = counts / max(counts.sum(), 1)
    return PoreSizeDistribution(edges, frac, float(d.mean()), float(np.median(d)),
                                float(d.max()))


# --------------------------------------------------------------------------------------------


def analyze(path: str | Path, out: str | Path, voxel_size: str | float = DEFAULT_VOXEL_SIZE,
            threshold: float | None = None, pore: str = "dark", axis: int = 0,
            min_solid: float = MIN_SOLID) -> dict[str, Any]:
    """Segment a CT volume and measure it; write ``{out}.png`` and ``{out}.json``.

    Returns the JSON-serialisable summary: porosity inside the electrode, electrode thickness,
    porosity profile along ``axis`` and pore size distribution (lengths in µm).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> vol = np.full((24, 16, 16), 200, np.uint8); vol[:4] = 20; vol[20:] = 20
    >>> vol[8:14, 4:10, 4:10] = 20
    >>> np.save(os.path.join(d, "v.npy"), vol)
    >>> s = analyze(os.path.join(d, "v.npy"), os.path.join(d, "v"), voxel_size="1 um")
    >>> s["electrode_thickness_um"], round(s["porosity"], 4)
    (16.0, 0.0527)
    """
    from tfalab.plotting import save

    vol = read_volume(path, voxel_size)
    seg = segment(vol, threshold, pore)
    ax = _axis(seg.pores, axis)
    start, stop = electrode_extent(seg, ax, min_solid)
    phi = porosity(seg, ax, True, min_solid)
    thick = electrode_thickness(seg, axis=ax, min_solid=min_solid)
    z, prof = porosity_profile(seg, axis=ax)
    if phi > 0:
        psd = pore_size_distribution(seg, axis=ax, min_solid=min_solid)
    else:  # a dense electrode: no pore sizes, reported as null
        psd = PoreSizeDistribution(np.array([0.0, vol.voxel_size]), np.zeros(1), float("nan"),
                                   float("nan"), 0.0)

    def um(v: float) -> float | None:
        return None if not np.isfinite(v) else round(v / UM, 4)

    summary: dict[str, Any] = {
        "file": str(path),
        "kind": "ct",
        "shape": list(vol.shape),
        "voxel_size_um": round(vol.voxel_size / UM, 6),
        "threshold": seg.threshold,
        "pore_phase": pore,
        "axis": ax,
        "electrode_extent_voxels": [start, stop],
        "electrode_thickness_um": um(thick),
        "porosity": round(phi, 6),
        "porosity_percent": round(100 * phi, 3),
        "mean_pore_diameter_um": um(psd.mean_diameter),
        "median_pore_diameter_um": um(psd.median_diameter),
        "max_pore_diameter_um": um(psd.max_diameter),
        "profile": {"position_um": [round(v / UM, 4) for v in z],
                    "porosity": [round(float(v), 5) for v in prof]},
        "pore_size_distribution": {
            "diameter_um": [round(float(v) / UM, 4) for v in psd.diameters],
            "volume_fraction": [round(float(v), 5) for v in psd.volume_fraction]},
        "note": "pores narrower than ~2-3 voxels are not resolved; pore diameters are local "
                "thicknesses (largest inscribed sphere)",
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    png, js = Path(f"{out}.png"), Path(f"{out}.json")
    from tfalab.outputs import atomic_write

    fig = _figure(vol, seg, ax, (start, stop), z, prof, psd, summary)
    summary["figure"] = str(png)
    text = json.dumps(summary, indent=2)
    atomic_write(png, lambda tmp: save(fig, tmp))
    atomic_write(js, lambda tmp: tmp.write_text(text))
    return summary


def _figure(vol: CTVolume, seg: Segmentation, axis: int, extent: tuple[int, int],
            z: np.ndarray, prof: np.ndarray, psd: PoreSizeDistribution,
            summary: dict[str, Any]) -> Any:
    from matplotlib.colors import ListedColormap

    from tfalab.plotting import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(10, 6.5))
    blue = ListedColormap([(0, 0, 0, 0), (0.1, 0.35, 1.0, 0.55)])
    names = ("z", "y", "x")
    for k in range(3):
        a = axes[0, k]
        mid = vol.shape[k] // 2
        a.imshow(np.take(vol.data, mid, axis=k), cmap="gray", interpolation="nearest")
        a.imshow(np.take(seg.pores, mid, axis=k).astype(int), cmap=blue, vmin=0, vmax=1,
                 interpolation="nearest")
        a.set_title(f"{names[k]} = {mid} (pores blue)", fontsize=8)
        a.set_xticks([])
        a.set_yticks([])
    a = axes[1, 0]
    a.plot(z / UM, 100 * prof, color="C0")
    a.axvspan(extent[0] * vol.voxel_size / UM, extent[1] * vol.voxel_size / UM, color="0.9",
              zorder=0, label="electrode")
    a.set_xlabel(f"position along {names[axis]} (µm)")
    a.set_ylabel("porosity (%)")
    a.legend(fontsize=7)
    a = axes[1, 1]
    if psd.volume_fraction.size:
        a.bar(psd.diameters / UM, 100 * psd.volume_fraction,
              width=np.diff(psd.bin_edges) / UM * 0.9, color="C0")
    a.set_xlabel("local pore diameter (µm)")
    a.set_ylabel("pore volume (%)")
    a = axes[1, 2]
    a.axis("off")
    mean = summary["mean_pore_diameter_um"]
    lines = [f"file: {Path(summary['file']).name}",
             f"voxel: {summary['voxel_size_um']:g} µm, shape {tuple(summary['shape'])}",
             f"threshold: {summary['threshold']:.4g} ({summary['pore_phase']} = pore)",
             f"electrode thickness: {summary['electrode_thickness_um']:g} µm",
             f"porosity: {summary['porosity_percent']:.2f} %",
             "mean pore diameter: " + ("-" if mean is None else f"{mean:.3g} µm")]
    a.text(0, 1, "\n".join(lines), va="top", fontsize=8, family="monospace")
    return fig
