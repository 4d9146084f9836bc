"""Bad input never reaches the user as a traceback, and no result is ever lost (issue 20):
outputs taken literally and never overwritten, checked before any work, interrupts that keep
what was computed, solver failures that write the partial run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tfalab.celltest import CellTest
from tfalab.cli import cli
from tfalab.errors import SimulationError

QUICK = ["--protocol", "cycle 1 mA/cm2 0.2 mAh/cm2 x 1", "--points", "4"]


def _run(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(cli, args)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        from tfalab.errors import TfalabError

        assert isinstance(res.exception, TfalabError), repr(res.exception)
        return 2, str(res.exception)
    return res.exit_code, res.output


def test_out_is_taken_literally(tmp_path: Path) -> None:
    for stem in ("run_0.5", "run_0.6"):
        code, _ = _run(["simulate", "symmetric", *QUICK, "--out", str(tmp_path / stem)])
        assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["run_0.5.parquet", "run_0.5.png", "run_0.6.parquet", "run_0.6.png"]


def test_nothing_is_overwritten_without_force(tmp_path: Path) -> None:
    out = str(tmp_path / "run")
    assert _run(["simulate", "symmetric", *QUICK, "--out", out])[0] == 0
    before = (tmp_path / "run.parquet").stat().st_mtime_ns
    code, msg = _run(["simulate", "symmetric", *QUICK, "--out", out])
    assert code == 2 and "--force" in msg
    assert (tmp_path / "run.parquet").stat().st_mtime_ns == before
    assert _run(["simulate", "symmetric", *QUICK, "--out", out, "--force"])[0] == 0


@pytest.mark.parametrize("out", ["", ".", "/", "a/"])
def test_unusable_out_names(out: str) -> None:
    code, msg = _run(["simulate", "symmetric", *QUICK, "--out", out])
    assert code == 2 and "Traceback" not in msg


def test_unwritable_out_fails_before_the_simulation(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import tfalab.cell.simulate as sim

    ran = []
    monkeypatch.setattr(sim, "run", lambda *a, **k: ran.append(1))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions
            pytest.skip("running as root: permissions are not enforced")
        code, msg = _run(["simulate", "symmetric", *QUICK, "--out", str(locked / "x")])
    finally:
        locked.chmod(0o700)
    assert code == 2 and "permission" in msg and not ran


def test_an_out_whose_folder_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    code, msg = _run(["ccd", "--anode", "li", "--pressure", "10 MPa",
                      "--out", str(tmp_path / "file" / "ccd")])
    assert code == 2 and "not a folder" in msg


def test_a_solver_failure_writes_the_partial_run(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    import tfalab.cell.simulate as sim

    partial = CellTest(pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [0.0, 0.01],
                                     "Current / A": [1e-4, 1e-4]}), {"termination": "x"})

    def failing(*args, **kwargs):
        raise SimulationError("solve failed in protocol step 3", partial)

    monkeypatch.setattr(sim, "simulate_symmetric", failing)
    out = tmp_path / "failed"
    code, msg = _run(["simulate", "symmetric", *QUICK, "--out", str(out)])
    assert code == 2 and "step 3" in msg
    saved = CellTest.load(tmp_path / "failed.parquet")
    assert saved.metadata["termination"] == "solver failure" and len(saved) == 2


@pytest.mark.parametrize("args, match", [
    (["ccd", "--pressure", "a:b:c"], "numbers in MPa"),
    (["ccd", "--pressure", "0:50:0.00001"], "more than"),
    (["ccd", "--pressure", "0:50:-1"], "STEP > 0"),
    (["ccd", "--pressure", "10 MPa,,20 MPa"], "empty item"),
    (["ccd", "--anode", ","], "empty name"),
    (["simulate", "symmetric", "--temperature", "1 K"], "temperature"),
    (["simulate", "symmetric", "--temperature", "nan degC"], "nan degC"),
    (["simulate", "symmetric", "--pressure", "1e400 MPa"], "finite"),
    (["simulate", "symmetric", "--pressure", "100 um/"], "malformed"),
])
def test_bad_cli_values_are_clear_errors(tmp_path: Path, args: list[str], match: str) -> None:
    code, msg = _run([*args, "--out", str(tmp_path / "x")])
    assert code == 2 and match in msg and "Traceback" not in msg
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_rest_protocol_runs() -> None:
    with CliRunner().isolated_filesystem():
        code, _ = _run(["simulate", "symmetric", "--protocol", "rest 10 h", "--out", "rest"])
        assert code == 0 and Path("rest.parquet").exists()


# --- interrupts ---------------------------------------------------------------------------------
def _interrupt(cmd: list[str], cwd: Path, sig: int, after: float) -> tuple[int, float, str]:
    """Run ``tfalab cmd`` and send ``sig`` after ``after`` s."""
    proc = subprocess.Popen([sys.executable, "-m", "tfalab.cli", *cmd], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(after)
    start = time.time()
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=60)
    return proc.returncode, time.time() - start, err


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_simulation_keeps_what_it_computed(tmp_path: Path, sig: int) -> None:
    cmd = ["simulate", "symmetric", "--protocol", "cycle 0.5 mA/cm2 0.5 mAh/cm2 for 200000 h",
           "--out", "long"]
    code, stopped_in, err = _interrupt(cmd, tmp_path, sig, after=8.0)
    assert code == 130 and stopped_in < 2.5, (code, stopped_in, err)
    assert "long.parquet" in err and "Traceback" not in err
    test = CellTest.load(tmp_path / "long.parquet")
    assert test.metadata["termination"] == "interrupted" and len(test) > 100


@pytest.mark.slow
def test_an_interrupted_ccd_map_keeps_its_finished_points(tmp_path: Path) -> None:
    cmd = ["ccd", "--anode", "li,tfa", "--pressure", "0:40:1", "--out", "map"]
    code, stopped_in, err = _interrupt(cmd, tmp_path, signal.SIGINT, after=9.0)
    assert code == 130 and stopped_in < 2.5, (code, stopped_in, err)
    import pandas as pd

    table = pd.read_csv(tmp_path / "map.csv")
    assert 0 < len(table) < 82


@pytest.mark.slow
def test_an_interrupted_sweep_keeps_its_finished_points_and_resumes(tmp_path: Path) -> None:
    import glob

    import pandas as pd

    (tmp_path / "s.toml").write_text(
        '[sweep]\nkind = "ccd"\n[fixed]\ntemperature = "80 degC"\n[axes]\n'
        'anode = ["li", "tfa"]\npressure = ["0 MPa", "10 MPa", "20 MPa", "30 MPa", "40 MPa"]\n')
    cmd = ["sweep", "s.toml", "--out", "out", "--workers", "2", "--no-progress"]
    proc = subprocess.Popen([sys.executable, "-m", "tfalab.cli", *cmd], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and \
            not glob.glob(str(tmp_path / "out" / "results.parquet" / "row-*.parquet")):
        time.sleep(0.1)
    start = time.time()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the sweep finished before the interrupt")
    # the busy workers are asked to stop (not waited for): a Dask nanny gives them ~4 s
    assert proc.returncode == 130 and time.time() - start < 5.0, err
    assert "resumes" in err and "Traceback" not in err  # nor a dying worker's
    kept = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert 1 <= len(kept) < 10 and kept["error"].isna().all()  # no point stored as failed


# --- the library's edges ------------------------------------------------------------------------
def test_protocols_are_checked_before_anything_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    from tfalab.errors import ProtocolError
    from tfalab.protocols import FullProtocol, make_protocol

    with pytest.raises(ProtocolError, match="TFALAB_MAX_STEPS"):
        make_protocol("cycle 4 mA/cm2 1 mAh/cm2 x 99999999999")
    with pytest.raises(ProtocolError, match="TFALAB_MAX_STEPS"):
        FullProtocol.parse("cycle 1C x 99999999999")
    monkeypatch.setenv("TFALAB_MAX_STEPS", "10")
    with pytest.raises(ProtocolError, match="limit of 10"):
        make_protocol("cycle 4 mA/cm2 1 mAh/cm2 x 6")
    with pytest.raises(ProtocolError, match=r"missing field\(s\) \['current_density'"):
        make_protocol({"kind": "cycle"})
    with pytest.raises(ProtocolError, match="duration"):
        make_protocol({"kind": "rest", "duration": [1]})


def test_capacities_above_the_inventory_or_negative_are_refused() -> None:
    from tfalab.anode import CompositeAnode
    from tfalab.errors import CapacityError

    tfa = CompositeAnode()
    with pytest.raises(CapacityError, match="inventory"):
        tfa.utilisation("100 mAh/cm2")
    with pytest.raises(CapacityError, match=">= 0"):
        tfa.utilisation("-5 mAh/cm2")
    assert 0 < tfa.utilisation("5 mAh/cm2") < 1


def test_a_negative_cell_voltage_is_refused() -> None:
    from tfalab.design import make_cathode
    from tfalab.errors import ParameterError

    with pytest.raises(ParameterError, match="average_voltage"):
        make_cathode("ncm", "4 mAh/cm2", average_voltage="-3 V")


@pytest.mark.slow
def test_an_interrupted_reproduce_keeps_its_finished_claims(tmp_path: Path) -> None:
    import json

    cmd = ["reproduce", "--out", "rep", "--no-progress", "--only", "C1,C2,C3,C6,C22,C24,C26"]
    proc = subprocess.Popen([sys.executable, "-m", "tfalab.cli", *cmd], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    claims = tmp_path / "rep" / "claims.json"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if claims.exists() and json.loads(claims.read_text() or "[]"):
            break
        time.sleep(0.2)
    start = time.time()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("reproduce finished before the interrupt")
    assert proc.returncode == 130 and time.time() - start < 5.0, err
    assert "claims.json" in err and "Traceback" not in err
    assert json.loads(claims.read_text())  # the finished claims are kept


@pytest.mark.slow
def test_an_interrupted_calibration_reports_what_it_fitted(tmp_path: Path) -> None:
    import json

    err_path = tmp_path / "err.txt"
    with err_path.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "tfalab.cli", "calibrate",
                                 "--no-progress"], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=err, text=True)
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None and " = " not in err_path.read_text():
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    report = json.loads(out)
    assert report["interrupted"] and report["fitted so far"]
    assert "Traceback" not in err_path.read_text()


def test_an_out_that_cannot_be_created_fails_before_the_simulation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Even as root: a folder under /proc cannot be made."""
    import tfalab.cell.simulate as sim

    ran = []
    monkeypatch.setattr(sim, "run", lambda *a, **k: ran.append(1))
    code, msg = _run(["simulate", "symmetric", *QUICK, "--out", "/proc/tfalab-nope/run"])
    assert code == 2 and "/proc" in msg and not ran
