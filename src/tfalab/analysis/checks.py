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

__all__ = ["UnknownKeywordError", "check_bins", "check_number", "check_range"]


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


def check_range(value: Any, name: str, *, low: float | None = None,
                high: float | None = None) -> tuple[float, float]:
    """``(lo, hi)`` if ``value`` is two finite numbers with lo < hi (within ``low``/``high``
    when given), else :class:`~tfalab.errors.ParameterError`.

    >>> check_range((1, 2.5), "limits")
    (1.0, 2.5)
    """
    rng = _allowed(low, high, False, False)
    need = (f"{name} must be two finite numbers (low, high) with low < high"
            f"{', both ' + rng if rng else ''}, got {value!r}")
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(need) from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ParameterError(need)
    if (low is not None and lo < low) or (high is not None and hi > high):
        raise ParameterError(need)
    return lo, hi


def check_bins(value: Any, name: str = "bins", *, edges: bool = False,
               most: int = 100_000) -> Any:
    """A histogram's bin count: an integer 1..``most``; with ``edges`` also a sequence of at
    least two finite, strictly increasing bin edges (returned as a float array). Anything else
    raises :class:`~tfalab.errors.ParameterError`.

    >>> check_bins(10)
    10
    >>> check_bins([0, 1, 3], edges=True).tolist()
    [0.0, 1.0, 3.0]
    """
    if isinstance(value, Integral) and not isinstance(value, bool):
        return check_number(value, name, low=1, high=most, integer=True)
    allowed = f"an integer from 1 to {most}"
    if edges:
        import numpy as np

        allowed += " or at least two finite, strictly increasing bin edges"
        if not isinstance(value, str | bytes | Real | bool):
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                arr = None
            if arr is not None and arr.ndim == 1 and arr.size >= 2 and \
                    bool(np.all(np.isfinite(arr))) and bool(np.all(np.diff(arr) > 0)):
                return arr
    raise ParameterError(f"{name} must be {allowed}, got {value!r}")
