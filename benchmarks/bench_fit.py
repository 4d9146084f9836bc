"""Timing figure for tfalab.fitting (prints; not a test).

Target (2-core machine): a 2-parameter fit to one simulated CCD ramp <= 60 s — bare Li at
10 MPa, 80 degC, tfalab's default ramp, made with the filament tip fraction at 0.1 and the
exchange current density at 5 A/m2; fitted to the ramp's voltage, whose failure time (the
continuous time to failure within the ramp, not the 0.1 mA/cm2 staircase CCD) is part of the
observation. Model build time is included (first simulation of the process).
"""

from __future__ import annotations

import time

from tfalab.cell import simulate_symmetric
from tfalab.fitting import Observation, fit

TRUTH = {"Filament tip fraction": 0.1, "Exchange current density [A.m-2]": 5.0}
#: the paper's cells, whose bare Li fails within the ramp (the Generic build's does not)
BUILD = "Zhang2025"


def main() -> None:
    start = time.perf_counter()
    ramp = simulate_symmetric("li", "ccd", "10 MPa", "80 degC", overrides=TRUTH,
                              build=BUILD).celltest
    made = time.perf_counter()
    res = fit([Observation.from_celltest(ramp, "voltage")],
              {"Filament tip fraction": (0.02, 0.5),
               "Exchange current density [A.m-2]": ("0.05 mA/cm2", "5 mA/cm2")}, anode="li",
              build=BUILD)
    done = time.perf_counter()
    print(f"{'simulate the CCD ramp (with model build)':<58s} {made - start:8.2f} s")
    print(f"{'2-parameter fit to one CCD ramp (target <= 60 s)':<58s} {done - made:8.2f} s")
    for name, p in res.parameters.items():
        print(f"    {name}: {p.friendly} (true {TRUTH[name]:g} SI), "
              f"rel. std. error {p.rel_std_error:.2g}, identifiable {p.identifiable}")
    o = res.observations[0]
    print(f"    {res.n_evaluations} parameter sets simulated; quality {res.quality}; "
          f"failure at {o['failure_model_h']:.4g} h (data {o['failure_observed_h']:.4g} h)")


if __name__ == "__main__":
    main()
