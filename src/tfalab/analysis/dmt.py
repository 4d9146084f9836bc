"""AFM-DMT (PeakForce QNM) modulus maps: reading, histograms, (multi-)Gaussian fits, synthetics.

A DMT modulus map is a 2-D array of local moduli. The seed paper (Zhang et al., Adv. Mater.
2025, Fig. 2d) summarises each map by the histogram of its pixels: Li centred at ≈ 6.5 GPa with
a Gaussian FWHM ≈ 2.94 GPa, the bulk TFA at ≈ 12.8 GPa, the skeleton spanning 10–50 GPa. Here
the histogram is fitted with a sum of ``n_peaks`` Gaussians (lmfit), each reported as mean and
FWHM = 2√(2 ln 2)·σ with standard errors. Everything is in Pa inside; GPa appears only in
:meth:`DMTFit.summary`, figures and file output. Equations and choices: ``docs/sims-dmt.md``.

>>> m = synthetic_map([(1.0, 6.5e9, 2.94e9)], shape=(128, 128), seed=0)
>>> fit = fit_modulus_distribution(m)
>>> round(fit.peaks[0].mean / 1e9, 1), round(fit.peaks[0].fwhm / 1e9, 1)
(6.5, 2.9)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tfalab.analysis.checks import check_bins, check_number, check_range
from tfalab.errors import DataFileError, FitError, ParameterError
from tfalab.units import to_si

__all__ = [
    "FWHM_PER_SIGMA",
    "DMTFit",
    "Peak",
    "analyze_dmt",
    "fit_modulus_distribution",
    "modulus_histogram",
    "plot_dmt",
    "read_modulus_map",
    "synthetic_map",
]

#: FWHM of a Gaussian in units of its standard deviation, 2√(2 ln 2)
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
_UNITS = {"pa": 1.0, "kpa": 1e3, "mpa": 1e6, "gpa": 1e9}
#: Least share of a map's pixels that must hold a number (the rest NaN: masked)
MIN_VALID_FRACTION = 0.5
#: Largest share of zero or negative pixels tolerated (failed DMT fits of single pixels)
MAX_NONPOSITIVE_FRACTION = 0.1
#: Largest ratio of a map's sides (a narrower grid is a table of columns, not an image)
MAX_ASPECT = 20
#: Moduli (Pa) a map's median may have: 1 kPa (gels) to 10 TPa (beyond diamond)
MODULUS_RANGE = (1e3, 1e13)
_UNIT_RE = re.compile(r"(?<![A-Za-z])(GPa|MPa|kPa|Pa)(?![A-Za-z])", re.IGNORECASE)


# --- reading --------------------------------------------------------------------------------
def _unit_scale(unit: str, path: Path | str) -> float:
    try:
        return to_si(f"1 {unit}", "modulus", "unit")
    except ValueError as exc:
        raise DataFileError(f"{path}: unknown modulus unit {unit!r} (unit, --unit): use a "
                            "pressure unit such as GPa, MPa, kPa or Pa") from exc


def _csv_grid(path: Path) -> tuple[np.ndarray, str | None]:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read ({exc})") from exc
    comments = [ln for ln in text.splitlines() if ln.lstrip().startswith("#")]
    rows = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    unit = next((m.group(1) for ln in comments if (m := _UNIT_RE.search(ln))), None)
    if not rows:
        raise DataFileError(f"{path}: no data")
    sep = next((s for s in ("\t", ";", ",") if s in rows[0]), None)
    first = re.split(sep or r"\s+", rows[0].strip())
    if not all(_is_number(v) for v in first if v.strip()):  # a header line
        unit = unit or next((m.group(1) for m in [_UNIT_RE.search(rows[0])] if m), None)
        rows = rows[1:]
    grid = []
    for ln in rows:
        cells = re.split(sep or r"\s+", ln.strip())
        grid.append([float(v) if _is_number(v) else np.nan for v in cells])
    if not grid or len({len(r) for r in grid}) != 1:
        raise DataFileError(f"{path}: not a rectangular grid of numbers")
    return np.array(grid, dtype=float), unit


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return v.strip().lower() in ("nan", "")
    return True


def read_modulus_map(path: str | Path, unit: str | None = None) -> np.ndarray:
    """Read a modulus map (CSV/TXT grid, TIFF, ``.npy``) and return a 2-D float array in Pa.

    The unit is ``unit`` if given (``"GPa"``, ``"MPa"``, ``"Pa"``), else one named in the
    file (a ``# unit: GPa`` comment or header line of a CSV, the TIFF ImageDescription), else
    inferred from the magnitude: a median above 10⁵ is Pa, below 10³ GPa; anything in between
    is ambiguous and raises :class:`DataFileError` (pass ``unit``). Non-numeric or non-finite
    pixels become NaN (masked); a map with no finite pixel raises :class:`DataFileError`.

    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "m.csv")
    >>> _ = open(f, "w").write("# DMT modulus, unit: MPa\\n6500,7000\\n6000,nan\\n")
    >>> read_modulus_map(f).tolist()
    [[6500000000.0, 7000000000.0], [6000000000.0, nan]]
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    found: str | None = None
    try:
        if suffix == ".npy":
            data = np.load(path, allow_pickle=False)
        elif suffix in (".tif", ".tiff"):
            import tifffile

            with tifffile.TiffFile(path) as tif:
                data = tif.asarray()
                # tifffile types pages[0] as TiffPage | TiffFrame; the first is a TiffPage
                desc = tif.pages[0].description if tif.pages else ""  # type: ignore[union-attr]
            found = next((m.group(1) for m in [_UNIT_RE.search(desc or "")] if m), None)
        elif suffix in (".csv", ".txt", ".dat", ".tsv", ""):
            data, found = _csv_grid(path)
        else:
            raise DataFileError(f"{path}: unknown map format {suffix!r} (CSV, TXT, TIFF, NPY)")
    except DataFileError:
        raise
    except Exception as exc:  # any reader failure means a bad file
        raise DataFileError(f"{path}: cannot read as a modulus map ({exc})") from exc
    data = np.asarray(data)
    if data.ndim == 3 and 1 in data.shape:
        data = data.squeeze()
    if data.ndim != 2 or min(data.shape) < 2:
        raise DataFileError(f"{path}: expected a 2-D map, got shape {data.shape}")
    if max(data.shape) > MAX_ASPECT * min(data.shape):
        raise DataFileError(f"{path}: a {data.shape[0]} x {data.shape[1]} grid is a table, not "
                            f"a map image (its sides differ more than {MAX_ASPECT} times): is "
                            "this a modulus map?")
    if not np.issubdtype(data.dtype, np.number):
        raise DataFileError(f"{path}: map is not numeric ({data.dtype})")
    if np.iscomplexobj(data):
        raise DataFileError(f"{path}: map values are complex numbers ({data.dtype}); a modulus "
                            "map holds real numbers")
    data = data.astype(float)
    inf = np.isinf(data)
    if inf.any():
        r, c = np.argwhere(inf)[0]
        raise DataFileError(f"{path}: {int(inf.sum())} pixel(s) are infinite (the first at row "
                            f"{r + 1}, column {c + 1}); mark missing pixels as NaN")
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        raise DataFileError(f"{path}: map has no finite pixels")
    if finite.size < MIN_VALID_FRACTION * data.size:
        raise DataFileError(f"{path}: only {finite.size} of {data.size} pixels "
                            f"({100 * finite.size / data.size:.0f} %) hold a number, the rest "
                            f"are NaN or not numeric; a modulus map needs at least "
                            f"{100 * MIN_VALID_FRACTION:.0f} % valid pixels")
    n_bad = int(np.sum(finite <= 0))
    if n_bad > MAX_NONPOSITIVE_FRACTION * finite.size:
        raise DataFileError(f"{path}: {n_bad} of {finite.size} pixels "
                            f"({100 * n_bad / finite.size:.0f} %) are zero or negative; a DMT "
                            f"modulus is positive (at most {100 * MAX_NONPOSITIVE_FRACTION:.0f} "
                            f"% of failed pixels are tolerated): is this a modulus map?")
    unit = unit or found
    if unit is None:
        med = float(np.median(np.abs(finite)))
        if med > 1e5:
            unit = "Pa"
        elif med < 1e3:
            unit = "GPa"
        else:
            raise DataFileError(f"{path}: cannot tell the modulus unit (median {med:g}); "
                                "pass unit='MPa' or similar (--unit MPa)")
    with np.errstate(over="ignore"):
        data = data * _unit_scale(unit, path)
    valid = data[~np.isnan(data)]
    med = float(np.median(valid))
    lo, hi = MODULUS_RANGE
    if not (np.all(np.isfinite(valid)) and lo <= med <= hi):
        raise DataFileError(f"{path}: median modulus {med:g} Pa (unit {unit}) is outside "
                            f"{lo:g}-{hi:g} Pa; is the unit right (--unit)?")
    return data


