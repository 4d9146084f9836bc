"""Capacity analysis of cycling tests: per-cycle capacity, coulombic efficiency, retention,
cumulative areal capacity and dQ/dV. Lab files and simulations alike (any CellTest).

Capacities are integrated from the current (trapezoids, ∫I dt split exactly into its
positive and negative parts; within each step of the cycler's schedule where the file says
which, so that the gap between one step's last row and the next one's first carries no
charge), not read from cycler capacity columns, so every instrument and the simulations are
treated the same. Units: Ah, and mAh/cm² with an electrode area.

Which sign is "charge": lab files loaded by :func:`tfalab.io.load` keep the cycler's sign
(positive = charge, ``metadata["positive_current"] = "charge"``); tfalab simulations use
PyBaMM's (positive = discharge). ``positive=None`` takes ``metadata["positive_current"]``,
else ``"discharge"`` for simulations (``metadata["source"] == "tfalab.cell"``), else
``"charge"``.

Cycles: the ``Cycle Count / 1`` column when present (labels as recorded), otherwise pairs
of consecutive half-cycles from
:func:`~tfalab.analysis.cycling.half_cycles_from_current` (a half-cycle runs until the
current's sign changes; rests do not split it; numbered from 1). Coulombic efficiency is
discharge / charge within a cycle.

>>> import numpy as np, pandas as pd
>>> from tfalab import CellTest
>>> t = np.array([0.0, 3600.0, 3600.0, 7200.0])          # 1 h charge, 1 h discharge at 1 mA
>>> i = np.array([1e-3, 1e-3, -1e-3, -1e-3])
>>> test = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": [3.0, 4.0, 4.0, 3.0],
...                               "Current / A": i}), {"electrode_area_m2": 1e-4})
>>> cap = capacity_per_cycle(test)
>>> cap[["charge_capacity_Ah", "discharge_capacity_mAh_cm2", "coulombic_efficiency"]].round(9)
   charge_capacity_Ah  discharge_capacity_mAh_cm2  coulombic_efficiency
0               0.001                         1.0                   1.0
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter1d

from tfalab.analysis.cycling import REST_FRACTION, half_cycles_from_current, segment_half_cycles
from tfalab.celltest import CellTest
from tfalab.errors import CellTestError

__all__ = [
    "capacity_per_cycle",
    "coulombic_efficiency",
    "cumulative_capacity",
    "dqdv",
    "retention",
]

CYCLE = "Cycle Count / 1"
#: a cycle is complete when its smaller direction carries at least this fraction of the larger
COMPLETE_FRACTION = 0.05
#: physical bounds of a complete cycle's Coulombic efficiency (above 1.05: charge created from
#: nothing, i.e. a sign or segmentation error; below 0.5: not a cycle but a formation or a loss)
CE_BOUNDS = (0.5, 1.05)
#: retention above this (relative to the first complete cycle) is flagged
RETENTION_MAX = 1.05
_AH_M2_TO_MAH_CM2 = 0.1  # 1 Ah/m² = 1000 mAh / 10^4 cm²


def _test(test: CellTest | pd.DataFrame) -> CellTest:
    if isinstance(test, pd.DataFrame):
        return CellTest(test)
    if not isinstance(test, CellTest):
        raise CellTestError(f"expected a CellTest or a BDF DataFrame, got "
                            f"{type(test).__name__}")
    if len(test) == 0:
        raise CellTestError("the cycling data are empty")
    return test


def _positive(test: CellTest, positive: str | None) -> float:
    """+1 if positive current is charge, -1 if it is discharge."""
    if positive is None:
        positive = test.metadata.get("positive_current")
    if positive is None:
        positive = "discharge" if test.metadata.get("source") == "tfalab.cell" else "charge"
    if positive not in ("charge", "discharge"):
        raise CellTestError(f"positive must be 'charge' or 'discharge', got {positive!r}")
    return 1.0 if positive == "charge" else -1.0


def _area(test: CellTest, area_m2: float | None) -> float | None:
    if area_m2 is None:
        return test.area
    if isinstance(area_m2, str):  # a friendly area such as "0.785 cm2"
        from tfalab.units import to_si

        area_m2 = to_si(area_m2, "area", "area_m2")
    if isinstance(area_m2, bool) or not isinstance(area_m2, int | float) or \
            not math.isfinite(area_m2) or not area_m2 > 0:
        raise CellTestError(f"area_m2 must be positive, got {area_m2!r}")
    return float(area_m2)


STEP_COLUMNS = ("Step Count / 1", "Step Index / 1")


def _step_boundaries(test: CellTest) -> np.ndarray | None:
    """Per interval: whether its two rows lie in different steps of the cycler's schedule."""
    for col in STEP_COLUMNS:
        if col in test.data:
            s = test.data[col].to_numpy()
            return s[1:] != s[:-1]
    return None


