"""Timing figures for the design calculator and reproduce (prints; not a test)."""

from __future__ import annotations

import tempfile
import time

import numpy as np

from tfalab.anode import MAH_CM2, CompositeAnode
from tfalab.paper import reproduce


def timed(label: str, func, repeat: int = 1) -> None:
    start = time.perf_counter()
    for _ in range(repeat):
        func()
    per = (time.perf_counter() - start) / repeat
    print(f"{label:<48s} {per * 1e3:10.3f} ms")


def main() -> None:
    tfa = CompositeAnode()
    path = np.linspace(0, 5, 1000) * MAH_CM2
    timed("CompositeAnode() construction", CompositeAnode, 200)
    timed("state_after (one state)", lambda: tfa.state_after(1e5), 2000)
    timed("trajectory (1000 states)", lambda: tfa.trajectory(path), 5)
    timed("design sweep 0-100 wt% x 50 thicknesses", lambda: [
        CompositeAnode(free_li=w, thickness=h * 1e-6).areal_capacity
        for w in np.linspace(0, 1, 21) for h in np.linspace(20, 200, 50)], 1)
    with tempfile.TemporaryDirectory() as tmp:
        timed("reproduce (all claims, figures)", lambda: reproduce(tmp), 1)


if __name__ == "__main__":
    main()
