"""Full-cell benchmark: 800 cycles of TFA||FeS2 (1.18 mg/cm2, 3C, 40 MPa, 80 °C).

Run: python benchmarks/bench_full.py  (prints wall-clock seconds). Target (issue 17): <= 3 s on
the 2-core machine; measured 11 s (session 8): 88 % is IDAKLU's own integration, ~500 internal
steps per half-cycle at rtol 1e-6, set by the FeS2 OCP's plateau transition and the cut-off
cliff; coarser meshes do not reduce the step count (docs/full-cell-model.md, "Speed").
"""

from __future__ import annotations

import time

from tfalab.cell.full_simulate import simulate_full


def main() -> None:
    simulate_full("tfa", "fes2", "1.18 mg/cm2", "cycle 3C x 2")  # build and compile once
    t0 = time.perf_counter()
    res = simulate_full("tfa", "fes2", "1.18 mg/cm2", "cycle 3C x 800")
    dt = time.perf_counter() - t0
    print(f"800 full-cell cycles: {dt:.1f} s ({len(res.celltest)} points, "
          f"retention {100 * res.cycles.retention.iloc[-1]:.1f} %, {res.termination})")


if __name__ == "__main__":
    main()
