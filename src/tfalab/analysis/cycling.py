"""Galvanostatic cycling analysis of Li symmetric cells: half-cycles, overpotential, failure.

Every function takes a :class:`~tfalab.CellTest` (lab file or simulation output alike), a
DataFrame with the BDF columns, or a plain ``(time, voltage, current)`` tuple of arrays, and
knows nothing about where the data came from. Units are SI throughout: s, V, A, A/m², C.

Conventions: the voltage of a symmetric cell carries the sign of the current. A *half-cycle*
is a maximal run of samples with the same non-zero current sign (and the same
``Step Count / 1``, where that column exists); samples with ``|I|`` below ``rest_fraction`` ×
``max |I|`` are rests, which separate half-cycles and are otherwise ignored. A *cycle* is a
pair of consecutive half-cycles.

>>> import numpy as np
>>> t = np.arange(0.0, 4000.0, 10.0)
>>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
>>> round(overpotential_at((t, 0.05 * np.sign(i), i), 1500.0), 6)
0.05
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from tfalab.celltest import CellTest
from tfalab.errors import CellTestError, ParameterError

__all__ = [
    "CCDResult",
    "DivergenceResult",
    "ShortResult",
    "critical_current_density",
    "detect_divergence",
    "detect_short",
    "half_cycles_from_current",
    "overpotential_at",
    "overpotential_per_cycle",
    "overpotential_trend",
    "segment_half_cycles",
    "stable_duration",
    "time_to_failure",
]

#: What the analysis functions accept: a CellTest, a BDF DataFrame, or (time, voltage, current).
CyclingData: TypeAlias = CellTest | pd.DataFrame | Sequence[Any]

REST_FRACTION = 1e-3  # |I| below this fraction of max |I| counts as rest
#: Accepted ranges of the keyword arguments (checked at each function's edge):
#: name -> (low, high, low excluded, high excluded, integer). ``rest_fraction`` in [0, 1): at 1
#: no current would count as flowing. ``drop_ratio`` in (0, 1): a collapse is a fall below a
#: fraction of the plateau (0 finds nothing, >= 1 flags the plateau itself). ``limit`` in
#: (0, 100] V: no cycler applies more. ``growth`` in (1, 1e6]: a factor <= 1 flags the first
#: plateau. ``short_asr`` in [0, 1e-4] ohm m² (0 disables; above 1 ohm cm² a healthy pellet
#: would count as shorted). ``area_m2`` in [1e-8, 1] m² (a 0.1 mm microelectrode to 1 m²).
KW_RANGES: dict[str, tuple[float, float, bool, bool, bool]] = {
    "rest_fraction": (0.0, 1.0, False, True, False),
    "drop_ratio": (0.0, 1.0, True, True, False),
    "min_points": (1, 1_000_000_000, False, False, True),
    "short_asr": (0.0, 1e-4, False, False, False),
    "limit": (0.0, 100.0, True, False, False),
    "growth": (1.0, 1e6, True, False, False),
    "area_m2": (1e-8, 1.0, False, False, False),
}


def _check_kw(**kw: Any) -> None:
    """Range-check keyword arguments (see :data:`KW_RANGES`); None is left to the default."""
    from tfalab.analysis.checks import check_number

    for name, value in kw.items():
        if value is None and name == "area_m2":
            continue
        lo, hi, lo_open, hi_open, integer = KW_RANGES[name]
        check_number(value, name, low=lo, high=hi, low_open=lo_open, high_open=hi_open,
                     integer=integer)
_EDGE = 0.1  # fraction of a half-cycle's duration cut at each end to get the plateau
_STEP = "Step Count / 1"


# --- input ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Trace:
    t: np.ndarray
    v: np.ndarray
    i: np.ndarray
    step: np.ndarray | None
    area: float | None


def _trace(test: CyclingData, area_m2: float | None = None) -> _Trace:
    """Arrays from a CellTest, a BDF DataFrame or a ``(time, voltage, current)`` tuple."""
    if isinstance(test, pd.DataFrame):
        test = CellTest(test)
    if isinstance(test, CellTest):
        t, v, i = test.time, test.voltage, test.current
        step = test.data[_STEP].to_numpy(dtype=float) if _STEP in test.data else None
        area = test.area
    elif isinstance(test, Sequence | np.ndarray) and not isinstance(test, str) and len(test) == 3:
        try:
            t, v, i = (np.asarray(a, dtype=float).ravel() for a in test)
        except (TypeError, ValueError) as exc:
            raise CellTestError(f"(time, voltage, current) must be numeric arrays ({exc})") \
                from None
        if not len(t) == len(v) == len(i):
            raise CellTestError(f"time, voltage and current have different lengths "
                                f"({len(t)}, {len(v)}, {len(i)})")
        if len(t) > 1 and np.any(np.diff(t) < 0):
            raise CellTestError("time must be non-decreasing")
        step, area = None, None
    else:
        raise CellTestError(f"expected a CellTest, a DataFrame or a (time, voltage, current) "
                            f"tuple, got {type(test).__name__}")
    if area_m2 is not None:
        if not area_m2 > 0:
            raise CellTestError(f"area_m2 must be positive, got {area_m2!r}")
        area = float(area_m2)
    if len(t) == 0:
        raise CellTestError("the cycling data are empty")
    for name, arr in (("time", t), ("voltage", v), ("current", i)):
        if not np.all(np.isfinite(arr)):
            raise CellTestError(f"{name} has missing or non-finite values")
    return _Trace(t, v, i, step, area)


# --- segmentation --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Segments:
    start: np.ndarray  # first row of each half-cycle
    stop: np.ndarray  # one past the last row
    sign: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    charge: np.ndarray  # C
    plateau: np.ndarray  # mean |V| over the middle of the half-cycle, V
    peak: np.ndarray
    last: np.ndarray
    seg_id: np.ndarray  # per sample: half-cycle index, -1 outside half-cycles

    def __len__(self) -> int:
        return len(self.start)

    @property
    def duration(self) -> np.ndarray:
        return self.t1 - self.t0

    @property
    def mean_current(self) -> np.ndarray:
        return self.sign * self.charge / self.duration

    @property
    def resistance(self) -> np.ndarray:
        """Plateau |V| / |I| of each half-cycle (ohm)."""
        return self.plateau / np.abs(self.mean_current)


def _cumtrapz(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.zeros_like(t)
    np.cumsum(0.5 * (y[1:] + y[:-1]) * np.diff(t), out=out[1:])
    return out


def _integral_at(x: np.ndarray, t: np.ndarray, y: np.ndarray, cum: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """∫y dt from t[0] to x (linear y), with x's interval clipped to rows [lo, hi - 1)."""
    k = np.clip(np.searchsorted(t, x, side="right") - 1, lo, hi - 2)
    dt = t[k + 1] - t[k]
    frac = np.divide(x - t[k], dt, out=np.zeros_like(x), where=dt > 0)
    yx = y[k] + (y[k + 1] - y[k]) * frac
    return cum[k] + 0.5 * (y[k] + yx) * (x - t[k])


