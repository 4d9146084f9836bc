"""Powder X-ray diffraction: reference patterns, pattern files and phase identification.

Reference patterns are computed with pymatgen's :class:`~pymatgen.analysis.diffraction.xrd.
XRDCalculator` from the model structures in :data:`REFERENCE_PHASES` (space group, lattice and
Wyckoff positions, each with its source; see ``docs/xrd-ct.md``). A measured (or synthetic)
pattern is explained as a non-negative sum of pseudo-Voigt-broadened reference patterns plus a
smooth background (:func:`identify_phases`); a phase is reported present only if its fitted
contribution is well above the noise *and* most of the reflections it should show are observed
as peaks within a 2θ tolerance.

Units: 2θ (and peak widths, shifts, tolerances) are in degrees, the universal convention of
diffraction data; wavelengths, lattice parameters and d-spacings are in metres (SI) inside
tfalab and in Å only in printed or plotted output. Densities are kg/m³.

>>> pat = synthetic_pattern({"Li": 0.6, "LiBx": 0.4}, seed=1)
>>> identify_phases(pat, candidates=("Li", "LiBx", "Li6PS5Cl")).phases
('Li', 'LiBx')
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tfalab.analysis.checks import check_number, check_range
from tfalab.errors import DataFileError, FitError, ParameterError, UnknownPhaseError

__all__ = [
    "DEFAULT_CANDIDATES",
    "REFERENCE_PHASES",
    "PhaseIdentification",
    "PhaseMatch",
    "ReferencePattern",
    "ReferencePhase",
    "XRDPattern",
    "analyze_xrd",
    "identify_phases",
    "pseudo_voigt",
    "read_pattern",
    "reference_pattern",
    "reference_structure",
    "synthetic_pattern",
]

ANGSTROM = 1e-10

#: Detection threshold: a phase's strongest fitted peak, and an observed peak, must stand this
#: many noise standard deviations above the background.
MIN_SNR = 5.0
#: A reflection is "expected" if its fitted height exceeds this many noise standard deviations.
EXPECTED_SNR = 4.0
#: Fraction of a phase's expected reflections that must be observed for it to count as present.
MIN_MATCHED_FRACTION = 0.6
#: Default 2θ tolerance (degrees) for matching a reference reflection to an observed peak.
TOLERANCE = 0.2
#: Largest share of negative intensities a pattern file may hold (noise around a low
#: background; a background-subtracted pattern has about half).
MAX_NEGATIVE_FRACTION = 0.05
#: Largest intensity accepted (counts); beyond, the column is not a count.
MAX_INTENSITY = 1e15


@dataclass(frozen=True)
class ReferencePhase:
    """A model crystal structure: space group, lattice (m), Wyckoff sites, and its source."""

    name: str
    formula: str
    space_group: str
    a: float  #: lattice parameter a, m
    c: float | None  #: lattice parameter c (hexagonal cells), m
    #: (species or {species: occupancy}, fractional coordinates, Wyckoff label)
    sites: tuple[tuple[Any, tuple[float, float, float], str], ...]
    source: str
    note: str = ""


#: Model structures of the phases tfalab can identify (see docs/xrd-ct.md).
REFERENCE_PHASES: dict[str, ReferencePhase] = {
    p.name: p
    for p in (
        ReferencePhase(
            "Li", "Li", "Im-3m", 3.51 * ANGSTROM, None,
            (("Li", (0.0, 0.0, 0.0), "2a"),),
            "bcc lithium at room temperature, a = 3.51 A (CRC Handbook; Wyckoff, Crystal "
            "Structures)",
        ),
        ReferencePhase(
            "LiBx", "LiB", "P6_3/mmc", 4.02 * ANGSTROM, 3.10 * ANGSTROM,
            (("Li", (1 / 3, 2 / 3, 1 / 4), "2c"), ("B", (0.0, 0.0, 0.0), "2a")),
            "LiB_x (x ~ 0.8-1), hexagonal P6_3/mmc with linear B chains along c (B on 2a, "
            "B-B = c/2 = 1.55 A) inside channels of Li (2c): Woerle & Nesper, Angew. Chem. Int. "
            "Ed. 39, 2349 (2000); Hermann et al., JACS 134, 18606 (2012), doi:10.1021/ja308492g",
            "Li5B4 (the seed paper's name) is modelled by the fully occupied LiB cell: partial "
            "B occupancy changes relative intensities slightly, not peak positions",
        ),
        ReferencePhase(
            "Li6PS5Cl", "Li6PS5Cl", "F-43m", 9.85 * ANGSTROM, None,
            (({"Li": 0.5}, (0.18, 0.18, 0.02), "48h"), ("P", (0.5, 0.5, 0.5), "4b"),
             ("S", (0.62, 0.62, 0.62), "16e"), ("S", (0.75, 0.75, 0.75), "4d"),
             ("Cl", (0.0, 0.0, 0.0), "4a")),
            "argyrodite Li6PS5Cl, cubic F-43m, a = 9.85 A: Deiseroth et al., Angew. Chem. Int. "
            "Ed. 47, 755 (2008)",
            "approximate Wyckoff positions (Li half-occupying 48h; PS4 tetrahedra with P-S "
            "2.05 A); the Cl/S disorder between 4a and 4d is neglected",
        ),
        ReferencePhase(
            "Li2S", "Li2S", "Fm-3m", 5.71 * ANGSTROM, None,
            (("Li", (0.25, 0.25, 0.25), "8c"), ("S", (0.0, 0.0, 0.0), "4a")),
            "antifluorite Li2S, a = 5.71 A (ICSD; Buehrer & Buehrer type)",
        ),
        ReferencePhase(
            "Fe", "Fe", "Im-3m", 2.8665 * ANGSTROM, None,
            (("Fe", (0.0, 0.0, 0.0), "2a"),),
            "alpha-iron, bcc, a = 2.8665 A (CRC Handbook)",
        ),
    )
}

#: Candidates tried by default: the anode phases and the phases they meet in a cell.
DEFAULT_CANDIDATES: tuple[str, ...] = ("Li", "LiBx", "Li6PS5Cl", "Li2S")

_ALIASES = {"li5b4": "LiBx", "lib": "LiBx", "lib0.8": "LiBx", "lpscl": "Li6PS5Cl",
            "argyrodite": "Li6PS5Cl", "lithium": "Li", "iron": "Fe"}


def _phase_name(name: str) -> str:
    if name in REFERENCE_PHASES:
        return name
    key = name.strip().lower()
    for known in REFERENCE_PHASES:
        if known.lower() == key:
            return known
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnknownPhaseError(f"no XRD reference structure for phase {name!r}; "
                            f"known: {', '.join(REFERENCE_PHASES)}")


def _wavelength_angstrom(wavelength: str | float) -> float:
    """Wavelength in Å from a pymatgen line name ('CuKa'), a length string or metres."""
    if isinstance(wavelength, str):
        from pymatgen.analysis.diffraction.xrd import WAVELENGTHS

        if wavelength in WAVELENGTHS:
            return float(WAVELENGTHS[wavelength])
        from tfalab.units import to_si

        value = to_si(wavelength, "length")
    else:
        value = float(wavelength)
    if not 1e-12 < value < 1e-8:
        raise ParameterError(f"X-ray wavelength {value!r} m is not between 0.01 and 100 A")
    return value / ANGSTROM


@cache
def reference_structure(phase: str) -> Any:
    """The pymatgen :class:`~pymatgen.core.Structure` of a reference phase.

    >>> s = reference_structure("LiBx")
    >>> s.composition.reduced_formula, round(s.density, 2)   # g/cm3, as pymatgen reports
    ('LiB', 1.36)
    """
    from pymatgen.core import Lattice, Structure

    ref = REFERENCE_PHASES[_phase_name(phase)]
    a = ref.a / ANGSTROM
    lattice = Lattice.cubic(a) if ref.c is None else Lattice.hexagonal(a, ref.c / ANGSTROM)
    species = [s for s, _, _ in ref.sites]
    coords = [list(xyz) for _, xyz, _ in ref.sites]
    return Structure.from_spacegroup(ref.space_group, lattice, species, coords)


@dataclass(frozen=True)
class ReferencePattern:
    """Calculated reflections of one phase.

    ``intensity`` is relative (strongest = 100 within the range); ``absolute`` is the
    integrated intensity per unit volume of phase, |F|² · multiplicity · Lorentz-polarisation /
    V_cell², so that a mixture's pattern is Σ volume fraction × ``absolute``.
    """

    phase: str
    two_theta: np.ndarray  #: degrees
    intensity: np.ndarray  #: relative, max 100
    absolute: np.ndarray  #: per unit phase volume (arbitrary but common units)
    d_spacing: np.ndarray  #: m
    hkl: tuple[str, ...]
    wavelength: float  #: m
    density: float  #: kg/m³ of the model structure


@lru_cache(maxsize=64)
def _reference_pattern(phase: str, lo: float, hi: float, wl: float) -> ReferencePattern:
    from pymatgen.analysis.diffraction.xrd import XRDCalculator

    structure = reference_structure(phase)
    calc = XRDCalculator(wavelength=wl)
    try:
        pat = calc.get_pattern(structure, scaled=False, two_theta_range=(lo, hi))
    except ValueError:  # pymatgen fails on a range without any reflection: an empty pattern
        empty = np.zeros(0)
        return ReferencePattern(phase, empty, empty, empty, empty, (), wl * ANGSTROM,
                                float(structure.density) * 1000.0)
    x = np.asarray(pat.x, float)
    y = np.asarray(pat.y, float)
    absolute = y / float(structure.volume) ** 2
    rel = 100.0 * y / y.max() if y.size and y.max() > 0 else y
    hkl = tuple("".join(str(i) for i in h[0]["hkl"]) for h in pat.hkls)
    return ReferencePattern(phase, x, rel, absolute, np.asarray(pat.d_hkls) * ANGSTROM, hkl,
                            wl * ANGSTROM, float(structure.density) * 1000.0)


def reference_pattern(phase: str, two_theta_range: tuple[float, float] = (10.0, 90.0),
                      wavelength: str | float = "CuKa") -> ReferencePattern:
    """Calculated powder pattern of ``phase`` (name or alias: "Li5B4" is "LiBx").

    ``wavelength`` is a pymatgen line name ("CuKa", "CuKa1", "MoKa") or a length (m or "1.5406
    angstrom"). Results are cached.

    >>> ref = reference_pattern("Li", (30, 60))
    >>> [round(float(t), 1) for t in ref.two_theta], ref.hkl
    ([36.2, 52.1], ('110', '200'))
    """
    try:
        lo, hi = (float(v) for v in two_theta_range)
    except (TypeError, ValueError):
        raise ParameterError(f"two_theta_range must be two angles (low, high) in degrees, got "
                             f"{two_theta_range!r}") from None
    if not 0 <= lo < hi <= 180:
        raise ParameterError(f"2theta range {two_theta_range} is not within 0-180 degrees")
    return _reference_pattern(_phase_name(phase), lo, hi, _wavelength_angstrom(wavelength))


# --------------------------------------------------------------------------------------------
# patterns


@dataclass(frozen=True)
class XRDPattern:
    """A powder pattern: 2θ (degrees, increasing) and intensity (counts or arbitrary)."""

    two_theta: np.ndarray
    intensity: np.ndarray
    source: str = ""
    wavelength: float = 1.54184e-10  #: m (Cu Kα, weighted mean of Kα1 and Kα2)

    def __post_init__(self) -> None:
        x = np.asarray(self.two_theta, float)
        y = np.asarray(self.intensity, float)
        if x.ndim != 1 or x.shape != y.shape or x.size < 10:
            raise ParameterError("an XRD pattern needs two equal-length 1D arrays of >= 10 "
                                 "points")
        object.__setattr__(self, "two_theta", x)
        object.__setattr__(self, "intensity", y)


_COMMENT = ("#", "!", ";", "%", "//", "*")
_SPLIT = re.compile(r"[,;\s]+")


def read_pattern(path: str | Path, wavelength: str | float = "CuKa") -> XRDPattern:
    """Read a two-column 2θ (degrees) – intensity text file (.xy, .xye, .csv, .txt, .dat).

    Columns may be separated by spaces, tabs, commas or semicolons; comment lines (#, !, ;)
    and a header line are skipped; a third (error) column is ignored. Raises
    :class:`~tfalab.errors.DataFileError` naming the file when it is missing, binary, empty or
    malformed.

    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "p.xy")
    >>> _ = open(f, "w").write("2theta,I\\n" + "".join(f"{10+i},{i}\\n" for i in range(20)))
    >>> read_pattern(f).two_theta[:3]
    array([10., 11., 12.])
    """
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"{p}: no such XRD pattern file")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise DataFileError(f"{p}: cannot be read ({exc})") from exc
    if b"\x00" in raw[:4096]:
        raise DataFileError(f"{p}: binary file; expected a two-column 2theta-intensity text "
                            "file (export the pattern as .xy or .csv)")
    text = raw.decode("utf-8", errors="replace")
    rows: list[tuple[float, float]] = []
    headers = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith(_COMMENT):
            continue
        tokens = [t for t in _SPLIT.split(s) if t]
        try:
            values = [float(t) for t in tokens[:2]]
        except ValueError:
            values = []
        if len(values) < 2 or not all(math.isfinite(v) for v in values):
            if not rows and headers < 5:
                headers += 1
                continue
            raise DataFileError(f"{p}, line {lineno}: expected two numbers (2theta, intensity), "
                                f"got {s[:60]!r}")
        rows.append((values[0], values[1]))
    if not rows:
        raise DataFileError(f"{p}: no data rows (expected two columns: 2theta, intensity)")
    if len(rows) < 10:
        raise DataFileError(f"{p}: only {len(rows)} data rows; a pattern needs at least 10")
    data = np.asarray(rows)
    x, y = data[:, 0], data[:, 1]
    if x[0] > x[-1]:
        x, y = x[::-1], y[::-1]
    if np.any(np.diff(x) <= 0):
        raise DataFileError(f"{p}: 2theta column is not strictly increasing")
    if x[0] < 0 or x[-1] > 180:
        raise DataFileError(f"{p}: 2theta values {x[0]:g}-{x[-1]:g} are outside 0-180 degrees "
                            "(is the first column 2theta in degrees?)")
    big = np.abs(y) > MAX_INTENSITY
    if big.any():
        i = int(np.argmax(big))
        raise DataFileError(f"{p}: intensity {y[i]:g} at 2theta = {x[i]:g} deg is beyond "
                            f"{MAX_INTENSITY:g} (not a count; is the second column the "
                            "intensity?)")
    if not np.any(y > 0):
        raise DataFileError(f"{p}: no positive intensity; the second column must hold counts "
                            "(>= 0)")
    neg = y < 0
    if neg.mean() > MAX_NEGATIVE_FRACTION:
        i = int(np.argmax(neg))
        raise DataFileError(f"{p}: {int(neg.sum())} of {y.size} intensities are negative "
                            f"(the first {y[i]:g} at 2theta = {x[i]:g} deg); intensities are "
                            f"counts >= 0 (at most {100 * MAX_NEGATIVE_FRACTION:g} % of noisy "
                            "negative points are tolerated): give the measured pattern, not a "
                            "background-subtracted one")
    return XRDPattern(x, y, source=str(p), wavelength=_wavelength_angstrom(wavelength) * ANGSTROM)


def pseudo_voigt(x: np.ndarray, center: float | np.ndarray, fwhm: float,
                 eta: float = 0.5) -> np.ndarray:
    """Area-normalised pseudo-Voigt: η·Lorentzian + (1-η)·Gaussian of equal FWHM.

    >>> x = np.linspace(-5, 5, 20001)
    >>> round(float(np.trapezoid(pseudo_voigt(x, 0.0, 0.2), x)), 2)
    0.99

    ``fwhm`` must be > 0 and ``eta`` (the Lorentzian share) within [0, 1].
    """
    fwhm = check_number(fwhm, "fwhm", low=0, low_open=True)
    eta = check_number(eta, "eta", low=0, high=1)
    dx = np.asarray(x, float) - center
    g = math.sqrt(4 * math.log(2) / math.pi) / fwhm * np.exp(-4 * math.log(2) * dx**2 / fwhm**2)
    lor = 2 / (math.pi * fwhm) / (1 + 4 * dx**2 / fwhm**2)
    return eta * lor + (1 - eta) * g


def _peak_height(fwhm: float, eta: float) -> float:
    return eta * 2 / (math.pi * fwhm) + (1 - eta) * math.sqrt(4 * math.log(2) / math.pi) / fwhm


def _profile(ref: ReferencePattern, x: np.ndarray, fwhm: float, eta: float,
             shift: float = 0.0) -> np.ndarray:
    """Broadened pattern of one phase per unit volume fraction on grid ``x``.

    The reflections are deposited on a fine uniform grid (FWHM/16) and convolved with the
    pseudo-Voigt by FFT; Lorentzian tails are cut at ±40 FWHM (< 1 % of the area).
    """
    from scipy.signal import fftconvolve

    if ref.two_theta.size == 0:
        return np.zeros_like(x)
    h = min(fwhm / 16.0, float(np.min(np.diff(x))) if x.size > 1 else fwhm / 16.0)
    half = math.ceil(40 * fwhm / h)
    lo = float(x[0]) - half * h
    n = math.ceil((float(x[-1]) - lo) / h) + half + 2
    pos = (ref.two_theta + shift - lo) / h
    keep = (pos >= 0) & (pos < n - 1)
    i0 = np.floor(pos[keep]).astype(int)
    frac = pos[keep] - i0
    sticks = np.zeros(n)
    np.add.at(sticks, i0, ref.absolute[keep] * (1 - frac))
    np.add.at(sticks, i0 + 1, ref.absolute[keep] * frac)
    kernel = pseudo_voigt(h * np.arange(-half, half + 1), 0.0, fwhm, eta)
    conv = fftconvolve(sticks, kernel, mode="same")
    return np.interp(x, lo + h * np.arange(n), conv)


def _extended_range(x: np.ndarray) -> tuple[float, float]:
    # include reflections just outside the data so their tails are modelled
    return max(float(x[0]) - 3.0, 0.5), min(float(x[-1]) + 3.0, 179.5)


def synthetic_pattern(phases: Mapping[str, float], two_theta_range: tuple[float, float] = (10, 90),
                      step: float = 0.02, noise: float = 0.01, background: float = 0.05,
                      broadening: float = 0.15, eta: float = 0.5,
                      wavelength: str | float = "CuKa", seed: int | None = 0) -> XRDPattern:
    """A synthetic powder pattern of a mixture; ``phases`` maps phase name to weight fraction.

    The strongest peak is scaled to 1000; ``background`` is the height of a smooth decaying
    background and ``noise`` the standard deviation of additive Gaussian noise, both as
    fractions of the strongest peak; ``broadening`` is the peak FWHM (degrees).
    Microabsorption, preferred orientation and instrumental asymmetry are not modelled.

    >>> pat = synthetic_pattern({"LiBx": 1.0}, noise=0.0, background=0.0)
    >>> round(float(pat.two_theta[np.argmax(pat.intensity)]), 1)     # LiB (100)
    25.6
    """
    if not phases:
        raise ParameterError("synthetic_pattern needs at least one phase")
    if any(w < 0 for w in phases.values()) or sum(phases.values()) <= 0:
        raise ParameterError(f"weight fractions must be >= 0 with a positive sum: {phases}")
    broadening = check_number(broadening, "broadening (FWHM, deg)", low=0, low_open=True)
    step = check_number(step, "step (deg)", low=0, low_open=True)
    noise = check_number(noise, "noise", low=0)
    background = check_number(background, "background", low=0)
    eta = check_number(eta, "eta", low=0, high=1)
    lo, hi = check_range(two_theta_range, "two_theta_range (deg)", low=0, high=180)
    if step > hi - lo:
        raise ParameterError(f"step (deg) {step:g} is wider than two_theta_range {lo:g}-{hi:g}")
    x = np.arange(lo, hi + step / 2, step)
    rng_lo, rng_hi = _extended_range(x)
    total = sum(phases.values())
    y = np.zeros_like(x)
    for name, w in phases.items():
        ref = reference_pattern(name, (rng_lo, rng_hi), wavelength)
        y += (w / total) / ref.density * _profile(ref, x, broadening, eta)
    y *= 1000.0 / y.max()
    bg = background * 1000.0 * (0.5 + 0.5 * np.exp(-(x - lo) / 25.0))
    rng = np.random.default_rng(seed)
    y = y + bg + rng.normal(0.0, noise * 1000.0, x.size)
    label = "synthetic " + " + ".join(f"{w / total:.0%} {n}" for n, w in phases.items())
    return XRDPattern(x, y, source=label, wavelength=_wavelength_angstrom(wavelength) * ANGSTROM)


# --------------------------------------------------------------------------------------------
# identification


@dataclass
class PhaseMatch:
    """How well one candidate phase is supported by a pattern."""

    name: str
    present: bool
    scale: float  #: fitted coefficient, proportional to the phase's volume fraction
    snr: float  #: strongest fitted peak / noise standard deviation
    expected_peaks: int  #: reflections whose fitted height exceeds EXPECTED_SNR · noise
    matched_peaks: int  #: of those, how many lie within tolerance of an observed peak
    reason: str = ""

    @property
    def matched_fraction(self) -> float:
        return self.matched_peaks / self.expected_peaks if self.expected_peaks else 0.0


@dataclass
class PhaseIdentification:
    """Result of :func:`identify_phases`. Fractions are over the phases found present."""

    phases: tuple[str, ...]
    weight_fractions: dict[str, float]
    intensity_fractions: dict[str, float]
    candidates: dict[str, PhaseMatch]
    fwhm: float  #: fitted peak FWHM, degrees
    shift: float  #: fitted 2θ zero shift, degrees
    r_wp: float  #: weighted profile R factor (weights 1/max(I, noise²))
    gof: float  #: sqrt(reduced χ²) with the noise estimated from the data (~1: noise-limited)
    noise: float  #: estimated noise standard deviation, intensity units
    observed_peaks: np.ndarray  #: 2θ of the peaks found in the data, degrees
    two_theta: np.ndarray = field(repr=False)
    intensity: np.ndarray = field(repr=False)
    model: np.ndarray = field(repr=False)
    background: np.ndarray = field(repr=False)
    components: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    wavelength: float = 1.54184e-10

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (2θ in degrees)."""
        return {
            "phases": list(self.phases),
            "weight_fractions": {k: round(v, 4) for k, v in self.weight_fractions.items()},
            "intensity_fractions": {k: round(v, 4) for k, v in self.intensity_fractions.items()},
            "fwhm_deg": round(self.fwhm, 4),
            "shift_deg": round(self.shift, 4),
            "r_wp": round(self.r_wp, 4),
            "gof": round(self.gof, 3),
            "noise": round(self.noise, 4),
            "wavelength_A": round(self.wavelength / ANGSTROM, 5),
            "observed_peaks_deg": [round(float(t), 3) for t in self.observed_peaks],
            "candidates": {
                k: {"present": m.present, "scale": float(m.scale), "snr": round(m.snr, 2),
                    "expected_peaks": m.expected_peaks, "matched_peaks": m.matched_peaks,
                    "reason": m.reason}
                for k, m in self.candidates.items()
            },
        }


def _noise_sigma(y: np.ndarray) -> float:
    """Noise standard deviation from the median absolute second difference (robust to peaks)."""
    d2 = np.diff(y, 2)
    mad = float(np.median(np.abs(d2 - np.median(d2))))
    return 1.4826 * mad / math.sqrt(6.0)


def _background_basis(x: np.ndarray, degree: int) -> np.ndarray:
    t = 2 * (x - x[0]) / (x[-1] - x[0]) - 1
    return np.polynomial.chebyshev.chebvander(t, degree)


def _solve(x: np.ndarray, y: np.ndarray, refs: Sequence[ReferencePattern], fwhm: float,
           eta: float, shift: float,
           bg: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, float]:
    """Non-negative phase scales and free background coefficients minimising the residual.

    The background is projected out (its coefficients are unconstrained), leaving an NNLS
    problem in the phase scales. Returns (phase scales + background coefficients, model, RSS).
    """
    from scipy.optimize import nnls

    k = len(refs)
    q, r = bg
    try:
        if k:
            cols = np.column_stack([_profile(r, x, fwhm, eta, shift) for r in refs])
            norms = np.where(cols.max(axis=0) > 0, cols.max(axis=0), 1.0)
            a = cols / norms
            ap = a - q @ (q.T @ a)
            yp = y - q @ (q.T @ y)
            scales = nnls(ap, yp, maxiter=50 * k)[0] / norms
            peaks = cols @ scales
        else:
            scales, peaks = np.zeros(0), np.zeros_like(y)
        b = np.linalg.solve(r, q.T @ (y - peaks))
    except (ValueError, RuntimeError, np.linalg.LinAlgError, ArithmeticError) as exc:
        raise FitError(f"the phase fit failed ({exc}); check the pattern's values") from exc
    model = peaks + q @ (q.T @ (y - peaks))
    return np.r_[scales, b], model, float(np.sum((y - model) ** 2))


def identify_phases(pattern: XRDPattern, candidates: Iterable[str] = DEFAULT_CANDIDATES,
                    tolerance: float = TOLERANCE, min_snr: float = MIN_SNR,
                    min_matched_fraction: float = MIN_MATCHED_FRACTION,
                    background_degree: int = 5, eta: float = 0.5,
                    max_shift: float = 0.15) -> PhaseIdentification:
    """Which of ``candidates`` a pattern shows, with rough fractions and a goodness of fit.

    1. Fit the pattern as a non-negative sum of pseudo-Voigt-broadened reference patterns
       (one common FWHM and 2θ zero shift, refined) plus a Chebyshev background.
    2. A candidate is present if its strongest fitted peak exceeds ``min_snr`` noise standard
       deviations and at least ``min_matched_fraction`` of its reflections expected above
       EXPECTED_SNR·noise lie within ``tolerance`` (or the FWHM, if larger) of an observed peak.
    3. Refit the scales with the present phases only (same FWHM and shift): weight fractions
       follow from the volume-fraction scales times the model densities (no microabsorption
       correction).

    Raises :class:`~tfalab.errors.FitError` if the pattern has no signal.

    >>> pat = synthetic_pattern({"LiBx": 1.0}, seed=3)
    >>> r = identify_phases(pat, candidates=("Li", "LiBx"))
    >>> r.phases, round(r.weight_fractions["LiBx"], 2)
    (('LiBx',), 1.0)
    """
    from scipy.optimize import minimize
    from scipy.signal import find_peaks

    if not isinstance(pattern, XRDPattern):
        raise ParameterError(f"pattern must be an XRDPattern (read_pattern), got "
                             f"{type(pattern).__name__}")
    if isinstance(candidates, str):
        candidates = [c for c in candidates.split(",") if c.strip()]
    names = list(dict.fromkeys(_phase_name(c) for c in candidates))
    if not names:
        raise ParameterError("identify_phases needs at least one candidate phase")
    for name, value, lo, hi in (("tolerance", tolerance, 0.0, 5.0), ("min_snr", min_snr, 0.0, 1e6),
                                ("min_matched_fraction", min_matched_fraction, 0.0, 1.0),
                                ("eta", eta, 0.0, 1.0), ("max_shift", max_shift, 0.0, 2.0)):
        positive = name in ("tolerance", "min_matched_fraction")
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value) or not lo <= value <= hi or (positive and value == 0):
            raise ParameterError(f"{name} must be a number within {lo:g}-{hi:g}"
                                 f"{' (and > 0)' if positive else ''}, got {value!r}")
    if isinstance(background_degree, bool) or not isinstance(background_degree, int) or \
            not 0 <= background_degree <= 20:
        raise ParameterError(f"background_degree must be an integer within 0-20, got "
                             f"{background_degree!r}")
    x, y = pattern.two_theta, pattern.intensity
    if not (np.all(np.isfinite(y)) and np.ptp(y) > 0):
        raise FitError(f"{pattern.source or 'pattern'}: no signal (constant or non-finite "
                       "intensities)")
    sigma = _noise_sigma(y)
    if sigma <= 0:
        sigma = 1e-6 * float(np.ptp(y))
    wl = pattern.wavelength
    rng_lo, rng_hi = _extended_range(x)
    refs = {n: reference_pattern(n, (rng_lo, rng_hi), wl) for n in names}
    if not any(np.any((r.two_theta >= x[0]) & (r.two_theta <= x[-1])) for r in refs.values()):
        raise ParameterError(
            f"{pattern.source or 'pattern'}: its 2theta range {x[0]:g}-{x[-1]:g} deg holds no "
            f"reflection of {', '.join(names)} (at {wl * 1e10:.4g} A); 2theta must be in "
            "degrees (a range below ~6.3 looks like radians: multiply by 180/pi)")
    bg_basis = _background_basis(x, background_degree)
    bg = np.linalg.qr(bg_basis)
    yvar = float(np.sum((y - y.mean()) ** 2))
    step = float(np.median(np.diff(x)))

    # refine the common FWHM and zero shift: coarse grid in FWHM, then Nelder-Mead
    def rss(p: np.ndarray, rlist: Sequence[ReferencePattern]) -> float:
        w = float(np.exp(p[0]))
        s = float(np.clip(p[1], -max_shift, max_shift))
        return _solve(x, y, rlist, w, eta, s, bg)[2] / yvar

    def refine(rlist: Sequence[ReferencePattern]) -> tuple[float, float]:
        widths = np.geomspace(max(2 * step, 0.02), 1.5, 12)
        best = min(widths, key=lambda w: rss(np.array([math.log(w), 0.0]), rlist))
        if max_shift > 0:
            opt = minimize(rss, np.array([math.log(best), 0.0]), args=(rlist,),
                           method="Nelder-Mead",
                           options={"xatol": 2e-3, "fatol": 1e-7, "maxiter": 60,
                                    "initial_simplex": [[math.log(best), 0.0],
                                                        [math.log(best) + 0.2, 0.0],
                                                        [math.log(best), max_shift / 3]]})
            return float(np.exp(opt.x[0])), float(np.clip(opt.x[1], -max_shift, max_shift))
        opt = minimize(lambda p: rss(np.array([p[0], 0.0]), rlist), np.array([math.log(best)]),
                       method="Nelder-Mead", options={"xatol": 1e-3, "maxiter": 40})
        return float(np.exp(opt.x[0])), 0.0

    rlist = [refs[n] for n in names]
    fwhm, shift = refine(rlist)
    coef, model, _ = _solve(x, y, rlist, fwhm, eta, shift, bg)
    background = bg_basis @ coef[len(names):]

    # observed peaks in the background-subtracted data
    net = y - background
    min_dist = max(1, int(0.5 * fwhm / step))
    idx, _ = find_peaks(net, prominence=EXPECTED_SNR * sigma, distance=min_dist)
    observed = x[idx]
    tol = max(tolerance, fwhm)
    h1 = _peak_height(fwhm, eta)

    matches: dict[str, PhaseMatch] = {}
    for i, n in enumerate(names):
        ref, c = refs[n], coef[i]
        comp = c * _profile(ref, x, fwhm, eta, shift)
        snr = float(comp.max() / sigma) if comp.size else 0.0
        inside = (ref.two_theta + shift >= x[0]) & (ref.two_theta + shift <= x[-1])
        lines = _merge_lines(ref.two_theta[inside] + shift, ref.absolute[inside], fwhm / 2)
        expected = [t for t, a in lines if c * a * h1 >= EXPECTED_SNR * sigma]
        matched = sum(1 for t in expected
                      if observed.size and np.min(np.abs(observed - t)) <= tol)
        m = PhaseMatch(n, False, float(c), snr, len(expected), matched)
        if snr < min_snr:
            m.reason = f"strongest fitted peak {snr:.1f} sigma < {min_snr:g} sigma"
        elif not expected or m.matched_fraction < min_matched_fraction:
            m.reason = (f"only {matched} of {len(expected)} expected reflections observed "
                        f"(need {min_matched_fraction:.0%})")
        else:
            m.present = True
            m.reason = f"{matched} of {len(expected)} expected reflections observed"
        matches[n] = m

    present = [n for n in names if matches[n].present]
    if present:
        plist = [refs[n] for n in present]
        coef, model, _ = _solve(x, y, plist, fwhm, eta, shift, bg)
        background = bg_basis @ coef[len(present):]
        for i, n in enumerate(present):
            matches[n].scale = float(coef[i])
    else:
        coef, model, _ = _solve(x, y, [], fwhm, eta, shift, bg)
        background = model
    components = {n: coef[i] * _profile(refs[n], x, fwhm, eta, shift)
                  for i, n in enumerate(present)}
    areas = {n: float(np.trapezoid(components[n], x)) for n in present}
    mass = {n: coef[i] * refs[n].density for i, n in enumerate(present)}
    w_tot, a_tot = sum(mass.values()), sum(areas.values())
    weights = {n: float(mass[n] / w_tot) if w_tot > 0 else 0.0 for n in present}
    intens = {n: float(areas[n] / a_tot) if a_tot > 0 else 0.0 for n in present}

    resid = y - model
    wts = 1.0 / np.maximum(np.abs(y), sigma**2)
    r_wp = float(np.sqrt(np.sum(wts * resid**2) / np.sum(wts * y**2)))
    dof = max(x.size - len(present) - bg_basis.shape[1] - 2, 1)
    gof = float(np.sqrt(np.sum(resid**2) / dof) / sigma)
    if not (math.isfinite(r_wp) and math.isfinite(gof) and math.isfinite(fwhm)):
        raise FitError(f"{pattern.source or 'pattern'}: the phase fit gave non-finite results "
                       f"(Rwp {r_wp}, GOF {gof}); check the pattern's values")
    return PhaseIdentification(tuple(present), weights, intens, matches, fwhm, shift, r_wp, gof,
                               sigma, observed, x, y, model, background, components, wl)


