"""Cycling protocols for Li symmetric cells, in current density, turned into PyBaMM experiments.

A protocol is a frozen dataclass with SI fields (A/m², C/m², s). It lists its ``steps()`` as
``(current density, duration)`` pairs and becomes a ``pybamm.Experiment`` for a given
electrode area with ``to_experiment(area)``.

Sign convention: a positive current is a PyBaMM "discharge": the left (negative) electrode
strips Li and the right one plates it. A cycle is a strip half-cycle (positive current) followed
by a plate half-cycle (negative current).

>>> p = parse_protocol("rest 1 h; cycle 0.5 mA/cm2 2 mAh/cm2 x 2")
>>> p.steps()
[(0.0, 3600.0), (5.0, 14400.0), (-5.0, 14400.0), (5.0, 14400.0), (-5.0, 14400.0)]
>>> p.n_half_cycles, p.duration / 3600
(4, 17.0)
>>> make_protocol(p.to_dict()) == p
True
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from tfalab.errors import ProtocolError, UnitError
from tfalab.units import from_si, registry, to_si

#: Strip time used when a strip-to-failure has no capacity limit (the model stops at failure).
DEFAULT_STRIP_TIME = 1000 * 3600.0
#: A CCD ramp with more current steps than this is taken for a typo.
MAX_RAMP_STEPS = 100_000
#: Most steps (half-cycles) a protocol may hold (a typo such as "x 99999999999" is refused
#: before anything is allocated); the environment variable TFALAB_MAX_STEPS raises it.
MAX_STEPS = 1_000_000


def max_steps() -> int:
    """The step limit: ``TFALAB_MAX_STEPS`` if set (a positive integer), else MAX_STEPS."""
    import os

    text = os.environ.get("TFALAB_MAX_STEPS", "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    return MAX_STEPS


def _check_steps(n: int, owner: str) -> None:
    if n > max_steps():
        raise ProtocolError(f"{owner}: {n} steps is more than the limit of {max_steps()} "
                            f"(set the environment variable TFALAB_MAX_STEPS to raise it)")

#: Protocol strings :func:`parse_protocol` understands.
ACCEPTED_FORMS = (
    "cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h",
    "cycle 4 mA/cm2 1 mAh/cm2 x 100",
    "ccd",
    "ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 0.5 h",
    "ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 1 mAh/cm2",
    "strip 0.5 mA/cm2",
    "strip 0.5 mA/cm2 to 20 mAh/cm2",
    "rest 10 h",
    "rest 1 h; cycle 0.5 mA/cm2 2 mAh/cm2 x 10   (';' or 'then' chains protocols)",
)

_EXAMPLES = {
    "current_density": "0.5 mA/cm2",
    "areal_capacity": "2 mAh/cm2",
    "time": "30 min",
    "area": "0.785 cm2",
}

#: the largest value a protocol may ask for, SI, with its friendly spelling: beyond it no
#: Li anode on a solid electrolyte is meaningful (CCDs are 0.1-20 mA/cm2; thick anodes hold
#: up to ~100 mAh/cm2), and a unit slip (mega for milli) is the likelier cause
_MAXIMA = {"current_density": (1e4, "1000 mA/cm2"), "areal_capacity": (3.6e7, "1000 mAh/cm2")}

Step = tuple[float, float]


# --------------------------------------------------------------------------- value checking

def _positive(value: Any, kind: str, field: str, owner: str) -> float:
    """``value`` in SI, checked to be a finite positive number; ProtocolError otherwise."""
    example = _EXAMPLES[kind]
    label = kind.replace("_", " ")
    if value is None:
        raise ProtocolError(f"{owner}: {field} is required, e.g. {example!r}")
    try:
        x = to_si(value, kind, field)
    except UnitError as exc:
        raise ProtocolError(f"{owner}: {exc}") from None
    if not math.isfinite(x) or x <= 0:
        raise ProtocolError(
            f"{owner}: {field} must be a positive, finite {label} such as {example!r}, "
            f"got {value!r}")
    if kind in _MAXIMA and x > _MAXIMA[kind][0]:
        raise ProtocolError(f"{owner}: {field} {value!r} is above {_MAXIMA[kind][1]}, beyond "
                            f"any Li anode on a solid electrolyte; check the unit")
    return x


#: s, the shortest and longest one protocol step may last: a cycler's fastest pulses are
#: milliseconds (and a step read from a lab file may be that short); a step longer than ~11
#: years is a unit slip (a run of many steps may be longer)
STEP_TIME_RANGE = (1e-3, 3.6e8)


def _step_time(t: float, what: str, owner: str) -> float:
    """``t`` (s, one step's duration) checked against :data:`STEP_TIME_RANGE`."""
    lo, hi = STEP_TIME_RANGE
    if not lo <= t <= hi:
        raise ProtocolError(f"{owner}: {what} is {_time(t)}; one step must last from 1 ms to "
                            f"{hi / 3600:.0f} h (check the capacity, current or time unit)")
    return t


def _optional(value: Any, kind: str, field: str, owner: str) -> float | None:
    return None if value is None else _positive(value, kind, field, owner)


def _count(value: Any, field: str, owner: str) -> int:
    """A whole number >= 1 (ints, integral floats and digit strings are accepted)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        n = int(value) if isinstance(value, str) else value
        if not float(n).is_integer():
            raise ValueError
        n = int(n)
    except (TypeError, ValueError, OverflowError):
        raise ProtocolError(f"{owner}: {field} must be a whole number such as 100, "
                            f"got {value!r}") from None
    if n < 1:
        raise ProtocolError(f"{owner}: {field} must be at least 1, got {value!r}")
    return n


def _mA(x: float) -> str:
    return f"{from_si(x, 'current_density', 'mA/cm2'):.15g} mA/cm2"


def _mAh(x: float) -> str:
    return f"{from_si(x, 'areal_capacity', 'mAh/cm2'):.15g} mAh/cm2"


def _time(t: float) -> str:
    """Seconds as the largest whole unit (h, min, s) that writes them exactly."""
    for unit, size in (("h", 3600.0), ("min", 60.0)):
        if (t / size).is_integer():
            return f"{t / size:.15g} {unit}"
    if t >= 3600:
        return f"{t / 3600:.15g} h"
    return f"{t:.15g} s"


# --------------------------------------------------------------------------- base class

class Protocol:
    """Base class of the protocols: steps, duration, JSON round trip, PyBaMM experiment."""

    kind: ClassVar[str] = ""
    _registry: ClassVar[dict[str, type[Protocol]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            Protocol._registry[cls.kind] = cls

    # subclasses provide these two
    def cycle_steps(self) -> list[list[Step]]:
        """Steps grouped into cycles (a cycle is strip + plate; a rest is its own group)."""
        raise NotImplementedError

    def describe(self) -> str:
        """A sentence a researcher reads."""
        raise NotImplementedError

    def to_string(self) -> str:
        """The :func:`parse_protocol` string of this protocol."""
        raise NotImplementedError

    def steps(self) -> list[Step]:
        """``(current density A/m², duration s)`` pairs; positive = strip the left electrode."""
        return [step for cycle in self.cycle_steps() for step in cycle]

    @cached_property  # not a data descriptor, so Rest can store its own ``duration`` field
    def duration(self) -> float:
        """Total time, s."""
        return float(sum(t for _, t in self.steps()))

    @property
    def n_half_cycles(self) -> int:
        """Number of current-carrying steps (strips and plates)."""
        return sum(1 for i, _ in self.steps() if i != 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with a ``"kind"`` key; :meth:`from_dict` reads it back."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):  # type: ignore[arg-type]
            out[f.name] = getattr(self, f.name)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Protocol:
        """Rebuild a protocol from :meth:`to_dict` output (values may also be unit strings).

        >>> Protocol.from_dict({"kind": "rest", "duration": "2 h"})
        Rest(duration=7200.0)
        """
        if not isinstance(data, Mapping):
            raise ProtocolError(f"expected a dict such as {{'kind': 'rest', 'duration': '10 h'}}, "
                                f"got {data!r}")
        data = dict(data)
        kind = data.pop("kind", cls.kind or None)
        target = Protocol._registry.get(str(kind).lower()) if kind is not None else None
        if target is None:
            raise ProtocolError(f"unknown protocol kind {kind!r}; known kinds: "
                                f"{', '.join(sorted(Protocol._registry))}")
        if cls is not Protocol and target is not cls:
            raise ProtocolError(f"{cls.__name__}.from_dict got a {kind!r} protocol")
        # the shape first (field names, types, finite numbers; nested protocols of a
        # sequence too), then the constructor converts units and checks ranges
        from tfalab.schema import PROTOCOL_SCHEMAS, validate

        validate(PROTOCOL_SCHEMAS[target.kind], data, f"{target.kind} protocol", ProtocolError)
        try:
            return target(**data)
        except TypeError as exc:  # a field of the wrong type that no check caught
            raise ProtocolError(f"{kind} protocol: {exc}") from None

    def to_experiment(self, area_m2: float | str, points_per_step: int = 20,
                      temperature: float | str | None = None) -> Any:
        """A ``pybamm.Experiment`` for an electrode of ``area_m2`` (m², or e.g. ``"0.785 cm2"``).

        Currents are in A (positive = discharge = strip the left electrode), each step holds
        ``points_per_step`` output periods, and each cycle is one PyBaMM cycle.
        ``temperature`` (K, or e.g. ``"60 degC"``) sets the ambient temperature.
        """
        try:
            import pybamm
        except ImportError as exc:  # pragma: no cover - pybamm is optional for tfalab
            raise ProtocolError("to_experiment needs PyBaMM: pip install pybamm") from exc
        area = _positive(area_m2, "area", "area_m2", "to_experiment")
        npts = _count(points_per_step, "points_per_step", "to_experiment")
        temp = None
        if temperature is not None:
            try:
                temp = to_si(temperature, "temperature", "temperature")
            except UnitError as exc:
                raise ProtocolError(f"to_experiment: {exc}") from None
            if not math.isfinite(temp) or temp <= 0:
                raise ProtocolError(f"to_experiment: temperature must be positive in K "
                                    f"(e.g. '60 degC'), got {temperature!r}")
        conditions = []
        for cycle in self.cycle_steps():
            group = []
            for i, t in cycle:
                if i == 0:
                    group.append(pybamm.step.rest(duration=t, period=t / npts))
                else:
                    group.append(pybamm.step.current(float(i * area), duration=t,
                                                     period=t / npts))
            conditions.append(tuple(group))
        return pybamm.Experiment(conditions, temperature=temp)


# --------------------------------------------------------------------------- protocols

@dataclass(frozen=True, init=False)
class CCDRamp(Protocol):
    """Critical-current-density ramp: one cycle (strip then plate) per current step.

    Each half-cycle lasts ``half_cycle_time`` or, if ``half_cycle_capacity`` is given, passes
    that capacity (time = capacity / current). The paper gives no ramp; tfalab's default is
    0.1 mA/cm² start, 0.1 mA/cm² steps, 0.5 h per half-cycle, up to 10 mA/cm².

    >>> r = CCDRamp()
    >>> len(r.current_densities()), r.current_densities()[:3], r.duration / 3600
    (100, array([1., 2., 3.]), 100.0)
    >>> CCDRamp("1 mA/cm2", "1 mA/cm2", "2 mA/cm2", half_cycle_capacity="1 mAh/cm2").steps()
    [(10.0, 3600.0), (-10.0, 3600.0), (20.0, 1800.0), (-20.0, 1800.0)]
    """

    kind: ClassVar[str] = "ccd"
    start: float
    step: float
    stop: float
    half_cycle_time: float | None
    half_cycle_capacity: float | None

    def __init__(self, start: float | str = 1.0, step: float | str = 1.0,
                 stop: float | str = 100.0, half_cycle_time: float | str | None = None,
                 half_cycle_capacity: float | str | None = None) -> None:
        name = "CCDRamp"
        i0 = _positive(start, "current_density", "start", name)
        di = _positive(step, "current_density", "step", name)
        i1 = _positive(stop, "current_density", "stop", name)
        if i1 < i0:
            raise ProtocolError(f"{name}: stop ({_mA(i1)}) must not be below start ({_mA(i0)}), "
                                "e.g. start '0.1 mA/cm2', stop '10 mA/cm2'")
        if (i1 - i0) / di + 1 > MAX_RAMP_STEPS:
            raise ProtocolError(f"{name}: {_mA(i0)} to {_mA(i1)} in {_mA(di)} steps is more than "
                                f"{MAX_RAMP_STEPS} steps; use a larger step such as '0.1 mA/cm2'")
        cap = _optional(half_cycle_capacity, "areal_capacity", "half_cycle_capacity", name)
        t = _optional(half_cycle_time, "time", "half_cycle_time", name)
        if cap is not None and t is not None:
            raise ProtocolError(f"{name}: give half_cycle_time (e.g. '0.5 h') or "
                                "half_cycle_capacity (e.g. '1 mAh/cm2'), not both")
        if cap is None and t is None:
            t = 1800.0
        if t is not None:
            _step_time(t, "half_cycle_time", name)
        else:
            assert cap is not None
            _step_time(cap / i1, f"a half-cycle at stop ({_mA(i1)})", name)
            _step_time(cap / i0, f"a half-cycle at start ({_mA(i0)})", name)
        for key, value in (("start", i0), ("step", di), ("stop", i1), ("half_cycle_time", t),
                           ("half_cycle_capacity", cap)):
            object.__setattr__(self, key, value)

    def current_densities(self) -> np.ndarray:
        """The ramp's current densities, A/m² (start, start + step, ... <= stop)."""
        n = math.floor((self.stop - self.start) / self.step * (1 + 1e-12) + 1e-9) + 1
        return np.array([float(f"{self.start + k * self.step:.12g}") for k in range(n)])

    def half_cycle_times(self) -> np.ndarray:
        """Duration of each current step's half-cycles, s."""
        i = self.current_densities()
        if self.half_cycle_capacity is not None:
            return self.half_cycle_capacity / i
        assert self.half_cycle_time is not None  # __init__: no capacity means a time
        return np.full(i.shape, float(self.half_cycle_time))

    def cycle_steps(self) -> list[list[Step]]:
        return [[(float(i), float(t)), (-float(i), float(t))]
                for i, t in zip(self.current_densities(), self.half_cycle_times(), strict=True)]

    def _per_half(self, sep: str) -> str:
        if self.half_cycle_capacity is not None:
            return f"{_mAh(self.half_cycle_capacity)}{sep}"
        assert self.half_cycle_time is not None  # __init__: no capacity means a time
        return f"{_time(float(self.half_cycle_time))}{sep}"

    def describe(self) -> str:
        i = self.current_densities()
        return (f"CCD ramp {_mA(i[0])} to {_mA(i[-1])} in {_mA(self.step)} steps, "
                f"{self._per_half(' per half-cycle')}: {len(i)} cycles, "
                f"{self.duration / 3600:.4g} h")

    def to_string(self) -> str:
        return (f"ccd from {_mA(self.start)} step {_mA(self.step)} to {_mA(self.stop)} "
                f"every {self._per_half('')}")


@dataclass(frozen=True, init=False)
class GalvanostaticCycling(Protocol):
    """Strip/plate cycling at one current density, ``capacity`` per half-cycle.

    Give exactly one of ``total_time`` (cycles = floor(total_time / cycle time), at least 1)
    and ``cycles``.

    >>> g = GalvanostaticCycling("0.5 mA/cm2", "2 mAh/cm2", total_time="6000 h")
    >>> g.half_cycle_time / 3600, g.n_cycles, g.n_half_cycles
    (4.0, 750, 1500)
    """

    kind: ClassVar[str] = "cycle"
    current_density: float
    capacity: float
    total_time: float | None
    cycles: int | None  # type: ignore[assignment]

    def __init__(self, current_density: float | str, capacity: float | str,
                 total_time: float | str | None = None, cycles: int | None = None) -> None:
        name = "GalvanostaticCycling"
        i = _positive(current_density, "current_density", "current_density", name)
        q = _positive(capacity, "areal_capacity", "capacity", name)
        if (total_time is None) == (cycles is None):
            raise ProtocolError(f"{name}: give exactly one of total_time (e.g. '6000 h') and "
                                f"cycles (e.g. 100), got total_time={total_time!r}, "
                                f"cycles={cycles!r}")
        t = _optional(total_time, "time", "total_time", name)
        n = None if cycles is None else _count(cycles, "cycles", name)
        _step_time(q / i, f"a half-cycle ({_mAh(q)} at {_mA(i)})", name)
        if t is not None and t < 2 * q / i * (1 - 1e-9):  # it would run one whole cycle
            raise ProtocolError(
                f"{name}: total_time {_time(t)} is shorter than one cycle ({_time(2 * q / i)}: "
                f"strip and plate {_mAh(q)} at {_mA(i)}); give at least {_time(2 * q / i)}, "
                f"a smaller capacity, or a number of cycles ('x 1')")
        for key, value in (("current_density", i), ("capacity", q), ("total_time", t),
                           ("cycles", n)):
            object.__setattr__(self, key, value)
        _check_steps(2 * self.n_cycles, name)

    @property
    def half_cycle_time(self) -> float:
        """s, capacity / current density."""
        return self.capacity / self.current_density

    @property
    def n_cycles(self) -> int:
        """Number of strip + plate cycles."""
        if self.cycles is not None:
            return self.cycles
        ratio = float(self.total_time) / (2 * self.half_cycle_time)  # type: ignore[arg-type]
        return max(1, math.floor(ratio * (1 + 1e-12)))

    def cycle_steps(self) -> list[list[Step]]:
        i, t = self.current_density, self.half_cycle_time
        return [[(i, t), (-i, t)] for _ in range(self.n_cycles)]

    def _until(self) -> str:
        if self.cycles is not None:
            return f"x {self.cycles}"
        assert self.total_time is not None  # __init__: exactly one of total_time and cycles
        return f"for {_time(float(self.total_time))}"

    def describe(self) -> str:
        return (f"cycle at {_mA(self.current_density)}, {_mAh(self.capacity)} per half-cycle "
                f"({_time(self.half_cycle_time)}): {self.n_cycles} cycles, "
                f"{self.duration / 3600:.6g} h")

    def to_string(self) -> str:
        return f"cycle {_mA(self.current_density)} {_mAh(self.capacity)} {self._until()}"


@dataclass(frozen=True, init=False)
class StripToFailure(Protocol):
    """One long strip of the left electrode, to ``capacity`` or, without one, for 1000 h.

    >>> s = StripToFailure("0.5 mA/cm2", "20 mAh/cm2")
    >>> s.steps(), s.n_half_cycles
    ([(5.0, 144000.0)], 1)
    >>> StripToFailure("0.5 mA/cm2").duration / 3600
    1000.0
    """

    kind: ClassVar[str] = "strip"
    current_density: float
    capacity: float | None

    def __init__(self, current_density: float | str, capacity: float | str | None = None) -> None:
        name = "StripToFailure"
        i = _positive(current_density, "current_density", "current_density", name)
        q = _optional(capacity, "areal_capacity", "capacity", name)
        if q is not None:
            _step_time(q / i, f"the strip ({_mAh(q)} at {_mA(i)})", name)
        object.__setattr__(self, "current_density", i)
        object.__setattr__(self, "capacity", q)

    @property
    def strip_time(self) -> float:
        """s."""
        if self.capacity is None:
            return DEFAULT_STRIP_TIME
        return self.capacity / self.current_density

    def cycle_steps(self) -> list[list[Step]]:
        return [[(self.current_density, self.strip_time)]]

    def describe(self) -> str:
        if self.capacity is None:
            limit = f"until failure (at most {_time(self.strip_time)})"
        else:
            limit = f"to {_mAh(self.capacity)} ({_time(self.strip_time)})"
        return f"strip at {_mA(self.current_density)} {limit}"

    def to_string(self) -> str:
        limit = f" to {_mAh(self.capacity)}" if self.capacity is not None else ""
        return f"strip {_mA(self.current_density)}{limit}"


@dataclass(frozen=True, init=False)
class Rest(Protocol):
    """Open circuit for ``duration``.

    >>> Rest("30 min").steps()
    [(0.0, 1800.0)]
    """

    kind: ClassVar[str] = "rest"
    duration: float  # type: ignore[assignment]  # the field shadows Protocol.duration

    def __init__(self, duration: float | str) -> None:
        t = _step_time(_positive(duration, "time", "duration", "Rest"), "duration", "Rest")
        object.__setattr__(self, "duration", t)

    def cycle_steps(self) -> list[list[Step]]:
        return [[(0.0, self.duration)]]

    def describe(self) -> str:
        return f"rest {_time(self.duration)}"

    def to_string(self) -> str:
        return f"rest {_time(self.duration)}"


@dataclass(frozen=True, init=False)
class Sequence(Protocol):
    """Protocols run one after the other (items may be protocols, dicts or strings).

    >>> s = Sequence(["rest 10 h", StripToFailure("1 mA/cm2", "1 mAh/cm2")])
    >>> s.steps()
    [(0.0, 36000.0), (10.0, 3600.0)]
    >>> s.to_string()
    'rest 10 h; strip 1 mA/cm2 to 1 mAh/cm2'
    """

    kind: ClassVar[str] = "sequence"
    protocols: tuple[Protocol, ...]

    def __init__(self, protocols: Iterable[Protocol | Mapping[str, Any] | str]) -> None:
        if isinstance(protocols, str | Mapping | Protocol) or not isinstance(protocols, Iterable):
            raise ProtocolError("Sequence: protocols must be a list such as "
                                f"['rest 1 h', 'strip 0.5 mA/cm2'], got {protocols!r}")
        items = tuple(make_protocol(p) for p in protocols)
        if not items:
            raise ProtocolError("Sequence: protocols is empty; give at least one, "
                                "e.g. ['rest 1 h', 'strip 0.5 mA/cm2']")
        object.__setattr__(self, "protocols", items)

    def cycle_steps(self) -> list[list[Step]]:
        return [cycle for p in self.protocols for cycle in p.cycle_steps()]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "protocols": [p.to_dict() for p in self.protocols]}

    def describe(self) -> str:
        return " then ".join(p.describe() for p in self.protocols)

    def to_string(self) -> str:
        return "; ".join(p.to_string() for p in self.protocols)


