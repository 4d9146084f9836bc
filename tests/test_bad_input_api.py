"""Public functions given the wrong kind of argument raise tfalab errors naming it (the
session-9 fuzz found these as TypeError/AttributeError/FileNotFoundError tracebacks)."""

from __future__ import annotations

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