def _merge_lines(t: np.ndarray, a: np.ndarray, sep: float) -> list[tuple[float, float]]:
    """Merge reflections closer than ``sep`` into intensity-weighted lines."""
    out: list[tuple[float, float]] = []
    for ti, ai in zip(t, a, strict=True):
        if out and ti - out[-1][0] < sep:
            t0, a0 = out[-1]
            out[-1] = ((t0 * a0 + ti * ai) / (a0 + ai) if a0 + ai > 0 else t0, a0 + ai)
        else:
            out.append((float(ti), float(ai)))
    return out


# --------------------------------------------------------------------------------------------
# analysis entry point


def plot_identification(result: PhaseIdentification, candidates: Sequence[str] | None = None,
                        title: str = "") -> Any:
    """Figure: pattern, fit, components and residual above the candidates' reference sticks."""
    from tfalab.plotting import pyplot

    plt = pyplot()
    names = list(candidates) if candidates is not None else list(result.candidates)
    fig, (ax, axr, axs) = plt.subplots(3, 1, figsize=(7.5, 6.5), sharex=True,
                                       gridspec_kw={"height_ratios": [3, 1, 1.6]})
    x = result.two_theta
    ax.plot(x, result.intensity, color="0.3", lw=0.8, label="data")
    ax.plot(x, result.model, color="C3", lw=0.9, label=f"fit (Rwp {result.r_wp:.3f})")
    for i, (n, comp) in enumerate(result.components.items()):
        w = result.weight_fractions.get(n, 0.0)
        ax.plot(x, comp + result.background, lw=0.7, color=f"C{i}",
                label=f"{_label(n)} ({w:.0%} wt)")
    ax.plot(x, result.background, color="0.6", lw=0.7, ls="--", label="background")
    ax.set_ylabel("intensity")
    ax.legend(fontsize=7, loc="upper right")
    if title:
        ax.set_title(title, fontsize=9)
    axr.plot(x, result.intensity - result.model, color="0.3", lw=0.6)
    axr.set_ylabel("residual")
    wl = result.wavelength
    for k, n in enumerate(names):
        ref = reference_pattern(n, (float(x[0]), float(x[-1])), wl)
        present = n in result.phases
        axs.vlines(ref.two_theta, k, k + 0.85 * ref.intensity / 100,
                   color=f"C{k}" if present else "0.6", lw=1.6 if present else 0.8)
    axs.set_yticks([k + 0.4 for k in range(len(names))])
    axs.set_yticklabels([_label(n) + (" *" if n in result.phases else "") for n in names],
                        fontsize=7)
    axs.set_xlabel("2θ (°)")
    axs.set_xlim(float(x[0]), float(x[-1]))
    return fig


