"""Parameter files: fitted values as PyBaMM-named overrides on top of a laboratory build.

The schema (``tfalab fit`` writes it, ``--build FILE`` and :func:`load_parameter_file` read
it)::

    # written by tfalab fit
    name = "fitted"
    base = "Zhang2025"          # the build it started from (omitted if none)
    description = "..."
    [overrides]                 # PyBaMM names, SI values
    "Flaw size [m]" = 1.2e-05
    [fit]                       # provenance: data, quantities, standard errors, ...

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cells.toml"
>>> _ = write_parameter_file(path, {"Flaw size [m]": 1.2e-05}, base="Zhang2025")
>>> p = load_parameter_file(path)
>>> p["overrides"], p["base"], p["name"]
({'Flaw size [m]': 1.2e-05}, 'Zhang2025', 'fitted')
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from tfalab.errors import ParameterError

HEADER = "# written by tfalab fit"
_TOP_KEYS = {"name", "base", "description", "overrides", "fit"}


def _string(text: str) -> str:
    """A TOML basic string (JSON escapes are TOML escapes, bar DEL and the surrogates)."""
    out = json.dumps(str(text), ensure_ascii=False)
    return out.replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if value is None:
        return _string("none")
    raise ParameterError(f"cannot write {value!r} ({type(value).__name__}) to a parameter file")


def _key(key: str) -> str:
    """A TOML key: bare where it may be, quoted otherwise."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _string(key)


def _table(lines: list[str], header: str, data: Mapping[str, Any]) -> None:
    """Append ``[header]`` with the plain values of ``data``, then its sub-tables."""
    lines.append(f"[{header}]")
    subtables = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            subtables.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in subtables:
        lines.append("")
        _table(lines, f"{header}.{_key(key)}", value)


@lru_cache(maxsize=1)
def known_parameters() -> frozenset[str]:
    """Names a parameter file may override: the symmetric cell's parameters, both anodes."""
    from tfalab.cell.parameters import symmetric_parameters
    from tfalab.fitting.params import CONDITIONS

    names = set(symmetric_parameters("li")) | set(symmetric_parameters("tfa"))
    return frozenset(names - set(CONDITIONS))


def _check_overrides(overrides: Mapping[str, Any], where: str) -> dict[str, float]:
    import difflib

    if not isinstance(overrides, Mapping):
        raise ParameterError(f"{where}: [overrides] must be a table of PyBaMM names and SI "
                             f"values, got {overrides!r}")
    out = {}
    known = known_parameters()
    for name, value in overrides.items():
        if name not in known:
            close = difflib.get_close_matches(str(name), sorted(known), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ParameterError(f"{where}: unknown parameter {name!r} in [overrides]{hint}")
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise ParameterError(f"{where}: [overrides] {name!r} must be a finite number in "
                                 f"SI, got {value!r}")
        out[str(name)] = float(value)
    return out


def write_parameter_file(path: str | Path, overrides: Mapping[str, float], *,
                         base: str | Path | None = None, name: str = "fitted",
                         description: str = "", fit: Mapping[str, Any] | None = None,
                         overwrite: bool = False) -> Path:
    """Write a parameter file (schema in the module docstring); returns its path.

    Parameters
    ----------
    path : the ``.toml`` file to write; an existing file is kept unless ``overwrite``.
    overrides : PyBaMM parameter name -> SI value.
    base : the laboratory build the values sit on (a build name or file), or None.
    name, description : what the parameter set is called and what it is.
    fit : the ``[fit]`` provenance table (plain values and sub-tables).
    overwrite : replace an existing file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_parameter_file(pathlib.Path(tempfile.mkdtemp()) / "a.toml",
    ...                          {"Filament tip fraction": 0.08})
    >>> p.read_text().splitlines()[0]
    '# written by tfalab fit'
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise ParameterError(f"{path}: the file exists; pass overwrite=True (CLI: --overwrite) "
                             f"to replace it")
    checked = _check_overrides(overrides, str(path))
    if not isinstance(name, str) or not isinstance(description, str):
        raise ParameterError(f"{path}: name and description must be strings, got {name!r}, "
                             f"{description!r}")
    lines = [HEADER, f"name = {_string(name)}"]
    if base is not None:
        lines.append(f"base = {_string(str(base))}")
    lines += [f"description = {_string(description)}", ""]
    _table(lines, "overrides", checked)
    if fit:
        lines.append("")
        _table(lines, "fit", fit)
    text = "\n".join(lines) + "\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - a bug in the writer
        raise ParameterError(f"{path}: could not write valid TOML ({exc})") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"{path}: cannot write the parameter file ({exc})") from None
    return path


def load_parameter_file(path: str | Path) -> dict[str, Any]:
    """Read a parameter file written by ``tfalab fit`` (or by hand, same schema).

    Returns
    -------
    dict with ``overrides`` (PyBaMM name -> SI value, checked: known names, finite numbers),
    ``base`` (the build name or file it sits on, or None), ``name``, ``description``,
    ``fit`` (the provenance table, or ``{}``) and ``path``. Use it as
    ``simulate_symmetric(..., build=p["base"], overrides=p["overrides"])``, or with PyBaMM via
    :func:`parameter_values`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "mine.toml"
    >>> _ = f.write_text('name = "mine"\\n[overrides]\\n"Flaw size [m]" = 1.2e-05\\n')
    >>> load_parameter_file(f)["overrides"]
    {'Flaw size [m]': 1.2e-05}
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: no such parameter file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{path}: not a readable TOML parameter file ({exc})") from None
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise ParameterError(f"{path}: unknown key(s) {unknown}; a parameter file has "
                             f"{sorted(_TOP_KEYS)}")
    if "overrides" not in raw:
        raise ParameterError(f"{path}: no [overrides] table (PyBaMM names and SI values)")
    for key in ("name", "base", "description"):
        if key in raw and not isinstance(raw[key], str):
            raise ParameterError(f"{path}: {key} must be a string, got {raw[key]!r}")
    fit = raw.get("fit", {})
    if not isinstance(fit, dict):
        raise ParameterError(f"{path}: [fit] must be a table, got {fit!r}")
    return {"name": raw.get("name", path.stem), "base": raw.get("base"),
            "description": raw.get("description", ""),
            "overrides": _check_overrides(raw["overrides"], str(path)), "fit": fit,
            "path": str(path)}


def parameter_values(path: str | Path, anode: str = "tfa", pressure: str | float = "20 MPa",
                     temperature: str | float = "80 degC") -> Any:
    """A ``pybamm.ParameterValues`` of the symmetric cell with a parameter file applied.

    >>> import tempfile, pathlib
    >>> f = write_parameter_file(pathlib.Path(tempfile.mkdtemp()) / "b.toml",
    ...                          {"Flaw size [m]": 1.2e-05})
    >>> parameter_values(f, "li")["Flaw size [m]"]
    1.2e-05
    """
    import pybamm

    from tfalab.cell.parameters import symmetric_parameters

    p = load_parameter_file(path)
    kw: dict[str, Any] = {"overrides": p["overrides"]}
    if p["base"] is not None:
        kw["build"] = p["base"]
    return pybamm.ParameterValues(symmetric_parameters(anode, pressure, temperature, **kw))
