"""CellTest: the one time-series object that simulations and lab files both produce.

A :class:`CellTest` is a pandas DataFrame whose columns follow the Battery Data Format (BDF)
label form ``"Name / unit"`` (``Test Time / s``, ``Voltage / V``, ``Current / A``, ...), plus a
metadata dict (electrode area, anode, electrolyte, temperature, the configuration that made
it). Extra model states use the same form (``Porosity / 1``, ``Contact Fraction / 1``).

Files: Parquet (metadata in the schema) or BDF CSV (metadata in a ``.metadata.json`` sidecar).
Both round-trip exactly.

>>> import numpy as np, pandas as pd
>>> t = CellTest(pd.DataFrame({"Test Time / s": [0.0, 1.0], "Voltage / V": [0.01, 0.02],
...                            "Current / A": [1e-3, 1e-3]}), {"electrode_area_m2": 7.85e-5})
>>> t.columns
['Test Time / s', 'Voltage / V', 'Current / A']
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tfalab.errors import CellTestError, UnitError
from tfalab.units import check_unit, to_si

TIME = "Test Time / s"
VOLTAGE = "Voltage / V"
CURRENT = "Current / A"
REQUIRED = (TIME, VOLTAGE, CURRENT)

#: BDF labels tfalab knows (a subset of the Battery Data Format's, plus pressure).
BDF_COLUMNS = {
    TIME, VOLTAGE, CURRENT,
    "Unix Time / s", "Cycle Count / 1", "Step Count / 1", "Step Index / 1",
    "Charging Capacity / Ah", "Discharging Capacity / Ah", "Step Capacity / Ah",
    "Net Capacity / Ah", "Cumulative Capacity / Ah", "Charging Energy / Wh",
    "Discharging Energy / Wh", "Ambient Temperature / degC", "Surface Temperature / degC",
    "Internal Resistance / ohm", "Ambient Pressure / Pa", "Applied Pressure / Pa",
}
#: largest magnitude accepted in the required columns (s, V, A), far beyond any cell test
#: (30 000 years, a megavolt, a gigaampere): beyond, a value is a unit or parsing error and
#: would only overflow the analysis
_LIMITS = {TIME: 1e12, VOLTAGE: 1e6, CURRENT: 1e9}
_LABEL = re.compile(r"^(?P<name>[^/]+?) / (?P<unit>\S.*)$")
_META_KEY = b"tfalab.metadata"


def parse_label(label: str) -> tuple[str, str]:
    """Split a ``"Name / unit"`` label, checking the unit with pint.

    >>> parse_label("Applied Pressure / Pa")
    ('Applied Pressure', 'Pa')
    """
    match = _LABEL.match(label) if isinstance(label, str) else None
    if not match:
        raise CellTestError(f"column {label!r} is not labelled 'Name / unit' "
                            "(Battery Data Format), e.g. 'Voltage / V'")
    unit = match["unit"].strip()
    name = match["name"].strip()
    if unit != "1":
        try:
            check_unit(unit)
        except UnitError:
            raise CellTestError(f"column {label!r}: unknown unit {unit!r}") from None
        reference = _DIMENSION_OF.get(name.split()[-1].lower()) if name else None
        if reference is not None and not _same_dimension(unit, reference):
            raise CellTestError(f"column {label!r}: {unit!r} is not a unit of "
                                f"{name.split()[-1].lower()} (e.g. {reference!r})")
    return name, unit


#: a column's last name word -> a unit of its dimension ("Ambient Temperature / parsec" is
#: refused; "Current Density" is not a current, so only the last word counts)
#: (only unambiguous words: a "Resistance" may be areal, a "Capacity" specific)
_DIMENSION_OF = {"time": "s", "voltage": "V", "potential": "V", "current": "A",
                 "temperature": "K", "pressure": "Pa", "frequency": "Hz"}


def _same_dimension(unit: str, reference: str) -> bool:
    from tfalab.units import registry

    ureg = registry()
    try:
        parsed = ureg.parse_units(unit.replace("°C", "degC").replace("℃", "degC"))
        return bool(parsed.dimensionality == ureg.parse_units(reference).dimensionality)
    except Exception:  # check_unit read it with tfalab's spellings: do not judge
        return True


class CellTest:
    """A BDF time series plus metadata. Validated on construction.

    Metadata keys are free-form (JSON-serialisable); tfalab uses ``electrode_area_m2``,
    ``anode``, ``electrolyte``, ``temperature_K``, ``source`` and ``config``.
    """

    def __init__(self, data: pd.DataFrame, metadata: Mapping[str, Any] | None = None,
                 where: str = "CellTest") -> None:
        if not isinstance(data, pd.DataFrame):
            raise CellTestError(f"{where}: expected a pandas DataFrame, got {type(data).__name__}")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise CellTestError(f"{where}: metadata must be a mapping (a JSON object), got "
                                f"{type(metadata).__name__}")
        self.data = data.reset_index(drop=True)
        self.metadata = dict(metadata or {})
        self._validate(where)

    def _validate(self, where: str) -> None:
        cols = list(self.data.columns)
        dup = {c for c in cols if cols.count(c) > 1}
        if dup:
            raise CellTestError(f"{where}: duplicate columns {sorted(dup)}")
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise CellTestError(f"{where}: missing required column(s) {missing}; "
                                f"a CellTest needs {list(REQUIRED)}")
        for col in cols:
            parse_label(col)
            dtype = self.data[col].dtype
            if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype) \
                    or pd.api.types.is_complex_dtype(dtype):  # True is not 1 A; j is dropped
                raise CellTestError(f"{where}: column {col!r} is not real numbers "
                                    f"(dtype {dtype})")
        for col, limit in _LIMITS.items():
            values = self.data[col].to_numpy(dtype=float)
            bad = ~np.isfinite(values)
            if bad.any():
                i = int(np.argmax(bad))
                raise CellTestError(f"{where}: {col!r} has {int(bad.sum())} missing or "
                                    f"non-finite value(s), the first {values[i]} at row {i + 1}; "
                                    "all values must be finite numbers")
            big = np.abs(values) > limit
            if big.any():
                i = int(np.argmax(big))
                raise CellTestError(f"{where}: {col!r} = {values[i]:g} at row {i + 1} is beyond "
                                    f"+-{limit:g} (not a physical value; check the column's "
                                    "unit)")
        time = self.data[TIME].to_numpy(dtype=float)
        if len(time) > 1 and np.any(np.diff(time) < 0):
            i = int(np.argmax(np.diff(time) < 0))
            raise CellTestError(f"{where}: {TIME!r} decreases at row {i + 1} "
                                f"({time[i]} -> {time[i + 1]})")
        area = self.metadata.get("electrode_area_m2")
        if area is not None:
            try:
                to_si(area, "area", "electrode_area_m2")
            except UnitError as exc:
                raise CellTestError(f"{where}: electrode_area_m2 must be an electrode's area "
                                    f"in m2, got {area!r} ({exc})") from None
        for keys, kind, strict, allowed in (
                (("pressure_Pa", "pressure"), "pressure", False, ">= 0 Pa"),
                (("temperature_K", "temperature"), "temperature", True, "> 0 K")):
            for key in keys:
                v = self.metadata.get(key)
                if v is None:
                    continue
                try:
                    x = to_si(v, kind, key)
                except UnitError as exc:
                    raise CellTestError(f"{where}: metadata {key} must be a {kind}, got {v!r} "
                                        f"({exc})") from None
                if not (math.isfinite(x) and (x > 0 if strict else x >= 0)):
                    raise CellTestError(f"{where}: metadata {key} must be a finite {kind} "
                                        f"{allowed}, got {v!r}")
        try:
            json.dumps(self.metadata)
        except (TypeError, ValueError) as exc:
            raise CellTestError(f"{where}: metadata must be JSON-serialisable ({exc})") from None

    # --- access --------------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        return list(self.data.columns)

    @property
    def time(self) -> np.ndarray:
        return self.data[TIME].to_numpy(dtype=float)

    @property
    def voltage(self) -> np.ndarray:
        return self.data[VOLTAGE].to_numpy(dtype=float)

    @property
    def current(self) -> np.ndarray:
        return self.data[CURRENT].to_numpy(dtype=float)

    @property
    def area(self) -> float | None:
        """Electrode area (m²) from metadata."""
        return self.metadata.get("electrode_area_m2")

    @property
    def current_density(self) -> np.ndarray:
        """A/m²; needs ``electrode_area_m2`` in the metadata."""
        if self.area is None:
            raise CellTestError("current density needs metadata['electrode_area_m2']")
        return self.current / self.area

    def column(self, name: str) -> np.ndarray:
        """A column by its full label or by its name without unit."""
        if name in self.data:
            return self.data[name].to_numpy()
        matches = [c for c in self.columns if parse_label(c)[0] == name]
        if len(matches) != 1:
            raise CellTestError(f"no single column named {name!r}; columns: {self.columns}")
        return self.data[matches[0]].to_numpy()

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"CellTest({len(self)} rows, columns={self.columns})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellTest) and self.metadata == other.metadata and \
            self.data.equals(other.data) and self.columns == other.columns

    __hash__ = None  # type: ignore[assignment]

    # --- files ---------------------------------------------------------------------------
    def to_parquet(self, path: str | Path) -> Path:
        """Write Parquet with the metadata in the schema (key ``tfalab.metadata``)."""
        path = Path(path)
        table = pa.Table.from_pandas(self.data, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[_META_KEY] = json.dumps(self.metadata).encode()
        pq.write_table(table.replace_schema_metadata(meta), path)
        return path

    def to_csv(self, path: str | Path) -> Path:
        """Write BDF CSV (exact float repr) and ``<name>.metadata.json`` beside it."""
        path = Path(path)
        self.data.to_csv(path, index=False, float_format=None)
        _sidecar(path).write_text(json.dumps(self.metadata, indent=2))
        return path

    def save(self, path: str | Path) -> Path:
        """Write Parquet (``.parquet``) or BDF CSV (``.csv``) by extension."""
        if not isinstance(path, str | os.PathLike):
            raise CellTestError(f"path must be a file name, got {path!r}")
        suffix = Path(path).suffix.lower()
        if suffix not in (".parquet", ".csv"):
            raise CellTestError(f"{path}: unknown CellTest format {suffix!r} (use .parquet or "
                                ".csv)")
        try:
            return self.to_parquet(path) if suffix == ".parquet" else self.to_csv(path)
        except OSError as exc:  # a missing folder, no permission, a full disk
            from tfalab.errors import OutputError

            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None

    @classmethod
    def load(cls, path: str | Path) -> CellTest:
        """Read a CellTest written by :meth:`save` (or any BDF CSV/Parquet file)."""
        path = Path(path)
        if not path.is_file():
            raise CellTestError(f"{path}: no such file")
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            try:
                table = pq.read_table(path)
                data = table.to_pandas()
            except (pa.ArrowException, OSError, ValueError, TypeError) as exc:
                raise CellTestError(f"{path}: not a readable Parquet file ({exc})") from None
            raw = (table.schema.metadata or {}).get(_META_KEY)
            meta = parse_metadata(raw, f"{path}: the Parquet metadata {_META_KEY.decode()!r}") \
                if raw else {}
            return cls(data, meta, where=str(path))
        if suffix == ".csv":
            try:
                data = pd.read_csv(path, float_precision="round_trip")
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
                    ValueError, OSError) as exc:
                raise CellTestError(f"{path}: not a readable CSV file ({exc})") from None
            side = _sidecar(path)
            try:
                raw = side.read_bytes() if side.is_file() else None
            except OSError as exc:
                raise CellTestError(f"{side}: cannot read ({exc})") from None
            meta = parse_metadata(raw, f"{side}") if raw is not None else {}
            return cls(data, meta, where=str(path))
        raise CellTestError(f"{path}: unknown CellTest format {suffix!r} (use .parquet or .csv)")


def parse_metadata(raw: bytes | str, where: str) -> dict[str, Any]:
    """CellTest metadata stored as JSON (the Parquet schema key, a CSV's sidecar file) as a
    dict; raises :class:`~tfalab.errors.CellTestError` naming ``where`` when the JSON is
    corrupt or not an object.

    >>> parse_metadata(b'{"electrode_area_m2": 7.85e-05}', "x")
    {'electrode_area_m2': 7.85e-05}
    """
    try:
        meta = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CellTestError(f"{where}: corrupt metadata JSON ({exc}); expected a JSON object "
                            "such as {\"electrode_area_m2\": 7.85e-05}") from None
    if not isinstance(meta, dict):
        raise CellTestError(f"{where}: metadata must be a JSON object, got a JSON "
                            f"{type(meta).__name__} ({str(meta)[:40]!r})")
    return meta


def _sidecar(path: Path) -> Path:
    return path.with_name(path.stem + ".metadata.json")
