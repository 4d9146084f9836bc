"""Timing figures for the symmetric-cell model (prints; not a test).

Targets (issue 17, 2-core machine): 6000 h of cycling at 0.5 mA/cm2 and 2 mAh/cm2 (1500
half-cycles, >= 20 points each) <= 1 s; one CCD ramp <= 0.1 s (issue 15's were 5 s and 0.5 s).
Measured (session 8): 1.86 s and 0.15 s; 1.16 s of the 6000 h is IDAKLU's own integration
(0.77 ms per step), 0.5 s PyBaMM's per-step Python, 0.16 s the outputs. Model build time is
reported separately (once per parameter set and process).
"""

from __future__ import annotations

import time

from tfalab.cell import experiments as ex
from tfalab.cell.simulate import simulate_symmetric

#: the paper's cells (the figures are comparable with earlier sessions')
BUILD = "Zhang2025"


def timed(label: str, func):
    start = time.perf_counter()
    out = func()
    print(f"{label:<58s} {time.perf_counter() - start:8.2f} s")
    return out


def main() -> None:
    timed("build TFA model (first run, 1 step)",
          lambda: simulate_symmetric("tfa", protocol="rest 1 h", build=BUILD))
    timed("build Li model (first run, 1 step)",
          lambda: simulate_symmetric("li", protocol="rest 1 h", build=BUILD))
    res = timed("TFA 6000 h, 0.5 mA/cm2, 2 mAh/cm2, 20 points/half-cycle",
                lambda: simulate_symmetric(
                    "tfa", protocol="cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h",
                    pressure="20 MPa", build=BUILD))
    print(f"    {len(res.celltest)} rows, {res.celltest.data['Step Count / 1'].max() + 1} steps,"
          f" ended: {res.termination}")
    r = timed("one CCD ramp (TFA, 20 MPa, default ramp)",
              lambda: ex.ccd("tfa", "20 MPa", build=BUILD))
    print(f"    CCD {r.ccd / 10:.2f} mA/cm2")
    timed("CCD map, 2 anodes x 11 pressures (0-50 MPa)",
          lambda: ex.ccd_map(("li", "tfa"), [f"{p} MPa" for p in range(0, 55, 5)],
                             build=BUILD))


if __name__ == "__main__":
    main()