def _segment(tr: _Trace, rest_fraction: float = REST_FRACTION) -> _Segments:
    t, v, i = tr.t, tr.v, tr.i
    n = len(t)
    abs_i, abs_v = np.abs(i), np.abs(v)
    imax = abs_i.max()
    if not imax > 0:
        raise CellTestError("no current flows in this test (all currents are zero)")
    sgn = np.where(abs_i > rest_fraction * imax, np.sign(i), 0.0)
    change = sgn[1:] != sgn[:-1]
    if tr.step is not None:
        change |= tr.step[1:] != tr.step[:-1]
    starts = np.concatenate(([0], np.flatnonzero(change) + 1))
    stops = np.append(starts[1:], n)
    peaks = np.maximum.reduceat(abs_v, starts)
    keep = (sgn[starts] != 0) & (stops - starts >= 2) & (t[stops - 1] > t[starts])
    if not keep.any():
        raise CellTestError("no current flows in this test (no half-cycle with current found)")
    s, e, peaks = starts[keep], stops[keep], peaks[keep]
    t0, t1 = t[s], t[e - 1]
    charge_cum = _cumtrapz(t, abs_i)
    charge = charge_cum[e - 1] - charge_cum[s]
    v_cum = _cumtrapz(t, abs_v)
    a, b = t0 + _EDGE * (t1 - t0), t1 - _EDGE * (t1 - t0)
    plateau = (_integral_at(b, t, abs_v, v_cum, s, e)
               - _integral_at(a, t, abs_v, v_cum, s, e)) / (b - a)
    seg_id = np.full(n, -1, dtype=np.intp)
    lengths = e - s
    rows = np.repeat(s - np.cumsum(np.concatenate(([0], lengths[:-1]))), lengths) \
        + np.arange(lengths.sum())
    seg_id[rows] = np.repeat(np.arange(len(s)), lengths)
    return _Segments(s, e, sgn[s], t0, t1, charge, plateau, peaks, abs_v[e - 1], seg_id)


