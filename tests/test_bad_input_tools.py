"""Bad input to the atomistic tools, sweeps and optimisations, their figures and the lab-data
analyses: each case must raise a tfalab error whose message names the argument (never a raw
exception, a hang or a silent meaningless number), and the edge of each range must still be
accepted. Atomistic cases exercise only the checks: any call of the potential fails the test.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tfalab.cli import cli
from tfalab.errors import DataFileError, ParameterError, TfalabError

Case = tuple[str, Callable[[Path], Any], type[Exception], str]


def _run(args: list[str]) -> tuple[int, str]:
    """Exit code and text of a CLI run; a TfalabError escaping CliRunner (which does not go
    through ``main()``, where it becomes exit code 2) counts as exit code 2."""
    res = CliRunner().invoke(cli, args)
    text = res.output
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        assert isinstance(res.exception, TfalabError), repr(res.exception)
        return 2, f"{text}{res.exception}"
    return res.exit_code, text


# --- atomistic ------------------------------------------------------------------------------
class _ComputedError(AssertionError):
    """A bad input reached the interatomic potential."""


@pytest.fixture
def no_potential(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every way to the potential raises :class:`_ComputedError` (and the extra counts as there)."""
    pytest.importorskip("ase")
    pytest.importorskip("pymatgen")
    import tfalab.atomistic.adsorption as ads
    import tfalab.atomistic.calculators as calcs
    import tfalab.atomistic.screening as scr

    def computed(*_a: Any, **_k: Any) -> Any:
        raise _ComputedError("a computation started before the input was checked")

    monkeypatch.setattr(calcs, "require", lambda *_m: None)
    for mod in (calcs, ads, scr):
        monkeypatch.setattr(mod, "get_calculator", computed)
        monkeypatch.setattr(mod, "relax", computed)
    monkeypatch.setattr(ads, "li_reference", computed)


def _write(tmp: Path, name: str, text: str) -> str:
    (tmp / name).write_text(text)
    return str(tmp / name)


ATOMISTIC: list[Case] = [
    ("slab-000", lambda t: _slab("Li", (0, 0, 0)), ParameterError, "not a plane"),
    ("slab-float", lambda t: _slab("Li", (1.5, 0, 0)), ParameterError, "three integers"),
    ("slab-two", lambda t: _slab("Li", (1, 1)), ParameterError, "three integers"),
    ("slab-bool", lambda t: _slab("Li", (True, 0, 0)), ParameterError, "three integers"),
    ("slab-big", lambda t: _slab("Li", (10, 0, 0)), ParameterError, "between -9 and 9"),
    ("slab-thickness-nan", lambda t: _slab("Li", (0, 0, 1), thickness=math.nan),
     ParameterError, "thickness"),
    ("slab-fix", lambda t: _slab("Li", (0, 0, 1), fix_fraction=1.0), ParameterError,
     "fix_fraction"),
    ("surface-slab-000", lambda t: _surface("Li", (0, 0, 0)), ParameterError, "miller"),
    ("atoms-junk", lambda t: _atoms(_write(t, "junk.cif", "junk\n")), DataFileError,
     "junk.cif"),
    ("atoms-empty", lambda t: _atoms(_write(t, "empty.cif", "")), DataFileError, "empty.cif"),
    ("atoms-no-atoms", lambda t: _atoms(_write(t, "half.cif", "data_x\n_cell_length_a 3\n")),
     DataFileError, "half.cif"),
    ("atoms-missing", lambda t: _atoms(str(t / "nofile.cif")), DataFileError, "nofile.cif"),
    ("screen-phase", lambda t: _screen(["Xx"]), TfalabError, "'Xx'"),
    ("screen-file", lambda t: _screen([_write(t, "bad.cif", "junk\n")]), DataFileError,
     "bad.cif"),
    ("screen-descriptor", lambda t: _screen(["LiF"], descriptors=["magic"]), ParameterError,
     "descriptors"),
    ("screen-temperature", lambda t: _screen(["LiF"], temperature_K=-1.0), ParameterError,
     "temperature_K"),
    ("screen-steps", lambda t: _screen(["LiF"], md_steps=1.5), ParameterError, "md_steps"),
    ("screen-kw", lambda t: _screen(["LiF"], colour=1), ParameterError, "colour"),
    ("screen-surface", lambda t: _screen(["LiF"], surfaces={"LiF": (0, 0, 0)}),
     ParameterError, "LiF"),
    ("screen-surface-stray", lambda t: _screen(["LiF"], surfaces={"Li3N": (1, 0, 0)}),
     ParameterError, "Li3N"),
]


