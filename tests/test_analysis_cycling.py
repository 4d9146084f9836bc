import math
import time

import numpy as np
import pandas as pd
import pytest

from tfalab import CellTest
from tfalab.analysis import (
    CCDResult,
    DivergenceResult,
    ShortResult,
    critical_current_density,
    detect_divergence,
    detect_short,
    overpotential_at,
    overpotential_per_cycle,
    overpotential_trend,
    segment_half_cycles,
    stable_duration,
    time_to_failure,
)
from tfalab.errors import CellTestError

AREA = 7.853981633974483e-05  # 10 mm diameter, m²
HALF = 1800.0  # s per half-cycle
DT = 10.0


def square_wave(eta, n_half=8, current=1e-3, rest=0.0, dt=DT, transient=True):
    """Galvanostatic square wave. ``eta``: plateau |V| per half-cycle (scalar or list).

    With ``transient`` the voltage swings linearly from the previous plateau (old sign)
    to the new one over the first 4 % of each half-cycle, passing through zero, and
    carries a small overshoot in the last 5 % (outside the middle 80 %)."""
    eta = np.broadcast_to(np.asarray(eta, dtype=float), (n_half,))
    ts, vs, cs = [], [], []
    t0, v_prev = 0.0, 0.0
    for k in range(n_half):
        sign = 1.0 if k % 2 == 0 else -1.0
        tl = np.arange(0.0, HALF, dt)
        v = np.full(tl.size, sign * eta[k])
        if transient:
            ramp = tl < 0.04 * HALF
            v[ramp] = v_prev + (sign * eta[k] - v_prev) * tl[ramp] / (0.04 * HALF)
            v[tl > 0.95 * HALF] *= 1.2
        ts.append(t0 + tl)
        vs.append(v)
        cs.append(np.full(tl.size, sign * current))
        t0 += HALF
        v_prev = v[-1]
        if rest > 0:
            tr = np.arange(0.0, rest, dt)
            ts.append(t0 + tr)
            vs.append(v_prev * np.exp(-tr / 60.0))
            cs.append(np.zeros(tr.size))
            t0 += rest
            v_prev = 0.0
    return np.concatenate(ts), np.concatenate(vs), np.concatenate(cs)


def as_celltest(t, v, i, area=AREA, **extra):
    cols = {"Test Time / s": t, "Voltage / V": v, "Current / A": i} | extra
    return CellTest(pd.DataFrame(cols), {"electrode_area_m2": area} if area else {})


# --- segmentation and overpotential ----------------------------------------------------------
def test_plateau_overpotential_recovered():
    etas = [0.020, 0.022, 0.025, 0.027, 0.030, 0.034, 0.040, 0.041]
    t, v, i = square_wave(etas)
    hc = segment_half_cycles(as_celltest(t, v, i))
    assert len(hc) == 8
    assert hc["sign"].tolist() == [1, -1] * 4
    np.testing.assert_allclose(hc["mean_abs_voltage"], etas, atol=1e-6)
    np.testing.assert_allclose(hc["peak_abs_voltage"], 1.2 * np.array(etas), atol=1e-12)
    np.testing.assert_allclose(hc["end_abs_voltage"], 1.2 * np.array(etas), atol=1e-12)
    np.testing.assert_allclose(hc["mean_current"], [1e-3, -1e-3] * 4, rtol=1e-12)
    np.testing.assert_allclose(hc["mean_current_density"], [1e-3 / AREA, -1e-3 / AREA] * 4)
    # ∫|I|dt over each half-cycle's samples
    np.testing.assert_allclose(hc["charge"], 1e-3 * (HALF - DT), rtol=1e-12)
    np.testing.assert_allclose(hc["duration"], HALF - DT)
    assert (hc["n_points"] == HALF / DT).all()
    assert hc["start_time"].iloc[3] == 3 * HALF

    cyc = overpotential_per_cycle(as_celltest(t, v, i))
    assert cyc["cycle"].tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(cyc["plateau_overpotential"],
                               np.mean(np.reshape(etas, (4, 2)), axis=1), atol=1e-6)
    np.testing.assert_allclose(cyc["peak_overpotential"],
                               1.2 * np.max(np.reshape(etas, (4, 2)), axis=1))
    np.testing.assert_allclose(cyc["mid_time_h"], (np.arange(4) * 2 + 1) * HALF / 3600,
                               atol=DT / 3600)
    np.testing.assert_allclose(cyc["mean_abs_current_density"], 1e-3 / AREA)