@dataclass(frozen=True, init=False)
class StepList(Protocol):
    """An explicit list of ``(current density, duration)`` steps, e.g. read off a lab file's
    current trace (:func:`tfalab.fitting.protocol_from_celltest`). Zero current is a rest.

    >>> s = StepList([("0.5 mA/cm2", "1 h"), (0, "30 min"), ("-0.5 mA/cm2", "1 h")])
    >>> s.steps(), s.n_half_cycles
    ([(5.0, 3600.0), (0.0, 1800.0), (-5.0, 3600.0)], 2)
    >>> make_protocol(s.to_string()) == s
    True
    """

    kind: ClassVar[str] = "steps"
    step_list: tuple[tuple[float, float], ...]

    def __init__(self, step_list: Iterable[Iterable[Any]]) -> None:
        name = "StepList"
        if isinstance(step_list, str | Mapping) or not isinstance(step_list, Iterable):
            raise ProtocolError(f"{name}: steps must be a list of (current density, duration) "
                                f"pairs such as [('0.5 mA/cm2', '1 h')], got {step_list!r}")
        out = []
        for k, step in enumerate(step_list):
            pair = tuple(step) if isinstance(step, Iterable) and not isinstance(step, str) \
                else ()
            if len(pair) != 2:
                raise ProtocolError(f"{name}: step {k} must be a (current density, duration) "
                                    f"pair such as ('0.5 mA/cm2', '1 h'), got {step!r}")
            i, t = pair
            try:
                i_si = to_si(i, "current_density", f"step {k} current density")
            except UnitError as exc:
                raise ProtocolError(f"{name}: {exc}") from None
            if not math.isfinite(i_si):
                raise ProtocolError(f"{name}: step {k} current density must be finite, "
                                    f"got {i!r}")
            top, text = _MAXIMA["current_density"]
            if abs(i_si) > top:
                raise ProtocolError(f"{name}: step {k} current density {i!r} is above {text} "
                                    "in size, beyond any Li anode on a solid electrolyte; "
                                    "check the unit")
            t_si = _positive(t, "time", f"step {k} duration", name)
            out.append((float(i_si), _step_time(t_si, f"step {k} duration", name)))
        if not out:
            raise ProtocolError(f"{name}: no steps; give at least one, e.g. "
                                "[('0.5 mA/cm2', '1 h')]")
        object.__setattr__(self, "step_list", tuple(out))

    def cycle_steps(self) -> list[list[Step]]:
        return [[step] for step in self.step_list]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "step_list": [list(s) for s in self.step_list]}

    def describe(self) -> str:
        return (f"{len(self.step_list)} explicit steps ({self.n_half_cycles} with current), "
                f"{self.duration / 3600:.4g} h")

    def to_string(self) -> str:
        return json.dumps(self.to_dict())


