"""tfalab.fitting: fit the symmetric-cell model to data (synthetic, scalar and a real lab file)."""

from __future__ import annotations

import json
import math
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfalab import CellTest
from tfalab.analysis import time_to_failure
from tfalab.cell import simulate_symmetric
from tfalab.cell.parameters import symmetric_parameters
from tfalab.cli import cli
from tfalab.errors import ParameterError, ProtocolError, TfalabError
from tfalab.fitting import (
    Observation,
    fit,
    load_parameter_file,
    parameter_values,
    protocol_from_celltest,
    write_parameter_file,
)
from tfalab.fitting.parameter_file import known_parameters
from tfalab.protocols import StepList, make_protocol

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
J0 = "Exchange current density [A.m-2]"
K_SEI = "Interphase growth constant [Ohm.m2.s-0.5]"
FLAW = "Flaw size [m]"
TIP = "Filament tip fraction"


def _within(value: float, truth: float, rel: float = 0.05) -> bool:
    return abs(value / truth - 1) <= rel


# --- protocols from current traces ----------------------------------------------------------
def test_step_list_protocol_round_trip_and_errors():
    s = StepList([("1 mA/cm2", "1 h"), (0, 600), (-10.0, "30 min")])
    assert s.steps() == [(10.0, 3600.0), (0.0, 600.0), (-10.0, 1800.0)]
    assert make_protocol(s.to_dict()) == s
    assert make_protocol(s.to_string()) == s
    with pytest.raises(ProtocolError, match="duration"):
        StepList([("1 mA/cm2", "-1 h")])
    with pytest.raises(ProtocolError, match="pair"):
        StepList([("1 mA/cm2",)])
    with pytest.raises(ProtocolError, match="no steps"):
        StepList([])


def _trace(t, i, step=None) -> CellTest:
    d = {"Test Time / s": np.asarray(t, float), "Voltage / V": np.zeros(len(t)),
         "Current / A": np.asarray(i, float)}
    if step is not None:
        d["Step Count / 1"] = step
    return CellTest(pd.DataFrame(d))


def test_protocol_from_celltest_keeps_charge_and_splits_cv_tails():
    t = np.arange(0, 7200.0, 60.0)
    i = np.where(t < 3600, 1e-4, -1e-4 * np.exp(-(t - 3600) / 1200))  # CC then a decaying tail
    p, end = protocol_from_celltest(_trace(t, i), area=1e-4)
    steps = p.steps()
    assert end == pytest.approx(t[-1])
    assert steps[0] == pytest.approx((1.0, 3600.0))
    assert 3 < len(steps) < 40  # the tail became a few steps of ~10 % current change
    charge = sum(a * d for a, d in steps) * 1e-4
    assert charge == pytest.approx(np.sum(i[:-1] * np.diff(t)), rel=1e-9)


def test_protocol_from_celltest_bounds_the_steps():
    t = np.arange(0, 100 * 3600.0, 300.0)
    i = 1e-4 * np.sign(np.sin(2 * np.pi * t / 7200 + 0.1))  # 100 half-cycles
    p, end = protocol_from_celltest(_trace(t, i), area=1e-4, max_steps=10)
    assert len(p.steps()) == 10
    assert end == pytest.approx(10 * 3600, rel=0.05)  # cut after the 10th half-cycle
    noisy = i * (1 + 0.2 * np.random.default_rng(0).random(len(t)))  # noisy current levels
    p2, _ = protocol_from_celltest(_trace(t, noisy), area=1e-4, max_steps=150)
    assert len(p2.steps()) <= 150
    assert [np.sign(a) for a, _ in p2.steps()][:4] == [1, -1, 1, -1]


