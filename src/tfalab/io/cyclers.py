"""Battery-cycler files -> :class:`~tfalab.CellTest` (Battery Data Format, SI units).

Supported formats (detected from the file's content, not only its extension):

==================  ===========================================================================
``biologic-mpr``    BioLogic EC-Lab binary ``.mpr`` (magic ``BIO-LOGIC MODULAR FILE``; galvani)
``biologic-mpt``    BioLogic EC-Lab text export ``.mpt`` (``EC-Lab ASCII FILE``)
``arbin-xlsx``      Arbin Excel export (sheets ``Channel_*``, ``Test_Time(s)``, ``Current(A)``...)
``arbin-csv``       Arbin CSV export with the same column names
``arbin-res``       Arbin ``.res`` (MS Access database; ``mdb-export`` of Debian's ``mdbtools``)
``neware-ndax``     Neware ``.ndax`` (zip with ``data.ndc``; NewareNDA)
``neware-nda``      Neware ``.nda`` (magic ``NEWARE``; NewareNDA)
``table-csv``       any other delimited text table whose header names time, voltage and current
                    (Neware/PEC CSV exports, BDF with other units ...), below any key/value lines
``land-xlsx``       LAND/LANHE Excel export (best effort from the usual column names)
``maccor-txt``      Maccor tab-separated text export (``Rec#``, ``Cyc#``, ``Amps``, ``Volts``...)
``bdf-csv``         BDF CSV as written by :meth:`CellTest.save` (``Test Time / s`` ...)
``bdf-parquet``     BDF Parquet as written by :meth:`CellTest.save` (magic ``PAR1``)
==================  ===========================================================================

Units become SI (mA -> A, mAh -> Ah as BDF wants, h -> s). The current keeps the sign the
cycler recorded: for all supported cyclers positive current is oxidation at the working
electrode (the one on the positive lead): a cycler "charge", stripping when that electrode is
Li metal. Files that record only |I| plus a charge/discharge state column (Maccor, some
LAND exports) get negative current on the discharge rows. The metadata says so:
``positive_current = "charge"``.

>>> import tempfile, pathlib, pandas as pd
>>> from tfalab import CellTest
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = CellTest(pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [3.0, 3.1],
...                            "Current / A": [1e-3, 1e-3]})).save(d / "run.csv")
>>> detect_format(d / "run.csv")
'bdf-csv'
>>> test = load(d / "run.csv", area="0.785 cm2")
>>> round(test.area * 1e4, 3), test.metadata["format"]
(0.785, 'bdf-csv')
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tfalab.analysis.cycling import REST_FRACTION, half_cycles_from_current
from tfalab.celltest import (
    _META_KEY,
    CURRENT,
    TIME,
    VOLTAGE,
    CellTest,
    _sidecar,
    parse_metadata,
)
from tfalab.errors import CellTestError, DataFileError, UnitError
from tfalab.units import to_si

__all__ = ["FORMATS", "detect_format", "load"]

CYCLE = "Cycle Count / 1"
STEP = "Step Count / 1"
STEP_INDEX = "Step Index / 1"

FORMATS = ("biologic-mpr", "biologic-mpt", "arbin-xlsx", "arbin-csv", "arbin-res",
           "neware-ndax", "table-csv",
           "neware-nda", "land-xlsx", "maccor-txt", "bdf-csv", "bdf-parquet")
_ALIASES = {"mpr": "biologic-mpr", "mpt": "biologic-mpt", "biologic": "biologic-mpr",
            "arbin": "arbin-xlsx", "res": "arbin-res", "ndax": "neware-ndax", "nda": "neware-nda",
            "neware": "neware-ndax", "land": "land-xlsx", "lanhe": "land-xlsx",
            "maccor": "maccor-txt", "csv": "bdf-csv", "parquet": "bdf-parquet",
            "bdf": "bdf-csv"}
_INSTRUMENT = {"biologic-mpr": "BioLogic EC-Lab", "biologic-mpt": "BioLogic EC-Lab",
               "arbin-xlsx": "Arbin", "arbin-csv": "Arbin", "arbin-res": "Arbin",
               "neware-ndax": "Neware BTS",
               "neware-nda": "Neware BTS", "land-xlsx": "LAND/LANHE", "maccor-txt": "Maccor"}
SIGN_NOTE = ("as recorded by the cycler: positive = oxidation at the working electrode "
             "(cycler 'charge'; Li stripping if the working electrode is Li)")


# --- detection -----------------------------------------------------------------------------
def _head(path: Path, n: int = 4096) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def _text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError:
        return head.decode("latin-1")


def detect_format(path: str | Path) -> str:
    """The format of a cycler file (one of :data:`FORMATS`), from its content.

    Raises :class:`~tfalab.errors.DataFileError` for a missing, empty or unknown file.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_text("Today's Date 01/02/2024\\nRec#\\tCyc#\\tTestTime\\tAmps\\tVolts\\n")
    >>> detect_format(p)
    'maccor-txt'
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: no such file")
    head = _head(path)
    if not head.strip():
        raise DataFileError(f"{path}: the file is empty")
    if head.startswith(b"BIO-LOGIC MODULAR FILE"):
        return "biologic-mpr"
    if head.startswith(b"NEWARE"):
        return "neware-nda"
    if head.startswith(b"PAR1"):
        return "bdf-parquet"
    if head[4:19] in (b"Standard Jet DB", b"Standard ACE DB"):
        return "arbin-res"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
            raise DataFileError(f"{path}: a damaged or truncated zip container "
                                f"(xlsx/ndax): {exc}") from None
        if "data.ndc" in names or "Step.xml" in names:
            return "neware-ndax"
        if "xl/workbook.xml" in names:
            sheets = _sheet_names(path)
            if any(re.match(r"(?i)channel", s) for s in sheets):
                return "arbin-xlsx"
            return "land-xlsx"
        raise DataFileError(f"{path}: a zip file, but neither an Excel workbook nor a Neware "
                            f".ndax (members: {sorted(names)[:8]})")
    text = _text(head)
    if text is None:
        raise DataFileError(f"{path}: unknown binary format (first bytes {head[:16]!r}); "
                            f"supported: {', '.join(FORMATS)}")
    first = text.lstrip("\ufeff").lstrip()
    if first.startswith(("EC-Lab ASCII FILE", "BT-Lab ASCII FILE")):
        return "biologic-mpt"
    line = first.splitlines()[0] if first else ""
    if _EIS_HEAD.search(text):
        raise DataFileError(f"{path}: this looks like an impedance (EIS) spectrum "
                            f"(frequency and Z columns), not cycling data; use "
                            f"`tfalab analyze eis`")
    if "Test Time / s" in line:
        return "bdf-csv"
    if "Test_Time(s)" in text and ("Current(A)" in text or "Voltage(V)" in text):
        return "arbin-csv"
    if re.search(r"(?im)^rec#?\t|\tCyc#\t|\tAmp-hr|\tAmps\t", text):
        return "maccor-txt"
    if _table_header(path) is not None:
        return "table-csv"
    raise DataFileError(f"{path}: unknown file format (not one of {', '.join(FORMATS)}); "
                        f"first line: {line[:80]!r}")


