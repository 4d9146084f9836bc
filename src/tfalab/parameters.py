"""Fitted parameters: one place, each with the claims and data it was fitted to.

Literature values live in :mod:`tfalab.materials`; the few numbers that literature cannot give
live in ``data/parameters.toml`` with ``fitted_to`` (claim ids), ``data`` and ``method`` (the
function that reproduces the fit).

>>> p = fitted("anode.collapse_fraction")
>>> p.fitted_to
('C4.porosity_after_strip',)
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from tfalab.errors import ParameterError


@dataclass(frozen=True)
class FittedParameter:
    """A fitted parameter and its provenance."""

    name: str
    value: float
    unit: str
    fitted_to: tuple[str, ...]
    data: str
    method: str
    description: str = ""
    source: str = "fitted"


@lru_cache(maxsize=1)
def _table() -> dict[str, FittedParameter]:
    raw = tomllib.loads(resources.files("tfalab.data").joinpath("parameters.toml")
                        .read_text("utf-8"))
    out: dict[str, FittedParameter] = {}
    for group, entries in raw.items():
        for key, d in entries.items():
            name = f"{group}.{key}"
            out[name] = FittedParameter(
                name=name, value=float(d["value"]), unit=d.get("unit", ""),
                fitted_to=tuple(d["fitted_to"]), data=d["data"], method=d["method"],
                description=d.get("description", ""), source=d.get("source", "fitted"))
    return out


#: In-memory replacements of stored values (innermost last), see :func:`fitted_overrides`.
_OVERRIDES: list[dict[str, float]] = []


def _current(p: FittedParameter) -> FittedParameter:
    for layer in reversed(_OVERRIDES):
        if p.name in layer:
            return replace(p, value=float(layer[p.name]))
    return p


def fitted(name: str) -> FittedParameter:
    """The fitted parameter ``name`` (e.g. ``"anode.collapse_fraction"``)."""
    try:
        return _current(_table()[name])
    except KeyError:
        raise ParameterError(f"no fitted parameter {name!r}; known: {', '.join(_table())}") \
            from None


def all_fitted() -> list[FittedParameter]:
    """Every fitted parameter."""
    return [_current(p) for p in _table().values()]


@contextmanager
def fitted_overrides(values: Mapping[str, float] | None = None) -> Iterator[dict[str, float]]:
    """Replace stored fitted values in memory for the ``with`` block (no file is written).

    The yielded dict may be updated inside the block to replace more values (a fit that
    builds on earlier fits); everything is restored on exit. Caches of results computed from
    fitted values are the caller's to clear.

    >>> stored = fitted("anode.collapse_fraction").value
    >>> with fitted_overrides({"anode.collapse_fraction": 0.5}) as live:
    ...     live["holder.stiffness"] = 1e10
    ...     fitted("anode.collapse_fraction").value, fitted("holder.stiffness").value
    (0.5, 10000000000.0)
    >>> fitted("anode.collapse_fraction").value == stored
    True
    """
    layer = dict(values or {})
    unknown = set(layer) - set(_table())
    if unknown:
        raise ParameterError(f"no fitted parameter(s) {', '.join(sorted(unknown))}")
    _OVERRIDES.append(layer)
    try:
        yield layer
    finally:
        _OVERRIDES.remove(layer)


def calibration_checks() -> set[str]:
    """Keys (``"C4.porosity_after_strip"``) of the claim checks some parameter was fitted to."""
    return {c for p in _table().values() for c in p.fitted_to}