# --- (a) recovering known parameters --------------------------------------------------------
def test_fit_recovers_kinetics_and_interphase_growth_from_voltage():
    truth = {J0: 12.0, K_SEI: 5.0e-8}
    data = simulate_symmetric("tfa", "cycle 1 mA/cm2 1 mAh/cm2 for 30 h", overrides=truth)
    res = fit([data.celltest], {J0: ("0.1 mA/cm2", "10 mA/cm2"), K_SEI: (1e-9, 1e-6)},
              anode="tfa")
    for name, value in truth.items():
        assert _within(res.values[name], value), (name, res.values[name])
        assert res.parameters[name].identifiable
        lo, hi = res.parameters[name].ci95
        assert lo < res.values[name] < hi
    assert res.quality == "good" and res.success
    assert res.friendly_values[J0].endswith("mA/cm2")
    assert res.observations[0]["r2"] > 0.99
    assert res.correlation.shape == (2, 2)
    assert np.allclose(np.diag(res.correlation.to_numpy()), 1.0)
    assert set(res.residuals.columns) >= {"observation", "observed", "model", "residual"}


def test_fit_recovers_flaw_size_from_times_to_short():
    truth = 11.0e-6
    observations = []
    for prot in ("cycle 0.5 mA/cm2 2 mAh/cm2 for 600 h", "cycle 1 mA/cm2 1 mAh/cm2 for 300 h"):
        r = simulate_symmetric("li", prot, "20 MPa", overrides={FLAW: truth})
        hours = time_to_failure(r.celltest) / 3600
        assert math.isfinite(hours)
        observations.append(Observation.scalar("time_to_short", f"{hours} h", protocol=prot,
                                               pressure="20 MPa"))
    res = fit(observations, {FLAW: ("5 um", "14.5 um")}, anode="li")
    assert _within(res.values[FLAW], truth), res.values
    assert res.parameters[FLAW].identifiable
    assert res.quality == "good"
    assert all(o["quantity"] == "time_to_short" for o in res.observations)


def test_fit_ccd_ramp_uses_the_continuous_failure_time():
    truth = 0.1
    ramp = simulate_symmetric("li", "ccd", "10 MPa", overrides={TIP: truth},
                              build="Zhang2025").celltest
    res = fit([Observation.from_celltest(ramp, "ccd")], {TIP: (0.02, 0.5)}, anode="li",
              build="Zhang2025")
    assert _within(res.values[TIP], truth)
    o = res.observations[0]
    assert o["observed_ccd_mA_cm2"] == pytest.approx(o["model_ccd_mA_cm2"])
    assert o["unit"] == "h" and o["z"] < 1
    # the staircase CCD as one number (no data file): the fit lands within that ramp step
    ccd = o["observed_ccd_mA_cm2"]
    res2 = fit([Observation.scalar("ccd", f"{ccd} mA/cm2", pressure="10 MPa")],
               {TIP: (0.02, 0.5)}, anode="li", build="Zhang2025")
    assert res2.observations[0]["model_ccd_mA_cm2"] == pytest.approx(ccd)
    assert res2.quality == "good"


def test_fit_overpotential_series_and_single_value():
    truth = {J0: 12.0}
    data = simulate_symmetric("tfa", "cycle 1 mA/cm2 1 mAh/cm2 for 12 h", overrides=truth)
    res = fit([Observation.from_celltest(data.celltest, "overpotential")], {J0: (1.0, 100.0)},
              anode="tfa")
    assert _within(res.values[J0], 12.0, 0.02)
    from tfalab.analysis import overpotential_at

    eta = overpotential_at(data.celltest, 5 * 3600)
    one = Observation.scalar("overpotential", f"{eta * 1e3} mV", at="5 h", anode="tfa",
                             protocol="cycle 1 mA/cm2 1 mAh/cm2 for 12 h")
    res1 = fit([one], {J0: (1.0, 100.0)})
    assert _within(res1.values[J0], 12.0)


