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
from dataclasses import dataclass
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


def fitted(name: str) -> FittedParameter:
    """The fitted parameter ``name`` (e.g. ``"anode.collapse_fraction"``)."""
    try:
        return _table()[name]
    except KeyError:
        raise ParameterError(f"no fitted parameter {name!r}; known: {', '.join(_table())}") \
            from None


def all_fitted() -> list[FittedParameter]:
    """Every fitted parameter."""
    return list(_table().values())


def calibration_checks() -> set[str]:
    """Keys (``"C4.porosity_after_strip"``) of the claim checks some parameter was fitted to."""
    return {c for p in _table().values() for c in p.fitted_to}
