"""The sweep store: one row per point in a Parquet dataset, keyed by the point's hash.

``DIR/results.parquet`` is a directory that pandas and pyarrow read as one table
(``pd.read_parquet("DIR/results.parquet")``). Each finished point is written at once as its
own small file (``row-<key>.parquet``, written to a temporary name and renamed, so a kill
never leaves half a file); :meth:`Store.compact` merges them into ``part-<n>.parquet`` files
of up to ``ROWS_PER_PART`` rows. A killed sweep therefore loses no finished point, and a
resumed one skips every key already stored.

>>> import tempfile, pathlib
>>> s = Store(pathlib.Path(tempfile.mkdtemp()))
>>> s.write_row({"key": "a1", "kind": "design", "error": None, "x": 1.0})
>>> s.keys(), len(s.read())
({'a1'}, 1)
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from tfalab.errors import ParameterError

#: rows per compacted Parquet file
ROWS_PER_PART = 100_000
DATASET = "results.parquet"


class Store:
    """The Parquet dataset of a sweep in ``directory`` (created if missing)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / DATASET
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ParameterError(f"cannot create the sweep store {self.path}: "
                                 f"{exc.strerror or exc}") from None
        if not os.access(self.path, os.W_OK):
            raise ParameterError(f"the sweep store {self.path} is not writable")

    def _files(self) -> list[Path]:
        return sorted(p for p in self.path.glob("*.parquet") if not p.name.startswith("."))

    def keys(self) -> set[str]:
        """Keys of every point stored (finished, with or without an error)."""
        import pyarrow.parquet as pq

        out: set[str] = set()
        for f in self._files():
            try:
                out.update(pq.read_table(f, columns=["key"]).column("key").to_pylist())
            except Exception:  # a foreign or damaged file: its points will be recomputed
                continue
        return out

    def write_row(self, row: dict[str, Any]) -> None:
        """Store one finished point (atomically: a temporary file renamed)."""
        self._write(pd.DataFrame([row]), f"row-{row['key']}.parquet")

    def _write(self, frame: pd.DataFrame, name: str) -> None:
        tmp = self.path / f".{name}.{uuid.uuid4().hex}.tmp"
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, self.path / name)

    def read(self) -> pd.DataFrame:
        """Every stored row, one per key (the last written wins), as one DataFrame."""
        frames = []
        for f in self._files():
            try:
                frames.append(pd.read_parquet(f))
            except Exception:
                continue
        if not frames:
            return pd.DataFrame(columns=["key"])
        out = pd.concat(frames, ignore_index=True)
        return out.drop_duplicates("key", keep="last").reset_index(drop=True)

    def compact(self, full: bool = True) -> None:
        """Merge the per-row files into ``part-<n>.parquet`` files. ``full`` rewrites every
        part into one consistent schema without duplicates (the end of a run); otherwise only
        the per-row files become one new part (cheap, for long runs)."""
        rows = [f for f in self._files() if f.name.startswith("row-")]
        parts = [f for f in self._files() if f.name.startswith("part-")]
        if not full:
            if len(rows) < 2:
                return
            frame = pd.concat([pd.read_parquet(f) for f in rows], ignore_index=True)
            self._write(frame.drop_duplicates("key", keep="last"),
                        f"part-{self._next_part(parts):05d}.parquet")
            for f in rows:
                f.unlink(missing_ok=True)
            return
        if not rows and len(parts) <= 1:
            return
        frame = self.read()
        first = self._next_part(parts)
        new = []
        for k, start in enumerate(range(0, len(frame), ROWS_PER_PART)):
            name = f"part-{first + k:05d}.parquet"
            self._write(frame.iloc[start:start + ROWS_PER_PART], name)
            new.append(self.path / name)
        # only now remove what the new parts replace (a kill before this leaves duplicates,
        # which read() drops)
        for f in [*rows, *parts]:
            f.unlink(missing_ok=True)
        for k, f in enumerate(new):  # renumber from 0
            f.rename(self.path / f"part-{k:05d}.parquet")

    @staticmethod
    def _next_part(parts: list[Path]) -> int:
        numbers = [int(p.stem.split("-")[1]) for p in parts if p.stem.split("-")[1].isdigit()]
        return max(numbers, default=-1) + 1