def half_cycles_from_current(current: np.ndarray,
                             rest_fraction: float = REST_FRACTION) -> np.ndarray:
    """Per row: the half-cycle number (1, 2, ...) from the current's sign, 0 before the first.

    A new half-cycle starts where the sign of the (non-rest) current changes for at least two
    samples; rests, and lone samples of either sign, belong to the half-cycle before them.

    >>> half_cycles_from_current(np.array([0, 1, 1, 0, -1, -1, 0, 1.0, 1.0])).tolist()
    [0, 1, 1, 1, 2, 2, 2, 3, 3]
    >>> half_cycles_from_current(np.array([1, 1, -1, 1, 1.0])).tolist()  # a spike
    [1, 1, 1, 1, 1]
    """
    _check_kw(rest_fraction=rest_fraction)
    i = np.asarray(current, dtype=float)
    peak = np.nanmax(np.abs(i)) if len(i) else 0.0
    if not peak > 0:
        return np.zeros(len(i), dtype=np.int64)
    sign = np.where(np.abs(i) > rest_fraction * peak, np.sign(i), 0.0)
    # a lone sample of current between rests or against the sign around it (a spike, noise
    # at rest) starts no half-cycle
    nz = np.flatnonzero(sign != 0)
    if len(nz) > 1:
        s = sign[nz]
        run_start = np.concatenate(([0], np.flatnonzero(s[1:] != s[:-1]) + 1))
        run_len = np.diff(np.append(run_start, len(s)))
        sign[nz[run_start[run_len == 1]]] = 0.0
    active = np.flatnonzero(sign != 0)
    change = np.zeros(len(i), dtype=np.int64)
    if len(active):
        s = sign[active]
        change[active] = np.concatenate(([1], (s[1:] != s[:-1]).astype(np.int64)))
    return np.cumsum(change)


