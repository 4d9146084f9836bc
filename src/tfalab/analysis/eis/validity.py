"""Whether a spectrum can be trusted before any fit: data checks (:func:`check_spectrum`) and
the Lin-KK Kramers-Kronig test (:func:`kramers_kronig`, impedance.py's ``linKK``).

Part of :mod:`tfalab.analysis.eis` (import from there).

>>> import numpy as np
>>> f = np.logspace(4, -2, 40)
>>> kk = kramers_kronig(Spectrum(f, 5 + 10 / (1 + 2j * np.pi * f * 1e-2)))
>>> kk.passed, kk.residual < 1e-3
(True, True)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfalab.analysis.checks import check_number
from tfalab.analysis.eis.io import Spectrum, require_spectrum
from tfalab.errors import FitError

__all__ = ["FREQUENCY_RANGE", "IMPEDANCE_RANGE", "KK_MAX_RESIDUAL", "MIN_POINTS", "KKResult",
           "check_spectrum", "kramers_kronig"]

#: Lin-KK check fails above this relative RMS residual (a clean spectrum gives ≪ 1 %).
KK_MAX_RESIDUAL = 0.02
#: Fewest points of a spectrum :func:`check_spectrum` lets through by default (the DRT and
#: the Kramers-Kronig check need 5).
MIN_POINTS = 5
#: Frequencies (Hz) a measured spectrum can hold: 0.1 µHz to 1 THz.
FREQUENCY_RANGE = (1e-7, 1e12)
#: Impedance moduli (Ω) a measured spectrum can hold: 1 nΩ to 1 PΩ.
IMPEDANCE_RANGE = (1e-9, 1e15)
_SAME_FREQUENCY = 1e-9


# --- data checks and the Kramers-Kronig test ----------------------------------------------------
def _where(s: Spectrum) -> str:
    src = s.metadata.get("source")
    return f"spectrum from {src}" if src else "spectrum"


def check_spectrum(spectrum: Spectrum, min_points: int = MIN_POINTS) -> None:
    """Raise :class:`~tfalab.errors.FitError` when a spectrum cannot be analysed at all: fewer
    than ``min_points`` points, repeated frequencies (two sweeps in one file?; frequencies
    equal to 1 part in 10⁹ count as repeated), zero impedance (|Z| weights the fits), or
    frequencies or impedances outside :data:`FREQUENCY_RANGE` / :data:`IMPEDANCE_RANGE` (not
    a measurement: a unit or export error, and beyond them the fits overflow).

    >>> import numpy as np
    >>> try:
    ...     check_spectrum(Spectrum(np.array([1.0, 1.0, 2.0]), np.array([1.0, 1.0, 2.0])), 1)
    ... except FitError as exc:
    ...     print(str(exc)[:40])
    spectrum: frequency 1 Hz appears 2 times
    """
    require_spectrum(spectrum)
    check_number(min_points, "min_points", low=1, integer=True)
    f = np.asarray(spectrum.frequency, dtype=float)
    z = np.asarray(spectrum.impedance, dtype=complex)
    where = _where(spectrum)
    if f.size < min_points:
        raise FitError(f"{where}: {f.size} point(s); an impedance spectrum needs at least "
                       f"{min_points} frequencies to be analysed")
    order = np.argsort(f, kind="stable")
    fs = f[order]
    # a new group starts where the frequency rises by more than 1 part in 1e9
    new = np.r_[True, np.diff(fs) > _SAME_FREQUENCY * np.abs(fs[1:])]
    group = np.cumsum(new) - 1
    counts = np.bincount(group)
    if np.any(counts > 1):
        k = int(np.argmax(counts > 1))
        n_dup = int((counts > 1).sum())
        raise FitError(
            f"{where}: frequency {fs[new][k]:g} Hz appears {counts[k]} times; "
            f"{n_dup} frequencies are repeated (several sweeps in one file?): split the sweeps "
            f"or average/drop the repeated points"
        )
    lo, hi = FREQUENCY_RANGE
    out = (f < lo) | (f > hi)
    if out.any():
        raise FitError(f"{where}: frequency {f[np.argmax(out)]:g} Hz is outside "
                       f"{lo:g}-{hi:g} Hz ({int(out.sum())} such point(s)): is the frequency "
                       f"column in Hz?")
    with np.errstate(over="ignore"):
        mag = np.abs(z)
    zero = mag == 0
    if zero.all():
        raise FitError(f"{where}: the impedance is zero at every frequency (no data)")
    if zero.any():
        raise FitError(
            f"{where}: Z = 0 at {int(zero.sum())} frequencies "
            f"(first {f[np.argmax(zero)]:g} Hz); drop those points"
        )
    lo, hi = IMPEDANCE_RANGE
    out = ~np.isfinite(mag) | (mag < lo) | (mag > hi)
    if out.any():
        i = int(np.argmax(out))
        raise FitError(f"{where}: |Z| = {mag[i]:g} ohm at {f[i]:g} Hz is outside "
                       f"{lo:g}-{hi:g} ohm ({int(out.sum())} such point(s)): is the impedance "
                       f"in ohm?")


@dataclass(frozen=True)
class KKResult:
    """Lin-KK validity test (impedance.py ``linKK``, Schönleber et al. 2014).

    ``residual`` relative RMS of |Z_KK − Z|/|Z|, ``max_residual`` its largest point,
    ``n_rc`` the number of RC elements, ``passed`` = residual ≤ :data:`KK_MAX_RESIDUAL`.
    """

    residual: float
    max_residual: float
    n_rc: int
    mu: float
    passed: bool
    residuals_real: np.ndarray = field(repr=False)
    residuals_imag: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": bool(self.passed),
            "status": "ok" if self.passed else "poor",
            "relative_residual": float(self.residual),
            "max_relative_residual": float(self.max_residual),
            "threshold": KK_MAX_RESIDUAL,
            "n_rc": int(self.n_rc),
            "mu": float(self.mu),
        }

    @property
    def warning(self) -> str | None:
        if self.passed:
            return None
        return (
            f"Kramers-Kronig (lin-KK) check failed: residual {100 * self.residual:.2g} % rms "
            f"(max {100 * self.max_residual:.2g} %) > {100 * KK_MAX_RESIDUAL:g} %; the data "
            f"are noisy, drifting (not stationary), non-linear or hold artefacts"
        )


def kramers_kronig(spectrum: Spectrum, c: float = 0.85, max_rc: int = 100) -> KKResult:
    """Lin-KK test of a spectrum (impedance.py ``validation.linKK``, complex fit with a series
    capacitance). Raises :class:`~tfalab.errors.FitError` when it cannot run.

    >>> import numpy as np
    >>> f = np.logspace(4, -2, 40)
    >>> kramers_kronig(Spectrum(f, 5 + 10 / (1 + 2j * np.pi * f * 1e-2))).passed
    True
    """
    import contextlib
    import io

    from impedance import validation

    s = require_spectrum(spectrum).sorted()
    check_number(c, "c", low=0, high=1, low_open=True, high_open=True)
    check_number(max_rc, "max_rc", low=1, high=10_000, integer=True)
    check_spectrum(s, min_points=1)
    if s.n < 5:
        raise FitError(f"{_where(s)}: the Kramers-Kronig check needs at least 5 points")
    # impedance.py 1.7 builds a string with repr(np.float64) that numpy >= 2 writes "np.float64(.)"
    validation.circuit_elements.setdefault("np", np)

    def run(cut: float | None, m_max: int) -> tuple[int, float, np.ndarray, np.ndarray]:
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                m, mu, _zk, rr, ri = validation.linKK(
                    s.frequency, s.impedance, c=cut, max_M=m_max, fit_type="complex",
                    add_cap=True,
                )
        except Exception as exc:  # impedance.py evaluates generated code
            raise FitError(f"{_where(s)}: Kramers-Kronig check failed to run ({exc})") from exc
        return int(m), float(mu), np.asarray(rr, dtype=float), np.asarray(ri, dtype=float)

    def rms(rr: np.ndarray, ri: np.ndarray) -> float:
        return float(np.sqrt(np.mean(rr**2 + ri**2)))

    m, mu, rr, ri = run(c, max_rc)
    if rms(rr, ri) > KK_MAX_RESIDUAL:
        # the mu criterion stops early on smooth, low-noise data: retry with ~5 RC per decade
        # of frequency (fewer than half the points, so artefacts are not fitted away)
        decades = math.log10(s.f_max / s.f_min)
        m_fix = int(np.clip(round(5 * decades), 3, max(s.n // 2, 3)))
        if m_fix > m:
            alt = run(None, m_fix)
            if rms(alt[2], alt[3]) < rms(rr, ri):
                m, mu, rr, ri = alt
    r = np.hypot(rr, ri)
    rms_ = rms(rr, ri)
    return KKResult(
        residual=rms_,
        max_residual=float(r.max()),
        n_rc=m,
        mu=mu,
        passed=bool(rms_ <= KK_MAX_RESIDUAL),
        residuals_real=rr,
        residuals_imag=ri,
    )


