"""Public functions given the wrong kind of argument raise tfalab errors naming it (the
session-9 fuzz found these as TypeError/AttributeError/FileNotFoundError tracebacks)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from tfalab import CellTest
from tfalab.errors import TfalabError


def _test() -> CellTest:
    t = np.arange(0.0, 4000.0, 10.0)
    i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    return CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": 0.01 * np.sign(i),
                                  "Current / A": i}))


def test_api_edges(tmp_path):
    from tfalab.analysis.capacity import capacity_per_cycle
    from tfalab.explore import Settings
    from tfalab.explore.design import DesignInputs, design_metrics, free_li_curve
    from tfalab.explore.lab import read_upload
    from tfalab.io import load

    calls = [
        lambda: load(None), lambda: load(tmp_path / "x.csv", format=5),
        lambda: _test().save(tmp_path / "nodir" / "x.parquet"),
        lambda: _test().save(None),
        lambda: capacity_per_cycle(_test(), area_m2="-1 cm2"),
        lambda: capacity_per_cycle(_test(), area_m2=float("nan")),
        lambda: Settings(time_limit="120 s"), lambda: Settings(upload_limit=True),
        lambda: Settings(sweeps="abc"), lambda: Settings(references=5),
        lambda: read_upload(None, b"x"), lambda: read_upload("x.csv", 5),
        lambda: read_upload("x.csv", b"a,b", limit="big"),
        lambda: read_upload("x.csv", b"a,b", area=5),
        lambda: design_metrics(None), lambda: DesignInputs(skeleton='"; import os'),
        lambda: DesignInputs(thickness_um="100"), lambda: DesignInputs(cathode="xyz"),
        lambda: free_li_curve(DesignInputs(), n=0), lambda: free_li_curve(DesignInputs(), n=10**8),
    ]
    for k, call in enumerate(calls):
        with pytest.raises(TfalabError):
            call()
        assert k >= 0


def test_a_friendly_area_is_read():
    from tfalab.analysis.capacity import capacity_per_cycle

    a = capacity_per_cycle(_test(), area_m2="1 cm2")
    b = capacity_per_cycle(_test(), area_m2=1e-4)
    pd.testing.assert_frame_equal(a, b)


# --- found by the type checker (session 10) ------------------------------------------------------
def test_a_load_bearing_skeleton_without_a_modulus_is_a_clear_error() -> None:
    from tfalab.anode import CompositeAnode
    from tfalab.cell.simulate import simulate_symmetric
    from tfalab.errors import ParameterError

    cu = CompositeAnode(skeleton="Cu", free_li=0.3, collapse_fraction=0.3)  # percolates
    with pytest.raises(ParameterError, match="Young's modulus"):
        simulate_symmetric(cu, "cycle 1 mA/cm2 1 mAh/cm2 x 1")


def test_a_null_observation_value_is_a_clear_error() -> None:
    from tfalab.errors import ParameterError
    from tfalab.fitting.observations import Observation

    with pytest.raises(ParameterError, match="positive, finite"):
        Observation.scalar("ccd", None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "words"), [({"levels": 0}, "levels"),
                                               ({"points": 1}, "points"),
                                               ({"levels": 2.5}, "levels")])
def test_calibration_grid_sizes_are_checked(kwargs: dict, words: str) -> None:
    from tfalab.errors import ParameterError
    from tfalab.literature.calibrate import calibrate_build

    with pytest.raises(ParameterError, match=words):
        calibrate_build("Zhang2025", **kwargs)


# --- session 10: the fuzz re-run's findings in units, protocols, areas and overrides -----------
def test_long_inputs_are_refused_or_read_in_linear_time() -> None:
    from tfalab.errors import ProtocolError, UnitError
    from tfalab.protocols import Rest, parse_protocol
    from tfalab.units import quantity

    with pytest.raises(UnitError, match="longer than"):
        quantity("1 cm2" + " " * 120_000 + "x")
    with pytest.raises(ProtocolError, match="longer than"):
        parse_protocol("rest " + " " * 100_000 + "1 h")
    with pytest.raises(ProtocolError, match="characters"):
        parse_protocol("cycle " + "a" * 40_000)  # 7 s of regex backtracking before
    assert parse_protocol("rest " + " " * 40_000 + "1 h") == Rest("1 h")  # 5 s before


@pytest.mark.parametrize(("value", "kind", "si"), [
    ("5 mAh/cm²", "areal_capacity", 180000.0), ("1 cm²", "area", 1e-4),
    ("60 wt %", "fraction", 0.6), ("2 mA cm⁻²", "current_density", 20.0),
])
def test_common_unit_spellings_are_read(value: str, kind: str, si: float) -> None:
    from tfalab.units import to_si

    assert to_si(value, kind) == pytest.approx(si)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: __import__("tfalab.units").units.quantity(float("inf")), "finite"),
    (lambda: __import__("tfalab.units").units.to_si("5 delta_degC", "temperature"),
     "difference"),
    (lambda: __import__("tfalab.units").units.from_si("abc", "length", "um"), "number"),
    (lambda: __import__("tfalab.units").units.to_si("1 km2", "area", "area"), "electrode"),
    (lambda: __import__("tfalab.units").units.to_si("1e-30 cm2", "area", "area"), "electrode"),
])
def test_unit_edges(call: Any, words: str) -> None:
    from tfalab.errors import UnitError

    with pytest.raises(UnitError, match=words):
        call()


@pytest.mark.parametrize("text", [
    "rest 1e-30 s", "rest 1e300 h", "cycle 1 mA/cm2 1e-30 mAh/cm2 x 1",
    "ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 1e-12 s",
    "strip 1 mA/cm2 to 1e-20 mAh/cm2", [[1e300, 1]], [[1.0, 1e-9]],
])
def test_step_durations_and_currents_have_physical_ranges(text: Any) -> None:
    from tfalab.errors import ProtocolError
    from tfalab.protocols import StepList, make_protocol

    with pytest.raises(ProtocolError, match=r"1 ms to|above"):
        StepList(text) if isinstance(text, list) else make_protocol(text)
    assert make_protocol("rest 1 ms").duration == 1e-3  # the edge is accepted


@pytest.mark.parametrize("blocks", [((1.0, 1.5),), (), "abc", ((1e-5, 1),), ((True, 1),),
                                    ((1.0, True),), ((1.0,),)])
def test_full_protocol_blocks_are_checked(blocks: Any) -> None:
    from tfalab.errors import ProtocolError
    from tfalab.protocols import FullProtocol

    with pytest.raises(ProtocolError, match="full-cell protocol"):
        FullProtocol(blocks=blocks)


@pytest.mark.parametrize(("overrides", "words"), [
    ({"Exchange current density [A.m-2]": "abc"}, "must be a number"),
    ({"Exchange current density [A.m-2]": True}, "must be a number"),
    ([1, 2], "map parameter names"), ({5: 1.0}, "unknown parameter"),
])
def test_overrides_are_checked(overrides: Any, words: str) -> None:
    from tfalab.cell.simulate import simulate_symmetric
    from tfalab.errors import ParameterError

    with pytest.raises(ParameterError, match=words):
        simulate_symmetric("tfa", "cycle 1 mA/cm2 1 mAh/cm2 x 1", overrides=overrides)


@pytest.mark.parametrize("area", [float("inf"), True, 1e300, 0.0, -1.0])
def test_a_celltest_area_must_be_an_electrodes(area: Any) -> None:
    import pandas as pd

    from tfalab.celltest import CellTest
    from tfalab.errors import CellTestError

    frame = pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [0.0, 0.0],
                          "Current / A": [0.0, 0.0]})
    with pytest.raises(CellTestError, match="electrode_area_m2"):
        CellTest(frame, {"electrode_area_m2": area})


def test_explore_settings_edges() -> None:
    from tfalab.errors import ParameterError
    from tfalab.explore import Settings

    with pytest.raises(ParameterError, match="time_limit"):
        Settings(time_limit=1e-300)
    with pytest.raises(ParameterError, match="sweep store"):
        Settings(sweeps=("/etc/hostname",))


@pytest.mark.parametrize("label", ["Temperature / parsec", "Voltage / s", "Test Time / V",
                                   "Applied Pressure / m"])
def test_a_column_unit_of_the_wrong_dimension_is_refused(label: str) -> None:
    from tfalab.celltest import parse_label
    from tfalab.errors import CellTestError

    with pytest.raises(CellTestError, match="is not a unit of"):
        parse_label(label)
    assert parse_label("Current Density / A/m2") == ("Current Density", "A/m2")


@pytest.mark.parametrize("column", [[True, False], [1 + 1j, 2 + 0j]])
def test_boolean_and_complex_columns_are_not_numbers(column: list[Any]) -> None:
    from tfalab.celltest import CellTest
    from tfalab.errors import CellTestError

    frame = pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [0.0, 0.0],
                          "Current / A": column})
    with pytest.raises(CellTestError, match="real numbers"):
        CellTest(frame)