def _slab(*a: Any, **k: Any) -> Any:
    from tfalab.atomistic.structures import make_slab

    return make_slab(*a, **k)


def _surface(*a: Any, **k: Any) -> Any:
    from tfalab.atomistic.adsorption import surface_slab

    return surface_slab(*a, calculator="chgnet", **k)


def _atoms(obj: Any) -> Any:
    from tfalab.atomistic.structures import to_atoms

    return to_atoms(obj)


def _screen(cands: Any, **kw: Any) -> Any:
    from tfalab.atomistic.screening import screen

    return screen(cands, **kw)


@pytest.mark.parametrize("name, call, error, names", ATOMISTIC, ids=[c[0] for c in ATOMISTIC])
def test_atomistic_bad_input_is_refused_before_computing(
        no_potential: None, tmp_path: Path, name: str, call: Callable[[Path], Any],
        error: type[Exception], names: str) -> None:
    with pytest.raises(error, match=None) as info:
        call(tmp_path)
    assert names in str(info.value), str(info.value)


def test_atomistic_edges_are_accepted(no_potential: None, tmp_path: Path) -> None:
    from ase.build import bulk
    from ase.io import write

    from tfalab.atomistic.structures import check_miller, to_atoms

    assert check_miller((9, -9, 0)) == (9, -9, 0)
    assert check_miller(np.array([0, 0, 1])) == (0, 0, 1)
    write(tmp_path / "li.cif", bulk("Li", "bcc", a=3.51))
    assert len(to_atoms(str(tmp_path / "li.cif"))) >= 1


ATOMISTIC_CLI = [
    (["atomistic", "adsorption", "--surface", "LiBx(000)"], "not a plane"),
    (["atomistic", "adsorption", "--surface", "Xx(110)"], "Xx"),
    (["atomistic", "md", "@junk.cif"], "junk.cif"),
    (["atomistic", "md", "@empty.cif"], "empty.cif"),
    (["atomistic", "screen", "--phases", "Xx"], "Xx"),
    (["atomistic", "screen", "--phases", "LiF", "--descriptors", "magic"], "descriptors"),
]


@pytest.mark.parametrize("args, names", ATOMISTIC_CLI, ids=[" ".join(a[:3]) for a, _ in
                                                            ATOMISTIC_CLI])
def test_atomistic_cli_refuses_before_computing(no_potential: None, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                args: list[str], names: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "junk.cif").write_text("junk\n")
    (tmp_path / "empty.cif").write_text("")
    args = [a[1:] if a.startswith("@") else a for a in args]
    code, text = _run([*args, "--workdir", str(tmp_path / "w")])
    assert code == 2 and names in text, text
    assert "_ComputedError" not in text


# --- sweeps, optimisations, figures ---------------------------------------------------------
def _sweep(d: dict) -> Any:
    from tfalab.sweep import SweepSpec

    return SweepSpec.from_dict(d)


def _opt(d: dict) -> Any:
    from tfalab.sweep.optimize import OptimizeSpec

    return OptimizeSpec.from_dict(d)


def _point(point: Any, kind: Any) -> Any:
    from tfalab.sweep import evaluate_point

    return evaluate_point(point, kind)


_OBJ = {"specific_energy_Wh_kg": "maximize"}
_SPACE = {"free_li": {"low": "40 wt%", "high": "80 wt%"}}