def test_plateau_is_time_weighted_not_sample_weighted():
    # dense sampling in the first half of the plateau must not bias the mean
    t1 = np.concatenate([np.arange(0, 900, 1.0), np.arange(900, 1800, 50.0)])
    t = np.concatenate([t1, t1 + 1800])
    i = np.where(t < 1800, 1e-3, -1e-3)
    v = np.sign(i) * np.where(t % 1800 < 900, 0.01, 0.03)
    hc = segment_half_cycles((t, v, i))
    # middle 80 %: [175, 1575] of 0..1750 -> (725 * 0.01 + 675 * 0.03) / 1400, up to the
    # linear ramp between the samples at 899 and 900
    expected = (725 * 0.01 + 675 * 0.03) / 1400
    np.testing.assert_allclose(hc["mean_abs_voltage"], expected, atol=2e-5)


def test_celltest_and_arrays_agree():
    t, v, i = square_wave([0.02, 0.03] * 4)
    v = v + np.random.default_rng(0).normal(0, 1e-4, v.size)
    ct = as_celltest(t, v, i)
    pd.testing.assert_frame_equal(segment_half_cycles(ct),
                                  segment_half_cycles((t, v, i), area_m2=AREA))
    pd.testing.assert_frame_equal(overpotential_per_cycle(ct),
                                  overpotential_per_cycle((t, v, i), area_m2=AREA))
    pd.testing.assert_frame_equal(segment_half_cycles(ct),
                                  segment_half_cycles(ct.data.copy(), area_m2=AREA))
    assert overpotential_trend(ct) == overpotential_trend((t, v, i))
    assert overpotential_at(ct, 5000.0) == overpotential_at((list(t), list(v), list(i)), 5000.0)
    assert detect_short(ct) == detect_short(np.vstack([t, v, i])) is None
    assert time_to_failure(ct) == time_to_failure((t, v, i)) == math.inf


def test_density_nan_without_area():
    t, v, i = square_wave(0.02, n_half=2)
    hc = segment_half_cycles((t, v, i))
    assert hc["mean_current_density"].isna().all()
    assert overpotential_per_cycle(as_celltest(t, v, i, area=None))[
        "mean_abs_current_density"].isna().all()


def test_rests_between_half_cycles():
    etas = [0.02, 0.02, 0.03, 0.03, 0.04, 0.04]
    t, v, i = square_wave(etas, n_half=6, rest=600.0)
    hc = segment_half_cycles((t, v, i))
    assert len(hc) == 6
    assert hc["sign"].tolist() == [1, -1] * 3
    np.testing.assert_allclose(hc["mean_abs_voltage"], etas, atol=1e-6)
    np.testing.assert_allclose(hc["start_time"], np.arange(6) * (HALF + 600.0))
    np.testing.assert_allclose(overpotential_per_cycle((t, v, i))["plateau_overpotential"],
                               [0.02, 0.03, 0.04], atol=1e-6)
    # the voltage relaxing towards zero in a rest is not a short
    assert detect_short((t, v, i)) is None
    assert time_to_failure((t, v, i)) == math.inf
    assert stable_duration((t, v, i)) == t[-1]


def test_tiny_rest_current_noise_is_rest():
    t, v, i = square_wave(0.02, n_half=4, rest=300.0)
    rest = i == 0
    i = i.copy()
    i[rest] = np.random.default_rng(1).normal(0, 1e-8, rest.sum())  # 1e-5 of the current
    assert len(segment_half_cycles((t, v, i))) == 4


