"""Bad input to fitting, literature validation, cell construction, sweep-plot and CellTest
metadata (fuzz run 3): each raises a tfalab error naming the argument; edges are accepted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from tfalab.celltest import CellTest
from tfalab.cli import cli
from tfalab.errors import TfalabError
from tfalab.fitting.observations import Observation
from tfalab.fitting.params import make_spec

SPEC = ('anode = "li"\n{top}[[data]]\nquantity = "{q}"\nvalue = "{v}"\n{entry}\n'
        '[parameters]\n"Filament tip fraction" = {bounds}\n')


def _spec(tmp_path: Path, top: str = "", entry: str = "", q: str = "ccd",
          v: str = "1.6 mA/cm2", bounds: str = "[0.01, 1.0]") -> Path:
    p = tmp_path / "s.toml"
    p.write_text(SPEC.format(top=top, entry=entry, q=q, v=v, bounds=bounds))
    return p


def _run(args: list[str]) -> tuple[int, str]:
    res = CliRunner().invoke(cli, args)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        assert isinstance(res.exception, TfalabError), repr(res.exception)
        return 2, f"{res.output}{res.exception}"
    return res.exit_code, res.output


# --- fit spec through the CLI (refused before any simulation) ------------------------------
FIT_SPECS = [
    ({"entry": "weight = inf"}, "weight"),
    ({"entry": "weight = 1e308"}, "weight"),
    ({"entry": "weight = true"}, "weight"),
    ({"top": "overrides = [1, 2]\n"}, "overrides"),
    ({"entry": 'at = "5 h"'}, "at"),
    ({"entry": 'format = "csv"'}, "format"),
    ({"entry": 'pressure = "-1 MPa"'}, "pressure"),
    ({"v": "2000 mA/cm2"}, "ccd"),
    ({"q": "overpotential", "v": "10 mV", "entry": 'at = "-5 h"\nprotocol = "rest 10 h"'},
     "at"),
    ({"q": "overpotential", "v": "10 mV", "entry": 'at = "11 h"\nprotocol = "rest 10 h"'},
     "at"),
    ({"q": "time_to_short", "v": "20 h", "entry": 'protocol = "rest 10 h"'}, "time_to_short"),
    ({"bounds": "[-1.0, 1.0]"}, "lower bound"),
    ({"bounds": "[0.0, 1.0]"}, "lower bound"),
    ({"bounds": "[0.5, 5.0]"}, "upper bound"),
    ({"bounds": '{lower = -0.5, upper = 0.9, scale = "linear"}'}, "lower bound"),
]


@pytest.mark.parametrize("kw, names", FIT_SPECS, ids=[n + str(i) for i, (_, n) in
                                                      enumerate(FIT_SPECS)])
def test_fit_cli_refuses(tmp_path: Path, kw: dict[str, str], names: str) -> None:
    code, text = _run(["fit", str(_spec(tmp_path, **kw)), "--out", str(tmp_path / "o")])
    assert code == 2 and names in text and "unexpected" not in text, text


# --- Observation, built directly --------------------------------------------------------------
OBSERVATIONS: list[tuple[Callable[[], Any], str]] = [
    (lambda: Observation.scalar("ccd", "1.6 mA/cm2", weight=float("inf")), "weight"),
    (lambda: Observation.scalar("ccd", "1.6 mA/cm2", weight=True), "weight"),
    (lambda: Observation.scalar("ccd", "1.6 mA/cm2", weight=2e6), "weight"),
    (lambda: Observation.scalar("ccd", "1.6 mA/cm2", pressure="-1 MPa"), "pressure"),
    (lambda: Observation.scalar("ccd", "1.6 mA/cm2", at="5 h"), "at"),
    (lambda: Observation.scalar("ccd", "1001 mA/cm2"), "ccd"),
    (lambda: Observation(quantity="ccd", value=-5.0), "value"),
    (lambda: Observation(quantity="ccd", value=5.0, sigma=-1.0), "sigma"),
    (lambda: Observation(quantity="ccd", value=5.0, temperature=-5.0), "temperature"),
    (lambda: Observation(quantity="ccd", value=5.0, area=0.0), "area"),
    (lambda: Observation(quantity="overpotential", value=0.01, at=-5.0,
                         protocol="rest 10 h"), "at"),
    (lambda: Observation(quantity="overpotential", value=0.01, at=3600 * 11.0,
                         protocol="rest 10 h"), "at"),
    (lambda: Observation(quantity="time_to_short", value=3600 * 11.0, protocol="rest 10 h"),
     "time_to_short"),
]


@pytest.mark.parametrize("call, names", OBSERVATIONS, ids=[n + str(i) for i, (_, n) in
                                                          enumerate(OBSERVATIONS)])
def test_observation_refuses(call: Callable[[], Any], names: str) -> None:
    with pytest.raises(TfalabError, match=names):
        call()


def test_observation_edges_accepted() -> None:
    assert Observation.scalar("ccd", "1.6 mA/cm2", weight=np.int64(2)).weight == 2.0
    assert Observation.scalar("ccd", "1.6 mA/cm2", weight=np.float64(0.5)).weight == 0.5
    assert Observation.scalar("ccd", "1.6 mA/cm2", weight=1e6).weight == 1e6
    assert Observation.scalar("ccd", "1000 mA/cm2", pressure="0 MPa").pressure == 0.0
    o = Observation(quantity="overpotential", value=0.01, at=3600 * 10.0, protocol="rest 10 h")
    assert o.at == 36000.0
    assert Observation(quantity="overpotential", value=0.01, at=0.0, protocol="rest 10 h")
    assert Observation(quantity="time_to_short", value=36000.0, protocol="rest 10 h")


# --- fit bounds -------------------------------------------------------------------------------
BOUNDS = [
    ((-1.0, 1.0), "lower bound"), ((0.0, 1.0), "lower bound"), ((0.5, 5.0), "upper bound"),
    ({"lower": -0.5, "upper": 0.9, "scale": "linear"}, "lower bound"),
    ((0.0, 0.9), "lower bound"),
]


@pytest.mark.parametrize("bounds, names", BOUNDS, ids=[str(b) for b, _ in BOUNDS])
def test_make_spec_refuses_unphysical_bounds(bounds: Any, names: str) -> None:
    with pytest.raises(TfalabError, match=f"Filament tip fraction: {names}"):
        make_spec("Filament tip fraction", bounds)


def test_make_spec_edges_accepted() -> None:
    s = make_spec("Filament tip fraction", (0.01, 1.0))
    assert s.log and s.upper == 1.0
    assert not make_spec("Anode porosity",
                         {"lower": 0.0, "upper": 1.0, "scale": "linear"}).log
    with pytest.raises(TfalabError, match="log"):
        make_spec("Anode porosity", (0.0, 0.5))  # no silent switch to a linear scale


# --- literature validation --------------------------------------------------------------------
def test_validate_refuses_unknown_lab_and_table_measurements(tmp_path: Path) -> None:
    from tfalab.literature.suite import run_suite

    with pytest.raises(TfalabError, match="Nope") as info:
        run_suite(labs=["Doux2020", "Nope"])
    assert "Doux2020" in str(info.value)  # the known names are listed
    m = tmp_path / "m.toml"
    m.write_text('[measurement]\nid = "a"\n')
    code, text = _run(["validate", "--measurements", str(m), "--lab", "Doux2020",
                       "--out", str(tmp_path / "v")])
    assert code == 2 and "measurement" in text and "array of tables" in text, text
    code, text = _run(["validate", "--lab", "Doux2020,Nope", "--out", str(tmp_path / "w")])
    assert code == 2 and "Nope" in text, text


# --- cell construction ------------------------------------------------------------------------
def _cells() -> list[tuple[Callable[[], Any], str]]:
    from tfalab.cell import FullCell, SymmetricCell, make_anode
    from tfalab.cell.parameters import symmetric_parameters

    return [
        (lambda: make_anode("tfa", build="Nope2099"), "Nope2099"),
        (lambda: make_anode({}), "anode"),
        (lambda: SymmetricCell(options=[1, 2]), "options"),
        (lambda: FullCell(options=[1, 2]), "options"),
        (lambda: FullCell(particle_points=0), "particle_points"),
        (lambda: FullCell(particle_points=-3), "particle_points"),
        (lambda: FullCell(particle_points=8.5), "particle_points"),
        (lambda: FullCell(particle_points=True), "particle_points"),
        (lambda: FullCell(layers=0), "layers"),
        (lambda: symmetric_parameters(pressure="10 MPa",
                                      overrides={"Stack pressure [Pa]": 3e7}), "pressure="),
        (lambda: symmetric_parameters(overrides={"Ambient temperature [K]": 300.0}),
         "temperature="),
        (lambda: symmetric_parameters(overrides={"Electrode area [m2]": 1e-4}), "area="),
    ]


@pytest.mark.parametrize("k", range(12))
def test_cell_construction_refuses(k: int) -> None:
    call, names = _cells()[k]
    with pytest.raises(TfalabError, match=names):
        call()


def test_cell_construction_edges_accepted() -> None:
    from tfalab.cell import FullCell, make_anode

    assert FullCell(particle_points=np.int64(2), layers=2).layers == 2
    assert make_anode("tfa", build="Zhang2025").thickness > 0
    assert make_anode({"thickness": "50 um"}).thickness == pytest.approx(5e-5)


# --- sweep-plot options the kind does not use -------------------------------------------------
SWEEP_PLOT = [
    (["--kind", "map", "--x", "free_li", "--y", "thickness", "--value", "np_ratio",
      "--objectives", "np_ratio:max"], "--objectives"),
    (["--kind", "map", "--x", "free_li", "--y", "thickness", "--value", "np_ratio",
      "--columns", "free_li,thickness"], "--columns"),
    (["--kind", "map", "--x", "free_li", "--y", "thickness", "--value", "np_ratio",
      "--color", "np_ratio"], "--color"),
    (["--kind", "pareto", "--objectives", "np_ratio:max", "--x", "free_li"], "--x"),
    (["--kind", "pareto", "--objectives", "np_ratio:max", "--value", "np_ratio"], "--value"),
    (["--kind", "parallel", "--x", "free_li"], "--x"),
    (["--kind", "parallel", "--color", "key"], "color"),
]


def test_sweep_plot_refuses_unused_options(tmp_path: Path) -> None:
    from tfalab.sweep import run_sweep

    run_sweep({"sweep": {"kind": "design"}, "axes": {"free_li": ["50 wt%", "70 wt%"],
                                                    "thickness": ["50 um", "80 um"]}},
              tmp_path / "s", workers=0, progress=False)
    for args, names in SWEEP_PLOT:
        code, text = _run(["sweep-plot", str(tmp_path / "s"), *args,
                           "--out", str(tmp_path / "x.png")])
        assert code == 2 and names in text and "unexpected" not in text, (args, text)
        assert not (tmp_path / "x.png").exists()
    code, text = _run(["sweep-plot", str(tmp_path / "s"), "--kind", "parallel",
                       "--color", "np_ratio", "--out", str(tmp_path / "ok.png")])
    assert code == 0, text


# --- CellTest metadata ------------------------------------------------------------------------
def _frame() -> pd.DataFrame:
    return pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [0.0, 0.0],
                         "Current / A": [0.0, 0.0]})


@pytest.mark.parametrize("meta, names", [
    ({"pressure": "-20 MPa"}, "pressure"), ({"temperature": "-500 degC"}, "temperature"),
    ({"pressure_Pa": -1.0}, "pressure_Pa"), ({"temperature_K": 0.0}, "temperature_K"),
])
def test_celltest_metadata_refused_on_load(tmp_path: Path, meta: dict[str, Any],
                                           names: str) -> None:
    import json

    from tfalab.io import load

    CellTest(_frame()).to_csv(tmp_path / "t.csv")
    (tmp_path / "t.metadata.json").write_text(json.dumps(meta))
    with pytest.raises(TfalabError, match=names):
        load(tmp_path / "t.csv")


def test_celltest_metadata_edges_accepted() -> None:
    ct = CellTest(_frame(), {"pressure": "0 MPa", "temperature": "80 degC",
                             "pressure_Pa": 0.0, "temperature_K": 353.15})
    assert ct.metadata["pressure_Pa"] == 0.0