def _split_charge(t: np.ndarray, i: np.ndarray,
                  boundaries: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per interval: ∫max(I, 0) dt and ∫max(-I, 0) dt of the linearly interpolated current.

    Where ``boundaries`` marks an interval whose rows lie in different steps, it carries no
    charge: cyclers log a step's first row at its start and its last row at its end, so the
    gap between them is neither step (a linear ramp over it would add half a sampling
    interval of current at every step change: 1.5 % of the capacity for 500 s sampling).
    """
    a, b, dt = i[:-1], i[1:], np.diff(t)
    if boundaries is not None:
        dt = np.where(boundaries, 0.0, dt)
    span = np.abs(a) + np.abs(b)
    mixed = (a * b < 0) & (span > 0)
    safe = np.where(mixed, span, 1.0)
    pos = np.where(mixed, np.maximum(a, b) ** 2 / safe, np.maximum(a + b, 0.0)) * 0.5 * dt
    neg = np.where(mixed, np.minimum(a, b) ** 2 / safe, np.maximum(-(a + b), 0.0)) * 0.5 * dt
    return pos, neg


def _cycle_codes(test: CellTest, by: str,
                 rest_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row: code 0..n-1 of its cycle, and the cycle labels."""
    if by not in ("auto", "cycle", "current"):
        raise CellTestError(f"by must be 'auto', 'cycle' or 'current', got {by!r}")
    if by == "cycle" and CYCLE not in test.data:
        raise CellTestError(f"by='cycle' needs a {CYCLE!r} column")
    if by != "current" and CYCLE in test.data:
        codes, labels = pd.factorize(test.data[CYCLE], sort=False)
        if (codes < 0).any():
            raise CellTestError(f"{CYCLE!r} has missing values")
        return codes.astype(np.intp), np.asarray(labels)
    half = half_cycles_from_current(test.current, rest_fraction)
    if not half.max() > 0:
        raise CellTestError("no current flows in this test (all currents are zero)")
    codes = np.maximum(half - 1, 0) // 2
    return codes, np.arange(1, codes.max() + 2)


def capacity_per_cycle(test: CellTest | pd.DataFrame, *, area_m2: float | None = None,
                       positive: str | None = None, reference_cycle: Any = None,
                       by: str = "auto",
                       rest_fraction: float = REST_FRACTION) -> pd.DataFrame:
    """Charge and discharge capacity of each cycle, with CE, retention and cumulative capacity.

    Parameters
    ----------
    test : CellTest (lab or simulated) or BDF DataFrame.
    area_m2 : electrode area (m²); default ``metadata["electrode_area_m2"]``.
    positive : ``"charge"`` or ``"discharge"``: what positive current means (see module doc).
    reference_cycle : cycle label that retention is relative to (default: the first complete
        cycle, i.e. one whose smaller direction carries at least 5 % of the larger).
    by : ``"cycle"`` (the ``Cycle Count / 1`` column), ``"current"`` (pairs of half-cycles
        from current sign changes) or ``"auto"`` (the column when present).
    rest_fraction : rest threshold for ``by="current"`` (as in ``segment_half_cycles``).

    Returns
    -------
    DataFrame, one row per cycle: ``cycle``, ``start_time``, ``end_time`` (s),
    ``charge_capacity_Ah``, ``discharge_capacity_Ah``, ``charge_capacity_mAh_cm2``,
    ``discharge_capacity_mAh_cm2`` (NaN without area), ``coulombic_efficiency``
    (discharge / charge), ``retention`` (discharge / discharge of the reference cycle),
    ``cumulative_capacity_Ah`` (∫|I|dt from the start to the end of the cycle, both
    directions), ``cumulative_areal_capacity_mAh_cm2`` (the same per area: the
    cumulative-capacity axis of symmetric-cell plots), ``complete`` (both directions carry
    charge, the smaller at least 5 % of the larger) and ``flag`` (why a number lies outside
    physical bounds, e.g. CE > 1.05 in a complete cycle; '' where nothing is wrong). Each
    sampling interval counts towards the cycle of its later row.

    Examples
    --------
    >>> import numpy as np
    >>> from tfalab import CellTest
    >>> t = np.arange(0.0, 4 * 3600.0 + 1, 60.0)
    >>> i = np.where(t % 7200 < 3600, 1e-3, -0.9e-3)       # no Cycle Count: from the sign
    >>> test = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": 3 + 0 * t,
    ...                               "Current / A": i}))
    >>> capacity_per_cycle(test)[["cycle", "coulombic_efficiency"]].round(2).values.tolist()
    [[1.0, 0.9], [2.0, 0.9]]
    """
    test = _test(test)
    area = _area(test, area_m2)
    sgn = _positive(test, positive)
    t, i = test.time, test.current
    codes, labels = _cycle_codes(test, by, rest_fraction)
    n = len(labels)
    pos, neg = _split_charge(t, i, _step_boundaries(test))
    # weighted bincounts are floats (numpy's stubs say integers)
    q_pos: np.ndarray = np.bincount(codes[1:], weights=pos, minlength=n)
    q_neg: np.ndarray = np.bincount(codes[1:], weights=neg, minlength=n)
    charge, discharge = (q_pos, q_neg) if sgn > 0 else (q_neg, q_pos)
    charge, discharge = charge / 3600.0, discharge / 3600.0
    first = np.full(n, len(t))
    np.minimum.at(first, codes, np.arange(len(t)))
    last = np.zeros(n, dtype=np.intp)
    np.maximum.at(last, codes, np.arange(len(t)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ce = np.where(charge > 0, discharge / np.where(charge > 0, charge, 1.0), np.nan)
    larger = np.maximum(charge, discharge)
    complete = (np.minimum(charge, discharge) >= COMPLETE_FRACTION * larger) & (larger > 0)
    if reference_cycle is None:
        ref = int(np.argmax(complete)) if complete.any() else 0
    else:
        where = np.flatnonzero(labels == reference_cycle)
        if not len(where):
            raise CellTestError(f"reference_cycle {reference_cycle!r} is not a cycle of this "
                                f"test (cycles {labels[:5].tolist()}...)")
        ref = int(where[0])
    ref_q = discharge[ref]
    retention = discharge / ref_q if ref_q > 0 else np.full(n, np.nan)
    cumulative = np.cumsum(charge + discharge)
    flags = _flags(ce, retention, complete)
    per_area = (lambda q: q / area * _AH_M2_TO_MAH_CM2) if area is not None \
        else (lambda q: np.full(n, np.nan))
    return pd.DataFrame({
        "cycle": labels,
        "start_time": t[first],
        "end_time": t[last],
        "charge_capacity_Ah": charge,
        "discharge_capacity_Ah": discharge,
        "charge_capacity_mAh_cm2": per_area(charge),
        "discharge_capacity_mAh_cm2": per_area(discharge),
        "coulombic_efficiency": ce,
        "retention": retention,
        "cumulative_capacity_Ah": cumulative,
        "cumulative_areal_capacity_mAh_cm2": per_area(cumulative),
        "complete": complete,
        "flag": flags,
    })


def _flags(ce: np.ndarray, retention: np.ndarray, complete: np.ndarray) -> list[str]:
    """Per cycle: why its headline numbers lie outside physical bounds ('' where they don't)."""
    out = []
    for c, r, ok in zip(ce, retention, complete, strict=True):
        why = []
        if not ok:
            why.append("incomplete cycle (one direction < 5 % of the other): CE not meaningful")
        elif np.isfinite(c) and not CE_BOUNDS[0] <= c <= CE_BOUNDS[1]:
            why.append(f"CE {c:.3f} outside {CE_BOUNDS[0]}-{CE_BOUNDS[1]}: check the current "
                       f"sign and the cycle segmentation")
        if ok and np.isfinite(r) and r > RETENTION_MAX:
            why.append(f"retention {r:.3f} > {RETENTION_MAX}")
        out.append("; ".join(why))
    return out


def coulombic_efficiency(test: CellTest | pd.DataFrame, **kw: Any) -> pd.DataFrame:
    """``cycle`` and ``coulombic_efficiency`` (discharge / charge) per cycle; ``kw`` as for
    :func:`capacity_per_cycle`.

    >>> import numpy as np
    >>> from tfalab import CellTest
    >>> t = np.array([0.0, 100.0, 100.0, 200.0])
    >>> test = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": [3.0] * 4,
    ...                               "Current / A": [1.0, 1.0, -1.0, -1.0]}))
    >>> coulombic_efficiency(test)["coulombic_efficiency"].tolist()
    [1.0]
    """
    return capacity_per_cycle(test, **kw)[["cycle", "coulombic_efficiency"]]


def retention(test: CellTest | pd.DataFrame, reference_cycle: Any = None,
              **kw: Any) -> pd.DataFrame:
    """``cycle``, ``discharge_capacity_Ah`` and ``retention`` (relative to
    ``reference_cycle``, default the first); ``kw`` as for :func:`capacity_per_cycle`.

    >>> import numpy as np
    >>> from tfalab import CellTest
    >>> t = np.array([0.0, 10.0, 10.0, 20.0, 20.0, 30.0, 30.0, 40.0])
    >>> i = np.array([1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -0.8, -0.8])
    >>> test = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": [3.0] * 8,
    ...                               "Current / A": i, "Cycle Count / 1": [1] * 4 + [2] * 4}))
    >>> retention(test)["retention"].round(6).tolist()
    [1.0, 0.8]
    """
    out = capacity_per_cycle(test, reference_cycle=reference_cycle, **kw)
    return out[["cycle", "discharge_capacity_Ah", "retention"]]


def cumulative_capacity(test: CellTest | pd.DataFrame, *,
                        area_m2: float | None = None) -> pd.DataFrame:
    """Per sample: time, voltage, current and the cumulative ∫|I|dt (Ah and, with an area,
    mAh/cm²): the x-axis of voltage-vs-cumulative-capacity plots (the paper's Fig. 4e).

    >>> import numpy as np
    >>> from tfalab import CellTest
    >>> test = CellTest(pd.DataFrame({"Test Time / s": [0.0, 3600.0, 3600.0, 7200.0],
    ...                               "Voltage / V": [0.01, 0.01, -0.01, -0.01],
    ...                               "Current / A": [1e-3, 1e-3, -1e-3, -1e-3]}))
    >>> cumulative_capacity(test, area_m2=1e-4)["cumulative_areal_capacity_mAh_cm2"].tolist()
    [0.0, 1.0, 1.0, 2.0]
    """
    test = _test(test)
    area = _area(test, area_m2)
    pos, neg = _split_charge(test.time, test.current, _step_boundaries(test))
    cum = np.concatenate(([0.0], np.cumsum(pos + neg))) / 3600.0
    return pd.DataFrame({
        "time": test.time,
        "voltage": test.voltage,
        "current": test.current,
        "cumulative_capacity_Ah": cum,
        "cumulative_areal_capacity_mAh_cm2": cum / area * _AH_M2_TO_MAH_CM2
        if area is not None else np.full(len(cum), np.nan),
    })


def dqdv(test: CellTest | pd.DataFrame, *, cycles: Any = None, voltage_step: float = 0.005,
         smooth: float = 2.0, area_m2: float | None = None, positive: str | None = None,
         by: str = "auto", rest_fraction: float = REST_FRACTION) -> pd.DataFrame:
    """Differential capacity dQ/dV of each half-cycle on a regular voltage grid.

    Each half-cycle (from :func:`~tfalab.analysis.cycling.segment_half_cycles`) is taken
    with its capacity Q (∫|I|dt from its start) and its voltage made monotonic in the
    half-cycle's overall direction (running max/min, so noise does not fold Q(V)); Q is
    interpolated onto the grid (multiples of ``voltage_step``, V), differentiated, and
    smoothed with a Gaussian of ``smooth`` grid points (0: none). dQ/dV is positive when V
    rises with Q (usually charge) and negative when V falls (usually discharge).

    Returns
    -------
    DataFrame with ``cycle``, ``half_cycle``, ``direction`` (``"charge"``/``"discharge"``),
    ``voltage`` (V), ``dqdv_Ah_per_V`` and ``dqdv_mAh_cm2_per_V`` (NaN without area).
    ``cycles``: a label or list of labels to keep (default all).

    Examples
    --------
    >>> import numpy as np
    >>> from tfalab import CellTest
    >>> t = np.linspace(0.0, 3600.0, 361)
    >>> test = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": 3.0 + t / 3600.0,
    ...                               "Current / A": np.full(t.size, 1e-3)}))
    >>> d = dqdv(test, voltage_step=0.01)
    >>> float(d["dqdv_Ah_per_V"].min().round(9)), float(d["dqdv_Ah_per_V"].max().round(9))
    (0.001, 0.001)
    """
    test = _test(test)
    if not voltage_step > 0:
        raise CellTestError(f"voltage_step must be positive, got {voltage_step!r}")
    area = _area(test, area_m2)
    sgn = _positive(test, positive)
    codes, labels = _cycle_codes(test, by, rest_fraction)
    hc = segment_half_cycles(test, rest_fraction=rest_fraction)
    t, v, i = test.time, test.voltage, test.current
    keep = None if cycles is None else set(np.atleast_1d(cycles).tolist())
    frames = []
    for row in hc.itertuples(index=False):
        s, e = int(row.start_index), int(row.end_index) + 1
        label = labels[codes[s]]
        if keep is not None and label not in keep:
            continue
        tt, vv, ii = t[s:e], v[s:e], np.abs(i[s:e])
        q = np.concatenate(([0.0], np.cumsum(0.5 * (ii[1:] + ii[:-1]) * np.diff(tt)))) / 3600.0
        d = 1.0 if vv[-1] >= vv[0] else -1.0
        x = np.maximum.accumulate(d * vv)
        x, first = np.unique(x, return_index=True)
        if len(x) < 2:
            continue
        lo, hi = (x[0], x[-1]) if d > 0 else (-x[-1], -x[0])
        grid = np.arange(np.ceil(lo / voltage_step - 1e-9),
                         np.floor(hi / voltage_step + 1e-9) + 1) * voltage_step
        if len(grid) < 3:
            continue
        qg = np.interp(d * grid, x, q[first])
        slope = np.gradient(qg, grid)
        if smooth > 0:
            slope = gaussian_filter1d(slope, smooth, mode="nearest")
        direction = "charge" if np.sign(row.sign) * sgn > 0 else "discharge"
        frames.append(pd.DataFrame({
            "cycle": label, "half_cycle": int(row.half_cycle), "direction": direction,
            "voltage": grid, "dqdv_Ah_per_V": slope,
            "dqdv_mAh_cm2_per_V": slope / area * _AH_M2_TO_MAH_CM2 if area is not None
            else np.nan,
        }))
    if not frames:
        return pd.DataFrame(columns=["cycle", "half_cycle", "direction", "voltage",
                                     "dqdv_Ah_per_V", "dqdv_mAh_cm2_per_V"])
    return pd.concat(frames, ignore_index=True)
