import json

import numpy as np
import pandas as pd
import pytest

from tfalab.celltest import CellTest, parse_label
from tfalab.errors import CellTestError


@pytest.fixture
def frame():
    rng = np.random.default_rng(1)
    n = 500
    return pd.DataFrame({
        "Test Time / s": np.cumsum(rng.random(n) * 10),
        "Voltage / V": rng.normal(0, 0.02, n),
        "Current / A": np.where(np.arange(n) % 100 < 50, 1e-4, -1e-4) * (1 + rng.random(n) / 3),
        "Cycle Count / 1": np.arange(n) // 100,
        "Applied Pressure / Pa": np.full(n, 20e6) + rng.normal(0, 1e3, n),
        "Porosity / 1": rng.random(n) / 3,
    })


META = {"electrode_area_m2": 7.853981633974483e-05, "anode": {"skeleton": "LiBx"},
        "temperature_K": 353.15, "source": "test"}


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_round_trip_exact(tmp_path, frame, suffix):
    t = CellTest(frame, META)
    back = CellTest.load(t.save(tmp_path / f"run{suffix}"))
    assert back == t
    pd.testing.assert_frame_equal(back.data, t.data, check_exact=True)
    assert back.metadata == META


def test_current_density_needs_area(frame):
    assert np.allclose(CellTest(frame, META).current_density,
                       frame["Current / A"] / META["electrode_area_m2"])
    with pytest.raises(CellTestError, match="electrode_area"):
        _ = CellTest(frame).current_density


def test_column_by_name(frame):
    t = CellTest(frame, META)
    assert np.array_equal(t.column("Porosity"), frame["Porosity / 1"].to_numpy())


def test_parse_label():
    assert parse_label("Current / A") == ("Current", "A")
    with pytest.raises(CellTestError):
        parse_label("Current (A)")
    with pytest.raises(CellTestError, match="unknown unit"):
        parse_label("Current / zorks")


@pytest.mark.parametrize("mutate", [
    lambda f: f.drop(columns=["Voltage / V"]),
    lambda f: f.rename(columns={"Current / A": "Current"}),
    lambda f: f.assign(**{"Voltage / V": "high"}),
    lambda f: f.assign(**{"Test Time / s": f["Test Time / s"][::-1].to_numpy()}),
    lambda f: f.assign(**{"Test Time / s": np.nan}),
])
def test_rejects_malformed(frame, mutate):
    with pytest.raises(CellTestError):
        CellTest(mutate(frame), META)


def test_rejects_bad_metadata(frame):
    with pytest.raises(CellTestError):
        CellTest(frame, {"electrode_area_m2": -1})
    with pytest.raises(CellTestError):
        CellTest(frame, {"x": object()})


def test_load_errors(tmp_path, frame):
    with pytest.raises(CellTestError, match="no such file"):
        CellTest.load(tmp_path / "missing.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(CellTestError, match="Parquet"):
        CellTest.load(bad)
    odd = tmp_path / "x.txt"
    odd.write_text("a")
    with pytest.raises(CellTestError, match="format"):
        CellTest.load(odd)
    csv = CellTest(frame, META).save(tmp_path / "ok.csv")
    (tmp_path / "ok.metadata.json").write_text("{broken")
    with pytest.raises(CellTestError, match="metadata"):
        CellTest.load(csv)
    (tmp_path / "ok.metadata.json").write_text(json.dumps(META))
    frame.drop(columns=["Current / A"]).to_csv(tmp_path / "ok.csv", index=False)
    with pytest.raises(CellTestError, match="missing required"):
        CellTest.load(csv)
