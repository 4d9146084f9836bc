"""Bad lab data and microstructure input never reaches the user as a traceback or a silent
wrong number, and no result is lost (issue 20): general checks at the edges (EIS, SIMS, DMT,
XRD, CT readers, microstructure volumes and commands, CellTest files), one test per reported
case, then a table-driven fuzz of ``tfalab analyze ...`` and ``tfalab microstructure ...``."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tfalab.celltest import CellTest
from tfalab.cli import cli
from tfalab.errors import CellTestError, DataFileError, FitError, ParameterError, TfalabError

DATA = Path(__file__).parent / "data"


def _run(args: list[str]) -> tuple[int, str]:
    """Exit code and text of a CLI run; a TfalabError escaping the runner (CliRunner does not
    go through ``main()``, which turns it into exit code 2) counts as exit code 2."""
    res = CliRunner().invoke(cli, args)
    text = res.output
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        assert isinstance(res.exception, TfalabError), repr(res.exception)
        return 2, f"{text}{res.exception}"
    return res.exit_code, text


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """tfalab's example files for every ``analyze`` command, plus a small model volume."""
    from tfalab.example_data import write_example_data
    from tfalab.microstructure import generate

    d = tmp_path_factory.mktemp("examples")
    paths = dict(write_example_data(d))
    paths["npz"] = generate(shape=(12, 12, 12), seed=0).save(d / "volume.npz")
    return paths


def _spectrum_csv(path: Path, f: np.ndarray, z: np.ndarray) -> Path:
    np.savetxt(path, np.c_[f, z.real, z.imag], delimiter=",")
    return path


def _rc(f: np.ndarray) -> np.ndarray:
    return 5 + 10 / (1 + 2j * np.pi * f * 1e-2)


# --- EIS ----------------------------------------------------------------------------------
def test_eis_duplicated_frequencies_are_refused_naming_them(tmp_path: Path) -> None:
    from tfalab.analysis.eis import Spectrum, analyze, check_spectrum, drt, fit_circuit

    f = np.repeat(np.logspace(4, -1, 12), 2)
    s = Spectrum(f, _rc(f))
    for fn in (check_spectrum, drt, lambda s: fit_circuit(s, "R0-p(R1,C1)")):
        with pytest.raises(FitError, match=r"appears 2 times.*average/drop the repeated"):
            fn(s)
    # equal to 1 part in 1e9 is the same frequency (a second sweep written with jitter)
    g = np.logspace(4, -1, 12)
    near = Spectrum(np.r_[g, g * (1 + 1e-13)], np.r_[_rc(g), _rc(g)])
    with pytest.raises(FitError, match="appears 2 times"):
        check_spectrum(near)
    p = _spectrum_csv(tmp_path / "dup.csv", f, _rc(f))
    with pytest.raises(FitError, match=r"dup.csv: frequency .* appears 2 times"):
        analyze(p, tmp_path / "dup")
    code, text = _run(["analyze", "eis", str(p), "--out", str(tmp_path / "o")])
    assert code == 2 and "appears 2 times" in text and not list(tmp_path.glob("o.*"))


def test_eis_zero_tiny_or_huge_impedance_is_refused(tmp_path: Path) -> None:
    from tfalab.analysis.eis import (
        Spectrum,
        analyze,
        fit_circuit,
        fit_high_frequency_intercept,
        initial_guess,
    )

    f = np.logspace(4, -1, 20)
    with pytest.raises(FitError, match="zero at every frequency"):
        analyze(_spectrum_csv(tmp_path / "zero.csv", f, np.zeros(20, complex)), tmp_path / "z")
    # a denormal |Z| used to end in ZeroDivisionError inside the fits
    tiny = Spectrum(f, np.full(20, 5e-324 + 0j))
    for fn in (fit_circuit, fit_high_frequency_intercept, initial_guess):
        with pytest.raises(FitError, match=r"\|Z\| = .* ohm .* is outside"):
            fn(tiny)
    huge = _spectrum_csv(tmp_path / "huge.csv", f, 1e308 * (1 - 1j) * np.ones(20))
    with pytest.raises(FitError, match="outside"):
        analyze(huge, tmp_path / "h")
    with pytest.raises(FitError, match=r"frequency .* Hz is outside"):
        fit_circuit(Spectrum(f * 1e-300, _rc(f)))
    assert not list(tmp_path.glob("*.png"))


def test_eis_spectrum_too_short_to_analyse(tmp_path: Path) -> None:
    from tfalab.analysis.eis import analyze

    p = tmp_path / "two.csv"
    p.write_text("1000,10,-1\n1,30,-8\n")
    with pytest.raises(FitError, match=r"2 point.*at least 5"):
        analyze(p, tmp_path / "two")


# --- SIMS ---------------------------------------------------------------------------------
def _profile(tmp_path: Path, name: str, rows: list[tuple], header: str) -> Path:
    p = tmp_path / name
    p.write_text(header + "\n" + "".join(",".join(str(v) for v in r) + "\n" for r in rows))
    return p


def _decay(i: int) -> float:
    return 0.08 + 0.4 * math.exp(-i / 10)


@pytest.mark.parametrize("rows, match", [
    ([(50 * i, 1.2 * math.exp(-i / 10)) for i in range(40)], r"'6Li/\(6Li\+7Li\)' = 1.2 at data "
                                                             r"row 1 .*within 0-1"),
    ([(50 * i, _decay(i) - 0.3) for i in range(40)], r"'6Li/\(6Li\+7Li\)' = -0.*within 0-1"),
    ([(50 * (i - 5), _decay(i)) for i in range(40)], r"'depth \(nm\)' = -250 at data row 1 .*>= 0"),
    ([(50 * (i % 20), _decay(i % 20)) for i in range(40)], r"must increase row by row.*row 21"),
    ([(50 * i, "nan" if i == 7 else _decay(i)) for i in range(40)], r"non-finite.*data row 8"),
    ([(50 * i if i < 39 else "inf", _decay(i)) for i in range(40)], r"'depth \(nm\)'.*row 40"),
    ([(50 * i, _decay(i)) for i in range(4)], r"fewer than 10 data rows \(4\)"),
])
def test_sims_bad_profiles_are_refused_naming_column_and_row(tmp_path: Path, rows: list,
                                                             match: str) -> None:
    from tfalab.analysis.sims import analyze_sims

    p = _profile(tmp_path, "p.csv", rows, "depth (nm),6Li/(6Li+7Li)")
    with pytest.raises(DataFileError, match=match) as err:
        analyze_sims(p, tmp_path / "out", time="1 h")
    assert "p.csv" in str(err.value)
    assert not (tmp_path / "out.png").exists()


