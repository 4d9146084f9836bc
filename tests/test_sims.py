"""ToF-SIMS tracer diffusion analysis (tfalab.analysis.sims) and claim C19."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tfalab.analysis.sims import (
    DEFAULT_DEPTH_RESOLUTION,
    DEFAULT_TIME,
    NATURAL_6LI,
    TRACER_ENRICHMENT,
    Profile,
    analyze_sims,
    fit_diffusion,
    read_profile,
    synthetic_profile,
    thin_film,
    tracer_excess,
)
from tfalab.errors import DataFileError, FitError
from tfalab.paper.registry import Context

PAPER_D = {"tfa": 2.4e-14, "li": 2.5e-15}  # m²/s (2.4e-10 and 2.5e-11 cm²/s)


def test_eq2_integrates_to_N_with_and_without_resolution():
    x = np.linspace(0, 50e-6, 20001)
    for sr in (0.0, 200e-9):
        c = thin_film(x, N=3e-7, D=2.5e-15, time=3600.0, depth_resolution=sr)
        assert np.trapezoid(c, x) == pytest.approx(3e-7, rel=1e-4)
    # the paper's form: C(0) = N / sqrt(pi D t)
    assert thin_film(0.0, 1.0, 1e-14, 100.0) == pytest.approx(1 / np.sqrt(np.pi * 1e-12))


@pytest.mark.parametrize("name", ["tfa", "li"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_recovers_paper_D_from_noisy_profiles(name, seed):
    D = PAPER_D[name]
    p = synthetic_profile(D, DEFAULT_TIME, DEFAULT_DEPTH_RESOLUTION, noise=0.02, seed=seed)
    fit = fit_diffusion(p, DEFAULT_TIME, DEFAULT_DEPTH_RESOLUTION)
    assert abs(fit.D / D - 1) < 0.05
    assert fit.D_ci95[0] < fit.D < fit.D_ci95[1]
    assert 0 < fit.D_stderr < 0.05 * fit.D
    assert fit.D_cm2_s == pytest.approx(fit.D * 1e4)
    assert fit.r_squared > 0.99 and 0.5 < fit.redchi < 2.0
    assert len(fit.residuals) == len(p.depth)


@pytest.mark.parametrize("seed", [0, 5])
def test_recovers_D_from_counts_profiles(seed):
    p = synthetic_profile(PAPER_D["tfa"], kind="counts", seed=seed)
    fit = fit_diffusion(p, DEFAULT_TIME, DEFAULT_DEPTH_RESOLUTION)
    assert abs(fit.D / PAPER_D["tfa"] - 1) < 0.05
    assert fit.signal == "6Li counts"
    assert fit.background == pytest.approx(2e4 * NATURAL_6LI, rel=0.05)  # natural 6Li


def test_natural_abundance_correction_recovers_the_tracer():
    assert tracer_excess(NATURAL_6LI) == pytest.approx(0.0)
    assert tracer_excess(TRACER_ENRICHMENT) == pytest.approx(1.0)
    D, t, sr = PAPER_D["li"], DEFAULT_TIME, DEFAULT_DEPTH_RESOLUTION
    p = synthetic_profile(D, t, sr, seed=4, surface_excess=0.3)
    fit = fit_diffusion(p, t, sr)
    n_true = 0.3 * np.sqrt(np.pi * D * t)  # C(0) = 0.3 before broadening
    assert abs(fit.N / n_true - 1) < 0.03
    assert abs(fit.background) < 0.005  # natural 6Li removed: no residual background
    # the tracer excess at the surface, not the raw 6Li fraction
    assert fit.curve(np.array([0.0]))[0] == pytest.approx(0.3, rel=0.03)
    assert p.signal[0] == pytest.approx(NATURAL_6LI + 0.3 * (TRACER_ENRICHMENT - NATURAL_6LI),
                                        abs=0.02)


def test_ignoring_the_depth_resolution_biases_D():
    p = synthetic_profile(PAPER_D["li"], depth_resolution=1e-6, seed=1)
    right = fit_diffusion(p, DEFAULT_TIME, 1e-6)
    wrong = fit_diffusion(p, DEFAULT_TIME, 0.0)
    assert abs(right.D / PAPER_D["li"] - 1) < 0.03
    assert wrong.D / PAPER_D["li"] > 1.04


def test_profile_likelihood_interval():
    p = synthetic_profile(PAPER_D["tfa"], seed=1)
    fit = fit_diffusion(p, "1 h", "100 nm", confidence="profile")
    assert fit.ci_method == "profile"
    assert fit.D_ci95[0] < fit.D < fit.D_ci95[1]


def test_flat_profile_raises_fit_error():
    rng = np.random.default_rng(0)
    x = np.linspace(0, 20e-6, 200)
    noisy = NATURAL_6LI + 0.003 * rng.standard_normal(200)
    with pytest.raises(FitError, match="no significant tracer"):
        fit_diffusion(Profile(x, noisy, "fraction", np.full(200, 0.003)), DEFAULT_TIME)
    with pytest.raises(FitError, match="flat"):
        fit_diffusion(Profile(x, np.full(200, NATURAL_6LI)), DEFAULT_TIME)


def test_profile_narrower_than_resolution_raises_fit_error():
    p = synthetic_profile(PAPER_D["li"], seed=0)
    with pytest.raises(FitError, match="depth resolution"):
        fit_diffusion(p, DEFAULT_TIME, depth_resolution=10e-6)


def test_read_profile_units_and_column_kinds(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("# ToF-SIMS export\nDepth [um]\t6Li/7Li\n0\t1.0\n0.5\t0.25\n1.0\t0.0821\n")
    p = read_profile(f)
    assert p.kind == "fraction"
    assert p.depth.tolist() == pytest.approx([0, 0.5e-6, 1e-6])
    assert p.signal.tolist() == pytest.approx([0.5, 0.2, 0.0821 / 1.0821])
    g = tmp_path / "b.csv"
    g.write_text("depth_nm;6Li counts\n0;900\n100;300\n200;80\n")
    q = read_profile(g)
    assert q.kind == "counts" and q.depth[-1] == pytest.approx(200e-9)
    assert q.sigma is not None and q.sigma[0] == pytest.approx(30.0)
    h = tmp_path / "c.csv"
    h.write_text("Depth,6Li fraction (%)\n0,50\n1,20\n")
    r = read_profile(h, depth_unit="um")
    assert r.signal.tolist() == pytest.approx([0.5, 0.2])


@pytest.mark.parametrize("content, match", [
    ("", "no data"),
    ("time (s),6Li\n0,1\n1,2\n", "no depth column"),
    ("depth,6Li\n0,1\n1,2\n", "unit of the depth"),
    ("depth (nm),7Li\n0,1\n1,2\n", "no 6Li signal"),
    ("depth (nm),6Li\nfoo,bar\nbaz,qux\n", "not numeric"),
    ("depth (nm),6Li\n0,1\n", "no data|fewer than 2"),
])
def test_malformed_files_raise_data_file_error(tmp_path, content, match):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    with pytest.raises(DataFileError, match=match) as err:
        read_profile(f)
    assert "bad.csv" in str(err.value)


def test_missing_file_raises_data_file_error(tmp_path):
    with pytest.raises(DataFileError, match=r"nope\.csv"):
        read_profile(tmp_path / "nope.csv")


def test_analyze_sims_writes_png_and_json(tmp_path):
    f = synthetic_profile(PAPER_D["li"], seed=9).to_csv(tmp_path / "li.csv")
    s = analyze_sims(f, tmp_path / "out" / "li", time="1 h", depth_resolution="100 nm")
    assert s["D_cm2_s"] == pytest.approx(2.5e-11, rel=0.05)
    assert Path(s["figure"]).is_file()
    assert json.loads((tmp_path / "out" / "li.json").read_text())["D_m2_s"] == s["D_m2_s"]


def test_c19_answer(tmp_path):
    from tfalab.paper.lab_claims import c19

    a = c19(Context(out=tmp_path))
    assert a.values["tfa_diffusivity"] == pytest.approx(2.4e-10, rel=0.05)
    assert a.values["li_diffusivity"] == pytest.approx(2.5e-11, rel=0.05)
    assert all("method check" in n for n in a.notes.values())
    assert all(p.is_file() for p in a.figures)