def segment_half_cycles(test: CyclingData, *, area_m2: float | None = None,
                        rest_fraction: float = REST_FRACTION) -> pd.DataFrame:
    """Split a galvanostatic test into half-cycles.

    Parameters
    ----------
    test : CellTest, DataFrame or (time, voltage, current)
    area_m2 : electrode area (m²); overrides the ``electrode_area_m2`` metadata.
    rest_fraction : ``|I| <= rest_fraction * max|I|`` counts as rest.

    Returns
    -------
    DataFrame, one row per half-cycle (index = ``half_cycle``, from 0), with columns
    ``half_cycle``, ``start_index``, ``end_index`` (rows, inclusive), ``start_time``,
    ``end_time``, ``duration`` (s), ``mean_current`` (A, time-weighted),
    ``mean_current_density`` (A/m², NaN without area), ``charge`` (C, ∫|I|dt), ``sign``,
    ``n_points``, ``mean_abs_voltage`` (time-averaged |V| over the middle 80 % of the
    half-cycle: the plateau overpotential), ``peak_abs_voltage``, ``end_abs_voltage`` (V).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 4000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> hc = segment_half_cycles((t, 0.05 * np.sign(i), i), area_m2=1e-4)
    >>> hc["sign"].tolist(), hc["mean_current_density"].round(6).tolist()
    ([1.0, -1.0, 1.0, -1.0], [10.0, -10.0, 10.0, -10.0])
    >>> hc["mean_abs_voltage"].round(6).tolist()
    [0.05, 0.05, 0.05, 0.05]
    """
    _check_kw(area_m2=area_m2, rest_fraction=rest_fraction)
    tr = _trace(test, area_m2)
    seg = _segment(tr, rest_fraction)
    mean_i = seg.mean_current
    density = mean_i / tr.area if tr.area is not None else np.full(len(seg), np.nan)
    frame = pd.DataFrame({
        "half_cycle": np.arange(len(seg)),
        "start_index": seg.start,
        "end_index": seg.stop - 1,
        "start_time": seg.t0,
        "end_time": seg.t1,
        "duration": seg.duration,
        "mean_current": mean_i,
        "mean_current_density": density,
        "charge": seg.charge,
        "sign": seg.sign,
        "n_points": seg.stop - seg.start,
        "mean_abs_voltage": seg.plateau,
        "peak_abs_voltage": seg.peak,
        "end_abs_voltage": seg.last,
    })
    frame.index.name = None
    return frame


# --- overpotential -------------------------------------------------------------------------
def _per_cycle(seg: _Segments, area: float | None) -> pd.DataFrame:
    m = len(seg) // 2
    a, b = 2 * np.arange(m), 2 * np.arange(m) + 1
    abs_i = np.abs(seg.mean_current)
    mean_abs_i = 0.5 * (abs_i[a] + abs_i[b])
    return pd.DataFrame({
        "cycle": np.arange(1, m + 1),
        "start_time": seg.t0[a],
        "end_time": seg.t1[b],
        "mid_time_h": 0.5 * (seg.t0[a] + seg.t1[b]) / 3600.0,
        "plateau_overpotential": 0.5 * (seg.plateau[a] + seg.plateau[b]),
        "peak_overpotential": np.maximum(seg.peak[a], seg.peak[b]),
        "mean_abs_current": mean_abs_i,
        "mean_abs_current_density": mean_abs_i / area if area is not None
        else np.full(m, np.nan),
    })


def overpotential_per_cycle(test: CyclingData, *, area_m2: float | None = None,
                            rest_fraction: float = REST_FRACTION) -> pd.DataFrame:
    """Plateau and peak overpotential of each full cycle (consecutive half-cycle pairs).

    Returns
    -------
    DataFrame with columns ``cycle`` (from 1), ``start_time``, ``end_time`` (s),
    ``mid_time_h`` (h), ``plateau_overpotential`` (mean of the two half-cycles'
    ``mean_abs_voltage``, V), ``peak_overpotential`` (V), ``mean_abs_current`` (A),
    ``mean_abs_current_density`` (A/m², NaN without area). A trailing unpaired half-cycle
    is left out.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 4000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> v = np.where(i > 0, 0.04, -0.06)
    >>> cyc = overpotential_per_cycle((t, v, i))
    >>> cyc["plateau_overpotential"].round(6).tolist(), cyc["peak_overpotential"].tolist()
    ([0.05, 0.05], [0.06, 0.06])
    """
    _check_kw(area_m2=area_m2, rest_fraction=rest_fraction)
    tr = _trace(test, area_m2)
    return _per_cycle(_segment(tr, rest_fraction), tr.area)


