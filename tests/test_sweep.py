"""Sweeps: specs, points, the resumable store, the Dask engine, and its faults (a failing
point, a killed sweep, a killed worker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tfalab.errors import ParameterError
from tfalab.sweep import Store, SweepSpec, evaluate_point, point_key, run_sweep

DESIGN = {"sweep": {"kind": "design"},
          "fixed": {"skeleton": "LiBx"},
          "axes": {"free_li": ["50 wt%", "60 wt%", "70 wt%"], "thickness": ["50 um", "100 um"]}}


# --- specs ------------------------------------------------------------------------------------
def test_grid_lhs_and_list_specs() -> None:
    assert SweepSpec.from_dict(DESIGN).n_points == 6
    lhs = SweepSpec.from_dict({"sweep": {"kind": "design", "sampling": "lhs", "samples": 7},
                               "axes": {"free_li": {"low": "40 wt%", "high": "80 wt%"},
                                        "thickness": {"low": "20 um", "high": "200 um",
                                                      "log": True},
                                        "skeleton": ["LiBx"]}})
    pts = lhs.points()
    assert len(pts) == 7 and pts == lhs.points()  # seeded: the same points every time
    li = sorted(float(p["free_li"].split()[0]) for p in pts)
    assert li[0] >= 40 and li[-1] <= 80
    # one sample in each of the 7 strata (Latin hypercube)
    assert sorted(int((x - 40) / 40 * 7) for x in li) == list(range(7))
    listed = SweepSpec.from_dict({"sweep": {"kind": "short"},
                                  "points": [{"anode": "li", "pressure": "30 MPa"}]})
    assert listed.sampling == "list" and listed.n_points == 1


@pytest.mark.parametrize("bad, match", [
    ({"sweep": {"kind": "ccd"}, "axes": {"colour": ["red"]}}, "unknown point field"),
    ({"sweep": {"kind": "magic"}}, "kind must be one of"),
    ({"sweep": {"kind": "ccd", "sampling": "grid"}, "axes": {"pressure": "5 MPa"}},
     "non-empty list"),
    ({"sweep": {"kind": "ccd", "sampling": "lhs"}, "axes": {"pressure": ["5 MPa"]}},
     "low = ..., high = ..."),
    ({"sweep": {"kind": "ccd"}, "fixed": {"pressure": "5 MPa"},
      "axes": {"pressure": ["5 MPa"]}}, "both fixed and an axis"),
    ({"sweep": {"kind": "ccd", "samples": -1}}, "samples must be a positive integer"),
    ({"sweep": {"kind": "ccd"}, "extra": {}}, "unknown section"),
])
def test_bad_specs_are_refused(bad: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        SweepSpec.from_dict(bad)


def test_point_keys_are_stable_and_distinct() -> None:
    a = {"anode": "li", "pressure": "5 MPa"}
    assert point_key(a, "ccd") == point_key(dict(reversed(list(a.items()))), "ccd")
    assert point_key(a, "ccd") != point_key(a, "short")
    assert point_key(a, "ccd") != point_key({**a, "pressure": "6 MPa"}, "ccd")


# --- points -----------------------------------------------------------------------------------
def test_a_bad_point_is_a_row_with_its_error() -> None:
    row = evaluate_point({"anode": "li", "pressure": "-3 MPa"}, "short")
    assert row["error"].startswith("ParameterError") and "pressure" in row["error"]
    row = evaluate_point({"skeleton": "Unobtainium"}, "design")
    assert row["error"] is not None


def test_design_metrics_follow_the_free_li() -> None:
    lean = evaluate_point({"skeleton": "LiBx", "free_li": "50 wt%"}, "design")
    rich = evaluate_point({"skeleton": "LiBx", "free_li": "80 wt%"}, "design")
    assert rich["anode_capacity_mAh_cm2"] > lean["anode_capacity_mAh_cm2"]
    assert rich["np_ratio"] > lean["np_ratio"]


# --- store and engine -------------------------------------------------------------------------
def test_sweep_in_process_resumes_without_recomputing(tmp_path: Path) -> None:
    first = run_sweep(DESIGN, tmp_path, workers=0, progress=False)
    assert first.n_computed == 6 and first.n_errors == 0
    table = pd.read_parquet(tmp_path / "results.parquet")  # one table for pandas
    assert len(table) == 6 and table["key"].is_unique
    again = run_sweep(DESIGN, tmp_path, workers=0, progress=False)
    assert again.n_computed == 0 and again.n_done_before == 6
    bigger = {**DESIGN, "axes": {**DESIGN["axes"], "thickness": ["50 um", "100 um", "150 um"]}}
    more = run_sweep(bigger, tmp_path, workers=0, progress=False)
    assert more.n_computed == 3 and len(more.results) == 9
    assert (tmp_path / "spec.toml").exists() and (tmp_path / "spec-1.toml").exists()


def test_errors_do_not_stop_a_sweep(tmp_path: Path) -> None:
    spec = {"sweep": {"kind": "short"}, "fixed": {"anode": "li", "build": "Zhang2025"},
            "axes": {"pressure": ["10 MPa", "-1 MPa", "35 MPa"]}}
    run = run_sweep(spec, tmp_path, workers=0, progress=False)
    assert run.n_errors == 1 and len(run.results) == 3
    ok = run.results[run.results["error"].isna()]
    assert len(ok) == 2


def test_the_store_survives_a_half_written_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_row({"key": "k1", "kind": "design", "error": None, "x": 1.0})
    (store.path / ".row-k2.parquet.abc.tmp").write_bytes(b"PAR1 truncated")  # killed mid-write
    assert store.keys() == {"k1"}
    store.write_row({"key": "k2", "kind": "design", "error": None, "x": 2.0})
    store.compact()
    assert sorted(pd.read_parquet(store.path)["key"]) == ["k1", "k2"]


def test_sweep_on_a_dask_cluster(tmp_path: Path) -> None:
    from dask.distributed import Client, LocalCluster

    spec = {"sweep": {"kind": "short"}, "fixed": {"anode": "li", "build": "Zhang2025"},
            "axes": {"pressure": [f"{p} MPa" for p in range(10, 50, 5)]}}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        run = run_sweep(spec, tmp_path, client=client, progress=False)
    assert run.n_computed == 8 and run.n_errors == 0
    serial = run_sweep(spec, tmp_path / "serial", workers=0, progress=False)
    cols = ["key", "time_to_short_h"]
    pd.testing.assert_frame_equal(run.results[cols], serial.results[cols])


_SLOW_SPEC = """
[sweep]
kind = "cycle"
[fixed]
anode = "li"
build = "Zhang2025"
current = "1 mA/cm2"
capacity = "0.5 mAh/cm2"
duration = "{hours} h"
[axes]
pressure = [{pressures}]
"""


def _stored(path: Path) -> int:
    return len(list((path / "results.parquet").glob("*.parquet")))


@pytest.mark.slow
def test_a_killed_sweep_resumes_with_nothing_lost_or_repeated(tmp_path: Path) -> None:
    pressures = ", ".join(f'"{p} MPa"' for p in range(1, 25))
    spec = tmp_path / "spec.toml"
    spec.write_text(_SLOW_SPEC.format(hours=60, pressures=pressures))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "tfalab.cli", "sweep", str(spec), "--out", str(out),
           "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while _stored(out) < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its Dask workers, at once
    proc.wait()
    before = Store(out).keys()
    assert 4 <= len(before) < 24
    run = run_sweep(spec, out, workers=0, progress=False)
    assert run.n_done_before == len(before)  # every finished point kept
    assert run.n_computed == 24 - len(before)  # none repeated
    assert len(run.results) == 24 and run.results["key"].is_unique


@pytest.mark.slow
def test_a_killed_worker_has_its_points_rerun(tmp_path: Path) -> None:
    from dask.distributed import Client, LocalCluster

    pressures = ", ".join(f'"{p} MPa"' for p in range(1, 17))
    spec = tmp_path / "spec.toml"
    spec.write_text(_SLOW_SPEC.format(hours=40, pressures=pressures))
    killed = {"done": False}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)

        def kill_one(row: dict) -> None:
            if not killed["done"]:
                killed["done"] = True
                os.kill(next(iter(pids.values())), signal.SIGKILL)

        run = run_sweep(spec, tmp_path / "out", client=client, progress=False, on_row=kill_one)
    assert killed["done"]
    assert run.n_computed == 16 and len(run.results) == 16
    assert run.n_errors == 0  # the dead worker's points ran elsewhere


def test_long_runs_compact_as_they_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tfalab.sweep import engine

    monkeypatch.setattr(engine, "COMPACT_EVERY", 2)
    seen: list[int] = []
    run = run_sweep(DESIGN, tmp_path, workers=0, progress=False,
                    on_row=lambda row: seen.append(len(list(
                        (tmp_path / "results.parquet").glob("row-*")))))
    assert max(seen) <= 2  # never more than COMPACT_EVERY loose files
    assert len(run.results) == 6
    assert [p.name for p in (tmp_path / "results.parquet").glob("*.parquet")] == \
        ["part-00000.parquet"]
