"""Distribution of relaxation times (DRT) by Tikhonov-regularised non-negative least squares.

Part of :mod:`tfalab.analysis.eis` (import from there). The spectrum is modelled as

    Z(ω) = R∞ + jωL + Σ_k γ_k Δlnτ / (1 + jωτ_k)

on a log-spaced grid τ_k (s); γ (Ω per unit ln τ) ≥ 0, R∞ ≥ 0, L ≥ 0. Real and imaginary parts
are fitted together, each row weighted by 1/|Z| (relative errors), with the penalty
λ‖D₂γ‖² on the second differences of γ. λ is chosen by generalised cross-validation (GCV).

>>> import numpy as np
>>> f = np.logspace(5, -2, 50)
>>> z = 5 + 10 / (1 + 2j * np.pi * f * 1e-3)
>>> res = drt(Spectrum(f, z))
>>> p = res.peaks()[0]
>>> round(float(np.log10(p.tau)), 1), round(p.resistance, 0)
(-3.0, 10.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from tfalab.analysis.checks import check_number
from tfalab.analysis.eis.io import Spectrum, require_spectrum
from tfalab.errors import FitError, ParameterError

__all__ = ["DRTPeak", "DRTResult", "drt"]

#: λ values searched by GCV (the problem is scaled so that λ is dimensionless).
LAMBDA_GRID = np.logspace(-7, 1, 33)


@dataclass(frozen=True)
class DRTPeak:
    """One DRT peak: time constant ``tau`` (s) of its maximum, its area ``resistance`` (Ω)."""

    tau: float
    resistance: float

    @property
    def frequency(self) -> float:
        """Characteristic frequency 1/(2πτ), Hz."""
        return 1.0 / (2.0 * np.pi * self.tau)


@dataclass(frozen=True)
class DRTResult:
    """Result of :func:`drt`.

    ``tau`` (s) grid, ``gamma`` (Ω per unit ln τ), ``r_inf`` (Ω), ``inductance`` (H),
    ``lambda_`` the regularisation parameter used, ``lambda_method`` ("gcv" or "given"),
    ``residual`` the relative RMS misfit sqrt(mean |ΔZ|²/|Z|²).
    """

    tau: np.ndarray
    gamma: np.ndarray
    r_inf: float
    inductance: float
    lambda_: float
    lambda_method: str
    residual: float

    @property
    def dlntau(self) -> float:
        """Grid step in ln τ."""
        return float(np.log(self.tau[1] / self.tau[0]))

    @property
    def polarization_resistance(self) -> float:
        """Total area of γ, Ω (R_dc − R∞)."""
        return float(np.sum(self.gamma) * self.dlntau)

    def predict(self, frequency: np.ndarray) -> np.ndarray:
        """Impedance (Ω) of the DRT model at ``frequency`` (Hz)."""
        w = 2.0 * np.pi * np.asarray(frequency, dtype=float)
        wt = np.outer(w, self.tau)
        kern = self.dlntau / (1.0 + 1j * wt)
        return self.r_inf + 1j * w * self.inductance + kern @ self.gamma

    def peaks(self, min_fraction: float = 0.02) -> list[DRTPeak]:
        """Peaks of γ (local maxima above ``min_fraction`` × max), ordered by ascending τ.

        The peak τ is refined by a parabola through the three top points on ln τ; the area is
        γ integrated between the valleys on either side of the maximum.
        """
        g = self.gamma
        if g.size < 3 or not np.any(g > 0):
            return []
        thr = min_fraction * g.max()
        idx = [
            i
            for i in range(g.size)
            if g[i] > thr and (i == 0 or g[i] > g[i - 1]) and (i == g.size - 1 or g[i] >= g[i + 1])
        ]
        out = []
        lt = np.log(self.tau)
        for j, i in enumerate(idx):
            lo = idx[j - 1] if j > 0 else 0
            hi = idx[j + 1] if j + 1 < len(idx) else g.size - 1
            left = lo + int(np.argmin(g[lo : i + 1])) if j > 0 else 0
            right = i + int(np.argmin(g[i : hi + 1])) if j + 1 < len(idx) else g.size - 1
            # share a valley point between neighbours: take it on the left peak only
            area = float(np.sum(g[left + (1 if j > 0 else 0) : right + 1]) * self.dlntau)
            x = lt[i]
            if 0 < i < g.size - 1:
                y0, y1, y2 = g[i - 1], g[i], g[i + 1]
                den = y0 - 2 * y1 + y2
                if den < 0:
                    x = lt[i] + 0.5 * (y0 - y2) / den * (lt[1] - lt[0])
            out.append(DRTPeak(float(np.exp(x)), area))
        return out


def _second_difference(m: int) -> np.ndarray:
    d = np.zeros((m - 2, m))
    for i in range(m - 2):
        d[i, i : i + 3] = (1.0, -2.0, 1.0)
    return d


def _solve(a: np.ndarray, b: np.ndarray, reg: np.ndarray, lam: float) -> tuple[np.ndarray, float]:
    """NNLS of [A; √λ R] x = [b; 0]; returns x and its GCV score."""
    aa = np.vstack([a, np.sqrt(lam) * reg])
    bb = np.concatenate([b, np.zeros(reg.shape[0])])
    x, _ = nnls(aa, bb, maxiter=50 * aa.shape[1])
    r = a @ x - b
    free = x > 0
    m = b.size
    if free.any():
        af, rf = a[:, free], reg[:, free]
        hess = af.T @ af + lam * rf.T @ rf
        try:
            trace = float(np.trace(np.linalg.solve(hess, af.T @ af)))
        except np.linalg.LinAlgError:
            trace = float(free.sum())
    else:
        trace = 0.0
    dof = max(m - trace, 1e-12)
    return x, float(m * (r @ r) / dof**2)


def drt(
    spectrum: Spectrum,
    lambda_: float | None = None,
    n_tau: int = 100,
    inductance: bool = True,
    tau_range: tuple[float, float] | None = None,
) -> DRTResult:
    """Distribution of relaxation times of ``spectrum`` (Tikhonov + NNLS, λ by GCV).

    ``n_tau`` log-spaced τ values span ``tau_range`` (s; default one decade beyond
    1/(2π f_max) … 1/(2π f_min)). ``lambda_`` (dimensionless; the problem is scaled by
    max |Z|) is chosen by generalised cross-validation over :data:`LAMBDA_GRID` when ``None``.
    ``inductance`` adds a series inductance (H) to the model.

    >>> import numpy as np
    >>> f = np.logspace(4, -1, 40)
    >>> z = 2 + 8 / (1 + 2j * np.pi * f * 0.01)
    >>> r = drt(Spectrum(f, z), lambda_=1e-3)
    >>> round(r.r_inf, 1), round(r.polarization_resistance, 1)
    (2.0, 8.0)
    """
    require_spectrum(spectrum)
    check_number(n_tau, "n_tau", low=10, high=10_000, integer=True)
    if lambda_ is not None:
        check_number(lambda_, "lambda_", low=0, low_open=True)
    if tau_range is not None:
        try:
            t_lo, t_hi = (float(v) for v in tau_range)
        except (TypeError, ValueError):
            raise ParameterError(f"tau_range must be two times (lo, hi) in s, got "
                                 f"{tau_range!r}") from None
        if not (np.isfinite(t_lo) and np.isfinite(t_hi)):
            raise ParameterError(f"tau_range must be finite times in s, got {tau_range!r}")
    s = spectrum.sorted()
    if s.n < 5:
        raise FitError(f"DRT needs at least 5 points (spectrum has {s.n})")
    from tfalab.analysis.eis.validity import check_spectrum

    check_spectrum(s)
    w = s.omega
    z = s.impedance
    if tau_range is None:
        tau_range = (0.1 / w.max(), 10.0 / w.min())
    t_lo, t_hi = tau_range
    if not 0 < t_lo < t_hi:
        raise ParameterError(f"tau_range must be 0 < lo < hi (got {tau_range!r})")
    tau = np.logspace(np.log10(t_lo), np.log10(t_hi), n_tau)
    dln = float(np.log(tau[1] / tau[0]))
    zs = float(np.abs(z).max())
    wt = np.outer(w, tau)
    k_re = dln / (1.0 + wt**2)
    k_im = -dln * wt / (1.0 + wt**2)
    n = z.size
    cols_re = [np.ones((n, 1))]
    cols_im = [np.zeros((n, 1))]
    if inductance:
        cols_re.append(np.zeros((n, 1)))
        cols_im.append((w / w.max())[:, None])
    n_extra = len(cols_re)
    a = np.vstack([np.hstack([*cols_re, k_re]), np.hstack([*cols_im, k_im])])
    weight = 1.0 / np.abs(z)
    # rows weighted by 1/|Z|; unknowns are x/zs so that A and b are O(1)
    a = a * (np.concatenate([weight, weight]) * zs)[:, None]
    b = np.concatenate([z.real, z.imag]) * np.concatenate([weight, weight])
    reg = np.zeros((n_tau - 2, n_extra + n_tau))
    reg[:, n_extra:] = _second_difference(n_tau)
    try:
        if lambda_ is None:
            scores = [_solve(a, b, reg, lam) for lam in LAMBDA_GRID]
            best = int(np.argmin([sc for _, sc in scores]))
            lam, x, method = float(LAMBDA_GRID[best]), scores[best][0], "gcv"
        else:
            lam, method = float(lambda_), "given"
            x, _ = _solve(a, b, reg, lam)
    except (RuntimeError, ValueError, np.linalg.LinAlgError, ArithmeticError) as exc:
        raise FitError(f"DRT inversion failed: {exc}") from exc
    x = x * zs
    r_inf = float(x[0])
    ind = float(x[1] / w.max()) if inductance else 0.0
    gamma = x[n_extra:].copy()
    res = DRTResult(tau, gamma, r_inf, ind, lam, method, 0.0)
    zfit = res.predict(s.frequency)
    resid = float(np.sqrt(np.mean(np.abs(zfit - z) ** 2 / np.abs(z) ** 2)))
    return DRTResult(tau, gamma, r_inf, ind, lam, method, resid)
