"""Inverse design (tfalab.sweep.optimize) and sweep figures (tfalab.sweep.figures)."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tfalab.cli import cli
from tfalab.errors import ParameterError
from tfalab.sweep import figures
from tfalab.sweep.optimize import OptimizeSpec, dominates, optimize, pareto_mask

ROOT = Path(__file__).resolve().parents[1]

#: an instant study: the design metrics of a thin NCM stack over free Li and thickness
SPEC = {
    "optimize": {"kind": "design", "sampler": "nsga2", "population": 4,
                 "objectives": {"specific_energy_Wh_kg": "maximize",
                                "anode_capacity_mAh_cm2": "maximize"},
                 "constraints": ["np_ratio >= 1", "thickness <= 120 um"]},
    "fixed": {"stack": "thin", "cathode": "ncm", "loading": "4 mAh/cm2", "skeleton": "LiBx"},
    "space": {"free_li": {"low": "40 wt%", "high": "85 wt%"},
              "thickness": {"low": "20 um", "high": "150 um", "log": True}},
    "reference": {"free_li": "60 wt%", "thickness": "100 um"},
}
OBJ = ["specific_energy_Wh_kg", "anode_capacity_mAh_cm2"]
DIRS = ["maximize", "maximize"]


def _run(tmp_path: Path, trials: int = 8, spec: dict | None = None, **kw):
    return optimize(spec or SPEC, tmp_path / "opt", trials=trials, workers=0, progress=False,
                    **kw)


# --- Pareto helpers --------------------------------------------------------------------------
def test_pareto_mask_matches_brute_force():
    rng = np.random.default_rng(1)
    v = rng.random((60, 3))
    dirs = ["maximize", "minimize", "maximize"]
    mask = pareto_mask(v, dirs)
    for i in range(len(v)):
        dominated = any(dominates(v[j], v[i], dirs) for j in range(len(v)) if j != i)
        assert mask[i] == (not dominated)
    assert pareto_mask([[1.0, math.nan], [0.0, 0.0]], DIRS).tolist() == [False, True]
    assert pareto_mask(np.zeros((0, 2)), DIRS).tolist() == []


# --- optimize ----------------------------------------------------------------------------------
def test_optimize_design_front_is_non_dominated(tmp_path):
    res = _run(tmp_path)
    assert (res.n_trials, res.n_before, res.n_computed, res.n_failed) == (8, 0, 8, 0)
    trials = res.results[res.results["role"] == "trial"]
    assert len(trials) == 8 and trials["trial"].tolist() == list(range(8))
    # input constraint: the range is narrowed; output constraint: feasibility
    assert (trials["thickness_um"] <= 120 + 1e-9).all()
    assert (trials["feasible"] == (trials["np_ratio"] >= 1)).all()
    front = res.pareto
    assert len(front) >= 1 and front["feasible"].all() and (front["np_ratio"] >= 1).all()
    feas = trials[trials["feasible"]]
    fv, av = front[OBJ].to_numpy(), feas[OBJ].to_numpy()
    for p in fv:  # nothing feasible dominates a front point
        assert not any(dominates(a, p, DIRS) for a in av)
    for a in av:  # every feasible trial is on the front or dominated by it
        assert any(np.allclose(a, p) for p in fv) or any(dominates(p, a, DIRS) for p in fv)
    # the reference and the verdict
    assert res.reference is not None and res.reference["role"] == "reference"
    assert res.verdict and "reference" in res.verdict
    # outputs
    out = res.directory
    csv = pd.read_csv(out / "pareto.csv")
    assert len(csv) == len(front) and {"in_free_li", "thickness_um", *OBJ,
                                       "beats_reference"} <= set(csv.columns)
    assert (out / "pareto.png").stat().st_size > 0
    best = tomllib.loads((out / "best.toml").read_text())
    assert best["kind"] == "design" and 1 <= len(best["best"]) <= len(front)
    first = best["best"][0]
    assert first["point"]["skeleton"] == "LiBx" and first["objectives"][OBJ[0]] == \
        pytest.approx(front[OBJ[0]].max())
    assert any("tfalab simulate symmetric" in c for c in first["commands"])
    anode = tomllib.loads((out / "best_1_anode.toml").read_text())
    assert anode["free_li"] == first["point"]["free_li"]
    stored = pd.read_parquet(out / "results.parquet")
    assert len(stored) == 9 and (stored["role"] == "reference").sum() == 1


def test_optimize_resumes(tmp_path):
    first = _run(tmp_path)
    again = _run(tmp_path)
    assert (again.n_before, again.n_computed, again.n_trials) == (8, 0, 8)
    more = _run(tmp_path, trials=12)
    assert (more.n_before, more.n_computed, more.n_trials) == (8, 4, 12)
    trials = more.results[more.results["role"] == "trial"]
    assert trials["trial"].tolist() == list(range(12))
    # the first 8 trials are the same rows; the resumed sampler does not replay them
    assert trials["key"].iloc[:8].tolist() == \
        first.results[first.results["role"] == "trial"]["key"].tolist()
    assert trials["key"].iloc[8:].tolist() != trials["key"].iloc[:4].tolist()
    stored = pd.read_parquet(more.directory / "results.parquet")  # one row per point
    assert set(stored["key"]) == set(trials["key"]) | {more.reference["key"]}


def test_resume_evaluates_a_trial_left_running(tmp_path):
    import optuna

    _run(tmp_path, trials=4)
    spec = OptimizeSpec.from_dict(SPEC)
    study = optuna.load_study(study_name="tfalab-optimize",
                              storage=f"sqlite:///{tmp_path / 'opt' / 'optuna.db'}")
    left = study.ask({p.name: p.distribution() for p in spec.space})  # as if killed mid-batch
    res = _run(tmp_path, trials=6)
    assert (res.n_before, res.n_computed, res.n_trials) == (4, 2, 6)
    states = {t.number: t.state.name for t in res.study.get_trials()}
    assert states[left.number] == "COMPLETE" and "RUNNING" not in states.values()


def test_no_design_beats_the_reference(tmp_path):
    spec = {"optimize": {"kind": "design", "sampler": "tpe",
                         "objectives": {"np_ratio": "maximize"}},
            "space": {"thickness": {"low": "20 um", "high": "60 um"}},
            "reference": {"thickness": "150 um"}}
    res = _run(tmp_path, trials=4, spec=spec)
    assert res.verdict.startswith("no design beats the reference")
    assert not pd.read_csv(res.directory / "pareto.csv")["beats_reference"].any()


def test_resume_refuses_another_spec(tmp_path):
    _run(tmp_path, trials=2)
    other = {**SPEC, "optimize": {**SPEC["optimize"], "constraints": ["np_ratio >= 2"]}}
    with pytest.raises(ParameterError, match="different spec"):
        _run(tmp_path, trials=3, spec=other)


def test_failing_point_is_a_fail_trial(tmp_path):
    spec = {"optimize": {"kind": "design", "sampler": "tpe",
                         "objectives": {"specific_energy_Wh_kg": "maximize"}},
            "space": {"thickness": {"low": "-100 um", "high": "100 um"}}}
    res = _run(tmp_path, trials=10, spec=spec, seed=3)
    states = res.results.set_index("trial")["state"]
    failed = res.results[res.results["state"] == "FAIL"]
    assert res.n_failed == len(failed) > 0 and (states == "COMPLETE").any()
    assert failed["error"].str.contains("thickness must lie in").all()
    assert (res.pareto["thickness_um"] > 0).all()
    from optuna.trial import TrialState

    told = [t.state for t in res.study.get_trials()]
    assert told.count(TrialState.FAIL) == res.n_failed


def test_on_a_dask_client(tmp_path):
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        res = optimize(SPEC, tmp_path / "opt", trials=6, client=client, progress=False)
    assert res.n_computed == 6 and res.n_failed == 0 and len(res.pareto) >= 1


@pytest.mark.parametrize(("change", "match"), [
    ({"optimize": {"kind": "design", "objectives": {"nope": "maximize"}}}, "not an output"),
    ({"optimize": {"kind": "design", "objectives": {"np_ratio": "up"}}}, "direction"),
    ({"optimize": {"kind": "design", "objectives": {"np_ratio": "max"},
                   "constraints": ["np_ratio >> 1"]}}, "NAME OP VALUE"),
    ({"optimize": {"kind": "design", "objectives": {"np_ratio": "max"},
                   "constraints": ["np_ratio >= reference"]}}, "no \\[reference\\]"),
    ({"optimize": {"kind": "design", "objectives": {"np_ratio": "max"},
                   "constraints": ["thickness <= 10 um"]}}, "leaves no range"),
    ({"optimize": {"kind": "ccd", "objectives": {"np_ratio": "max"}, "sampler": "grid"}},
     "sampler"),
])
def test_spec_errors(change, match):
    d = {"space": {"thickness": {"low": "20 um", "high": "150 um"}}, **change}
    with pytest.raises(ParameterError, match=match):
        OptimizeSpec.from_dict(d)


def test_input_objective_and_categorical(tmp_path):
    spec = {"optimize": {"kind": "short", "sampler": "tpe",
                         "objectives": {"pressure": "minimize",
                                        "specific_energy_Wh_kg": "maximize"},
                         "constraints": ["pressure >= 2 MPa"]},
            "fixed": {"build": "Zhang2025"},
            "space": {"pressure": {"low": "1 MPa", "high": "30 MPa"},
                      "skeleton": ["LiBx", "none"], "thickness": {"low": "30 um",
                                                                  "high": "100 um"}}}
    res = _run(tmp_path, trials=6, spec=spec)
    trials = res.results[res.results["role"] == "trial"]
    assert (trials["pressure_MPa"] >= 2).all() and "pressure_MPa" in res.pareto
    assert set(trials["in_skeleton"]) <= {"LiBx", "none"}


# --- figures -----------------------------------------------------------------------------------
def _grid() -> pd.DataFrame:
    rows = [{"in_anode": a, "in_pressure": f"{p} MPa", "in_temperature": f"{t} degC",
             "error": None, "ccd_mA_cm2": (2 if a == "tfa" else 1) * (0.1 * p + 0.02 * t),
             "time_to_short_h": math.inf if p < 10 else 100 / p}
            for a in ("li", "tfa") for p in (5, 10, 20, 40) for t in (25, 60, 80)]
    rows.append({"in_anode": "li", "in_pressure": "1 MPa", "in_temperature": "25 degC",
                 "error": "ParameterError: bad", "ccd_mA_cm2": math.nan})
    return pd.DataFrame(rows)


def test_map_figure(tmp_path):
    g = _grid()
    assert figures.map_figure(g, "pressure", "temperature", "ccd_mA_cm2", tmp_path / "a.png",
                              by="anode").stat().st_size > 0
    assert figures.map_figure(g[g["in_anode"] == "li"], "pressure", "temperature",
                              "time_to_short_h", tmp_path / "b.png").is_file()
    lhs = g.sample(7, random_state=0)  # scattered points: a coloured scatter
    assert figures.map_figure(lhs, "pressure", "temperature", "ccd_mA_cm2",
                              tmp_path / "c.png").is_file()
    assert figures.map_figure(g, "pressure", "anode", "ccd_mA_cm2",  # a categorical axis
                              tmp_path / "e.png").is_file()
    with pytest.raises(ParameterError, match="no column"):
        figures.map_figure(g, "pressure", "nope", "ccd_mA_cm2", tmp_path / "d.png")
    x, label = figures.column(g, "temperature")
    assert label == "temperature / degC" and x[0] == pytest.approx(25)


def test_pareto_and_parallel_figures(tmp_path):
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"a": rng.random(20), "b": rng.random(20), "c": rng.random(20),
                      "trial": range(20), "feasible": rng.random(20) > 0.2})
    for objs in (["a:max"], ["a:max", "b:min"], {"a": "maximize", "b": "maximize",
                                                 "c": "minimize"}):
        path = figures.pareto_figure(f, objs, tmp_path / f"p{len(objs)}.png",
                                     reference={"a": 0.5, "b": 0.5, "c": 0.5})
        assert path.stat().st_size > 0
    g = _grid()
    assert figures.parallel_coordinates_figure(
        g, ["anode", "pressure", "temperature", "ccd_mA_cm2"], tmp_path / "pc.png",
        color="ccd_mA_cm2", highlight=g["ccd_mA_cm2"] > 5).is_file()
    assert figures.default_columns(g) == ["anode", "pressure", "temperature", "ccd_mA_cm2",
                                          "time_to_short_h"]


# --- command line ------------------------------------------------------------------------------
def test_cli_optimize_and_plots(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "spec.toml"
    spec.write_text("""