# --------------------------------------------------------------------------- parsing

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"
_KEYWORDS = r"(?:for|to|until|x|steps?|every|from|of|at|with|per|then|cycles?)\b"
#: a number with an optional unit (no spaces inside the unit; keywords are not units)
_Q = rf"{_NUM}(?:\s*(?!{_KEYWORDS})[^\s;,]+)?"
_HALF = r"(?:\s+per\s+half-?cycle)?"

_FORMS = {
    "cycle": re.compile(
        rf"cycle(?:\s+at)?\s+(?P<i>{_Q})\s*,?\s*(?:with\s+)?(?P<q>{_Q}){_HALF}\s*,?\s*"
        rf"(?:for\s+(?P<n1>\d+)\s*cycles?|for\s+(?P<t>{_Q})|[x*]\s*(?P<n2>\d+)(?:\s*cycles?)?"
        rf"|(?P<n3>\d+)\s*cycles?)", re.IGNORECASE),
    "ccd": re.compile(
        rf"ccd(?:\s+ramp)?(?:\s+from\s+(?P<start>{_Q}))?(?:\s+(?:in\s+)?steps?(?:\s+of)?"
        rf"\s+(?P<step>{_Q}))?(?:\s+(?:up\s+)?to\s+(?P<stop>{_Q}))?"
        rf"(?:\s+(?:every|for)\s+(?P<every>{_Q}){_HALF})?", re.IGNORECASE),
    "strip": re.compile(
        rf"strip(?:\s+at)?\s+(?P<i>{_Q})(?:\s+(?:to|until|for)\s+(?P<limit>{_Q}))?",
        re.IGNORECASE),
    "rest": re.compile(rf"rest(?:\s+for)?\s+(?P<t>{_Q})", re.IGNORECASE),
}

