"""Wall time of ``tfalab reproduce`` (all claims and the literature suite, figures) with 1 worker
(serial, in-process) and with 2 Dask worker processes, and whether the two reports agree
(prints; not a test). Each run is a fresh ``tfalab`` process, as a user runs it.

    .venv/bin/python benchmarks/bench_reproduce.py [--workers 1,2] [--only C1,C4]

Other processes on the machine slow the parallel run most: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(out: Path, workers: int, only: str | None) -> float:
    exe = Path(sys.executable).with_name("tfalab")
    cmd = [str(exe), "reproduce", "--out", str(out), "--workers", str(workers), "--no-progress"]
    if only:
        cmd += ["--only", only]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def same_report(a: Path, b: Path) -> str:
    ra, rb = (json.loads((p / "claims.json").read_text()) for p in (a, b))
    if [(r["id"], r["check"]) for r in ra] != [(r["id"], r["check"]) for r in rb]:
        return "rows differ"
    exact = sum(x == y for x, y in zip(ra, rb, strict=True))
    close = sum(x != y and all(x[k] == y[k] or (k == "value" and math.isclose(
        x[k], y[k], rel_tol=1e-9)) for k in x) for x, y in zip(ra, rb, strict=True))
    return (f"{exact}/{len(ra)} rows identical, {close} with values equal to 1e-9, "
            f"{len(ra) - exact - close} differ")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} (1 min)")
    with tempfile.TemporaryDirectory() as tmp:
        outs = {}
        for n in (int(w) for w in args.workers.split(",")):
            outs[n] = Path(tmp) / f"w{n}"
            t = run(outs[n], n, args.only)
            print(f"reproduce{' --only ' + args.only if args.only else ''}, "
                  f"--workers {n}: {t:8.1f} s")
        (n0, first), *others = outs.items()
        for n, out in others:
            print(f"--workers {n} vs --workers {n0}: {same_report(first, out)}")


if __name__ == "__main__":
    main()
