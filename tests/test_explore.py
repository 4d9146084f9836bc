"""``tfalab explore`` without a browser: its jobs (progress, cancel, time limit), uploads,
design numbers, the protocol of a lab test, the paper's points, settings and CLI edges.
The page itself is tested in a real browser in ``test_explore_browser.py``."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tfalab import CellTest, CompositeAnode
from tfalab.design import thin_cell
from tfalab.errors import ParameterError
from tfalab.explore import Settings, make_page
from tfalab.explore.design import DesignInputs, design_code, design_metrics, free_li_curve
from tfalab.explore.jobs import Job
from tfalab.explore.lab import UploadError, read_upload, safe_name, same_test_protocol

DATA = Path(__file__).parent / "data"


def _wait(job: Job, limit: float = 60.0) -> Job:
    deadline = time.monotonic() + limit
    while job.poll():
        assert time.monotonic() < deadline, "job did not end"
        time.sleep(0.05)
    return job


# --- jobs ---------------------------------------------------------------------------------

def test_job_runs_a_simulation_and_reports_progress():
    job = _wait(Job("symmetric", {"anode": "tfa", "protocol": "cycle 1 mA/cm2 1 mAh/cm2 for 20 h",
                                  "pressure": "20 MPa", "temperature": "80 degC"}, 60))
    assert job.state == "done" and job.progress == 1.0
    data = job.result["celltest"].data
    assert data["Test Time / s"].iloc[-1] == pytest.approx(20 * 3600)
    assert job.result["termination"] == "completed"


def test_cancel_hands_back_the_part_simulated():
    job = Job("symmetric", {"anode": "tfa", "protocol": "cycle 0.5 mA/cm2 2 mAh/cm2 for 1e6 h",
                            "pressure": "20 MPa", "temperature": "80 degC"}, 60)
    deadline = time.monotonic() + 60
    while job.poll() and job.progress == 0:  # until a step is done (a loaded machine is slow)
        assert time.monotonic() < deadline
        time.sleep(0.05)
    asked = time.monotonic()
    job.cancel()
    assert job.state == "stopping" and time.monotonic() - asked < 0.5  # never blocks
    assert job.wait()
    assert job.state == "cancelled"
    assert job.result is not None and job.result["termination"] == "interrupted"
    t = job.result["celltest"].data["Test Time / s"].to_numpy()
    assert 0 < t[-1] < 1e6 * 3600 and np.all(np.diff(t) > 0)
    assert job.elapsed < 10


def test_time_limit_stops_a_run():
    job = _wait(Job("symmetric", {"anode": "tfa", "protocol": "cycle 0.5 mA/cm2 2 mAh/cm2 "
                                  "for 1e6 h", "pressure": "20 MPa", "temperature": "80 degC"},
                    1.5))
    assert job.state == "timed out" and "time limit" in job.message
    assert job.elapsed < 5
    if job.result is not None:  # None when the limit came before the first step
        assert job.result["termination"] == "interrupted"


def test_a_job_that_ignores_the_stop_is_killed(monkeypatch):
    from tfalab.explore import jobs

    monkeypatch.setattr(jobs, "GRACE", 0.5)
    job = Job("symmetric", {"anode": "tfa", "protocol": "cycle 0.5 mA/cm2 2 mAh/cm2 for 1e6 h",
                            "pressure": "20 MPa", "temperature": "80 degC"}, 60)
    time.sleep(1.0)
    job._proc.terminate = lambda: None  # a child that never hears the SIGTERM
    job.cancel()
    assert job.wait(5.0) and job.state == "cancelled"
    assert not job._proc.is_alive()


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"pressure": "-20 MPa"}, "pressure"),
    ({"temperature": "2000 K"}, "temperature"),
    ({"protocol": "cycle banana"}, "protocol"),
])
def test_a_bad_run_fails_with_a_message(kwargs, words):
    base = {"anode": "tfa", "protocol": "cycle 1 mA/cm2 1 mAh/cm2 for 2 h",
            "pressure": "20 MPa", "temperature": "80 degC"}
    job = _wait(Job("symmetric", base | kwargs, 30))
    assert job.state == "failed"
    assert words in job.message.lower() and "Traceback" not in job.message


def test_map_points_are_rows_even_when_bad():
    job = _wait(Job("grid", {"points": [{"pressure": "10 MPa"}, {"pressure": "-5 MPa"}],
                             "kind": "short"}, 30))
    rows = job.result
    assert len(rows) == 2 and rows["error"].isna().tolist() == [True, False]


# --- uploads ------------------------------------------------------------------------------

def test_upload_of_a_real_cycler_file_matches_the_reader():
    from tfalab.analysis.capacity import capacity_per_cycle
    from tfalab.io import load

    path = DATA / "cycler_navani_arbin_Channel_11.xlsx"
    r = read_upload(path.name, path.read_bytes())
    assert r.kind == "cycling" and r.summary["cycles"] == len(capacity_per_cycle(load(path)))


def test_upload_of_a_spectrum_is_fitted():
    path = DATA / "eis_impedancepy_exampleData.csv"
    r = read_upload(path.name, path.read_bytes())
    assert r.kind == "eis" and r.fit is not None and r.summary["fit status"] in ("ok", "poor")


@pytest.mark.parametrize(("content", "kind", "words"), [
    (b"", "auto", "empty"),
    (b"\x00\x01\x02garbage" * 50, "auto", "could not read"),
    (b"a,b\n1,2\n", "cycling", "as a cycler file"),
    (b"a,b\n1,2\n", "eis", "as an impedance spectrum"),
    (b"x" * 2000, "auto", "upload limit"),
])
def test_bad_uploads_give_one_line(content, kind, words):
    with pytest.raises(UploadError, match=words) as info:
        read_upload("../../secret/file.csv", content, kind, limit=1000)
    assert "\n" not in str(info.value) and "/tmp" not in str(info.value)


def test_bad_kind_is_refused():
    with pytest.raises(UploadError, match="kind"):
        read_upload("a.csv", b"1,2", "xrd")


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_shown_names_are_harmless(name):
    shown = safe_name(name)
    assert shown and len(shown) <= 80
    assert not set(shown) & set("/\\<>&\"'*`[]")


# --- design -------------------------------------------------------------------------------

@given(free_li=st.floats(25, 95), thickness=st.floats(20, 400), porosity=st.floats(0, 40),
       separator=st.floats(10, 500))
@settings(max_examples=40, deadline=None)
def test_design_view_numbers_are_the_api_numbers(free_li, thickness, porosity, separator):
    inputs = replace(DesignInputs(), free_li_wt=free_li, thickness_um=thickness,
                     porosity_pct=porosity, separator_um=separator, strip_mAh_cm2=0.5)
    m = design_metrics(inputs)
    anode = CompositeAnode(free_li=f"{free_li} wt%", thickness=f"{thickness} um",
                           porosity=f"{porosity} %")
    stack = thin_cell("fes2", "2.17 mg/cm2", anode=anode, separator=f"{separator} um")
    assert m["specific_energy_Wh_kg"] == pytest.approx(stack.specific_energy / 3600, rel=1e-9)
    assert m["np_ratio"] == pytest.approx(stack.np_ratio, rel=1e-9)
    assert m["porosity_after_strip_pct"] >= porosity - 1e-9  # stripping opens pores


def test_strip_past_the_inventory_keeps_the_rest_of_the_design():
    m = design_metrics(replace(DesignInputs(), thickness_um=30.0, strip_mAh_cm2=5.0))
    assert "exceeds" in m["note"] and math.isnan(m["porosity_after_strip_pct"])
    assert m["specific_energy_Wh_kg"] > 0


@pytest.mark.parametrize(("change", "words"), [
    ({"porosity_pct": 150.0}, "porosity"), ({"thickness_um": -5.0}, "thickness"),
    ({"free_li_wt": 140.0}, "free_li"), ({"separator_um": 0.0}, "separator"),
    ({"strip_mAh_cm2": -1.0}, "strip"), ({"loading": -2.0}, "loading"),
])
def test_out_of_range_design_controls_raise_named_errors(change, words):
    with pytest.raises(ParameterError, match=words):
        design_metrics(replace(DesignInputs(), **change))


def test_more_free_li_gives_more_energy_at_fixed_thickness():
    curve = free_li_curve(DesignInputs())
    assert len(curve) > 10 and np.all(np.diff(curve["specific_energy_Wh_kg"]) > 0)


def test_design_code_runs_and_gives_the_same_number():
    inputs = replace(DesignInputs(), thickness_um=55.0, free_li_wt=65.0)
    cli, python = design_code(inputs)
    assert cli is not None and '--thickness "55.0 um"' in cli
    scope: dict = {}
    exec(python.replace("stack.summary()", "summary = stack.summary()"), scope)
    assert scope["summary"]["specific energy / Wh kg-1"] == pytest.approx(
        design_metrics(inputs)["specific_energy_Wh_kg"])


# --- lab test -> protocol -> simulation ----------------------------------------------------

@pytest.mark.parametrize(("j", "q", "hours"), [(0.5, 2.0, 40.0), (1.0, 0.5, 10.0)])
def test_the_protocol_of_a_simulated_test_is_its_own(j, q, hours):
    from tfalab.cell import simulate_symmetric

    protocol = f"cycle {j:g} mA/cm2 {q:g} mAh/cm2 for {hours:g} h"
    test = simulate_symmetric("tfa", protocol, "20 MPa").celltest
    assert same_test_protocol(test) == protocol


def test_the_protocol_needs_the_area():
    t = np.arange(0, 7200.0, 60)
    test = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": 0.01 + 0 * t,
                                  "Current / A": 1e-3 + 0 * t}))
    with pytest.raises(UploadError, match="area"):
        same_test_protocol(test)


# --- the paper's points, settings, page, CLI ----------------------------------------------

def test_paper_points_only_where_a_claim_covers_the_conditions():
    from tfalab.paper.catalogue import load_catalogue
    from tfalab.paper.explore_points import reference_points

    base = {"cell": "symmetric", "anode": "tfa", "pressure_MPa": 20.0, "temperature_C": 80.0,
            "protocol": "cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h"}
    pts = reference_points(base)
    c14 = load_catalogue()["C14"]
    assert [p["value"] for p in pts] == [c14.check("tfa_overpotential_80h").paper_value,
                                         c14.check("tfa_overpotential_5000h").paper_value]
    for change in ({"pressure_MPa": 5.0}, {"temperature_C": 25.0}, {"cell": "full"},
                   {"protocol": "cycle 1 mA/cm2 2 mAh/cm2 for 10 h"}, {"protocol": "ccd"},
                   {"protocol": "nonsense"}):
        assert reference_points(base | change) == []
    li = reference_points(base | {"anode": "li"})
    assert any("short" in p["label"] for p in li)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"upload_limit": 0}, "upload_limit"), ({"time_limit": -1.0}, "time_limit"),
    ({"time_limit": math.nan}, "time_limit"), ({"sweeps": ("/nonexistent",)}, "sweep store"),
])
def test_bad_settings_are_refused(kwargs, words):
    with pytest.raises(ParameterError, match=words):
        Settings(**kwargs)


def test_each_session_gets_its_own_page():
    a, b = make_page(Settings()), make_page(Settings())
    assert [v.panel.name for v in a.views] == ["Design", "Cell", "Maps", "Lab data"]
    a.views[0].thickness.value = 40.0
    assert a.views[0].metrics["specific_energy_Wh_kg"] != \
        b.views[0].metrics["specific_energy_Wh_kg"]


@pytest.mark.parametrize("args", [
    ["--upload-limit", "abc"], ["--upload-limit", "5 m"], ["--time-limit", "-5 s"],
    ["--time-limit", "nan s"], ["--port", "70000"], ["--sweeps", "/nonexistent"],
])
def test_explore_cli_refuses_bad_options(args):
    from tfalab.cli import cli

    result = CliRunner().invoke(cli, ["explore", "--no-browser", *args])
    assert result.exit_code in (1, 2)
    assert "Traceback" not in (result.output or "")


def test_maps_view_shows_a_sweep_store(tmp_path):
    from tfalab.explore.maps_view import MapsView

    rows = [{"key": f"{p}-{t}", "kind": "ccd", "error": None, "in_anode": "tfa",
             "in_pressure": f"{p} MPa", "in_temperature": f"{t} degC",
             "ccd_mA_cm2": 1.0 + p / 10 + t / 100, "seconds": 0.1}
            for p in (5, 20, 40) for t in (25, 80)]
    store = tmp_path / "sweep"
    store.mkdir()
    pd.DataFrame(rows).to_parquet(store / "results.parquet")
    view = MapsView(Settings(sweeps=(str(store),)))
    view.source.value = str(store)
    assert view.x.value == "pressure" and view.y.value == "temperature"
    assert view.value.value == "ccd_mA_cm2"
    view._go()
    assert view.png is not None and view.png[:4] == b"\x89PNG"
    assert not view.messages.pane.visible
