"""XRD reference patterns, pattern files and phase identification (tfalab.analysis.xrd)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tfalab.analysis import xrd
from tfalab.errors import DataFileError, FitError, ParameterError, UnknownPhaseError

CANDIDATES = ("Li", "LiBx", "Li6PS5Cl", "Li2S")


@pytest.fixture(scope="module")
def tfa_result() -> xrd.PhaseIdentification:
    pattern = xrd.synthetic_pattern({"Li": 0.6, "LiBx": 0.4}, noise=0.01, background=0.05,
                                    seed=11)
    return xrd.identify_phases(pattern, candidates=CANDIDATES)


def test_reference_structures_match_the_database_densities():
    # g/cm3 from pymatgen vs the materials database (phases.toml)
    assert xrd.reference_structure("Li").density == pytest.approx(0.534, rel=0.01)
    assert xrd.reference_structure("LiBx").density == pytest.approx(1.36, rel=0.01)
    assert xrd.reference_structure("Li6PS5Cl").density == pytest.approx(1.86, rel=0.01)
    assert xrd.reference_structure("Li6PS5Cl").composition.reduced_formula == "Li6PS5Cl"


def test_reference_pattern_positions_follow_braggs_law():
    ref = xrd.reference_pattern("Li", (10, 90), wavelength="CuKa1")
    wl = 1.54056e-10
    d110 = 3.51e-10 / np.sqrt(2)
    assert ref.two_theta[0] == pytest.approx(2 * np.degrees(np.arcsin(wl / (2 * d110))), abs=0.01)
    assert ref.d_spacing[0] == pytest.approx(d110, rel=1e-6)
    assert ref.intensity.max() == pytest.approx(100)
    # LiB: strongest line is (10-10) near 25.6 deg; the alias Li5B4 resolves to LiBx
    lib = xrd.reference_pattern("Li5B4")
    assert lib.phase == "LiBx"
    assert lib.two_theta[np.argmax(lib.intensity)] == pytest.approx(25.6, abs=0.1)


def test_wavelength_as_length():
    a = xrd.reference_pattern("Li", wavelength="1.5406 angstrom")
    b = xrd.reference_pattern("Li", wavelength=1.5406e-10)
    np.testing.assert_allclose(a.two_theta, b.two_theta)
    with pytest.raises(ParameterError):
        xrd.reference_pattern("Li", wavelength=1.5)   # metres: far too long


def test_unknown_phase():
    with pytest.raises(UnknownPhaseError):
        xrd.reference_pattern("unobtainium")


def test_tfa_mixture_finds_li_and_libx(tfa_result):
    assert tfa_result.phases == ("Li", "LiBx")
    assert not tfa_result.candidates["Li6PS5Cl"].present
    assert not tfa_result.candidates["Li2S"].present
    assert tfa_result.weight_fractions["Li"] == pytest.approx(0.6, abs=0.05)
    assert tfa_result.weight_fractions["LiBx"] == pytest.approx(0.4, abs=0.05)
    assert tfa_result.fwhm == pytest.approx(0.15, rel=0.1)
    assert tfa_result.gof == pytest.approx(1.0, abs=0.2)      # noise-limited fit
    assert sum(tfa_result.intensity_fractions.values()) == pytest.approx(1.0)
    json.dumps(tfa_result.to_dict())


def test_skeleton_alone_is_libx_only():
    pattern = xrd.synthetic_pattern({"LiBx": 1.0}, noise=0.02, background=0.1, seed=12)
    result = xrd.identify_phases(pattern, candidates=CANDIDATES)
    assert result.phases == ("LiBx",)
    assert result.weight_fractions == {"LiBx": 1.0}


def test_minor_phase_and_electrolyte_recovered():
    pattern = xrd.synthetic_pattern({"Li": 0.5, "Li6PS5Cl": 0.3, "LiBx": 0.2}, broadening=0.3,
                                    step=0.03, seed=13)
    result = xrd.identify_phases(pattern, candidates=CANDIDATES)
    assert set(result.phases) == {"Li", "Li6PS5Cl", "LiBx"}
    for name, w in {"Li": 0.5, "Li6PS5Cl": 0.3, "LiBx": 0.2}.items():
        assert result.weight_fractions[name] == pytest.approx(w, abs=0.06)


def test_zero_shift_is_refined():
    pattern = xrd.synthetic_pattern({"Li": 0.6, "LiBx": 0.4}, seed=14)
    shifted = xrd.XRDPattern(pattern.two_theta + 0.08, pattern.intensity)
    result = xrd.identify_phases(shifted, candidates=("Li", "LiBx", "Li2S"))
    assert result.phases == ("Li", "LiBx")
    assert result.shift == pytest.approx(0.08, abs=0.02)


def test_noise_only_pattern_has_no_phases():
    rng = np.random.default_rng(0)
    x = np.arange(10, 90, 0.02)
    result = xrd.identify_phases(xrd.XRDPattern(x, 100 + rng.normal(0, 3, x.size)),
                                 candidates=CANDIDATES)
    assert result.phases == ()


def test_flat_pattern_raises_fit_error():
    x = np.arange(10, 90, 0.5)
    with pytest.raises(FitError):
        xrd.identify_phases(xrd.XRDPattern(x, np.ones_like(x)))


def test_read_pattern_formats(tmp_path):
    pattern = xrd.synthetic_pattern({"Li": 1.0}, step=0.1, seed=1)
    xy = tmp_path / "li.xy"
    np.savetxt(xy, np.c_[pattern.two_theta, pattern.intensity], header="2theta intensity")
    csv = tmp_path / "li.csv"
    csv.write_text("2Theta;Counts\n" + "".join(
        f"{t:.2f};{i:.1f}\n" for t, i in zip(pattern.two_theta[::-1], pattern.intensity[::-1],
                                              strict=True)))
    xye = tmp_path / "li.xye"
    np.savetxt(xye, np.c_[pattern.two_theta, pattern.intensity, np.sqrt(np.abs(
        pattern.intensity))])
    for f in (xy, csv, xye):
        p = xrd.read_pattern(f)
        assert p.source == str(f)
        assert p.two_theta[0] == pytest.approx(10.0)
        assert np.all(np.diff(p.two_theta) > 0)
        assert p.intensity.size == pattern.intensity.size


@pytest.mark.parametrize("content, match", [
    ("", "no data rows"),
    ("# only a comment\n", "no data rows"),
    ("10 1\n11 2\n", "at least 10"),
    ("".join(f"{10 + i} {i}\n" for i in range(12)) + "abc def\n", "line 13"),
    ("".join(f"{10 + (i % 5)} {i}\n" for i in range(12)), "not strictly increasing"),
    ("".join(f"{i * 30} {i}\n" for i in range(12)), "outside 0-180"),
])
def test_read_pattern_rejects_bad_files(tmp_path, content, match):
    f = tmp_path / "bad.xy"
    f.write_text(content)
    with pytest.raises(DataFileError, match=match) as info:
        xrd.read_pattern(f)
    assert "bad.xy" in str(info.value)


def test_read_pattern_missing_and_binary(tmp_path):
    with pytest.raises(DataFileError, match=r"nope\.xy"):
        xrd.read_pattern(tmp_path / "nope.xy")
    raw = tmp_path / "scan.raw"
    raw.write_bytes(b"RAW1.01\x00\x00\x01\x02" * 50)
    with pytest.raises(DataFileError, match="binary"):
        xrd.read_pattern(raw)


def test_analyze_xrd_writes_outputs(tmp_path):
    pattern = xrd.synthetic_pattern({"LiBx": 1.0}, seed=5)
    f = tmp_path / "skeleton.xy"
    np.savetxt(f, np.c_[pattern.two_theta, pattern.intensity])
    summary = xrd.analyze_xrd(f, tmp_path / "out" / "skeleton")
    assert summary["phases"] == ["LiBx"]
    assert (tmp_path / "out" / "skeleton.png").stat().st_size > 0
    assert json.loads((tmp_path / "out" / "skeleton.json").read_text())["phases"] == ["LiBx"]


def test_synthetic_pattern_rejects_bad_input():
    with pytest.raises(ParameterError):
        xrd.synthetic_pattern({})
    with pytest.raises(ParameterError):
        xrd.synthetic_pattern({"Li": -1.0})
