import json

from click.testing import CliRunner

from tfalab import __version__
from tfalab.cli import cli


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_design_json():
    result = CliRunner().invoke(cli, ["design", "--strip", "5 mAh/cm2", "--cathode", "fes2",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert abs(data["anode"]["areal capacity / mAh cm-2"] - 15.27) < 0.05
    assert data["after stripping"]["porosity / %"] > 20
    assert data["cell"]["N/P"] > 1


def test_design_stack_presets():
    runs = {stack: CliRunner().invoke(cli, ["design", "--cathode", "ncm", "--stack", stack,
                                            "--json"]) for stack in ("paper", "thin")}
    for result in runs.values():
        assert result.exit_code == 0, result.output
    paper, thin = (json.loads(runs[s].output)["cell"] for s in ("paper", "thin"))
    assert paper["stack preset"] == "paper"
    assert 1100 < paper["separator thickness / um"] < 1200  # 150 mg LPSCl in a 10 mm die
    assert thin["separator thickness / um"] == 30


def test_calibrate_write_needs_a_path():
    result = CliRunner().invoke(cli, ["calibrate", "--write"])
    assert result.exit_code == 2
    assert "requires an argument" in result.output
    result = CliRunner().invoke(cli, ["calibrate", "--write", "no/such/parameters.toml"])
    assert result.exit_code == 2


def test_design_table_bare_li():
    result = CliRunner().invoke(cli, ["design", "--anode", "li"])
    assert result.exit_code == 0
    assert "bare Li" in result.output


def test_design_bad_unit_is_clear():
    result = CliRunner().invoke(cli, ["design", "--thickness", "20 MPa"])
    assert result.exit_code != 0
    assert "thickness" in str(result.exception)


def test_reproduce_subset(tmp_path):
    out = tmp_path / "rep"
    result = CliRunner().invoke(cli, ["reproduce", "--out", str(out), "--only", "C2,C7"])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    rows = json.loads((out / "claims.json").read_text())
    assert {r["id"] for r in rows} == {"C2", "C7"}


def test_simulate_symmetric_writes_celltest_and_plot(tmp_path):
    from tfalab.celltest import CellTest

    stem = tmp_path / "run"
    result = CliRunner().invoke(cli, ["simulate", "symmetric", "--anode", "tfa", "--pressure",
                                      "20MPa", "--temperature", "80degC", "--protocol",
                                      "cycle 0.5 mA/cm2 0.5 mAh/cm2 for 8 h", "--out",
                                      str(stem)])
    assert result.exit_code == 0, result.output
    test = CellTest.load(stem.with_suffix(".parquet"))
    assert test.metadata["termination"] == "completed"
    assert abs(test.time[-1] - 8 * 3600) < 1
    assert stem.with_suffix(".png").stat().st_size > 1000


def test_ccd_command_writes_table(tmp_path):
    import pandas as pd

    stem = tmp_path / "ccd"
    result = CliRunner().invoke(cli, ["ccd", "--anode", "li", "--pressure", "40:50:10",
                                      "--build", "Zhang2025", "--out", str(stem)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(stem.with_suffix(".csv"))
    assert list(table.pressure_MPa) == [40.0, 50.0]
    # the paper's bare Li is shorted by intrusion at 40-50 MPa before any current flows
    assert (table["mode"] == "mechanical short").all()
    assert (table["ccd_mA_cm2"] == 0).all()
    assert stem.with_suffix(".png").is_file()


def test_ccd_command_rejects_bad_range():
    from tfalab.errors import ParameterError

    result = CliRunner().invoke(cli, ["ccd", "--pressure", "50:0:5"])
    assert isinstance(result.exception, ParameterError)


def test_simulate_full_writes_celltest_cycles_and_plot(tmp_path):
    out = tmp_path / "full"
    result = CliRunner().invoke(cli, ["simulate", "full", "--cathode", "fes2", "--loading",
                                      "2.17mg/cm2", "--protocol", "cycle 1C x 2", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    for suffix in (".parquet", ".png"):
        assert out.with_suffix(suffix).exists()
    assert (tmp_path / "full_cycles.csv").exists()
    bad = CliRunner().invoke(cli, ["simulate", "full", "--cathode", "licoo2"])
    assert bad.exit_code != 0 and "unknown cathode" in str(bad.exception or bad.output)


def test_analyze_commands_write_plot_and_json(tmp_path):
    import numpy as np

    from tfalab.analysis.dmt import synthetic_map
    from tfalab.analysis.sims import synthetic_profile
    from tfalab.analysis.xrd import synthetic_pattern

    xrd = synthetic_pattern({"Li": 0.6, "LiBx": 0.4}, seed=1)
    np.savetxt(tmp_path / "p.xy", np.column_stack([xrd.two_theta, xrd.intensity]))
    np.save(tmp_path / "map.npy", synthetic_map([(1.0, "6.5 GPa", "2.94 GPa")], shape=(64, 64)))
    synthetic_profile("2.5e-11 cm2/s", time="1 h").to_csv(tmp_path / "sims.csv")
    vol = np.zeros((20, 16, 16), np.uint8)
    vol[2:18] = 200
    vol[5:15, 4:8, 4:8] = 10  # a pore in the solid
    np.save(tmp_path / "ct.npy", vol)
    runs = {
        "cycling": ["tests/data/cycler_navani_test.ndax"],
        "eis": ["tests/data/eis_impedancepy_exampleDataBioLogic.mpt", "--area", "0.785 cm2"],
        "xrd": [str(tmp_path / "p.xy")],
        "dmt": [str(tmp_path / "map.npy"), "--unit", "Pa"],
        "sims": [str(tmp_path / "sims.csv"), "--time", "1 h"],
        "ct": [str(tmp_path / "ct.npy"), "--voxel-size", "0.3 um"],
    }
    for kind, args in runs.items():
        out = tmp_path / kind
        result = CliRunner().invoke(cli, ["analyze", kind, *args, "--out", str(out)])
        assert result.exit_code == 0, (kind, result.output, result.exception)
        assert out.with_suffix(".png").exists() and out.with_suffix(".json").exists(), kind