def _table_header(path: Path) -> tuple[int, str] | None:
    """(line index, delimiter) of the first of 200 lines that names time, voltage and current
    columns, or None."""
    with open(path, "rb") as f:
        lines = f.read(262144).decode("latin-1").splitlines()[:200]
    for k, line in enumerate(lines):
        for sep in (",", "\t", ";"):
            cells = line.split(sep)
            if len(cells) < 3:
                continue
            names = {_split_header(c.strip().strip('"'))[0] for c in cells[:MAX_COLUMNS]}
            if all(names & set(_FIELDS[lab][1]) for lab in (TIME, VOLTAGE, CURRENT)):
                return k, sep  # (a header too wide is refused by load's _check_width)
    return None


#: columns a cycler table may have
MAX_COLUMNS = 1000


def _check_width(path: Path) -> None:
    """Refuse a text table whose first lines have more than :data:`MAX_COLUMNS` columns
    before pandas reads it (minutes and GBs for 2e5 columns)."""
    with open(path, "rb") as f:
        head = f.read(262144).decode("latin-1")
    for line in head.splitlines()[:200]:
        n = max(line.count(sep) for sep in (",", "\t", ";")) + 1
        if n > MAX_COLUMNS:
            raise DataFileError(f"{path}: a line has {n} columns, more than the {MAX_COLUMNS} "
                                "a cycler table may have")


_EIS_HEAD = re.compile(r"(?i)freq\w*\s*[/(\[]?\s*hz.{0,200}?(re\s*\(?z|z'|zreal|z_?re)"
                       r"|\bZCURVE\b")


def _sheet_names(path: Path) -> list[str]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise DataFileError(f"{path}: not a readable Excel workbook "
                            f"({type(exc).__name__}: {exc})") from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


# --- column mapping ------------------------------------------------------------------------
_UNITS: dict[str, dict[str, float]] = {
    "time": {"s": 1.0, "sec": 1.0, "ms": 1e-3, "min": 60.0, "h": 3600.0, "hr": 3600.0},
    "voltage": {"v": 1.0, "mv": 1e-3},
    "current": {"a": 1.0, "ma": 1e-3, "ua": 1e-6, "µa": 1e-6, "μa": 1e-6, "na": 1e-9},
    "capacity": {"ah": 1.0, "mah": 1e-3, "uah": 1e-6, "µah": 1e-6, "μah": 1e-6,
                 "ahr": 1.0, "mahr": 1e-3},
    "energy": {"wh": 1.0, "mwh": 1e-3, "uwh": 1e-6, "µwh": 1e-6, "whr": 1.0},
    "temperature": {"c": 1.0, "°c": 1.0, "degc": 1.0, "℃": 1.0},
    "resistance": {"ohm": 1.0, "mohm": 1e-3, "ω": 1.0, "mω": 1e-3},
    "index": {"": 1.0, "1": 1.0},
}
_DEFAULT_UNIT = {"time": "s", "voltage": "v", "current": "a", "capacity": "ah",
                 "energy": "wh", "temperature": "c", "resistance": "ohm", "index": ""}

#: BDF label -> (kind, column-name aliases, normalised, in order of preference)
_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    TIME: ("time", ("testtime", "totaltime", "cumulativetime", "testtimes", "time",
                    "runtime")),
    VOLTAGE: ("voltage", ("voltage", "volts", "volt", "ewe", "<ewe>", "ecell", "<ecell>",
                          "potential")),
    CURRENT: ("current", ("current", "amps", "amp", "i", "<i>")),
    CYCLE: ("index", ("cycleindex", "cyclenumber", "cyclecount", "cycle", "cyc#", "cycleid",
                      "cycleno", "cycle#")),
    STEP_INDEX: ("index", ("stepindex", "ns", "step", "stepid", "stepno", "stepnumber")),
    "Charging Capacity / Ah": ("capacity", ("chargecapacity", "qcharge", "chgcap",
                                            "chargecap", "capchg")),
    "Discharging Capacity / Ah": ("capacity", ("dischargecapacity", "qdischarge", "dchgcap",
                                               "dischargecap", "capdchg")),
    "Step Capacity / Ah": ("capacity", ("capacity", "amphr", "cap", "stepcapacity")),
    "Charging Energy / Wh": ("energy", ("chargeenergy", "energycharge", "chgenergy")),
    "Discharging Energy / Wh": ("energy", ("dischargeenergy", "energydischarge",
                                           "dchgenergy")),
    "Surface Temperature / degC": ("temperature", ("temperature", "temp", "auxtemperature1",
                                                   "t")),
    "Internal Resistance / ohm": ("resistance", ("internalresistance", "ir", "resistance")),
}
_STATE = ("state", "status", "steptype", "stepstate", "md", "stepname")
_DATETIME = ("datetime", "systime", "realtime", "dpttime", "absolutetime", "timestamp", "date")
_NAME_UNITS = {"amps": "a", "amp": "a", "volts": "v", "volt": "v", "amphr": "ah",
               "watthr": "wh"}