_SPLIT = re.compile(r"\s*;\s*|\s+then\s+", re.IGNORECASE)
# Units written in the wrong case ("ma/cm2", "MAH/CM2") -> the usual spelling.
_UNIT_CASE = {"ma": "mA", "ua": "uA", "µa": "µA", "μa": "μA", "na": "nA", "a": "A",
              "mah": "mAh", "uah": "uAh", "µah": "µAh", "μah": "μAh", "ah": "Ah", "cm": "cm",
              "mm": "mm", "m": "m", "h": "h", "hr": "hr", "hour": "hour", "hours": "hours",
              "min": "min", "s": "s", "d": "d", "day": "day", "days": "days"}


#: characters a protocol string may have (a chain of ~1000 protocols), and one protocol of it
MAX_PROTOCOL_TEXT = 50_000
MAX_PART_TEXT = 200


def _normalise(text: str) -> str:
    for old, new in (("²", "2"), ("³", "3"), ("⁻", "-"), ("−", "-"), ("×", "x")):
        text = text.replace(old, new)
    # blanks first, in one linear pass: "\s*" next to an operator is quadratic on long runs
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" ?([/*^]) ?", r"\1", text)  # "mA / cm2" -> "mA/cm2"
    return re.sub(r"(?<![A-Za-zµμ])([A-Za-zµμ]+) (?=[A-Za-zµμ]+-\d)", r"\1*", text)  # "mA cm-2"