# --- histogram and fit ----------------------------------------------------------------------
def _map(modulus_map: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """The map as a 2-D float array, else :class:`DataFileError` naming ``modulus_map``."""
    try:
        arr = np.asarray(modulus_map, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataFileError(f"modulus map is not numeric ({exc})") from exc
    if arr.ndim != 2:
        raise DataFileError(f"modulus_map must be a 2-D map (rows x columns of moduli), got an "
                            f"array of shape {arr.shape}")
    return arr


def _pixels(modulus_map: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """The finite pixels (NaN = masked) of a 2-D map; refuses infinite pixels, a map without
    finite pixels, and one with more than :data:`MAX_NONPOSITIVE_FRACTION` non-positive ones
    (the rule of :func:`read_modulus_map`)."""
    arr = _map(modulus_map)
    if np.isinf(arr).any():
        raise DataFileError(f"modulus map holds {int(np.isinf(arr).sum())} infinite pixel(s); "
                            "mark missing pixels as NaN")
    values = arr[np.isfinite(arr)].ravel()
    if values.size == 0:
        raise DataFileError("modulus map is empty (no finite pixels)")
    n_bad = int(np.sum(values <= 0))
    if n_bad > MAX_NONPOSITIVE_FRACTION * values.size:
        raise DataFileError(f"modulus_map: {n_bad} of {values.size} finite pixels are zero or "
                            f"negative; a DMT modulus is positive (at most "
                            f"{100 * MAX_NONPOSITIVE_FRACTION:.0f} % failed pixels are "
                            "tolerated; mark missing pixels as NaN)")
    return values


def _check_correlation_length(value: Any, shape: tuple[int, ...]) -> float:
    """Finite, > 0 and no longer than the map's longer side (pixels)."""
    return check_number(value, "correlation_length (pixels)", low=0, high=max(shape),
                        low_open=True)


def _histogram(values: np.ndarray, bins: int | None,
               limits: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    if bins is None:
        bins = int(np.clip(2 * values.size ** (1 / 3), 30, 150))
    else:
        bins = check_bins(bins, "bins (--bins)")
    if limits is None:
        lo, hi = np.percentile(values, [0.1, 99.9])
        pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi) * 0.05, 1.0)
        limits = (float(lo - pad), float(hi + pad))
    else:
        limits = check_range(limits, "limits (Pa)")
    counts, edges = np.histogram(values, bins=bins, range=limits)
    return 0.5 * (edges[1:] + edges[:-1]), counts


def modulus_histogram(modulus_map: np.ndarray, bins: int | None = None,
                      limits: tuple[float, float] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Histogram of the finite pixels: ``(bin centres in Pa, counts)``.

    Default ``bins``: 2·n^(1/3) clipped to [30, 150]; default ``limits`` (Pa): the 0.1–99.9
    percentiles widened by 5 % on each side. ``bins`` must be an integer ≥ 1 and ``limits``
    two finite moduli low < high, else :class:`ParameterError`.

    >>> m = np.array([[1e9, 2e9], [2e9, 3e9]])
    >>> c, n = modulus_histogram(m, bins=3, limits=(0.5e9, 3.5e9))
    >>> c.tolist(), n.tolist()
    ([1000000000.0, 2000000000.0, 3000000000.0], [1, 2, 1])
    """
    return _histogram(_pixels(modulus_map), bins, limits)


@dataclass(frozen=True)
class Peak:
    """One Gaussian component of a modulus histogram (Pa)."""

    mean: float
    mean_stderr: float
    fwhm: float
    fwhm_stderr: float
    fraction: float  #: share of the fitted area

    @property
    def sigma(self) -> float:
        """Standard deviation (Pa)."""
        return self.fwhm / FWHM_PER_SIGMA

    def summary(self) -> dict[str, float]:
        """The peak in GPa (output edge), JSON-serialisable."""
        return {"mean_GPa": self.mean / 1e9, "mean_stderr_GPa": self.mean_stderr / 1e9,
                "fwhm_GPa": self.fwhm / 1e9, "fwhm_stderr_GPa": self.fwhm_stderr / 1e9,
                "fraction": self.fraction}


@dataclass(frozen=True)
class DMTFit:
    """Result of :func:`fit_modulus_distribution`: peaks sorted by mean (Pa), histogram, fit."""

    peaks: tuple[Peak, ...]
    centers: np.ndarray
    counts: np.ndarray
    best_fit: np.ndarray
    n_pixels: int
    pixel_mean: float
    pixel_median: float
    redchi: float
    r_squared: float
    stderr_inflation: float = 1.0
    n_fitted: float = 0.0  #: pixels in the fitted peaks (sum of their areas)
    lmfit_result: Any = field(default=None, repr=False, compare=False)

    @property
    def main(self) -> Peak:
        """The peak with the largest area."""
        return max(self.peaks, key=lambda p: p.fraction)

    def curve(self, modulus: np.ndarray) -> np.ndarray:
        """Fitted pixels per histogram bin at ``modulus`` (Pa), summed over peaks."""
        x = np.asarray(modulus, dtype=float)
        width = float(np.mean(np.diff(self.centers))) if len(self.centers) > 1 else 1.0
        out = np.zeros_like(x)
        for p in self.peaks:
            out += self.n_fitted * width * p.fraction / (p.sigma * math.sqrt(2 * math.pi)) \
                * np.exp(-0.5 * ((x - p.mean) / p.sigma) ** 2)
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable summary in GPa (labelled)."""
        return {"peaks": [p.summary() for p in self.peaks],
                "mean_GPa": self.main.mean / 1e9, "fwhm_GPa": self.main.fwhm / 1e9,
                "pixel_mean_GPa": self.pixel_mean / 1e9,
                "pixel_median_GPa": self.pixel_median / 1e9, "n_pixels": self.n_pixels,
                "n_bins": len(self.centers), "reduced_chi_square": self.redchi,
                "r_squared": self.r_squared, "stderr_inflation": self.stderr_inflation,
                "fwhm_definition": "2*sqrt(2*ln 2)*sigma"}


def _binned_gauss(x: np.ndarray, hw: float, amplitude: float, center: float,
                  sigma: float) -> np.ndarray:
    """Pixels per bin [x − hw, x + hw] of a Gaussian peak holding ``amplitude`` pixels."""
    from scipy.special import ndtr

    return amplitude * (ndtr((x + hw - center) / sigma) - ndtr((x - hw - center) / sigma))


def _em_init(values: np.ndarray, n: int, seed: int = 0) -> list[tuple[float, float, float]]:
    """(weight, mean, sigma) of an n-component 1-D Gaussian mixture by a few EM steps."""
    rng = np.random.default_rng(seed)
    v = values if values.size <= 20000 else rng.choice(values, 20000, replace=False)
    mu = np.quantile(v, (np.arange(n) + 0.5) / n)
    sd = np.full(n, max(np.std(v) / n, 1e-12))
    w = np.full(n, 1.0 / n)
    for _ in range(60):
        z = (v[:, None] - mu) / sd
        like = w * np.exp(-0.5 * z**2) / sd
        resp = like / np.clip(like.sum(axis=1, keepdims=True), 1e-300, None)
        nk = np.clip(resp.sum(axis=0), 1e-9, None)
        w = nk / v.size
        mu = (resp * v[:, None]).sum(axis=0) / nk
        sd = np.sqrt(np.clip((resp * (v[:, None] - mu) ** 2).sum(axis=0) / nk,
                             (1e-3 * np.std(v)) ** 2 + 1e-24, None))
    return sorted(zip(w, mu, sd, strict=True), key=lambda t: t[1])


def fit_modulus_distribution(modulus_map: np.ndarray, n_peaks: int = 1,
                             bins: int | None = None,
                             limits: tuple[float, float] | None = None,
                             correlation_length: float = 1.0) -> DMTFit:
    """Fit a sum of ``n_peaks`` Gaussians to the modulus histogram of a map (Pa in, Pa out).

    Starting values come from a Gaussian-mixture EM on the pixels; lmfit then fits the
    histogram weighted by 1/√counts, integrating each Gaussian over the bins (no binning
    bias). Standard errors assume independent pixels; pixels of a
    real map are correlated over ``correlation_length`` pixels (tip radius, drift), so the
    errors are multiplied by ``max(1, correlation_length)`` (≈ √(pixels per independent
    sample)); it must be > 0 and no longer than the map's longer side. The map must be 2-D
    (NaN pixels are masked). A fit that fails or lands a peak outside the data raises
    :class:`FitError`.

    >>> m = synthetic_map([(0.6, 6.5e9, 2.94e9), (0.4, 30e9, 10e9)], seed=1)
    >>> fit = fit_modulus_distribution(m, n_peaks=2)
    >>> [round(p.mean / 1e9, 1) for p in fit.peaks], [round(p.fraction, 1) for p in fit.peaks]
    ([6.5, 30.0], [0.6, 0.4])
    """
    import lmfit

    n_peaks = check_number(n_peaks, "n_peaks (--peaks)", low=1, integer=True)
    arr = _map(modulus_map)
    correlation_length = _check_correlation_length(correlation_length, arr.shape)
    values = _pixels(arr)
    if values.size < 10 * n_peaks or np.ptp(values) == 0:
        raise FitError(f"cannot fit {n_peaks} peak(s) to {values.size} pixels "
                       f"with spread {np.ptp(values):g} Pa")
    centers, counts = _histogram(values, bins, limits)
    if 3 * n_peaks >= centers.size:
        raise FitError(f"cannot fit {n_peaks} peaks (n_peaks, --peaks: {3 * n_peaks} "
                       f"parameters) to a histogram of {centers.size} bins; fit fewer peaks")
    scale = 1e9  # fit in GPa for conditioning; converted back below
    x = centers / scale
    init = _em_init(values / scale, n_peaks)
    binw = float(x[1] - x[0])
    model = None
    params = lmfit.Parameters()
    for i, (w, mu, sd) in enumerate(init):
        g = lmfit.Model(_binned_gauss, prefix=f"p{i}_", independent_vars=["x", "hw"])
        model = g if model is None else model + g
        params.add(f"p{i}_amplitude", value=w * values.size, min=0.0)
        params.add(f"p{i}_center", value=mu)
        params.add(f"p{i}_sigma", value=sd, min=binw / 20)
        params.add(f"p{i}_fwhm", expr=f"{FWHM_PER_SIGMA!r}*p{i}_sigma")
    weights = 1.0 / np.sqrt(np.clip(counts, 1.0, None))
    assert model is not None  # n_peaks >= 1, so init has a component
    try:
        result = model.fit(counts.astype(float), params, x=x, hw=binw / 2, weights=weights)
    except (ValueError, TypeError, RuntimeError, np.linalg.LinAlgError) as exc:
        raise FitError(f"histogram fit failed ({exc})") from exc
    if not result.success:
        raise FitError(f"histogram fit did not converge ({result.message})")
    k = max(1.0, float(correlation_length))
    total = sum(result.params[f"p{i}_amplitude"].value for i in range(n_peaks))
    peaks = []
    for i in range(n_peaks):
        p = result.params
        mu, fw = p[f"p{i}_center"], p[f"p{i}_fwhm"]
        if not x[0] <= mu.value <= x[-1]:
            raise FitError(f"peak {i} landed outside the histogram ({mu.value:.3g} GPa)")
        peaks.append(Peak(mean=mu.value * scale,
                          mean_stderr=k * scale * (mu.stderr if mu.stderr else math.nan),
                          fwhm=fw.value * scale,
                          fwhm_stderr=k * scale * (fw.stderr if fw.stderr else math.nan),
                          fraction=p[f"p{i}_amplitude"].value / total if total > 0 else 0.0))
    best = np.asarray(result.best_fit, dtype=float)
    ss_tot = float(np.sum((counts - counts.mean()) ** 2))
    r2 = 1 - float(np.sum((counts - best) ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    return DMTFit(peaks=tuple(sorted(peaks, key=lambda q: q.mean)), centers=centers,
                  counts=counts, best_fit=best, n_pixels=int(values.size),
                  pixel_mean=float(values.mean()), pixel_median=float(np.median(values)),
                  redchi=float(result.redchi), r_squared=r2, stderr_inflation=k,
                  n_fitted=float(total), lmfit_result=result)


# --- synthetic maps -------------------------------------------------------------------------
def synthetic_map(phases: Sequence[tuple[float, float | str, float | str]],
                  shape: tuple[int, int] = (256, 256), seed: int = 0,
                  correlation_length: float = 8.0) -> np.ndarray:
    """A synthetic DMT map (Pa) of spatially correlated phase domains.

    ``phases`` lists ``(area fraction, mean, FWHM)``; moduli are Pa floats or strings such as
    ``"6.5 GPa"``. Domains come from Gaussian-filtered white noise (``correlation_length`` in
    pixels, periodic) thresholded at quantiles, so each phase covers exactly its fraction of
    the pixels; within a phase the modulus is mean + σ·(white Gaussian noise), σ = FWHM/2.355,
    as tip–sample noise is mostly pixel to pixel.

    >>> m = synthetic_map([(0.5, "6.5 GPa", "2.94 GPa"), (0.5, "30 GPa", "5 GPa")],
    ...                   shape=(64, 64), seed=0)
    >>> m.shape, round(float(np.median(m[m < 15e9])) / 1e9, 1)
    ((64, 64), 6.5)
    """
    from scipy.ndimage import gaussian_filter

    try:
        shape = tuple(check_number(n, "shape", low=2, integer=True) for n in shape)
    except TypeError:
        raise ParameterError(f"shape must be two integers >= 2 (rows, columns), got "
                             f"{shape!r}") from None
    if len(shape) != 2:
        raise ParameterError(f"shape must be two integers >= 2 (rows, columns), got {shape!r}")
    correlation_length = _check_correlation_length(correlation_length, shape)
    seed = check_number(seed, "seed", low=0, high=2**32 - 1, integer=True)
    if not phases:
        raise ParameterError("synthetic_map needs at least one phase")
    fr = np.array([float(f) for f, _, _ in phases])
    if np.any(fr <= 0):
        raise ParameterError("phase fractions must be positive")
    fr = fr / fr.sum()
    means = [to_si(m, "modulus", "mean") for _, m, _ in phases]
    sigmas = [to_si(w, "modulus", "fwhm") / FWHM_PER_SIGMA for _, _, w in phases]
    if any(s < 0 for s in sigmas):
        raise ParameterError("FWHM must be non-negative")
    rng = np.random.default_rng(seed)
    field_ = gaussian_filter(rng.standard_normal(shape), correlation_length, mode="wrap")
    ranks = np.empty(field_.size, dtype=float)
    ranks[np.argsort(field_, axis=None)] = (np.arange(field_.size) + 0.5) / field_.size
    labels = np.searchsorted(np.cumsum(fr)[:-1], ranks.reshape(shape), side="right")
    noise = rng.standard_normal(shape)
    out = np.empty(shape)
    for i, (mu, sd) in enumerate(zip(means, sigmas, strict=True)):
        sel = labels == i
        out[sel] = mu + sd * noise[sel]
    return out


# --- files in, files out --------------------------------------------------------------------
def plot_dmt(fits: dict[str, DMTFit], path: str | Path,
             modulus_map: np.ndarray | None = None) -> Path:
    """Histograms (bars) and Gaussian fits (lines) in GPa, optionally beside the map; PNG.

    >>> import tempfile, os
    >>> fit = fit_modulus_distribution(synthetic_map([(1, 6.5e9, 2.94e9)], (64, 64)))
    >>> plot_dmt({"Li": fit}, os.path.join(tempfile.mkdtemp(), "d.png")).suffix
    '.png'
    """
    from tfalab.plotting import pyplot, save

    plt = pyplot()
    ncols = 2 if modulus_map is not None else 1
    fig, axes = plt.subplots(1, ncols, figsize=(5 * ncols, 3.8), squeeze=False)
    if modulus_map is not None:
        ax = axes[0, 0]
        im = ax.imshow(np.asarray(modulus_map) / 1e9, cmap="viridis")
        fig.colorbar(im, ax=ax, label="DMT modulus (GPa)")
        ax.set_axis_off()
    ax = axes[0, -1]
    for i, (label, fit) in enumerate(fits.items()):
        c = fit.centers / 1e9
        ax.bar(c, fit.counts / fit.counts.max(), width=c[1] - c[0], color=f"C{i}", alpha=0.35)
        xs = np.linspace(c[0], c[-1], 400)
        peaks = ", ".join(f"{p.mean / 1e9:.2f} GPa (FWHM {p.fwhm / 1e9:.2f})"
                          for p in fit.peaks)
        ax.plot(xs, fit.curve(xs * 1e9) / fit.counts.max(), color=f"C{i}",
                label=f"{label}: {peaks}")
    ax.set_xlabel("DMT modulus (GPa)")
    ax.set_ylabel("normalised pixel count")
    ax.legend(fontsize=7)
    return save(fig, Path(path))


def analyze_dmt(path: str | Path, out: str | Path, *, unit: str | None = None,
                n_peaks: int = 1, bins: int | None = None,
                correlation_length: float = 1.0) -> dict[str, Any]:
    """Read a modulus map, fit its histogram, write ``{out}.png`` and ``{out}.json``.

    Returns the JSON-serialisable summary (GPa, labelled).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> np.save(os.path.join(d, "li.npy"), synthetic_map([(1, 6.5, 2.94)], (64, 64)))
    >>> s = analyze_dmt(os.path.join(d, "li.npy"), os.path.join(d, "li"), unit="GPa")
    >>> round(s["mean_GPa"], 1), sorted(os.listdir(d))
    (6.5, ['li.json', 'li.npy', 'li.png'])
    """
    modulus_map = read_modulus_map(path, unit=unit)
    fit = fit_modulus_distribution(modulus_map, n_peaks=n_peaks, bins=bins,
                                   correlation_length=correlation_length)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    png, js = Path(f"{out}.png"), Path(f"{out}.json")
    from tfalab.outputs import atomic_write

    summary = fit.summary() | {"file": str(path), "shape": list(modulus_map.shape),
                               "n_peaks": n_peaks, "figure": str(png)}
    text = json.dumps(summary, indent=2)
    atomic_write(png, lambda tmp: plot_dmt({Path(path).stem: fit}, tmp, modulus_map))
    atomic_write(js, lambda tmp: tmp.write_text(text))
    return summary

