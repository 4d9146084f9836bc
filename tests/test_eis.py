"""Tests of tfalab.analysis.eis: readers (real instrument files), circuit fit, Bode peak, DRT."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tfalab.analysis.eis import (
    DEFAULT_CIRCUIT,
    Spectrum,
    analyze,
    bode_peak_frequency,
    check_spectrum,
    circuit_impedance,
    drt,
    fit_circuit,
    fit_high_frequency_intercept,
    high_frequency_intercept,
    kramers_kronig,
    read_spectrum,
    resistance_series,
)
from tfalab.analysis.eis import fit as eis_fit
from tfalab.errors import DataFileError, FitError, ParameterError

DATA = Path(__file__).parent / "data"
CSV = DATA / "eis_impedancepy_exampleData.csv"
MPT = DATA / "eis_impedancepy_exampleDataBioLogic.mpt"
DTA = DATA / "eis_impedancepy_exampleDataGamry.DTA"

# a Li | LPSCl | Li-like spectrum: bulk, grain boundary (~17 kHz), interface (~7 Hz), Warburg
TRUE = [10.0, 30.0, 1e-6, 0.9, 40.0, 1e-3, 0.85, 25.0, 2.0]
F = np.logspace(6, -2, 97)  # 1 MHz .. 10 mHz, 12 points per decade


def noisy(params, circuit=DEFAULT_CIRCUIT, noise=0.001, seed=0, f=F):
    z = circuit_impedance(circuit, params, f)
    rng = np.random.default_rng(seed)
    return z + noise * np.abs(z) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))


# --- reading real files ---------------------------------------------------------------------
def test_read_csv_impedancepy_example():
    s = read_spectrum(CSV)
    assert s.metadata["format"] == "csv"
    assert s.metadata["file"] == CSV.name
    assert s.n == 66
    assert s.frequency[0] == pytest.approx(0.0031623)
    assert s.frequency[-1] == pytest.approx(10000.0)
    assert s.impedance[0] == pytest.approx(0.0494998977640506 - 0.020438698544418925j)
    # -Z'' changes sign between 1584.9 Hz (capacitive) and 1995.3 Hz (inductive)
    assert high_frequency_intercept(s) == pytest.approx(0.015688173, rel=1e-6)
    assert s.area is None


def test_read_biologic_mpt():
    s = read_spectrum(MPT)
    assert s.metadata["format"] == "biologic"
    assert s.n == 43
    assert s.frequency[0] == pytest.approx(1000.3201)
    assert s.frequency[-1] == pytest.approx(0.01689554)
    assert s.impedance[0] == pytest.approx(65.470886 - 0.38998979j)  # file holds -Im(Z)
    assert s.impedance[-1] == pytest.approx(110.97003 - 2.3458567j)
    # lowest-frequency capacitive->inductive crossing: between 94.91 Hz and 123.3 Hz
    assert high_frequency_intercept(s) == pytest.approx(63.853079, rel=1e-6)
    assert s.metadata["file_area_m2"] == pytest.approx(1e-7)  # "0.001 cm²" in the header
    assert s.area is None  # the header's area is not used silently


def test_read_gamry_dta():
    s = read_spectrum(DTA, area="0.785 cm2")
    assert s.metadata["format"] == "gamry"
    assert s.n == 72
    assert s.frequency[0] == pytest.approx(200015.6)
    assert s.frequency[-1] == pytest.approx(0.0158898)
    assert s.impedance[0] == pytest.approx(825.8584 - 1367.239j)
    # never crosses the axis: the intercept is Re(Z) at the highest frequency
    assert high_frequency_intercept(s) == pytest.approx(825.8584)
    i = int(np.argmin(np.abs(s.impedance.imag)))
    assert s.frequency[i] == pytest.approx(100.4464)
    assert s.impedance[i].real == pytest.approx(4225.685)
    assert s.area == pytest.approx(0.785e-4)
    assert s.metadata["file_area_m2"] == pytest.approx(1e-4)


def test_explicit_format_matches_detection():
    a = read_spectrum(MPT, format="biologic")
    b = read_spectrum(MPT)
    np.testing.assert_array_equal(a.impedance, b.impedance)


def test_headered_csv_with_minus_imag(tmp_path):
    p = tmp_path / "z.csv"
    p.write_text("Frequency (Hz),Z' (Ohm),-Z'' (Ohm)\n1e3,10,0.5\n1,30,8\n")
    s = read_spectrum(p)
    assert s.impedance.tolist() == [10 - 0.5j, 30 - 8j]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("1000,10,-1\n100,abc,-2\n", "not numeric"),
        ("1000,10,-1\n100,nan,-2\n", "NaN"),
        ("1000,10,-1\n-100,11,-2\n", "> 0 Hz"),
        ("hello world\nthis is not impedance data\n", "unknown impedance file format"),
        ("freq,foo,bar\n1,2,3\n", "naming frequency"),
        ("EC-Lab ASCII FILE\nNb header lines : 4\n\nfreq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\t\n", "no imp"),
    ],
)
def test_bad_files_raise_dataerror_naming_file(tmp_path, content, match):
    p = tmp_path / "bad_spectrum.txt"
    p.write_text(content, encoding="latin-1")
    with pytest.raises(DataFileError, match=match) as info:
        read_spectrum(p)
    assert "bad_spectrum.txt" in str(info.value)


def test_binary_missing_and_wrong_format_files():
    with pytest.raises(DataFileError, match="no impedance data"):
        read_spectrum(DATA / "cycler_navani_00_test_02_MB_C01.mpr")
    with pytest.raises(DataFileError, match="binary"):
        read_spectrum(DATA / "cycler_navani_test.ndax")
    with pytest.raises(DataFileError, match="cannot open"):
        read_spectrum(DATA / "no_such_file.csv")
    with pytest.raises(DataFileError, match="unknown format 'foo'"):
        read_spectrum(CSV, format="foo")
    with pytest.raises(DataFileError, match="cannot read as a gamry file") as info:
        read_spectrum(CSV, format="gamry")
    assert CSV.name in str(info.value)


def test_spectrum_rejects_bad_arrays():
    with pytest.raises(ParameterError, match="empty"):
        Spectrum(np.array([]), np.array([]))
    with pytest.raises(ParameterError, match="NaN"):
        Spectrum(np.array([1.0, 2.0]), np.array([1.0, np.nan]))
    with pytest.raises(ParameterError, match="> 0 Hz"):
        Spectrum(np.array([-1.0, 2.0]), np.array([1.0, 1.0]))
    with pytest.raises(ParameterError, match="frequencies but"):
        Spectrum(np.array([1.0, 2.0]), np.array([1.0]))
    with pytest.raises(ParameterError, match="area"):
        Spectrum(np.array([1.0]), np.array([1.0]), area=-1.0)


# --- circuit fit ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_fit_recovers_default_circuit_low_noise(seed):
    fit = fit_circuit(Spectrum(F, noisy(TRUE, noise=0.001, seed=seed), area=0.785e-4))
    np.testing.assert_allclose(fit.values, TRUE, rtol=0.02)
    assert fit.interface == "R2"
    assert fit.residual < 0.003
    assert np.all(np.isfinite(fit.stderr)) and np.all(fit.stderr > 0)


def test_fit_recovers_default_circuit_half_percent_noise():
    fit = fit_circuit(Spectrum(F, noisy(TRUE, noise=0.005, seed=3), area=0.785e-4))
    got, true = (
        dict(zip(fit.names, fit.values, strict=True)),
        dict(zip(fit.names, TRUE, strict=True)),
    )
    # resistances and CPE exponents within 2 % ...
    for name in ("R0", "R1", "R2", "Ws1_0", "CPE1_1", "CPE2_1"):
        assert got[name] == pytest.approx(true[name], rel=0.02), name
    # ... and every parameter (CPE Q and Warburg tau, whose stderr is ~2 % here) within 4 sigma
    assert np.all(np.abs(fit.values - np.array(TRUE)) < 4 * fit.stderr)
    # characteristic frequencies of both arcs within 2 %
    exact = fit_circuit(Spectrum(F, circuit_impedance(DEFAULT_CIRCUIT, TRUE, F)))
    for r in ("R1", "R2"):
        assert fit.arc_frequency(r) == pytest.approx(exact.arc_frequency(r), rel=0.02)


def test_area_specific_resistances_in_ohm_cm2():
    fit = fit_circuit(Spectrum(F, noisy(TRUE, seed=4)), area="0.785 cm2")
    assert fit.area == pytest.approx(0.785e-4)
    asr = fit.asr_ohm_cm2
    assert set(asr) == {"R0", "R1", "R2", "Ws1_0"}
    r2, e2 = fit.resistances["R2"]
    assert asr["R2"] == pytest.approx((r2 * 0.785, e2 * 0.785))
    assert fit.interfacial_asr_ohm_cm2 == asr["R2"]
    assert fit.interfacial_asr_ohm_cm2[0] == pytest.approx(40.0 * 0.785, rel=0.02)
    d = fit.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["interfacial_asr_ohm_cm2"] == pytest.approx(asr["R2"][0])
    assert d["parameters"]["R2"]["unit"] == "Ohm"
    # without an area: no ASR, but resistances are there
    bare = fit_circuit(Spectrum(F, noisy(TRUE, seed=4)))
    assert bare.asr_ohm_cm2 == {} and bare.interfacial_asr_ohm_cm2 is None


def test_user_circuit_initial_and_interface():
    circ = "R0-p(R1,C1)-p(R2,C2)"
    p = [2.0, 5.0, 1e-6, 20.0, 1e-2]
    s = Spectrum(F, circuit_impedance(circ, p, F), area=1e-4)
    fit = fit_circuit(s, circ)
    np.testing.assert_allclose(fit.values, p, rtol=1e-4)
    assert fit.interface == "R2"  # the lowest-frequency arc
    assert fit.arc_frequency("R2") == pytest.approx(1 / (2 * math.pi * 0.2))
    fit2 = fit_circuit(s, circ, initial={"R2": 10.0}, interface="R1")
    assert fit2.interface == "R1" and fit2.initial[3] == 10.0
    fit3 = fit_circuit(s, circ, initial=[1.0, 1.0, 1e-6, 10.0, 1e-2])
    np.testing.assert_allclose(fit3.values, p, rtol=1e-4)
    np.testing.assert_allclose(fit3.predict(F), s.impedance, rtol=1e-6)


def test_fit_bad_inputs():
    s = Spectrum(F, noisy(TRUE))
    with pytest.raises(ParameterError, match="invalid circuit"):
        fit_circuit(s, "R0-X1")
    with pytest.raises(ParameterError, match="has 9 parameters"):
        fit_circuit(s, initial=[1.0, 2.0])
    with pytest.raises(ParameterError, match="unknown parameter"):
        fit_circuit(s, initial={"R9": 1.0})
    with pytest.raises(ParameterError, match="interface"):
        fit_circuit(s, interface="R7")
    with pytest.raises(ParameterError, match="finite"):
        fit_circuit(s, "R0-p(R1,C1)", initial=[1.0, math.nan, 1.0])
    with pytest.raises(FitError, match="point"):
        fit_circuit(Spectrum(np.array([1.0, 2.0]), np.array([1 - 1j, 1 - 2j])), "R0")


def test_fit_failure_is_wrapped(monkeypatch):
    monkeypatch.setattr(eis_fit, "_MAXFEV", 1)
    with pytest.raises(FitError, match="failed") as info:
        fit_circuit(Spectrum(F, noisy(TRUE)))
    assert isinstance(info.value.__cause__, RuntimeError)


# --- Bode peak ----------------------------------------------------------------------------
@pytest.mark.parametrize(("r", "c"), [(10.0, 1e-3), (30.0, 0.0088), (1.9, 0.14)])
def test_bode_peak_of_rc_arc(r, c):
    f = np.logspace(4, -3, 50)
    z = 3.0 + r / (1 + 2j * np.pi * f * r * c)
    assert bode_peak_frequency(Spectrum(f, z)) == pytest.approx(1 / (2 * np.pi * r * c), rel=3e-3)


def test_bode_peak_window_and_no_peak():
    f = np.logspace(5, -3, 81)
    z = 2 / (1 + 2j * np.pi * f * 1e-4) + 20 / (1 + 2j * np.pi * f * 1.0)
    assert bode_peak_frequency(Spectrum(f, z)) == pytest.approx(1 / (2 * np.pi), rel=0.01)
    hf = bode_peak_frequency(Spectrum(f, z), arc=(100.0, 1e5))
    assert hf == pytest.approx(1 / (2 * np.pi * 1e-4), rel=0.02)
    with pytest.raises(FitError, match="edge"):
        bode_peak_frequency(Spectrum(f, z), arc=(1.0, 10.0))  # only the arc's flank
    with pytest.raises(FitError, match="at least 3"):
        bode_peak_frequency(Spectrum(f, z), arc=(1e6, 1e7))


def test_bode_peak_of_real_biologic_file():
    assert bode_peak_frequency(read_spectrum(MPT)) == pytest.approx(0.35630, rel=1e-4)


# --- DRT ----------------------------------------------------------------------------------
def test_drt_single_rc_peak_at_rc():
    f = np.logspace(6, -2, 81)
    z = 5.0 + 10.0 / (1 + 2j * np.pi * f * 1e-3)
    z = z * (1 + 0.002 * np.random.default_rng(0).standard_normal(f.size))
    res = drt(Spectrum(f, z))
    assert res.lambda_method == "gcv"
    peaks = res.peaks()
    assert len(peaks) == 1
    assert abs(math.log(peaks[0].tau / 1e-3)) < res.dlntau
    assert peaks[0].resistance == pytest.approx(10.0, rel=0.03)
    assert res.r_inf == pytest.approx(5.0, rel=0.02)
    assert res.residual < 0.01
    np.testing.assert_allclose(res.predict(f), z, rtol=0.02)


def test_drt_two_rcs_area_ratio():
    f = np.logspace(6, -2, 81)
    z = 5.0 + 10.0 / (1 + 2j * np.pi * f * 1e-4) + 30.0 / (1 + 2j * np.pi * f * 0.1)
    res = drt(Spectrum(f, z))
    peaks = sorted(res.peaks(), key=lambda p: -p.resistance)[:2]
    peaks.sort(key=lambda p: p.tau)
    assert abs(math.log(peaks[0].tau / 1e-4)) < res.dlntau
    assert abs(math.log(peaks[1].tau / 0.1)) < res.dlntau
    assert peaks[1].resistance / peaks[0].resistance == pytest.approx(3.0, rel=0.15)
    assert res.polarization_resistance == pytest.approx(40.0, rel=0.03)


def test_drt_given_lambda_and_bad_arguments():
    f = np.logspace(4, -1, 40)
    s = Spectrum(f, 2 + 8 / (1 + 2j * np.pi * f * 0.01))
    res = drt(s, lambda_=1e-3, n_tau=50, inductance=False)
    assert res.lambda_ == 1e-3 and res.lambda_method == "given" and res.tau.size == 50
    assert res.inductance == 0.0
    with pytest.raises(ParameterError):
        drt(s, n_tau=3)
    with pytest.raises(ParameterError):
        drt(s, lambda_=-1.0)
    with pytest.raises(FitError, match="at least 5"):
        drt(Spectrum(f[:3], s.impedance[:3]))


# --- series and report --------------------------------------------------------------------
def test_resistance_series_trend(tmp_path):
    circ = "R0-p(R1,CPE1)-p(R2,CPE2)"
    f = np.logspace(6, -2, 65)
    r_int = [38.0, 60.0, 90.0]  # growing interfacial resistance while stripping (Li-like)
    spectra = [
        Spectrum(f, noisy([10.0, 30.0, 1e-6, 0.9, r, 5e-2, 0.9], circ, 0.002, k, f))
        for k, r in enumerate(r_int)
    ]
    # the last one through a file, as in a real in-situ series
    p = tmp_path / "s3.csv"
    z = spectra[2].impedance
    np.savetxt(p, np.c_[f, z.real, z.imag], delimiter=",")
    df = resistance_series([spectra[0], spectra[1], p], [0.0, 1.0, 2.0], circ, area="0.785 cm2")
    assert isinstance(df, pd.DataFrame)
    assert df["x"].tolist() == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(df["interfacial_resistance_ohm"], r_int, rtol=0.02)
    np.testing.assert_allclose(df["interfacial_asr_ohm_cm2"], np.array(r_int) * 0.785, rtol=0.02)
    assert (df["interfacial_asr_stderr_ohm_cm2"] > 0).all()
    assert df["peak_frequency_hz"].is_monotonic_decreasing  # larger R·C: lower frequency
    assert (df["error"] == "").all()
    with pytest.raises(ParameterError, match="x values"):
        resistance_series(spectra, [0.0])


def test_analyze_writes_png_and_json(tmp_path):
    out = tmp_path / "report" / "biologic"
    summary = analyze(MPT, out, area="0.785 cm2")
    png, js = Path(f"{out}.png"), Path(f"{out}.json")
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert json.loads(js.read_text()) == summary
    assert summary["n_points"] == 43 and summary["format"] == "biologic"
    assert summary["peak_frequency_hz"] == pytest.approx(0.3563, rel=1e-3)
    # fitted over the high-frequency points; the interpolated crossing is 63.85 Ω
    assert summary["high_frequency_intercept_ohm"] == pytest.approx(63.853079, rel=0.01)
    assert summary["high_frequency_intercept_status"] == "ok"
    # the real file is noisy: lin-KK residual 2.4 %, the default circuit over-parameterised
    assert summary["kramers_kronig"]["passed"] is False
    assert summary["status"] == "poor" and summary["fit_status"] == "poor"
    assert any("not determined by the data" in w for w in summary["warnings"])
    for p in summary["fit"]["parameters"].values():
        assert p["status"] in ("ok", "poor") and len(p["ci95"]) == 2
    fit = summary["fit"]
    assert fit["circuit"] == DEFAULT_CIRCUIT and fit["interface"] == "R2"
    r2 = fit["parameters"]["R2"]["value"]
    assert summary["interfacial_asr_ohm_cm2"] == pytest.approx(r2 * 0.785)
    assert 0 < summary["fit_relative_residual"] < 0.05  # the noisy real file fits to ~3 %
    assert summary["drt"]["peaks"], "DRT found no peak"
    # the main DRT peak is the arc seen in the Bode plot
    main = max(summary["drt"]["peaks"], key=lambda p: p["resistance_ohm"])
    assert main["frequency_hz"] == pytest.approx(summary["peak_frequency_hz"], rel=0.3)


def test_analyze_bad_file(tmp_path):
    p = tmp_path / "empty.mpt"
    p.write_text("")
    with pytest.raises(DataFileError, match=r"empty\.mpt"):
        analyze(p, tmp_path / "x")


# --- format detection (real files of impedance.py, MIT) ---------------------------------------
@pytest.mark.parametrize(
    ("name", "fmt", "n", "z0"),
    [
        ("eis_impedancepy_exampleData.csv", "csv", 66, 0.0494998977640506 - 0.020438698544418925j),
        ("eis_impedancepy_exampleDataAutolab.txt", "autolab", 41, 0.01378586396 + 0.00719194631j),
        ("eis_impedancepy_exampleDataParstat.txt", "parstat", 31, None),
        ("eis_impedancepy_exampleDataZPlot_noComments.z", "zplot", 31, 642.62 - 85.821j),
        ("eis_impedancepy_exampleDataCHInstruments.txt", "chinstruments", 73, None),
        ("eis_impedancepy_exampleDataBioLogic.mpt", "biologic", 43, 65.470886 - 0.38998979j),
        ("eis_impedancepy_exampleDataGamry.DTA", "gamry", 72, 825.8584 - 1367.239j),
    ],
)
def test_autodetect_each_text_format(name, fmt, n, z0):
    s = read_spectrum(DATA / name)
    assert s.metadata["format"] == fmt
    assert s.n == n
    if z0 is not None:
        assert s.impedance[0] == pytest.approx(z0)  # first data row
    np.testing.assert_array_equal(read_spectrum(DATA / name, format=fmt).impedance, s.impedance)


def test_headered_table_after_preamble_and_semicolons(tmp_path):
    p = tmp_path / "nova.txt"
    p.write_text("Some instrument\nDate: today\nFrequency (Hz);Z' (Ohm);-Z'' (Ohm)\n"
                 "1000;10;0.5\n1;30;8\n")
    s = read_spectrum(p)
    assert s.metadata["format"] == "csv" and s.impedance.tolist() == [10 - 0.5j, 30 - 8j]


def test_unknown_and_malformed_files_name_formats_tried(tmp_path):
    p = tmp_path / "mystery.dat"
    p.write_text("Instrument X\nalpha beta gamma\n1 2\n")
    with pytest.raises(DataFileError, match="tried: biologic, gamry") as info:
        read_spectrum(p)
    assert "mystery.dat" in str(info.value)
    bad = DATA / "eis_impedancepy_exampleDataBioLogic_MissingFreq.mpt"
    with pytest.raises(DataFileError, match="formats tried: biologic, csv") as info:
        read_spectrum(bad)
    assert bad.name in str(info.value)


def test_cli_eis_format_option(tmp_path):
    from click.testing import CliRunner

    from tfalab.cli import cli

    out = tmp_path / "zp"
    args = ["analyze", "eis", str(DATA / "eis_impedancepy_exampleDataZPlot_noComments.z"),
            "--format", "zplot", "--circuit", "R0-p(R1,CPE1)", "--out", str(out)]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    summary = json.loads(Path(f"{out}.json").read_text())
    assert summary["format"] == "zplot" and summary["status"] in ("ok", "poor")


# --- fit quality ----------------------------------------------------------------------------
def test_uncertainty_covers_truth_with_five_percent_noise():
    z0 = circuit_impedance(DEFAULT_CIRCUIT, TRUE, F)
    covered = []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        noise = rng.standard_normal(F.size) + 1j * rng.standard_normal(F.size)
        z = z0 + 0.05 * np.abs(z0) * noise / math.sqrt(2)
        fit = fit_circuit(Spectrum(F, z, area=1e-4))
        ci = fit.interval(0.95)
        covered.append((ci[:, 0] <= TRUE) & (np.array(TRUE) <= ci[:, 1]))
        d = fit.to_dict()
        assert d["status"] in ("ok", "poor")
        assert d["parameters"]["R2"]["ci95"] == pytest.approx(ci[4].tolist())
    covered = np.array(covered)
    assert covered.mean() >= 0.85  # nominal 95 %
    assert covered.sum(axis=0).min() >= 8  # every parameter, in at least 8 of 10 spectra
    assert covered[:, 4].all()  # the interfacial resistance R2 every time


def test_poor_fit_is_labelled_poor():
    # two arcs fitted with one: large residual
    z = circuit_impedance("R0-p(R1,C1)-p(R2,C2)", [2.0, 5.0, 1e-6, 20.0, 1e-2], F)
    fit = fit_circuit(Spectrum(F, z), "R0-p(R1,C1)")
    assert fit.residual > 0.05 and fit.status == "poor"
    assert any("relative residual" in w and "another circuit" in w for w in fit.warnings)
    d = fit.to_dict()
    assert d["status"] == "poor" and d["warnings"]
    # an element the data cannot see: huge relative uncertainty
    z = circuit_impedance("R0-p(R1,C1)", [5.0, 10.0, 1e-4], F)
    z = z * (1 + 0.01 * np.random.default_rng(0).standard_normal(F.size))
    fit = fit_circuit(Spectrum(F, z, area=1e-4), "R0-p(R1,C1)-p(R2,C2)",
                      initial=[5.0, 10.0, 1e-4, 1e-3, 1e-9])
    assert fit.status == "poor"
    assert "poor" in fit.parameter_status.values()
    assert any("not determined by the data" in w for w in fit.warnings)
    # a good fit is ok
    good = fit_circuit(Spectrum(F, noisy(TRUE, seed=1), area=1e-4))
    assert good.status == "ok" and good.to_dict()["interfacial_asr_status"] == "ok"


def test_negative_real_part_artefact_flagged():
    z = circuit_impedance("L0-R0-p(R1,C1)", [2e-7, 5.0, 10.0, 1e-4], F)
    z[F > 2e5] = -0.5 + 1j * z[F > 2e5].imag  # instrument artefact at the top
    r = fit_high_frequency_intercept(Spectrum(F, z))
    assert r["status"] == "poor" and r["value_ohm"] > 0
    assert any("negative Z'" in w for w in r["warnings"])
    assert r["value_ohm"] == pytest.approx(5.0, rel=0.01)
    # the real Parstat file starts with Z' < 0
    s = read_spectrum(DATA / "eis_impedancepy_exampleDataParstat.txt")
    r = fit_high_frequency_intercept(s)
    assert r["value_ohm"] > 0 and any("negative Z'" in w for w in r["warnings"])


def test_high_frequency_intercept_fit_with_inductance():
    z = circuit_impedance("L0-R0-p(R1,CPE1)", [1e-7, 5.0, 10.0, 1e-4, 0.9], F)
    r = fit_high_frequency_intercept(Spectrum(F, z))
    assert r["circuit"] == "L0-R0-p(R1,CPE1)" and r["method"] == "fit"
    assert r["value_ohm"] == pytest.approx(5.0, rel=1e-3) and r["status"] == "ok"


def test_kramers_kronig_clean_passes_corrupted_fails():
    z = circuit_impedance(DEFAULT_CIRCUIT, TRUE, F)
    kk = kramers_kronig(Spectrum(F, z))
    assert kk.passed and kk.residual < 1e-3 and kk.warning is None
    bad = z.copy()
    bad[40:45] *= 1.3  # a step in |Z| over five points (a current-range change)
    kk = kramers_kronig(Spectrum(F, bad))
    assert not kk.passed and kk.residual > 0.02 and "Kramers-Kronig" in kk.warning
    fit = fit_circuit(Spectrum(F, bad))
    assert fit.kk is not None and not fit.kk.passed
    assert any("Kramers-Kronig" in w for w in fit.warnings)


def test_fit_failure_says_what_to_try(monkeypatch):
    monkeypatch.setattr(eis_fit, "_MAXFEV", 1)
    with pytest.raises(FitError, match="another circuit, an initial guess"):
        fit_circuit(Spectrum(F, noisy(TRUE)))


def test_duplicate_frequencies_and_zero_impedance_are_clear_errors(tmp_path):
    f = np.array([1e3, 1e3, 100.0, 10.0, 1.0, 0.1])
    z = np.array([10 - 1j, 11 - 1j, 12 - 3j, 15 - 4j, 20 - 2j, 21 - 1j])
    for fn in (lambda s: fit_circuit(s, "R0-p(R1,C1)"), drt, kramers_kronig, check_spectrum):
        with pytest.raises(FitError, match="1000 Hz appears 2 times"):
            fn(Spectrum(f, z))
    zero = Spectrum(np.logspace(3, -1, 6), np.zeros(6))
    for fn in (lambda s: fit_circuit(s, "R0-p(R1,C1)"), drt, kramers_kronig):
        with pytest.raises(FitError, match="zero at every frequency"):
            fn(zero)
    p = tmp_path / "dup.csv"
    np.savetxt(p, np.c_[f, z.real, z.imag], delimiter=",")
    with pytest.raises(FitError, match="appears 2 times"):
        analyze(p, tmp_path / "dup")


# --- cross-check against impedance.py's own fit -------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "eis_impedancepy_exampleData.csv",
        "eis_impedancepy_exampleDataAutolab.txt",
        "eis_impedancepy_exampleDataBioLogic.mpt",
        "eis_impedancepy_exampleDataCHInstruments.txt",
        "eis_impedancepy_exampleDataGamry.DTA",
        "eis_impedancepy_exampleDataParstat.txt",
        "eis_impedancepy_exampleDataZPlot_noComments.z",
    ],
)
@pytest.mark.parametrize("circuit", ["R0-p(R1,CPE1)", "R0-p(R1,C1)-p(R2-Wo1,C2)"])
def test_fit_agrees_with_impedancepy(name, circuit):
    import warnings

    from impedance.models.circuits import CustomCircuit
    from impedance.preprocessing import ignoreBelowX

    s = read_spectrum(DATA / name)
    f, z = ignoreBelowX(s.frequency, s.impedance)  # as impedance.py's own examples do
    s = Spectrum(f, z)
    guess = list(eis_fit.initial_guess(s, circuit).values())
    fit = fit_circuit(s, circuit, initial=guess)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CustomCircuit(circuit, initial_guess=guess).fit(f, z, weight_by_modulus=True)
    z_ref = ref.predict(f)
    assert np.max(np.abs(fit.predict(f) - z_ref) / np.abs(z_ref)) < 0.01
    for name_, v, r, st in zip(fit.names, fit.values, ref.parameters_,
                               fit.parameter_status.values(), strict=True):
        if st == "ok":  # parameters the data determine agree within 1 %
            assert v == pytest.approx(r, rel=0.01), name_


# --- BioLogic binary .mpr (galvani) ---------------------------------------------------------
def _fake_mpr(monkeypatch: pytest.MonkeyPatch, f: np.ndarray, z: np.ndarray) -> None:
    """galvani's MPRfile replaced by one holding a PEIS table with EC-Lab's column names."""
    from galvani import BioLogic

    dtype = [("freq/Hz", "<f4"), ("Re(Z)/Ohm", "<f4"), ("-Im(Z)/Ohm", "<f4"), ("time/s", "<f8")]
    data = np.zeros(f.size, dtype=dtype)
    data["freq/Hz"], data["Re(Z)/Ohm"], data["-Im(Z)/Ohm"] = f, z.real, -z.imag

    class Fake:
        def __init__(self, path: str) -> None:
            self.data = data

    monkeypatch.setattr(BioLogic, "MPRfile", Fake)


def test_biologic_mpr_eis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = np.logspace(5, -1, 40)
    z = circuit_impedance("R0-p(R1,C1)", [5.0, 20.0, 1e-5], f)
    _fake_mpr(monkeypatch, np.r_[f, f], np.r_[z, z * 1.5])  # two sweeps in one file
    p = tmp_path / "peis.mpr"
    p.write_bytes(b"BIO-LOGIC MODULAR FILE\x1a" + b"\x00" * 64)
    s = read_spectrum(p)
    assert s.metadata["format"] == "biologic-mpr" and s.metadata["n_spectra"] == 2
    assert s.n == f.size
    np.testing.assert_allclose(s.impedance, z, rtol=1e-5)  # float32 in the file


def test_biologic_mpr_without_impedance() -> None:
    path = Path(__file__).parent / "data" / "cycler_navani_00_test_02_MB_C01.mpr"
    with pytest.raises(DataFileError, match=r"no impedance data.*analyze cycling"):
        read_spectrum(path)
