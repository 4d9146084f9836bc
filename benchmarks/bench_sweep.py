"""Sweep engine benchmarks (issue 18), on this 2-core machine:

* a 200-point symmetric CCD sweep (2 anodes x 20 pressures x 5 temperatures, tfalab's default
  ramp) with 1 and with 2 Dask workers: parallel efficiency T1 / (2 T2), target >= 80 %;
* the engine's per-point overhead: 400 instant ("design") points on 2 workers, wall time less
  the points' own compute, per point; target <= 50 ms.

Each run starts its own LocalCluster (counted: what a user waits for). Run:
python benchmarks/bench_sweep.py [--points N]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from tfalab.sweep import run_sweep


def ccd_spec(n_temperatures: int = 5) -> dict:
    temps = [f"{t} degC" for t in (25, 40, 55, 70, 85, 100)[:n_temperatures]]
    return {"sweep": {"kind": "ccd"}, "fixed": {"build": "Zhang2025"},
            "axes": {"anode": ["li", "tfa"], "pressure": [f"{p} MPa" for p in range(0, 40, 2)],
                     "temperature": temps}}


def timed_sweep(spec: dict, workers: int) -> tuple[float, object]:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        run = run_sweep(spec, out, workers=workers, progress=False)
        return time.perf_counter() - start, run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--temperatures", type=int, default=5, help="5 gives 200 points")
    args = ap.parse_args()
    spec = ccd_spec(args.temperatures)
    t1, r1 = timed_sweep(spec, 1)
    t2, _ = timed_sweep(spec, 2)
    n = r1.n_points
    print(f"{n}-point CCD sweep, 1 worker : {t1:7.1f} s ({n / t1:.2f} points/s, "
          f"{r1.n_errors} errors)")
    print(f"{n}-point CCD sweep, 2 workers: {t2:7.1f} s ({n / t2:.2f} points/s)")
    print(f"parallel efficiency 1 -> 2 workers: {100 * t1 / (2 * t2):.0f} % (target >= 80 %)")
    compute = r1.results["seconds"].sum()
    print(f"mean point compute: {1e3 * compute / n:.0f} ms")

    design = {"sweep": {"kind": "design"}, "fixed": {"skeleton": "LiBx"},
              "axes": {"free_li": [f"{w} wt%" for w in range(40, 90, 2)],
                       "thickness": [f"{h} um" for h in range(20, 180, 10)]}}
    td, rd = timed_sweep(design, 2)
    own = rd.results["seconds"].sum() / 2
    print(f"{rd.n_points} design points, 2 workers: {td:.1f} s; engine overhead "
          f"{1e3 * (td - own) / rd.n_points:.1f} ms per point (target <= 50 ms; "
          f"cluster start included)")


if __name__ == "__main__":
    main()
