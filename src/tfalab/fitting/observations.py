"""What a fit compares: observations (lab or simulated CellTests, or single numbers) and their
model counterparts.

An :class:`Observation` is data plus the conditions it was measured under (anode, pressure,
temperature, build, electrode area, protocol) and the quantity compared:

- ``"voltage"``: the voltage time series, on the data's own time grid (the model is
  interpolated within each protocol step), scaled by the data's noise;
- ``"overpotential"``: per-cycle plateau overpotentials (a CellTest) or one value at a time
  (``at="80 h"``);
- ``"time_to_short"``: time to the first short or divergence;
- ``"ccd"``: the critical current density of a ramp, compared as the *time to failure within
  the ramp* (continuous) rather than as the 0.1 mA/cm2 staircase value.

Without an explicit protocol, a CellTest's own current trace becomes the protocol
(:func:`protocol_from_celltest`, coarse-grained to at most ``max_steps`` steps).

>>> o = Observation.scalar("ccd", "1.6 mA/cm2", anode="li", pressure="10 MPa")
>>> o.quantity, o.value
('ccd', 16.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tfalab.celltest import CellTest
from tfalab.errors import CellTestError, DataFileError, ParameterError, SimulationError
from tfalab.protocols import CCDRamp, Protocol, StepList, make_protocol
from tfalab.units import to_si

QUANTITIES = ("voltage", "overpotential", "time_to_short", "ccd")
#: what a scalar observation's value is: unit kind for :func:`tfalab.units.to_si`
_VALUE_KIND = {"overpotential": "voltage", "time_to_short": "time", "ccd": "current_density"}
#: noise floor of a voltage (0.1 mV, a cycler's resolution) when the data look noiseless
VOLTAGE_NOISE_FLOOR = 1e-4
#: default relative uncertainty of a scalar observation without ``sigma``
SCALAR_RELATIVE_SIGMA = 0.05
#: a residual value for parameter sets whose simulation fails (the step is then rejected)
FAILED_RESIDUAL = 1e3
#: largest weight an observation may carry (larger ones swamp the fit numerically)
MAX_WEIGHT = 1e6
#: largest CCD (A/m2, 1000 mA/cm2): the protocols' maximum current density
CCD_MAX = 1e4
_STATE_COLUMNS = ("Left Net Stripped Charge / C/m**2", "Left Interfacial Resistance / ohm*m**2",
                  "Right Interfacial Resistance / ohm*m**2", "Filament Length / m",
                  "Intrusion Depth / m", "Left Contact Fraction / 1")


# --------------------------------------------------------------------------- protocol
def protocol_from_celltest(test: CellTest, area: float, *, max_steps: int = 200,
                           rel_tol: float = 0.1,
                           rest_fraction: float = 1e-3) -> tuple[StepList, float]:
    """The protocol a CellTest ran: its current trace as ``(current density, duration)`` steps.

    The trace is cut where the current changes sign, where ``Step Count / 1`` changes and
    where the current drifts by more than ``rel_tol`` (constant-voltage tails become a few
    steps); each step carries the mean current of its samples (sample-and-hold, so the charge
    is kept). Neighbouring steps of the same sign are merged, shortest first, until at most
    ``max_steps`` remain; a test with more half-cycles than that is cut after ``max_steps``.

    Returns the protocol and the time (s, from the first sample) it covers.

    Examples
    --------
    >>> import pandas as pd
    >>> t = [0.0, 600.0, 1200.0, 1800.0, 2400.0, 3000.0]
    >>> ct = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": [0.0] * 6,
    ...                             "Current / A": [1e-4, 1e-4, 1e-4, -1e-4, -1e-4, 0.0]}))
    >>> p, end = protocol_from_celltest(ct, area=1e-4)
    >>> p.steps(), end
    ([(1.0, 1800.0), (-1.0, 1200.0)], 3000.0)
    """
    protocol, end, _ = _trace_protocol(test, area, max_steps, rel_tol, rest_fraction)
    return protocol, end


def _trace_protocol(test: CellTest, area: float, max_steps: int = 200, rel_tol: float = 0.1,
                    rest_fraction: float = 1e-3) -> tuple[StepList, float, np.ndarray]:
    """:func:`protocol_from_celltest` plus the step of each sample (-1 after the cut)."""
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ParameterError(f"max_steps must be a whole number >= 1, got {max_steps!r}")
    if not (isinstance(area, int | float) and area > 0):
        raise ParameterError(f"electrode area must be positive, got {area!r}")
    t = test.time - test.time[0]
    i = test.current / area
    n = len(t)
    if n < 2:
        raise CellTestError("the CellTest has fewer than 2 samples: no protocol to read")
    imax = np.abs(i).max()
    if not imax > 0:
        raise CellTestError("no current flows in this CellTest: no protocol to read")
    sgn = np.where(np.abs(i) > rest_fraction * imax, np.sign(i), 0.0)
    cut = np.zeros(n, dtype=bool)
    cut[0] = True
    cut[1:] = sgn[1:] != sgn[:-1]
    if "Step Count / 1" in test.data:
        sc = test.data["Step Count / 1"].to_numpy()
        cut[1:] |= sc[1:] != sc[:-1]
    level = np.where(sgn != 0, np.round(np.log(np.abs(i) + 1e-300) / math.log1p(rel_tol)), 0)
    cut[1:] |= level[1:] != level[:-1]
    dt = np.append(np.diff(t), 0.0)  # sample-and-hold: sample k holds until sample k + 1
    starts = np.flatnonzero(cut)
    dur = np.add.reduceat(dt, starts)
    charge = np.add.reduceat(i * dt, starts)
    sign = sgn[starts]
    # [charge, duration, sign, first sample]; zero-length segments join their successor
    segs: list[list[float]] = []
    pending = None
    st: int | np.integer  # a start index, or the pending one (an int)
    for c, d, sg, st in zip(charge, dur, sign, starts, strict=True):
        if pending is not None:
            st, pending = pending, None
        if d > 0:
            segs.append([float(c), float(d), float(sg), int(st)])
        else:
            pending = int(st)
    # merge neighbours of the same sign (shortest first) until at most max_steps remain
    while len(segs) > max_steps:
        best, best_k = math.inf, -1
        for k in range(len(segs) - 1):
            if segs[k][2] == segs[k + 1][2]:
                d = segs[k][1] + segs[k + 1][1]
                if d < best:
                    best, best_k = d, k
        if best_k < 0:
            break
        a, b = segs[best_k], segs[best_k + 1]
        segs[best_k:best_k + 2] = [[a[0] + b[0], a[1] + b[1], a[2], a[3]]]
    cut_at = n if len(segs) <= max_steps else int(segs[max_steps][3])
    segs = segs[:max_steps]
    pairs = [(c / d if sg != 0 else 0.0, d) for c, d, sg, _ in segs]
    first = np.array([int(sg[3]) for sg in segs])
    first[0] = 0
    sample_step = np.searchsorted(first, np.arange(n), side="right") - 1
    sample_step[cut_at:] = -1
    return StepList(pairs), float(sum(d for _, d in pairs)), sample_step


def noise_estimate(values: np.ndarray, groups: np.ndarray | None = None,
                   floor: float = VOLTAGE_NOISE_FLOOR) -> float:
    """Robust noise level of a sampled signal: MAD of second differences within ``groups``.

    >>> rng = np.random.default_rng(0)
    >>> round(noise_estimate(np.linspace(0, 1, 4000) + rng.normal(0, 0.01, 4000), floor=0), 2)
    0.01
    """
    v = np.asarray(values, dtype=float)
    if len(v) < 3:
        return floor
    d2 = (v[2:] - 2 * v[1:-1] + v[:-2]) / math.sqrt(6.0)
    if groups is not None:
        g = np.asarray(groups)
        d2 = d2[(g[2:] == g[1:-1]) & (g[1:-1] == g[:-2])]
    if len(d2) == 0:
        return floor
    mad = 1.4826 * float(np.median(np.abs(d2 - np.median(d2))))
    return max(mad, floor)


# --------------------------------------------------------------------------- observation
@dataclass
class Observation:
    """Data to fit and the conditions it was taken under (``None`` = the fit's default).

    Make one with :meth:`from_celltest`, :meth:`from_file` or :meth:`scalar`. ``value`` and
    ``sigma`` are SI (V, s, A/m²); ``at`` (s) is the time of a scalar overpotential;
    ``weight`` multiplies the observation's residuals.
    """

    quantity: str
    celltest: CellTest | None = None
    value: float | None = None
    sigma: float | None = None
    at: float | None = None
    anode: Any = None
    pressure: float | None = None
    temperature: float | None = None
    area: float | None = None
    build: Any = None
    protocol: Any = None
    label: str = ""
    source: str | None = None
    weight: float = 1.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.quantity not in QUANTITIES:
            raise ParameterError(f"unknown quantity {self.quantity!r}; allowed: "
                                 f"{', '.join(QUANTITIES)}")
        if (self.celltest is None) == (self.value is None):
            raise ParameterError(f"observation of {self.quantity}: give a CellTest or a value, "
                                 f"not {'both' if self.celltest is not None else 'neither'}")
        if self.value is not None and self.quantity == "voltage":
            raise ParameterError("a 'voltage' observation needs a CellTest (a time series); "
                                 "for one number use 'overpotential' with at=")
        self._check_numbers()

    def _check_numbers(self) -> None:
        """Every number the observation holds is finite and in its physical range."""
        w = self.weight
        if (isinstance(w, bool) or not isinstance(w, int | float | np.integer | np.floating)
                or not (math.isfinite(w) and 0 < w <= MAX_WEIGHT)):
            raise ParameterError(f"observation weight must be a positive, finite number "
                                 f"<= {MAX_WEIGHT:g}, got {w!r}")
        self.weight = float(w)
        if self.value is not None:
            v = self.value
            if (isinstance(v, bool) or not isinstance(v, int | float | np.number)
                    or not (math.isfinite(v) and v > 0)):
                raise ParameterError(f"observation value must be a positive, finite number "
                                     f"(SI), got {v!r}")
            if self.quantity == "ccd" and v > CCD_MAX:
                raise ParameterError(f"ccd value must be at most {CCD_MAX / 10:g} mA/cm2 (the "
                                     f"protocols' maximum; a unit slip?), got {v / 10:g} mA/cm2")
        for name, x, low, strict in (("sigma", self.sigma, 0.0, True),
                                     ("at", self.at, 0.0, False),
                                     ("temperature", self.temperature, 0.0, True),
                                     ("pressure", self.pressure, 0.0, False),
                                     ("area", self.area, 0.0, True)):
            if x is None:
                continue
            bad = isinstance(x, bool) or not isinstance(x, int | float | np.number)
            if not bad:
                bad = not math.isfinite(x) or (x <= low if strict else x < low)
            if bad:
                unit = {"sigma": "SI", "at": "s", "temperature": "K", "pressure": "Pa",
                        "area": "m2"}[name]
                raise ParameterError(f"observation {name} must be a finite number "
                                     f"{'>' if strict else '>='} 0 ({unit}), got {x!r}")
        if self.value is not None and self.protocol is not None and (
                self.at is not None or self.quantity == "time_to_short"):
            end = make_protocol(self.protocol).duration
            if self.at is not None and self.at > end:
                raise ParameterError(f"observation at={self.at / 3600:.6g} h lies beyond the "
                                     f"protocol's end ({end / 3600:.6g} h); allowed: 0 to "
                                     f"{end / 3600:.6g} h")
            if self.quantity == "time_to_short" and self.value > end:
                raise ParameterError(f"time_to_short value {self.value / 3600:.6g} h lies "
                                     f"beyond the protocol's end ({end / 3600:.6g} h); make "
                                     f"the protocol longer")

    # --- constructors ----------------------------------------------------------------
    @classmethod
    def from_celltest(cls, test: CellTest, quantity: str = "voltage", *, anode: Any = None,
                      pressure: str | float | None = None,
                      temperature: str | float | None = None,
                      area: str | float | None = None, build: Any = None,
                      protocol: Any = None, sigma: str | float | None = None,
                      weight: float = 1.0, label: str = "",
                      source: str | None = None) -> Observation:
        """An observation of ``quantity`` in a CellTest (lab file or simulation).

        Conditions not given come from the CellTest's metadata where it has them
        (``pressure_Pa``, ``temperature_K``, ``anode``, ``electrode_area_m2``), else from the
        fit's defaults.

        >>> from tfalab.cell import simulate_symmetric
        >>> res = simulate_symmetric("tfa", "cycle 1 mA/cm2 0.5 mAh/cm2 x 2", "20 MPa")
        >>> o = Observation.from_celltest(res.celltest)
        >>> o.quantity, o.pressure
        ('voltage', 20000000.0)
        """
        if not isinstance(test, CellTest):
            raise ParameterError(f"from_celltest needs a tfalab.CellTest, got "
                                 f"{type(test).__name__}")
        meta = test.metadata
        quantity = _quantity(quantity)
        return cls(
            quantity=quantity, celltest=test, anode=anode if anode is not None
            else meta.get("anode"),
            pressure=_si(pressure if pressure is not None else meta.get("pressure_Pa"),
                         "pressure"),
            temperature=_si(temperature if temperature is not None
                            else meta.get("temperature_K"), "temperature"),
            area=_si(area if area is not None else meta.get("electrode_area_m2"), "area"),
            build=build, protocol=protocol, sigma=_sigma(sigma, quantity, celltest=True),
            weight=weight, label=label,
            source=source if source is not None else meta.get("source_file"))

    @classmethod
    def from_file(cls, path: str | Path, quantity: str = "voltage", *,
                  format: str | None = None, **kw: Any) -> Observation:
        """An observation read from a lab file (any :mod:`tfalab.io` format).

        ``kw`` as for :meth:`from_celltest`; ``area`` is also passed to the reader.
        """
        from tfalab.io import load

        try:
            test = load(path, area=kw.get("area"), format=format)
        except (DataFileError, CellTestError) as exc:
            raise DataFileError(str(exc)) from None
        kw.setdefault("label", Path(path).name)
        kw.setdefault("source", str(path))
        return cls.from_celltest(test, quantity, **kw)

    @classmethod
    def scalar(cls, quantity: str, value: str | float, *, at: str | float | None = None,
               anode: Any = None, pressure: str | float | None = None,
               temperature: str | float | None = None, area: str | float | None = None,
               build: Any = None, protocol: Any = None, sigma: str | float | None = None,
               weight: float = 1.0, label: str = "") -> Observation:
        """One number: a CCD (``"1.6 mA/cm2"``), a time to short (``"40 h"``) or an
        overpotential (``"10 mV"``, with ``at="80 h"``).

        ``protocol`` defaults to tfalab's CCD ramp for ``ccd`` and must be given for the
        others. ``sigma`` (same kind as ``value``) defaults to 5 % of the value (for a CCD: the
        spread of a failure time within one ramp step).

        >>> Observation.scalar("time_to_short", "40 h", protocol="rest 200 h").value
        144000.0
        """
        quantity = _quantity(quantity)
        if quantity == "voltage":
            raise ParameterError("a 'voltage' observation needs a CellTest (a time series); "
                                 "for one number use 'overpotential' with at=")
        v = _si(value, _VALUE_KIND[quantity], f"{quantity} value")
        if v is None or not (math.isfinite(v) and v > 0):  # None: a null value
            raise ParameterError(f"{quantity} value must be a positive, finite quantity, got "
                                 f"{value!r}")
        if quantity != "overpotential" and at is not None:
            raise ParameterError(f"at= is the reading time of an overpotential; a {quantity} "
                                 f"observation does not use it, got at={at!r}")
        if quantity == "overpotential" and at is None:
            raise ParameterError("a scalar overpotential needs at= (the time it was read, "
                                 "e.g. '80 h')")
        if quantity == "ccd" and protocol is None:
            from tfalab.cell.experiments import DEFAULT_RAMP

            protocol = DEFAULT_RAMP
        if protocol is None:
            raise ParameterError(f"a scalar {quantity} observation needs protocol= (e.g. "
                                 f"'cycle 0.5 mA/cm2 2 mAh/cm2 for 400 h')")
        return cls(quantity=quantity, value=v, at=None if at is None else _si(at, "time", "at"),
                   anode=anode, pressure=_si(pressure, "pressure"),
                   temperature=_si(temperature, "temperature"), area=_si(area, "area"),
                   build=build, protocol=protocol, sigma=_sigma(sigma, quantity, False),
                   weight=weight, label=label)

    def describe(self) -> str:
        """A short label."""
        if self.label:
            return self.label
        if self.celltest is not None:
            return f"{self.quantity} ({Path(self.source).name if self.source else 'CellTest'})"
        scale, unit = {"ccd": (10.0, "mA/cm2"), "time_to_short": (3600.0, "h"),
                       "overpotential": (1e-3, "mV")}[self.quantity]
        text = f"{self.quantity} {self.value / scale:.4g} {unit}"  # type: ignore[operator]
        if self.pressure is not None:
            text += f", {self.pressure / 1e6:.3g} MPa"
        if self.temperature is not None:
            text += f", {self.temperature - 273.15:.3g} degC"
        return text


def _quantity(q: Any) -> str:
    key = str(q).strip().lower().replace(" ", "_").replace("-", "_")
    key = {"time_to_failure": "time_to_short", "short": "time_to_short",
           "critical_current_density": "ccd", "v": "voltage"}.get(key, key)
    if key not in QUANTITIES:
        raise ParameterError(f"unknown quantity {q!r}; allowed: {', '.join(QUANTITIES)}")
    return key


def _si(value: Any, kind: str, name: str | None = None) -> float | None:
    if value is None:
        return None
    try:
        return to_si(value, kind, name or kind)
    except Exception as exc:  # UnitError and friends: say which argument
        raise ParameterError(f"{name or kind}: cannot read {value!r} as a {kind.replace('_', ' ')}"
                             f" ({exc})") from None


def _sigma(sigma: Any, quantity: str, celltest: bool) -> float | None:
    if sigma is None:
        return None
    kind = {"voltage": "voltage", "overpotential": "voltage", "time_to_short": "time",
            "ccd": "time" if celltest else "current_density"}[quantity]
    s = _si(sigma, kind, "sigma")
    if not (s is not None and math.isfinite(s) and s > 0):
        raise ParameterError(f"sigma must be a positive quantity (a {kind.replace('_', ' ')}), "
                             f"got {sigma!r}")
    return s


# --------------------------------------------------------------------------- prepared
@dataclass
class Prepared:
    """An observation with its conditions resolved, its target and its noise (SI)."""

    obs: Observation
    index: int
    anode: Any
    pressure: float
    temperature: float
    area: float
    build: Any
    protocol: Protocol
    t: np.ndarray | None  # data times (s from the start) of a series, else None
    target: np.ndarray  # observed values
    sigma: np.ndarray  # their uncertainty
    unit: str
    steps: np.ndarray | None = None  # protocol step of each data time
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    #: a voltage series' failure term: the data's failure time (or end, if they did not fail:
    #: then only a model failing earlier is penalised), its sigma, and whether one-sided
    fail_target: float | None = None
    fail_sigma: float = 1.0
    fail_one_sided: bool = False

    @property
    def label(self) -> str:
        return self.obs.describe()

    @property
    def full_target(self) -> np.ndarray:
        """Observed values, with the failure time of a voltage series appended."""
        if self.fail_target is None:
            return self.target
        return np.append(self.target, self.fail_target)

    @property
    def full_sigma(self) -> np.ndarray:
        if self.fail_target is None:
            return self.sigma
        return np.append(self.sigma, self.fail_sigma)

    def sim_kwargs(self, points_per_step: int) -> dict[str, Any]:
        kw: dict[str, Any] = {"anode": self.anode, "protocol": self.protocol,
                              "pressure": self.pressure, "temperature": self.temperature,
                              "area": self.area, "points_per_step": points_per_step}
        if self.build is not None:
            kw["build"] = self.build
        return kw


def anode_label(anode: Any) -> str:
    """A short name for an anode given as a name, a CompositeAnode or its config dict."""
    if isinstance(anode, dict):
        if not anode.get("skeleton"):
            return "li"
        return f"{anode['skeleton']} host, {100 * anode.get('free_li', 0):.3g} wt% free Li"
    return str(anode)


def prepare(obs: Observation, index: int, *, anode: Any, pressure: float, temperature: float,
            area: float | None, build: Any, max_steps: int, max_points: int) -> Prepared:
    """Resolve ``obs``'s conditions against the fit's defaults and compute its target."""
    from tfalab.cell.parameters import symmetric_parameters

    a = obs.anode if obs.anode is not None else anode
    p = obs.pressure if obs.pressure is not None else pressure
    temp = obs.temperature if obs.temperature is not None else temperature
    b = obs.build if obs.build is not None else build
    kw = {"build": b} if b is not None else {}
    params = symmetric_parameters(a, p, temp, **kw)
    ar = obs.area if obs.area is not None else (area if area is not None
                                                else params["Electrode area [m2]"])
    notes: list[str] = []
    label = obs.describe()
    if obs.celltest is not None and obs.celltest.area is None and obs.area is None \
            and area is None:
        notes.append(f"{label}: no electrode area in the data; the model's "
                     f"{ar * 1e4:.3g} cm2 turns its current into current density")
    if obs.celltest is None:
        return _prepare_scalar(obs, index, a, p, temp, ar, b, notes)
    test = obs.celltest
    t_all = test.time - test.time[0]
    protocol: Protocol
    if obs.protocol is None:
        protocol, end, sample_step = _trace_protocol(test, ar, max_steps)
        if sample_step[-1] < 0:
            notes.append(f"{label}: the data have more half-cycles than max_steps={max_steps}; "
                         f"only the first {end / 3600:.4g} h are fitted")
    else:
        protocol = make_protocol(obs.protocol)
        end = protocol.duration
        sample_step = _steps_by_time(protocol, t_all, test.current)
    common = dict(obs=obs, index=index, anode=a, pressure=p, temperature=temp, area=ar,
                  build=b, protocol=protocol, notes=notes)
    q = obs.quantity
    if q == "voltage":
        from tfalab.analysis import time_to_failure

        keep = sample_step >= 0
        try:
            tf = time_to_failure(test)
        except CellTestError:
            tf = math.inf
        if math.isfinite(tf):  # after a short the voltage only says when: the failure term
            keep &= t_all < tf
        idx = np.flatnonzero(keep)
        if len(idx) < 2:
            raise ParameterError(f"{label}: fewer than 2 voltage samples to fit")
        if len(idx) > max_points:
            idx = idx[np.linspace(0, len(idx) - 1, max_points).round().astype(int)]
        t = t_all[idx]
        v = test.voltage[idx]
        steps = sample_step[idx]
        sigma = obs.sigma if obs.sigma is not None else noise_estimate(v, steps)
        t_end = float(t_all[sample_step >= 0][-1])
        spacing = float(np.median(np.diff(t_all))) if len(t_all) > 1 else 0.0
        fail = tf if math.isfinite(tf) else t_end
        return Prepared(**common, t=t, target=v, sigma=np.full(len(t), sigma), unit="V",
                        steps=steps, fail_target=fail,
                        fail_sigma=max(0.02 * fail, spacing, 1.0),
                        fail_one_sided=not math.isfinite(tf))
    from tfalab.analysis import overpotential_per_cycle, time_to_failure

    if q == "overpotential":
        cyc = overpotential_per_cycle(test)
        if len(cyc) == 0:
            raise ParameterError(f"{label}: no full cycle in the data, so no overpotential")
        t = cyc["mid_time_h"].to_numpy() * 3600 - test.time[0]
        y = cyc["plateau_overpotential"].to_numpy()
        sigma = obs.sigma if obs.sigma is not None else noise_estimate(y)
        return Prepared(**common, t=t, target=y, sigma=np.full(len(t), sigma), unit="V")
    tf = time_to_failure(test)
    if not math.isfinite(tf):
        raise ParameterError(f"{label}: the data show no short or divergence, so there is no "
                             f"{'time to short' if q == 'time_to_short' else 'CCD'} to fit")
    spacing = float(np.median(np.diff(test.time))) if len(test) > 1 else 0.0
    sigma = obs.sigma if obs.sigma is not None else max(0.02 * tf, spacing)
    extra = {}
    if q == "ccd":
        extra["observed_ccd"] = _current_at(protocol, tf)
    return Prepared(**common, t=None, target=np.array([tf]), sigma=np.array([sigma]),
                    unit="s", extra=extra)


def _steps_by_time(protocol: Protocol, t: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Protocol step of each sample (-1 past its end): a sample exactly on a boundary goes to
    the step whose current sign it shares."""
    steps = protocol.steps()
    ends = np.cumsum([d for _, d in steps])
    k = np.searchsorted(ends, t, side="left")
    sign = np.sign([i for i, _ in steps])
    on_edge = np.isclose(t, ends[np.minimum(k, len(ends) - 1)], rtol=1e-12, atol=1e-9)
    nxt = np.minimum(k + 1, len(steps) - 1)
    move = on_edge & (k + 1 < len(steps)) & (np.sign(current) == sign[nxt]) \
        & (np.sign(current) != sign[np.minimum(k, len(steps) - 1)])
    k = np.where(move, k + 1, k)
    return np.where(k < len(steps), k, -1)


def _ramp_cycles(protocol: Protocol) -> list[tuple[float, float, float]]:
    """(start time, duration, |i|) of each current step of a ramp (strip + plate)."""
    out, t = [], 0.0
    for cycle in protocol.cycle_steps():
        d = sum(s[1] for s in cycle)
        out.append((t, d, max(abs(s[0]) for s in cycle)))
        t += d
    return out


def _current_at(protocol: Protocol, time: float) -> float:
    """|current density| (A/m²) of the protocol step running at ``time``."""
    t = 0.0
    for i, d in protocol.steps():
        t += d
        if time <= t:
            return abs(i)
    return abs(protocol.steps()[-1][0])


def _prepare_scalar(obs: Observation, index: int, a: Any, p: float, temp: float, ar: float,
                    b: Any, notes: list[str]) -> Prepared:
    protocol = make_protocol(obs.protocol)
    q = obs.quantity
    value = float(obs.value)  # type: ignore[arg-type]
    common = dict(obs=obs, index=index, anode=a, pressure=p, temperature=temp, area=ar, build=b,
                  protocol=protocol, notes=notes, t=None)
    if q == "ccd":
        if not isinstance(protocol, CCDRamp):
            raise ParameterError(f"{obs.describe()}: a CCD is read from a ramp protocol "
                                 f"('ccd ...'), got {protocol.to_string()!r}")
        cycles = _ramp_cycles(protocol)
        k = int(np.argmin([abs(c[2] - value) for c in cycles]))
        t0, d, _ = cycles[k]
        step = protocol.step
        s_user = 0.0 if obs.sigma is None else obs.sigma / step * d
        sigma = math.sqrt(d * d / 12 + s_user * s_user)
        return Prepared(**common, target=np.array([t0 + d / 2]), sigma=np.array([sigma]),
                        unit="s", extra={"observed_ccd": value})
    sigma = obs.sigma if obs.sigma is not None else SCALAR_RELATIVE_SIGMA * value
    if q == "time_to_short" and protocol.duration < value:
        notes.append(f"{obs.describe()}: the protocol ({protocol.duration / 3600:.4g} h) ends "
                     f"before the observed time; make it longer")
    return Prepared(**common, target=np.array([value]), sigma=np.array([sigma]),
                    unit="V" if q == "overpotential" else "s")


# --------------------------------------------------------------------------- model side
def failure_time(res: Any) -> tuple[float, bool]:
    """Model time (s) to the first failure, continuous in the parameters, and whether the cell
    survived the protocol (then the time is the protocol's end: censored).

    A run stopped by a model event (short circuit, voltage limit) failed at the event time:
    after a short the simulator holds the state for the rest of the step, so the event is
    the first sample from which the states stop changing. Otherwise the failure (a voltage
    divergence) is read by :func:`tfalab.analysis.time_to_failure`.
    """
    from tfalab.analysis import time_to_failure

    d = res.celltest.data
    t = d["Test Time / s"].to_numpy()
    if res.termination != "completed":
        cols = [c for c in _STATE_COLUMNS if c in d]
        states = d[cols].to_numpy()
        moving = np.flatnonzero(np.any(states != states[-1], axis=1))
        return (float(t[moving[-1] + 1]) if len(moving) else float(t[0])), False
    tf = time_to_failure(res.celltest)
    if math.isfinite(tf):
        return float(tf), False
    return float(t[-1] - t[0]), True


def model_values(prep: Prepared, overrides: dict[str, float],
                 points_per_step: int) -> tuple[np.ndarray, dict[str, Any]]:
    """The model's counterpart of ``prep.target`` under ``overrides`` (and what else it says).

    Raises :class:`~tfalab.errors.SimulationError` when the model cannot be solved.
    """
    from tfalab.cell.simulate import simulate_symmetric

    res = simulate_symmetric(overrides=overrides, **prep.sim_kwargs(points_per_step))
    q = prep.obs.quantity
    info: dict[str, Any] = {"termination": res.termination}
    test = res.celltest
    if q == "voltage":
        tf, censored = failure_time(res)
        v = _voltage_on_grid(test, prep)
        # where the model has failed and the data have not, the voltage is not compared (it
        # would jump with the failure time; the failure term says when instead): a sample's
        # weight is the model's ionic share of the current (1 until a short's shunt takes
        # over) times a ramp from 1 to 0 over fail_sigma before the model's failure, so that
        # the residuals stay continuous in the parameters
        w = np.clip((tf - prep.t) / prep.fail_sigma, 0.0, 1.0) ** 2  # type: ignore[operator]
        if "Shunt Fraction / 1" in test.data:
            w = w * (1.0 - _on_grid(test, prep, "Shunt Fraction / 1", hold=True))
        v = prep.target + w * (v - prep.target)
        if prep.fail_target is None:
            return v, info
        info["model_failure_time"] = tf
        model_fail = min(tf, prep.fail_target) if prep.fail_one_sided else tf
        return np.append(v, model_fail), info
    if q == "overpotential":
        from tfalab.analysis import overpotential_at, overpotential_per_cycle

        if prep.t is None:  # one value at a time
            t_end = test.time[-1]
            at = float(prep.obs.at)  # type: ignore[arg-type]
            if at > t_end:
                info["censored"] = True
            return np.array([overpotential_at(test, min(at, t_end))]), info
        try:
            cyc = overpotential_per_cycle(test)
        except CellTestError:
            cyc = pd.DataFrame({"mid_time_h": [], "plateau_overpotential": []})
        if len(cyc) == 0:
            raise SimulationError(f"{prep.label}: the model completed no cycle")
        x = cyc["mid_time_h"].to_numpy() * 3600
        return np.interp(prep.t, x, cyc["plateau_overpotential"].to_numpy()), info
    tf, censored = failure_time(res)
    info["censored"] = censored
    if q == "ccd":
        info["model_ccd"] = _current_at(prep.protocol, tf)
    return np.array([tf]), info


def _voltage_on_grid(test: CellTest, prep: Prepared) -> np.ndarray:
    """Model voltage at the data times, interpolated within each protocol step."""
    return _on_grid(test, prep, "Voltage / V")


def _on_grid(test: CellTest, prep: Prepared, column: str, hold: bool = False) -> np.ndarray:
    """Model ``column`` at the data times, interpolated within each protocol step; after the
    model stopped (short, voltage limit) the last state, ohmically for the voltage (or held,
    with ``hold``)."""
    d = test.data
    tm = d["Test Time / s"].to_numpy()
    vm = d[column].to_numpy()
    im = d["Current / A"].to_numpy()
    sm = d["Step Count / 1"].to_numpy()
    out = np.empty(len(prep.t))  # type: ignore[arg-type]
    steps = prep.steps
    assert steps is not None and prep.t is not None
    last_step = int(sm[-1])
    r_last = vm[-1] / im[-1] if im[-1] != 0 and not hold else None
    step_i = np.array([i for i, _ in prep.protocol.steps()]) * prep.area
    for k in np.unique(steps):
        sel = steps == k
        if k <= last_step:
            rows = sm == k
            if rows.any():
                out[sel] = np.interp(prep.t[sel], tm[rows], vm[rows])
                if k < last_step or prep.t[sel].max() <= tm[rows].max():
                    continue
                after = sel & (prep.t > tm[rows].max())
            else:
                after = sel
        else:
            after = sel
        out[after] = r_last * step_i[k] if r_last is not None else vm[-1]
    return out