# --- (b) identifiability --------------------------------------------------------------------
def test_fit_flags_parameters_without_influence():
    data = simulate_symmetric("tfa", "cycle 1 mA/cm2 1 mAh/cm2 for 10 h", overrides={J0: 10.0})
    res = fit([data.celltest], {J0: (1.0, 100.0), "Holder stiffness [Pa.m-1]": (1e9, 1e12),
                                "Interface capacitance [F.m-2]": ("10 uF/cm2", "1 mF/cm2")},
              anode="tfa")
    assert res.parameters[J0].identifiable
    assert _within(res.values[J0], 10.0, 0.01)
    for name in ("Holder stiffness [Pa.m-1]", "Interface capacitance [F.m-2]"):
        p = res.parameters[name]
        assert not p.identifiable and p.no_influence
        assert "Jacobian column is ~0" in p.reason
        assert math.isinf(p.std_error)
        assert any(name in w for w in res.warnings)


def test_fit_flags_parameters_that_enter_only_as_a_ratio(tmp_path):
    # the bulk Li supply is D / h: only the ratio of the two is seen by any data
    d = symmetric_parameters("li")["Anode Li diffusivity [m2.s-1]"]
    names = ("Anode Li diffusivity [m2.s-1]", "Anode diffusion length [m]")
    data = simulate_symmetric("li", "cycle 1 mA/cm2 0.5 mAh/cm2 for 6 h", "5 MPa",
                              overrides={names[0]: 0.5 * d})
    res = fit([data.celltest], {names[0]: (d / 10, 10 * d), names[1]: ("10 um", "1 mm")},
              anode="li", pressure="5 MPa")
    assert res.quality == "good"
    for name in names:
        p = res.parameters[name]
        assert not p.identifiable
        assert "only a combination with" in p.reason
    assert min(res.singular_values) < 1e-3
    ratio = res.values[names[0]] / res.values[names[1]]
    assert _within(ratio, 0.5 * d / 1e-4, 0.02)  # the combination itself is determined
    # unidentified but influential values are still written (their combination matters)
    out = load_parameter_file(res.to_toml(tmp_path / "ratio.toml"))
    assert set(out["overrides"]) == set(names)
    assert out["fit"]["identifiable"] == {n: False for n in names}


# --- (c) a real lab file --------------------------------------------------------------------
def test_fit_runs_on_a_real_lab_file_and_reports_poor_quality(tmp_path):
    # a Neware full-cell file (tests/data/PROVENANCE.md): not a Li symmetric cell, so the
    # model cannot fit it; its current trace (0.12 mA, CC-CV) becomes the protocol
    src = DATA / "cycler_navani_test.ndax"
    obs = Observation.from_file(src, "voltage", area="0.785 cm2")
    res = fit([obs], {J0: ("0.1 mA/cm2", "10 mA/cm2")}, anode="li", pressure="5 MPa",
              temperature="25 degC")
    assert all(math.isfinite(v) for v in res.values.values())
    assert math.isfinite(res.cost)
    assert res.quality == "poor"
    assert any(w.startswith("poor fit") for w in res.warnings)
    assert res.observations[0]["source"] == str(src)
    assert "explicit steps" in res.observations[0]["protocol"]
    res.plot(tmp_path / "lab.png")
    assert (tmp_path / "lab.png").stat().st_size > 1000
    json.dumps(res.to_dict(), allow_nan=False)


# --- results, files ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_fit():
    data = simulate_symmetric("tfa", "cycle 1 mA/cm2 0.5 mAh/cm2 x 3", overrides={J0: 10.0})
    return fit([data.celltest], {J0: (1.0, 100.0), "Interface capacitance [F.m-2]": (0.01, 1)},
               anode="tfa", build="Zhang2025")


