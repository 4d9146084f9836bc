"""ToF-SIMS ⁶Li tracer depth profiles: reading, thin-film diffusion fits, synthetic profiles.

The seed paper (Zhang et al., Adv. Mater. 2025, Experimental section, Eq. 2) fits the ⁶Li
tracer profiles with the thin-film (Gaussian) solution of Fick's second law,

    C(x, t) = N / sqrt(π D t) · exp(−x² / (4 D t)),     N = ∫₀^∞ C dx,

where C is the isotope excess over the natural background. Here the measured signal is

    y(x) = C(x, t) ⊗ G(σ_r) + b  =  N / sqrt(π (D t + σ_r²/2)) · exp(−x² / (4 D t + 2 σ_r²)) + b

with a constant background ``b`` and an optional Gaussian depth resolution ``σ_r`` of the
instrument (convolution adds σ_r² to the variance 2 D t). Measured isotope fractions
f = ⁶Li/(⁶Li+⁷Li) are first turned into tracer excess c = (f − f_nat)/(f_src − f_nat) with
f_nat = 7.59 % (natural ⁶Li) and f_src = 95 % (the paper's enriched source). All quantities are
SI (m, s, m²/s); cm²/s appears only in :meth:`SIMSFit.summary`. Equations and choices:
``docs/sims-dmt.md``.

>>> p = synthetic_profile(2.4e-14, time=3600.0, depth_resolution=100e-9, seed=1)
>>> fit = fit_diffusion(p, time=3600.0, depth_resolution=100e-9)
>>> bool(abs(fit.D / 2.4e-14 - 1) < 0.05)
True
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from tfalab.analysis.checks import check_number
from tfalab.errors import DataFileError, FitError, ParameterError
from tfalab.units import to_si

__all__ = [
    "DEFAULT_DEPTH_RESOLUTION",
    "DEFAULT_TIME",
    "NATURAL_6LI",
    "TRACER_ENRICHMENT",
    "Profile",
    "SIMSFit",
    "analyze_sims",
    "fit_diffusion",
    "plot_sims",
    "read_profile",
    "synthetic_profile",
    "thin_film",
    "tracer_excess",
]

#: natural ⁶Li atom fraction (IUPAC representative isotopic composition, 7.59 %)
NATURAL_6LI = 0.0759
#: ⁶Li atom fraction of the paper's tracer source ("95 at.% ⁶Li, CIL")
TRACER_ENRICHMENT = 0.95
#: tfalab's diffusion time for synthetic profiles (the paper does not state it): 1 h, so that
#: sqrt(D t) = 3.0 µm (Li) and 9.3 µm (TFA), 30–90 depth-resolution lengths
DEFAULT_TIME = 3600.0
#: tfalab's 1σ depth resolution of ToF-SIMS on Li (Cs⁺ 1 keV sputtering, rough metal): 100 nm
DEFAULT_DEPTH_RESOLUTION = 100e-9

Kind = Literal["fraction", "counts", "excess"]
_LENGTH_UNITS = {"nm": 1e-9, "um": 1e-6, "µm": 1e-6, "μm": 1e-6, "micron": 1e-6,
                 "microns": 1e-6, "mm": 1e-3, "cm": 1e-2, "m": 1.0, "a": 1e-10, "å": 1e-10,
                 "angstrom": 1e-10}
_Z95 = 1.959963984540054
#: Fewest depth points :func:`analyze_sims` fits (three parameters: peak, width, background)
MIN_FIT_POINTS = 10
#: Diffusion (tracer anneal) times accepted, s: 1 s (shorter cannot be timed against the
#: minutes a sample takes to quench and load) to 10 years (3.156e8 s; longer is no experiment).
#: Outside it D = width²/4t is a meaningless number (1e-30 s gives D ~ 1e20 m²/s).
TIME_RANGE = (1.0, 10 * 365.25 * 86400.0)
#: Largest 1σ depth resolution accepted, m: 100 µm (ToF-SIMS resolves nm to a few µm).
MAX_DEPTH_RESOLUTION = 100e-6
#: Deepest depth a profile may hold, m: 10 mm (SIMS craters are µm deep; a line scan of a
#: cross-section reaches mm). Larger depths are a unit mistake (and overflow the fit).
MAX_DEPTH = 10e-3


def _check_time(time: Any, name: str = "time") -> float:
    """A diffusion time in s within :data:`TIME_RANGE`, else :class:`ParameterError`.

    >>> _check_time("1 h")
    3600.0
    """
    t = to_si(time, "time", name)
    lo, hi = TIME_RANGE
    if not (math.isfinite(t) and lo <= t <= hi):
        raise ParameterError(f"{name} (--time) must be a diffusion time from 1 s to 10 years "
                             f"({lo:g}-{hi:.4g} s), such as '1 h'; got {time!r}")
    return t


def _check_depth_resolution(depth_resolution: Any) -> float:
    sr = to_si(depth_resolution, "length", "depth_resolution")
    if not (math.isfinite(sr) and 0 <= sr <= MAX_DEPTH_RESOLUTION):
        raise ParameterError(f"depth_resolution (--depth-resolution) must be a length from 0 "
                             f"to 100 um such as '100 nm', got {depth_resolution!r}")
    return sr


def _check_fraction(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ParameterError(f"{name} must be a ⁶Li atom fraction within 0-1, got {value!r}")
    return float(value)


# --- the model ------------------------------------------------------------------------------
def thin_film(x: np.ndarray | float, N: float, D: float, time: float,
              depth_resolution: float = 0.0) -> np.ndarray:
    """The paper's Eq. (2), N/√(πDt)·exp(−x²/4Dt), optionally broadened by a Gaussian σ_r.

    ``x`` and ``depth_resolution`` in m, ``D`` in m²/s, ``time`` in s; ``N`` in the unit of
    the concentration × m. The broadened profile keeps ∫₀^∞ C dx = N. ``N`` must be finite,
    ``D`` > 0, ``time`` > 0 and ``depth_resolution`` (σ_r) >= 0, all finite.

    >>> round(float(thin_film(0.0, N=1e-6, D=1e-14, time=100.0)), 4)
    0.5642
    """
    N = check_number(N, "N")
    D = check_number(D, "D (m²/s)", low=0, low_open=True)
    time = check_number(time, "time (s)", low=0, low_open=True)
    depth_resolution = check_number(depth_resolution, "depth_resolution (m)", low=0)
    var = D * time + 0.5 * depth_resolution**2  # = (2 D t + σ_r²) / 2
    if not (math.isfinite(var) and var > 0):
        raise ParameterError(f"D·t + σ_r²/2 must be a finite positive number, got {var!r}")
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ParameterError("x (depths, m) must be finite numbers")
    return N / np.sqrt(np.pi * var) * np.exp(-x**2 / (4.0 * var))


def tracer_excess(fraction: np.ndarray | float, natural: float = NATURAL_6LI,
                  enrichment: float = TRACER_ENRICHMENT) -> np.ndarray:
    """Tracer excess c = (f − f_nat)/(f_src − f_nat) from measured ⁶Li/(⁶Li+⁷Li) fractions.

    c is the fraction of Li atoms that came from the tracer source: 0 in untouched natural Li,
    1 in the source itself. ``fraction`` must be finite and within 0-1 (an atom fraction).

    >>> [round(float(c), 3) for c in tracer_excess([0.0759, 0.95, 0.5129])]
    [0.0, 1.0, 0.5]
    """
    if not 0.0 <= natural < enrichment <= 1.0:
        raise ParameterError(f"need 0 <= natural ({natural}) < enrichment ({enrichment}) <= 1")
    try:
        f = np.asarray(fraction, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"fraction must be ⁶Li atom fractions within 0-1, got "
                             f"{fraction!r}") from None
    bad = ~(np.isfinite(f) & (f >= 0) & (f <= 1))
    if bad.any():
        raise ParameterError(f"fraction must be ⁶Li atom fractions within 0-1, got "
                             f"{float(f[bad].ravel()[0])!r}")
    return (f - natural) / (enrichment - natural)


# --- profiles -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Profile:
    """A SIMS depth profile. ``depth`` in m; ``signal`` is one of three kinds:

    ``"fraction"``: measured ⁶Li/(⁶Li+⁷Li) atom fraction; ``"counts"``: ⁶Li counts (the
    background then holds the natural ⁶Li); ``"excess"``: tracer excess already corrected.
    ``sigma`` is the 1σ uncertainty of ``signal`` where known (counting statistics).
    """

    depth: np.ndarray
    signal: np.ndarray
    kind: Kind = "fraction"
    sigma: np.ndarray | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("fraction", "counts", "excess"):
            raise ParameterError(f"unknown profile kind {self.kind!r}")
        if np.shape(self.depth) != np.shape(self.signal) or np.ndim(self.depth) != 1:
            raise ParameterError("depth and signal must be 1-D arrays of the same length")

    def to_csv(self, path: str | Path) -> Path:
        """Write ``depth (um)`` and the signal (and its sigma) as CSV; returns the path.

        >>> import tempfile, os
        >>> p = Profile(np.array([0.0, 1e-6]), np.array([0.5, 0.1]))
        >>> f = p.to_csv(os.path.join(tempfile.mkdtemp(), "p.csv"))
        >>> read_profile(f).depth.tolist()
        [0.0, 1e-06]
        """
        name = {"fraction": "6Li/(6Li+7Li)", "counts": "6Li counts",
                "excess": "tracer excess"}[self.kind]
        table = {"depth (um)": self.depth * 1e6, name: self.signal}
        if self.sigma is not None:
            table["sigma"] = self.sigma
        path = Path(path)
        pd.DataFrame(table).to_csv(path, index=False)
        return path


def _norm(name: str) -> str:
    return str(name).strip().lower().replace("µ", "u").replace("μ", "u").replace("⁶", "6") \
        .replace("⁷", "7").replace(" ", "")


def _depth_scale(name: str, depth_unit: str | None) -> float:
    if depth_unit is not None:
        return to_si(f"1 {depth_unit}", "length", "depth_unit")
    n = _norm(name)
    match = re.search(r"[\[(/_,]([a-zå]+)[\])]?$", n) or re.search(r"depth([a-zå]+)$", n)
    unit = match.group(1) if match else None
    if unit is None or unit not in _LENGTH_UNITS:
        raise KeyError(f"cannot tell the unit of the depth column {name!r}")
    return _LENGTH_UNITS[unit]


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read ({exc})") from exc
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) < 2:
        raise DataFileError(f"{path}: no data (need a header line and data rows)")
    head = lines[0]
    sep = next((s for s in ("\t", ";", ",") if s in head), r"\s+")
    try:
        from io import StringIO

        table = pd.read_csv(StringIO("\n".join(lines)), sep=sep, engine="python")
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataFileError(f"{path}: not a readable table ({exc})") from exc
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _numeric(table: pd.DataFrame, col: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).mean() > 0.5:
        raise DataFileError(f"{path}: column {col!r} is not numeric")
    return values


def read_profile(path: str | Path, depth_unit: str | None = None,
                 min_points: int = 2) -> Profile:
    """Read a SIMS depth profile (CSV/TXT; comma, semicolon, tab or space separated).

    Columns are found by name: a depth column (``depth (nm)``, ``Depth [um]``, ``depth_um``;
    ``depth_unit`` overrides the unit) and either a ⁶Li fraction (``6Li/(6Li+7Li)``,
    ``fraction``), a ⁶Li/⁷Li ratio (``6Li/7Li``), ⁶Li and ⁷Li counts (``6Li``, ``7Li``), ⁶Li
    counts alone (``6Li``, ``counts``, ``intensity``) or a corrected ``excess`` column.
    Every row must hold finite numbers; depths must be >= 0 and strictly increasing (one
    profile per file), fractions within 0-1, counts and ratios >= 0, sigmas > 0, and there
    must be at least ``min_points`` rows. Anything else raises :class:`DataFileError` naming
    the file, the column and the first offending row (data rows counted from 1 below the
    header).

    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "p.csv")
    >>> _ = open(f, "w").write("Depth (nm),6Li,7Li\\n0,600,400\\n100,80,920\\n")
    >>> p = read_profile(f)
    >>> p.kind, [round(d * 1e9) for d in p.depth], p.signal.tolist()
    ('fraction', [0, 100], [0.6, 0.08])
    """
    path = Path(path)
    table = _read_table(path)
    cols = {_norm(c): c for c in table.columns}
    depth_col = next((c for n, c in cols.items() if "depth" in n), None)
    if depth_col is None:
        depth_col = next((c for n, c in cols.items() if re.match(r"^x\b|^x[\[(_]", n)), None)
    if depth_col is None:
        raise DataFileError(f"{path}: no depth column (columns: {list(table.columns)})")
    try:
        scale = _depth_scale(depth_col, depth_unit)
    except (KeyError, ValueError) as exc:
        raise DataFileError(f"{path}: {exc.args[0] if exc.args else exc}; name it like "
                            "'depth (nm)' or pass depth_unit") from exc
    depth = _numeric(table, depth_col, path) * scale

    rest = {n: c for n, c in cols.items() if c != depth_col}
    sigma_col = next((c for n, c in rest.items() if n in ("sigma", "error", "err", "stderr")),
                     None)
    sigma = None
    kind: Kind
    frac = next((c for n, c in rest.items() if "fraction" in n or "6li/(6li+7li)" in n
                 or "6li+7li" in n), None)
    excess = next((c for n, c in rest.items() if "excess" in n), None)
    ratio = next((c for n, c in rest.items() if "6li/7li" in n or n == "ratio"), None)
    li6 = next((c for n, c in rest.items() if n.startswith("6li") and "/" not in n), None)
    li7 = next((c for n, c in rest.items() if n.startswith("7li") and "/" not in n), None)
    _check_column(path, depth_col, depth / scale, "finite", np.isfinite(depth))
    if excess is not None:
        kind, signal = "excess", _numeric(table, excess, path)
        _check_column(path, excess, signal, "finite", np.isfinite(signal))
    elif frac is not None:
        kind, signal = "fraction", _numeric(table, frac, path)
        if "%" in frac:
            signal = signal / 100.0
            _check_column(path, frac, signal * 100, "within 0-100 %",
                          (signal >= 0) & (signal <= 1))
        else:
            _check_column(path, frac, signal, "within 0-1 (an atom fraction; a column in % "
                          "needs '%' in its name)", (signal >= 0) & (signal <= 1))
    elif ratio is not None:
        r = _numeric(table, ratio, path)
        _check_column(path, ratio, r, ">= 0", r >= 0)
        kind, signal = "fraction", r / (1.0 + r)
    elif li6 is not None and li7 is not None:
        n6, n7 = _numeric(table, li6, path), _numeric(table, li7, path)
        _check_column(path, li6, n6, ">= 0 (counts)", n6 >= 0)
        _check_column(path, li7, n7, ">= 0 (counts)", n7 >= 0)
        total = n6 + n7
        _check_column(path, f"{li6} + {li7}", total, "> 0 (no Li counted)", total > 0)
        signal = n6 / total
        sigma = np.sqrt(np.clip(signal * (1 - signal), 1e-12, None) / total)
        kind = "fraction"
    else:
        counts = li6 or next((c for n, c in rest.items()
                              if "count" in n or "intensity" in n or "6li" in n), None)
        if counts is None:
            raise DataFileError(f"{path}: no 6Li signal column (expected 6Li/7Li counts, a "
                                f"6Li fraction or ratio; columns: {list(table.columns)})")
        kind, signal = "counts", _numeric(table, counts, path)
        _check_column(path, counts, signal, ">= 0 (counts)", signal >= 0)
        sigma = np.sqrt(np.clip(signal, 1.0, None))
    if sigma is None and sigma_col is not None:
        sigma = _numeric(table, sigma_col, path)
        _check_column(path, sigma_col, sigma, "> 0", sigma > 0)
    if len(depth) < min_points:
        raise DataFileError(f"{path}: fewer than {min_points} data rows ({len(depth)}); a depth "
                            f"profile needs at least {min_points} depths")
    _check_column(path, depth_col, depth / scale, ">= 0", depth >= 0)
    _check_column(path, depth_col, depth / scale, f"<= {MAX_DEPTH * 1e3:g} mm (a SIMS depth; "
                  "is the depth unit in the column name right?)", depth <= MAX_DEPTH)
    step = np.diff(depth)
    if np.any(step <= 0):
        i = int(np.argmax(step <= 0)) + 1
        raise DataFileError(f"{path}: column {depth_col!r} must increase row by row (one "
                            f"profile per file), but row {i + 1} ({depth[i] / scale:g}) follows "
                            f"row {i} ({depth[i - 1] / scale:g})")
    return Profile(depth=depth, signal=signal, kind=kind, sigma=sigma, source=str(path))


def _check_column(path: Path, col: str, values: np.ndarray, allowed: str,
                  ok: np.ndarray) -> None:
    """Refuse non-finite values and values outside ``allowed`` (``ok`` False), naming the
    column and the first bad data row."""
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataFileError(f"{path}: column {col!r} has {int(bad.sum())} missing or "
                            f"non-finite value(s), the first at data row {i + 1}; every row "
                            "must hold finite numbers")
    bad = ~ok
    if bad.any():
        i = int(np.argmax(bad))
        raise DataFileError(f"{path}: column {col!r} = {values[i]:g} at data row {i + 1} "
                            f"({int(bad.sum())} such row(s)); the values must be {allowed}")




def synthetic_profile(D: float | str, time: float | str = DEFAULT_TIME,
                      depth_resolution: float | str = DEFAULT_DEPTH_RESOLUTION,
                      noise: float = 0.02, seed: int = 0, *, counts: float = 2e4,
                      surface_excess: float = 0.5, n_points: int = 200,
                      max_depth: float | None = None, kind: Kind = "fraction",
                      natural: float = NATURAL_6LI,
                      enrichment: float = TRACER_ENRICHMENT) -> Profile:
    """A noisy ⁶Li tracer profile made with Eq. (2), depth resolution and counting noise.

    The true tracer excess is Eq. (2) with N chosen so that C(0) = ``surface_excess``; it is
    convolved with the Gaussian depth resolution (1σ, m), turned into a ⁶Li fraction
    f = f_nat + (f_src − f_nat)·c, and counted: ⁶Li and ⁷Li counts are Poisson with a mean of
    ``counts`` total Li counts per depth step, whose yield scatters by ``noise`` (relative,
    common to both isotopes, as primary-beam drift does). ``kind="fraction"`` returns
    ⁶Li/(⁶Li+⁷Li) with its binomial σ; ``kind="counts"`` the ⁶Li counts.

    >>> p = synthetic_profile("2.5e-11 cm2/s", time="1 h", seed=0)
    >>> p.kind, len(p.depth), round(float(p.depth[-1]) * 1e6, 1)
    ('fraction', 200, 24.0)
    """
    D = to_si(D, "diffusivity", "D")
    t = _check_time(time)
    sr = _check_depth_resolution(depth_resolution)
    for name, v in (("counts", counts), ("noise", noise), ("surface_excess", surface_excess)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ParameterError(f"{name} must be a finite number, got {v!r}")
    if D <= 0 or counts <= 0 or noise < 0 or not 0 < surface_excess <= 1:
        raise ParameterError(f"need D > 0 (got {D!r}), counts > 0 (got {counts!r}), noise >= 0 "
                             f"(got {noise!r}) and 0 < surface_excess <= 1 (got "
                             f"{surface_excess!r})")
    if isinstance(n_points, bool) or not isinstance(n_points, int) or \
            not 5 <= n_points <= 1_000_000:
        raise ParameterError(f"n_points must be an integer from 5 to 1000000, got {n_points!r}")
    if max_depth is not None and not (isinstance(max_depth, int | float) and
                                      0 < max_depth <= MAX_DEPTH):
        raise ParameterError(f"max_depth must be a depth in m, > 0 and <= {MAX_DEPTH:g}, got "
                             f"{max_depth!r}")
    if kind not in ("fraction", "counts"):
        raise ParameterError("synthetic kind must be 'fraction' or 'counts'")
    rng = np.random.default_rng(seed)
    width = math.sqrt(4 * D * t + 2 * sr**2)
    x = np.linspace(0.0, max_depth or 4.0 * width, n_points)
    N = surface_excess * math.sqrt(math.pi * D * t)
    c = thin_film(x, N, D, t, sr)
    f = natural + (enrichment - natural) * np.clip(c, 0.0, 1.0)
    yield_ = counts * np.clip(1.0 + noise * rng.standard_normal(n_points), 0.05, None)
    n6 = rng.poisson(yield_ * f).astype(float)
    n7 = rng.poisson(yield_ * (1.0 - f)).astype(float)
    if kind == "counts":
        return Profile(x, n6, "counts", np.sqrt(np.clip(n6, 1.0, None)), "synthetic")
    total = np.clip(n6 + n7, 1.0, None)
    frac = n6 / total
    sigma = np.sqrt(np.clip(frac * (1 - frac), 1.0 / total, None) / total)
    return Profile(x, frac, "fraction", sigma, "synthetic")


# --- the fit --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SIMSFit:
    """Result of :func:`fit_diffusion` (SI: m, s, m²/s; ``N`` in signal units × m).

    ``data``/``model``/``residuals`` are in the fitted signal: tracer excess (dimensionless)
    for fraction and excess profiles, ⁶Li counts for count profiles.
    """

    D: float
    D_stderr: float
    D_ci95: tuple[float, float]
    N: float
    N_stderr: float
    background: float
    time: float
    depth_resolution: float
    depth: np.ndarray
    data: np.ndarray
    model: np.ndarray
    residuals: np.ndarray
    redchi: float
    r_squared: float
    signal: str
    source: str = ""
    ci_method: str = "stderr"
    lmfit_result: Any = field(default=None, repr=False, compare=False)

    @property
    def D_cm2_s(self) -> float:
        """D in cm²/s (output edge only)."""
        return self.D * 1e4

    @property
    def diffusion_length(self) -> float:
        """√(D t) in m."""
        return math.sqrt(self.D * self.time)

    def curve(self, depth: np.ndarray) -> np.ndarray:
        """The fitted signal (model + background) at ``depth`` (m)."""
        return thin_film(depth, self.N, self.D, self.time, self.depth_resolution) \
            + self.background

    def summary(self) -> dict[str, Any]:
        """JSON-serialisable summary; D in both m²/s and cm²/s (labelled)."""
        return {
            "D_m2_s": self.D, "D_stderr_m2_s": self.D_stderr,
            "D_ci95_m2_s": list(self.D_ci95),
            "D_cm2_s": self.D_cm2_s, "D_stderr_cm2_s": self.D_stderr * 1e4,
            "D_ci95_cm2_s": [v * 1e4 for v in self.D_ci95], "ci_method": self.ci_method,
            "N": self.N, "N_stderr": self.N_stderr, "N_unit": f"{self.signal} x m",
            "background": self.background, "signal": self.signal,
            "time_s": self.time, "depth_resolution_m": self.depth_resolution,
            "diffusion_length_m": self.diffusion_length,
            "reduced_chi_square": self.redchi, "r_squared": self.r_squared,
            "n_points": len(self.depth), "source": self.source,
            "equation": "C(x,t) = N/sqrt(pi*(D*t + sr^2/2)) * exp(-x^2/(4*D*t + 2*sr^2)) + b",
        }


def _gauss(u: np.ndarray, amp: float, width: float, bg: float) -> np.ndarray:
    return amp * np.exp(-((u / width) ** 2)) + bg


def fit_diffusion(profile: Profile, time: float | str,
                  depth_resolution: float | str = 0.0, *, natural: float = NATURAL_6LI,
                  enrichment: float = TRACER_ENRICHMENT, confidence: str = "stderr",
                  min_significance: float = 5.0) -> SIMSFit:
    """Fit the paper's Eq. (2) + background (+ depth resolution) to a profile; returns D.

    Fraction profiles are corrected for natural ⁶Li (:func:`tracer_excess`) before the fit;
    count profiles are fitted as they are (the background takes the natural ⁶Li). Points are
    weighted by 1/σ where the profile has σ, and lmfit scales the covariance by χ²_red.
    ``confidence="stderr"`` gives D ± 1.96 σ_D; ``"profile"`` uses lmfit's ``conf_interval``
    (profile likelihood, slower). A profile without a tracer peak significant to
    ``min_significance`` σ, or narrower than the depth resolution, raises :class:`FitError`.
    ``time`` must lie in :data:`TIME_RANGE` (1 s to 10 years), ``depth_resolution`` in
    0-100 µm and the depths within :data:`MAX_DEPTH` (10 mm); else :class:`ParameterError`.

    >>> p = synthetic_profile(2.5e-15, time=3600.0, depth_resolution=100e-9, seed=2)
    >>> fit = fit_diffusion(p, time="1 h", depth_resolution="100 nm")
    >>> f"{fit.D_cm2_s:.1e}"
    '2.5e-11'
    """
    import lmfit

    if not isinstance(profile, Profile):
        raise ParameterError(f"profile must be a Profile (read_profile), got "
                             f"{type(profile).__name__}")
    t = _check_time(time)
    sr = _check_depth_resolution(depth_resolution)
    natural = _check_fraction(natural, "natural")
    enrichment = _check_fraction(enrichment, "enrichment")
    if not natural < enrichment:
        raise ParameterError(f"need natural ({natural}) < enrichment ({enrichment})")
    if confidence not in ("stderr", "profile"):
        raise ParameterError(f"confidence must be 'stderr' or 'profile', got {confidence!r}")
    if isinstance(min_significance, bool) or not isinstance(min_significance, int | float) \
            or not (math.isfinite(min_significance) and min_significance > 0):
        raise ParameterError(f"min_significance must be a number of standard errors > 0, got "
                             f"{min_significance!r}")
    x = np.asarray(profile.depth, dtype=float)
    if profile.kind == "fraction":
        y = (np.asarray(profile.signal, dtype=float) - natural) / (enrichment - natural)
        sigma = None if profile.sigma is None else profile.sigma / (enrichment - natural)
        signal = "tracer excess"
    else:
        y = np.asarray(profile.signal, dtype=float)
        sigma = profile.sigma
        signal = "6Li counts" if profile.kind == "counts" else "tracer excess"
    where = profile.source or "profile"
    if len(x) < 5 or not np.all(np.isfinite(x)) or not np.all(np.isfinite(y)):
        raise FitError(f"{where}: need at least 5 finite points")
    if np.ptp(y) == 0 or np.ptp(x) == 0:
        raise FitError(f"{where}: flat profile, no tracer signal to fit")
    if float(np.max(np.abs(x))) > MAX_DEPTH:
        raise ParameterError(f"{where}: depths reach {float(np.max(np.abs(x))):.3g} m, beyond "
                             f"{MAX_DEPTH * 1e3:g} mm; is the depth unit right (depth_unit)?")
    try:
        return _fit(lmfit, x, y, sigma, t, sr, where, signal, profile.source, confidence,
                    min_significance)
    except (OverflowError, FloatingPointError, ZeroDivisionError) as exc:
        raise FitError(f"{where}: the fit overflowed ({exc}); the profile's numbers are out "
                       "of range (check the depth unit and the signal column)") from None


def _fit(lmfit: Any, x: np.ndarray, y: np.ndarray, sigma: Any, t: float, sr: float,
         where: str, signal: str, source: str, confidence: str,
         min_significance: float) -> SIMSFit:
    """The fit of :func:`fit_diffusion` on checked inputs."""

    L0 = float(np.max(np.abs(x)))
    u = x / L0
    n_tail = max(3, len(y) // 5)
    bg0 = float(np.median(y[np.argsort(np.abs(x))[-n_tail:]]))
    head = y[np.argsort(np.abs(x))[:3]]
    amp0 = max(float(np.mean(head)) - bg0, 1e-12)
    below = np.nonzero(y - bg0 < amp0 / math.e)[0]
    w0 = float(abs(u[below[0]])) if len(below) else 0.5
    w0 = min(max(w0, 2.0 * np.min(np.diff(np.sort(u)))), 5.0)

    model = lmfit.Model(_gauss)
    params = model.make_params(amp=amp0, width=w0, bg=bg0)
    params["amp"].set(min=0.0)
    params["width"].set(min=1e-6, max=100.0)
    weights = None if sigma is None else 1.0 / np.asarray(sigma, dtype=float)
    try:
        result = model.fit(y, params, u=u, weights=weights, nan_policy="raise")
    except (ValueError, TypeError, RuntimeError, np.linalg.LinAlgError) as exc:
        raise FitError(f"{where}: fit failed ({exc})") from exc
    p = result.params
    amp, w, bg = p["amp"].value, p["width"].value, p["bg"].value
    amp_err, w_err = p["amp"].stderr, p["width"].stderr
    if not result.success or amp_err is None or w_err is None or not np.isfinite(w_err):
        raise FitError(f"{where}: fit did not converge to a determined peak (no tracer signal?)")
    if amp <= min_significance * amp_err:
        raise FitError(f"{where}: no significant tracer signal (peak {amp:.3g} ± {amp_err:.3g})")
    width = w * L0
    D = (width**2 - 2 * sr**2) / (4 * t)
    if D <= 0:
        raise FitError(f"{where}: profile is not broader than the depth resolution "
                       f"({width * 1e9:.0f} nm vs σ_r = {sr * 1e9:.0f} nm)")
    D_err = width * (w_err * L0) / (2 * t)
    if D_err >= D:
        raise FitError(f"{where}: D is not constrained by the profile (D = {D:.3g} ± "
                       f"{D_err:.3g} m²/s); does the profile decay within the measured depth?")
    ci = (D - _Z95 * D_err, D + _Z95 * D_err)
    if not all(math.isfinite(v) for v in (D, D_err, *ci)):
        raise FitError(f"{where}: the fit gave a non-finite D ({D!r} ± {D_err!r} m²/s)")
    if confidence == "profile":
        try:
            cis = lmfit.conf_interval(result, result, p_names=["width"], sigmas=[0.95])
            lo, hi = cis["width"][0][1] * L0, cis["width"][-1][1] * L0
            ci = ((lo**2 - 2 * sr**2) / (4 * t), (hi**2 - 2 * sr**2) / (4 * t))
        except (ValueError, RuntimeError, lmfit.minimizer.MinimizerException) as exc:
            raise FitError(f"{where}: confidence interval failed ({exc})") from exc
    N = amp * math.sqrt(math.pi) * width / 2
    N_err = N * math.hypot(amp_err / amp, w_err / w)
    best = np.asarray(result.best_fit, dtype=float)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum((y - best) ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    return SIMSFit(D=D, D_stderr=D_err, D_ci95=(float(ci[0]), float(ci[1])), N=N,
                   N_stderr=N_err, background=bg, time=t, depth_resolution=sr, depth=x,
                   data=y, model=best, residuals=y - best, redchi=float(result.redchi),
                   r_squared=r2, signal=signal, source=source, ci_method=confidence,
                   lmfit_result=result)


# --- files in, files out --------------------------------------------------------------------
def plot_sims(fits: dict[str, SIMSFit], path: str | Path, *, log: bool = True) -> Path:
    """Profiles (points) and fits (lines) vs depth in µm, one curve per label; writes a PNG.

    >>> import tempfile, os
    >>> fit = fit_diffusion(synthetic_profile(2.4e-14, seed=3), time=DEFAULT_TIME,
    ...                     depth_resolution=DEFAULT_DEPTH_RESOLUTION)
    >>> plot_sims({"TFA": fit}, os.path.join(tempfile.mkdtemp(), "f.png")).suffix
    '.png'
    """
    from tfalab.plotting import pyplot, save

    plt = pyplot()
    fig, (ax, axr) = plt.subplots(2, 1, figsize=(5.5, 5.2), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    for i, (label, fit) in enumerate(fits.items()):
        color = f"C{i}"
        xd = fit.depth * 1e6
        xs = np.linspace(0, fit.depth.max(), 400)
        ax.plot(xd, fit.data, ".", ms=3, color=color, alpha=0.6)
        ax.plot(xs * 1e6, fit.curve(xs), "-", color=color,
                label=f"{label}: D = {fit.D_cm2_s:.2e} ± {fit.D_stderr * 1e4:.1e} cm²/s")
        axr.plot(xd, fit.residuals, ".", ms=2, color=color)
    if log:
        floor = min(max(float(np.percentile(np.abs(f.model), 5)), 1e-4) for f in fits.values())
        ax.set_yscale("symlog", linthresh=floor)
    sig = next(iter(fits.values())).signal
    ax.set_ylabel(f"⁶Li {sig}" if "excess" in sig else sig)
    ax.legend(fontsize=7)
    axr.axhline(0, color="k", lw=0.5)
    axr.set_xlabel("depth (µm)")
    axr.set_ylabel("residual")
    return save(fig, Path(path))


def _out_paths(out: str | Path) -> tuple[Path, Path]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(f"{out}.png"), Path(f"{out}.json")


def analyze_sims(path: str | Path, out: str | Path, *, time: float | str,
                 depth_resolution: float | str = 0.0, depth_unit: str | None = None,
                 natural: float = NATURAL_6LI, enrichment: float = TRACER_ENRICHMENT,
                 confidence: str = "stderr") -> dict[str, Any]:
    """Read a profile, fit Eq. (2), write ``{out}.png`` and ``{out}.json``; returns the summary.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> f = synthetic_profile(2.4e-14, seed=4).to_csv(os.path.join(d, "tfa.csv"))
    >>> s = analyze_sims(f, os.path.join(d, "tfa"), time="1 h", depth_resolution="100 nm")
    >>> f"{s['D_cm2_s']:.1e}", sorted(os.listdir(d))
    ('2.4e-10', ['tfa.csv', 'tfa.json', 'tfa.png'])
    """
    profile = read_profile(path, depth_unit=depth_unit, min_points=MIN_FIT_POINTS)
    fit = fit_diffusion(profile, time, depth_resolution, natural=natural,
                        enrichment=enrichment, confidence=confidence)
    from tfalab.outputs import atomic_write

    png, js = _out_paths(out)
    summary = fit.summary() | {"file": str(path), "kind": profile.kind,
                               "natural_6Li": natural, "tracer_enrichment": enrichment,
                               "figure": str(png)}
    text = json.dumps(summary, indent=2)
    atomic_write(png, lambda tmp: plot_sims({Path(path).stem: fit}, tmp))
    atomic_write(js, lambda tmp: tmp.write_text(text))
    return summary