_DISCHARGE_STATE = re.compile(r"(?i)^\s*d(?:\s*$|_|isch)|dchg|dischar")
_CHARGE_STATE = re.compile(r"(?i)^\s*c(?:\s*$|_|harg)|chg|charg")


def _split_header(col: Any) -> tuple[str, str | None]:
    """``"Current(mA)"``, ``"Current/mA"``, ``"Current [mA]"`` -> ``("current", "ma")``."""
    raw = str(col).strip()
    unit = None
    m = re.match(r"^(.*?)\s*[\(\[]\s*([^\(\)\[\]]*?)\s*[\)\]]\s*$", raw)
    if m and m.group(1):
        raw, unit = m.group(1), m.group(2)
    elif "/" in raw:
        left, right = raw.rsplit("/", 1)
        if left and re.fullmatch(r"\s*(?:[A-Za-zµμΩ°℃.·]+|1)\s*", right):
            raw, unit = left, right
    name = re.sub(r"[\s_\-.]", "", raw.lower())
    if unit is not None:
        unit = re.sub(r"[\s.·*\-]", "", unit.lower())
    return name, unit


def _as_seconds(col: pd.Series, scale: float) -> np.ndarray:
    if pd.api.types.is_timedelta64_dtype(col):
        return col.dt.total_seconds().to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=float) * scale
    num = pd.to_numeric(col, errors="coerce")
    if num.notna().mean() > 0.99:
        return num.to_numpy(dtype=float) * scale
    text = col.astype(str).str.strip().str.replace(r"^(\d+)\s*d(?:ays?)?[\s-]*", r"\1 days ",
                                                   regex=True)
    return pd.to_timedelta(text, errors="coerce").dt.total_seconds().to_numpy(dtype=float)


def _map_columns(frame: pd.DataFrame, path: Path, fmt: str,
                 skip: tuple[str, ...] = ()) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """BDF columns (SI) from a cycler table whose column names follow common conventions."""
    parsed = {col: _split_header(col) for col in frame.columns}
    by_name: dict[str, list[Any]] = {}
    for col, (name, _) in parsed.items():
        by_name.setdefault(name, []).append(col)
    out: dict[str, np.ndarray] = {}
    used: dict[str, str] = {}
    for label, (kind, aliases) in _FIELDS.items():
        if label in skip:
            continue
        for alias in aliases:
            cols = [c for c in by_name.get(alias, []) if c not in used.values()]
            if not cols:
                continue
            col = cols[0]
            name, unit = parsed[col]
            unit = _NAME_UNITS.get(name, _DEFAULT_UNIT[kind]) if unit is None else unit
            scale = _UNITS[kind].get(unit)
            if scale is None and kind == "time" and "hh:mm" in unit:
                scale = 1.0  # "Total Time (Hours in hh:mm:ss.xxx)": parsed as a duration
            if scale is None:
                if label in (TIME, VOLTAGE, CURRENT):
                    raise DataFileError(f"{path}: column {col!r} has unit {unit!r}, which "
                                        f"tfalab cannot convert to {label!r}")
                continue
            if kind == "time":
                values = _as_seconds(frame[col], scale)
            else:
                values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
                values = values * scale if scale != 1.0 else values
            out[label] = values
            used[label] = str(col)
            break
    missing = [lab for lab in (TIME, VOLTAGE, CURRENT) if lab not in out]
    if missing:
        raise DataFileError(f"{path}: {fmt} data lacks the required column(s) for "
                            f"{missing}; columns found: {[str(c) for c in frame.columns]}")
    info: dict[str, Any] = {"columns": used}
    for key in ("current_from", "impedance_rows_dropped"):
        if frame.attrs.get(key):
            info[key] = frame.attrs[key]
    state = next((c for c in frame.columns if parsed[c][0] in _STATE
                  and not pd.api.types.is_numeric_dtype(frame[c])), None)
    _orient_current(out, frame, state, info)
    stamp = next((c for c in frame.columns if parsed[c][0] in _DATETIME), None)
    if stamp is not None:
        first = pd.to_datetime(frame[stamp].iloc[:1], errors="coerce").iloc[0] \
            if len(frame) else pd.NaT
        if pd.notna(first):
            info["start_time"] = pd.Timestamp(first).isoformat()
    return out, info