def test_fit_result_outputs(small_fit, tmp_path):
    res = small_fit
    d = res.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["parameters"][J0]["identifiable"] is True
    assert d["build"] == "Zhang2025"
    path = res.to_toml(tmp_path / "fit.toml", name="mine", description="test")
    text = path.read_text()
    assert text.startswith("# written by tfalab fit\n")
    raw = tomllib.loads(text)
    assert raw["base"] == "Zhang2025" and raw["name"] == "mine"
    assert list(raw["overrides"]) == [J0]  # no influence: the build value is kept
    assert raw["fit"]["not_written"] == ["Interface capacitance [F.m-2]"]
    assert raw["fit"]["quantities"] == ["voltage"]
    assert raw["fit"]["identifiable"][J0] is True
    with pytest.raises(ParameterError, match=str(path.name)):
        res.to_toml(path)
    res.to_toml(path, overwrite=True)
    loaded = load_parameter_file(path)
    assert loaded["overrides"][J0] == res.values[J0]
    assert loaded["base"] == "Zhang2025"
    assert parameter_values(path, "tfa")[J0] == res.values[J0]
    again = simulate_symmetric("tfa", "cycle 1 mA/cm2 0.5 mAh/cm2 x 3", build=loaded["base"],
                               overrides=loaded["overrides"])
    assert again.termination == "completed"
    assert res.plot(tmp_path / "fit.png").stat().st_size > 1000
    assert "value" in res.summary().columns


def test_fit_is_deterministic(small_fit):
    data = simulate_symmetric("tfa", "cycle 1 mA/cm2 0.5 mAh/cm2 x 3", overrides={J0: 10.0})
    again = fit([data.celltest], {J0: (1.0, 100.0), "Interface capacitance [F.m-2]": (0.01, 1)},
                anode="tfa", build="Zhang2025")
    assert again.values == small_fit.values
    assert again.n_evaluations == small_fit.n_evaluations


def test_fit_workers_give_the_same_result():
    data = simulate_symmetric("tfa", "cycle 1 mA/cm2 0.5 mAh/cm2 x 2", overrides={J0: 10.0})
    kw = {"anode": "tfa", "max_evaluations": 20}
    one = fit([data.celltest], {J0: (1.0, 100.0)}, **kw)
    par = fit([data.celltest], {J0: (1.0, 100.0)}, workers=2, **kw)
    assert par.values == one.values
    assert par.n_evaluations == one.n_evaluations


# --- (d) parameter files round trip -----------------------------------------------------------
_NAMES = sorted(known_parameters())
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(overrides=st.dictionaries(st.sampled_from(_NAMES),
                                 st.floats(allow_nan=False, allow_infinity=False), max_size=6),
       base=st.one_of(st.none(), _text), name=_text, description=_text)
def test_parameter_file_round_trip(tmp_path, overrides, base, name, description):
    path = tmp_path / "p.toml"
    write_parameter_file(path, overrides, base=base, name=name, description=description,
                         fit={"date": "today", "identifiable": {k: True for k in overrides}},
                         overwrite=True)
    back = load_parameter_file(path)
    assert back["overrides"] == {k: float(v) for k, v in overrides.items()}
    assert back["base"] == base
    assert back["name"] == name and back["description"] == description
    assert back["fit"]["identifiable"] == {k: True for k in overrides}


def test_parameter_file_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[overrides]\n"Flaw sise [m]" = 1e-5\n')
    with pytest.raises(ParameterError, match=r"Flaw sise.*did you mean 'Flaw size \[m\]'"):
        load_parameter_file(bad)
    bad.write_text('[overrides]\n"Flaw size [m]" = "12 um"\n')
    with pytest.raises(ParameterError, match="finite number in SI"):
        load_parameter_file(bad)
    bad.write_text('name = "x"\n')
    with pytest.raises(ParameterError, match=r"no \[overrides\]"):
        load_parameter_file(bad)
    bad.write_text("[overrides\n")
    with pytest.raises(ParameterError, match="not a readable TOML"):
        load_parameter_file(bad)
    with pytest.raises(ParameterError, match="no such parameter file"):
        load_parameter_file(tmp_path / "missing.toml")
    with pytest.raises(ParameterError, match="finite"):
        write_parameter_file(tmp_path / "inf.toml", {FLAW: math.inf})