SWEEP: list[Case] = [
    ("design-temperature", lambda t: _sweep({"sweep": {"kind": "design"},
                                             "fixed": {"temperature": "5000 degC"},
                                             "axes": {"free_li": ["50 wt%"]}}),
     ParameterError, "'temperature'"),
    ("design-pressure-axis", lambda t: _sweep({"sweep": {"kind": "design"},
                                               "axes": {"pressure": ["-5 MPa"]}}),
     ParameterError, "'pressure'"),
    ("cycle-protocol", lambda t: _sweep({"sweep": {"kind": "cycle"},
                                         "fixed": {"protocol": "nonsense"},
                                         "axes": {"pressure": ["5 MPa"]}}),
     ParameterError, "'protocol'"),
    ("list-point-unused", lambda t: _sweep({"sweep": {"kind": "short"},
                                            "points": [{"anode": "li", "c_rate": 1}]}),
     ParameterError, "'c_rate'"),
    ("points-and-axes", lambda t: _sweep({"sweep": {"kind": "design"},
                                          "axes": {"free_li": ["50 wt%"]},
                                          "points": [{"free_li": "60 wt%"}]}),
     ParameterError, "[[points]]"),
    ("list-with-axes", lambda t: _sweep({"sweep": {"kind": "design", "sampling": "list"},
                                         "axes": {"free_li": ["50 wt%"]},
                                         "points": [{"free_li": "60 wt%"}]}),
     ParameterError, "[axes]"),
    ("point-also-fixed", lambda t: _sweep({"sweep": {"kind": "design"},
                                           "fixed": {"free_li": "50 wt%"},
                                           "points": [{"free_li": "60 wt%"}]}),
     ParameterError, "free_li"),
    ("grid-seed", lambda t: _sweep({"sweep": {"kind": "design", "seed": 3},
                                    "axes": {"free_li": ["50 wt%"]}}),
     ParameterError, "seed"),
    ("lhs-low-high", lambda t: _sweep({"sweep": {"kind": "design", "sampling": "lhs"},
                                       "axes": {"free_li": {"low": "80 wt%",
                                                            "high": "40 wt%"}}}),
     ParameterError, "free_li"),
    ("lhs-equal", lambda t: _sweep({"sweep": {"kind": "design", "sampling": "lhs"},
                                    "axes": {"thickness": {"low": "50 um", "high": "50 um"}}}),
     ParameterError, "thickness"),
    ("full-cycles", lambda t: _sweep({"sweep": {"kind": "full"}, "fixed": {"cycles": 1.7},
                                      "axes": {"c_rate": [1]}}),
     ParameterError, "cycles"),
    ("full-c-rate", lambda t: _sweep({"sweep": {"kind": "full"},
                                      "axes": {"c_rate": [1, -2]}}),
     ParameterError, "c_rate"),
    ("unit-dimension", lambda t: _sweep({"sweep": {"kind": "ccd"},
                                         "axes": {"pressure": ["5 um"]}}),
     TfalabError, "pressure"),
    ("point-none", lambda t: _point(None, "design"), ParameterError, "point"),
    ("point-kind", lambda t: _point({}, "magic"), ParameterError, "kind"),
    ("point-colour", lambda t: _point({"colour": 1}, "design"), ParameterError, "'colour'"),
    ("point-protocol", lambda t: _point({"protocol": "nonsense"}, "cycle"), ParameterError,
     "'protocol'"),
    ("point-temperature", lambda t: _point({"temperature": "80 degC"}, "design"),
     ParameterError, "'temperature'"),
    ("opt-constraint-nan", lambda t: _opt({"optimize": {"kind": "design", "objectives": _OBJ,
                                                        "constraints": ["np_ratio >= nan"]},
                                           "space": _SPACE}),
     ParameterError, "np_ratio >= nan"),
    ("opt-constraint-inf", lambda t: _opt({"optimize": {"kind": "design", "objectives": _OBJ,
                                                        "constraints": ["np_ratio <= inf"]},
                                           "space": _SPACE}),
     ParameterError, "np_ratio <= inf"),
    ("opt-unused-fixed", lambda t: _opt({"optimize": {"kind": "design", "objectives": _OBJ},
                                         "space": _SPACE, "fixed": {"pressure": "5 MPa"}}),
     ParameterError, "'pressure'"),
    ("opt-unused-space", lambda t: _opt({"optimize": {"kind": "short", "objectives": _OBJ},
                                         "space": {"current": {"low": "1 mA/cm2",
                                                               "high": "2 mA/cm2"}}}),
     ParameterError, "'current'"),
    ("opt-low-high", lambda t: _opt({"optimize": {"kind": "design", "objectives": _OBJ},
                                     "space": {"free_li": {"low": "80 wt%",
                                                           "high": "40 wt%"}}}),
     ParameterError, "free_li"),
]