def test_step_count_separates_same_sign_runs():
    t = np.arange(0.0, 4000.0, 10.0)
    i = np.full(t.size, 1e-3)
    v = np.where(t < 2000, 0.02, 0.04)
    ct = as_celltest(t, v, i, **{"Step Count / 1": (t >= 2000).astype(int)})
    hc = segment_half_cycles(ct)
    assert len(hc) == 2
    np.testing.assert_allclose(hc["mean_abs_voltage"], [0.02, 0.04], atol=1e-9)
    assert len(segment_half_cycles((t, v, i))) == 1  # without steps: one run


def test_overpotential_at():
    etas = [0.02, 0.02, 0.03, 0.05, 0.04, 0.04]
    t, v, i = square_wave(etas, n_half=6)
    assert overpotential_at((t, v, i), 100.0) == pytest.approx(0.02, abs=1e-6)
    assert overpotential_at((t, v, i), 2.5 * HALF) == pytest.approx(0.04, abs=1e-6)
    assert overpotential_at((t, v, i), 3.5 * HALF) == pytest.approx(0.04, abs=1e-6)
    assert overpotential_at((t, v, i), 1e9) == pytest.approx(0.04, abs=1e-6)
    assert overpotential_at((t, v, i), -50.0) == pytest.approx(0.02, abs=1e-6)