def _unit_text(text: str, kind: str) -> str:
    """``text`` itself if it reads as a ``kind``, else with its unit re-cased if that reads."""
    try:
        to_si(text, kind)
        return text
    except UnitError:
        pass
    number = re.match(_NUM, text, re.IGNORECASE)
    assert number is not None  # the grammar only hands over quantities
    mega = [w for w in re.findall(r"[A-Za-zµμ]+", text[number.end():])
            if w[0] == "M" and w.lower() in ("ma", "mah", "mm") and _is_unit(w)]
    if mega:  # "MA" is a mega-ampere (pint reads it): a guess at milli would be off by 1e9
        raise ProtocolError(
            f"{text!r}: {mega[0]!r} reads as mega ({mega[0][0]} = 1e6), not milli; write "
            f"{_UNIT_CASE[mega[0].lower()]!r} for milli")
    unit = re.sub(r"[A-Za-zµμ]+", lambda m: _UNIT_CASE.get(m.group().lower(), m.group()),
                  text[number.end():])
    fixed = text[:number.end()] + unit
    try:
        to_si(fixed, kind)
    except UnitError:
        return text  # let the protocol report the original text
    return fixed


def _is_unit(word: str) -> bool:
    """Whether pint reads ``word`` as a unit as written ("MA" yes, "MAH" no)."""
    try:
        registry().parse_units(word)
    except Exception:
        return False
    return True


