"""Fit the symmetric-cell model to observations: bounded least squares, uncertainty,
identifiability.

The objective is the sum of squared scaled residuals ``(model - observed) / sigma`` over all
observations (see docs/fit.md). It is minimised by ``scipy.optimize.least_squares`` (trust
region reflective, bounded) in log space for positive parameters, with a forward-difference
Jacobian of step 1e-2 in ln p (a 1 % change of each parameter: far above the ODE solver's
tolerance, small enough to stay local). Every model evaluation is a pure function of the
parameter vector, cached, and evaluated in a fixed order (optionally in worker processes), so
a fit is deterministic.

Why not PyBOP: ``pip install --dry-run pybop`` (PyBOP 26.3) keeps PyBaMM 26.10 but would
downgrade NumPy (2.4 -> 2.3) and add pints, SALib, cma and multiprocess; and PyBOP wraps
models solved through ``pybamm.Simulation``/``Experiment``, while tfalab integrates its
symmetric cell step by step (IDAKLU with the current as an input, ~100x faster for long
protocols) and reads failure (short, CCD) from the CellTest, which PyBOP's cost functions
do not see. So the fit uses SciPy directly.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tfalab.cell.parameters import overrides_dict
from tfalab.celltest import CellTest
from tfalab.errors import FitError, ParameterError, SimulationError, TfalabError
from tfalab.fitting.observations import (
    FAILED_RESIDUAL,
    Observation,
    Prepared,
    anode_label,
    model_values,
    prepare,
)
from tfalab.fitting.params import ParameterSpec, friendly, make_spec
from tfalab.units import to_si

#: a parameter whose scaled Jacobian column norm is below this does not change the data
ZERO_COLUMN = 1e-8
#: relative standard error (of ln p) above which a parameter is not identifiable
REL_SE_LIMIT = 1.0
#: smallest / largest singular value of the column-normalised Jacobian below which the
#: parameters of the smallest singular vector only enter as a combination
SINGULAR_LIMIT = 1e-3
#: an observation fits poorly when R² of a series is below this ...
R2_POOR = 0.9
#: ... or a scalar misses by more than this many sigmas
SIGMA_POOR = 3.0


@dataclass
class ParameterEstimate:
    """One fitted parameter: value (SI), uncertainty and identifiability."""

    name: str
    value: float
    initial: float
    lower: float
    upper: float
    log: bool
    std_error: float  #: SI, delta method (value x se of ln p for log parameters)
    rel_std_error: float  #: std_error / |value|
    ci95: tuple[float, float]  #: 95 % interval (multiplicative for log parameters)
    identifiable: bool = True
    reason: str = ""  #: why not identifiable
    at_bound: str | None = None  #: "lower" / "upper" when the fit stopped on a bound
    jacobian_norm: float = 0.0  #: norm of its column of the scaled Jacobian
    no_influence: bool = False  #: its Jacobian column is ~0: the data do not depend on it

    @property
    def friendly(self) -> str:
        return friendly(self.name, self.value)

    def to_dict(self) -> dict[str, Any]:
        return {"value": _num(self.value), "friendly": self.friendly,
                "initial": _num(self.initial), "lower": _num(self.lower),
                "upper": _num(self.upper), "scale": "log" if self.log else "linear",
                "std_error": _num(self.std_error), "rel_std_error": _num(self.rel_std_error),
                "ci95": [_num(self.ci95[0]), _num(self.ci95[1])],
                "ci95_friendly": [friendly(self.name, self.ci95[0]),
                                  friendly(self.name, self.ci95[1])],
                "identifiable": self.identifiable, "reason": self.reason,
                "at_bound": self.at_bound, "jacobian_norm": _num(self.jacobian_norm),
                "no_influence": self.no_influence}


def _num(x: float) -> float | None:
    """JSON-safe float (None for inf/NaN)."""
    return float(x) if x is not None and math.isfinite(x) else None


@dataclass
class FitResult:
    """What :func:`fit` found. ``values`` are SI; see :meth:`summary`, :meth:`to_dict`,
    :meth:`to_toml`, :meth:`plot` and ``residuals`` (a DataFrame)."""

    parameters: dict[str, ParameterEstimate]
    correlation: pd.DataFrame
    residuals: pd.DataFrame
    cost: float  #: ½ Σ r² at the optimum
    n_evaluations: int  #: parameter sets simulated (all observations each)
    n_simulations: int
    success: bool
    message: str
    observations: list[dict[str, Any]]
    quality: str  #: "good" or "poor"
    warnings: list[str]
    build: Any
    anode: Any
    dof: int
    s2: float  #: residual variance used for the covariance
    singular_values: list[float]
    elapsed_s: float
    date: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(
        timespec="seconds"))

    @property
    def values(self) -> dict[str, float]:
        """Fitted values, SI, by PyBaMM name."""
        return {k: p.value for k, p in self.parameters.items()}

    @property
    def friendly_values(self) -> dict[str, str]:
        """Fitted values in the units a researcher reads (``"12 um"``)."""
        return {k: p.friendly for k, p in self.parameters.items()}

    @property
    def std_errors(self) -> dict[str, float]:
        return {k: p.std_error for k, p in self.parameters.items()}

    @property
    def identifiable(self) -> dict[str, bool]:
        return {k: p.identifiable for k, p in self.parameters.items()}

    def summary(self) -> pd.DataFrame:
        """One row per parameter: value, ± standard error, 95 % interval, identifiable."""
        rows = []
        for k, p in self.parameters.items():
            rows.append({"parameter": k, "value": p.friendly,
                         "rel. std. error / %": 100 * p.rel_std_error,
                         "95 % low": friendly(k, p.ci95[0]), "95 % high": friendly(k, p.ci95[1]),
                         "identifiable": p.identifiable,
                         "note": p.reason or (f"at {p.at_bound} bound" if p.at_bound else "")})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers become None)."""
        from tfalab import __version__

        corr = self.correlation.to_numpy()
        return {
            "tfalab_version": __version__, "date": self.date, "build": _text(self.build),
            "anode": anode_label(self.anode),
            "parameters": {k: p.to_dict() for k, p in self.parameters.items()},
            "correlation": {"names": list(self.correlation.columns),
                            "matrix": [[_num(x) for x in row] for row in corr]},
            "cost": _num(self.cost), "dof": self.dof, "residual_variance": _num(self.s2),
            "scaled_jacobian_singular_values": [_num(s) for s in self.singular_values],
            "n_evaluations": self.n_evaluations, "n_simulations": self.n_simulations,
            "success": self.success, "message": self.message, "quality": self.quality,
            "warnings": list(self.warnings),
            "observations": [{k: (_num(v) if isinstance(v, float) else v)
                              for k, v in o.items()} for o in self.observations],
            "elapsed_s": _num(self.elapsed_s),
        }

    def to_toml(self, path: str | Path, *, name: str = "fitted", description: str | None = None,
                overwrite: bool = False) -> Path:
        """Write the fitted values as a parameter file (schema: :mod:`.parameter_file`).

        ``base`` is the build the fit started from; ``[fit]`` records data files,
        quantities, standard errors, intervals, identifiable flags, date and tfalab version.
        An existing file is kept (a :class:`~tfalab.errors.ParameterError` names it) unless
        ``overwrite``.
        """
        from tfalab import __version__
        from tfalab.fitting.parameter_file import write_parameter_file

        if description is None:
            description = (f"fitted by tfalab fit to {len(self.observations)} observation(s) "
                           f"of {anode_label(self.anode)} cells; quality {self.quality}")
        files = sorted({o["source"] for o in self.observations if o.get("source")})
        fit_info: dict[str, Any] = {
            "date": self.date, "tfalab_version": __version__, "anode": anode_label(self.anode),
            "data": files, "quantities": [o["quantity"] for o in self.observations],
            "observations": [o["label"] for o in self.observations],
            "cost": float(self.cost), "n_evaluations": self.n_evaluations,
            "quality": self.quality, "success": self.success,
            "standard_errors": {k: float(p.std_error) for k, p in self.parameters.items()},
            "rel_standard_errors": {k: float(p.rel_std_error)
                                    for k, p in self.parameters.items()},
            "ci95_lower": {k: float(p.ci95[0]) for k, p in self.parameters.items()},
            "ci95_upper": {k: float(p.ci95[1]) for k, p in self.parameters.items()},
            "identifiable": {k: p.identifiable for k, p in self.parameters.items()},
            "bounds_lower": {k: float(p.lower) for k, p in self.parameters.items()},
            "bounds_upper": {k: float(p.upper) for k, p in self.parameters.items()},
        }
        # a parameter that does not change the data keeps its build value: not written
        values = {k: p.value for k, p in self.parameters.items() if not p.no_influence}
        left = sorted(set(self.parameters) - set(values))
        if left:
            fit_info["not_written"] = left
            fit_info["not_written_reason"] = ("no influence on the data: the build's value "
                                              "is kept")
        return write_parameter_file(path, values, base=self.build, name=name,
                                    description=description, fit=fit_info, overwrite=overwrite)

    def plot(self, path: str | Path) -> Path:
        """Observed against fitted model, one panel per observation (PNG); returns the path."""
        from tfalab.fitting.plots import plot_fit

        return plot_fit(self, Path(path))