def _label(name: str) -> str:
    return "LiBx (Li5B4)" if name == "LiBx" else name


def analyze_xrd(path: str | Path, out: str | Path, candidates: Iterable[str] = DEFAULT_CANDIDATES,
                wavelength: str | float = "CuKa", tolerance: float = TOLERANCE) -> dict[str, Any]:
    """Identify the phases of a pattern file; write ``{out}.png`` and ``{out}.json``.

    Returns the JSON-serialisable summary (also written to ``{out}.json``).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> pat = synthetic_pattern({"Li": 0.6, "LiBx": 0.4}, seed=2)
    >>> np.savetxt(os.path.join(d, "tfa.xy"), np.c_[pat.two_theta, pat.intensity])
    >>> analyze_xrd(os.path.join(d, "tfa.xy"), os.path.join(d, "tfa"))["phases"]
    ['Li', 'LiBx']
    """
    from tfalab.plotting import save

    pattern = read_pattern(path, wavelength)
    names = [_phase_name(c) for c in candidates]
    result = identify_phases(pattern, candidates=names, tolerance=tolerance)
    summary = {"file": str(path), "kind": "xrd", "candidates": names, **result.to_dict(),
               "two_theta_range_deg": [float(pattern.two_theta[0]),
                                       float(pattern.two_theta[-1])]}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    png, js = Path(f"{out}.png"), Path(f"{out}.json")
    from tfalab.outputs import atomic_write

    summary["figure"] = str(png)
    text = json.dumps(summary, indent=2)
    fig = plot_identification(result, names, title=Path(path).name)
    atomic_write(png, lambda tmp: save(fig, tmp))
    atomic_write(js, lambda tmp: tmp.write_text(text))
    return summary
