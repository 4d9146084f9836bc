"""The calibration machinery: targets from the catalogue, root finding, storing values."""

from __future__ import annotations

import math
import shutil
from importlib import resources
from pathlib import Path

import pytest

from tfalab.paper import cell_calibration as cal
from tfalab.parameters import all_fitted


def test_targets_come_from_the_catalogue_in_si():
    assert cal.target("C10.li_ccd_10MPa") == pytest.approx(16.0)  # 1.6 mA/cm2 in A/m2
    assert cal.target("C10.li_mechanical_short_pressure") == pytest.approx(30e6)
    assert cal.target("C14.tfa_overpotential_80h") == pytest.approx(0.010)


def test_solve_log_finds_roots_of_monotone_and_stepwise_functions():
    assert cal.solve_log(lambda x: x**2, 9.0, 1e-3, 1e3, increasing=True,
                         iterations=40) == pytest.approx(3.0, rel=1e-6)
    assert cal.solve_log(lambda x: 1 / x, 0.5, 1e-3, 1e3, increasing=False,
                         iterations=40) == pytest.approx(2.0, rel=1e-6)
    step = cal.solve_log(lambda x: math.floor(x), 4.0, 1.0, 100.0, increasing=True)
    assert 4.0 <= step < 5.0


def test_every_calibrated_model_parameter_is_declared_fitted():
    names = {p.name for p in all_fitted()}
    assert set(cal.PYBAMM_NAMES) <= names
    for p in all_fitted():
        if p.name in cal.PYBAMM_NAMES:
            assert p.method == "tfalab.paper.cell_calibration.calibrate"


def test_pore_size_fit_reproduces_the_mechanical_short_pressure():
    ov = {}
    cal.fit_pore_size(ov, log=lambda m: None)
    from tfalab.cell.experiments import mechanical_short_pressure

    assert mechanical_short_pressure("li", overrides=ov, within="24 h",
                                     build="Zhang2025") == pytest.approx(30e6, rel=1e-3)


def test_write_fitted_updates_values_in_place(tmp_path: Path):
    src = Path(str(resources.files("tfalab.data").joinpath("parameters.toml")))
    copy = tmp_path / "parameters.toml"
    shutil.copy(src, copy)
    cal.write_fitted({"holder.stiffness": 1.234e10}, copy)
    text = copy.read_text()
    assert "value = 1.234e+10" in text
    assert text.count("[holder.stiffness]") == 1
    with pytest.raises(KeyError):
        cal.write_fitted({"no.such": 1.0}, copy)


def test_nothing_writes_into_the_installed_package(monkeypatch, tmp_path: Path):
    import inspect

    # no default path: the caller names the file
    assert inspect.signature(cal.write_fitted).parameters["path"].default is \
        inspect.Parameter.empty
    # a package that is not in a git checkout (an ordinary install) is refused
    monkeypatch.setattr(cal, "git_checkout", lambda path: None)
    src = Path(str(resources.files("tfalab.data").joinpath("parameters.toml")))
    before = src.read_bytes()
    with pytest.raises(PermissionError, match="installed tfalab package"):
        cal.write_fitted({"holder.stiffness": 1.234e10}, src)
    assert src.read_bytes() == before
    copy = tmp_path / "parameters.toml"
    shutil.copy(src, copy)
    cal.write_fitted({"holder.stiffness": 1.234e10}, copy)  # a copy is fine


def test_fitted_overrides_are_in_memory_and_restored():
    from tfalab.parameters import fitted, fitted_overrides

    stored = fitted("fes2.chemical_loss").value
    with fitted_overrides({"fes2.chemical_loss": 2 * stored}) as live:
        assert fitted("fes2.chemical_loss").value == 2 * stored
        live["fes2.chemical_loss"] = 3 * stored
        assert fitted("fes2.chemical_loss").value == 3 * stored
        assert {p.name: p.value for p in all_fitted()}["fes2.chemical_loss"] == 3 * stored
    assert fitted("fes2.chemical_loss").value == stored


def test_regenerate_script_writes_only_into_a_git_checkout(monkeypatch, tmp_path: Path):
    import runpy

    script = Path(__file__).resolve().parent.parent / "scripts" / "regenerate_parameters.py"
    ns = runpy.run_path(str(script))  # not as __main__: defines main() only
    assert ns["PARAMETERS"] == script.parent.parent / "src" / "tfalab" / "data" / \
        "parameters.toml"
    outside = tmp_path / "src" / "tfalab" / "data" / "parameters.toml"
    outside.parent.mkdir(parents=True)
    outside.write_text("")
    if ns["git_checkout"](outside) is not None:
        pytest.skip("the temporary folder lies inside a git checkout")
    ns["main"].__globals__["PARAMETERS"] = outside
    assert ns["main"]([]) == 2  # refused before any fit
    assert outside.read_text() == ""