def _text(x: Any) -> Any:
    if x is None or isinstance(x, str | int | float | bool):
        return x
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, dict):
        return {str(k): _text(v) for k, v in x.items()}
    return str(x)


# --------------------------------------------------------------------------- evaluation
def _evaluate(preps: list[Prepared], overrides: dict[str, float],
              points_per_step: int) -> tuple[list[np.ndarray | None], list[dict[str, Any]]]:
    """Model values of every observation (None where the simulation failed)."""
    out: list[np.ndarray | None] = []
    infos: list[dict[str, Any]] = []
    for prep in preps:
        try:
            vals, info = model_values(prep, overrides, points_per_step)
        except (SimulationError, ArithmeticError) as exc:
            vals, info = None, {"error": str(exc)}
        if vals is not None and not np.all(np.isfinite(vals)):
            vals, info = None, {**info, "error": "non-finite model values"}
        out.append(vals)
        infos.append(info)
    return out, infos


def _eval_task(args: tuple[list[Prepared], dict[str, float], int]) -> Any:
    return _evaluate(*args)


class _Problem:
    """Residuals and Jacobian of the fit, with a cache of evaluated parameter vectors."""

    def __init__(self, preps: list[Prepared], specs: list[ParameterSpec],
                 fixed: dict[str, float], points_per_step: int, diff_step: float,
                 workers: int) -> None:
        self.preps, self.specs, self.fixed = preps, specs, fixed
        self.pps, self.h = points_per_step, diff_step
        self.cache: dict[bytes, tuple[list[np.ndarray | None], list[dict[str, Any]]]] = {}
        self.pool = None
        self.workers = workers
        if workers > 1:
            import multiprocessing as mp

            self.pool = ProcessPoolExecutor(max_workers=workers,
                                            mp_context=mp.get_context("spawn"))
        self.x0 = np.zeros(len(specs))
        self.lo = np.array([s.x_bounds[0] for s in specs])
        self.hi = np.array([s.x_bounds[1] for s in specs])

    def overrides(self, x: np.ndarray) -> dict[str, float]:
        return {**self.fixed, **{s.name: s.from_x(float(v)) for s, v in zip(self.specs, x,
                                                                           strict=True)}}

    def _key(self, x: np.ndarray) -> bytes:
        return np.asarray(x, dtype=float).tobytes()

    def evaluate_many(self, xs: Sequence[np.ndarray]) -> None:
        todo = [x for x in xs if self._key(x) not in self.cache]
        uniq: dict[bytes, np.ndarray] = {}
        for x in todo:
            uniq.setdefault(self._key(x), x)
        args = [(self.preps, self.overrides(x), self.pps) for x in uniq.values()]
        if self.pool is not None and len(args) > 1:
            from concurrent.futures.process import BrokenProcessPool

            try:
                results = list(self.pool.map(_eval_task, args))
            except BrokenProcessPool as exc:
                raise FitError(f"workers={self.workers}: a worker process died ({exc}); in a "
                               f"script, call fit(..., workers=N) under "
                               f"'if __name__ == \"__main__\":' (worker processes are "
                               f"spawned), or use workers=1") from None
        else:
            results = [_evaluate(*a) for a in args]
        for key, res in zip(uniq, results, strict=True):
            self.cache[key] = res

    def raw(self, x: np.ndarray) -> tuple[list[np.ndarray | None], list[dict[str, Any]]]:
        self.evaluate_many([x])
        return self.cache[self._key(x)]

    def residuals(self, x: np.ndarray) -> np.ndarray:
        vals, _ = self.raw(x)
        parts = []
        for prep, v in zip(self.preps, vals, strict=True):
            if v is None:
                parts.append(np.full(len(prep.full_target), FAILED_RESIDUAL))
            else:
                parts.append(prep.obs.weight * (v - prep.full_target) / prep.full_sigma)
        return np.concatenate(parts)

    def steps(self, x: np.ndarray) -> np.ndarray:
        """Per-parameter finite-difference steps (backwards where a bound is near)."""
        h = np.full(len(x), self.h)
        h[x + h > self.hi] *= -1
        return h

    def jacobian(self, x: np.ndarray, central: bool = False) -> np.ndarray:
        """Finite-difference Jacobian of the residuals in the fit coordinates: forward steps
        while fitting; central ones (where the bounds allow) for the final uncertainty, so
        that parameters entering only as a product or ratio get exactly opposite columns."""
        x = np.asarray(x, dtype=float)
        h = self.steps(x)
        plus = [x.copy() for _ in range(len(x))]
        minus = [x.copy() for _ in range(len(x))]
        two_sided = np.zeros(len(x), dtype=bool)
        for j in range(len(x)):
            plus[j][j] += h[j]
            if central and self.lo[j] <= x[j] - h[j] <= self.hi[j]:
                minus[j][j] -= h[j]
                two_sided[j] = True
        self.evaluate_many([x, *plus, *[m for m, c in zip(minus, two_sided, strict=True) if c]])
        f0 = self.residuals(x)
        jac = np.empty((len(f0), len(x)))
        for j in range(len(x)):
            if two_sided[j]:
                jac[:, j] = (self.residuals(plus[j]) - self.residuals(minus[j])) / (2 * h[j])
            else:
                jac[:, j] = (self.residuals(plus[j]) - f0) / h[j]
        return jac

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


