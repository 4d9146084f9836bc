"""AFM-DMT modulus map analysis (tfalab.analysis.dmt) and claim C7."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile

from tfalab.analysis.dmt import (
    FWHM_PER_SIGMA,
    analyze_dmt,
    fit_modulus_distribution,
    modulus_histogram,
    read_modulus_map,
    synthetic_map,
)
from tfalab.errors import DataFileError, FitError
from tfalab.paper.registry import Context

LI = (6.5e9, 2.94e9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_paper_li_distribution(seed):
    fit = fit_modulus_distribution(synthetic_map([(1.0, *LI)], seed=seed))
    (p,) = fit.peaks
    assert p.mean == pytest.approx(LI[0], rel=0.01)
    assert p.fwhm == pytest.approx(LI[1], rel=0.03)
    assert p.sigma == pytest.approx(p.fwhm / FWHM_PER_SIGMA)
    assert 0 < p.mean_stderr < 0.01 * p.mean and 0 < p.fwhm_stderr < 0.02 * p.fwhm
    assert fit.r_squared > 0.99


@pytest.mark.parametrize("seed", [0, 3])
def test_bimodal_map_gives_two_peaks(seed):
    phases = [(0.6, 6.5e9, 2.94e9), (0.4, 30e9, 15e9)]
    fit = fit_modulus_distribution(synthetic_map(phases, seed=seed), n_peaks=2)
    assert len(fit.peaks) == 2
    for peak, (frac, mean, fwhm) in zip(fit.peaks, phases, strict=True):
        assert peak.mean == pytest.approx(mean, rel=0.02)
        assert peak.fwhm == pytest.approx(fwhm, rel=0.03)
        assert peak.fraction == pytest.approx(frac, abs=0.02)
    assert fit.main.mean == pytest.approx(6.5e9, rel=0.02)


def test_overlapping_peaks_resolved():
    phases = [(0.5, 6.5e9, 2.94e9), (0.5, 12.8e9, 3e9)]
    fit = fit_modulus_distribution(synthetic_map(phases, seed=0), n_peaks=2)
    assert [p.mean / 1e9 for p in fit.peaks] == pytest.approx([6.5, 12.8], rel=0.02)


def test_synthetic_map_fractions_and_correlation():
    m = synthetic_map([(0.7, 5e9, 0.0), (0.3, 40e9, 0.0)], shape=(128, 128), seed=2,
                      correlation_length=6)
    assert np.mean(m > 20e9) == pytest.approx(0.3, abs=1e-3)
    stiff = (m > 20e9).astype(float)
    # domains: neighbouring pixels mostly share their phase
    assert np.mean(stiff[:, 1:] == stiff[:, :-1]) > 0.9
    assert synthetic_map([(1, "6.5 GPa", "1 GPa")], (8, 8), seed=1).mean() > 5e9


def test_histogram_counts_all_pixels_in_range():
    m = synthetic_map([(1.0, *LI)], shape=(64, 64), seed=0)
    centers, counts = modulus_histogram(m, bins=40)
    assert len(centers) == 40 and counts.sum() >= 0.99 * m.size


@pytest.mark.parametrize("suffix", [".npy", ".tif", ".csv"])
def test_read_formats_and_units(tmp_path, suffix):
    m = synthetic_map([(1.0, *LI)], shape=(16, 12), seed=0)
    f = tmp_path / f"m{suffix}"
    if suffix == ".npy":
        np.save(f, m / 1e6)
        out = read_modulus_map(f, unit="MPa")
    elif suffix == ".tif":
        tifffile.imwrite(f, (m / 1e9).astype(np.float32), description="DMT Modulus [GPa]")
        out = read_modulus_map(f)
    else:
        np.savetxt(f, m / 1e9, delimiter=",", header="DMTModulus unit: GPa")
        out = read_modulus_map(f)
    assert out.shape == (16, 12)
    assert out == pytest.approx(m, rel=1e-6)


def test_unit_inferred_from_magnitude_or_rejected(tmp_path):
    f = tmp_path / "pa.txt"
    np.savetxt(f, np.full((3, 3), 6.5e9))
    assert read_modulus_map(f)[0, 0] == pytest.approx(6.5e9)
    g = tmp_path / "ambiguous.txt"
    np.savetxt(g, np.full((3, 3), 6500.0))
    with pytest.raises(DataFileError, match="unit"):
        read_modulus_map(g)
    assert read_modulus_map(g, unit="MPa")[0, 0] == pytest.approx(6.5e9)


@pytest.mark.parametrize("name, content, match", [
    ("empty.csv", "", "no data"),
    ("nan.csv", "nan,nan\nnan,nan\n", "no finite pixels"),
    ("ragged.csv", "1,2,3\n4,5\n", "rectangular"),
    ("line.csv", "1,2,3\n", "2-D map"),
    ("map.xyz", "1 2\n3 4\n", "unknown map format"),
    ("junk.npy", "not a numpy file", "cannot read"),
    ("junk.tif", "not a tiff", "cannot read"),
])
def test_bad_maps_raise_data_file_error(tmp_path, name, content, match):
    f = tmp_path / name
    f.write_text(content)
    with pytest.raises(DataFileError, match=match) as err:
        read_modulus_map(f)
    assert name in str(err.value)


def test_bad_arrays():
    with pytest.raises(DataFileError, match="empty"):
        fit_modulus_distribution(np.full((4, 4), np.nan))
    with pytest.raises(DataFileError):
        fit_modulus_distribution(np.array([]))
    with pytest.raises(FitError):
        fit_modulus_distribution(np.full((8, 8), 6.5e9))
    with pytest.raises(DataFileError, match="no such file"):
        read_modulus_map("/nonexistent/map.npy")


def test_analyze_dmt_writes_png_and_json(tmp_path):
    m = synthetic_map([(0.6, 6.5e9, 2.94e9), (0.4, 30e9, 15e9)], shape=(128, 128), seed=4)
    np.save(tmp_path / "tfa.npy", m)
    s = analyze_dmt(tmp_path / "tfa.npy", tmp_path / "res" / "tfa", n_peaks=2)
    assert [p["mean_GPa"] for p in s["peaks"]] == pytest.approx([6.5, 30], rel=0.05)
    assert (tmp_path / "res" / "tfa.png").is_file()
    assert json.loads((tmp_path / "res" / "tfa.json").read_text())["n_peaks"] == 2


def test_c7_answer(tmp_path):
    from tfalab.paper.lab_claims import c7

    a = c7(Context(out=tmp_path))
    v = a.values
    assert v["li_modulus"] == pytest.approx(6.5, rel=0.02)
    assert v["li_fwhm"] == pytest.approx(2.94, rel=0.03)
    # a prediction from homogenisation, between the Li and skeleton moduli
    assert 7.82 < v["tfa_modulus"] < 30
    assert 10 <= v["skeleton_modulus"] <= 50
    assert "method check" in a.notes["li_modulus"]
    assert "prediction" in a.notes["tfa_modulus"]
    assert "not independent" in a.notes["skeleton_modulus"]
    assert all(p.is_file() for p in a.figures)
