"""Benchmark: generate + strip + plate + metrics on a 256³ TFA volume (target < 60 s, < 4 GiB).

Run: ``.venv/bin/python benchmarks/bench_microstructure.py [size] [uniform] [load-bearing]``
(default: the two-scale skeleton with the fitted cell size; ``uniform``: uniform fibres;
``load-bearing``: also time the load-bearing (backbone) percolation of the as-made skeleton,
:func:`tfalab.microstructure.loadbearing.load_bearing`, which is not part of ``measure``, on
its own line after the total, with its own peak memory). Prints the
seconds of each step, the peak resident memory and the CPU time
(``resource.getrusage``) and the load average. The virtual CT of the stripped volume
(:func:`tfalab.microstructure.imaging.virtual_ct`, not part of ``measure``) is timed after the
total, on its own line.
"""

from __future__ import annotations

import os
import resource
import sys
import time

from tfalab.anode import MAH_CM2
from tfalab.microstructure import generate, measure, plate, strip
from tfalab.microstructure.imaging import virtual_ct


def main(size: int = 256, cell_size: str | None = "fitted", backbone: bool = False) -> None:
    """``cell_size``: ``"fitted"`` (the two-scale skeleton of the claims) or ``None`` (uniform
    fibres)."""
    t0 = time.perf_counter()
    times = {}
    ms = generate(shape=(size, size, size), seed=0, cell_size=cell_size)
    times["generate"] = time.perf_counter() - t0
    q = 5 * MAH_CM2 * ms.thickness / 100e-6  # the paper's 5 mAh/cm2, scaled to the slab
    t = time.perf_counter()
    s = strip(ms, q, collapse_fraction="fitted")
    times["strip"] = time.perf_counter() - t
    t = time.perf_counter()
    p = plate(s, q)
    times["plate"] = time.perf_counter() - t
    t = time.perf_counter()
    m = measure(s)
    times["metrics"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    t = time.perf_counter()
    scan = virtual_ct(s)
    scan_size = scan.median_pore_diameter
    t_ct = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024 ** 2  # KiB -> GiB
    cpu = usage.ru_utime + usage.ru_stime
    for k, v in times.items():
        print(f"{k:>9}: {v:6.2f} s")
    print(f"    total: {total:6.2f} s (target < 60 s)")
    print(f"virtual CT: {t_ct:5.2f} s (not in the total: PSF, 0.3 um voxels, Otsu, pore sizes)")
    print(f"peak RSS: {peak:6.2f} GiB (target < 4 GiB)")
    print(f"CPU time: {cpu:6.2f} s (user + system, this process; load average "
          f"{os.getloadavg()[0]:.2f}: other jobs on the machine inflate the wall time)")
    print(f"porosity {100 * ms.fraction(0):.2f} -> {100 * m.porosity:.2f} -> "
          f"{100 * p.fraction(0):.2f} %, skeleton percolates: {m.skeleton_percolates}, "
          f"tau_Li {m.tau_li:.2f}, median pore {m.median_pore_diameter * 1e6:.2f} um "
          f"(virtual CT: {100 * scan.porosity:.2f} %, {scan_size * 1e6:.2f} um)")
    if backbone:
        from tfalab.microstructure import SKELETON
        from tfalab.microstructure.loadbearing import load_bearing
        from tfalab.microstructure.metrics import full_slab

        t = time.perf_counter()
        r = load_bearing(full_slab(ms) == SKELETON)
        t_lb = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
        print(f"load-bearing: {t_lb:5.2f} s (not in the total; as-made skeleton: "
              f"{r.medial_voxels} medial voxels, backbone {100 * r.backbone_fraction:.1f} %, "
              f"{r.disjoint_paths} disjoint paths (cap 3)); peak RSS now {peak:.2f} GiB")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "load-bearing"]
    main(int(args[0]) if args else 256,
         None if len(args) > 1 and args[1] == "uniform" else "fitted",
         "load-bearing" in sys.argv[1:])