# --------------------------------------------------------------------------- fit
def _as_observation(item: Any) -> Observation:
    if isinstance(item, Observation):
        return item
    if isinstance(item, CellTest):
        return Observation.from_celltest(item, "voltage")
    if isinstance(item, Mapping):
        return observation_from_dict(item)
    raise ParameterError(f"an observation must be an Observation, a CellTest or a dict "
                         f"(file/quantity/value and conditions), got {type(item).__name__}")


def observation_from_dict(d: Mapping[str, Any], base_dir: str | Path | None = None) -> Observation:
    """An :class:`Observation` from a spec entry: ``file`` (a lab file) or ``value``, plus
    ``quantity`` and conditions (``anode``, ``pressure``, ``temperature``, ``area``,
    ``build``, ``protocol``, ``sigma``, ``at``, ``weight``, ``label``, ``format``).

    >>> observation_from_dict({"quantity": "ccd", "value": "1.6 mA/cm2",
    ...                        "pressure": "10 MPa"}).pressure
    10000000.0
    """
    allowed = {"file", "celltest", "quantity", "value", "at", "anode", "pressure", "temperature",
               "area", "build", "protocol", "sigma", "weight", "label", "format"}
    d = dict(d)
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise ParameterError(f"observation {d.get('label') or d.get('file') or ''}: unknown "
                             f"key(s) {unknown}; allowed: {sorted(allowed)}")
    quantity = d.pop("quantity", "voltage" if ("file" in d or "celltest" in d) else None)
    if quantity is None:
        raise ParameterError(f"observation {d!r}: needs quantity (voltage, overpotential, "
                             f"time_to_short, ccd)")
    kw: dict[str, Any] = {k: d[k] for k in ("anode", "pressure", "temperature", "area",
                                            "build", "protocol", "sigma", "label") if k in d}
    kw["weight"] = d.get("weight", 1.0)
    build = kw.get("build")
    if base_dir is not None and isinstance(build, str) and build.endswith(".toml") \
            and not Path(build).is_absolute():
        kw["build"] = str(Path(base_dir) / build)
    if "file" in d or "celltest" in d:
        if "value" in d or "at" in d:
            raise ParameterError(f"observation {d.get('file')!r}: give file or value, not both")
        if "celltest" in d:
            return Observation.from_celltest(d["celltest"], quantity, **kw)
        path = Path(d["file"])
        if base_dir is not None and not path.is_absolute():
            path = Path(base_dir) / path
        if not path.is_file():
            raise ParameterError(f"observation file {str(path)!r} does not exist")
        return Observation.from_file(path, quantity, format=d.get("format"), **kw)
    if "value" not in d:
        raise ParameterError(f"observation of {quantity}: needs file (a lab file) or value "
                             f"(e.g. '1.6 mA/cm2')")
    unused = sorted(k for k in d if k == "format"
                    or (k == "at" and str(quantity).strip().lower() != "overpotential"))
    if unused:
        raise ParameterError(f"observation {d.get('label') or quantity!r}: {unused} not used by a "
                             f"scalar {quantity} entry (format= is for file entries, at= for "
                             f"overpotential values); got "
                             f"{', '.join(f'{k}={d[k]!r}' for k in unused)}")
    return Observation.scalar(quantity, d["value"], at=d.get("at"), **kw)


