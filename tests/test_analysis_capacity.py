"""tfalab.analysis.capacity on analytic constant-current data (capacities known exactly)."""

import numpy as np
import pandas as pd
import pytest

from tfalab import CellTest
from tfalab.analysis.capacity import (
    capacity_per_cycle,
    coulombic_efficiency,
    cumulative_capacity,
    dqdv,
    retention,
)
from tfalab.errors import CellTestError

AREA = 1e-4  # 1 cm²
I0 = 1e-3  # 1 mA -> 1 mAh per hour, 1 mAh/cm² per hour on 1 cm²


def cc_test(durations, currents, *, cycles=None, dt=60.0, meta=None, v=None):
    """Piecewise-constant current; each step sampled every ``dt`` with its first sample at the
    previous step's last time (the step change happens at one instant, as cyclers log it)."""
    ts, cs, cyc = [], [], []
    t0 = 0.0
    for k, (dur, cur) in enumerate(zip(durations, currents, strict=True)):
        tl = t0 + np.arange(0.0, dur + dt / 2, dt)
        ts.append(tl)
        cs.append(np.full(tl.size, cur))
        if cycles is not None:
            cyc.append(np.full(tl.size, cycles[k]))
        t0 = tl[-1]
    t, i = np.concatenate(ts), np.concatenate(cs)
    volt = 3.0 + 0.1 * np.sign(i) if v is None else v(t, i)
    cols = {"Test Time / s": t, "Voltage / V": volt, "Current / A": i}
    if cycles is not None:
        cols["Cycle Count / 1"] = np.concatenate(cyc)
    return CellTest(pd.DataFrame(cols), {"electrode_area_m2": AREA, **(meta or {})})


