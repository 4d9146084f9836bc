"""Every README command runs as written; the example files hold what they say.

The README's ``bash`` blocks are parsed line by line (backslash continuations joined, trailing
``# comments`` dropped, ``shlex`` quoting) and each ``tfalab`` command line is run in-process
with click's CliRunner (on ``tfalab.cli.cli``, the command group that the ``tfalab`` entry
point ``tfalab.cli.main`` runs) in a temporary working folder, after the README's
``tfalab example-data`` line. Slow commands (reproduce, simulate, ccd, validate, fit,
calibrate) run only in the ``slow``-marked tests. The README's ``python`` blocks are executed.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tfalab.cli import cli
from tfalab.example_data import (
    EXAMPLE_FILES,
    TRUE_VALUES,
    ExampleDataError,
    write_example_data,
)

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: tfalab subcommands run by the fast test (plus any line with --help)
FAST = ("analyze", "example-data", "design", "builds", "--version")
#: tfalab subcommands too slow for the fast test
SLOW = ("reproduce", "simulate", "ccd", "validate", "fit", "calibrate", "sweep", "optimize",
        "sweep-plot")
#: tfalab subcommands that serve until stopped: started as a process, fetched, stopped
SERVE = ("explore",)


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}[ \t]*\n(.*?)^```", README.read_text("utf-8"), re.M | re.S)


def _lines(block: str) -> list[str]:
    """Logical command lines of a shell block: continuations joined, blanks and comments out."""
    joined = re.sub(r"\\[ \t]*\n", " ", block)
    return [ln.strip() for ln in joined.splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def _tfalab_commands() -> list[list[str]]:
    """Arguments (after ``tfalab``) of every tfalab command line of the README's bash blocks."""
    out = []
    for block in _blocks("bash"):
        for line in _lines(block):
            words = shlex.split(line, comments=True)
            if words and words[0] == "tfalab":
                out.append(words[1:])
    return out


def _is_fast(args: list[str]) -> bool:
    return "--help" in args or (bool(args) and args[0] in FAST)


COMMANDS = _tfalab_commands()
FAST_COMMANDS = [a for a in COMMANDS if _is_fast(a)]


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    detail = ""
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        detail = "".join(traceback.format_exception(*result.exc_info))
    assert result.exit_code == 0, f"tfalab {shlex.join(args)}\n{result.output}\n{detail}"


def test_readme_has_the_commands():
    assert [a for a in COMMANDS if a[:1] == ["example-data"]], "no 'tfalab example-data' line"
    kinds = {a[1] for a in COMMANDS if a[:1] == ["analyze"]}
    assert kinds >= {"cycling", "eis", "sims", "dmt", "xrd", "ct"}
    for args in COMMANDS:  # a new subcommand must be sorted into FAST or SLOW
        assert _is_fast(args) or args[0] in SLOW + SERVE, f"unclassified README line: {args}"