def _is_time(text: str) -> bool:
    try:
        to_si(_unit_text(text, "time"), "time")
    except UnitError:
        return False
    return True


def _parse_one(text: str) -> Protocol:
    found = next(((k, m) for k, p in _FORMS.items() if (m := p.fullmatch(text))), None)
    if found is None:
        word = text.split(" ", 1)[0].lower()
        forms = [f for f in ACCEPTED_FORMS if f.split(" ", 1)[0] == word]
        if forms:
            raise ProtocolError(f"cannot read {text!r} as a {word!r} protocol; write it like:\n  "
                                + "\n  ".join(forms))
        raise ProtocolError(f"cannot read {text!r} as a protocol; accepted forms:\n  "
                            + "\n  ".join(ACCEPTED_FORMS))
    kind, match = found
    g = match.groupdict()
    if kind == "rest":
        return Rest(_unit_text(g["t"], "time"))
    if kind == "strip":
        i = _unit_text(g["i"], "current_density")
        limit = g["limit"]
        if limit is not None and _is_time(limit):
            t = _positive(_unit_text(limit, "time"), "time", "strip time", "StripToFailure")
            return StripToFailure(i, _positive(i, "current_density", "current_density",
                                               "StripToFailure") * t)
        cap = None if limit is None else _unit_text(limit, "areal_capacity")
        return StripToFailure(i, cap)
    if kind == "cycle":
        n = g["n1"] or g["n2"] or g["n3"]
        total = None if g["t"] is None else _unit_text(g["t"], "time")
        return GalvanostaticCycling(_unit_text(g["i"], "current_density"),
                                    _unit_text(g["q"], "areal_capacity"), total_time=total,
                                    cycles=None if n is None else int(n))
    kwargs: dict[str, Any] = {
        key: _unit_text(g[key], "current_density")
        for key in ("start", "step", "stop") if g[key] is not None}
    every = g["every"]
    if every is not None:
        if _is_time(every):
            kwargs["half_cycle_time"] = _unit_text(every, "time")
        else:
            kwargs["half_cycle_capacity"] = _unit_text(every, "areal_capacity")
    return CCDRamp(**kwargs)


