"""``tfalab reproduce`` on Dask gives the serial run's report; failures are reported, not lost;
the work shared between claims is computed once and gives the values computed one by one."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tfalab.cli import cli
from tfalab.paper import reproduce, select_claims
from tfalab.paper import runner as rn

SUBSET = ["C1", "C2", "C7", "C19", "C21"]  # cheap; C1 and C2 share a task (and a figure)


def _records(folder):
    return json.loads((folder / "claims.json").read_text())


def test_units_keep_claims_that_share_work_together():
    # in the order asked for (the serial run's order), grouped where they share work
    units = rn._units(select_claims(["C5", "C2", "C4", "C9", "C1"]))
    assert units == [("C5", "C4"), ("C2", "C1"), ("C9",)]
    assert rn._units(select_claims(None))[0] == ("C1", "C2", "C3")
    every = [c for u in rn._units(select_claims(None)) for c in u]
    assert sorted(every) == sorted(c.id for c in select_claims(None))


def test_parallel_report_is_the_serial_one(tmp_path):
    serial = reproduce(tmp_path / "serial", only=SUBSET, workers=1)
    parallel = reproduce(tmp_path / "parallel", only=SUBSET, workers=2)
    assert parallel == serial  # the same rows, values and notes, in the same order
    a, b = tmp_path / "serial", tmp_path / "parallel"
    assert _records(a) == _records(b)
    assert (a / "claims.csv").read_text() == (b / "claims.csv").read_text()
    assert sorted(p.name for p in (a / "figures").iterdir()) == sorted(
        p.name for p in (b / "figures").iterdir())
    for rec in _records(b):
        for fig in rec["figures"]:
            assert (b / fig).is_file()


def test_cli_workers_and_no_progress(tmp_path):
    out = tmp_path / "rep"
    result = CliRunner().invoke(cli, ["reproduce", "--out", str(out), "--only", "C2,C7",
                                      "--workers", "2", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert {r["id"] for r in _records(out)} == {"C2", "C7"}
    assert "reproduce" not in result.stderr  # no bar


@pytest.fixture
def threads_scheduler():
    """A Dask cluster in this process (threads), so that monkeypatches reach the tasks."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


def test_a_failed_task_is_reported_and_the_rest_kept(tmp_path, monkeypatch, threads_scheduler):
    real = rn.run_claim

    def flaky(claim, ctx):
        if claim.id == "C2":
            raise MemoryError("worker ran out of memory")
        return real(claim, ctx)

    monkeypatch.setattr(rn, "run_claim", flaky)
    rows = reproduce(tmp_path, only=["C2", "C7"], scheduler=threads_scheduler)
    by_id = {}
    for r in rows:
        by_id.setdefault(r.id, []).append(r)
    assert all(r.status == "miss" and "MemoryError" in r.note for r in by_id["C2"])
    assert any(r.status == "pass" for r in by_id["C7"])
    assert [r["id"] for r in _records(tmp_path)] == [r.id for r in rows]
    assert (tmp_path / "index.html").is_file()


def test_a_malformed_answer_still_raises_after_the_rest_is_written(tmp_path, monkeypatch,
                                                                   threads_scheduler):
    from tfalab.errors import ClaimError
    from tfalab.paper import Answer
    from tfalab.paper.registry import answerers

    table = dict(answerers())
    table["C2"] = lambda ctx: Answer({"no_such_check": 1.0})
    monkeypatch.setattr(rn, "answerers", lambda: table)
    with pytest.raises(ClaimError, match="unknown checks"):
        reproduce(tmp_path, only=["C2", "C7"], scheduler=threads_scheduler)
    assert {r["id"] for r in _records(tmp_path)} == {"C7"}


def test_shared_sweeps_are_the_one_by_one_sweeps():
    from tfalab.microstructure.bridge import percolation_threshold
    from tfalab.paper.microstructure_claims import shared_sweeps

    w, shape, seeds = (0.7, 0.8, 0.9), (32, 32, 32), 2
    shared = shared_sweeps(w, shape, seeds)
    one = {"connectivity": percolation_threshold(list(w), shape=shape, seeds=seeds),
           2: percolation_threshold(list(w), shape=shape, seeds=seeds,
                                    criterion="load_bearing"),
           3: percolation_threshold(list(w), shape=shape, seeds=seeds,
                                    criterion="load_bearing", load_paths=3)}
    for key, ref in one.items():
        got = shared[key]
        for field in ("free_li", "skeleton_fraction", "probability"):
            assert np.array_equal(getattr(got, field), getattr(ref, field)), (key, field)
        assert got.threshold == ref.threshold or (np.isnan(got.threshold)
                                                  and np.isnan(ref.threshold))


def test_paper_cycle_pore_sizes_on_demand_are_those_of_the_states():
    from tfalab.paper.microstructure import (
        IMAGING,
        interpolated_median_pore_diameter,
        paper_cycle,
        seen_as,
    )

    shape = (48, 32, 32)
    run = paper_cycle(shape=shape, seed=3, pore_sizes_at=("ct",))
    assert set(run["pore_size"]) == {"ct"}
    full = paper_cycle(shape=shape, seed=3)
    assert set(full["pore_size"]) == set(IMAGING)
    assert full["pore_size"]["ct"] == run["pore_size"]["ct"]
    for imaging in IMAGING:
        for name, ms in full["states"].items():
            assert full["pore_size"][imaging][name] == interpolated_median_pore_diameter(
                seen_as(ms, imaging, full["psf_fwhm"]))


def test_calibrate_reports_one_progress_step_per_fitted_value(monkeypatch):
    from tfalab.paper import cell_calibration as cc

    monkeypatch.setattr(cc, "_fit", lambda ov, name, *a, log, **k: log(f"{name} = 1"))
    monkeypatch.setattr(cc, "fit_pore_size", lambda ov, log: log("pore = 1"))
    monkeypatch.setattr(cc, "griffith_length", lambda ov: 1e-5)
    monkeypatch.setattr(cc, "tfa_frequency", lambda ov: cc.target("C18.tfa_frequency"))
    monkeypatch.setattr(cc, "li_pressure_swing", lambda ov: cc.target("C9.li_pressure_swing"))
    for passes in (1, 2):
        seen: list[str] = []
        cc.calibrate(passes=passes, log=lambda m: None, progress=seen.append)
        assert len(seen) == cc.steps(passes)


def test_full_calibrate_reports_one_progress_step_per_fitted_value(monkeypatch):
    from tfalab.paper import full_calibration as fc

    def solve(name, func, goal, increasing, log, bounds=None, iterations=12):
        log(f"{name} = 1")
        return fc.BOUNDS[name][0]

    monkeypatch.setattr(fc, "_solve", solve)
    monkeypatch.setattr(fc.fx, "fes2_rate_test", lambda *a, **k: None)
    monkeypatch.setattr(fc.fx, "capacity_at",
                        lambda res, c: fc.target("C22.capacity_5C") / 3600.0)
    seen: list[str] = []
    fc.calibrate(log=lambda m: None, progress=seen.append)
    assert [m.split(" = ")[0] for m in seen] == list(fc.NAMES)
    assert len(seen) == fc.STEPS