def test_line_parsing():
    block = 'tfalab a --x "1 h" \\\n    --y 2   # note\n# comment\n\nmake test\n'
    assert _lines(block) == ['tfalab a --x "1 h"      --y 2   # note', "make test"]
    assert shlex.split(_lines(block)[0], comments=True) == ["tfalab", "a", "--x", "1 h", "--y",
                                                            "2"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A working folder in which the README's example-data line(s) have run."""
    d = tmp_path_factory.mktemp("readme")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(d)
        for args in COMMANDS:
            if args[:1] == ["example-data"]:
                _run(args)
    return d


@pytest.mark.parametrize("args", FAST_COMMANDS, ids=[" ".join(a) for a in FAST_COMMANDS])
def test_readme_command(args, workdir, tmp_path, monkeypatch):
    # example-data runs in a fresh folder (it refuses to overwrite); the rest read its files
    monkeypatch.chdir(tmp_path if args[:1] == ["example-data"] else workdir)
    _run(args)


@pytest.mark.slow
def test_readme_simulate_symmetric_commands(tmp_path, monkeypatch):
    """The README's fit and simulate-symmetric lines, in order (one simulates the fitted build;
    the fit reads examples/fit/ relative to the repository root, copied here)."""
    shutil.copytree(ROOT / "examples" / "fit", tmp_path / "examples" / "fit")
    monkeypatch.chdir(tmp_path)
    lines = [a for a in COMMANDS if a[:1] == ["fit"] or a[:2] == ["simulate", "symmetric"]]
    assert len(lines) >= 2
    for args in lines:
        _run(args)
    assert (tmp_path / "fit_out" / "fit.toml").is_file()


SERVE_COMMANDS = [a for a in COMMANDS if a[:1] == ["explore"] and "--help" not in a]


@pytest.mark.slow
@pytest.mark.parametrize("args", SERVE_COMMANDS, ids=[" ".join(a) for a in SERVE_COMMANDS])
def test_readme_explore_command(args, tmp_path):
    """The README's ``tfalab explore`` lines serve a page (on a free port, no browser opened)
    and stop cleanly on Ctrl-C."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    exe = Path(sys.executable).with_name("tfalab")
    proc = subprocess.Popen([str(exe), *args, "--port", "0", "--no-browser"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", proc.stdout.readline())
            url = m.group(1) if m else None
        assert url, proc.stderr.read()[-2000:]
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and b"bokeh" in page.read().lower()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(15)
    assert proc.returncode == 0, proc.stderr.read()[-2000:]


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_readme_python_block(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = _blocks("python")[index]
    exec(compile(code, f"README.md python block {index + 1}", "exec"), {})


# --- the example files ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> dict[str, Path]:
    return write_example_data(tmp_path_factory.mktemp("examples"))


def test_example_files_small_and_named(examples):
    assert {k: p.name for k, p in examples.items()} == EXAMPLE_FILES
    sizes = {k: p.stat().st_size for k, p in examples.items()}
    assert all(0 < s < 1_000_000 for s in sizes.values()), sizes
    assert sum(sizes.values()) < 3_000_000
    readme = examples["readme"].read_text("utf-8")
    for name in EXAMPLE_FILES.values():
        assert name in readme or name == "README.txt"
    assert "synthetic" in readme and "BSD-3-Clause" in readme


def test_refuses_to_overwrite(tmp_path):
    write_example_data(tmp_path)
    before = (tmp_path / "spectrum.csv").read_bytes()
    (tmp_path / "spectrum.csv").write_text("mine")
    with pytest.raises(ExampleDataError, match=r"cycling\.csv exists"):
        write_example_data(tmp_path)
    assert (tmp_path / "spectrum.csv").read_text() == "mine"  # nothing written
    with pytest.raises(FileExistsError):  # also a built-in FileExistsError
        write_example_data(tmp_path)
    write_example_data(tmp_path, overwrite=True)
    assert (tmp_path / "spectrum.csv").read_bytes() == before  # deterministic
    (tmp_path / "other").write_text("")
    with pytest.raises(ExampleDataError, match="other"):
        write_example_data(tmp_path / "other")


def test_refusal_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run(["example-data", "ex"])
    (tmp_path / "ex" / "volume.tif").unlink()
    result = CliRunner().invoke(cli, ["example-data", "ex"])
    assert result.exit_code != 0 and isinstance(result.exception, ExampleDataError)
    assert "cycling.csv" in str(result.exception)
    _run(["example-data", "ex", "--overwrite"])
    assert (tmp_path / "ex" / "volume.tif").is_file()


def test_deterministic(examples, tmp_path):
    again = write_example_data(tmp_path)
    for key, path in examples.items():
        if key != "readme":  # the README names its folder
            assert again[key].read_bytes() == path.read_bytes(), key


def test_cycling_file(examples):
    from tfalab.analysis.cycling import overpotential_per_cycle
    from tfalab.io import analyze_cycling, load

    tv = TRUE_VALUES["cycling"]
    test = load(examples["cycling"], area="0.785 cm2")
    assert test.metadata["format"] == "bdf-csv" and test.metadata["build"] == tv["build"]
    assert test.metadata["electrode_area_m2"] == pytest.approx(0.785e-4)
    area_cm2 = tv["electrode_area_cm2"]
    assert np.abs(test.current).max() == pytest.approx(tv["current_density_mA_cm2"] * 1e-3
                                                       * area_cm2, rel=1e-9)
    s = analyze_cycling(examples["cycling"], examples["cycling"].with_name("cyc"),
                        area="0.785 cm2")
    assert s["n_cycles"] == tv["cycles"] and s["symmetric"]
    q = tv["capacity_per_half_cycle_mAh_cm2"] * area_cm2 * 1e-3  # Ah per half-cycle
    for cycle in s["cycles"]:
        assert cycle["charge_capacity_Ah"] == pytest.approx(q, rel=1e-3)
        assert cycle["discharge_capacity_Ah"] == pytest.approx(q, rel=1e-3)
    op = overpotential_per_cycle(test)
    assert 5e-3 < op.plateau_overpotential.iloc[0] < op.plateau_overpotential.iloc[-1] < 15e-3


def test_cycling_file_is_the_simulation(examples, tmp_path):
    """The packaged cycling file is what simulate=True writes (up to solver digits)."""
    fresh = write_example_data(tmp_path, simulate=True)
    a, b = (pd.read_csv(p) for p in (examples["cycling"], fresh["cycling"]))
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=0, atol=2e-6)
    assert json.loads(fresh["cycling_metadata"].read_text()) == json.loads(
        examples["cycling_metadata"].read_text())


def test_eis_file(examples, tmp_path, monkeypatch):
    """Read and fitted through the command line (the EIS modules' import path may move)."""
    tv = TRUE_VALUES["eis"]
    monkeypatch.chdir(tmp_path)
    _run(["analyze", "eis", str(examples["eis"]), "--area", "0.785 cm2", "--out", "z"])
    s = json.loads((tmp_path / "z.json").read_text())
    assert s["status"] == "ok" and s["n_points"] == 79
    p = s["fit"]["parameters"]
    for name in ("R0", "R1", "R2"):
        assert p[name]["value"] == pytest.approx(tv[f"{name}_ohm"], rel=0.05), name
    assert p["Ws1_0"]["value"] == pytest.approx(tv["Rw_ohm"], rel=0.1)
    assert s["interfacial_asr_ohm_cm2"] == pytest.approx(tv["R2_ohm"] * 0.785, rel=0.05)
    assert s["peak_frequency_hz"] == pytest.approx(tv["f2_Hz"], rel=0.1)


def test_sims_file(examples):
    from tfalab.analysis.sims import fit_diffusion, read_profile

    tv = TRUE_VALUES["sims"]
    profile = read_profile(examples["sims"])
    assert profile.kind == "fraction" and len(profile.depth) == 200
    fit = fit_diffusion(profile, time="1 h")  # the README's command: no depth resolution
    assert abs(fit.D / tv["D_m2_s"] - 1) < 0.05
    fit = fit_diffusion(profile, time=tv["time_s"], depth_resolution=tv["depth_resolution_m"])
    assert abs(fit.D / tv["D_m2_s"] - 1) < 0.05


def test_dmt_file(examples):
    from tfalab.analysis.dmt import fit_modulus_distribution, read_modulus_map

    m = read_modulus_map(examples["dmt"])  # unit from the TIFF description
    assert m.shape == tuple(TRUE_VALUES["dmt"]["shape"])
    fit = fit_modulus_distribution(m, n_peaks=2)
    for peak, (fraction, mean, fwhm) in zip(fit.peaks, TRUE_VALUES["dmt"]["phases"],
                                            strict=True):
        assert peak.mean / 1e9 == pytest.approx(mean, rel=0.05)
        assert peak.fwhm / 1e9 == pytest.approx(fwhm, rel=0.1)
        assert peak.fraction == pytest.approx(fraction, abs=0.03)


def test_xrd_file(examples):
    from tfalab.analysis.xrd import identify_phases, read_pattern

    tv = TRUE_VALUES["xrd"]
    result = identify_phases(read_pattern(examples["xrd"]))
    assert set(result.phases) == set(tv["weight_fractions"])
    for name, w in tv["weight_fractions"].items():
        assert result.weight_fractions[name] == pytest.approx(w, abs=0.05)


def test_ct_file(examples, tmp_path):
    from tfalab.analysis.ct import analyze

    tv = TRUE_VALUES["ct"]
    s = analyze(examples["ct"], tmp_path / "v", voxel_size="0.3 um")
    assert s["shape"] == [tv["air_slices"] + tv["electrode_shape"][0],
                          *tv["electrode_shape"][1:]]
    assert s["electrode_thickness_um"] == pytest.approx(tv["electrode_thickness_um"])
    assert s["porosity"] == pytest.approx(tv["porosity"], abs=0.005)