def parse_protocol(text: str) -> Protocol:
    """Read a protocol string; see :data:`ACCEPTED_FORMS`. ``;`` or ``then`` chain protocols.

    >>> parse_protocol("cycle 4 mA/cm2 1 mAh/cm2 x 100").n_cycles
    100
    >>> parse_protocol("CCD from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 1 mAh/cm2")
    CCDRamp(start=1.0, step=1.0, stop=80.0, half_cycle_time=None, half_cycle_capacity=36000.0)
    >>> parse_protocol("rest 10 h then strip 0.5mA/cm2").describe()
    'rest 10 h then strip at 0.5 mA/cm2 until failure (at most 1000 h)'
    """
    if not isinstance(text, str):
        raise ProtocolError(f"expected a protocol string such as {ACCEPTED_FORMS[0]!r}, "
                            f"got {text!r}")
    if len(text) > MAX_PROTOCOL_TEXT:
        raise ProtocolError(f"a protocol string of {len(text)} characters is longer than the "
                            f"{MAX_PROTOCOL_TEXT} allowed; write long protocols as JSON or a "
                            "list of protocol dicts")
    parts = [p for p in _SPLIT.split(_normalise(text)) if p]
    if not parts:
        raise ProtocolError("empty protocol string; accepted forms:\n  "
                            + "\n  ".join(ACCEPTED_FORMS))
    protocols = []
    for part in parts:
        if len(part) > MAX_PART_TEXT:  # the forms' patterns are slow on very long words
            raise ProtocolError(f"cannot read {part[:60]!r}… as a protocol: {len(part)} "
                                f"characters, more than the {MAX_PART_TEXT} one protocol "
                                "may have; accepted forms:\n  " + "\n  ".join(ACCEPTED_FORMS))
        try:
            protocols.append(_parse_one(part))
        except ProtocolError as exc:
            if str(exc).startswith("cannot read"):
                raise
            raise ProtocolError(f"in {part!r}: {exc}") from None
    return protocols[0] if len(protocols) == 1 else Sequence(protocols)


ProtocolSpec = Protocol | Mapping[str, Any] | str | list | tuple


