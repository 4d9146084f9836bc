"""Read a user's TOML file with one clear tfalab error for every way it can be unreadable."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from tfalab.errors import ParameterError, TfalabError


def read_toml(path: str | Path, what: str,
              error: type[TfalabError] = ParameterError) -> dict[str, Any]:
    """The parsed TOML of ``path``; ``error`` naming the file and ``what`` it should be when
    it is missing, not UTF-8 text or not valid TOML.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.toml"
    >>> _ = f.write_text('x = 1\\n')
    >>> read_toml(f, "test file")
    {'x': 1}
    """
    p = Path(path)
    if not p.is_file():
        raise error(f"{what} {str(path)!r} not found")
    try:
        return tomllib.loads(p.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{what} {str(path)!r} is not valid TOML: {exc}") from None