def _discharge_rows(out: dict[str, np.ndarray], frame: pd.DataFrame,
                    state: Any) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Rows the file itself marks as discharge and as charge: by its step state ('D',
    'discharge', 'DChg' ...) or, without one, by which capacity column grows."""
    if state is not None:
        text = frame[state].astype(str)
        dis = text.str.contains(_DISCHARGE_STATE).to_numpy()
        chg = text.str.contains(_CHARGE_STATE).to_numpy() & ~dis
        if dis.any():
            return dis, chg, str(state)
    qc, qd = out.get("Charging Capacity / Ah"), out.get("Discharging Capacity / Ah")
    if qc is not None and qd is not None and len(qc) > 1:
        dqc = np.diff(qc, prepend=qc[0])
        dqd = np.diff(qd, prepend=qd[0])
        dis, chg = (dqd > 0) & ~(dqc > 0), (dqc > 0) & ~(dqd > 0)
        if dis.any() and chg.any():
            return dis, chg, "the growth of the charge and discharge capacity columns"
    return None


def _orient_current(out: dict[str, np.ndarray], frame: pd.DataFrame, state: Any,
                    info: dict[str, Any]) -> None:
    """Make positive current mean charge, whatever the file's convention.

    Cyclers and formats disagree (BioLogic, Arbin and Neware: charge positive; some BDF
    writers and PyBaMM: discharge positive; LAND and some CSV exports: always positive). Where
    the file says which rows are discharge (a step state, or a discharge capacity that
    grows), that decides: an unsigned current gets the discharge rows negated, and a signed
    current whose discharge rows are mostly positive is flipped. The choice is recorded in
    ``current_sign_from``.
    """
    i = out[CURRENT]
    rows = _discharge_rows(out, frame, state)
    if rows is None:
        return
    dis, chg, source = rows
    flowing = np.abs(i) > REST_FRACTION * (np.nanmax(np.abs(i)) if len(i) else 0.0)
    if not np.any(i < 0):
        out[CURRENT] = np.where(dis, -np.abs(i), i)
        info["current_sign_from"] = f"unsigned current, sign from {source}"
        return
    d, c = dis & flowing, chg & flowing
    votes = np.sum(i[d] > 0) - np.sum(i[d] < 0) + np.sum(i[c] < 0) - np.sum(i[c] > 0)
    if votes > 0.5 * (d.sum() + c.sum()):
        out[CURRENT] = -i
        info["current_sign_from"] = (f"the file's positive current is discharge ({source}); "
                                     f"flipped so that positive is charge")


# --- readers -------------------------------------------------------------------------------
def _library_error(path: Path, fmt: str, exc: BaseException) -> DataFileError:
    return DataFileError(f"{path}: cannot read as {fmt} (damaged, truncated or not this "
                         f"format): {type(exc).__name__}: {exc}")


def _read_mpr(path: Path, kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    from galvani import BioLogic

    try:
        mpr = BioLogic.MPRfile(str(path))
        frame = pd.DataFrame(mpr.data)
    except Exception as exc:  # galvani raises ValueError, struct.error, NotImplementedError...
        raise _library_error(path, "biologic-mpr", exc) from None
    frame = _biologic_current(frame, path)
    cols, info = _map_columns(frame, path, "biologic-mpr")
    stamp = getattr(mpr, "timestamp", None) or getattr(mpr, "startdate", None)
    if stamp is not None:
        info["start_time"] = stamp.isoformat()
    _add_step_changes(cols, frame, ("half cycle",))
    return cols, info


def _biologic_current(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """EC-Lab data without an ``I/mA`` column: the current from ``dq/mA.h`` (charge per
    interval / interval), or zero for open-circuit (OCV) records that hold no charge at all.
    Impedance records (``freq/Hz`` set on most rows) are refused; impedance points between
    cycling steps (a GCPL with PEIS sweeps) are dropped, their number in
    ``metadata["impedance_rows_dropped"]``."""
    names = {_split_header(c)[0]: c for c in frame.columns}
    for key in ("freq", "re(z)"):
        col = names.get(key)
        if col is None or not len(frame):
            continue
        f = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
        eis = np.nan_to_num(f) != 0
        if np.mean(eis) > 0.5:
            raise DataFileError(f"{path}: this is an impedance (EIS) record (frequency or "
                                f"Re(Z) on most rows), not cycling data; use "
                                f"`tfalab analyze eis`")
        if eis.any():  # impedance sweeps between cycling steps: their current is AC, not DC
            n_eis = int(eis.sum())
            frame = frame.loc[~eis].reset_index(drop=True)
            frame.attrs["impedance_rows_dropped"] = n_eis
            names = {_split_header(c)[0]: c for c in frame.columns}
    if any(n in names for n in ("i", "<i>", "current")):
        return frame
    time = next((names[n] for n in ("time", "testtime") if n in names), None)
    if time is None:
        return frame
    frame = frame.copy()
    t = pd.to_numeric(frame[time], errors="coerce").to_numpy(dtype=float)
    dq = next((c for c in frame.columns if _split_header(c)[0] == "dq"), None)
    if dq is not None:
        _, unit = _split_header(dq)
        scale = {"mah": 3.6, "ah": 3600.0, "c": 1.0, "mc": 1e-3}.get(unit or "")
        if scale is None:
            raise DataFileError(f"{path}: cannot derive the current from {dq!r} "
                                f"(unknown unit {unit!r})")
        q = pd.to_numeric(frame[dq], errors="coerce").to_numpy(dtype=float) * scale
        dt = np.diff(t, prepend=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            i = np.where(dt > 0, q / dt, np.nan)
        if len(i) > 1 and not np.isfinite(i[0]):
            i[0] = i[1] if np.isfinite(i[1]) else 0.0
        frame["Current(A)"] = np.nan_to_num(i, nan=0.0, posinf=0.0, neginf=0.0)
        frame.attrs["current_from"] = f"{dq} / Δt"
    else:
        frame["Current(A)"] = 0.0
        frame.attrs["current_from"] = "none recorded (OCV/rest): zero current"
    return frame


def _read_tab_table(path: Path, fmt: str, skiprows: int, info: dict[str, Any],
                    step_columns: tuple[str, ...], **read_kw: Any,
                    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Tab-separated data below a text header: read, map to BDF columns, keep the header's
    start time over one derived from the data."""
    try:
        frame = pd.read_csv(path, sep="\t", skiprows=skiprows, encoding="latin-1",
                            low_memory=False, **read_kw)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _library_error(path, fmt, exc) from None
    frame = frame.loc[:, [not str(c).startswith("Unnamed") for c in frame.columns]]
    if fmt == "biologic-mpt":
        frame = _biologic_current(frame, path)
    cols, more = _map_columns(frame, path, fmt)
    if "start_time" in info:
        more.pop("start_time", None)
    info |= more
    _add_step_changes(cols, frame, step_columns)
    return cols, info


