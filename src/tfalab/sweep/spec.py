"""Sweep specifications: which points to evaluate, from a TOML file or a dict.

A spec names the ``kind`` of point (what is computed at each), the values common to every
point (``[fixed]``) and how the others vary (``[axes]``): a full ``grid``, a Latin hypercube
(``lhs``, scipy's ``qmc.LatinHypercube``) or an explicit ``list`` of points (``[[points]]``).

.. code-block:: toml

    [sweep]
    kind = "ccd"             # ccd | cycle | short | full | design
    sampling = "grid"        # grid | lhs | list
    # samples = 50           # lhs only
    # seed = 0               # lhs only

    [fixed]
    build = "Zhang2025"
    temperature = "80 degC"

    [axes]
    anode = ["li", "tfa"]
    pressure = ["0 MPa", "10 MPa", "20 MPa"]
    # lhs: pressure = {low = "0 MPa", high = "50 MPa"}  (add log = true for a log scale)

Values keep their friendly units ("20 MPa"); :mod:`tfalab.sweep.points` converts them.

>>> spec = SweepSpec.from_dict({"sweep": {"kind": "ccd"},
...     "axes": {"anode": ["li", "tfa"], "pressure": ["5 MPa", "20 MPa"]}})
>>> len(spec.points()), spec.points()[0]
(4, {'anode': 'li', 'pressure': '5 MPa'})
>>> point_key(spec.points()[0]) == point_key({"pressure": "5 MPa", "anode": "li"})
True
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfalab.errors import ParameterError
from tfalab.units import from_si, to_si

#: what a point computes (tfalab.sweep.points)
KINDS = ("ccd", "cycle", "short", "full", "design")
SAMPLINGS = ("grid", "lhs", "list")
#: every field a point may set, with its unit kind for ranges (None: categorical)
FIELDS: dict[str, str | None] = {
    "anode": None, "skeleton": None, "free_li": "fraction", "thickness": "length",
    "porosity": "fraction", "build": None, "relative_density": "fraction",
    "pressure": "pressure", "temperature": "temperature", "current": "current_density",
    "capacity": "areal_capacity", "duration": "time", "protocol": None,
    "cathode": None, "loading": None, "c_rate": None, "cycles": None, "stack": None,
    "separator": "length",
}
#: the fields every kind reads: the point's anode and its cell stack (the design metrics)
DESIGN_FIELDS = ("anode", "skeleton", "free_li", "thickness", "porosity", "stack", "cathode",
                 "loading", "separator")
_CELL = ("pressure", "temperature", "build")
#: the fields each kind of point reads; any other field would be ignored, so it is refused
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "ccd": (*DESIGN_FIELDS, *_CELL, "relative_density", "protocol"),
    "cycle": (*DESIGN_FIELDS, *_CELL, "current", "capacity", "duration"),
    "short": (*DESIGN_FIELDS, *_CELL, "relative_density"),
    "full": (*DESIGN_FIELDS, *_CELL, "c_rate", "cycles"),
    "design": DESIGN_FIELDS,
}
#: the default number of LHS samples
DEFAULT_SAMPLES = 20
MAX_POINTS = 10_000_000


def check_kind(kind: Any) -> str:
    """``kind`` if it is one of :data:`KINDS`, else :class:`~tfalab.errors.ParameterError`.

    >>> check_kind("ccd")
    'ccd'
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise ParameterError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    return kind


