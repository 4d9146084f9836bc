"""Real cycler files from other labs (tests/data, provenance in tests/data/PROVENANCE.md, and
shared/data/external where present): row, cycle and per-cycle capacity counts against a
reference reader (navani), live when navani is installed, else against navani's numbers
recorded once (navani 0.1.22, ``echem_file_loader`` + ``cycle_summary``; its cycles are
pairs of half-cycles, its "cycle 0" the rest before the first current)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tfalab.analysis.capacity import capacity_per_cycle
from tfalab.errors import DataFileError
from tfalab.io.cyclers import half_cycles_from_current, load

DATA = Path(__file__).parent / "data"
EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"

# navani 0.1.22: rows, active cycles, per-cycle (charge, discharge) in Ah (navani's "charge"
# is positive current; navani reports Arbin .res capacities in Ah, the others in mAh)
NAVANI = {
    "cycler_navani_arbin_Channel_11.xlsx": (4526, 2, [(5.698107593e-3, 5.798033157e-3),
                                                     (4.59328294e-6, 5.256825592e-3)]),
    "cycler_navani_test.ndax": (1464, 1, [(5.930391550e-4, 6.254507899e-4)]),
    "cycler_cellpy_20160805_test001_45_cc_01.res": (
        10261, 18, [(0.0, 1.755093215e-3), (1.625405996e-3, 1.567473762e-3),
                    (1.699563702e-3, 1.585718926e-3), (1.731507166e-3, 1.517317964e-3)]),
}


def _file(name: str) -> Path:
    for d in (DATA, EXTERNAL):
        if (d / name).is_file():
            return d / name
    pytest.skip(f"{name} not in tests/data nor {EXTERNAL}")


def _needs(name: str) -> None:
    if name.endswith(".res") and shutil.which("mdb-export") is None:
        pytest.skip("mdb-export (Debian package mdbtools) is not installed")


@pytest.mark.parametrize("name", sorted(NAVANI))
def test_against_navani_numbers(name: str) -> None:
    _needs(name)
    rows, n_cycles, caps = NAVANI[name]
    test = load(_file(name))
    cap = capacity_per_cycle(test)
    assert len(test) == rows
    active = cap[(cap.charge_capacity_Ah + cap.discharge_capacity_Ah) > 0]
    assert len(active) == n_cycles
    for k, (chg, dis) in enumerate(caps):
        got = active.iloc[k]
        tol = 5e-3 * max(chg, dis)  # 0.5 % of the cycle's capacity
        assert got.charge_capacity_Ah == pytest.approx(chg, abs=tol)
        assert got.discharge_capacity_Ah == pytest.approx(dis, abs=tol)


@pytest.mark.parametrize("name", sorted(NAVANI))
def test_against_navani_live(name: str) -> None:
    echem = pytest.importorskip("navani.echem", reason="navani not installed (it pins "
                                "numpy<2 and pandas<3; `pip install .[crosscheck]` elsewhere)")
    _needs(name)
    path = _file(name)
    ref = echem.cycle_summary(echem.echem_file_loader(str(path)))
    cap = capacity_per_cycle(load(path))
    active = cap[(cap.charge_capacity_Ah + cap.discharge_capacity_Ah) > 0]
    ref = ref[(ref["Charge Capacity"].fillna(0) + ref["Discharge Capacity"].fillna(0)) > 0]
    assert len(active) == len(ref)
    scale = 1.0 if name.endswith(".res") else 1e-3
    for col, rcol in (("charge_capacity_Ah", "Charge Capacity"),
                      ("discharge_capacity_Ah", "Discharge Capacity")):
        want = ref[rcol].fillna(0).to_numpy() * scale
        tol = 5e-3 * np.maximum(want, active[col].to_numpy())
        assert np.all(np.abs(active[col].to_numpy() - want) <= tol + 1e-12)


def test_arbin_xlsx_constant_labels_replaced() -> None:
    test = load(_file("cycler_navani_arbin_Channel_11.xlsx"))
    assert "cycle_labels" in test.metadata
    assert sorted(set(test.data["Cycle Count / 1"])) == [1, 2]


def test_res_without_mdbtools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(DataFileError, match="mdbtools"):
        load(_file("cycler_cellpy_20160805_test001_45_cc_01.res"))


def test_res_metadata() -> None:
    _needs(".res")
    test = load(_file("cycler_cellpy_20160805_test001_45_cc_01.res"))
    assert test.metadata["format"] == "arbin-res"
    assert test.metadata["start_time"].startswith("2016-08-05")


def test_biologic_mpr_reads() -> None:
    test = load(_file("cycler_navani_00_test_02_MB_C01.mpr"))
    assert len(test) == 11  # navani: 11 rows, one discharge of 1.346e-4 mAh
    cap = capacity_per_cycle(test)
    # 11 points 1 s apart: trapezoids of I vs the cycler's own charge counter differ by 0.6 %
    assert cap.discharge_capacity_Ah.sum() == pytest.approx(1.3461929955e-7, rel=1e-2)


def _mpt(tmp_path: Path, header: str, rows: list[str]) -> Path:
    p = tmp_path / "x.mpt"
    p.write_text("EC-Lab ASCII FILE\nNb header lines : 3\n\n" + header + "\n"
                 + "\n".join(rows) + "\n", encoding="latin-1")
    return p


def test_mpt_current_from_dq(tmp_path: Path) -> None:
    p = _mpt(tmp_path, "time/s\tEwe/V\tdq/mA.h\tcycle number",
             ["0\t3.0\t0\t1", "10\t3.1\t0.01\t1", "20\t3.2\t0.01\t1", "30\t3.1\t-0.01\t1"])
    test = load(p)
    np.testing.assert_allclose(test.current[1:], [3.6e-3, 3.6e-3, -3.6e-3])
    assert "dq" in test.metadata["current_from"]


def test_mpt_ocv_only_is_rest(tmp_path: Path) -> None:
    p = _mpt(tmp_path, "mode\ttime/s\tEwe/V", ["0\t0\t3.0", "0\t10\t3.01", "0\t20\t3.02"])
    test = load(p)
    assert np.all(test.current == 0)
    assert "OCV" in test.metadata["current_from"]


@pytest.mark.parametrize("name", ["eis_impedancepy_exampleDataBioLogic.mpt",
                                  "eis_impedancepy_exampleDataBioLogic_MissingFreq.mpt",
                                  "eis_impedancepy_exampleDataAutolab.txt",
                                  "eis_impedancepy_exampleDataParstat.txt"])
def test_eis_files_refused(name: str) -> None:
    with pytest.raises(DataFileError, match=r"(?i)impedance|EIS"):
        load(_file(name))


def test_half_cycles() -> None:
    assert half_cycles_from_current(np.zeros(3)).tolist() == [0, 0, 0]


def _external(name: str) -> Path:
    if not (EXTERNAL / name).is_file():
        pytest.skip(f"{EXTERNAL / name} absent (shared/ not beside the clone)")
    return EXTERNAL / name


def test_neware_csv_against_its_own_counters() -> None:
    import pandas as pd

    path = _external("cycler_cellpy_neware_uio.csv")
    test = load(path)
    assert test.metadata["format"] == "table-csv" and len(test) == 9065
    cap = capacity_per_cycle(test)
    # the cycler's label 3 holds two charge/discharge pairs (two rates): 5 cycles from the current
    assert len(cap) == 5 and "cycle_labels" in test.metadata
    raw = pd.read_csv(path)
    steps = raw.groupby(["Cycle Index", "Step Index"])[["Chg. Cap.(Ah)", "DChg. Cap.(Ah)"]].max()
    per_label = steps.groupby("Cycle Index").sum()
    merged = [cap.iloc[[0]], cap.iloc[[1]], cap.iloc[[2, 3]], cap.iloc[[4]]]
    for k, part in enumerate(merged):
        want = per_label.iloc[k]
        assert part.charge_capacity_Ah.sum() == pytest.approx(want["Chg. Cap.(Ah)"], rel=5e-3)
        assert part.discharge_capacity_Ah.sum() == pytest.approx(want["DChg. Cap.(Ah)"],
                                                                 rel=5e-3)


@pytest.mark.parametrize(("name", "rows"), [("cycler_cellpy_batmo_bdf.csv", 21206),
                                            ("cycler_cellpy_Test25205.csv", 489),
                                            ("cycler_cellpy_maccor_001.txt", 6704)])
def test_other_external_files_load(name: str, rows: int) -> None:
    test = load(_external(name))
    assert len(test) == rows
    assert np.all(np.diff(test.time) >= 0)