def _add_step_changes(cols: dict[str, np.ndarray], frame: pd.DataFrame,
                      extra: tuple[str, ...]) -> None:
    keys = [cols[k] for k in (STEP_INDEX, CYCLE) if k in cols]
    keys += [frame[c].to_numpy(dtype=float) for c in extra if c in frame]
    if keys:
        cols["_step_keys"] = np.vstack(keys)


def _read_mpt(path: Path, kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    with open(path, "rb") as f:
        raw = f.read(65536)
    text = raw.decode("latin-1")
    m = re.search(r"Nb header lines\s*:\s*(\d+)", text)
    lines = text.splitlines()
    if not m:
        raise DataFileError(f"{path}: EC-Lab text file without 'Nb header lines : N'")
    n_header = int(m.group(1))
    header = lines[:n_header]
    info: dict[str, Any] = {}
    for line in header:
        if line.startswith("Run on channel"):
            info["channel"] = line.split(":", 1)[1].strip()
        elif line.startswith("Acquisition started on"):
            info["start_time"] = line.split(":", 1)[1].strip()
        elif line.startswith("Device :"):
            info["device"] = line.split(":", 1)[1].strip()
    sample = lines[n_header] if len(lines) > n_header else ""
    decimal = "," if ("," in sample and "." not in sample) else "."
    return _read_tab_table(path, "biologic-mpt", n_header - 1, info, ("half cycle",),
                           decimal=decimal)


def _read_excel(path: Path, sheets: list[str] | None, fmt: str) -> dict[str, pd.DataFrame]:
    try:
        return pd.read_excel(path, sheet_name=sheets, engine="openpyxl")
    except DataFileError:
        raise
    except Exception as exc:  # zipfile, openpyxl, xml errors on damaged files
        raise _library_error(path, fmt, exc) from None


def _read_arbin_xlsx(path: Path,
                     kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    names = _sheet_names(path)
    data_sheets = [s for s in names if re.match(r"(?i)channel", s)]
    if not data_sheets:
        raise DataFileError(f"{path}: Arbin workbook without 'Channel_*' data sheets "
                            f"(sheets: {names})")
    wanted = data_sheets + [s for s in names if s.lower() == "global_info"]
    book = _read_excel(path, wanted, "arbin-xlsx")
    frame = pd.concat([book[s] for s in data_sheets], ignore_index=True)
    if frame.empty:
        raise DataFileError(f"{path}: the Arbin data sheets {data_sheets} hold no rows")
    cols, info = _map_columns(frame, path, "arbin-xlsx")
    m = re.match(r"(?i)channel[_\s]*(\d+)", data_sheets[0])
    if m:
        info["channel"] = m.group(1)
    glob = next((book[s] for s in book if s.lower() == "global_info"), None)
    if glob is not None:
        info |= _arbin_global(glob)
    info["sheets"] = data_sheets
    _add_step_changes(cols, frame, ())
    return cols, info


def _arbin_global(glob: pd.DataFrame) -> dict[str, Any]:
    """Channel, start time, schedule from Arbin's ``Global_Info`` sheet (a key row, a value
    row below it)."""
    out: dict[str, Any] = {}
    values = glob.astype(object).to_numpy()
    keys = {"Channel": "channel", "Start DateTime": "start_time",
            "Schedule File Name": "schedule", "Software Version": "software"}
    for r in range(values.shape[0] - 1):
        for c in range(values.shape[1]):
            key = values[r, c]
            if isinstance(key, str) and key.strip() in keys:
                val = values[r + 1, c]
                if val is not None and not (isinstance(val, float) and np.isnan(val)):
                    val = val.isoformat() if hasattr(val, "isoformat") else str(val)
                    out[keys[key.strip()]] = val
    return out


def _read_arbin_csv(path: Path,
                    kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    try:
        frame = pd.read_csv(path, low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise _library_error(path, "arbin-csv", exc) from None
    cols, info = _map_columns(frame, path, "arbin-csv")
    _add_step_changes(cols, frame, ())
    return cols, info


def _read_arbin_res(path: Path,
                    kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arbin ``.res`` (an MS Access database): the ``Channel_Normal_Table`` through
    ``mdb-export`` (Debian/Ubuntu package ``mdbtools``)."""
    import io
    import shutil
    import subprocess

    exe = shutil.which("mdb-export")
    if exe is None:
        raise DataFileError(f"{path}: an Arbin .res file (MS Access database) needs the "
                            f"`mdb-export` program: install the package mdbtools "
                            f"(`apt-get install mdbtools`, `brew install mdbtools`)")

    def table(name: str) -> pd.DataFrame:
        try:
            res = subprocess.run([exe, str(path), name], capture_output=True, check=True,
                                 timeout=600)
            return pd.read_csv(io.BytesIO(res.stdout), low_memory=False)
        except (subprocess.SubprocessError, OSError, pd.errors.ParserError,
                pd.errors.EmptyDataError) as exc:
            raise _library_error(path, "arbin-res", exc) from None

    frame = table("Channel_Normal_Table")
    if frame.empty:
        raise DataFileError(f"{path}: the Arbin .res file holds no data rows")
    info: dict[str, Any] = {}
    try:
        glob = table("Global_Table")
    except DataFileError:
        glob = pd.DataFrame()
    if len(glob):
        row = glob.iloc[0]
        if "Channel_Index" in glob:
            info["channel"] = str(row["Channel_Index"])
        if "Schedule_File_Name" in glob and isinstance(row["Schedule_File_Name"], str):
            info["schedule"] = row["Schedule_File_Name"]
        start = pd.to_numeric(pd.Series([row.get("Start_DateTime")]), errors="coerce")[0]
        if np.isfinite(start):  # OLE automation date: days since 1899-12-30
            info["start_time"] = (pd.Timestamp("1899-12-30")
                                  + pd.to_timedelta(start, unit="D")).isoformat()
    if "Test_ID" in frame and frame["Test_ID"].nunique() > 1:
        raise DataFileError(f"{path}: the .res file holds several tests "
                            f"({sorted(frame['Test_ID'].unique())}); export one")
    frame = frame.sort_values("Data_Point", kind="stable") if "Data_Point" in frame else frame
    work = frame.drop(columns=["DateTime", "Test_ID", "Data_Point", "Step_Time"],
                      errors="ignore")
    cols, more = _map_columns(work, path, "arbin-res")
    _add_step_changes(cols, work, ())
    return cols, more | info


def _read_table_csv(path: Path,
                    kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    found = _table_header(path)
    if found is None:
        raise DataFileError(f"{path}: no header line naming time, voltage and current columns")
    skip, sep = found
    try:
        frame = pd.read_csv(path, sep=sep, skiprows=skip, encoding="latin-1", low_memory=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _library_error(path, "table-csv", exc) from None
    frame = frame.loc[:, [not str(c).startswith("Unnamed") for c in frame.columns]]
    cols, info = _map_columns(frame, path, "table-csv")
    if skip:
        info["header_lines"] = skip
    _add_step_changes(cols, frame, ())
    return cols, info


def _read_neware(path: Path,
                 kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    import logging

    import NewareNDA
    from NewareNDA import NewareNDA as NewareNda
    from NewareNDA import NewareNDAx as NewareNdax

    fmt = "neware-ndax" if zipfile.is_zipfile(path) else "neware-nda"
    cycle_mode = kw.get("cycle_mode", "chg")
    log = logging.getLogger("NewareNDA")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        if fmt == "neware-ndax":
            frame = NewareNdax.read_ndax(str(path), software_cycle_number=True,
                                       cycle_mode=cycle_mode)
        else:
            frame = NewareNda.read_nda(str(path), True, cycle_mode)
    except Exception as exc:  # NewareNDA raises ValueError, KeyError, struct.error...
        raise _library_error(path, fmt, exc) from None
    finally:
        log.setLevel(level)
    if frame is None or len(frame) == 0:
        raise DataFileError(f"{path}: the Neware file holds no data records")
    info: dict[str, Any] = {}
    try:
        meta = NewareNDA.read_metadata(str(path)) if fmt == "neware-ndax" else {}
    except Exception:  # metadata is optional
        meta = {}
    test_info = (meta.get("TestInfo") or {}).get("TestInfo") or {}
    if test_info:
        info["channel"] = "-".join(str(test_info.get(k, "?"))
                                   for k in ("DevID", "UnitID", "ChlID"))
        if test_info.get("StartTime"):
            info["start_time"] = test_info["StartTime"].replace(" ", "T")
        if test_info.get("StepName"):
            info["schedule"] = test_info["StepName"]
    if "Time" not in frame or "Step" not in frame:
        raise DataFileError(f"{path}: Neware data lacks the 'Time'/'Step' columns "
                            f"(columns: {list(frame.columns)})")
    # NewareNDA's "Time" is the step time: rebuild the test time step by step
    step_time = frame["Time"].to_numpy(dtype=float)
    step = frame["Step"].to_numpy()
    new = np.flatnonzero(np.diff(step) != 0) + 1
    offset = np.zeros(len(frame))
    if len(new):
        ends = step_time[new - 1]
        offset_at = np.cumsum(ends)
        offset = np.repeat(np.concatenate(([0.0], offset_at)),
                           np.diff(np.concatenate(([0], new, [len(frame)]))))
    work = frame.drop(columns=["Time", "Step_Index"], errors="ignore").copy()
    work["Test Time(s)"] = step_time + offset
    work["Step_Index"] = frame.get("Step_Index", step)
    if "Timestamp" in frame and "start_time" not in info and len(frame):
        info["start_time"] = pd.Timestamp(frame["Timestamp"].iloc[0]).isoformat()
    work = work.drop(columns=["Timestamp", "Step", "Index"], errors="ignore")
    cols, more = _map_columns(work, path, fmt)
    more.pop("start_time", None)
    info = more | info
    cols[STEP] = step.astype(np.int64)
    return cols, info


def _read_land(path: Path, kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    book = _read_excel(path, None, "land-xlsx")
    errors = []
    for name, frame in book.items():
        if frame.empty:
            continue
        try:
            cols, info = _map_columns(frame, path, "land-xlsx")
        except DataFileError as exc:
            errors.append(f"sheet {name!r}: {exc}")
            continue
        info["sheet"] = name
        _add_step_changes(cols, frame, ())
        return cols, info
    detail = "; ".join(errors) if errors else "all sheets are empty"
    raise DataFileError(f"{path}: no sheet of this Excel workbook holds cycler data with "
                        f"time, voltage and current columns ({detail})")


def _read_maccor(path: Path,
                 kw: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    with open(path, "rb") as f:
        text = f.read(65536).decode("latin-1")
    lines = text.splitlines()
    idx = next((k for k, line in enumerate(lines)
                if "\t" in line and re.search(r"(?i)(^|\t)\s*(rec#?|amps|volts)\s*(\t|$)",
                                              line)), None)
    if idx is None:
        raise DataFileError(f"{path}: Maccor text file without a column header line "
                            f"(Rec#, Amps, Volts ...)")
    info: dict[str, Any] = {}
    for line in lines[:idx]:
        key, _, val = line.partition(":")
        if re.match(r"(?i)\s*date of test", key):
            info["start_time"] = val.strip()
        elif re.match(r"(?i)\s*filename", key):
            info["original_file"] = val.strip()
    return _read_tab_table(path, "maccor-txt", idx, info, ())


def _load_bdf(path: Path, fmt: str) -> CellTest:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if fmt == "bdf-parquet":
        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as exc:
            raise _library_error(path, fmt, exc) from None
        raw = (table.schema.metadata or {}).get(_META_KEY)
        try:
            meta = parse_metadata(raw, f"{path}: the Parquet metadata") if raw else {}
        except CellTestError as exc:
            raise DataFileError(str(exc)) from None
        frame = table.to_pandas()
    else:
        try:
            frame = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise _library_error(path, fmt, exc) from None
        side = _sidecar(path)
        try:
            meta = parse_metadata(side.read_bytes(), str(side)) if side.is_file() else {}
        except (CellTestError, OSError) as exc:
            raise DataFileError(f"{side}: {exc}") from None
    missing = [c for c in (TIME, VOLTAGE, CURRENT) if c not in frame.columns]
    if missing:
        raise DataFileError(f"{path}: {fmt} file lacks the required column(s) {missing}; "
                            f"columns found: {list(frame.columns)}")
    if frame.empty:
        raise DataFileError(f"{path}: the file holds a header but no data rows")
    try:
        return CellTest(frame, meta, where=str(path))
    except CellTestError as exc:
        raise DataFileError(str(exc)) from None


_READERS: dict[str, Callable[[Path, dict[str, Any]],
                             tuple[dict[str, np.ndarray], dict[str, Any]]]] = {
    "biologic-mpr": _read_mpr, "biologic-mpt": _read_mpt, "arbin-xlsx": _read_arbin_xlsx,
    "arbin-csv": _read_arbin_csv, "arbin-res": _read_arbin_res, "neware-ndax": _read_neware,
    "neware-nda": _read_neware, "table-csv": _read_table_csv,
    "land-xlsx": _read_land, "maccor-txt": _read_maccor,
}

_ORDER = (TIME, VOLTAGE, CURRENT, CYCLE, STEP, STEP_INDEX, "Charging Capacity / Ah",
          "Discharging Capacity / Ah", "Step Capacity / Ah", "Charging Energy / Wh",
          "Discharging Energy / Wh", "Surface Temperature / degC", "Internal Resistance / ohm")


def _finish(cols: dict[str, np.ndarray], info: dict[str, Any], path: Path,
            fmt: str) -> CellTest:
    keys = cols.pop("_step_keys", None)
    t, v, i = cols[TIME], cols[VOLTAGE], cols[CURRENT]
    if len(t) == 0:
        raise DataFileError(f"{path}: the {fmt} file holds no data rows")
    good = np.isfinite(t) & np.isfinite(v) & np.isfinite(i)
    dropped = int((~good).sum())
    if not good.any():
        raise DataFileError(f"{path}: no row of the {fmt} file has a finite time, voltage "
                            f"and current")
    if STEP not in cols and keys is not None:
        k = keys[:, good]
        change = np.any(k[:, 1:] != k[:, :-1], axis=0)
        cols[STEP] = np.concatenate(([1], 1 + np.cumsum(change))).astype(np.int64)
        cols = {lab: arr[good] if lab != STEP else arr for lab, arr in cols.items()}
    else:
        cols = {lab: arr[good] for lab, arr in cols.items()}
    t = cols[TIME]
    if len(t) > 1 and np.any(np.diff(t) < 0):
        r = int(np.argmax(np.diff(t) < 0)) + 1
        raise DataFileError(f"{path}: the test time goes backwards at data row {r} "
                            f"({t[r - 1]} s -> {t[r]} s); is this several tests in one file?")
    for lab in (CYCLE, STEP_INDEX):
        if lab in cols and np.all(np.isfinite(cols[lab])):
            cols[lab] = cols[lab].astype(np.int64)
    info = info | _check_cycles(cols)
    frame = pd.DataFrame({lab: cols[lab] for lab in _ORDER if lab in cols})
    meta: dict[str, Any] = {"source": "lab", "source_file": str(path), "format": fmt,
                            "instrument": _INSTRUMENT.get(fmt, fmt),
                            "positive_current": "charge", "current_sign": SIGN_NOTE}
    meta |= {k: v for k, v in info.items() if v is not None}
    if dropped:
        meta["dropped_rows"] = dropped
    try:
        return CellTest(frame, meta, where=str(path))
    except CellTestError as exc:
        raise DataFileError(str(exc)) from None




def _check_cycles(cols: dict[str, np.ndarray]) -> dict[str, Any]:
    """Keep the cycler's cycle labels only where they agree with the current's sign: each
    labelled cycle may hold at most one charge and one discharge half-cycle (the first one
    more: a leading half-cycle before the first full cycle), counting only rows where current
    flows (a rest may carry either label). Otherwise
    (constant labels over several cycles, labels that split or merge half-cycles) the cycles
    become pairs of consecutive half-cycles (as navani counts them), and the metadata says so.
    """
    half = half_cycles_from_current(cols[CURRENT])
    n_half = int(half.max()) if len(half) else 0
    derived = np.maximum(1, (half + 1) // 2).astype(np.int64)
    if CYCLE not in cols:
        return {}
    labels = cols[CYCLE]
    if not np.all(np.isfinite(labels)):
        cols[CYCLE] = derived
        return {"cycle_labels": "cycler's cycle labels incomplete; cycles from the current"}
    i = np.abs(cols[CURRENT])
    active = (half > 0) & (i > REST_FRACTION * (i.max() if len(i) else 0.0))  # rests: either
    if n_half < 2 or not active.any():
        return {}
    pairs = pd.DataFrame({"label": labels[active], "half": half[active]}).drop_duplicates()
    per_label = pairs.groupby("label", sort=False)["half"].nunique()
    halves_per_label = pairs.groupby("half")["label"].nunique()
    # the first label may hold one extra, leading half-cycle (a pre-charged cell's first
    # discharge, or a formation step, before the first full cycle)
    allowed = np.full(len(per_label), 2)
    allowed[0] = 3
    if np.all(per_label.to_numpy() <= allowed) and halves_per_label.max() <= 2:
        return {}
    cols[CYCLE] = derived
    return {"cycle_labels": (f"cycler's cycle labels ({len(per_label)} distinct) disagree "
                             f"with the current's sign ({n_half} half-cycles); cycles are "
                             f"pairs of half-cycles from the current")}


def _area_m2(area: str | float | None) -> float | None:
    if area is None:
        return None
    try:
        value = to_si(area, "area", "area")  # bare numbers are m2
    except UnitError as exc:
        raise DataFileError(f"electrode area: {exc}") from None
    if not value > 0:
        raise DataFileError(f"electrode area must be a positive area, got {area!r}")
    return float(value)


#: the keyword options a reader takes (:func:`load`'s ``**kw``)
READER_OPTIONS = frozenset({"cycle_mode"})


def load(path: str | Path, area: str | float | None = None, format: str | None = None,
         **kw: Any) -> CellTest:
    """Read a cycler file (any of :data:`FORMATS`) into a :class:`~tfalab.CellTest`.

    Parameters
    ----------
    path : the file.
    area : electrode area, ``"0.785 cm2"`` or m² as a float; stored as
        ``metadata["electrode_area_m2"]`` so that current density works.
    format : one of :data:`FORMATS` (or a short alias: ``mpr``, ``arbin``, ``ndax``,
        ``maccor`` ...) to override detection from the content.
    kw : ``cycle_mode`` for Neware files (``"chg"``, ``"dchg"``, ``"auto"``).

    Returns a CellTest with SI columns ``Test Time / s``, ``Voltage / V``, ``Current / A``
    (sign as the cycler recorded it), and where the file has them ``Cycle Count / 1``,
    ``Step Count / 1``, ``Step Index / 1``, capacities (Ah), energies (Wh). Metadata:
    ``source_file``, ``format``, ``instrument``, ``channel``, ``start_time``,
    ``positive_current``, ``electrode_area_m2``.

    Raises :class:`~tfalab.errors.DataFileError` (naming the file and the problem) for
    unknown, empty, truncated or damaged files and for missing columns.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "maccor.txt"
    >>> _ = p.write_text("Rec#\\tCyc#\\tStep\\tTestTime\\tAmps\\tVolts\\tState\\n"
    ...                  "1\\t1\\t1\\t0\\t0.001\\t3.0\\tC\\n2\\t1\\t2\\t10\\t0.001\\t2.9\\tD\\n")
    >>> t = load(p)
    >>> t.current.tolist(), t.metadata["format"]
    ([0.001, -0.001], 'maccor-txt')
    """
    if not isinstance(path, str | os.PathLike):
        raise DataFileError(f"path must be a file name, got {path!r}")
    unknown = sorted(set(kw) - READER_OPTIONS)
    if unknown:
        raise DataFileError(f"unknown reader option(s) {unknown}; known: "
                            f"{sorted(READER_OPTIONS)}")
    if kw.get("cycle_mode", "chg") not in ("chg", "dchg", "auto"):
        raise DataFileError(f"cycle_mode must be 'chg', 'dchg' or 'auto', got "
                            f"{kw['cycle_mode']!r}")
    if format is not None and not isinstance(format, str):
        raise DataFileError(f"format must be one of {', '.join(FORMATS)} (or None to detect "
                            f"it), got {format!r}")
    path = Path(path)
    if format is None:
        fmt = detect_format(path)
    else:
        fmt = _ALIASES.get(format.lower(), format.lower())
        if fmt not in FORMATS:
            raise DataFileError(f"{path}: unknown format {format!r}; known: "
                                f"{', '.join(FORMATS)}")
        if not path.is_file():
            raise DataFileError(f"{path}: no such file")
        if path.stat().st_size == 0:
            raise DataFileError(f"{path}: the file is empty")
    area_m2 = _area_m2(area)
    if fmt in ("bdf-csv", "table-csv", "arbin-csv"):
        _check_width(path)
    if fmt.startswith("bdf-"):
        test = _load_bdf(path, fmt)
        test.metadata.setdefault("source_file", str(path))
        test.metadata.setdefault("format", fmt)
    else:
        cols, info = _READERS[fmt](path, kw)
        test = _finish(cols, info, path, fmt)
    if area_m2 is not None:
        test.metadata["electrode_area_m2"] = area_m2
    return test