def overpotential_at(test: CyclingData, time: float, *,
                     rest_fraction: float = REST_FRACTION) -> float:
    """Plateau overpotential (V) of the cycle whose half-cycle is nearest ``time`` (s).

    The nearest half-cycle is the one containing ``time`` or else the closest in time; the
    result is the mean plateau |V| of it and its cycle partner (the cycles of
    :func:`overpotential_per_cycle`), or of it alone if it is an unpaired last half-cycle.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 8000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> v = np.sign(i) * (0.05 + 0.01 * (t >= 4000))
    >>> round(overpotential_at((t, v, i), 500.0), 9), round(overpotential_at((t, v, i), 7000.0), 9)
    (0.05, 0.06)
    """
    _check_kw(rest_fraction=rest_fraction)
    from tfalab.analysis.checks import check_number

    time = check_number(time, "time")
    seg = _segment(_trace(test), rest_fraction)
    dist = np.maximum(seg.t0 - time, 0.0) + np.maximum(time - seg.t1, 0.0)
    h = int(np.argmin(dist))
    first = h - h % 2
    pair = seg.plateau[first:min(first + 2, len(seg))]
    return float(pair.mean())


def overpotential_trend(test: CyclingData, *,
                        rest_fraction: float = REST_FRACTION) -> dict[str, float]:
    """Fit the per-cycle plateau overpotential against time and against √time.

    Returns
    -------
    dict with ``slope_V_per_s`` and ``intercept_V`` (η = a + b·t), ``sqrt_coefficient_V_per_sqrt_s``
    and ``sqrt_intercept_V`` (η = a + b·√t), their coefficients of determination ``r2_linear``
    and ``r2_sqrt``, and ``n_cycles``. Times are cycle mid-times in s. With fewer than two
    cycles the fits are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 8000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> v = np.sign(i) * (0.05 + 1e-6 * t)
    >>> trend = overpotential_trend((t, v, i))
    >>> round(trend["slope_V_per_s"], 9), trend["n_cycles"]
    (1e-06, 4)
    """
    _check_kw(rest_fraction=rest_fraction)
    cyc = _per_cycle(_segment(_trace(test), rest_fraction), None)
    x = cyc["mid_time_h"].to_numpy() * 3600.0
    y = cyc["plateau_overpotential"].to_numpy()
    out: dict[str, float] = {"n_cycles": len(x)}
    for key, xs in (("linear", x), ("sqrt", np.sqrt(x))):
        if len(x) < 2 or np.ptp(xs) == 0:
            b = a = r2 = math.nan
        else:
            b, a = np.polyfit(xs, y, 1)
            ss = np.sum((y - y.mean()) ** 2)
            r2 = 1.0 - np.sum((y - (a + b * xs)) ** 2) / ss if ss > 0 else 1.0
        if key == "linear":
            out |= {"slope_V_per_s": float(b), "intercept_V": float(a), "r2_linear": float(r2)}
        else:
            out |= {"sqrt_coefficient_V_per_sqrt_s": float(b), "sqrt_intercept_V": float(a),
                    "r2_sqrt": float(r2)}
    return out


# --- failure -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShortResult:
    """A short circuit: ``time`` (s) and row ``index`` of the first collapsed sample,
    ``half_cycle`` it fell in, ``voltage_before`` (V, signed: the plateau voltage the cell
    held before, i.e. the reference |V|/|I| times the present |I|) and ``voltage_after``
    (V, the measured voltage at the event)."""

    time: float
    index: int
    half_cycle: int
    voltage_before: float
    voltage_after: float


@dataclass(frozen=True)
class DivergenceResult:
    """A voltage divergence: ``time`` (s), row ``index``, ``half_cycle``, ``voltage`` (V,
    signed), ``ratio`` (|V|/|I| over the first half-cycle's plateau |V|/|I|) and ``reason``
    (``"limit"`` or ``"growth"``)."""

    time: float
    index: int
    half_cycle: int
    voltage: float
    ratio: float
    reason: str


@dataclass(frozen=True)
class CCDResult:
    """Critical current density: ``ccd`` (A/m²; the failing half-cycle's |i|, or
    ``last_stable`` when nothing failed), ``failed``, ``mode`` (``"short"``,
    ``"divergence"`` or None), ``last_stable`` (A/m², highest |i| of a half-cycle completed
    before the failure; 0.0 if the first one failed), ``failure_time`` (s, inf if none) and
    ``failure_half_cycle`` (None if none)."""

    ccd: float
    failed: bool
    mode: str | None
    last_stable: float
    failure_time: float
    failure_half_cycle: int | None