def check_fields(names: Any, kind: str, where: str = "point") -> None:
    """Refuse a field name that is unknown or that ``kind`` does not read (it would be
    silently ignored); the message names the field and the fields the kind uses.

    >>> from tfalab.errors import ParameterError
    >>> try:
    ...     check_fields(["pressure"], "design")
    ... except ParameterError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    point: field 'pressure' is not used by kind 'design' (it would be ignored); ...
    """
    used = KIND_FIELDS[check_kind(kind)]
    for name in names:
        if not isinstance(name, str) or name not in FIELDS:
            raise ParameterError(f"{where}: unknown point field {name!r}; kind {kind!r} uses: "
                                 f"{', '.join(used)}")
        if name not in used:
            raise ParameterError(f"{where}: field {name!r} is not used by kind {kind!r} (it "
                                 f"would be ignored); kind {kind!r} uses: {', '.join(used)}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def check_value(name: str, value: Any, where: str = "point") -> None:
    """Check one field's value where it can be checked without the model: a quantity of the
    right dimension (its range is the model's check, an error in the point's row), a text
    for a name, a positive ``c_rate`` and a whole number of ``cycles`` >= 1."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ParameterError(f"{where}: {name} = {value!r} must be a text or a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError(f"{where}: {name} = {value!r} is not a finite number")
    unit_kind = FIELDS.get(name)
    if unit_kind is not None:
        to_si(value, unit_kind, f"{where}: {name}")
    elif name == "c_rate":
        x = _number(value)
        if x is None or not (math.isfinite(x) and x > 0):
            raise ParameterError(f"{where}: c_rate = {value!r} must be a positive number (C)")
    elif name == "cycles":
        x = _number(value)
        if x is None or not (math.isfinite(x) and x == int(x) and x >= 1):
            raise ParameterError(f"{where}: cycles = {value!r} must be a whole number >= 1")
    elif isinstance(value, str) and not value.strip():
        raise ParameterError(f"{where}: {name} is empty")


def check_point(point: Any, kind: str, where: str = "point",
                values: bool = True) -> dict[str, Any]:
    """``point`` as a dict, checked: a table of known fields that ``kind`` reads (and, with
    ``values``, each value as in :func:`check_value`); else
    :class:`~tfalab.errors.ParameterError`."""
    from collections.abc import Mapping

    if not isinstance(point, Mapping):
        raise ParameterError(f"{where} must be a table of field -> value, got "
                             f"{type(point).__name__}")
    check_fields(point.keys(), kind, where)
    if values:
        for name, value in point.items():
            check_value(name, value, where)
    return dict(point)


def point_key(point: dict[str, Any], kind: str = "") -> str:
    """A stable hash of a point (and its kind): the key of its row in the store."""
    blob = json.dumps({"kind": kind, **point}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class SweepSpec:
    """A parsed, checked sweep specification."""

    kind: str
    sampling: str = "grid"
    fixed: dict[str, Any] = field(default_factory=dict)
    axes: dict[str, Any] = field(default_factory=dict)
    listed: tuple[dict[str, Any], ...] = ()
    samples: int = DEFAULT_SAMPLES
    seed: int = 0
    timeout: float | None = None  #: s per point (None: no limit)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SweepSpec:
        """Build and check a spec from its TOML structure (see the module docstring)."""
        if not isinstance(d, dict):
            raise ParameterError(f"a sweep spec is a table, got {type(d).__name__}")
        # the shape first: sections, keys, point field names, types, finite numbers
        from tfalab.schema import sweep_spec_schema, validate

        validate(sweep_spec_schema(), d, "sweep spec", ParameterError)
        head = dict(d["sweep"])
        kind = head.pop("kind")
        sampling = head.pop("sampling", "list" if "points" in d and "axes" not in d else "grid")
        given = [k for k in ("samples", "seed") if k in head]
        samples = head.pop("samples", DEFAULT_SAMPLES)
        seed = head.pop("seed", 0)
        timeout = head.pop("timeout", None)
        if samples < 1:
            raise ParameterError(f"[sweep] samples must be a positive integer, got {samples!r}")
        if not 0 <= seed <= 2**32 - 1:
            raise ParameterError(f"[sweep] seed must be an integer in 0-{2**32 - 1}, got {seed!r}")
        if given and sampling != "lhs":
            raise ParameterError(f"[sweep] {', '.join(given)} only apply to sampling = 'lhs', "
                                 f"not {sampling!r}; remove them or sample with 'lhs'")
        if timeout is not None:
            timeout = to_si(timeout, "time", "timeout") if isinstance(timeout, str) \
                else float(timeout)
            if not (math.isfinite(timeout) and timeout > 0):
                raise ParameterError(f"[sweep] timeout must be a positive time, got {timeout!r}")
        fixed = dict(d.get("fixed", {}))
        axes = dict(d.get("axes", {}))
        listed = d.get("points", [])
        both = set(fixed) & set(axes)
        if both:
            raise ParameterError(f"field(s) {sorted(both)} are both fixed and an axis")
        return cls(kind, sampling, fixed, axes, tuple(dict(p) for p in listed), samples, seed,
                   timeout)  # checked by __post_init__

    def __post_init__(self) -> None:
        if not isinstance(self.fixed, dict) or not isinstance(self.axes, dict):
            raise ParameterError("[fixed] and [axes] must be tables of field -> value")
        self._check()

    @classmethod
    def read(cls, path: str | Path) -> SweepSpec:
        """Read a TOML spec file (errors name the file)."""
        from tfalab.schema import sweep_spec_schema, validate
        from tfalab.tomlfile import read_toml

        data = read_toml(Path(path), "sweep spec")
        validate(sweep_spec_schema(), data, f"sweep spec {str(path)!r}", ParameterError)
        return cls.from_dict(data)

    def _check(self) -> None:
        check_kind(self.kind)
        if self.sampling not in SAMPLINGS:
            raise ParameterError(f"[sweep] sampling must be one of {', '.join(SAMPLINGS)}; "
                                 f"got {self.sampling!r}")
        # every field is one this kind reads, with a value that can be read
        check_point(self.fixed, self.kind, "[fixed]")
        check_fields(self.axes, self.kind, "[axes]")
        for k, p in enumerate(self.listed):
            check_point(p, self.kind, f"[[points]] #{k + 1}")
            both = sorted(set(p) & set(self.fixed))
            if both:
                raise ParameterError(f"[[points]] #{k + 1}: field(s) {both} are also in "
                                     "[fixed]; give each field in one place")
        if self.sampling != "list" and self.listed:
            raise ParameterError(f"[[points]] are read only with sampling = 'list', but this "
                                 f"sweep samples {self.sampling!r} over [axes]; give either "
                                 "[axes] or [[points]]")
        if self.sampling == "list" and self.axes:
            raise ParameterError("[axes] are not read with sampling = 'list' (the points are "
                                 "the [[points]]); give either [axes] or [[points]]")
        if self.sampling == "grid":
            for name, values in self.axes.items():
                if not isinstance(values, list) or not values:
                    raise ParameterError(f"grid axis {name!r} must be a non-empty list of "
                                         f"values, got {values!r}")
                for v in values:
                    check_value(name, v, "[axes]")
        elif self.sampling == "lhs":
            if not self.axes:
                raise ParameterError("an lhs sweep needs [axes] with ranges")
            for name, rng in self.axes.items():
                if FIELDS[name] is None:
                    if not isinstance(rng, list) or not rng:
                        raise ParameterError(f"lhs axis {name!r} is categorical: give a list "
                                             f"of choices, got {rng!r}")
                    for v in rng:
                        check_value(name, v, "[axes]")
                    continue
                if not (isinstance(rng, dict) and {"low", "high"} <= set(rng)):
                    raise ParameterError(f"lhs axis {name!r} needs {{low = ..., high = ...}}, "
                                         f"got {rng!r}")
                extra = sorted(set(rng) - {"low", "high", "log"})
                if extra:
                    raise ParameterError(f"lhs axis {name!r}: unknown key(s) {extra}; known: "
                                         "low, high, log")
                unit_kind = FIELDS[name]
                assert unit_kind is not None  # categorical axes were handled above
                lo = to_si(rng["low"], unit_kind, f"{name}.low")
                hi = to_si(rng["high"], unit_kind, f"{name}.high")
                if not lo < hi:
                    raise ParameterError(f"lhs axis {name!r}: need low < high, got low = "
                                         f"{rng['low']!r}, high = {rng['high']!r}")
                if rng.get("log") and not lo > 0:
                    raise ParameterError(f"lhs axis {name!r}: a log axis needs positive "
                                         f"bounds, got low = {rng['low']!r}")
        elif not self.listed:
            raise ParameterError("a list sweep needs [[points]]")
        n = self.n_points
        if n > MAX_POINTS:
            raise ParameterError(f"the sweep has {n} points, more than {MAX_POINTS}")

    @property
    def n_points(self) -> int:
        if self.sampling == "grid":
            return math.prod(len(v) for v in self.axes.values())
        if self.sampling == "lhs":
            return self.samples
        return len(self.listed)

    def points(self) -> list[dict[str, Any]]:
        """Every point, as a dict of field → value (friendly units), fixed values included."""
        if self.sampling == "grid":
            names = list(self.axes)
            varied = [dict(zip(names, combo, strict=True))
                      for combo in itertools.product(*self.axes.values())]
        elif self.sampling == "lhs":
            varied = self._lhs()
        else:
            varied = [dict(p) for p in self.listed]
        return [{**self.fixed, **v} for v in varied]

    def _lhs(self) -> list[dict[str, Any]]:
        from scipy.stats import qmc

        names = list(self.axes)
        unit = qmc.LatinHypercube(d=len(names), seed=self.seed).random(self.samples)
        out = []
        for row in unit:
            point: dict[str, Any] = {}
            for u, name in zip(row, names, strict=True):
                rng = self.axes[name]
                kind = FIELDS[name]
                if kind is None:
                    point[name] = rng[min(int(u * len(rng)), len(rng) - 1)]
                    continue
                lo = to_si(rng["low"], kind, f"{name}.low")
                hi = to_si(rng["high"], kind, f"{name}.high")
                if rng.get("log"):
                    if not (lo > 0 and hi > 0):
                        raise ParameterError(f"log axis {name!r} needs positive bounds")
                    value = lo * (hi / lo) ** u
                else:
                    value = lo + (hi - lo) * u
                point[name] = _friendly(value, kind)
            out.append(point)
        return out

    def to_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"kind": self.kind, "sampling": self.sampling}
        if self.sampling == "lhs":
            head |= {"samples": self.samples, "seed": self.seed}
        if self.timeout is not None:
            head["timeout"] = self.timeout
        out: dict[str, Any] = {"sweep": head}
        if self.fixed:
            out["fixed"] = self.fixed
        if self.axes:
            out["axes"] = self.axes
        if self.listed:
            out["points"] = list(self.listed)
        return out


_DISPLAY = {"pressure": "MPa", "temperature": "degC", "length": "um",
            "current_density": "mA/cm2", "areal_capacity": "mAh/cm2", "time": "h",
            "fraction": "%"}


def _friendly(value: float, kind: str) -> str:
    """A sampled SI value written back in friendly units (so points read as the spec)."""
    unit = _DISPLAY.get(kind)
    if unit is None:
        return f"{value:.6g}"
    return f"{from_si(value, kind, unit):.6g} {unit}"