def test_overpotential_trend_linear_and_sqrt():
    n = 20
    mid = (np.arange(n // 2) * 2 + 1) * HALF  # cycle mid-times
    lin = 0.02 + 1e-7 * np.repeat(mid, 2)
    t, v, i = square_wave(lin, n_half=n, transient=False)
    trend = overpotential_trend((t, v, i))
    assert trend["n_cycles"] == n // 2
    assert trend["slope_V_per_s"] == pytest.approx(1e-7, rel=1e-3)
    assert trend["intercept_V"] == pytest.approx(0.02, abs=1e-5)
    assert trend["r2_linear"] > trend["r2_sqrt"]

    sq = 0.02 + 2e-4 * np.sqrt(np.repeat(mid, 2))
    trend = overpotential_trend(square_wave(sq, n_half=n, transient=False))
    assert trend["sqrt_coefficient_V_per_sqrt_s"] == pytest.approx(2e-4, rel=1e-3)
    assert trend["sqrt_intercept_V"] == pytest.approx(0.02, abs=1e-4)
    assert trend["r2_sqrt"] > trend["r2_linear"]


def test_overpotential_trend_one_cycle_is_nan():
    trend = overpotential_trend(square_wave(0.02, n_half=2))
    assert trend["n_cycles"] == 1 and math.isnan(trend["slope_V_per_s"])


# --- shorts ----------------------------------------------------------------------------------
@pytest.mark.parametrize("t_short", [5 * HALF + 730.0, 6 * HALF, 6 * HALF + 20.0, 7 * HALF - 50])
def test_short_detected_at_injected_time(t_short):
    t, v, i = square_wave(0.03, n_half=10)
    v = np.where(t >= t_short, np.sign(i) * 1e-4, v)
    short = detect_short((t, v, i))
    assert isinstance(short, ShortResult)
    k = int(np.searchsorted(t, t_short))
    assert short.index == k and short.time == t[k]
    assert short.half_cycle == int(t_short // HALF)
    assert short.voltage_after == pytest.approx(np.sign(i[k]) * 1e-4)
    assert short.voltage_before == pytest.approx(np.sign(i[k]) * 0.03, rel=1e-3)
    assert time_to_failure((t, v, i)) == t[k]
    assert stable_duration((t, v, i)) == t[k]


def test_short_in_first_half_cycle():
    t, v, i = square_wave(0.03, n_half=4)
    v = np.where(t >= 1000.0, np.sign(i) * 1e-4, v)
    short = detect_short((t, v, i))
    assert short is not None and short.time == 1000.0 and short.half_cycle == 0


def test_brief_dip_shorter_than_min_points_is_not_a_short():
    t, v, i = square_wave(0.03, n_half=6)
    dip = (t >= 4000.0) & (t < 4020.0)  # two samples
    v = np.where(dip, 1e-4, v)
    assert detect_short((t, v, i)) is None
    assert detect_short((t, v, i), min_points=2).time == 4000.0


def test_polarity_reversal_is_not_a_short():
    # many samples near zero while the voltage swings through zero at each reversal
    t, v, i = square_wave(0.03, n_half=10, dt=1.0)
    assert (np.abs(v) < 0.006).sum() > 100
    assert detect_short((t, v, i)) is None


def test_current_step_down_is_not_a_short():
    # a 10x lower current gives a 10x lower voltage: same resistance, no short
    t, v, i = square_wave(0.03, n_half=8)
    low = t >= 4 * HALF
    i, v = np.where(low, i / 10, i), np.where(low, v / 10, v)
    assert detect_short((t, v, i)) is None


# --- divergence ------------------------------------------------------------------------------
def test_divergence_growth():
    t, v, i = square_wave(0.02, n_half=10, transient=False)
    t_on = 4 * HALF
    v = v * np.exp(np.maximum(t - t_on, 0.0) / 3000.0)
    div = detect_divergence((t, v, i))
    assert isinstance(div, DivergenceResult) and div.reason == "growth"
    k = int(np.argmax(np.abs(v) > 5 * 0.02 * (1 + 1e-12)))
    assert div.index == k and div.time == t[k]
    assert div.ratio == pytest.approx(abs(v[k]) / 0.02)
    assert div.half_cycle == int(t[k] // HALF)
    assert time_to_failure((t, v, i)) == t[k]
    assert detect_short((t, v, i)) is None


def test_divergence_limit():
    t, v, i = square_wave(0.02, n_half=6, transient=False)
    v = np.where(t >= 3 * HALF + 200, np.sign(i) * 1.5, v)
    div = detect_divergence((t, v, i), growth=1e6)
    assert div.reason == "limit" and div.time == 3 * HALF + 200 and div.voltage == -1.5
    assert detect_divergence((t, v, i), limit=2.0, growth=1e6) is None
    assert time_to_failure((t, v, i), limit=2.0, growth=1e6) == math.inf


def test_no_failure():
    t, v, i = square_wave([0.02, 0.021, 0.022, 0.023] * 3, n_half=12)
    assert detect_short((t, v, i)) is None
    assert detect_divergence((t, v, i)) is None
    assert time_to_failure((t, v, i)) == math.inf
    assert stable_duration((t, v, i)) == t[-1] - t[0]


def test_times_relative_to_test_start():
    t, v, i = square_wave(0.03, n_half=6)
    v = np.where(t >= 4000.0, np.sign(i) * 1e-4, v)
    assert time_to_failure((t + 1000.0, v, i)) == 4000.0
    assert stable_duration((t + 1000.0, v, i)) == 4000.0
    assert detect_short((t + 1000.0, v, i)).time == 5000.0


# --- critical current density ------------------------------------------------------------------
def ccd_ramp(fail_step=None, mode="divergence", steps=8, resistance=20.0):
    """Current density 0.1, 0.2, ... mA/cm² (1, 2, ... A/m²), one cycle per step,
    V = i R; at ``fail_step`` (0-based) the cell diverges (10x R) or shorts mid half-cycle."""
    t = np.arange(0.0, steps * 2 * HALF, DT)
    step = (t // (2 * HALF)).astype(int)
    j = 1.0 * (step + 1)  # A/m²
    i = np.where(t // HALF % 2 == 0, 1.0, -1.0) * j * AREA
    v = i * resistance
    t_fail = None
    if fail_step is not None:
        t_fail = fail_step * 2 * HALF + 600.0
        if mode == "divergence":
            v = np.where(t >= t_fail, v * 10, v)
        else:
            v = np.where(t >= t_fail, np.sign(i) * 1e-4, v)
    return as_celltest(t, v, i, **{"Step Count / 1": 2 * step + (t // HALF % 2)}), t_fail


@pytest.mark.parametrize("mode", ["divergence", "short"])
def test_ccd_ramp_fails_at_known_step(mode):
    ct, t_fail = ccd_ramp(fail_step=4, mode=mode)
    res = critical_current_density(ct)
    assert isinstance(res, CCDResult)
    assert res.failed and res.mode == mode
    assert res.ccd == pytest.approx(5.0, rel=1e-12)  # 0.5 mA/cm²
    assert res.last_stable == pytest.approx(4.0, rel=1e-12)
    assert res.failure_time == t_fail
    assert res.failure_half_cycle == 8


def test_ccd_ramp_without_failure():
    ct, _ = ccd_ramp(fail_step=None, steps=6)
    res = critical_current_density(ct)
    assert not res.failed and res.mode is None and res.failure_time == math.inf
    assert res.ccd == res.last_stable == pytest.approx(6.0)
    # voltage rising with current alone is neither divergence nor growth
    assert time_to_failure(ct) == math.inf


def test_ccd_fails_in_first_half_cycle():
    ct, t_fail = ccd_ramp(fail_step=0, mode="short")
    res = critical_current_density(ct)
    assert res.failed and res.mode == "short" and res.failure_time == t_fail
    assert res.ccd == pytest.approx(1.0) and res.last_stable == 0.0
    # growth within the first half-cycle sets its own reference: only the limit catches it
    ct, t_fail = ccd_ramp(fail_step=0, mode="divergence", resistance=5000.0)
    res = critical_current_density(ct, limit=0.5)
    assert res.mode == "divergence" and res.failure_time == t_fail and res.last_stable == 0.0


def test_ccd_plain_arrays_need_area():
    ct, _ = ccd_ramp(fail_step=3)
    arrays = (ct.time, ct.voltage, ct.current)
    with pytest.raises(CellTestError, match="area"):
        critical_current_density(arrays)
    with pytest.raises(CellTestError, match="electrode_area_m2"):
        critical_current_density(as_celltest(*arrays, area=None))
    assert critical_current_density(arrays, area_m2=AREA).ccd == pytest.approx(4.0)


# --- errors and speed ------------------------------------------------------------------------
def test_errors():
    t, v, i = square_wave(0.02, n_half=2)
    with pytest.raises(CellTestError, match="empty"):
        segment_half_cycles(([], [], []))
    with pytest.raises(CellTestError, match="empty"):
        detect_short(as_celltest(np.array([]), np.array([]), np.array([])))
    with pytest.raises(CellTestError, match="no current"):
        segment_half_cycles((t, v, np.zeros_like(i)))
    with pytest.raises(CellTestError, match="no current"):
        time_to_failure(as_celltest(t, v, np.zeros_like(i)))
    with pytest.raises(CellTestError, match="lengths"):
        overpotential_per_cycle((t, v[:-1], i))
    with pytest.raises(CellTestError, match="non-decreasing"):
        segment_half_cycles((t[::-1], v, i))
    with pytest.raises(CellTestError, match="non-finite"):
        segment_half_cycles((t, np.where(t == 100.0, np.nan, v), i))
    with pytest.raises(CellTestError, match="expected"):
        segment_half_cycles("data.csv")
    with pytest.raises(TypeError, match="unknown keyword"):
        time_to_failure((t, v, i), treshold=0.1)


def test_fast_on_long_traces():
    t, v, i = square_wave(np.linspace(0.02, 0.04, 60), n_half=60, dt=3.6)  # 30k points
    ct = as_celltest(t, v + np.random.default_rng(2).normal(0, 2e-4, t.size), i)
    assert len(ct) == 30000
    critical_current_density(ct)  # warm up
    start = time.perf_counter()
    for _ in range(10):
        segment_half_cycles(ct)
        time_to_failure(ct)
    assert (time.perf_counter() - start) / 10 < 0.1