def test_sims_counts_must_be_counts(tmp_path: Path) -> None:
    from tfalab.analysis.sims import read_profile

    neg = _profile(tmp_path, "n.csv", [(50 * i, -5, 900) for i in range(20)], "depth (nm),6Li,7Li")
    with pytest.raises(DataFileError, match=r"'6Li' = -5 .*>= 0"):
        read_profile(neg)
    none = _profile(tmp_path, "z.csv", [(50 * i, 0, 0) for i in range(20)], "depth (nm),6Li,7Li")
    with pytest.raises(DataFileError, match="no Li counted"):
        read_profile(none)


# --- DMT ----------------------------------------------------------------------------------
@pytest.mark.parametrize("values, match", [
    (-np.abs(np.random.default_rng(0).normal(6.5, 1, (32, 32))), "zero or negative"),
    (np.zeros((32, 32)), "zero or negative"),
    (np.where(np.random.default_rng(1).random((32, 32)) < 0.8, np.nan, 6.5), r"hold a number"),
    (np.where(np.arange(1024).reshape(32, 32) == 40, np.inf, 6.5), "row 2, column 9"),
    (np.full((32, 32), 1e300), "outside"),
])
def test_dmt_maps_that_are_not_moduli_are_refused(tmp_path: Path, values: np.ndarray,
                                                  match: str) -> None:
    from tfalab.analysis.dmt import analyze_dmt

    p = tmp_path / "map.npy"
    np.save(p, values)
    with pytest.raises(DataFileError, match=match) as err:
        analyze_dmt(p, tmp_path / "out", unit="GPa")
    assert "map.npy" in str(err.value)


def test_dmt_tolerates_a_few_failed_pixels(tmp_path: Path) -> None:
    from tfalab.analysis.dmt import read_modulus_map, synthetic_map

    m = synthetic_map([(1.0, 6.5e9, 2.94e9)], shape=(64, 64), seed=0)
    m[:3] = np.nan
    m[5, :10] = -1e9
    p = tmp_path / "m.npy"
    np.save(p, m)
    assert np.isnan(read_modulus_map(p)).sum() == 3 * 64


# --- XRD and CT ---------------------------------------------------------------------------
def test_xrd_intensities_must_be_counts(tmp_path: Path, examples: dict[str, Path]) -> None:
    from tfalab.analysis.xrd import read_pattern

    assert read_pattern(examples["xrd"]).intensity.min() < 0  # 2 noisy points: accepted
    x = np.linspace(10, 90, 200)
    p = tmp_path / "sub.xy"
    np.savetxt(p, np.c_[x, 50 * np.sin(x)])  # background-subtracted: half negative
    with pytest.raises(DataFileError, match=r"negative.*background-subtracted"):
        read_pattern(p)
    np.savetxt(p, np.c_[x, np.full(200, 1e300)])
    with pytest.raises(DataFileError, match="beyond"):
        read_pattern(p)
    np.savetxt(p, np.c_[x, -np.ones(200)])
    with pytest.raises(DataFileError, match="no positive intensity"):
        read_pattern(p)


def test_ct_threshold_and_voxel_size_are_checked(tmp_path: Path) -> None:
    from tfalab.analysis import ct

    vol = np.full((12, 10, 10), 200, np.uint8)
    vol[5:7, 3:6, 3:6] = 10
    for thr in (math.nan, 1e300, -5.0, 200.0):
        with pytest.raises(ParameterError, match="threshold"):
            ct.segment(vol, threshold=thr)
    p = tmp_path / "v.npy"
    np.save(p, vol)
    for size in ("1e-300 m", "1 m"):
        with pytest.raises(ParameterError, match=r"voxel_size .* is outside"):
            ct.read_volume(p, size)


# --- microstructure -----------------------------------------------------------------------
def test_metrics_of_a_npy_volume(tmp_path: Path) -> None:
    vol = np.full((12, 10, 10), 200, np.uint8)
    vol[:2] = 10
    vol[5:7, 3:6, 3:6] = 10
    np.save(tmp_path / "scan.npy", vol)
    out = tmp_path / "scan_metrics"
    code, text = _run(["microstructure", "metrics", str(tmp_path / "scan.npy"),
                       "--voxel-size", "0.3 um", "-o", str(out)])
    assert code == 0, text
    summary = json.loads((tmp_path / "scan_metrics.json").read_text())
    assert summary["shape"] == [10, 10, 10] and summary["metrics"]["porosity"] > 0
    assert "effective_parameters" in summary and (tmp_path / "scan_metrics.npz").is_file()


def test_generate_refuses_boxes_beyond_the_budget_before_allocating(tmp_path: Path) -> None:
    out = str(tmp_path / "g")
    t0 = time.perf_counter()
    code, text = _run(["microstructure", "generate", "--shape", "2000", "-o", out])
    assert code == 1 and "134,217,728" in text and "--max-voxels" in text
    assert time.perf_counter() - t0 < 5
    code, text = _run(["microstructure", "generate", "--shape", "16", "--max-voxels", "1000",
                       "-o", out])
    assert code == 1 and "4,096 voxels" in text and "--max-voxels 4096" in text
    # the reported cases: a box thinner than a fibre, fibres far wider than the box
    for args in (["--shape", "2"], ["--shape", "16", "--voxel-size", "1 nm"]):
        code, text = _run(["microstructure", "generate", *args, "-o", out])
        assert code == 1 and "thickest fibre" in text, text
    code, text = _run(["microstructure", "generate", "--shape", "16", "--aspect-ratio", "1e9",
                       "-o", out])
    assert code == 1 and "--max-voxels" in text
    assert not list(tmp_path.iterdir())
    with pytest.raises(ParameterError, match="--max-voxels"):
        from tfalab.microstructure import bare_li

        bare_li((5000, 5000, 5000))


