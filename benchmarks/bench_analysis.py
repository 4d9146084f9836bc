"""Benchmark: segment and summarise a 1,000,000-row galvanostatic CellTest.

Builds a synthetic Li|Li symmetric-cell square wave (1 s sampling, 1 h half-cycles, a slowly
growing overpotential with noise and a rest between half-cycles), then times
``segment_half_cycles``, ``capacity_per_cycle`` and ``overpotential_per_cycle``.
Target: under 5 s in total. Run: ``python benchmarks/bench_analysis.py``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from tfalab import CellTest
from tfalab.analysis.capacity import capacity_per_cycle
from tfalab.analysis.cycling import overpotential_per_cycle, segment_half_cycles

N_ROWS = 1_000_000
AREA = 7.853981633974483e-05  # m², 10 mm diameter


def synthetic(n: int = N_ROWS, seed: int = 0) -> CellTest:
    """Square wave: 3600 s at ±0.5 mA/cm², 60 s rest, sampled every second."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    period = 3660.0
    k = (t // period).astype(np.int64)
    phase = t - k * period
    sign = np.where(k % 2 == 0, 1.0, -1.0)
    i = np.where(phase < 3600.0, sign * 5.0 * AREA, 0.0)
    eta = 0.02 + 1e-8 * t + 1e-4 * rng.standard_normal(n)
    v = np.where(i != 0.0, np.sign(i) * eta, 0.0)
    return CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": v, "Current / A": i}),
                    {"electrode_area_m2": AREA, "source": "tfalab.cell"})


def main() -> dict[str, float]:
    test = synthetic()
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    hc = segment_half_cycles(test)
    times["segment_half_cycles"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    cap = capacity_per_cycle(test)
    times["capacity_per_cycle"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    over = overpotential_per_cycle(test)
    times["overpotential_per_cycle"] = time.perf_counter() - t2
    times["total"] = time.perf_counter() - t0
    print(f"{len(test):,} rows: {len(hc)} half-cycles, {len(cap)} cycles, "
          f"{len(over)} overpotential cycles")
    for name, sec in times.items():
        print(f"  {name:<26s} {sec:7.3f} s")
    print("target < 5 s:", "OK" if times["total"] < 5.0 else "TOO SLOW")
    return times


if __name__ == "__main__":
    main()