def test_exact_capacities_with_cycle_column():
    # cycle 1: 2 h charge at 1 mA, 1.5 h discharge at 1 mA; cycle 2: 1 h charge, 1 h discharge
    test = cc_test([7200, 5400, 3600, 3600], [I0, -I0, I0, -I0], cycles=[1, 1, 2, 2])
    cap = capacity_per_cycle(test)
    assert cap["cycle"].tolist() == [1, 2]
    np.testing.assert_allclose(cap["charge_capacity_Ah"], [2e-3, 1e-3], rtol=1e-12)
    np.testing.assert_allclose(cap["discharge_capacity_Ah"], [1.5e-3, 1e-3], rtol=1e-12)
    np.testing.assert_allclose(cap["charge_capacity_mAh_cm2"], [2.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(cap["discharge_capacity_mAh_cm2"], [1.5, 1.0], rtol=1e-12)
    np.testing.assert_allclose(cap["coulombic_efficiency"], [0.75, 1.0], rtol=1e-12)
    np.testing.assert_allclose(cap["retention"], [1.0, 1.0 / 1.5], rtol=1e-12)
    np.testing.assert_allclose(cap["cumulative_areal_capacity_mAh_cm2"], [3.5, 5.5],
                               rtol=1e-12)
    assert cap["start_time"].tolist() == [0.0, 12600.0]
    assert cap["end_time"].tolist() == [12600.0, 19800.0]


def test_without_cycle_column_uses_current_sign():
    test = cc_test([3600, 3600, 3600, 1800], [I0, -I0, I0, -I0])
    cap = capacity_per_cycle(test)
    assert cap["cycle"].tolist() == [1, 2]
    np.testing.assert_allclose(cap["charge_capacity_Ah"], [1e-3, 1e-3], rtol=1e-12)
    np.testing.assert_allclose(cap["discharge_capacity_Ah"], [1e-3, 0.5e-3], rtol=1e-12)
    np.testing.assert_allclose(cap["retention"], [1.0, 0.5], rtol=1e-12)


def test_by_current_ignores_cycle_column():
    test = cc_test([3600, 3600, 3600, 3600], [I0, -I0, I0, -I0], cycles=[7, 7, 7, 7])
    assert len(capacity_per_cycle(test)) == 1
    assert capacity_per_cycle(test, by="current")["cycle"].tolist() == [1, 2]


def test_ce_is_one_when_charge_equals_discharge():
    test = cc_test([1000, 1000] * 3, [2e-3, -2e-3] * 3, cycles=[1, 1, 2, 2, 3, 3], dt=7.0)
    ce = coulombic_efficiency(test)
    np.testing.assert_allclose(ce["coulombic_efficiency"], 1.0, rtol=1e-12)


def test_rests_between_steps_do_not_count():
    test = cc_test([3600, 600, 3600, 600], [I0, 0.0, -0.8 * I0, 0.0], cycles=[1, 1, 1, 1])
    cap = capacity_per_cycle(test)
    assert cap["charge_capacity_Ah"].iloc[0] == pytest.approx(1e-3, rel=1e-12)
    assert cap["discharge_capacity_Ah"].iloc[0] == pytest.approx(0.8e-3, rel=1e-12)


def test_sign_convention_simulation_vs_lab():
    lab = cc_test([3600, 1800], [I0, -I0], cycles=[1, 1])
    sim = cc_test([3600, 1800], [I0, -I0], cycles=[1, 1], meta={"source": "tfalab.cell"})
    lab_cap, sim_cap = capacity_per_cycle(lab), capacity_per_cycle(sim)
    assert lab_cap["charge_capacity_Ah"].iloc[0] == pytest.approx(1e-3)  # positive = charge
    assert sim_cap["discharge_capacity_Ah"].iloc[0] == pytest.approx(1e-3)  # PyBaMM sign
    forced = capacity_per_cycle(sim, positive="charge")
    assert forced["charge_capacity_Ah"].iloc[0] == pytest.approx(1e-3)
    with pytest.raises(CellTestError, match="positive"):
        capacity_per_cycle(lab, positive="up")


def test_retention_reference_cycle():
    test = cc_test([3600, 3600, 3600, 2880, 3600, 1800], [I0, -I0, I0, -I0, I0, -I0],
                   cycles=[1, 1, 2, 2, 3, 3])
    r = retention(test, reference_cycle=2)
    np.testing.assert_allclose(r["retention"], [1.25, 1.0, 0.625], rtol=1e-12)
    with pytest.raises(CellTestError, match="reference_cycle"):
        retention(test, reference_cycle=9)


def test_no_area_gives_nan_areal():
    test = cc_test([3600, 3600], [I0, -I0], cycles=[1, 1])
    test.metadata.pop("electrode_area_m2")
    cap = capacity_per_cycle(test)
    assert cap["charge_capacity_mAh_cm2"].isna().all()
    assert capacity_per_cycle(test, area_m2=2e-4)["charge_capacity_mAh_cm2"].iloc[0] == \
        pytest.approx(0.5)


def test_cumulative_capacity_per_sample():
    test = cc_test([3600, 3600], [I0, -I0])
    cum = cumulative_capacity(test)
    assert cum["cumulative_areal_capacity_mAh_cm2"].iloc[-1] == pytest.approx(2.0, rel=1e-12)
    assert np.all(np.diff(cum["cumulative_capacity_Ah"]) >= 0)
    mid = np.searchsorted(cum["time"], 3600.0)
    assert cum["cumulative_areal_capacity_mAh_cm2"].iloc[mid] == pytest.approx(1.0, rel=1e-12)


def test_split_charge_exact_across_zero_crossing():
    # current ramps linearly from +1 mA to -1 mA in one interval: +0.5 and -0.5 of I0*dt/2
    test = CellTest(pd.DataFrame({"Test Time / s": [0.0, 3600.0], "Voltage / V": [3.0, 3.0],
                                  "Current / A": [I0, -I0]}))
    cum = cumulative_capacity(test)
    assert cum["cumulative_capacity_Ah"].iloc[-1] == pytest.approx(0.5e-3, rel=1e-12)


def test_dqdv_linear_v_of_q_is_constant():
    # charge: V = 3 + Q/(2 mAh) rises 0.5 V over 1 mAh; discharge back down: |dQ/dV| = 2 mAh/V
    def volt(t, i):
        q = np.where(t <= 3600.0, t, 7200.0 - t) / 3600.0 * I0
        return 3.0 + q / 2e-3

    test = cc_test([3600, 3600], [I0, -I0], cycles=[1, 1], dt=10.0, v=volt)
    d = dqdv(test, voltage_step=0.01, smooth=2.0)
    ch = d[d["direction"] == "charge"]
    dis = d[d["direction"] == "discharge"]
    np.testing.assert_allclose(ch["dqdv_Ah_per_V"], 2e-3, rtol=1e-9)
    np.testing.assert_allclose(dis["dqdv_Ah_per_V"], -2e-3, rtol=1e-9)
    np.testing.assert_allclose(ch["dqdv_mAh_cm2_per_V"], 2.0, rtol=1e-9)
    assert ch["voltage"].min() == pytest.approx(3.0) and ch["voltage"].max() == pytest.approx(3.5)
    assert len(ch) == 51


def test_dqdv_plateau_gives_peak():
    # a plateau at 3.4 V holding half the capacity: the peak sits at the plateau
    def volt(t, i):
        x = np.minimum(t, 7200.0 - t) / 3600.0
        return np.where(x < 0.25, 3.0 + 1.6 * x, np.where(x < 0.75, 3.4 + 0.01 * (x - 0.25),
                                                           3.405 + 1.6 * (x - 0.75)))

    test = cc_test([3600, 3600], [I0, -I0], cycles=[1, 1], dt=5.0, v=volt)
    d = dqdv(test, voltage_step=0.005, smooth=1.0, cycles=1)
    ch = d[d["direction"] == "charge"]
    peak = ch["voltage"].iloc[int(np.argmax(ch["dqdv_Ah_per_V"]))]
    assert 3.395 <= peak <= 3.41


def test_dqdv_bad_step():
    with pytest.raises(CellTestError, match="voltage_step"):
        dqdv(cc_test([3600], [I0]), voltage_step=0.0)


def test_accepts_dataframe():
    test = cc_test([3600, 3600], [I0, -I0], cycles=[1, 1])
    assert capacity_per_cycle(test.data)["charge_capacity_Ah"].iloc[0] == pytest.approx(1e-3)
