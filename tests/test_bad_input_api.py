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
