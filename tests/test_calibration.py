"""The calibration machinery: targets from the catalogue, root finding, storing values."""

from __future__ import annotations

import math
import shutil
from importlib import resources
from pathlib import Path

import pytest

from tfalab.cell import calibration as cal
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
            assert p.method == "tfalab.cell.calibration.calibrate"


def test_pore_size_fit_reproduces_the_mechanical_short_pressure():
    ov = {}
    cal.fit_pore_size(ov, log=lambda m: None)
    from tfalab.cell.experiments import mechanical_short_pressure

    assert mechanical_short_pressure("li", overrides=ov) == pytest.approx(30e6, rel=1e-3)


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