def _runs(mask: np.ndarray, key: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) of runs of True in ``mask`` that share one ``key``."""
    lab = np.where(mask, 0 if key is None else key, -1)
    edge = np.flatnonzero(lab[1:] != lab[:-1]) + 1
    starts = np.concatenate(([0], edge))
    stops = np.append(edge, len(mask))
    good = lab[starts] >= 0
    return starts[good], stops[good]


def _prefix_medians(x: np.ndarray) -> np.ndarray:
    """out[k] = median(x[:k]) (NaN for k = 0)."""
    out = np.full(len(x), np.nan)
    seen: list[float] = []
    for k, val in enumerate(x):
        if seen:
            m = len(seen)
            out[k] = seen[m // 2] if m % 2 else 0.5 * (seen[m // 2 - 1] + seen[m // 2])
        bisect.insort(seen, float(val))
    return out


#: Area-specific resistance (Ω·m², 0.05 Ω·cm²) below which a cell counts as shorted outright:
#: far below any pellet's ionic resistance (> 1 Ω·cm² for ~1 mm of Li6PS5Cl).
SHORT_ASR = 5e-6


def _detect_short(tr: _Trace, seg: _Segments, drop_ratio: float,
                  min_points: int, short_asr: float = SHORT_ASR) -> ShortResult | None:
    if min_points < 1:
        raise ParameterError(f"min_points must be >= 1, got {min_points}")
    t, v, i = tr.t, tr.v, tr.i
    sid = seg.seg_id
    inside = sid >= 0
    ratio = np.full(len(t), np.inf)
    ratio[inside] = np.abs(v[inside]) / np.abs(i[inside])
    thr = np.full(len(t), -np.inf)
    # later half-cycles: the median plateau |V|/|I| of all preceding half-cycles
    ref_seg = _prefix_medians(seg.resistance)
    later = sid >= 1
    thr[later] = drop_ratio * ref_seg[sid[later]]
    low = later & (ratio < thr)
    # first half-cycle: the median |V|/|I| of its own preceding samples, judged per candidate
    # group (a cheap upper bound, drop_ratio x running max, finds the groups)
    s0, e0 = seg.start[0], seg.stop[0]
    r0 = ratio[s0:e0]
    bound = np.concatenate(([-np.inf], drop_ratio * np.maximum.accumulate(r0)[:-1]))
    for g0, g1 in zip(*_runs(r0 < bound), strict=True):
        thr0 = drop_ratio * np.median(r0[:g0])
        thr[s0 + g0:s0 + g1] = thr0
        low[s0 + g0:s0 + g1] = r0[g0:g1] < thr0
    if tr.area is not None and short_asr > 0:  # shorted outright (e.g. from assembly)
        dead = inside & (ratio * tr.area < short_asr)
        thr[dead & ~low] = np.where(np.isfinite(thr[dead & ~low]), thr[dead & ~low], 0.0)
        low |= dead
    starts, stops = _runs(low, sid)
    h = sid[starts]
    transient = (t[starts] < seg.t0[h] + _EDGE * seg.duration[h]) & (stops < seg.stop[h])
    ok = np.flatnonzero((stops - starts >= min_points) & ~transient)
    if not len(ok):
        return None
    k, hk = int(starts[ok[0]]), int(h[ok[0]])
    ref_v = thr[k] / drop_ratio * abs(i[k])
    return ShortResult(float(t[k]), k, hk, float(np.sign(i[k]) * ref_v), float(v[k]))


def _detect_divergence(tr: _Trace, seg: _Segments, limit: float,
                       growth: float) -> DivergenceResult | None:
    sid = seg.seg_id
    idx = np.flatnonzero(sid >= 0)
    abs_v = np.abs(tr.v[idx])
    r_ref = seg.resistance[0]
    ratio = abs_v / np.abs(tr.i[idx]) / r_ref if r_ref > 0 else np.zeros(len(idx))
    over_limit = abs_v > limit
    hit = np.flatnonzero(over_limit | (ratio > growth))
    if not len(hit):
        return None
    j = hit[0]
    k = int(idx[j])
    return DivergenceResult(float(tr.t[k]), k, int(sid[k]), float(tr.v[k]), float(ratio[j]),
                            "limit" if over_limit[j] else "growth")


def detect_short(test: CyclingData, drop_ratio: float = 0.2, min_points: int = 3, *,
                 short_asr: float = SHORT_ASR,
                 rest_fraction: float = REST_FRACTION) -> ShortResult | None:
    """First short circuit: a sudden collapse of |V| while current flows, or None.

    A sample is collapsed when its |V| falls below ``drop_ratio`` × the median plateau |V|
    of the preceding half-cycles (compared as |V|/|I|, so changes of current do not count),
    or, in the first half-cycle, × the median of its own preceding samples. A short is
    ``min_points`` consecutive collapsed samples in one half-cycle. A collapse that starts in
    the first 10 % of a half-cycle and recovers before it ends is the polarity-reversal
    transient (|V| passing through zero), not a short. With a known electrode area, samples
    whose |V|/|i| is below ``short_asr`` (Ω·m²) count as collapsed whatever came before: a
    cell shorted from the start (e.g. Li pressed into the pellet at assembly).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 8000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> v = np.sign(i) * np.where(t < 5500.0, 0.05, 1e-4)
    >>> short = detect_short((t, v, i))
    >>> short.time, short.half_cycle, round(short.voltage_before, 9), short.voltage_after
    (5500.0, 5, -0.05, -0.0001)
    >>> detect_short((t, np.sign(i) * 0.05, i)) is None
    True
    """
    _check_kw(drop_ratio=drop_ratio, min_points=min_points, short_asr=short_asr,
              rest_fraction=rest_fraction)
    tr = _trace(test)
    return _detect_short(tr, _segment(tr, rest_fraction), drop_ratio, min_points, short_asr)


def detect_divergence(test: CyclingData, limit: float = 1.0, growth: float = 5.0, *,
                      rest_fraction: float = REST_FRACTION) -> DivergenceResult | None:
    """First voltage divergence while current flows, or None.

    Divergence is |V| > ``limit`` (V), or |V|/|I| > ``growth`` × the plateau |V|/|I| of the
    first half-cycle (so a higher current alone does not count as growth). Growth within
    the first half-cycle moves its own reference, so there only ``limit`` applies.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 8000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> v = np.sign(i) * 0.05 * np.exp(np.maximum(t - 3000.0, 0.0) / 1000.0)
    >>> d = detect_divergence((t, v, i))
    >>> d.reason, d.half_cycle, bool(abs(d.voltage) > 0.25)
    ('growth', 4, True)
    >>> detect_divergence((t, v, i), growth=100.0).reason
    'limit'
    """
    _check_kw(limit=limit, growth=growth, rest_fraction=rest_fraction)
    tr = _trace(test)
    return _detect_divergence(tr, _segment(tr, rest_fraction), limit, growth)


_SHORT_KW = {"drop_ratio", "min_points", "short_asr"}
_DIV_KW = {"limit", "growth"}


def _failure_kw(kw: dict[str, Any]) -> None:
    """Refuse an unknown failure keyword (TypeError, as Python does) or a value out of range."""
    from tfalab.analysis.checks import UnknownKeywordError

    unknown = set(kw) - _SHORT_KW - _DIV_KW
    if unknown:
        raise UnknownKeywordError(f"unknown keyword argument(s) {sorted(unknown)}; "
                        f"expected some of {sorted(_SHORT_KW | _DIV_KW | {'rest_fraction'})}")
    _check_kw(**kw)


def _failure(tr: _Trace, seg: _Segments,
             kw: dict[str, Any]) -> ShortResult | DivergenceResult | None:
    _failure_kw(kw)
    short = _detect_short(tr, seg, kw.get("drop_ratio", 0.2), kw.get("min_points", 3),
                          kw.get("short_asr", SHORT_ASR))
    div = _detect_divergence(tr, seg, kw.get("limit", 1.0), kw.get("growth", 5.0))
    events = [e for e in (short, div) if e is not None]
    return min(events, key=lambda e: e.index) if events else None


def time_to_failure(test: CyclingData, *, rest_fraction: float = REST_FRACTION,
                    **kw: Any) -> float:
    """Time (s, from the start of the test) of the first short or divergence; ``math.inf``
    if the cell survived. ``kw``: ``drop_ratio``, ``min_points`` (:func:`detect_short`),
    ``limit``, ``growth`` (:func:`detect_divergence`).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 8000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> time_to_failure((t, np.sign(i) * np.where(t < 5500.0, 0.05, 1e-4), i))
    5500.0
    >>> time_to_failure((t, np.sign(i) * 0.05, i))
    inf
    """
    _check_kw(rest_fraction=rest_fraction)
    _failure_kw(kw)
    tr = _trace(test)
    event = _failure(tr, _segment(tr, rest_fraction), kw)
    return math.inf if event is None else float(event.time - tr.t[0])


def stable_duration(test: CyclingData, *, rest_fraction: float = REST_FRACTION,
                    **kw: Any) -> float:
    """Time (s) the cell cycled stably: until the first failure, else the whole test.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 8000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> stable_duration((t, np.sign(i) * np.where(t < 5500.0, 0.05, 1e-4), i))
    5500.0
    >>> stable_duration((t, np.sign(i) * 0.05, i))
    7990.0
    """
    _check_kw(rest_fraction=rest_fraction)
    _failure_kw(kw)
    tr = _trace(test)
    event = _failure(tr, _segment(tr, rest_fraction), kw)
    return float((tr.t[-1] if event is None else event.time) - tr.t[0])


def critical_current_density(test: CyclingData, *, area_m2: float | None = None,
                             rest_fraction: float = REST_FRACTION, **kw: Any) -> CCDResult:
    """Critical current density of a CCD ramp (current density stepping up).

    The CCD is the |mean current density| (A/m²) of the half-cycle in which the first short
    or divergence occurs; without failure, ``ccd = last_stable`` and ``failed`` is False.
    ``kw`` as for :func:`time_to_failure`. Needs the electrode area (metadata
    ``electrode_area_m2`` or ``area_m2``).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0.0, 12000.0, 10.0)
    >>> j = 10.0 * (1 + t // 2000)              # 1, 2, 3 ... mA/cm², 2000 s per step
    >>> i = np.where(t // 1000 % 2 == 0, 1.0, -1.0) * j * 1e-4
    >>> v = np.sign(i) * np.where(j < 45.0, 0.005 * j, 1e-4)  # shorts at 5 mA/cm²
    >>> r = critical_current_density((t, v, i), area_m2=1e-4)
    >>> round(r.ccd, 9), r.mode, round(r.last_stable, 9), r.failure_time
    (50.0, 'short', 40.0, 8000.0)
    """
    _check_kw(area_m2=area_m2, rest_fraction=rest_fraction)
    _failure_kw(kw)
    tr = _trace(test, area_m2)
    if tr.area is None:
        raise CellTestError("critical current density needs the electrode area: set "
                            "metadata['electrode_area_m2'] or pass area_m2")
    seg = _segment(tr, rest_fraction)
    density = np.abs(seg.mean_current) / tr.area
    event = _failure(tr, seg, kw)
    if event is None:
        best = float(density.max())
        return CCDResult(best, False, None, best, math.inf, None)
    h = event.half_cycle
    last = float(density[:h].max()) if h > 0 else 0.0
    mode = "short" if isinstance(event, ShortResult) else "divergence"
    return CCDResult(float(density[h]), True, mode, last, float(event.time), h)
