"""Checks of the keyword arguments of the analysis functions, at their edge.

A bad value raises :class:`~tfalab.errors.ParameterError` naming the argument, the value and
what is allowed (never a silent, physically meaningless result).

>>> check_number(0.5, "rest_fraction", low=0, high=1, high_open=True)
0.5
>>> try:
...     check_number(float("nan"), "limit", low=0, low_open=True)
... except ParameterError as exc:
...     print(exc)
limit must be a finite number > 0, got nan
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

from tfalab.errors import ParameterError

__all__ = ["UnknownKeywordError", "check_number"]


class UnknownKeywordError(ParameterError, TypeError):
    """An unknown keyword argument: a tfalab error, and a TypeError as Python's own."""


def _allowed(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    lo = None if low is None else f"{'>' if low_open else '>='} {low:g}"
    hi = None if high is None else f"{'<' if high_open else '<='} {high:g}"
    return " and ".join(t for t in (lo, hi) if t)


def check_number(value: Any, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False,
                 integer: bool = False) -> Any:
    """``value`` if it is a finite number (an integer with ``integer``) within the bounds
    (``low_open``/``high_open``: the bound itself is excluded), else
    :class:`~tfalab.errors.ParameterError`. Returns a float (an int with ``integer``)."""
    kind = "an integer" if integer else "a finite number"
    rng = _allowed(low, high, low_open, high_open)
    need = f"{name} must be {kind}{' ' + rng if rng else ''}, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, Integral if integer else Real):
        raise ParameterError(need)
    x = int(value) if isinstance(value, Integral) and integer else float(value)
    if not math.isfinite(x):
        raise ParameterError(need)
    if low is not None and (x < low or (low_open and x == low)):
        raise ParameterError(need)
    if high is not None and (x > high or (high_open and x == high)):
        raise ParameterError(need)
    return x