# --- bad input ------------------------------------------------------------------------------
def test_fit_rejects_bad_input():
    ct = simulate_symmetric("tfa", "cycle 1 mA/cm2 0.5 mAh/cm2 x 1").celltest
    with pytest.raises(ParameterError, match=r"Flaw size.*lower bound"):
        fit([ct], {FLAW: ("20 um", "5 um")})
    with pytest.raises(ParameterError, match="cannot read lower bound '5 MPa'"):
        fit([ct], {FLAW: ("5 MPa", "20 um")})
    with pytest.raises(ParameterError, match="operating condition"):
        fit([ct], {"Stack pressure [Pa]": (1e6, 1e7)})
    with pytest.raises(ParameterError, match="unknown model parameter 'Flaw sise"):
        fit([ct], {"Flaw sise [m]": (1e-6, 1e-5)})
    with pytest.raises(ParameterError, match="unknown quantity 'capacity'"):
        Observation.from_celltest(ct, "capacity")
    with pytest.raises(ParameterError, match="needs at="):
        Observation.scalar("overpotential", "10 mV", protocol="rest 1 h")
    with pytest.raises(ParameterError, match="ramp protocol"):
        fit([Observation.scalar("ccd", "1 mA/cm2", protocol="rest 1 h")], {TIP: (0.01, 1)})
    with pytest.raises(ParameterError, match="no short or divergence"):
        fit([Observation.from_celltest(ct, "time_to_short")], {TIP: (0.01, 1)})
    with pytest.raises(ParameterError, match="max_evaluations"):
        fit([ct], {TIP: (0.01, 1)}, max_evaluations=0)
    with pytest.raises(ParameterError, match="xtol must be a number"):
        fit([ct], {TIP: (0.01, 1)}, xtol="small")
    with pytest.raises(TfalabError):
        fit([], {TIP: (0.01, 1)})


# --- command line ---------------------------------------------------------------------------
def test_cli_fit_example(tmp_path):
    spec_dir = tmp_path / "spec"
    shutil.copytree(ROOT / "examples" / "fit", spec_dir)
    out = tmp_path / "out"
    runner = CliRunner()
    r = runner.invoke(cli, ["fit", str(spec_dir / "spec.toml"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == {"fit.toml", "fit.json", "residuals.csv",
                                               "fit.png"}
    fitted = load_parameter_file(out / "fit.toml")
    truth = {J0: 12.0, K_SEI: 5.0e-8}  # examples/fit/make_data.py
    for name, value in truth.items():
        assert _within(fitted["overrides"][name], value), name
    assert "Interface capacitance [F.m-2]" not in fitted["overrides"]
    result = json.loads((out / "fit.json").read_text())
    assert result["quality"] == "good"
    assert result["parameters"]["Interface capacitance [F.m-2]"]["identifiable"] is False
    assert len(pd.read_csv(out / "residuals.csv")) > 100
    r = runner.invoke(cli, ["fit", str(spec_dir / "spec.toml"), "--out", str(out)])
    assert r.exit_code == 2 and "--overwrite" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("spec, message", [
    ('[[data]]\nquantity = "ccd"\nvalue = "1 mA/cm2"\n', "needs a [parameters] table"),
    ('[parameters]\n"Flaw size [m]" = ["5 um", "20 um"]\n', "at least one [[data]]"),
    ('[[data]]\nfile = "nope.csv"\n[parameters]\n"Flaw size [m]" = [1e-6, 1e-5]\n',
     "does not exist"),
    ('[[data]]\nquantity = "ccd"\nvalue = "1 mA/cm2"\n[parameters]\n'
     '"Flaw size [m]" = ["5 MPa", "20 um"]\n', "cannot read lower bound"),
    ('[[data]]\nquantity = "ccd"\nvalue = "fast"\n[parameters]\n'
     '"Flaw size [m]" = ["5 um", "20 um"]\n', "entry 1"),
    ('colour = "red"\n', "unknown key(s) ['colour']"),
    ("[[data]\n", "not a readable TOML"),
])
def test_cli_fit_bad_input_is_one_clear_line(tmp_path, spec, message):
    path = tmp_path / "spec.toml"
    path.write_text(spec)
    r = CliRunner().invoke(cli, ["fit", str(path), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out").exists()