def fit(observations: Iterable[Any] | Observation | CellTest,
        parameters: Mapping[str, Any], *, build: Any = None, anode: Any = "li",
        pressure: str | float = "20 MPa", temperature: str | float = "80 degC",
        area: str | float | None = None, overrides: Mapping[str, float] | None = None,
        initial: Mapping[str, Any] | None = None, points_per_step: int = 20,
        max_steps: int = 200, max_points: int = 5000, max_evaluations: int = 100,
        diff_step: float = 1e-2, xtol: float = 1e-4, ftol: float = 1e-6,
        workers: int = 1) -> FitResult:
    """Fit symmetric-cell model parameters to observations.

    Parameters
    ----------
    observations : :class:`Observation` s (or CellTests, fitted on their voltage, or spec
        dicts, see :func:`observation_from_dict`).
    parameters : ``{PyBaMM name: (lower, upper)}``, bounds in SI or with units
        (``("5 um", "20 um")``), or ``{"lower", "upper", "initial", "scale"}`` tables.
    build : laboratory cell build (name or TOML file) the fit starts from; None = default.
    anode, pressure, temperature, area : defaults for observations that do not say.
    overrides : fixed parameter values (SI) applied in every simulation.
    initial : start values (default: the build's value, or the middle of the bounds).
    points_per_step : model output points per protocol step.
    max_steps : a CellTest's current trace is coarse-grained to at most this many steps.
    max_points : a voltage series is thinned to at most this many points.
    max_evaluations : budget of parameter sets simulated (Jacobian ones included).
    diff_step : finite-difference step in ln p (1e-2 = 1 %).
    xtol, ftol : ``least_squares`` stopping tolerances.
    workers : processes for the Jacobian's simulations (results do not depend on it; they
        are spawned, so a script calls ``fit`` under ``if __name__ == "__main__":``).

    Returns
    -------
    FitResult

    Examples
    --------
    >>> from tfalab.cell import simulate_symmetric
    >>> data = simulate_symmetric("tfa", "cycle 1 mA/cm2 0.5 mAh/cm2 x 3",
    ...                           overrides={"Exchange current density [A.m-2]": 10.0})
    >>> r = fit([data.celltest], {"Exchange current density [A.m-2]": (1.0, 100.0)}, anode="tfa")
    >>> round(r.values["Exchange current density [A.m-2]"], 2), r.quality
    (10.0, 'good')
    """
    t_start = time.perf_counter()
    if isinstance(observations, Observation | CellTest | Mapping):
        observations = [observations]
    obs_list = [_as_observation(o) for o in observations]
    if not obs_list:
        raise ParameterError("fit needs at least one observation")
    if not isinstance(parameters, Mapping) or not parameters:
        raise ParameterError("parameters must be a non-empty dict {PyBaMM name: (lower, upper)}, "
                             "e.g. {'Flaw size [m]': ('5 um', '20 um')}")
    value: float  # the counts below, then the tolerances
    for key, value, lo in (("points_per_step", points_per_step, 2), ("max_steps", max_steps, 1),
                           ("max_points", max_points, 2),
                           ("max_evaluations", max_evaluations, 1), ("workers", workers, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            raise ParameterError(f"{key} must be a whole number >= {lo}, got {value!r}")
    for key, value in (("diff_step", diff_step), ("xtol", xtol), ("ftol", ftol)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise ParameterError(f"{key} must be a number in (0, 1), got {value!r}")
    specs = [make_spec(k, v) for k, v in parameters.items()]
    p_si = _condition(pressure, "pressure")
    t_si = _condition(temperature, "temperature")
    a_si = None if area is None else _condition(area, "area")
    preps = [prepare(o, k, anode=anode, pressure=p_si, temperature=t_si, area=a_si,
                     build=build, max_steps=max_steps, max_points=max_points)
             for k, o in enumerate(obs_list)]
    _share_failure_terms(preps)
    known = _known_names(preps)
    for s in specs:
        if s.name not in known:
            import difflib

            close = difflib.get_close_matches(s.name, sorted(known), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ParameterError(f"unknown model parameter {s.name!r}{hint}")
    fixed = overrides_dict(overrides)
    for k in fixed:
        if k not in known:
            raise ParameterError(f"overrides: unknown model parameter {k!r}")
    clash = sorted(set(fixed) & {s.name for s in specs})
    if clash:
        raise ParameterError(f"{clash} are both fitted and fixed by overrides; choose one")
    x0 = _start(specs, preps[0], initial or {})
    problem = _Problem(preps, specs, fixed, points_per_step, float(diff_step), workers)
    problem.x0 = x0
    try:
        return _solve(problem, x0, obs_list, max_evaluations, xtol, ftol, build, anode,
                      t_start)
    finally:
        problem.close()


def _share_failure_terms(preps: list[Prepared]) -> None:
    """A voltage series whose data also give a ccd / time_to_short observation leaves the
    failure time to that observation (not counted twice)."""
    def key(p: Prepared) -> Any:
        return p.obs.source or id(p.obs.celltest)

    failing = {key(p) for p in preps
               if p.obs.quantity in ("ccd", "time_to_short") and p.obs.celltest is not None}
    for p in preps:
        if p.obs.quantity == "voltage" and key(p) in failing:
            p.fail_target = None


def _condition(value: Any, kind: str) -> float:
    try:
        return to_si(value, kind, kind)
    except TfalabError as exc:
        raise ParameterError(f"{kind}: {exc}") from None


def _known_names(preps: list[Prepared]) -> set[str]:
    from tfalab.cell.parameters import symmetric_parameters
    from tfalab.fitting.params import CONDITIONS

    p = preps[0]
    kw = {"build": p.build} if p.build is not None else {}
    return set(symmetric_parameters(p.anode, p.pressure, p.temperature, **kw)) - set(CONDITIONS)


def _start(specs: list[ParameterSpec], prep: Prepared,
           initial: Mapping[str, Any]) -> np.ndarray:
    from tfalab.cell.parameters import symmetric_parameters
    from tfalab.fitting.params import to_value

    kw = {"build": prep.build} if prep.build is not None else {}
    base = symmetric_parameters(prep.anode, prep.pressure, prep.temperature, **kw)
    unknown = sorted(set(initial) - {s.name for s in specs})
    if unknown:
        raise ParameterError(f"initial: {unknown} are not fitted parameters")
    x0 = []
    for s in specs:
        if s.name in initial:
            v = to_value(s.name, initial[s.name], "initial value")
            if not s.lower <= v <= s.upper:
                raise ParameterError(f"{s.name}: initial value {initial[s.name]!r} lies outside "
                                     f"the bounds")
        elif s.initial is not None:
            v = s.initial
        else:
            d = base.get(s.name)
            if isinstance(d, int | float) and s.lower < d < s.upper:
                v = float(d)
            else:
                v = math.sqrt(s.lower * s.upper) if s.log else 0.5 * (s.lower + s.upper)
        lo, hi = s.x_bounds
        margin = 1e-6 * (hi - lo)
        x0.append(min(max(s.to_x(v), lo + margin), hi - margin))
    return np.array(x0)


def _solve(problem: _Problem, x0: np.ndarray, obs_list: list[Observation],
           max_evaluations: int, xtol: float, ftol: float, build: Any, anode: Any,
           t_start: float) -> FitResult:
    from scipy.optimize import least_squares

    vals0, infos0 = problem.raw(x0)
    bad = [(p.label, i.get("error")) for p, v, i in zip(problem.preps, vals0, infos0,
                                                        strict=True) if v is None]
    if bad:
        raise FitError("the model cannot be solved at the initial parameter values: "
                       + "; ".join(f"{lab}: {err}" for lab, err in bad))
    n = len(x0)
    max_nfev = max(2, max_evaluations // (n + 1))
    # lsmr copes with parameters that do not move the residuals (the exact solver crawls);
    # SciPy's 2-D subspace step needs two parameters, so one parameter uses the exact solver
    sol = least_squares(problem.residuals, x0, jac=problem.jacobian,
                        bounds=(problem.lo, problem.hi), method="trf", x_scale=1.0,
                        tr_solver="lsmr" if n > 1 else "exact", xtol=xtol, ftol=ftol,
                        gtol=1e-10, max_nfev=max_nfev)
    x = sol.x
    r = problem.residuals(x)
    jac = problem.jacobian(x, central=True)
    n_eval = len(problem.cache)
    return _result(problem, x, r, jac, sol, obs_list, n_eval, build, anode,
                   time.perf_counter() - t_start)


def _result(problem: _Problem, x: np.ndarray, r: np.ndarray, jac: np.ndarray, sol: Any,
            obs_list: list[Observation], n_eval: int, build: Any, anode: Any,
            elapsed: float) -> FitResult:
    from scipy import stats

    specs = problem.specs
    m, n = jac.shape
    dof = m - n
    s2 = float(r @ r / dof) if dof > 0 else 1.0
    norms = np.linalg.norm(jac, axis=0)
    zero = norms <= ZERO_COLUMN * max(1.0, float(norms.max(initial=0.0)))
    live = np.flatnonzero(~zero)
    cov = np.full((n, n), np.nan)
    singular: list[float] = []
    combos: dict[int, list[int]] = {}
    if len(live):
        jl = jac[:, live]
        _, s, vt = np.linalg.svd(jl / norms[live], full_matrices=False)
        singular = [float(v) for v in s / s[0]]
        for k in np.flatnonzero(s / s[0] < SINGULAR_LIMIT):
            members = [int(live[j]) for j in np.flatnonzero(np.abs(vt[k]) > 0.2)]
            for j in members:
                combos[j] = members
        # covariance of the identifiable-by-column parameters, pseudo-inverse on singular ones
        _, sv, vt2 = np.linalg.svd(jl, full_matrices=False)
        inv = np.where(sv > sv[0] * 1e-12, 1.0 / np.maximum(sv, 1e-300) ** 2, np.inf)
        with np.errstate(invalid="ignore"):
            c = (vt2.T * inv) @ vt2 if np.all(np.isfinite(inv)) else \
                _cov_with_inf(vt2, inv)
        cov[np.ix_(live, live)] = s2 * c
    tq = float(stats.t.ppf(0.975, dof)) if dof > 0 else 1.959963984540054
    estimates: dict[str, ParameterEstimate] = {}
    for j, spec in enumerate(specs):
        value = spec.from_x(float(x[j]))
        se_x = math.sqrt(cov[j, j]) if np.isfinite(cov[j, j]) and cov[j, j] >= 0 else math.inf
        if spec.log:
            se = value * se_x
            rel = se_x
            f = math.exp(tq * se_x) if tq * se_x < 700 else math.inf
            ci = (value / f, value * f)
        else:
            se = se_x * (spec.upper - spec.lower)
            rel = se / abs(value) if value != 0 else math.inf
            ci = (value - tq * se, value + tq * se)
        lo, hi = spec.x_bounds
        tol = 1e-3 * (hi - lo)
        at_bound = "lower" if x[j] <= lo + tol else "upper" if x[j] >= hi - tol else None
        reasons = []
        if zero[j]:
            reasons.append("no influence on the data (its Jacobian column is ~0)")
        if j in combos:
            others = [specs[k].name for k in combos[j] if k != j]
            reasons.append("only a combination with " + ", ".join(others) + " is determined "
                           "(the scaled Jacobian's smallest singular value is ~0)"
                           if others else "the scaled Jacobian's smallest singular value is ~0")
        if not zero[j] and rel > REL_SE_LIMIT:
            reasons.append(f"relative standard error {rel:.3g} (above {REL_SE_LIMIT:g})")
        estimates[spec.name] = ParameterEstimate(
            name=spec.name, value=value,
            initial=spec.from_x(float(problem.x0[j])),
            lower=spec.lower, upper=spec.upper, log=spec.log, std_error=se,
            rel_std_error=rel, ci95=ci, identifiable=not reasons, reason="; ".join(reasons),
            at_bound=at_bound, jacobian_norm=float(norms[j]), no_influence=bool(zero[j]))
    names = [s.name for s in specs]
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sqrt(np.diag(cov))
        corr = cov / np.outer(d, d)
    correlation = pd.DataFrame(corr, index=names, columns=names)
    table, summaries, warnings = _tables(problem, x)
    for p in estimates.values():
        if not p.identifiable:
            warnings.append(f"{p.name} is not identifiable from these data: {p.reason}")
        if p.at_bound:
            warnings.append(f"{p.name} stopped at its {p.at_bound} bound "
                            f"({friendly(p.name, p.value)}); its interval is not meaningful")
    quality = "good" if all(o["quality"] == "good" for o in summaries) else "poor"
    if quality == "poor":
        warnings.append("poor fit: " + "; ".join(f"{o['label']} ({o['quality_note']})"
                                               for o in summaries if o["quality"] != "good"))
    return FitResult(parameters=estimates, correlation=correlation, residuals=table,
                     cost=float(0.5 * r @ r), n_evaluations=n_eval,
                     n_simulations=n_eval * len(problem.preps), success=bool(sol.success),
                     message=str(sol.message), observations=summaries, quality=quality,
                     warnings=warnings, build=build, anode=anode, dof=dof, s2=s2,
                     singular_values=singular, elapsed_s=elapsed)


def _cov_with_inf(vt: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """(JᵀJ)⁻¹ when some singular values are ~0: infinite variance along those directions."""
    finite = np.isfinite(inv)
    c = (vt[finite].T * inv[finite]) @ vt[finite]
    loads = np.any(np.abs(vt[~finite]) > 1e-8, axis=0)
    c[loads, :] = np.inf
    c[:, loads] = np.inf
    return c


def _tables(problem: _Problem, x: np.ndarray) -> tuple[pd.DataFrame, list[dict], list[str]]:
    vals, infos = problem.raw(x)
    rows = []
    summaries = []
    warnings: list[str] = []
    for prep, v, info in zip(problem.preps, vals, infos, strict=True):
        warnings.extend(prep.notes)
        q = prep.obs.quantity
        label = prep.label
        n = len(prep.target)
        model = v if v is not None else np.full(len(prep.full_target), np.nan)
        res = prep.obs.weight * (model - prep.full_target) / prep.full_sigma
        scale, unit = (3600.0, "h") if prep.unit == "s" else (1.0, prep.unit)
        x_h = prep.t / 3600 if prep.t is not None else np.full(n, np.nan)
        for k in range(n):
            rows.append({"observation": label, "quantity": q, "time_h": x_h[k],
                         "observed": prep.target[k] / scale, "model": model[k] / scale,
                         "sigma": prep.sigma[k] / scale, "unit": unit, "residual": res[k]})
        if prep.fail_target is not None:
            rows.append({"observation": label, "quantity": "failure time", "time_h": np.nan,
                         "observed": prep.fail_target / 3600, "model": model[n] / 3600,
                         "sigma": prep.fail_sigma / 3600, "unit": "h", "residual": res[n]})
        summary: dict[str, Any] = {
            "label": label, "quantity": q, "source": prep.obs.source,
            "anode": anode_label(prep.anode), "pressure_MPa": prep.pressure / 1e6,
            "temperature_degC": prep.temperature - 273.15, "area_cm2": prep.area * 1e4,
            "build": _text(prep.build), "protocol": prep.protocol.describe(),
            "n_points": n, "termination": info.get("termination"),
        }
        if v is None:
            summary |= {"quality": "poor", "quality_note": f"model failed: {info.get('error')}"}
        elif n > 1:
            obs, mod = prep.target, model[:n]
            ss = float(np.sum((obs - obs.mean()) ** 2))
            r2 = 1 - float(np.sum((mod - obs) ** 2)) / ss if ss > 0 else math.nan
            rms = float(np.sqrt(np.mean((mod - obs) ** 2)))
            summary |= {"r2": r2, "rms": rms / scale, "unit": unit,
                        "noise": float(prep.sigma[0] / scale)}
            good = (math.isfinite(r2) and r2 >= R2_POOR) or rms <= 3 * prep.sigma[0]
            note = f"R2 = {r2:.3g}, rms {rms / scale:.3g} {unit}"
            if prep.fail_target is not None:
                z = float(abs(res[n]) / prep.obs.weight)
                summary |= {"failure_observed_h": prep.fail_target / 3600,
                            "failure_model_h": float(info.get("model_failure_time",
                                                              math.nan)) / 3600,
                            "failure_one_sided": prep.fail_one_sided, "failure_z": z}
                if prep.fail_one_sided:
                    note += "; data did not fail" + (
                        "" if z <= SIGMA_POOR else
                        f", model fails at {summary['failure_model_h']:.4g} h")
                else:
                    note += (f"; failure at {summary['failure_model_h']:.4g} h "
                             f"(data {prep.fail_target / 3600:.4g} h)")
                good = good and z <= SIGMA_POOR
            summary |= {"quality": "good" if good else "poor", "quality_note": note}
        else:
            z = float(abs(res[0]) / prep.obs.weight)
            summary |= {"observed": float(prep.target[0] / scale),
                        "model": float(model[0] / scale), "unit": unit, "z": z,
                        "quality": "good" if z <= SIGMA_POOR else "poor",
                        "quality_note": f"misses by {z:.3g} sigma"}
            if info.get("censored"):
                summary["quality_note"] += "; the model did not fail within the protocol"
                warnings.append(f"{label}: the model did not fail within the protocol; its "
                                f"time is the protocol's end (censored)")
            if q == "ccd":
                summary["observed_ccd_mA_cm2"] = prep.extra.get("observed_ccd", math.nan) / 10
                summary["model_ccd_mA_cm2"] = info.get("model_ccd", math.nan) / 10
        summaries.append(summary)
    return pd.DataFrame(rows), summaries, warnings
