"""Timing figures for ``tfalab explore`` (prints; not a test).

- the Design view's computation per change (``design_metrics`` + ``free_li_curve``); the
  browser test (``tests/test_explore_browser.py``) measures the whole update in the page
  (target ≤ 200 ms) and writes it to ``test-artifacts/explore/timings.json``;
- a job's start (fork from the warm fork server) and a 6000 h symmetric run in a job, as the
  Cell view runs it (target ≤ 10 s from the click to the plot).
"""

from __future__ import annotations

import time
from dataclasses import replace


def timed(label: str, func, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        func()
    per = (time.perf_counter() - start) / repeat
    print(f"{label:<52s} {per * 1e3:10.2f} ms")
    return per


def _wait(job) -> None:
    while job.poll():
        time.sleep(0.01)


def main() -> None:
    from tfalab.explore.design import DesignInputs, design_metrics, free_li_curve
    from tfalab.explore.jobs import Job, warm

    inputs = DesignInputs()
    design_metrics(inputs)  # pint's first parse
    thick = [replace(inputs, thickness_um=t) for t in (40.0, 60.0, 80.0, 100.0, 150.0)]
    k = iter(range(10**6))
    timed("design view: metrics + free-Li curve, one change",
          lambda: (design_metrics(thick[next(k) % 5]), free_li_curve(thick[next(k) % 5])), 50)
    warm()
    _wait(Job("grid", {"points": [], "kind": "design"}, 60))  # the fork server is up
    timed("job start and end (empty map)", lambda: _wait(Job("grid", {"points": [],
                                                                      "kind": "design"}, 60)), 5)
    run = {"anode": "tfa", "protocol": "cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h",
           "pressure": "20 MPa", "temperature": "80 degC"}
    timed("6000 h symmetric run in a job (first: model build)",
          lambda: _wait(Job("symmetric", run, 120)), 1)
    timed("6000 h symmetric run in a job", lambda: _wait(Job("symmetric", run, 120)), 2)


if __name__ == "__main__":
    main()
