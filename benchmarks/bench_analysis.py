"""Benchmark: read and analyse a 1,000,000-row cycler file (prints; not a test).

Target (2-core machine): a 1-million-row cycler file reads and analyses in <= 5 s. Measured
there: 1.3-1.5 s for the library call with the EC-Lab .mpt (load + analysis; 0.5-0.9 s for
BDF CSV and Parquet), 2.0-3.8 s for the command (the .mpt the slowest; about 1.5 s of it is
Python start and imports).

Once per run (not timed) it writes a synthetic, deterministic Li|Li symmetric cell into a
temporary folder: galvanostatic cycling at 0.5 mA/cm² on a 10 mm electrode, 500 cycles of
1 h charge (4 s sampling), 10 min rest (6 s), 1 h discharge, 10 min rest: 2,000 rows a cycle,
1,000,000 rows, 1,167 h. The overpotential grows from 20 to 40 mV with a Sand-like rise at
the end of each half-cycle and relaxes exponentially in the rests; the voltage carries
0.2 mV of noise and the current 0.1 % (the cycler's readback). Three files of the same data:

* ``cycling.mpt``: a BioLogic EC-Lab GCPL text export (header, ``mode``, ``ox/red``,
  ``Ns``, ``time/s``, ``Ewe/V``, ``I/mA``, ``dq/mA.h``, ``half cycle``, ``cycle number``...);
* ``cycling.csv``: Battery Data Format CSV with its ``.metadata.json`` sidecar
  (:meth:`tfalab.CellTest.save`);
* ``cycling.parquet``: tfalab's own Parquet (:meth:`tfalab.CellTest.save`).

For each file it times, in this process: ``tfalab.io.load(path, area=...)``, then on the loaded
test ``capacity_per_cycle`` and ``overpotential_per_cycle`` (the analysis proper), then
``tfalab.io.analyze_cycling`` (what ``tfalab analyze cycling`` calls: load, analysis, the
PNG and the JSON; "load + analysis" in the table) and, end to end, the command
``tfalab analyze cycling FILE --area ...`` in a fresh Python process (interpreter start and
imports included). Each stage: the median of ``--repeat`` runs (3). The target applies to
"load + analysis" and to the command.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--json FILE] [--keep DIR] [--repeat N]``
(``--keep`` writes the files into DIR, or reuses them from there, instead of a temporary
folder).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tfalab import CellTest
from tfalab.analysis.capacity import capacity_per_cycle
from tfalab.analysis.cycling import overpotential_per_cycle
from tfalab.io import analyze_cycling
from tfalab.io.cyclers import detect_format, load

TARGET_S = 5.0
N_CYCLES = 500
AREA_CM2 = 0.7853981633974483  # 10 mm diameter
AREA = f"{AREA_CM2} cm2"
J = 0.5e-3  # A/cm²
I_SET = J * AREA_CM2  # A
#: one cycle: (rows, sampling interval s, current sign, EC-Lab Ns) of charge, rest, discharge, rest
SEQUENCE = ((900, 4.0, 1, 0), (100, 6.0, 0, 1), (900, 4.0, -1, 2), (100, 6.0, 0, 3))
ROWS_PER_CYCLE = sum(r for r, *_ in SEQUENCE)
N_ROWS = N_CYCLES * ROWS_PER_CYCLE
FILES = ("cycling.mpt", "cycling.csv", "cycling.parquet")


# --- the data (not timed) ------------------------------------------------------------------
def synthetic(seed: int = 0) -> pd.DataFrame:
    """The cycling data, one row a sample: time (s), voltage (V), current (A), cycle, step
    index (Ns), step count and half cycle (EC-Lab's)."""
    rng = np.random.default_rng(seed)
    rows = np.array([r for r, *_ in SEQUENCE])
    dts = np.repeat([dt for _, dt, *_ in SEQUENCE], rows)
    signs = np.repeat([s for _, _, s, _ in SEQUENCE], rows).astype(float)
    ns = np.repeat([n for *_, n in SEQUENCE], rows)
    pos = np.concatenate([np.arange(r) for r in rows])  # row within its step
    dt = np.tile(dts, N_CYCLES)
    t = np.concatenate(([0.0], np.cumsum(dt[:-1])))
    sign = np.tile(signs, N_CYCLES)
    step_index = np.tile(ns, N_CYCLES)
    k = np.tile(pos, N_CYCLES)
    cycle = np.repeat(np.arange(1, N_CYCLES + 1), ROWS_PER_CYCLE)
    step_count = np.repeat(np.arange(1, 4 * N_CYCLES + 1), np.tile(rows, N_CYCLES))
    # the sequence's charge and discharge steps (step index 0 and 2) each start a half cycle
    half = 2 * (cycle - 1) + (step_index >= 2)
    i = sign * I_SET * (1.0 + 1e-3 * rng.standard_normal(N_ROWS))
    # overpotential: growing baseline, a rise towards the end of each half-cycle, relaxation
    frac = k / SEQUENCE[0][0]
    eta = 0.020 + 0.020 * t / t[-1] + 0.004 * frac ** 4 + 0.002 * np.exp(-k / 5.0)
    v = sign * eta
    rest = sign == 0
    prev = np.where(step_index == 1, 1.0, -1.0)  # sign of the half-cycle the rest follows
    eta_end = 0.020 + 0.020 * t / t[-1] + 0.004
    v[rest] = prev[rest] * eta_end[rest] * np.exp(-k[rest] * 6.0 / 60.0)
    v = v + 2e-4 * rng.standard_normal(N_ROWS)
    return pd.DataFrame({"time": t, "voltage": v, "current": i, "cycle": cycle,
                         "step_index": step_index, "step_count": step_count, "half": half})


def _running(x: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``x`` that restarts where ``group`` changes."""
    total = np.cumsum(x)
    first = np.flatnonzero(np.diff(group, prepend=group[0] - 1))
    return total - np.repeat(total[first] - x[first], np.diff(np.append(first, len(x))))


def write_mpt(data: pd.DataFrame, path: Path) -> None:
    """An EC-Lab GCPL text export (``.mpt``) of the data."""
    cols = ["mode", "ox/red", "error", "control changes", "Ns changes", "counter inc.", "Ns",
            "time/s", "control/mA", "Ewe/V", "I/mA", "dq/mA.h", "(Q-Qo)/mA.h", "half cycle",
            "Q charge/discharge/mA.h", "Energy charge/W.h", "Energy discharge/W.h", "P/W",
            "cycle number"]
    t, i_ma = data["time"].to_numpy(), data["current"].to_numpy() * 1e3
    dq = np.concatenate(([0.0], 0.5 * (i_ma[1:] + i_ma[:-1]) * np.diff(t) / 3600.0))
    ns = data["step_index"].to_numpy()
    new_step = np.concatenate(([1], (np.diff(data["step_count"].to_numpy()) != 0)))
    flowing = (ns % 2 == 0)
    half = data["half"].to_numpy()
    v = data["voltage"].to_numpy()
    de = np.abs(v * dq) * 1e-3  # W.h
    q_half, e_half = _running(dq, half), _running(de, half)
    charging = half % 2 == 0
    header = [
        "EC-Lab ASCII FILE", "Nb header lines : {n}", "",
        "Galvanostatic Cycling with Potential Limitation", "",
        "Run on channel : 3 (SN 12345)", "User : ",
        "CE vs. WE compliance from -10 V to 10 V", "Electrode connection : standard",
        "Ewe ctrl range : min = -2.50 V, max = 2.50 V",
        "Acquisition started on : 03/04/2024 09:15:02.123",
        "Saved on :", "\tFile : LiLi_sym_0p5mAcm2.mpr", "\tDirectory : C:\\Data\\",
        "Device : VMP3 (SN 0123)", "Address : USB",
        "EC-Lab for windows v11.50 (software)", "Electrode material : Li",
        "Electrolyte : Li6PS5Cl", f"Electrode surface area : {AREA_CM2:.3f} cm²",
        "Cycle Definition : Charge/Discharge alternance",
        "Ns                  0                   1                   2                   3",
        "Set I/C             I                   Rest                I                   Rest",
        f"Is                  {I_SET * 1e3:.3f}               0.000               "
        f"{-I_SET * 1e3:.3f}              0.000",
        "unit Is             mA                  mA                  mA                  mA",
        "ts (h:m:s)          1:00:0.0000         0:10:0.0000         1:00:0.0000         "
        "0:10:0.0000",
        "EM (V)              pass                pass                pass                pass",
        "", "\t".join(cols) + "\t",
    ]
    n = len(header)
    header[1] = header[1].format(n=n)
    table = pd.DataFrame({
        "mode": np.where(flowing, 1, 3), "ox/red": (data["current"].to_numpy() > 0).astype(int),
        "error": 0, "control changes": new_step, "Ns changes": new_step,
        "counter inc.": 0, "Ns": ns,
        "time/s": [f"{x:.15E}" for x in t],
        "control/mA": np.where(flowing, np.sign(i_ma) * I_SET * 1e3, 0.0),
        "Ewe/V": v, "I/mA": i_ma, "dq/mA.h": dq,
        "(Q-Qo)/mA.h": np.cumsum(dq), "half cycle": half,
        "Q charge/discharge/mA.h": q_half,
        "Energy charge/W.h": np.where(charging, e_half, 0.0),
        "Energy discharge/W.h": np.where(charging, 0.0, e_half), "P/W": v * i_ma * 1e-3,
        "cycle number": data["cycle"].to_numpy(dtype=float) - 1.0,
    })
    with open(path, "w", encoding="latin-1", newline="\n") as f:
        f.write("\n".join(header) + "\n")
        table.to_csv(f, sep="\t", header=False, index=False, float_format="%.7E")


def bdf_test(data: pd.DataFrame) -> CellTest:
    """The data as a BDF CellTest, as a cycler's BDF export would hold it."""
    t, i = data["time"].to_numpy(), data["current"].to_numpy()
    q = np.concatenate(([0.0], 0.5 * (i[1:] + i[:-1]) * np.diff(t) / 3600.0))
    frame = pd.DataFrame({
        "Test Time / s": t, "Voltage / V": data["voltage"].to_numpy(), "Current / A": i,
        "Unix Time / s": 1_709_540_102.123 + t,
        "Cycle Count / 1": data["cycle"].to_numpy(),
        "Step Count / 1": data["step_count"].to_numpy(),
        "Step Index / 1": data["step_index"].to_numpy(),
        "Charging Capacity / Ah": np.cumsum(np.maximum(q, 0.0)),
        "Discharging Capacity / Ah": np.cumsum(np.maximum(-q, 0.0)),
    })
    meta = {"source": "lab", "instrument": "synthetic", "positive_current": "charge",
            "electrode_area_m2": AREA_CM2 * 1e-4}
    return CellTest(frame, meta)


def make_files(folder: Path) -> list[Path]:
    """Write (or reuse) the three files in ``folder``."""
    paths = [folder / name for name in FILES]
    if all(p.is_file() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    data = synthetic()
    write_mpt(data, paths[0])
    test = bdf_test(data)
    test.save(paths[1])
    test.save(paths[2])
    return paths


# --- timing --------------------------------------------------------------------------------
def timed(func, repeat: int):
    """The result of the last of ``repeat`` calls and their median wall-clock time (s)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return out, float(np.median(times))


def run_cli(path: Path, stem: Path) -> None:
    cmd = [sys.executable, "-m", "tfalab.cli", "analyze", "cycling", str(path), "--area", AREA,
           "--out", str(stem)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}")


def bench(path: Path, out: Path, repeat: int) -> dict[str, float]:
    """Median seconds of each stage for one file."""
    test, t_load = timed(lambda: load(path, area=AREA), repeat)
    if len(test) != N_ROWS:
        raise RuntimeError(f"{path}: {len(test)} rows read, {N_ROWS} written")
    cap, t_cap = timed(lambda: capacity_per_cycle(test), repeat)
    over, t_over = timed(lambda: overpotential_per_cycle(test), repeat)
    stem = out / path.suffix[1:]
    summary, t_call = timed(lambda: analyze_cycling(path, stem, area=AREA), repeat)
    _, t_cli = timed(lambda: run_cli(path, out / f"{path.suffix[1:]}_cli"), repeat)
    if not (len(cap) == len(over) == N_CYCLES == summary["n_cycles"]):
        raise RuntimeError(f"{path}: {len(cap)} capacity cycles, {len(over)} overpotential "
                           f"cycles, {summary['n_cycles']} in the summary; {N_CYCLES} written")
    return {"MB": path.stat().st_size / 1e6, "load": t_load, "capacity_per_cycle": t_cap,
            "overpotential_per_cycle": t_over, "analysis+png+json": t_call - t_load,
            "load+analysis": t_call, "cli": t_cli}


COLUMNS = {"load": "load", "capacity_per_cycle": "capacity", "overpotential_per_cycle":
           "overpot.", "analysis+png+json": "analysis*", "load+analysis": "load+analysis",
           "cli": "command"}


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the timings (s) to this file")
    parser.add_argument("--keep", type=Path, help="folder for the data files (kept, reused)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage (median)")
    args = parser.parse_args(argv)
    # warm the imports the in-process timings would otherwise pay once (the command pays them)
    from matplotlib.figure import Figure  # noqa: F401

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "data"
        start = time.perf_counter()
        paths = make_files(folder)
        print(f"{N_ROWS:,} rows, {N_CYCLES} cycles: files ready in "
              f"{time.perf_counter() - start:.1f} s (not timed); median of {args.repeat} runs, s")
        results = {detect_format(p): bench(p, Path(tmp), args.repeat) for p in paths}
    print(f"{'format':<12s} {'MB':>4s}" + "".join(f" {c:>13s}" for c in COLUMNS.values()))
    for fmt, row in results.items():
        print(f"{fmt:<12s} {row['MB']:4.0f}" + "".join(f" {row[k]:13.2f}" for k in COLUMNS))
    print("analysis*: capacity and overpotential per cycle, symmetric-cell check, PNG and JSON "
          "(library call minus load); command: `tfalab analyze cycling` in a new process")
    worst = max(max(r["load+analysis"], r["cli"]) for r in results.values())
    print(f"target <= {TARGET_S:g} s (load+analysis, and the command): "
          + ("OK" if worst <= TARGET_S else "TOO SLOW") + f" (worst {worst:.2f} s)")
    if args.json:
        args.json.write_text(json.dumps({"rows": N_ROWS, "cycles": N_CYCLES, "repeat": args.repeat,
                                         "target_s": TARGET_S, "seconds": results}, indent=2))
    return results


if __name__ == "__main__":
    main()
