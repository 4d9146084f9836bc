"""Output files that never destroy anything: names taken literally, checked before any work,
never overwritten without ``force``, and written atomically.

``--out run_0.5`` writes ``run_0.5.parquet`` and ``run_0.5.png`` (the stem is taken as written,
no suffix is stripped). :func:`output_paths` checks, before a simulation starts, that the stem
is a usable name, that its folder can be made and written, and that no output exists already
(unless ``force``). :func:`atomic_write` writes through a temporary file in the same folder and
renames it, so an interrupted write never leaves a half file under the real name.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> paths = output_paths(d / "run_0.5", [".parquet", ".png"])
>>> [p.name for p in paths]
['run_0.5.parquet', 'run_0.5.png']
>>> _ = atomic_write(paths[0], lambda tmp: tmp.write_text("data"))
>>> output_paths(d / "run_0.5", [".parquet"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tfalab.errors.OutputError: .../run_0.5.parquet exists; pass --force (force=True) to replace it
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tfalab.errors import OutputError


def output_paths(stem: str | os.PathLike[str], suffixes: Sequence[str],
                 force: bool = False, what: str = "--out") -> list[Path]:
    """The output files ``stem + suffix`` (literally), checked: a usable name, a folder that
    can be made and written, and no existing file unless ``force``. Raises
    :class:`~tfalab.errors.OutputError` naming the path and what to do."""
    text = os.fspath(stem)
    if not text.strip() or text.strip() in (".", "..", "/") or text.endswith(("/", os.sep)):
        raise OutputError(f"{what}: {text!r} is not a file name stem; give a name such as "
                          f"'run1' or 'results/run1'")
    if "\x00" in text:
        raise OutputError(f"{what}: {text!r} holds a NUL character")
    try:
        return _checked(Path(text), suffixes, force, what)
    except OSError as exc:  # a name too long, a loop of links, ...
        raise OutputError(f"{what}: {text!r} cannot be used: {exc.strerror or exc}") from None


def _checked(base: Path, suffixes: Sequence[str], force: bool, what: str) -> list[Path]:
    paths = [base.with_name(base.name + s) for s in suffixes]
    folder = base.parent if str(base.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{what}: {folder} exists and is not a folder")
    existing = folder
    while not existing.exists():  # the nearest folder that exists must let us write
        existing = existing.parent
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{what}: cannot write in {existing} (permission denied)")
    for p in paths:
        if p.is_dir():
            raise OutputError(f"{what}: {p} is a folder, not a file")
        if p.exists() and not force:
            raise OutputError(f"{p} exists; pass --force (force=True) to replace it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{what}: cannot create the folder {folder}: "
                          f"{exc.strerror or exc}") from None
    for p in paths:  # write a probe as atomic_write will (a name too long, a read-only place)
        probe = _temporary(p)
        try:
            with open(probe, "xb"):
                pass
        except OSError as exc:
            raise OutputError(f"{what}: cannot write {p}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(OSError):
                probe.unlink()
    return paths


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    tmp = _temporary(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:  # disk full, a place that refuses files, ...
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    return path