@pytest.mark.parametrize("name, call, error, names", SWEEP, ids=[c[0] for c in SWEEP])
def test_sweep_bad_input_is_refused(tmp_path: Path, name: str, call: Callable[[Path], Any],
                                    error: type[Exception], names: str) -> None:
    with pytest.raises(error) as info:
        call(tmp_path)
    assert names in str(info.value), str(info.value)


def test_sweep_edges_are_accepted() -> None:
    lhs = _sweep({"sweep": {"kind": "design", "sampling": "lhs", "samples": 3},
                  "axes": {"free_li": {"low": "40 wt%", "high": "40.001 wt%"}}})
    assert lhs.n_points == 3
    full = _sweep({"sweep": {"kind": "full"}, "fixed": {"cycles": 1},
                   "axes": {"c_rate": [0.1, "2"]}})
    assert full.n_points == 2
    cycle = _sweep({"sweep": {"kind": "cycle"},
                    "axes": {"current": ["0.5 mA/cm2"], "duration": ["10 h"]}})
    assert cycle.n_points == 1
    listed = _sweep({"sweep": {"kind": "design"}, "fixed": {"skeleton": "LiBx"},
                     "points": [{"free_li": "60 wt%"}]})
    assert listed.sampling == "list"
    # a bad value of a field the kind reads is the row's error, not an exception
    assert "pressure" in _point({"anode": "li", "pressure": "-3 MPa"}, "short")["error"]
    assert _point({"free_li": "60 wt%"}, "design")["error"] is None
    _opt({"optimize": {"kind": "design", "objectives": _OBJ,
                       "constraints": ["np_ratio >= 1e-3"]}, "space": _SPACE})


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 3-trial optimisation of the design metrics."""
    from tfalab.sweep.optimize import optimize

    d = tmp_path_factory.mktemp("study")
    optimize({"optimize": {"kind": "design", "sampler": "tpe",
                           "objectives": {"specific_energy_Wh_kg": "maximize",
                                          "anode_capacity_mAh_cm2": "maximize"}},
              "space": {"thickness": {"low": "20 um", "high": "150 um"}}},
             d, trials=3, workers=0, progress=False)
    return d


@pytest.mark.parametrize("content", [b"this is a text file\n", b"SQLite format 3\x00" +
                                     b"\x01" * 200, b"\x00" * 64])
def test_a_corrupt_study_database_is_a_clear_error(study: Path, tmp_path: Path,
                                                   content: bytes) -> None:
    from tfalab.sweep.optimize import optimize, study_results

    d = tmp_path / "opt"
    shutil.copytree(study, d)
    (d / "optuna.db").write_bytes(content)
    with pytest.raises(DataFileError, match=r"optuna\.db"):
        study_results(d)
    spec = str(d / "optimize.toml")
    with pytest.raises(DataFileError, match=r"optuna\.db"):
        optimize(spec, d, trials=4, workers=0, progress=False)
    code, text = _run(["sweep-plot", str(d), "--kind", "pareto"])
    assert code == 2 and "optuna.db" in text, text


def test_optimize_run_arguments_are_checked(study: Path) -> None:
    from tfalab.sweep.optimize import optimize

    for kw, name in (({"trials": 2.5}, "trials"), ({"trials": -1}, "trials"),
                     ({"seed": -1}, "seed")):
        with pytest.raises(ParameterError, match=name):
            optimize(str(study / "optimize.toml"), study, workers=0, progress=False, **kw)


def _frame() -> pd.DataFrame:
    rows = [{"in_pressure": f"{p} MPa", "in_temperature": f"{t} degC", "error": None,
             "ccd_mA_cm2": 0.1 * p + 0.01 * t} for p in (5, 10) for t in (25, 60)]
    return pd.DataFrame(rows)


def _figures() -> Any:
    from tfalab.sweep import figures

    return figures


FIGURES: list[Case] = [
    ("map-xyz", lambda t: _figures().map_figure(_frame(), "pressure", "temperature",
                                                "ccd_mA_cm2", t / "x.xyz"),
     TfalabError, "x.xyz"),
    ("parallel-parquet", lambda t: _figures().parallel_coordinates_figure(
        _frame(), ["pressure", "ccd_mA_cm2"], t / "x.parquet"), TfalabError, "x.parquet"),
    ("pareto-toml", lambda t: _figures().pareto_figure(_frame(), ["ccd_mA_cm2:max"],
                                                       t / "x.toml"), TfalabError, "x.toml"),
    ("pareto-no-suffix", lambda t: _figures().pareto_figure(_frame(), ["ccd_mA_cm2:max"],
                                                            t / "figure"),
     TfalabError, "figure"),
    ("map-same-axes", lambda t: _figures().map_figure(_frame(), "pressure", "pressure",
                                                      "ccd_mA_cm2", t / "m.png"),
     ParameterError, "'pressure'"),
    ("map-by-axis", lambda t: _figures().map_figure(_frame(), "pressure", "temperature",
                                                    "ccd_mA_cm2", t / "m.png", by="pressure"),
     ParameterError, "by"),
    ("pareto-twice", lambda t: _figures().pareto_figure(_frame(), ["ccd_mA_cm2:max",
                                                                   "ccd_mA_cm2:min"],
                                                        t / "p.png"),
     ParameterError, "ccd_mA_cm2"),
    ("load-toml", lambda t: _figures().load_results(_write(t, "spec.toml",
                                                           "[sweep]\nkind = 'design'\n")),
     DataFileError, "spec.toml"),
    ("load-junk-parquet", lambda t: _figures().load_results(_write(t, "junk.parquet", "PAR1")),
     DataFileError, "junk.parquet"),
    ("load-none", lambda t: _figures().load_results(None), ParameterError, "results"),
]


@pytest.mark.parametrize("name, call, error, names", FIGURES, ids=[c[0] for c in FIGURES])
def test_figure_bad_input_is_refused_before_drawing(
        tmp_path: Path, name: str, call: Callable[[Path], Any], error: type[Exception],
        names: str) -> None:
    with pytest.raises(error) as info:
        call(tmp_path)
    assert names in str(info.value), str(info.value)
    assert not list(tmp_path.glob("x.*")) and not (tmp_path / "figure").exists()


def test_figure_formats_matplotlib_writes_are_accepted(tmp_path: Path) -> None:
    figures = _figures()
    for ext in ("png", "pdf", "svg", "PNG"):
        out = figures.pareto_figure(_frame(), ["ccd_mA_cm2:max"], tmp_path / f"p.{ext}")
        assert out.stat().st_size > 0


SWEEP_PLOT_CLI = [
    (["--kind", "parallel", "--out", "@x.xyz"], "x.xyz"),
    (["--kind", "parallel", "--out", "@x.parquet"], "x.parquet"),
    (["--kind", "map", "--x", "free_li", "--y", "free_li", "--value", "np_ratio"], "free_li"),
]


@pytest.mark.parametrize("args, names", SWEEP_PLOT_CLI, ids=[a[1] + a[-1] for a, _ in
                                                             SWEEP_PLOT_CLI])
def test_sweep_plot_cli_refuses(tmp_path: Path, args: list[str], names: str) -> None:
    from tfalab.sweep import run_sweep

    run_sweep({"sweep": {"kind": "design"}, "axes": {"free_li": ["50 wt%", "70 wt%"],
                                                    "thickness": ["50 um", "80 um"]}},
              tmp_path / "s", workers=0, progress=False)
    args = [str(tmp_path / a[1:]) if a.startswith("@") else a for a in args]
    code, text = _run(["sweep-plot", str(tmp_path / "s"), *args])
    assert code == 2 and names in text, text
    spec = _write(tmp_path, "spec.toml", "[sweep]\nkind = 'design'\n")
    code, text = _run(["sweep-plot", spec, "--kind", "parallel"])
    assert code == 2 and "spec.toml" in text, text


# --- analysis -------------------------------------------------------------------------------
def _sims_profile() -> Any:
    from tfalab.analysis.sims import synthetic_profile

    return synthetic_profile(2.4e-14, seed=1)


def _fit_sims(time: Any, **kw: Any) -> Any:
    from tfalab.analysis.sims import fit_diffusion

    return fit_diffusion(_sims_profile(), time, **kw)


def _huge_depth(tmp: Path) -> Any:
    from tfalab.analysis.sims import read_profile

    p = _sims_profile()
    rows = "".join(f"{d * 1e300:g},{s:g}\n" for d, s in zip(p.depth, p.signal, strict=True))
    return read_profile(_write(tmp, "huge_depth.csv", "depth (nm),fraction\n" + rows))


def _huge_profile(tmp: Path) -> Any:
    from tfalab.analysis.sims import Profile, fit_diffusion

    p = _sims_profile()
    return fit_diffusion(Profile(p.depth * 1e200, p.signal), "1 h")


def _spectrum() -> Any:
    from tfalab.analysis.eis import Spectrum, circuit_impedance

    f = np.logspace(5, -2, 50)
    return Spectrum(f, circuit_impedance("R0-p(R1,C1)", [5.0, 10.0, 1e-4], f), area=1e-4)


def _eis(fn: str, *a: Any, **k: Any) -> Any:
    import tfalab.analysis.eis as eis

    return getattr(eis, fn)(*a, **k)


def _cyc() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(0.0, 8000.0, 10.0)
    i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    return t, np.sign(i) * 0.05, i


def _cycling(fn: str, *a: Any, **k: Any) -> Any:
    import tfalab.analysis.cycling as cyc

    return getattr(cyc, fn)(_cyc(), *a, **k)


def _radians(tmp: Path) -> Any:
    from tfalab.analysis.xrd import identify_phases, read_pattern

    x = np.linspace(0.17, 1.57, 500)
    y = 100 + 50 * np.exp(-(((x - 0.6) / 0.01) ** 2))
    return identify_phases(read_pattern(_write(tmp, "radians.xy", "".join(
        f"{a:.4f} {b:.2f}\n" for a, b in zip(x, y, strict=True)))))


ANALYSIS: list[Case] = [
    ("sims-time-tiny", lambda t: _fit_sims("1e-30 s"), ParameterError, "time"),
    ("sims-time-huge", lambda t: _fit_sims("1e30 h"), ParameterError, "time"),
    ("sims-time-below", lambda t: _fit_sims("0.5 s"), ParameterError, "time"),
    ("sims-time-above", lambda t: _fit_sims("11 years"), ParameterError, "time"),
    ("sims-resolution", lambda t: _fit_sims("1 h", depth_resolution="1 mm"), ParameterError,
     "depth_resolution"),
    ("sims-confidence", lambda t: _fit_sims("1 h", confidence="magic"), ParameterError,
     "confidence"),
    ("sims-natural", lambda t: _fit_sims("1 h", natural=math.nan), ParameterError, "natural"),
    ("sims-significance", lambda t: _fit_sims("1 h", min_significance=-1), ParameterError,
     "min_significance"),
    ("sims-huge-depth-file", _huge_depth, DataFileError, "huge_depth.csv"),
    ("sims-huge-depth-profile", _huge_profile, ParameterError, "depth"),
    ("sims-profile-none", lambda t: _eis_free_fit(None), ParameterError, "profile"),
    ("xrd-radians", _radians, ParameterError, "degrees"),
    ("xrd-tolerance", lambda t: _xrd(tolerance=math.nan), ParameterError, "tolerance"),
    ("xrd-pattern-none", lambda t: _xrd_none(), ParameterError, "pattern"),
    ("eis-p-one", lambda t: _eis("fit_circuit", _spectrum(), "p(R1)"), ParameterError,
     "p(R1)"),
    ("eis-unclosed", lambda t: _eis("fit_circuit", _spectrum(), "R0-p(R1,C1"),
     ParameterError, "R0-p(R1,C1"),
    ("eis-empty", lambda t: _eis("fit_circuit", _spectrum(), ""), ParameterError, "circuit"),
    ("eis-initial-text", lambda t: _eis("fit_circuit", _spectrum(), "R0-p(R1,C1)",
                                        initial={"R0": "abc"}), ParameterError, "R0"),
    ("eis-initial-list", lambda t: _eis("fit_circuit", _spectrum(), "R0-p(R1,C1)",
                                        initial=["a", "b", "c"]), ParameterError, "initial"),
    ("eis-check-none", lambda t: _eis("check_spectrum", None), ParameterError, "spectrum"),
    ("eis-read-none", lambda t: _eis("read_spectrum", None), ParameterError, "path"),
    ("eis-fit-none", lambda t: _eis("fit_circuit", None), ParameterError, "spectrum"),
    ("eis-drt-none", lambda t: _eis("drt", None), ParameterError, "spectrum"),
    ("eis-kk-c", lambda t: _eis("kramers_kronig", _spectrum(), c=math.nan), ParameterError,
     "c "),
    ("eis-bode-arc", lambda t: _eis("bode_peak_frequency", _spectrum(), arc=(math.nan, 1)),
     ParameterError, "arc"),
    ("eis-area", lambda t: _eis("fit_circuit", _spectrum(), "R0-p(R1,C1)", area=math.inf),
     ParameterError, "area"),
    ("eis-area-text", lambda t: _eis("fit_circuit", _spectrum(), "R0-p(R1,C1)",
                                     area="1e-30 cm2"), TfalabError, "area"),
    ("eis-series-circuit", lambda t: _eis("resistance_series", [_spectrum()], [0.0],
                                          circuit="R0-p(R1)"), ParameterError, "p(R1)"),
    ("cyc-rest", lambda t: _cycling("overpotential_per_cycle", rest_fraction=-1),
     ParameterError, "rest_fraction"),
    ("cyc-rest-one", lambda t: _cycling("segment_half_cycles", rest_fraction=1.0),
     ParameterError, "rest_fraction"),
    ("cyc-drop", lambda t: _cycling("detect_short", drop_ratio=-1), ParameterError,
     "drop_ratio"),
    ("cyc-drop-zero", lambda t: _cycling("detect_short", drop_ratio=0.0), ParameterError,
     "drop_ratio"),
    ("cyc-min-points", lambda t: _cycling("detect_short", min_points=2.5), ParameterError,
     "min_points"),
    ("cyc-limit-nan", lambda t: _cycling("detect_divergence", limit=math.nan), ParameterError,
     "limit"),
    ("cyc-growth", lambda t: _cycling("detect_divergence", growth=1.0), ParameterError,
     "growth"),
    ("cyc-ttf-limit", lambda t: _cycling("time_to_failure", limit=math.inf), ParameterError,
     "limit"),
    ("cyc-ccd-area", lambda t: _cycling("critical_current_density", area_m2=math.nan),
     ParameterError, "area_m2"),
    ("cyc-at-time", lambda t: _cycling("overpotential_at", "abc"), ParameterError, "time"),
    ("cyc-unknown-kw", lambda t: _cycling("time_to_failure", treshold=0.1), TypeError,
     "treshold"),
]


def _eis_free_fit(profile: Any) -> Any:
    from tfalab.analysis.sims import fit_diffusion

    return fit_diffusion(profile, "1 h")


def _xrd(**kw: Any) -> Any:
    from tfalab.analysis.xrd import identify_phases, synthetic_pattern

    return identify_phases(synthetic_pattern({"LiBx": 1.0}, seed=3), ("Li", "LiBx"), **kw)


def _xrd_none() -> Any:
    from tfalab.analysis.xrd import identify_phases

    return identify_phases(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("name, call, error, names", ANALYSIS, ids=[c[0] for c in ANALYSIS])
def test_analysis_bad_input_is_refused(tmp_path: Path, name: str, call: Callable[[Path], Any],
                                       error: type[Exception], names: str) -> None:
    with pytest.raises(error) as info:
        call(tmp_path)
    assert isinstance(info.value, TfalabError), repr(info.value)
    assert names in str(info.value), str(info.value)


def test_analysis_range_edges_are_accepted() -> None:
    for t in ("1 s", "10 years"):  # the diffusion time's range, both ends
        assert _fit_sims(t).D > 0
    assert _fit_sims("1 h", depth_resolution="0 nm").D > 0
    from tfalab.analysis.eis import check_circuit

    assert check_circuit("R0-p(R1,CPE1)-p(R2-Wo2,C2)") == "R0-p(R1,CPE1)-p(R2-Wo2,C2)"
    fit = _eis("fit_circuit", _spectrum(), "R0-p(R1,C1)", initial={"R0": 5, "R1": 10.0})
    assert fit.values[0] == pytest.approx(5.0, rel=1e-3)
    assert _eis("fit_circuit", _spectrum(), "R0-p(R1,C1)", area=1.0).values.size == 3
    assert len(_cycling("overpotential_per_cycle", rest_fraction=0.0)) == 4
    assert _cycling("detect_short", drop_ratio=0.999, min_points=1, short_asr=0.0) is None
    assert _cycling("detect_divergence", limit=100.0, growth=1.0001) is None
    assert _cycling("critical_current_density", area_m2=1.0).failed is False


ANALYZE_CLI = [
    (["eis", "@s.csv", "--circuit", "R0-p(R1)"], "p(R1)"),
    (["eis", "@s.csv", "--circuit", ""], "circuit"),
    (["sims", "@p.csv", "--time", "1e-30 s"], "time"),
    (["sims", "@p.csv", "--time", "1e30 h"], "time"),
    (["xrd", "@radians.xy"], "degrees"),
]


@pytest.mark.parametrize("args, names", ANALYZE_CLI, ids=[" ".join(a) for a, _ in ANALYZE_CLI])
def test_analyze_cli_refuses(tmp_path: Path, args: list[str], names: str) -> None:
    s = _spectrum()
    np.savetxt(tmp_path / "s.csv", np.c_[s.frequency, s.impedance.real, s.impedance.imag],
               delimiter=",")
    _sims_profile().to_csv(tmp_path / "p.csv")
    x = np.linspace(0.17, 1.57, 500)
    (tmp_path / "radians.xy").write_text("".join(f"{a:.4f} {100 + 50 * np.exp(-((a - 0.6) / 0.01) ** 2):.2f}\n" for a in x))  # noqa: E501
    args = [str(tmp_path / a[1:]) if a.startswith("@") else a for a in args]
    code, text = _run(["analyze", *args, "--out", str(tmp_path / "out" / "r")])
    assert code == 2 and names in text, text
    assert not (tmp_path / "out" / "r.json").exists()
