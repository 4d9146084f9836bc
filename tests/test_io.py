"""tfalab.io: cycler files -> CellTest, format detection, bad input, analyze_cycling.

The three real files in tests/data come from be-smith/navani (MIT; see tests/data/PROVENANCE.md).
The expected numbers below were read from the files with their instruments' own conventions
(BioLogic I/mA, Arbin Current(A), Neware Current(mA)) and converted to SI.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tfalab import CellTest
from tfalab.errors import DataFileError
from tfalab.io import FORMATS, analyze_cycling, detect_format, load

DATA = Path(__file__).parent / "data"
MPR = DATA / "cycler_navani_00_test_02_MB_C01.mpr"
ARBIN = DATA / "cycler_navani_arbin_Channel_11.xlsx"
NDAX = DATA / "cycler_navani_test.ndax"
MPT = DATA / "eis_impedancepy_exampleDataBioLogic.mpt"
REL = 1e-6


@pytest.fixture(scope="module")
def arbin():
    return load(ARBIN, area="0.785 cm2")  # the slowest read (openpyxl): once per module


# --- real files ----------------------------------------------------------------------------
def test_biologic_mpr_values():
    t = load(MPR)
    assert len(t) == 11
    assert t.time[0] == pytest.approx(6.166, rel=REL)
    assert t.time[-1] == pytest.approx(16.1658, rel=REL)
    assert t.voltage[0] == pytest.approx(-1.6501721, rel=REL)
    assert t.voltage[-1] == pytest.approx(-1.6501454, rel=REL)
    assert t.current[0] == pytest.approx(-5.6718159e-05, rel=REL)  # I/mA -0.0567 -> A
    assert t.current[-1] == pytest.approx(-4.4965029e-05, rel=REL)
    assert t.data["Step Count / 1"].max() == 1
    m = t.metadata
    assert m["format"] == "biologic-mpr" and m["instrument"].startswith("BioLogic")
    assert m["start_time"].startswith("2023-12-08T09:49:52")
    assert m["positive_current"] == "charge"
    assert m["source_file"] == str(MPR)


def test_arbin_xlsx_values(arbin):
    t = arbin
    assert len(t) == 4526
    assert t.time[0] == pytest.approx(1.001, rel=REL)
    assert t.time[-1] == pytest.approx(1204815.81068, rel=REL)
    assert t.voltage[0] == pytest.approx(2.6372986, rel=REL)
    assert t.voltage[-1] == pytest.approx(0.0722866, rel=REL)
    assert t.current[0] == 0.0
    assert t.current[-1] == pytest.approx(5.0827861e-05, rel=REL)
    # the cycler's label is constant over 4 half-cycles: cycles come from the current (navani: 2)
    assert t.data["Cycle Count / 1"].nunique() == 2
    assert "cycle_labels" in t.metadata
    assert t.data["Step Index / 1"].tolist()[:1] == [1]
    assert t.data["Discharging Capacity / Ah"].iloc[-1] == pytest.approx(0.011055, rel=1e-3)
    m = t.metadata
    assert m["format"] == "arbin-xlsx" and m["channel"] == "11"
    assert m["start_time"] == "2020-10-19T11:33:31"
    assert t.area == pytest.approx(0.785e-4)
    assert t.current_density[-1] == pytest.approx(5.0827861e-05 / 0.785e-4, rel=REL)


def test_neware_ndax_values():
    t = load(NDAX)
    assert len(t) == 1464
    assert t.time[0] == 0.0
    assert t.time[-1] == pytest.approx(43800.0)  # test time rebuilt from the step times
    assert np.all(np.diff(t.time) >= 0)
    assert t.voltage[0] == pytest.approx(3.4666, rel=REL)
    assert t.voltage[-1] == pytest.approx(1.8105, rel=REL)
    assert t.current[0] == 0.0 and t.current[-1] == 0.0
    assert t.current.max() == pytest.approx(0.12e-3, rel=1e-3)  # 0.12 mA charge, positive
    assert t.current.min() == pytest.approx(-0.1199e-3, rel=1e-3)
    assert t.data["Cycle Count / 1"].nunique() == 1  # labels agree with the current
    assert t.data["Step Count / 1"].tolist()[0] == 1 and t.data["Step Count / 1"].max() == 4
    assert t.data["Charging Capacity / Ah"].max() == pytest.approx(0.593039e-3, rel=1e-4)
    m = t.metadata
    assert m["format"] == "neware-ndax" and m["channel"] == "16-1-7"
    assert m["start_time"] == "2024-02-01T20:24:23"


def test_biologic_mpt_eis_export_refused():
    # impedance.py's EC-Lab text file is a PEIS spectrum, not cycling data
    assert detect_format(MPT) == "biologic-mpt"
    with pytest.raises(DataFileError, match="impedance"):
        load(MPT)


def test_integrated_capacity_matches_cycler_counters(arbin):
    from tfalab.analysis.capacity import capacity_per_cycle

    cap = capacity_per_cycle(arbin)  # per cycle (navani: 5.798 / 5.698 mAh in cycle 1)
    assert cap["discharge_capacity_Ah"].sum() == pytest.approx(0.011055, rel=2e-3)
    assert cap["charge_capacity_Ah"].sum() == pytest.approx(0.005703, rel=2e-3)
    assert cap["discharge_capacity_Ah"].iloc[0] == pytest.approx(5.798033e-3, rel=5e-3)
    nw = capacity_per_cycle(load(NDAX))
    assert nw["charge_capacity_Ah"].iloc[0] == pytest.approx(0.593039e-3, rel=5e-3)


# --- detection -----------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "fmt"), [(MPR, "biologic-mpr"), (ARBIN, "arbin-xlsx"),
                                           (NDAX, "neware-ndax"), (MPT, "biologic-mpt")])
def test_detect_real_files(path, fmt):
    assert detect_format(path) == fmt


def test_detection_uses_content_not_extension(tmp_path):
    disguised = tmp_path / "data.bin"
    disguised.write_bytes(NDAX.read_bytes())
    assert detect_format(disguised) == "neware-ndax"
    assert len(load(disguised)) == 1464
    mpr = tmp_path / "run.txt"
    mpr.write_bytes(MPR.read_bytes())
    assert load(mpr).metadata["format"] == "biologic-mpr"


def test_format_override(tmp_path):
    p = tmp_path / "x.dat"
    CellTest(pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [1.0, 1.0],
                           "Current / A": [0.1, 0.1]})).to_csv(p)
    assert load(p, format="bdf-csv").metadata["format"] == "bdf-csv"
    with pytest.raises(DataFileError, match="unknown format"):
        load(p, format="gamry")


def test_bdf_parquet_and_csv_roundtrip(tmp_path):
    test = CellTest(pd.DataFrame({"Test Time / s": [0.0, 1.0, 2.0],
                                  "Voltage / V": [0.1, 0.2, 0.3],
                                  "Current / A": [1e-3, 1e-3, -1e-3]}), {"anode": "tfa"})
    for name in ("a.parquet", "a.csv"):
        p = test.save(tmp_path / name)
        back = load(p, area=1e-4)
        assert back.data.equals(test.data)
        assert back.metadata["anode"] == "tfa" and back.area == 1e-4
    assert detect_format(tmp_path / "a.parquet") == "bdf-parquet"


def test_maccor_synthetic(tmp_path):
    p = tmp_path / "maccor.txt"
    lines = ["Today's Date\t03/04/2024", "Date of Test:\t03/01/2024",
             "Filename:\tC:\\Data\\cell7.001",
             "Rec#\tCyc#\tStep\tTestTime\tStepTime\tAmp-hr\tWatt-hr\tAmps\tVolts\tState",
             "1\t0\t1\t0.0\t0.0\t0\t0\t0\t3.00\tR",
             "2\t1\t2\t60.0\t0.0\t0.001\t0\t0.002\t3.50\tC",
             "3\t1\t2\t120.0\t60.0\t0.002\t0\t0.002\t3.60\tC",
             "4\t1\t3\t180.0\t0.0\t0.001\t0\t0.002\t3.40\tD",
             "5\t2\t3\t240.0\t60.0\t0.002\t0\t0.002\t3.30\tD"]
    p.write_text("\n".join(lines) + "\n")
    assert detect_format(p) == "maccor-txt"
    t = load(p)
    assert t.current.tolist() == [0.0, 0.002, 0.002, -0.002, -0.002]  # sign from State
    assert t.time.tolist() == [0.0, 60.0, 120.0, 180.0, 240.0]
    assert t.data["Cycle Count / 1"].tolist() == [0, 1, 1, 1, 2]
    assert t.data["Step Capacity / Ah"].iloc[-1] == 0.002
    assert t.metadata["start_time"] == "03/01/2024"
    assert t.metadata["current_sign_from"] == "unsigned current, sign from State"


def test_maccor_formatted_time(tmp_path):
    p = tmp_path / "m.txt"
    p.write_text("Rec#\tCyc#\tTest Time\tAmps\tVolts\n1\t1\t0d 00:00:00.00\t0.001\t3.0\n"
                 "2\t1\t1d 00:00:10.50\t0.001\t3.1\n")
    assert load(p).time.tolist() == [0.0, 86410.5]


def test_land_synthetic_xlsx(tmp_path):
    p = tmp_path / "land.xlsx"
    frame = pd.DataFrame({
        "Record ID": [1, 2, 3, 4],
        "TestTime/h": [0.0, 0.5, 1.0, 1.5],
        "Voltage/V": [3.0, 3.5, 3.4, 3.1],
        "Current/mA": [0.5, 0.5, -0.5, -0.5],
        "Capacity/mAh": [0.0, 0.25, 0.0, 0.25],
        "Cycle": [1, 1, 1, 1],
        "Step": [1, 1, 2, 2],
        "State": ["C_CC", "C_CC", "D_CC", "D_CC"],
        "SysTime": pd.to_datetime(["2024-05-01 10:00:00"] * 4),
    })
    with pd.ExcelWriter(p) as xl:
        frame.to_excel(xl, sheet_name="Record", index=False)
    assert detect_format(p) == "land-xlsx"
    t = load(p, area="1 cm2")
    assert t.time.tolist() == [0.0, 1800.0, 3600.0, 5400.0]  # h -> s
    assert t.current.tolist() == [5e-4, 5e-4, -5e-4, -5e-4]  # mA -> A, sign kept
    assert t.data["Step Capacity / Ah"].tolist() == [0.0, 2.5e-4, 0.0, 2.5e-4]
    assert t.data["Step Count / 1"].tolist() == [1, 1, 2, 2]
    assert t.metadata["start_time"] == "2024-05-01T10:00:00"
    assert t.area == pytest.approx(1e-4)


def test_arbin_csv_synthetic(tmp_path):
    p = tmp_path / "arbin.csv"
    pd.DataFrame({"Data_Point": [1, 2], "Test_Time(s)": [0.0, 10.0],
                  "Current(A)": [0.001, 0.001], "Voltage(V)": [3.0, 3.1],
                  "Cycle_Index": [1, 1], "Step_Index": [1, 1]}).to_csv(p, index=False)
    assert detect_format(p) == "arbin-csv"
    assert load(p).voltage.tolist() == [3.0, 3.1]


# --- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize("src", [MPR, NDAX, ARBIN])
def test_truncated_real_file(tmp_path, src):
    p = tmp_path / ("cut" + src.suffix)
    raw = src.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataFileError, match=str(p.name)):
        load(p)


def test_random_bytes(tmp_path):
    p = tmp_path / "noise.mpr"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(DataFileError, match=r"noise\.mpr.*unknown"):
        load(p)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.ndax"
    p.write_bytes(b"")
    with pytest.raises(DataFileError, match="empty"):
        load(p)
    with pytest.raises(DataFileError, match="empty"):
        load(p, format="ndax")


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        load(tmp_path / "nope.mpr")


def test_csv_missing_columns(tmp_path):
    p = tmp_path / "bad.csv"
    pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [1.0, 1.0]}).to_csv(p, index=False)
    with pytest.raises(DataFileError, match=r"bad\.csv.*Current / A"):
        load(p)


def test_maccor_missing_columns(tmp_path):
    p = tmp_path / "m.txt"
    p.write_text("Rec#\tCyc#\tTestTime\tVolts\n1\t1\t0\t3.0\n")
    with pytest.raises(DataFileError, match=r"m\.txt.*Current / A"):
        load(p)


def test_unknown_text(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello, this is not cycler data\n")
    with pytest.raises(DataFileError, match=r"notes\.txt.*unknown file format"):
        load(p)


def test_header_only_csv(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("Test Time / s,Voltage / V,Current / A\n")
    with pytest.raises(DataFileError, match="no data rows"):
        load(p)


def test_time_going_backwards(tmp_path):
    p = tmp_path / "m.txt"
    p.write_text("Rec#\tTestTime\tAmps\tVolts\n1\t10\t0.001\t3.0\n2\t5\t0.001\t3.0\n")
    with pytest.raises(DataFileError, match="backwards"):
        load(p)


@pytest.mark.parametrize("area", [-1.0, 0.0, float("inf"), True, "1e-30 cm2", "1 km2", 1e300])
def test_bad_area(area):
    with pytest.raises(DataFileError, match="electrode area"):
        load(MPR, area=area)


def test_formats_listed():
    assert {"biologic-mpr", "arbin-xlsx", "neware-ndax", "maccor-txt"} <= set(FORMATS)


# --- analyze_cycling -----------------------------------------------------------------------
def test_analyze_cycling_real(tmp_path):
    s = analyze_cycling(NDAX, tmp_path / "out" / "nw", area="1 cm2")
    assert (tmp_path / "out" / "nw.png").stat().st_size > 1000
    back = json.loads((tmp_path / "out" / "nw.json").read_text())
    assert back["n_rows"] == 1464 == s["n_rows"]
    assert s["n_cycles"] == 1 and s["symmetric"] is False
    assert s["cycles"][0]["charge_capacity_mAh_cm2"] == pytest.approx(0.593, rel=5e-3)


def test_analyze_cycling_symmetric(tmp_path):
    t = np.arange(0.0, 8000.0, 10.0)
    i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    v = np.sign(i) * (0.05 + 1e-6 * t)
    p = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": v, "Current / A": i})) \
        .save(tmp_path / "sym.parquet")
    s = analyze_cycling(p, tmp_path / "sym", area=1e-4)
    assert s["symmetric"] and len(s["overpotential"]) == 4
    assert s["cycles"][0]["coulombic_efficiency"] == pytest.approx(1.0, rel=1e-2)
    json.dumps(s)