[optimize]
kind = "design"
sampler = "tpe"
trials = 5
objectives = {specific_energy_Wh_kg = "maximize", np_ratio = "maximize"}
constraints = ["np_ratio >= 1"]
[fixed]
stack = "thin"
cathode = "ncm"
[space]
free_li = {low = "40 wt%", high = "85 wt%", step = "1 wt%"}
thickness = {low = "20 um", high = "150 um"}
[reference]
free_li = "60 wt%"
thickness = "100 um"
""")
    runner = CliRunner()
    r = runner.invoke(cli, ["optimize", str(spec), "--out", "o", "--workers", "0",
                            "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "Pareto front" in r.output and "reference" in r.output
    assert "tfalab simulate symmetric" in r.output
    r = runner.invoke(cli, ["optimize", str(spec), "--out", "o", "--workers", "0",
                            "--trials", "7", "--no-progress"])
    assert r.exit_code == 0, r.output
    from tfalab.sweep.optimize import study_results

    _, table = study_results("o")
    assert (table["role"] == "trial").sum() == 7
    for args in (["--kind", "pareto"], ["--kind", "parallel", "--color", "np_ratio"],
                 ["--kind", "map", "--x", "free_li", "--y", "thickness", "--value",
                  "np_ratio", "--out", "m.png"]):
        r = runner.invoke(cli, ["sweep-plot", "o", *args])
        assert r.exit_code == 0, (args, r.output, r.exception)
    assert all(Path(p).is_file() for p in ("o/pareto.png", "o/parallel.png", "m.png"))
    r = runner.invoke(cli, ["sweep-plot", "o", "--kind", "map"])
    assert r.exit_code != 0 and isinstance(r.exception, ParameterError)


def test_example_optimize_tfa(tmp_path):
    """The README's inverse-design example, shortened: the reference and a few trials."""
    spec = OptimizeSpec.read(ROOT / "examples" / "optimize_tfa.toml")
    assert spec.kind == "ccd" and spec.reference == {**spec.fixed, "free_li": "60 wt%",
                                                     "thickness": "100 um"}
    res = optimize(spec, tmp_path / "opt", trials=6, workers=0, progress=False)
    assert res.reference["ccd_mA_cm2"] == pytest.approx(5.7, abs=0.05)
    assert res.reference["specific_energy_Wh_kg"] == pytest.approx(316.7, abs=0.5)
    assert res.verdict and "reference" in res.verdict
    assert res.commands and res.commands[0][0].startswith("tfalab ccd --anode")
