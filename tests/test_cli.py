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
