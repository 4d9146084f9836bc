"""A table-driven fuzz of every CLI command with bad input (issue 20): each case must end with
exit code 1 or 2 (or a tfalab error), print no traceback, and write nothing outside its
``--out``. Lab-data and microstructure commands have their own fuzz in
tests/test_bad_input_data.py."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from tfalab.cli import cli
from tfalab.errors import TfalabError

FRACTIONS = ["150 wt%", "-5 %", "abc", "nan", "1e400", "5 MPa", "", "1.5"]
LENGTHS = ["-5 um", "0 um", "abc", "5 MPa", "inf um", "1e400 um", "100 um/"]
PRESSURES = ["-5 MPa", "2 GPa", "abc", "5 um", "nan MPa", "1e400 MPa", "20 MPa/", ""]
TEMPERATURES = ["1 K", "2000 K", "250 degC", "-300 degC", "5 MPa", "abc", "nan degC", "0 K"]
CAPACITIES = ["-5 mAh/cm2", "abc", "5 MPa", "nan mAh/cm2"]
SYM_PROTOCOLS = ["", "cycle", "cycle -1 mA/cm2 1 mAh/cm2 x 2", "cycle 1 mA/cm2 1 mAh/cm2 x 0",
                 "ccd from 5 mA/cm2 step 1 mA/cm2 to 1 mA/cm2 every 1 h", "rest -1 h",
                 "strip 0 mA/cm2", "{bad json", "cycle 1 mA/cm2 1 mAh/cm2 x 99999999999",
                 "cycle 1 MPa 1 mAh/cm2 x 2", "ccd from 0.1 mA/cm2 step 0 mA/cm2 to 1 mA/cm2 "
                 "every 1 h", "rest 1e400 h", "nonsense protocol"]
FULL_PROTOCOLS = ["cycle 0C x 5", "cycle 1C x 0", "rate x 5", "abc", "cycle 1000C x 1",
                  "cycle -1C x 2", "cycle 1C x 99999999999", ""]
ANODES = ["", ",", "nonexistent.toml", "xyz", "tfa,,li"]
BUILDS = ["NoSuchLab", "", "nonexistent.toml"]


def _cases() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []

    def add(name: str, args: list[str]) -> None:
        out.append((f"{name}-{len(out)}", args))

    for opt, values in (("--free-li", FRACTIONS), ("--thickness", LENGTHS),
                        ("--porosity", ["1.5", "-0.1", "abc", "100 %", "nan"]),
                        ("--strip", [*CAPACITIES, "1000 mAh/cm2"]),
                        ("--loading", ["0 mg/cm2", "-1 mg/cm2", "abc", "5 MPa", "nan mg/cm2"]),
                        ("--skeleton", ["Unobtainium", "Li", "123"])):
        for v in values:
            extra = ["--cathode", "ncm"] if opt == "--loading" else []
            add("design", ["design", opt, v, *extra])
    sym = ["simulate", "symmetric"]
    for opt, values in (("--anode", ANODES), ("--build", BUILDS),
                        ("--relative-density", ["150 %", "-1", "abc", "0 %"]),
                        ("--pressure", PRESSURES), ("--temperature", TEMPERATURES),
                        ("--protocol", SYM_PROTOCOLS), ("--points", ["0", "1", "-5", "abc"])):
        for v in values:
            add("symmetric", [*sym, opt, v])
    full = ["simulate", "full"]
    for opt, values in (("--cathode", ["xyz", "", "FeS2x"]),
                        ("--loading", ["-1 mg/cm2", "abc", "0 mg/cm2", "5 MPa"]),
                        ("--protocol", FULL_PROTOCOLS), ("--pressure", PRESSURES[:5]),
                        ("--temperature", TEMPERATURES[:5]), ("--anode", ANODES[:4])):
        for v in values:
            add("full", [*full, opt, v])
    for opt, values in (("--pressure", ["a:b:c", "0:50:0.00001", "0:50:-1", "50:0:5",
                                        "-10:10:5", "10 MPa,,20 MPa", "nan:1:1", "1e400",
                                        "0:1e9:1"]),
                        ("--anode", ANODES), ("--temperature", TEMPERATURES[:4]),
                        ("--protocol", SYM_PROTOCOLS[:6]), ("--build", BUILDS)):
        for v in values:
            add("ccd", ["ccd", opt, v])
    for v in ["NoSuchLab", "../../etc/passwd", ""]:
        add("builds", ["builds", v])
    for v in ["NoSuchLab", ",", ""]:
        add("validate", ["validate", "--lab", v])
    for v in ["-5", "0", "abc"]:
        add("calibrate", ["calibrate", "--passes", v])
    ads = ["atomistic", "adsorption"]
    for opt, values in (("--max-sites", ["-1", "0", "abc"]), ("--fmax", ["-1", "0", "nan"]),
                        ("--thickness", ["-1", "0", "1e9"]),
                        ("--calculator", ["nosuch"]), ("--surface", ["Xx(110)", "Li(abc)"])):
        for v in values:
            add("atomistic", [*ads, opt, v])
    for v in ["C999", ",,", "C1,C999"]:
        add("reproduce", ["reproduce", "--only", v])
    for v in ["-1", "abc"]:
        add("reproduce", ["reproduce", "--workers", v])
    for opt, values in (("--workers", ["-1", "abc"]), ("--scheduler", [""])):
        for v in values:
            add("sweep", ["sweep", "@spec_ok", opt, v])
    for v in ["-1", "0", "abc"]:
        add("optimize", ["optimize", "@spec_opt", "--trials", v])
    for v in ["xyz", ""]:
        add("sweep-plot", ["sweep-plot", "@emptydir", "--kind", v])
    return out


_FILES = {
    "@empty": "",
    "@cycling.csv": "Test Time / s,Voltage / V,Current / A\n"
                    + "".join(f"{k * 60},{0.01 if (k // 10) % 2 else -0.01},"
                              f"{0.001 if (k // 10) % 2 else -0.001}\n" for k in range(60)),
    "@badtoml": "[sweep\nkind = ",
    "@binary": "\x00\x01\x02PAR1",
    "@spec_unknown_kind": '[sweep]\nkind = "magic"\n',
    "@spec_unknown_field": '[sweep]\nkind = "design"\n[axes]\ncolour = ["red"]\n',
    "@spec_lhs_bad": '[sweep]\nkind = "ccd"\nsampling = "lhs"\n[axes]\npressure = ["5 MPa"]\n',
    "@spec_ok": '[sweep]\nkind = "design"\n[axes]\nfree_li = ["50 wt%"]\n',
    "@spec_seed": '[sweep]\nkind = "design"\nsampling = "lhs"\nseed = -3\n[axes]\n'
                  'free_li = ["40 wt%", "80 wt%"]\n',
    "@spec_opt_seed": '[optimize]\nkind = "design"\nseed = 99999999999999\n[space]\n'
                      'free_li = {low = "40 wt%", high = "80 wt%"}\n[optimize.objectives]\n'
                      'specific_energy_Wh_kg = "maximize"\n',
    "@self_base.toml": 'base = "self_base.toml"\nname = "loop"\n[values]\n',
    "@flaw_km.toml": 'base = "Generic"\n[values]\nflaw_depth = { value = "1 km", '
                     'source = "assumed" }\n',
    "@wide.csv": "Test Time / s,Voltage / V,Current / A," + ",".join(f"x{k}" for k in
                                                                     range(5000)) + "\n",
    "@zero_kelvin.toml": 'base = "Generic"\n[overrides]\n"Reference temperature [K]" = 0.0\n',
    "@spec_opt": '[optimize]\nkind = "design"\n[space]\nfree_li = {low = "40 wt%", '
                 'high = "80 wt%"}\n[optimize.objectives]\nspecific_energy_Wh_kg = "maximize"\n',
}
FILE_CASES = [
    *[("sweep-file", ["sweep", f, "--out", "@out/s", "--workers", "0"])
      for f in ("@empty", "@badtoml", "@binary", "@spec_unknown_kind", "@spec_unknown_field",
                "@spec_lhs_bad", "@missing")],
    *[("optimize-file", ["optimize", f, "--out", "@out/o", "--workers", "0"])
      for f in ("@empty", "@badtoml", "@binary", "@spec_unknown_kind", "@missing")],
    *[("fit-file", ["fit", f, "--out", "@out/f"])
      for f in ("@empty", "@badtoml", "@binary", "@spec_unknown_kind", "@missing")],
    *[("validate-file", ["validate", "--measurements", f, "--out", "@out/v"])
      for f in ("@empty", "@badtoml", "@binary", "@missing")],
    *[("anode-file", ["simulate", "symmetric", "--anode", f, "--out", "@out/a"])
      for f in ("@empty", "@badtoml", "@binary")],
    *[("build-file", ["ccd", "--build", f, "--out", "@out/b"])
      for f in ("@empty", "@badtoml", "@binary")],
    ("example-data-onto-file", ["example-data", "@empty"]),
    # found by the fuzz of session 9
    ("design-no-free-li", ["design", "--free-li", "0 wt%", "--cathode", "ncm", "--json"]),
    ("design-km", ["design", "--thickness", "1 km"]),
    ("design-atto", ["design", "--thickness", "1e-30 m"]),
    ("design-tiny-loading", ["design", "--cathode", "fes2", "--loading", "1e-30 mg/cm2"]),
    ("design-huge-loading", ["design", "--cathode", "ncm", "--loading", "1e30 mAh/cm2"]),
    ("points-huge", ["simulate", "symmetric", "--points", "10000000"]),
    ("points-bigint", ["simulate", "symmetric", "--points", "99999999999999999999999"]),
    ("protocol-nested", ["simulate", "symmetric", "--protocol",
                         '{"kind":"sequence","protocols":[' * 400 + '{"kind":"rest",'
                         '"duration":"1 h"}' + "]}" * 400]),
    ("out-too-long", ["simulate", "symmetric", "--out", "@out/" + "x" * 300]),
    ("full-tiny-loading", ["simulate", "full", "--loading", "1e-9 mg/cm2"]),
    ("ccd-not-a-ramp", ["ccd", "--anode", "li", "--pressure", "10",
                        "--protocol", "cycle 1 mA/cm2 1 mAh/cm2 for 2 h"]),
    ("build-self-base", ["simulate", "symmetric", "--build", "@self_base.toml"]),
    ("build-zero-kelvin", ["simulate", "symmetric", "--build", "@zero_kelvin.toml"]),
    ("optimize-seed", ["optimize", "@spec_opt", "--out", "@out/o", "--workers", "0",
                       "--seed", "-1"]),
    ("optimize-trials", ["optimize", "@spec_opt", "--out", "@out/o", "--workers", "0",
                         "--trials", "1000000000000"]),
    ("optimize-spec-seed", ["optimize", "@spec_opt_seed", "--out", "@out/o", "--workers",
                            "0"]),
    ("sweep-spec-seed", ["sweep", "@spec_seed", "--out", "@out/s", "--workers", "0"]),
    ("sweep-plot-missing", ["sweep-plot", "@missing"]),
    # found by the fuzz of session 9, fixed in session 10 (silent before)
    ("design-li-free-li", ["design", "--anode", "li", "--free-li", "50 wt%"]),
    ("design-li-skeleton", ["design", "--anode", "li", "--skeleton", "Li2B6"]),
    ("design-loading-alone", ["design", "--loading", "2 mg/cm2"]),
    ("design-stack-alone", ["design", "--stack", "thin"]),
    ("protocol-mega", ["simulate", "symmetric", "--protocol", "cycle 1 MA/CM2 1 mAh/cm2 x 2"]),
    ("protocol-short", ["simulate", "symmetric", "--protocol",
                        "cycle 0.5 mA/cm2 2 mAh/cm2 for 1 h"]),
    ("protocol-amp", ["ccd", "--anode", "li", "--pressure", "10", "--protocol",
                      "ccd from 1 mA/cm2 step 1 A/cm2 to 9 A/cm2"]),
    # the session-10 fuzz re-run
    *[("empty-value", args) for args in (["design", "--strip", ""],
                                         ["design", "--cathode", "ncm", "--loading="],
                                         ["example-data", ""], ["design", "--thickness", " "],
                                         ["analyze", "eis", "@empty", "--circuit", ""])],
    ("explore-bare-upload-limit", ["explore", "--no-browser", "--upload-limit", "200"]),
    ("explore-tiny-time-limit", ["explore", "--no-browser", "--time-limit", "1e-300 s"]),
    ("explore-sweeps-file", ["explore", "--no-browser", "--sweeps", "@empty"]),
    ("analyze-area-tiny", ["analyze", "cycling", "@cycling.csv", "--area", "1e-30 cm2"]),
    ("analyze-area-huge", ["analyze", "eis", "@empty", "--area", "1 km2"]),
    ("protocol-rest-tiny", ["simulate", "symmetric", "--protocol", "rest 1e-30 s"]),
    ("protocol-blanks", ["simulate", "symmetric", "--protocol",
                         "rest " + " " * 60_000 + "1 h"]),
    ("protocol-long-word", ["simulate", "symmetric", "--protocol", "cycle " + "a" * 40_000]),
    ("full-slow-rate", ["simulate", "full", "--protocol", "cycle 0.00001C x 1"]),
    ("build-flaw-km", ["simulate", "symmetric", "--build", "@flaw_km.toml"]),
    ("ms-bare-free-li", ["microstructure", "generate", "--bare", "--free-li", "1 wt%"]),
    ("table-too-wide", ["analyze", "cycling", "@wide.csv"]),
]
CASES = [*_cases(), *((f"{n}-{k}", a) for k, (n, a) in enumerate(FILE_CASES))]


def _snapshot(root: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("case", "args"), CASES, ids=[c for c, _ in CASES])
def test_bad_cli_input(tmp_path: Path, case: str, args: list[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, text in _FILES.items():
        (inputs / name[1:]).write_text(text, encoding="latin-1")
    (inputs / "emptydir").mkdir()
    out = tmp_path / "out"
    out.mkdir()

    def resolve(a: str) -> str:
        if a.startswith("@out/"):
            return str(out / a[5:])
        if a.startswith("@"):
            return str(inputs / a[1:])
        return a

    argv = [resolve(a) for a in args]
    if "--out" not in argv and args[0] not in ("design", "builds", "calibrate",
                                               "example-data", "sweep-plot", "explore"):
        argv += ["--out", str(out / "run")]
    if args[0] in ("sweep", "optimize") and "--out" not in args:
        argv[argv.index("--out") + 1] = str(out / "dir")
    monkeypatch.chdir(out)
    before = _snapshot(inputs)
    res = CliRunner().invoke(cli, argv, catch_exceptions=True)
    exc = res.exception
    if exc is not None and not isinstance(exc, SystemExit):
        detail = "".join(traceback.format_exception(exc))
        assert isinstance(exc, TfalabError), f"{argv}: {detail}"
        code = 2
    else:
        code = res.exit_code
    assert code in (1, 2), f"{argv} exited {code}: {res.output[-500:]}"
    assert "Traceback" not in res.output
    assert _snapshot(inputs) == before  # inputs untouched
    stray = [p for p in tmp_path.rglob("*") if p.is_file()
             and not str(p).startswith((str(out), str(inputs)))]
    assert not stray
    assert os.getcwd() == str(out)


def test_the_fuzz_is_large_enough() -> None:
    assert len(CASES) >= 210  # + 220 lab-data cases in test_bad_input_data.py


@pytest.mark.parametrize(("args", "words"), [
    (["example-data", "/proc/tfalab-x"], "No such file"),
    (["microstructure", "generate", "--shape", "16", "--aspect-ratio", "1e-9", "-o", "g"], ""),
])
def test_the_entry_point_turns_any_error_into_one_line(tmp_path: Path, args: list[str],
                                                         words: str) -> None:
    """``tfalab`` (the entry point): whatever escapes the commands' own checks is one line
    and exit code 1 or 2, never a traceback."""
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "tfalab.cli", *args], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode in (1, 2), res.stderr[-2000:]
    assert "Traceback" not in res.stderr and words in res.stderr
    assert len(res.stderr.strip().splitlines()) <= 3