def make_protocol(spec: ProtocolSpec) -> Protocol:
    """A protocol from a Protocol, a :meth:`~Protocol.to_dict` dict (or its JSON), a string
    for :func:`parse_protocol`, or a list of these (a :class:`Sequence`).

    >>> make_protocol({"kind": "strip", "current_density": "1 mA/cm2", "capacity": None})
    StripToFailure(current_density=10.0, capacity=None)
    >>> make_protocol(["rest 1 h", "rest 2 h"]).duration
    10800.0
    """
    try:
        return _make_protocol(spec)
    except RecursionError:  # sequences nested hundreds deep
        raise ProtocolError("protocol: sequences nested too deeply; flatten the sequence "
                            "(a list of steps or protocols)") from None


def _make_protocol(spec: ProtocolSpec) -> Protocol:
    if isinstance(spec, Protocol):
        return spec
    if isinstance(spec, Mapping):
        return Protocol.from_dict(spec)
    if isinstance(spec, str):
        if spec.lstrip().startswith("{"):
            try:
                data = json.loads(spec)
            except json.JSONDecodeError as exc:
                raise ProtocolError(f"cannot read protocol JSON {spec!r}: {exc}") from None
            return Protocol.from_dict(data)
        return parse_protocol(spec)
    if isinstance(spec, list | tuple):
        return Sequence(spec)
    raise ProtocolError(f"cannot make a protocol from {spec!r}; give a string such as "
                        f"{ACCEPTED_FORMS[0]!r}, a dict from to_dict(), or a Protocol")


# --- full cells -------------------------------------------------------------------------
_RATE = r"(\d*\.?\d+)\s*c"


#: the slowest full-cell C-rate: C/1000 is a 1000 h half-cycle; slower is a unit slip
MIN_C_RATE = 1e-3


@dataclass(frozen=True)
class FullProtocol:
    """A full-cell protocol: blocks of (C-rate, number of cycles), run in order; each
    half-cycle is constant current to the cathode's cut-off voltage (C-rates of the cell's
    nominal capacity)."""

    blocks: tuple[tuple[float, int], ...]

    @classmethod
    def parse(cls, text: str | FullProtocol | dict[str, Any]) -> FullProtocol:
        """``"cycle 1C for 420 cycles"``, ``"cycle 0.2C x 40"``, ``"rate 0.2C,1C,5C x 5"``.

        >>> FullProtocol.parse("rate 0.2C,1C x 2").blocks
        ((0.2, 2), (1.0, 2))
        """
        if isinstance(text, FullProtocol):
            return text
        if isinstance(text, dict):
            from tfalab.schema import FullProtocolSchema, validate

            validate(FullProtocolSchema, text, "full-cell protocol", ProtocolError)
            return cls(tuple((float(c), int(n)) for c, n in text["blocks"]))
        s = str(text).strip().lower()
        m = re.fullmatch(rf"cycle\s+{_RATE}\s+(?:for\s+(\d+)\s+cycles?|x\s*(\d+))", s)
        if m:
            return cls(((float(m.group(1)), int(m.group(2) or m.group(3))),))
        m = re.fullmatch(rf"rate\s+((?:{_RATE}\s*,\s*)*{_RATE})\s+x\s*(\d+)", s)
        if m:
            rates = [float(r) for r in re.findall(r"(\d*\.?\d+)\s*c", m.group(1))]
            last = m.lastindex
            assert last is not None  # the pattern matched, so its last group did
            return cls(tuple((r, int(m.group(last))) for r in rates))
        raise ProtocolError(f"unknown full-cell protocol {text!r}; write e.g. "
                            "'cycle 1C for 420 cycles', 'cycle 0.2C x 40' or "
                            "'rate 0.2C,0.5C,1C,2C,5C x 5'")

    def __post_init__(self) -> None:
        blocks = self.blocks
        if isinstance(blocks, str | bytes) or not isinstance(blocks, tuple | list) \
                or not blocks:
            raise ProtocolError(f"full-cell protocol: blocks must be a non-empty list of "
                                f"(C-rate, cycles) pairs such as [(1.0, 100)], got {blocks!r}")
        for block in blocks:
            if not isinstance(block, tuple | list) or len(block) != 2:
                raise ProtocolError(f"full-cell protocol: a block must be a (C-rate, cycles) "
                                    f"pair such as (1.0, 100), got {block!r}")
            c, n = block
            whole = isinstance(n, int | np.integer) and not isinstance(n, bool)
            rate_ok = isinstance(c, int | float | np.number) and not isinstance(c, bool) \
                and math.isfinite(c) and MIN_C_RATE <= c <= 100
            if not (rate_ok and whole and n >= 1):
                raise ProtocolError(f"full-cell protocol: the C-rate must lie in "
                                    f"[{MIN_C_RATE:g}, 100] and the cycles be a whole number "
                                    f">= 1, got {c!r}C x {n!r}")
        _check_steps(2 * self.n_cycles, "full-cell protocol")

    def to_dict(self) -> dict[str, Any]:
        return {"blocks": [list(b) for b in self.blocks]}

    @property
    def n_cycles(self) -> int:
        return sum(n for _, n in self.blocks)