def test_truncated_npz_is_a_data_file_error(tmp_path: Path, examples: dict[str, Path]) -> None:
    from tfalab.microstructure import load

    raw = examples["npz"].read_bytes()
    for name, content in (("trunc.npz", raw[: len(raw) // 2]), ("empty.npz", b""),
                          ("noise.npz", bytes(range(256)) * 8)):
        p = tmp_path / name
        p.write_bytes(content)
        with pytest.raises(DataFileError, match=name):
            load(p)
        code, text = _run(["microstructure", "strip", str(p), "--capacity", "0.01 mAh/cm2",
                           "-o", str(tmp_path / "s")])
        assert code == 1 and name in text and "Traceback" not in text
    np.save(tmp_path / "a.npy", np.ones((4, 4, 4)))
    with pytest.raises(DataFileError, match=r"a.npy.*\.npy array"):
        load(tmp_path / "a.npy")


def test_strip_output_is_literal_and_never_overwrites(tmp_path: Path,
                                                      examples: dict[str, Path]) -> None:
    vol = tmp_path / "vol.npz"
    vol.write_bytes(examples["npz"].read_bytes())
    before = vol.read_bytes()
    args = ["microstructure", "strip", str(vol), "--capacity", "0.01 mAh/cm2"]
    code, text = _run([*args, "-o", str(tmp_path / "vol.stripped")])
    assert code == 0, text
    assert vol.read_bytes() == before
    assert {p.name for p in tmp_path.iterdir()} == {
        "vol.npz", "vol.stripped.npz", "vol.stripped.png", "vol.stripped.json"}
    stamp = (tmp_path / "vol.stripped.npz").stat().st_mtime_ns
    code, text = _run([*args, "-o", str(tmp_path / "vol.stripped")])
    assert code == 1 and "--force" in text
    assert (tmp_path / "vol.stripped.npz").stat().st_mtime_ns == stamp
    assert _run([*args, "-o", str(tmp_path / "vol.stripped"), "--force"])[0] == 0
    for extra in ([], ["--force"]):  # the input itself: never, even with --force
        code, text = _run([*args, "-o", str(tmp_path / "vol"), *extra])
        assert code == 1 and "input" in text
    assert vol.read_bytes() == before


def test_analyze_outputs_never_replace_files_or_the_input(tmp_path: Path,
                                                          examples: dict[str, Path]) -> None:
    out = tmp_path / "r"
    args = ["analyze", "xrd", str(examples["xrd"]), "--out", str(out)]
    assert _run(args)[0] == 0
    stamp = (tmp_path / "r.json").stat().st_mtime_ns
    code, text = _run(args)
    assert code == 2 and "--force" in text
    assert (tmp_path / "r.json").stat().st_mtime_ns == stamp
    assert _run([*args, "--force"])[0] == 0
    src = tmp_path / "in.json"
    src.write_text("{}")  # an input named like an output
    code, text = _run(["analyze", "xrd", str(src), "--out", str(tmp_path / "in"), "--force"])
    assert code == 2 and "input" in text and src.read_text() == "{}"


# --- CellTest -----------------------------------------------------------------------------
def _frame() -> pd.DataFrame:
    n = np.arange(40.0)
    return pd.DataFrame({"Test Time / s": n, "Voltage / V": 0.01 + 0 * n,
                         "Current / A": np.where(n % 20 < 10, 1e-3, -1e-3)})


@pytest.mark.parametrize("raw, match", [
    (b"{not json", "corrupt metadata JSON"),
    (b"\xff\xfe{", "corrupt metadata JSON"),
    (b"[1, 2]", "must be a JSON object, got a JSON list"),
    (b'"text"', "JSON object, got a JSON str"),
])
def test_parquet_with_bad_metadata(tmp_path: Path, raw: bytes, match: str) -> None:
    p = tmp_path / "run.parquet"
    table = pa.Table.from_pandas(_frame(), preserve_index=False)
    pq.write_table(table.replace_schema_metadata({b"tfalab.metadata": raw}), p)
    with pytest.raises(CellTestError, match=match) as err:
        CellTest.load(p)
    assert "run.parquet" in str(err.value)


def test_csv_sidecar_must_be_a_json_object(tmp_path: Path) -> None:
    p = CellTest(_frame()).save(tmp_path / "run.csv")
    (tmp_path / "run.metadata.json").write_text("[1, 2]")
    with pytest.raises(CellTestError, match=r"run.metadata.json.*JSON list"):
        CellTest.load(p)


@pytest.mark.parametrize("col, value", [("Test Time / s", math.inf),
                                        ("Voltage / V", math.nan),
                                        ("Current / A", -math.inf),
                                        ("Voltage / V", 1e300)])
def test_non_finite_time_voltage_current_are_refused_with_the_row(
        tmp_path: Path, col: str, value: float) -> None:
    df = _frame()
    df.loc[12, col] = value
    with pytest.raises(CellTestError, match=rf"{col!r}.* at row 13"):
        CellTest(df)
    df.to_csv(tmp_path / "run.csv", index=False)
    with pytest.raises(CellTestError, match=r"run.csv.* at row 13"):
        CellTest.load(tmp_path / "run.csv")


# --- fuzz of the commands -----------------------------------------------------------------
class Maker:
    """Writes bad input files into a folder; ``ex`` are the good example files."""

    def __init__(self, folder: Path, ex: dict[str, Path]) -> None:
        self.d, self.ex = folder, ex
        folder.mkdir(parents=True, exist_ok=True)

    def text(self, name: str, content: str) -> str:
        (self.d / name).write_text(content)
        return str(self.d / name)

    def bytes(self, name: str, content: bytes) -> str:
        (self.d / name).write_bytes(content)
        return str(self.d / name)

    def npy(self, name: str, arr: np.ndarray) -> str:
        np.save(self.d / name, arr)
        return str(self.d / name)

    def npz(self, name: str, labels: np.ndarray | None, voxel: float, meta: str) -> str:
        kw = {"voxel_size": voxel, "metadata": np.array(meta)}
        if labels is not None:
            kw["labels"] = labels
        np.savez_compressed(self.d / name, **kw)
        return str(self.d / name)

    def cut(self, kind: str, name: str, n: int | None = None) -> str:
        raw = self.ex[kind].read_bytes()
        return self.bytes(name, raw[: len(raw) // 2 if n is None else n])

    def real(self, kind: str) -> str:
        return str(self.ex[kind])


NOISE = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
F = np.logspace(5, -1, 40)
X = np.linspace(10, 90, 400)
RNG = np.random.default_rng(0)
SIMS_H = "depth (nm),6Li/(6Li+7Li)\n"
CYC_H = "Test Time / s,Voltage / V,Current / A\n"


def _rows(fmt: Callable[[int], str], n: int = 60) -> str:
    return "".join(fmt(i) + "\n" for i in range(n))


def _vol() -> np.ndarray:
    v = np.full((12, 10, 10), 200, np.uint8)
    v[:2] = 10
    v[5:7, 3:6, 3:6] = 10
    return v


Case = tuple[str, Callable[[Maker], list[str]]]
_EXT = {"cycling": ".csv", "eis": ".csv", "sims": ".csv", "dmt": ".csv", "xrd": ".xy",
        "ct": ".npy"}
_REAL = {"cycling": ".csv", "eis": ".csv", "sims": ".csv", "dmt": ".tif", "xrd": ".xy",
         "ct": ".tif"}
_OPTS = {"sims": ["--time", "1 h"]}


def _generic() -> list[Case]:
    out: list[Case] = []
    for k, e in _EXT.items():
        a, x = ["analyze", k], _OPTS.get(k, [])
        # binary files are cut in half; text files to their first 70 bytes (a header and
        # a line or two: a shorter but valid text file would be valid data)
        n = None if _REAL[k] == ".tif" else 70
        out += [
            (f"{k}-empty", lambda m, a=a, x=x, e=e: [*a, m.text(f"empty{e}", ""), *x]),
            (f"{k}-blank", lambda m, a=a, x=x, e=e: [*a, m.text(f"b{e}", "\n \n\t\n"), *x]),
            (f"{k}-noise", lambda m, a=a, x=x, e=e: [*a, m.bytes(f"noise{e}", NOISE), *x]),
            (f"{k}-noise-ext", lambda m, a=a, x=x, k=k: [
                *a, m.bytes(f"noise{_REAL[k]}", NOISE), *x]),
            (f"{k}-truncated", lambda m, a=a, x=x, k=k, n=n: [
                *a, m.cut(k, f"cut{_REAL[k]}", n), *x]),
            (f"{k}-garbage", lambda m, a=a, x=x, e=e: [
                *a, m.text(f"g{e}", "hello world\nthis is not data\n"), *x]),
        ]
    return out


CASES: list[Case] = [
    *_generic(),
    # cycling
    ("cycling-wrong-columns", lambda m: ["analyze", "cycling", m.text("w.csv", "a,b\n1,2\n")]),
    ("cycling-nan", lambda m: ["analyze", "cycling", m.text(
        "n.csv", CYC_H + _rows(lambda i: f"{i},nan,nan"))]),
    ("cycling-inf-time", lambda m: ["analyze", "cycling", m.text("i.csv", CYC_H + _rows(
        lambda i: f"{'inf' if i == 20 else i},0.01,{1e-3 if i // 10 % 2 else -1e-3}"))]),
    ("cycling-huge", lambda m: ["analyze", "cycling", m.text(
        "h.csv", CYC_H + _rows(lambda i: f"{i},1e308,1e308"))]),
    ("cycling-time-back", lambda m: ["analyze", "cycling", m.text(
        "b.csv", CYC_H + _rows(lambda i: f"{60 - i},0.01,1e-3"))]),
    ("cycling-area-unit", lambda m: ["analyze", "cycling", m.real("cycling"),
                                     "--area", "5 parsecs"]),
    ("cycling-area-negative", lambda m: ["analyze", "cycling", m.real("cycling"),
                                         "--area", "-1 cm2"]),
    ("cycling-area-zero", lambda m: ["analyze", "cycling", m.real("cycling"), "--area", "0 m2"]),
    ("cycling-area-nan", lambda m: ["analyze", "cycling", m.real("cycling"),
                                    "--area", "nan cm2"]),
    # eis
    ("eis-wrong-columns", lambda m: ["analyze", "eis", m.text("w.csv", "a,b,c\n1,2,3\n")]),
    ("eis-nan", lambda m: ["analyze", "eis", m.text("n.csv", "".join(
        f"{f},nan,nan\n" for f in F))]),
    ("eis-inf", lambda m: ["analyze", "eis", m.text("i.csv", "".join(
        f"{f},inf,-1\n" for f in F))]),
    ("eis-duplicated", lambda m: ["analyze", "eis", m.text("d.csv", "".join(
        f"{f},{10 + i},{-1 - i}\n" for i, f in enumerate(np.repeat(F[:10], 2))))]),
    ("eis-all-zero", lambda m: ["analyze", "eis", m.text("z.csv", "".join(
        f"{f},0,0\n" for f in F))]),
    ("eis-denormal", lambda m: ["analyze", "eis", m.text("dn.csv", "".join(
        f"{f},5e-324,0\n" for f in F))]),
    ("eis-huge", lambda m: ["analyze", "eis", m.text("h.csv", "".join(
        f"{f},1e308,-1e308\n" for f in F))]),
    ("eis-negative-frequency", lambda m: ["analyze", "eis", m.text("nf.csv", "".join(
        f"{-f},10,-1\n" for f in F))]),
    ("eis-zero-frequency", lambda m: ["analyze", "eis", m.text("zf.csv", "".join(
        f"0,{10 + i},-1\n" for i in range(40)))]),
    ("eis-two-points", lambda m: ["analyze", "eis", m.text("2.csv", "1000,10,-1\n1,30,-8\n")]),
    ("eis-area-unit", lambda m: ["analyze", "eis", m.real("eis"), "--area", "3 kg"]),
    ("eis-area-negative", lambda m: ["analyze", "eis", m.real("eis"), "--area", "-1 cm2"]),
    ("eis-bad-circuit", lambda m: ["analyze", "eis", m.real("eis"), "--circuit", "R0-p(R1,"]),
    ("eis-unknown-format", lambda m: ["analyze", "eis", m.real("eis"), "--format", "excel"]),
    ("eis-wrong-format", lambda m: ["analyze", "eis", m.real("eis"), "--format", "gamry"]),
    ("eis-mpr-of-text", lambda m: ["analyze", "eis", m.real("eis"),
                                   "--format", "biologic-mpr"]),
    # sims
    ("sims-fraction-above-1", lambda m: ["analyze", "sims", m.text("a.csv", SIMS_H + _rows(
        lambda i: f"{50 * i},{1.5 * math.exp(-i / 10)}")), "--time", "1 h"]),
    ("sims-fraction-below-0", lambda m: ["analyze", "sims", m.text("b.csv", SIMS_H + _rows(
        lambda i: f"{50 * i},{_decay(i) - 0.3}")), "--time", "1 h"]),
    ("sims-negative-depth", lambda m: ["analyze", "sims", m.text("c.csv", SIMS_H + _rows(
        lambda i: f"{50 * (i - 30)},{_decay(i)}")), "--time", "1 h"]),
    ("sims-non-monotonic", lambda m: ["analyze", "sims", m.text("d.csv", SIMS_H + _rows(
        lambda i: f"{50 * (i % 30)},{_decay(i % 30)}")), "--time", "1 h"]),
    ("sims-nan", lambda m: ["analyze", "sims", m.text("e.csv", SIMS_H + _rows(
        lambda i: f"{50 * i},{'nan' if i % 7 == 3 else _decay(i)}")), "--time", "1 h"]),
    ("sims-inf", lambda m: ["analyze", "sims", m.text("f.csv", SIMS_H + _rows(
        lambda i: f"{'inf' if i == 59 else 50 * i},{_decay(i)}")), "--time", "1 h"]),
    ("sims-few-points", lambda m: ["analyze", "sims", m.text(
        "g.csv", SIMS_H + "0,0.5\n100,0.3\n200,0.1\n"), "--time", "1 h"]),
    ("sims-wrong-columns", lambda m: ["analyze", "sims", m.text("h.csv", "a,b\n1,2\n3,4\n"),
                                      "--time", "1 h"]),
    ("sims-no-depth-unit", lambda m: ["analyze", "sims", m.text("i.csv", "depth,6Li/(6Li+7Li)\n"
                                      + _rows(lambda i: f"{i},{_decay(i)}")), "--time", "1 h"]),
    ("sims-negative-counts", lambda m: ["analyze", "sims", m.text(
        "j.csv", "depth (nm),6Li,7Li\n" + _rows(lambda i: f"{50 * i},{-100 - i},900")),
        "--time", "1 h"]),
    ("sims-zero-counts", lambda m: ["analyze", "sims", m.text(
        "k.csv", "depth (nm),6Li,7Li\n" + _rows(lambda i: f"{50 * i},0,0")), "--time", "1 h"]),
    ("sims-huge-counts", lambda m: ["analyze", "sims", m.text(
        "l.csv", "depth (nm),6Li counts\n" + _rows(lambda i: f"{50 * i},1e308")),
        "--time", "1 h"]),
    ("sims-time-unit", lambda m: ["analyze", "sims", m.real("sims"), "--time", "1 kg"]),
    ("sims-time-negative", lambda m: ["analyze", "sims", m.real("sims"), "--time", "-1 h"]),
    ("sims-time-zero", lambda m: ["analyze", "sims", m.real("sims"), "--time", "0 s"]),
    ("sims-resolution-unit", lambda m: ["analyze", "sims", m.real("sims"), "--time", "1 h",
                                        "--depth-resolution", "5 volts"]),
    ("sims-resolution-negative", lambda m: ["analyze", "sims", m.real("sims"), "--time", "1 h",
                                            "--depth-resolution", "-100 nm"]),
    ("sims-resolution-huge", lambda m: ["analyze", "sims", m.real("sims"), "--time", "1 h",
                                        "--depth-resolution", "1 m"]),
    # dmt
    ("dmt-all-negative", lambda m: ["analyze", "dmt", m.npy(
        "a.npy", -np.abs(RNG.normal(6.5, 1, (32, 32)))), "--unit", "GPa"]),
    ("dmt-all-zero", lambda m: ["analyze", "dmt", m.npy("b.npy", np.zeros((32, 32))),
                                "--unit", "GPa"]),
    ("dmt-all-nan", lambda m: ["analyze", "dmt", m.npy("c.npy", np.full((32, 32), np.nan))]),
    ("dmt-mostly-nan", lambda m: ["analyze", "dmt", m.npy("d.npy", np.where(
        RNG.random((32, 32)) < 0.9, np.nan, 6.5)), "--unit", "GPa"]),
    ("dmt-inf", lambda m: ["analyze", "dmt", m.npy("e.npy", np.where(
        RNG.random((32, 32)) < 0.3, np.inf, 6.5)), "--unit", "GPa"]),
    ("dmt-huge", lambda m: ["analyze", "dmt", m.npy("f.npy", RNG.normal(1e300, 1e299, (32, 32))),
                            "--unit", "GPa"]),
    ("dmt-1d", lambda m: ["analyze", "dmt", m.npy("g.npy", RNG.normal(6.5, 1, 100))]),
    ("dmt-3d", lambda m: ["analyze", "dmt", m.npy("h.npy", RNG.normal(6.5, 1, (4, 8, 8)))]),
    ("dmt-strings", lambda m: ["analyze", "dmt", m.text("i.csv", "a,b,c\nx,y,z\nu,v,w\n")]),
    ("dmt-ragged", lambda m: ["analyze", "dmt", m.text("j.csv", "1,2,3\n4,5\n6\n")]),
    ("dmt-constant", lambda m: ["analyze", "dmt", m.npy("k.npy", np.full((32, 32), 6.5)),
                                "--unit", "GPa"]),
    ("dmt-complex", lambda m: ["analyze", "dmt", m.npy("l.npy", np.full((32, 32), 6.5 + 1j)),
                               "--unit", "GPa"]),
    ("dmt-unit-unknown", lambda m: ["analyze", "dmt", m.real("dmt"), "--unit", "furlong"]),
    ("dmt-unit-length", lambda m: ["analyze", "dmt", m.real("dmt"), "--unit", "m"]),
    ("dmt-zero-peaks", lambda m: ["analyze", "dmt", m.real("dmt"), "--peaks", "0"]),
    ("dmt-negative-peaks", lambda m: ["analyze", "dmt", m.real("dmt"), "--peaks", "-2"]),
    ("dmt-many-peaks", lambda m: ["analyze", "dmt", m.real("dmt"), "--peaks", "100000"]),
    ("dmt-peaks-word", lambda m: ["analyze", "dmt", m.real("dmt"), "--peaks", "two"]),
    ("dmt-more-peaks-than-bins", lambda m: ["analyze", "dmt", m.real("dmt"), "--peaks", "20"]),
    ("dmt-a-table-not-a-map", lambda m: ["analyze", "dmt", m.real("sims")]),
    ("dmt-a-spectrum-not-a-map", lambda m: ["analyze", "dmt", m.real("eis")]),
    # xrd
    ("xrd-negative", lambda m: ["analyze", "xrd", m.text("a.xy", "".join(
        f"{a} {-100 - 50 * np.sin(a)}\n" for a in X))]),
    ("xrd-two-scans", lambda m: ["analyze", "xrd", m.text("b.xy", "".join(
        f"{a} 100\n" for a in np.r_[X[:200], X[100:300]]))]),
    ("xrd-duplicated", lambda m: ["analyze", "xrd", m.text("c.xy", "".join(
        f"{a} 100\n" for a in np.repeat(X[:50], 2)))]),
    ("xrd-nan", lambda m: ["analyze", "xrd", m.text("d.xy", "".join(
        f"{a} {'nan' if i % 5 == 0 else 100}\n" for i, a in enumerate(X)))]),
    ("xrd-inf", lambda m: ["analyze", "xrd", m.text("e.xy", "".join(
        f"{a} {'inf' if i == 100 else 100}\n" for i, a in enumerate(X)))]),
    ("xrd-huge", lambda m: ["analyze", "xrd", m.text("f.xy", "".join(
        f"{a} {1e308 * (0.5 + 0.4 * np.sin(a))}\n" for a in X))]),
    ("xrd-flat", lambda m: ["analyze", "xrd", m.text("g.xy", "".join(f"{a} 100\n" for a in X))]),
    ("xrd-zero", lambda m: ["analyze", "xrd", m.text("h.xy", "".join(f"{a} 0\n" for a in X))]),
    ("xrd-beyond-180", lambda m: ["analyze", "xrd", m.text("i.xy", "".join(
        f"{3 * a} 100\n" for a in X))]),
    ("xrd-one-column", lambda m: ["analyze", "xrd", m.text("j.xy", "".join(f"{a}\n" for a in X))]),
    ("xrd-few-rows", lambda m: ["analyze", "xrd", m.text("k.xy", "10 1\n20 2\n30 3\n")]),
    ("xrd-unknown-phase", lambda m: ["analyze", "xrd", m.real("xrd"),
                                     "--candidates", "Unobtainium"]),
    ("xrd-no-phase", lambda m: ["analyze", "xrd", m.real("xrd"), "--candidates", " , "]),
    # ct
    ("ct-2d", lambda m: ["analyze", "ct", m.npy("a.npy", _vol()[0])]),
    ("ct-4d", lambda m: ["analyze", "ct", m.npy("b.npy", np.stack([_vol(), _vol()]))]),
    ("ct-nan", lambda m: ["analyze", "ct", m.npy("c.npy", np.where(_vol() > 100, np.nan, 1.0))]),
    ("ct-inf", lambda m: ["analyze", "ct", m.npy("d.npy", np.where(_vol() > 100, np.inf, 1.0))]),
    ("ct-constant", lambda m: ["analyze", "ct", m.npy("e.npy", np.full((8, 8, 8), 7.0))]),
    ("ct-complex", lambda m: ["analyze", "ct", m.npy("f.npy", _vol().astype(complex))]),
    ("ct-thin", lambda m: ["analyze", "ct", m.npy("g.npy", _vol()[:1])]),
    ("ct-empty-array", lambda m: ["analyze", "ct", m.npy("h.npy", np.zeros((0, 4, 4)))]),
    ("ct-empty-folder", lambda m: ["analyze", "ct", str((m.d / "slices").mkdir() or
                                                        m.d / "slices")]),
    ("ct-unknown-suffix", lambda m: ["analyze", "ct", m.text("i.xyz", "1 2 3\n")]),
    ("ct-voxel-unit", lambda m: ["analyze", "ct", m.npy("j.npy", _vol()), "--voxel-size",
                                 "3 kg"]),
    ("ct-voxel-negative", lambda m: ["analyze", "ct", m.npy("k.npy", _vol()), "--voxel-size",
                                     "-0.3 um"]),
    ("ct-voxel-zero", lambda m: ["analyze", "ct", m.npy("l.npy", _vol()), "--voxel-size", "0 m"]),
    ("ct-voxel-huge", lambda m: ["analyze", "ct", m.npy("m.npy", _vol()), "--voxel-size", "1 km"]),
    ("ct-threshold-nan", lambda m: ["analyze", "ct", m.npy("n.npy", _vol()), "--threshold",
                                    "nan"]),
    ("ct-threshold-huge", lambda m: ["analyze", "ct", m.npy("o.npy", _vol()), "--threshold",
                                     "1e300"]),
    ("ct-threshold-word", lambda m: ["analyze", "ct", m.npy("p.npy", _vol()), "--threshold",
                                     "high"]),
    ("ct-all-pore", lambda m: ["analyze", "ct", m.npy("q.npy", _vol()), "--pore", "bright",
                               "--threshold", "5"]),
    # microstructure: files
    ("ms-metrics-2d-npy", lambda m: ["microstructure", "metrics", m.npy("a.npy", _vol()[0])]),
    ("ms-metrics-nan-npy", lambda m: ["microstructure", "metrics", m.npy(
        "b.npy", np.full((8, 8, 8), np.nan))]),
    ("ms-metrics-truncated", lambda m: ["microstructure", "metrics", m.cut("npz", "c.npz")]),
    ("ms-metrics-empty", lambda m: ["microstructure", "metrics", m.bytes("d.npz", b"")]),
    ("ms-metrics-noise", lambda m: ["microstructure", "metrics", m.bytes("e.npz", NOISE)]),
    ("ms-metrics-noise-tif", lambda m: ["microstructure", "metrics", m.bytes("f.tif", NOISE)]),
    ("ms-metrics-text", lambda m: ["microstructure", "metrics", m.text("g.txt", "hello\n")]),
    ("ms-metrics-labels-9", lambda m: ["microstructure", "metrics", m.npz(
        "h.npz", np.full((4, 4, 4), 9, np.uint8), 1e-7, '{"voxel_size": 1e-7}')]),
    ("ms-metrics-labels-float", lambda m: ["microstructure", "metrics", m.npz(
        "i.npz", np.full((4, 4, 4), 0.5), 1e-7, '{"voxel_size": 1e-7}')]),
    ("ms-metrics-voxel-negative", lambda m: ["microstructure", "metrics", m.npz(
        "j.npz", np.ones((4, 4, 4), np.uint8), -1.0, '{"voxel_size": -1}')]),
    ("ms-metrics-meta-corrupt", lambda m: ["microstructure", "metrics", m.npz(
        "k.npz", np.ones((4, 4, 4), np.uint8), 1e-7, "{not json")]),
    ("ms-metrics-meta-list", lambda m: ["microstructure", "metrics", m.npz(
        "l.npz", np.ones((4, 4, 4), np.uint8), 1e-7, "[1, 2]")]),
    ("ms-metrics-no-labels", lambda m: ["microstructure", "metrics", m.npz(
        "n.npz", None, 1e-7, "{}")]),
    ("ms-metrics-all-outside", lambda m: ["microstructure", "metrics", m.npz(
        "q.npz", np.full((6, 6, 6), 3, np.uint8), 1e-7, '{"voxel_size": 1e-7}')]),
    ("ms-metrics-all-pore", lambda m: ["microstructure", "metrics", m.npz(
        "r.npz", np.zeros((6, 6, 6), np.uint8), 1e-7, '{"voxel_size": 1e-7}')]),
    ("ms-metrics-outside-at-face", lambda m: ["microstructure", "metrics", m.npz(
        "s.npz", np.r_[np.full((1, 4, 4), 3), np.ones((3, 4, 4))].astype(np.uint8), 1e-7,
        '{"voxel_size": 1e-7}')]),
    ("ms-metrics-skeleton-threshold-nan", lambda m: [
        "microstructure", "metrics", m.npy("t.npy", _vol()), "--skeleton-threshold", "nan"]),
    ("ms-metrics-threshold-huge", lambda m: [
        "microstructure", "metrics", m.npy("u.npy", _vol()), "--threshold", "1e300"]),
    ("ms-metrics-voxel-unit", lambda m: [
        "microstructure", "metrics", m.npy("v.npy", _vol()), "--voxel-size", "3 kg"]),
    ("ms-strip-truncated", lambda m: ["microstructure", "strip", m.cut("npz", "o.npz"),
                                      "--capacity", "0.01 mAh/cm2"]),
    ("ms-plate-noise", lambda m: ["microstructure", "plate", m.bytes("p.npz", NOISE),
                                  "--capacity", "0.01 mAh/cm2"]),
    # microstructure: options
    ("ms-strip-capacity-unit", lambda m: ["microstructure", "strip", m.real("npz"),
                                          "--capacity", "5 volts"]),
    ("ms-strip-capacity-negative", lambda m: ["microstructure", "strip", m.real("npz"),
                                              "--capacity", "-5 mAh/cm2"]),
    ("ms-strip-capacity-huge", lambda m: ["microstructure", "strip", m.real("npz"),
                                          "--capacity", "1e30 mAh/cm2"]),
    ("ms-strip-capacity-nan", lambda m: ["microstructure", "strip", m.real("npz"),
                                         "--capacity", "nan mAh/cm2"]),
    ("ms-strip-collapse-2", lambda m: ["microstructure", "strip", m.real("npz"), "--capacity",
                                       "0.01 mAh/cm2", "--collapse", "2"]),
    ("ms-strip-collapse-word", lambda m: ["microstructure", "strip", m.real("npz"),
                                          "--capacity", "0.01 mAh/cm2", "--collapse", "soft"]),
    ("ms-strip-seed-negative", lambda m: ["microstructure", "strip", m.real("npz"),
                                          "--capacity", "0.01 mAh/cm2", "--seed", "-1"]),
    ("ms-plate-capacity-huge", lambda m: ["microstructure", "plate", m.real("npz"),
                                          "--capacity", "1e6 mAh/cm2"]),
    ("ms-plate-capacity-unit", lambda m: ["microstructure", "plate", m.real("npz"),
                                          "--capacity", "1 h"]),
    ("ms-gen-shape-2", lambda m: ["microstructure", "generate", "--shape", "2"]),
    ("ms-gen-shape-0", lambda m: ["microstructure", "generate", "--shape", "0"]),
    ("ms-gen-shape-negative", lambda m: ["microstructure", "generate", "--shape", "-8"]),
    ("ms-gen-shape-huge", lambda m: ["microstructure", "generate", "--shape", "100000"]),
    ("ms-gen-shape-word", lambda m: ["microstructure", "generate", "--shape", "big"]),
    ("ms-gen-shape-4d", lambda m: ["microstructure", "generate", "--shape", "8x8x8x8"]),
    ("ms-gen-voxel-1nm", lambda m: ["microstructure", "generate", "--shape", "16",
                                    "--voxel-size", "1 nm"]),
    ("ms-gen-voxel-1mm", lambda m: ["microstructure", "generate", "--shape", "16",
                                    "--voxel-size", "1 mm"]),
    ("ms-gen-voxel-negative", lambda m: ["microstructure", "generate", "--shape", "16",
                                         "--voxel-size", "-100 nm"]),
    ("ms-gen-voxel-unit", lambda m: ["microstructure", "generate", "--shape", "16",
                                     "--voxel-size", "100 kg"]),
    ("ms-gen-voxel-tiny", lambda m: ["microstructure", "generate", "--shape", "16",
                                     "--voxel-size", "1e-300 m"]),
    ("ms-gen-free-li-150", lambda m: ["microstructure", "generate", "--shape", "16",
                                      "--free-li", "150 wt%"]),
    ("ms-gen-porosity-negative", lambda m: ["microstructure", "generate", "--shape", "16",
                                            "--porosity", "-5 %"]),
    ("ms-gen-porosity-100", lambda m: ["microstructure", "generate", "--shape", "16",
                                       "--porosity", "100 %"]),
    ("ms-gen-one-diameter", lambda m: ["microstructure", "generate", "--shape", "16",
                                       "--diameters", "100 nm"]),
    ("ms-gen-diameter-negative", lambda m: ["microstructure", "generate", "--shape", "16",
                                            "--diameters", "-1 nm,400 nm"]),
    ("ms-gen-diameter-huge", lambda m: ["microstructure", "generate", "--shape", "16",
                                        "--diameters", "1 m,2 m"]),
    ("ms-gen-aspect-0", lambda m: ["microstructure", "generate", "--shape", "16",
                                   "--aspect-ratio", "0"]),
    ("ms-gen-aspect-huge", lambda m: ["microstructure", "generate", "--shape", "16",
                                      "--aspect-ratio", "1e12"]),
    ("ms-gen-aspect-nan", lambda m: ["microstructure", "generate", "--shape", "16",
                                     "--aspect-ratio", "nan"]),
    ("ms-gen-tilt-200", lambda m: ["microstructure", "generate", "--shape", "16",
                                   "--max-tilt", "200"]),
    ("ms-gen-seed-negative", lambda m: ["microstructure", "generate", "--shape", "16",
                                        "--seed", "-3"]),
    ("ms-gen-cell-1nm", lambda m: ["microstructure", "generate", "--shape", "16",
                                   "--cell-size", "1 nm"]),
    ("ms-gen-cell-word", lambda m: ["microstructure", "generate", "--shape", "16",
                                    "--cell-size", "huge"]),
    ("ms-gen-max-voxels-0", lambda m: ["microstructure", "generate", "--shape", "16",
                                       "--max-voxels", "0"]),
    ("ms-gen-bare-huge", lambda m: ["microstructure", "generate", "--bare", "--shape", "5000"]),
    ("ms-gen-bare-negative", lambda m: ["microstructure", "generate", "--bare", "--shape", "-4"]),
]


def _data_cases() -> list:
    """tests/data files cut short or with their middle scrambled, for analyze cycling/eis."""
    cases = []
    for f in sorted(DATA.iterdir()):
        if f.suffix in (".md", ".res"):  # .res: mdbtools reads what it can (see below)
            continue
        kind = "eis" if f.name.startswith("eis") else "cycling"
        text = f.suffix in (".csv", ".txt", ".mpt", ".DTA", ".z")
        for frac in (0.01, 0.1) if text else (0.01, 0.1, 0.5, 0.9):
            cases.append(pytest.param(
                f"{kind}-{f.name}-cut{int(100 * frac)}",
                lambda m, f=f, frac=frac, kind=kind: ["analyze", kind, m.bytes(
                    f"cut_{f.name}", f.read_bytes()[: int(f.stat().st_size * frac)])],
                id=f"data-{f.name}-cut{int(100 * frac)}"))
    return cases


def _scrambled(f: Path) -> Callable[[Maker], list[str]]:
    def make(m: Maker) -> list[str]:
        b = bytearray(f.read_bytes())
        rng = np.random.default_rng(1)
        for i in rng.integers(len(b) // 4, len(b), 200):
            b[i] = int(rng.integers(0, 256))
        return ["analyze", "cycling", m.bytes(f"x_{f.name}", bytes(b))]
    return make


FUZZ = [pytest.param(cid, make, id=cid) for cid, make in CASES] + _data_cases() + [
    pytest.param("cycling-mpr-scrambled", _scrambled(DATA / "cycler_navani_00_test_02_MB_C01.mpr"),
                 id="cycling-mpr-scrambled"),
    pytest.param("cycling-xlsx-scrambled", _scrambled(DATA / "cycler_navani_arbin_Channel_11.xlsx"),
                 id="cycling-xlsx-scrambled"),
    pytest.param("cycling-ndax-scrambled", _scrambled(DATA / "cycler_navani_test.ndax"),
                 id="cycling-ndax-scrambled"),
    pytest.param("cycling-parquet-bad-metadata", lambda m: ["analyze", "cycling", _bad_parquet(
        m.d / "meta.parquet")], id="cycling-parquet-bad-metadata"),
]


def _bad_parquet(path: Path) -> str:
    table = pa.Table.from_pandas(_frame(), preserve_index=False)
    pq.write_table(table.replace_schema_metadata({b"tfalab.metadata": b"{not json"}), path)
    return str(path)


def _files(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("cid, make", FUZZ)
def test_fuzz_bad_input_gives_an_error_not_a_traceback(
        cid: str, make: Callable[[Maker], list[str]], tmp_path: Path,
        examples: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit code 1 or 2 (a TfalabError escaping the runner counts as 2), no traceback, and
    no file written anywhere but under --out (nor an input touched)."""
    args = make(Maker(tmp_path / "in", examples))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    roots = (tmp_path, examples["xrd"].parent)
    before = {p: t for r in roots for p, t in _files(r).items()}
    out = tmp_path / "out"
    code, text = _run([*args, "--out", str(out / "result")])
    assert code in (1, 2), f"{cid}: exit {code}\n{text}"
    assert "Traceback" not in text
    after = {p: t for r in roots for p, t in _files(r).items()}
    changed = [p for p, t in after.items() if before.get(p) != t and out not in p.parents]
    assert not changed, f"{cid}: wrote {changed}"
    assert not list(out.glob("result.*"))


def test_fuzz_table_is_large() -> None:
    assert len(FUZZ) >= 60
