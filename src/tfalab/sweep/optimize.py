"""Inverse design: a multi-objective search over a sweep's design space with Optuna.

A spec names what a point computes (``kind``, as in sweeps), the objectives (output columns of
:func:`~tfalab.sweep.points.evaluate_point`, or varied inputs such as ``pressure``), the
constraints, the fixed values and the search space:

.. code-block:: toml

    [optimize]
    kind = "ccd"                   # ccd | cycle | short | full | design
    trials = 60
    sampler = "nsga2"              # nsga2 | tpe
    # population = 20              # nsga2: trials per generation
    # seed = 0
    objectives = {specific_energy_Wh_kg = "maximize", ccd_mA_cm2 = "maximize"}
    constraints = ["ccd_mA_cm2 >= reference", "np_ratio >= 1", "pressure <= 20 MPa"]

    [fixed]
    build = "Zhang2025"
    temperature = "80 degC"

    [space]
    free_li = {low = "40 wt%", high = "85 wt%"}
    thickness = {low = "20 um", high = "150 um", log = true}   # step = "1 um" for a grid
    pressure = {low = "1 MPa", high = "20 MPa"}
    skeleton = ["LiBx"]            # a list: a categorical choice

    [reference]                    # optional: a design to beat (with [fixed])
    free_li = "60 wt%"
    thickness = "100 um"

A constraint is ``NAME OP VALUE`` with ``OP`` one of ``>=``, ``<=``, ``>``, ``<``. On an output
column (``ccd_mA_cm2 >= 3``, in the column's units; ``reference`` is the reference design's
value) it is Optuna's ``constraints_func``: an infeasible trial is kept but ranked below every
feasible one. On an input (``pressure <= 5 MPa``) it narrows the search space. An objective on
an input (``pressure = "minimize"``) is read in display units (MPa, degC, um, %, ...).

Trials are asked in batches of one per Dask worker and evaluated concurrently
(``client.submit(evaluate_point, point, kind)``); a point whose model fails (its row's
``error``) is a FAIL trial. The study lives in ``OUT/optuna.db`` (SQLite), so a rerun resumes:
finished trials are not repeated and only the remaining ones, up to ``trials``, run. Every
evaluated row is also in the sweep store ``OUT/results.parquet`` (with its ``trial`` number;
the reference has ``role = "reference"``).

Outputs in ``OUT``: ``pareto.csv`` (the feasible non-dominated trials), ``pareto.png``,
``best.toml`` (Pareto points with their inputs, objectives and ``tfalab`` command lines) and
``best_<n>_anode.toml`` anode files for those commands.

>>> import tempfile
>>> spec = {"optimize": {"kind": "design", "sampler": "tpe",
...                      "objectives": {"specific_energy_Wh_kg": "maximize",
...                                     "anode_capacity_mAh_cm2": "maximize"}},
...         "space": {"thickness": {"low": "20 um", "high": "150 um"}}}
>>> res = optimize(spec, tempfile.mkdtemp(), trials=6, workers=0, progress=False)
>>> res.n_computed, len(res.pareto) >= 1, (res.directory / "pareto.csv").is_file()
(6, True, True)
"""

from __future__ import annotations

import hashlib
import json
import math
import operator
import re
import shlex
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from tfalab.errors import ParameterError
from tfalab.stop import Stoppable, stop_workers
from tfalab.sweep.points import DESIGN_OUTPUTS, KIND_OUTPUTS, evaluate_point
from tfalab.sweep.spec import FIELDS, check_fields, check_point, check_value, point_key
from tfalab.sweep.store import Store
from tfalab.units import from_si, to_si

#: the Optuna study's name in ``OUT/optuna.db``
STUDY_NAME = "tfalab-optimize"
SAMPLERS = ("nsga2", "tpe")
DEFAULT_TRIALS = 50
#: Pareto points written to best.toml with command lines (spread along the front)
MAX_BEST = 10
#: the unit each input kind is shown in, and the suffix of its numeric column
DISPLAY = {"pressure": "MPa", "temperature": "degC", "length": "um",
           "current_density": "mA/cm2", "areal_capacity": "mAh/cm2", "time": "h",
           "fraction": "%"}
_SUFFIX = {"MPa": "MPa", "degC": "degC", "um": "um", "mA/cm2": "mA_cm2",
           "mAh/cm2": "mAh_cm2", "h": "h", "%": "pct"}
#: output columns each kind adds to the design metrics (checked before a study starts)
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_DIRECTIONS = {"maximize": "maximize", "max": "maximize", "maximise": "maximize",
               "minimize": "minimize", "min": "minimize", "minimise": "minimize"}


def display_unit(name: str) -> str | None:
    """The unit an input field is shown in (``"pressure"`` → ``"MPa"``), None if categorical."""
    kind = FIELDS.get(name)
    return DISPLAY.get(kind) if kind else None


def input_column(name: str) -> str:
    """The numeric column of a varied input: ``"pressure"`` → ``"pressure_MPa"``."""
    unit = display_unit(name)
    return f"{name}_{_SUFFIX[unit]}" if unit else name


def input_value(value: Any, name: str) -> float:
    """A friendly input value (``"20 MPa"``) as a number in its display unit (20.0)."""
    kind = FIELDS.get(name)
    unit = display_unit(name)
    if kind is None or unit is None:
        return float(value)
    return float(from_si(to_si(value, kind, name), kind, unit))


# --- the spec ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """One searched input: a numeric range (in its display unit) or categorical choices."""

    name: str
    low: float = math.nan
    high: float = math.nan
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = ()

    @property
    def categorical(self) -> bool:
        return bool(self.choices)

    def distribution(self) -> Any:
        from optuna.distributions import CategoricalDistribution, FloatDistribution

        if self.categorical:
            return CategoricalDistribution(list(self.choices))
        return FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def friendly(self, value: Any) -> Any:
        """The point's value for a sampled parameter value (``41.23`` → ``"41.23 um"``)."""
        if self.categorical:
            return value
        return f"{float(value):.4g} {display_unit(self.name)}"


@dataclass(frozen=True)
class Constraint:
    """``name op value``: on an output column (value a number or ``"reference"``)."""

    name: str
    op: str
    value: float | str
    text: str

    def violation(self, x: float, ref: dict[str, Any] | None) -> float:
        """Optuna's convention: ≤ 0 when satisfied, the amount of the violation otherwise."""
        rhs = float(ref[self.name]) if self.value == "reference" and ref else float(self.value)
        c = (rhs - x) if self.op in (">=", ">") else (x - rhs)
        if self.op in (">", "<") and c == 0:
            c = 1e-12
        if math.isnan(c):
            return 1e300
        return float(min(max(c, -1e300), 1e300))


@dataclass(frozen=True)
class OptimizeSpec:
    """A parsed, checked optimisation spec (see the module docstring)."""

    kind: str
    objectives: dict[str, str]
    space: tuple[Param, ...]
    fixed: dict[str, Any] = field(default_factory=dict)
    constraints: tuple[Constraint, ...] = ()
    reference: dict[str, Any] | None = None
    trials: int = DEFAULT_TRIALS
    sampler: str = "nsga2"
    population: int | None = None
    seed: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OptimizeSpec:
        if not isinstance(d, dict):
            raise ParameterError(f"an optimize spec is a table, got {type(d).__name__}")
        # the shape first: sections, keys, point field names, types, finite numbers
        from tfalab.schema import optimize_spec_schema, validate

        validate(optimize_spec_schema(), d, "optimize spec", ParameterError)
        head = dict(d["optimize"])
        kind = head.pop("kind")
        trials = head.pop("trials", DEFAULT_TRIALS)
        sampler = str(head.pop("sampler", "nsga2")).lower().replace("-", "")
        population = head.pop("population", None)
        seed = head.pop("seed", 0)
        objectives = head.pop("objectives", None)
        constraints = list(head.pop("constraints", []))
        _check_int(trials, "trials", 1, MAX_TRIALS)
        if population is not None:
            _check_int(population, "population", 2, MAX_TRIALS)
        _check_int(seed, "seed", 0, 2**32 - 1)
        if sampler not in SAMPLERS:
            raise ParameterError(f"[optimize] sampler must be one of {', '.join(SAMPLERS)}; "
                                 f"got {sampler!r}")
        fixed = dict(d.get("fixed", {}))
        space_raw = dict(d.get("space", {}))
        reference = d.get("reference")
        if not space_raw:
            raise ParameterError("an optimize spec needs a [space] of at least one input")
        both = set(fixed) & set(space_raw)
        if both:
            raise ParameterError(f"field(s) {sorted(both)} are both fixed and in [space]")
        if not isinstance(objectives, dict) or not objectives:
            raise ParameterError('[optimize] objectives must be a table, e.g. '
                                 '{specific_energy_Wh_kg = "maximize", ccd_mA_cm2 = "maximize"}')
        objs: dict[str, str] = {}
        for name, direction in objectives.items():
            dirn = _DIRECTIONS.get(str(direction).lower())
            if dirn is None:
                raise ParameterError(f"objective {name!r}: direction must be 'maximize' or "
                                     f"'minimize', got {direction!r}")
            objs[name] = dirn
        # every field is one this kind reads (others would be ignored), with a readable value
        check_point(fixed, kind, "[fixed]")
        check_fields(space_raw, kind, "[space]")
        for name, rng in space_raw.items():
            for v in rng if isinstance(rng, list) else ():
                check_value(name, v, "[space]")
        if isinstance(reference, dict):
            check_point(reference, kind, "[reference]")
        params = {name: _param(name, rng) for name, rng in space_raw.items()}
        outs: list[Constraint] = []
        for text in constraints:
            c = _parse_constraint(text)
            if c.name in FIELDS:
                _apply_input_constraint(c, params, fixed)
            else:
                outs.append(c)
        if reference is not None:
            if not isinstance(reference, dict):
                raise ParameterError("[reference] must be a table of point fields")
            reference = {**fixed, **reference}
            missing = [n for n in params if n not in reference]
            if missing:
                raise ParameterError(f"[reference] must set every [space] field; missing "
                                     f"{missing}")
        if any(c.value == "reference" for c in outs) and reference is None:
            raise ParameterError("a constraint compares with 'reference' but the spec has no "
                                 "[reference] design")
        for name in objs:
            if name in FIELDS and name not in params:
                raise ParameterError(f"objective {name!r} is an input but not in [space]")
            if name in FIELDS and params[name].categorical:
                raise ParameterError(f"objective {name!r} is a categorical input")
        spec = cls(kind, objs, tuple(params.values()), fixed, tuple(outs), reference, trials,
                   sampler, population, seed, raw=d)
        spec.check_outputs()
        return spec

    @classmethod
    def read(cls, path: str | Path) -> OptimizeSpec:
        """Read a TOML spec file (errors name the file)."""
        from tfalab.schema import optimize_spec_schema, validate
        from tfalab.tomlfile import read_toml

        data = read_toml(Path(path), "optimize spec")
        validate(optimize_spec_schema(), data, f"optimize spec {str(path)!r}", ParameterError)
        return cls.from_dict(data)

    def check_outputs(self) -> None:
        """Every output an objective or constraint names is one this kind computes."""
        known = set(DESIGN_OUTPUTS) | set(KIND_OUTPUTS[self.kind])
        names = [n for n in self.objectives if n not in FIELDS]
        names += [c.name for c in self.constraints]
        for name in names:
            if name not in known:
                raise ParameterError(f"{name!r} is not an output of kind {self.kind!r}; "
                                     f"outputs: {', '.join(sorted(known))}")

    @property
    def directions(self) -> list[str]:
        return list(self.objectives.values())

    def params(self) -> dict[str, Param]:
        return {p.name: p for p in self.space}

    def point(self, values: dict[str, Any]) -> dict[str, Any]:
        """The sweep point of a trial's parameter values (fixed values included)."""
        params = self.params()
        return {**self.fixed, **{n: params[n].friendly(v) for n, v in values.items()}}

    def fingerprint(self) -> str:
        """A hash of what defines the study (not trials, sampler or seed): a resumed study
        must have the same one."""
        blob = {"kind": self.kind, "objectives": self.objectives,
                "space": [p.__dict__ for p in self.space], "fixed": self.fixed,
                "constraints": [c.text for c in self.constraints],
                "reference": self.reference}
        return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()) \
            .hexdigest()[:16]


#: most trials one optimisation may ask for
MAX_TRIALS = 1_000_000


def _check_int(value: Any, name: str, minimum: int | None,
               maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or \
            (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        need = "an integer" + (f" >= {minimum}" if minimum is not None else "") + \
            (f" and <= {maximum}" if maximum is not None else "")
        raise ParameterError(f"[optimize] {name} must be {need}, got {value!r}")


def _param(name: str, rng: Any) -> Param:
    kind = FIELDS[name]
    if isinstance(rng, list):
        if not rng:
            raise ParameterError(f"[space] {name}: an empty list of choices")
        return Param(name, choices=tuple(rng))
    if kind is None:
        raise ParameterError(f"[space] {name} is categorical: give a list of choices, "
                             f"got {rng!r}")
    if not (isinstance(rng, dict) and {"low", "high"} <= set(rng)):
        raise ParameterError(f'[space] {name} needs {{low = "...", high = "..."}} or a list '
                             f"of choices, got {rng!r}")
    extra = set(rng) - {"low", "high", "log", "step"}
    if extra:
        raise ParameterError(f"[space] {name}: unknown key(s) {sorted(extra)}; known: low, "
                             f"high, log, step")
    lo, hi = (input_value(rng[k], name) for k in ("low", "high"))
    step = input_value(rng["step"], name) if "step" in rng else None
    log = bool(rng.get("log", False))
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ParameterError(f"[space] {name}: need low < high, got {rng!r}")
    if log and (lo <= 0 or step is not None):
        raise ParameterError(f"[space] {name}: a log range needs positive bounds and no step")
    if step is not None and not step > 0:
        raise ParameterError(f"[space] {name}: step must be positive")
    return Param(name, lo, hi, log, step)


_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*([^<>=\s].*?)\s*$")


def _parse_constraint(text: Any) -> Constraint:
    m = _CONSTRAINT.match(str(text)) if isinstance(text, str) else None
    if m is None:
        raise ParameterError(f"constraint {text!r}: write NAME OP VALUE with OP one of >=, <=, "
                             f'>, <, e.g. "ccd_mA_cm2 >= 3" or "pressure <= 5 MPa"')
    name, op, value = m.groups()
    if name in FIELDS:
        if FIELDS[name] is None:
            raise ParameterError(f"constraint {text!r}: {name} is categorical; list the "
                                 f"allowed choices in [space] instead")
        return Constraint(name, op, input_value(value, name), text)
    if value.lower() == "reference":
        return Constraint(name, op, "reference", text)
    try:
        number = float(value)
    except ValueError:
        raise ParameterError(f"constraint {text!r}: the value of an output is a plain number "
                             f"in the column's units, or 'reference'") from None
    if not math.isfinite(number):
        raise ParameterError(f"constraint {text!r}: the value must be a finite number, got "
                             f"{value!r}")
    return Constraint(name, op, number, text)


def _apply_input_constraint(c: Constraint, params: dict[str, Param],
                            fixed: dict[str, Any]) -> None:
    """An input constraint narrows the range (or checks the fixed value)."""
    bound = float(c.value)
    if c.name in fixed:
        if not _OPS[c.op](input_value(fixed[c.name], c.name), bound):
            raise ParameterError(f"constraint {c.text!r} excludes the fixed value "
                                 f"{c.name} = {fixed[c.name]!r}")
        return
    p = params.get(c.name)
    if p is None:
        raise ParameterError(f"constraint {c.text!r}: {c.name} is neither fixed nor in [space]")
    if p.categorical:
        keep = tuple(v for v in p.choices if _OPS[c.op](input_value(v, c.name), bound))
        if not keep:
            raise ParameterError(f"constraint {c.text!r} excludes every choice of {c.name}")
        params[c.name] = Param(c.name, choices=keep)
        return
    lo, hi = p.low, p.high
    if c.op in (">=", ">"):
        lo = max(lo, bound)
    else:
        hi = min(hi, bound)
    if not lo < hi:
        raise ParameterError(f"constraint {c.text!r} leaves no range of {c.name} in [space]")
    params[c.name] = Param(c.name, lo, hi, p.log, p.step)


# --- Pareto --------------------------------------------------------------------------------
def pareto_mask(values: Any, directions: Iterable[str]) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n × m) under ``directions``
    ("maximize"/"minimize" per column). Rows with a NaN are never on the front.

    >>> pareto_mask([[1, 1], [2, 0], [0, 0], [2, 1]], ["maximize", "maximize"]).tolist()
    [False, False, False, True]
    """
    v = np.asarray(values, dtype=float).reshape(len(values), -1) if len(values) else \
        np.zeros((0, 0))
    sign = np.array([1.0 if _DIRECTIONS.get(d, d) == "maximize" else -1.0 for d in directions])
    if v.size == 0:
        return np.zeros(len(values), dtype=bool)
    s = v * sign  # larger is better in every column
    ok = ~np.isnan(s).any(axis=1)
    mask = ok.copy()
    for i in np.flatnonzero(ok):
        others = s[ok]
        dominated = (others >= s[i]).all(axis=1) & (others > s[i]).any(axis=1)
        mask[i] = not dominated.any()
    return mask


def dominates(a: Iterable[float], b: Iterable[float], directions: Iterable[str]) -> bool:
    """Whether ``a`` is at least as good as ``b`` in every objective and better in one."""
    sign = [1.0 if _DIRECTIONS.get(d, d) == "maximize" else -1.0 for d in directions]
    x = [s * float(v) for s, v in zip(sign, a, strict=True)]
    y = [s * float(v) for s, v in zip(sign, b, strict=True)]
    return all(p >= q for p, q in zip(x, y, strict=True)) and \
        any(p > q for p, q in zip(x, y, strict=True))


# --- the run -------------------------------------------------------------------------------
@dataclass
class OptimizeResult:
    """What an optimisation did: every trial's row, the Pareto set and the verdict."""

    directory: Path
    spec: OptimizeSpec
    results: pd.DataFrame   #: every trial (and the reference), with objective columns
    pareto: pd.DataFrame    #: the feasible non-dominated trials
    reference: dict[str, Any] | None
    verdict: str | None     #: whether a feasible trial dominates the reference
    commands: list[list[str]]  #: per point of best.toml: tfalab command lines
    n_trials: int
    n_before: int
    n_computed: int
    n_failed: int
    seconds: float
    study: Any = None
    dashboard: str | None = None

    @property
    def objective_columns(self) -> list[str]:
        return [_objective_column(n) for n in self.spec.objectives]


def _objective_column(name: str) -> str:
    return input_column(name) if name in FIELDS else name


def _is_error(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and v != ""


def _number(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _objective_values(spec: OptimizeSpec, row: dict[str, Any],
                      point: dict[str, Any]) -> list[float]:
    out = []
    for name in spec.objectives:
        out.append(input_value(point[name], name) if name in FIELDS else _number(row.get(name)))
    return out


def _load_spec(spec: Any) -> OptimizeSpec:
    if isinstance(spec, OptimizeSpec):
        return spec
    if isinstance(spec, dict):
        return OptimizeSpec.from_dict(spec)
    if isinstance(spec, str | Path):
        return OptimizeSpec.read(spec)
    raise ParameterError(f"spec must be a TOML file, a dict or an OptimizeSpec, got "
                         f"{type(spec).__name__}")


def _has_set_constraint() -> bool:
    from optuna.trial import Trial

    return hasattr(Trial, "set_constraint")


def _sampler(spec: OptimizeSpec, seed: int, n_constraints: int) -> Any:
    import optuna

    cf = None
    if n_constraints and not _has_set_constraint():  # Optuna < 5: the samplers' constraints_func
        def cf(trial: Any) -> list[float]:
            return list(trial.user_attrs.get("constraints", [0.0] * n_constraints))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if spec.sampler == "tpe":
            return optuna.samplers.TPESampler(seed=seed, constraints_func=cf,
                                              n_startup_trials=min(10, max(2, spec.trials // 5)))
        pop = spec.population or max(4, min(50, spec.trials // 3))
        return optuna.samplers.NSGAIISampler(population_size=pop, seed=seed,
                                             constraints_func=cf)


def optimize(spec: OptimizeSpec | dict[str, Any] | str | Path, out: str | Path, *,
             trials: int | None = None, scheduler: str | None = None,
             workers: int | None = None, client: Any = None, progress: bool | None = None,
             seed: int | None = None) -> OptimizeResult:
    """Search ``spec``'s design space; resume the study in ``out`` if there is one.

    Parameters
    ----------
    spec : an :class:`OptimizeSpec`, its dict or a TOML file (module docstring).
    out : the study's directory (``optuna.db``, ``results.parquet``, ``pareto.csv``, ...).
    trials : total trials of the study (default: the spec's); a rerun only runs the rest.
    scheduler : address of a running Dask scheduler (default: a LocalCluster).
    workers : LocalCluster worker processes (default: the number of cores); ``0`` evaluates
        in this process without Dask. Trials are asked in batches of one per worker.
    client : an existing ``dask.distributed.Client`` (overrides scheduler and workers).
    progress : show a progress bar (default: when stderr is a terminal).
    seed : the sampler's seed (default: the spec's, 0).

    Returns
    -------
    OptimizeResult

    Examples
    --------
    >>> import tempfile
    >>> spec = {"optimize": {"kind": "design", "objectives": {"np_ratio": "maximize",
    ...         "specific_energy_Wh_kg": "maximize"}, "constraints": ["np_ratio >= 1"]},
    ...         "space": {"free_li": {"low": "40 wt%", "high": "85 wt%"}},
    ...         "fixed": {"thickness": "50 um"}}
    >>> res = optimize(spec, tempfile.mkdtemp(), trials=5, workers=0, progress=False)
    >>> bool((res.pareto["np_ratio"] >= 1).all()), res.n_trials
    (True, 5)
    """
    import optuna

    start = time.perf_counter()
    spec = _load_spec(spec)
    trials = int(trials) if isinstance(trials, np.integer) else trials
    seed = int(seed) if isinstance(seed, np.integer) else seed
    if trials is not None:
        _check_int(trials, "trials", 0, MAX_TRIALS)
    if seed is not None:
        _check_int(seed, "seed", 0, 2**32 - 1)
    total = spec.trials if trials is None else int(trials)
    seed = spec.seed if seed is None else int(seed)
    store = Store(out)
    directory = store.directory
    _record_spec(spec, directory)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = _open_study(directory, lambda storage: optuna.create_study(
        study_name=STUDY_NAME, storage=storage,
        load_if_exists=True,  # spec.directions holds only these two words (_DIRECTIONS):
        directions=cast(list[Literal["minimize", "maximize"]], spec.directions)))
    fp = study.user_attrs.get("fingerprint")
    if fp is None:
        study.set_user_attr("fingerprint", spec.fingerprint())
    elif fp != spec.fingerprint():
        raise ParameterError(f"{directory} holds a study of a different spec (objectives, "
                             f"space, fixed values, constraints or reference changed); use "
                             f"another --out directory")
    if [d.name.lower() for d in study.directions] != spec.directions:
        raise ParameterError(f"{directory} holds a study with other objective directions")

    from optuna.trial import TrialState

    done_states = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
    n_before = len(study.get_trials(deepcopy=False, states=done_states))
    # a resumed study draws new random numbers (the same seed would repeat the first trials)
    study.sampler = _sampler(spec, seed + n_before, len(spec.constraints))
    stale = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    todo_n = max(0, total - n_before)
    cache = _cached_rows(store)
    dists = {p.name: p.distribution() for p in spec.space}
    show = sys.stderr.isatty() if progress is None else progress
    dashboard = None
    n_computed = n_failed = 0
    reference: dict[str, Any] | None = None
    own = False
    use_dask = not (workers == 0 and client is None and scheduler is None)

    def evaluate(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any] | None] = []
        jobs = []
        for k, point in enumerate(batch):
            hit = cache.get(point_key(point, spec.kind))
            rows.append(dict(hit) if hit is not None else None)
            if hit is None:
                jobs.append(k)
        if jobs and client is not None:
            futs = [client.submit(Stoppable(evaluate_point), batch[k], spec.kind, pure=False,
                                  retries=1) for k in jobs]
            for k, fut in zip(jobs, futs, strict=True):
                try:
                    rows[k] = fut.result()
                except Exception as exc:  # the task itself failed (a worker died twice)
                    rows[k] = {"key": point_key(batch[k], spec.kind), "kind": spec.kind,
                               "error": f"{type(exc).__name__}: {exc}", "termination": None,
                               **{f"in_{n}": str(v) for n, v in batch[k].items()}}
        else:
            for k in jobs:
                rows[k] = evaluate_point(batch[k], spec.kind)
        return [r for r in rows if r is not None]

    try:
        need_ref = spec.reference is not None and \
            point_key(spec.reference, spec.kind) not in cache
        if (todo_n or need_ref) and use_dask:
            if client is None:
                from tfalab.sweep.engine import make_client

                client = make_client(scheduler, workers)
                own = True
            dashboard = getattr(client, "dashboard_link", None)
            if show and dashboard:
                print(f"Dask dashboard: {dashboard}", file=sys.stderr)
        batch_size = _n_workers(client) if client is not None else 1
        if spec.reference is not None:
            reference = evaluate([spec.reference])[0]
            reference |= {"trial": -1, "role": "reference"}
            if _is_error(reference.get("error")):
                raise ParameterError(f"the [reference] design failed: {reference['error']}")
            store.write_row(reference)
            cache[reference["key"]] = reference
        bar = _bar(show, todo_n)
        try:
            remaining = todo_n
            while remaining > 0:
                trials_now: list[Any] = []
                while stale and len(trials_now) < min(batch_size, remaining):
                    frozen = stale.pop(0)
                    if set(frozen.params) == set(dists):
                        trials_now.append(optuna.trial.Trial(study, frozen._trial_id))
                    else:  # not asked by this module: drop it
                        study.tell(frozen.number, state=TrialState.FAIL, skip_if_finished=True)
                while len(trials_now) < min(batch_size, remaining):
                    trials_now.append(study.ask(dists))
                points = [spec.point({n: t.params[n] for n in dists}) for t in trials_now]
                rows = evaluate(points)
                for t, point, row in zip(trials_now, points, rows, strict=True):
                    row = {**row, "trial": t.number, "role": "trial"}
                    store.write_row(row)
                    cache[row["key"]] = row
                    n_failed += _tell(study, t, spec, row, point, reference)
                    n_computed += 1
                    remaining -= 1
                    if bar is not None:
                        bar.update(1)
        finally:
            if bar is not None:
                bar.close()
    except KeyboardInterrupt:
        if own:  # our own workers: their step loops stop at their next step
            stop_workers(client)
        raise
    finally:
        store.compact()
        if own:
            client.close()
            cluster = getattr(client, "cluster", None)
            if cluster is not None:
                cluster.close()
    if reference is None and spec.reference is not None:  # pragma: no cover - defensive
        reference = cache.get(point_key(spec.reference, spec.kind))
    results = _results(spec, store, study, reference)
    pareto = _pareto(spec, results)
    verdict = _verdict(spec, results, reference)
    commands = write_outputs(spec, directory, results, pareto, reference, verdict)
    n_trials = len(study.get_trials(deepcopy=False, states=done_states))
    return OptimizeResult(directory, spec, results, pareto, reference, verdict, commands,
                          n_trials, n_before, n_computed, n_failed,
                          time.perf_counter() - start, study, dashboard)


def _n_workers(client: Any) -> int:
    try:
        info = client.scheduler_info()
        n = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
        return max(1, int(n))
    except Exception:
        return 1


def _bar(show: bool, total: int) -> Any:
    if not show or total <= 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="trial", file=sys.stderr, smoothing=0.1)


def _cached_rows(store: Store) -> dict[str, dict[str, Any]]:
    """Stored rows without an error, by key (a resumed trial reuses its point's row)."""
    frame = store.read()
    out = {}
    for row in frame.to_dict("records"):
        if "key" in row and not _is_error(row.get("error")):
            out[row["key"]] = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                               for k, v in row.items()}
    return out


def _tell(study: Any, trial: Any, spec: OptimizeSpec, row: dict[str, Any],
          point: dict[str, Any], reference: dict[str, Any] | None) -> int:
    """Tell Optuna a trial's outcome; 1 if it failed."""
    from optuna.trial import TrialState

    trial.set_user_attr("key", row["key"])
    if _is_error(row.get("error")):
        trial.set_user_attr("error", str(row["error"]))
        study.tell(trial, state=TrialState.FAIL)
        return 1
    values = _objective_values(spec, row, point)
    if any(math.isnan(v) for v in values):
        trial.set_user_attr("error", "an objective is not a number")
        study.tell(trial, state=TrialState.FAIL)
        return 1
    if spec.constraints:
        violations = [c.violation(_number(row.get(c.name)), reference) for c in spec.constraints]
        trial.set_user_attr("constraints", violations)
        if _has_set_constraint():  # Optuna >= 5
            for k, v in enumerate(violations):
                trial.set_constraint(f"{k:02d}", v)
    study.tell(trial, values)
    return 0


def _results(spec: OptimizeSpec, store: Store, study: Any,
             reference: dict[str, Any] | None) -> pd.DataFrame:
    """One row per finished trial (its point's stored row), plus the reference first."""
    from optuna.trial import TrialState

    frame = store.read()
    by_key = {r["key"]: r for r in frame.to_dict("records")}
    rows = []
    if reference is not None:
        rows.append({**by_key.get(reference["key"], reference), "trial": -1,
                     "role": "reference", "state": "REFERENCE"})
    for t in study.get_trials(deepcopy=False,
                              states=(TrialState.COMPLETE, TrialState.FAIL)):
        base = by_key.get(t.user_attrs.get("key"), {})
        rows.append({**base, "trial": t.number, "role": "trial", "state": t.state.name,
                     **({"error": t.user_attrs["error"]} if "error" in t.user_attrs else {})})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    for p in spec.space:
        col = f"in_{p.name}"
        if not p.categorical and col in out:
            out[input_column(p.name)] = [input_value(v, p.name) if isinstance(v, str) else
                                         math.nan for v in out[col]]
    ok = out["state"] != "FAIL"
    feasible = ok.copy()
    for c in spec.constraints:
        col = out[c.name] if c.name in out else pd.Series(math.nan, index=out.index)
        feasible &= np.array([c.violation(_number(v), reference) <= 0 for v in col])
    out["feasible"] = feasible
    return out


def _pareto(spec: OptimizeSpec, results: pd.DataFrame) -> pd.DataFrame:
    if results.empty:
        return results
    cand = results[(results["role"] == "trial") & results["feasible"]]
    cols = [_objective_column(n) for n in spec.objectives]
    if cand.empty or not set(cols) <= set(cand.columns):
        return cand.iloc[0:0]
    vals = cand[cols].apply(pd.to_numeric, errors="coerce").to_numpy()
    front = cand[pareto_mask(vals, spec.directions)]
    front = front.drop_duplicates("key")
    first = cols[0]
    return front.sort_values(first, ascending=spec.directions[0] == "minimize") \
        .reset_index(drop=True)


def _verdict(spec: OptimizeSpec, results: pd.DataFrame,
             reference: dict[str, Any] | None) -> str | None:
    if reference is None or results.empty:
        return None
    cols = [_objective_column(n) for n in spec.objectives]
    ref = results[results["role"] == "reference"].iloc[0]
    refv = [float(ref[c]) for c in cols]
    trials = results[(results["role"] == "trial") & results["feasible"]]
    wins = trials[[dominates([float(r[c]) for c in cols], refv, spec.directions)
                   for _, r in trials.iterrows()]] if len(trials) else trials
    desc = _describe(spec, ref, cols)
    n = int((results["role"] == "trial").sum())
    if wins.empty:
        return (f"no design beats the reference ({desc}): none of {n} trials is at least as "
                f"good on every objective and better on one while meeting the constraints")
    first = cols[0]
    best = wins.sort_values(first, ascending=spec.directions[0] == "minimize").iloc[0]
    gain = float(best[first]) - refv[0]
    rel = f" ({100 * gain / abs(refv[0]):+.1f} %)" if refv[0] else ""
    return (f"{len(wins)} of {n} trials beat the reference ({desc}); the best on {first}: "
            f"{_describe(spec, best, cols)}{rel}")


def _describe(spec: OptimizeSpec, row: Any, cols: list[str]) -> str:
    ins = ", ".join(f"{p.name} {row.get(f'in_{p.name}')}" for p in spec.space)
    outs = ", ".join(f"{c} {float(row[c]):.4g}" for c in cols)
    return f"{ins}: {outs}"


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _open_study(directory: Path, opener: Callable[[str], Any]) -> Any:
    """``opener(storage)`` on ``directory/optuna.db``; a file that is not a readable SQLite
    database of a tfalab study is a :class:`~tfalab.errors.DataFileError` naming it."""
    from tfalab.errors import DataFileError

    db = directory / "optuna.db"
    hint = "move it away (or use another --out directory) to start a new study"
    if db.is_file() and db.stat().st_size > 0:
        try:
            with db.open("rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise DataFileError(f"{str(db)!r} cannot be read: {exc.strerror or exc}") from None
        if head != _SQLITE_MAGIC:
            raise DataFileError(f"{str(db)!r} is not an Optuna study database (not an SQLite "
                                f"file); {hint}")
    elif db.exists() and not db.is_file():
        raise DataFileError(f"{str(db)!r} is not a file; {hint}")
    try:
        return opener(f"sqlite:///{db.resolve()}")
    except KeyError:
        raise DataFileError(f"{str(db)!r} holds no tfalab study named {STUDY_NAME!r}; "
                            f"{hint}") from None
    except Exception as exc:
        import sqlite3

        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError | sqlite3.Error | RuntimeError | ValueError) and \
                not isinstance(exc, ParameterError):
            text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise DataFileError(f"{str(db)!r} is not a readable Optuna study database "
                                f"({type(exc).__name__}: {text[0][:200] if text else ''}); "
                                f"{hint}") from None
        raise


def study_results(directory: str | Path) -> tuple[OptimizeSpec, pd.DataFrame]:
    """The spec and trial table (with ``feasible``) of the study in ``directory`` (as
    :attr:`OptimizeResult.results`), read back without running anything."""
    import optuna

    directory = Path(directory)
    if not (directory / "optuna.db").is_file() or not (directory / "optimize.toml").is_file():
        raise ParameterError(f"{directory} holds no tfalab optimize study (optuna.db and "
                             f"optimize.toml)")
    spec = OptimizeSpec.read(directory / "optimize.toml")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = _open_study(directory, lambda storage: optuna.load_study(
        study_name=STUDY_NAME, storage=storage))
    store = Store(directory)
    reference = None
    if spec.reference is not None:
        frame = store.read()
        hit = frame[frame["key"] == point_key(spec.reference, spec.kind)]
        if len(hit):
            reference = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                         for k, v in hit.iloc[0].to_dict().items()}
    return spec, _results(spec, store, study, reference)


# --- outputs -------------------------------------------------------------------------------
def _record_spec(spec: OptimizeSpec, directory: Path) -> None:
    from tfalab.sweep.engine import spec_toml

    path = directory / "optimize.toml"
    if not path.exists():
        path.write_text(spec_toml({k: v for k, v in spec.raw.items() if isinstance(v, dict)}))


def _spread(n: int, k: int) -> list[int]:
    if n <= k:
        return list(range(n))
    return sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})


def write_outputs(spec: OptimizeSpec, directory: Path, results: pd.DataFrame,
                  pareto: pd.DataFrame, reference: dict[str, Any] | None,
                  verdict: str | None) -> list[list[str]]:
    """Write pareto.csv, pareto.png, best.toml and the anode files; return the command lines
    of each point of best.toml."""
    cols = [_objective_column(n) for n in spec.objectives]
    keep = ["trial", *[f"in_{p.name}" for p in spec.space],
            *[input_column(p.name) for p in spec.space if not p.categorical], *cols,
            *[c.name for c in spec.constraints], *DESIGN_OUTPUTS[:-1],
            *KIND_OUTPUTS[spec.kind], "failure_mode", "key"]
    keep = [c for c in dict.fromkeys(keep) if c in pareto.columns]
    table = pareto[keep].copy() if len(pareto) else pd.DataFrame(columns=keep)
    if reference is not None and len(results):
        ref = results[results["role"] == "reference"].iloc[0]
        refv = [float(ref[c]) for c in cols]
        table["beats_reference"] = [dominates([float(r[c]) for c in cols], refv,
                                              spec.directions) for _, r in table.iterrows()]
    table.to_csv(directory / "pareto.csv", index=False)
    if len(results):
        from tfalab.sweep.figures import pareto_figure

        pareto_figure(results, spec.objectives, directory / "pareto.png")
    for old in directory.glob("best_*_anode.toml"):
        old.unlink()
    entries: list[dict[str, Any]] = []
    commands: list[list[str]] = []
    for rank, i in enumerate(_spread(len(pareto), MAX_BEST), start=1):
        row = pareto.iloc[i]
        point = {**spec.fixed, **{p.name: row[f"in_{p.name}"] for p in spec.space
                                  if isinstance(row.get(f"in_{p.name}"), str | int | float)}}
        cmds = simulate_commands(point, spec.kind, directory, f"best_{rank}")
        commands.append(cmds)
        entries.append({"rank": rank, "trial": int(row["trial"]),
                        "point": point, "objectives": {c: float(row[c]) for c in cols},
                        "commands": cmds})
    lines = [f"# Pareto-optimal designs of {directory} ({len(pareto)} on the front; "
             f"up to {MAX_BEST} shown, spread along it)"]
    if verdict:
        lines.append(f"# {verdict}")
    lines.append("")
    lines.append(f'kind = "{spec.kind}"')
    lines.append("")
    for e in entries:
        lines.append("[[best]]")
        lines.append(f"rank = {e['rank']}")
        lines.append(f"trial = {e['trial']}")
        lines.append("commands = [" + ", ".join(_tq(c) for c in e["commands"]) + "]")
        lines.append("[best.point]")
        lines += [f"{k} = {_tq(v)}" for k, v in e["point"].items()]
        lines.append("[best.objectives]")
        lines += [f"{k} = {v!r}" for k, v in e["objectives"].items()]
        lines.append("")
    (directory / "best.toml").write_text("\n".join(lines))
    return commands


def _tq(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v) if math.isfinite(v) else f'"{v}"'
    return json.dumps(str(v))  # a TOML basic string


def simulate_commands(point: dict[str, Any], kind: str, directory: Path,
                      name: str) -> list[str]:
    """The ``tfalab`` command lines that simulate ``point`` again (writing the anode TOML
    file ``DIRECTORY/NAME_anode.toml`` when its design is not a preset).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> cmds = simulate_commands({"free_li": "50 %", "thickness": "40 um",
    ...     "pressure": "20 MPa", "build": "Zhang2025"}, "ccd", d, "best_1")
    >>> cmds[0].startswith("tfalab ccd --anode"), (d / "best_1_anode.toml").is_file()
    (True, True)
    """
    anode = _anode_arg(point, directory / f"{name}_anode.toml")
    stem = directory / name
    common = ["--anode", anode]
    if point.get("build") is not None:
        common += ["--build", str(point["build"])]
    pressure = point.get("pressure", "40 MPa" if kind == "full" else "20 MPa")
    temperature = str(point.get("temperature", "80 degC"))
    cmds = []
    if kind == "ccd":
        from tfalab.cell.experiments import DEFAULT_RAMP

        cmd = ["tfalab", "ccd", *common]
        if "relative_density" in point:
            cmd += ["--relative-density", str(point["relative_density"])]
        cmd += ["--pressure", str(pressure), "--temperature", temperature]
        if "protocol" in point:
            cmd += ["--protocol", str(point["protocol"])]
        cmds.append(shlex.join([*cmd, "--out", f"{stem}_ccd"]))
        protocol = str(point.get("protocol", DEFAULT_RAMP))
    elif kind == "full":
        cmd = ["tfalab", "simulate", "full", *common,
               "--cathode", str(point.get("cathode", "fes2"))]
        if "loading" in point:
            cmd += ["--loading", str(point["loading"])]
        rate, n = float(point.get("c_rate", 1.0)), int(point.get("cycles", 10))
        cmd += ["--pressure", str(pressure), "--temperature", temperature,
                "--protocol", f"cycle {rate:g}C for {n} cycles", "--out", f"{stem}_full"]
        return [shlex.join(cmd)]
    else:
        i = point.get("current", "0.5 mA/cm2")
        q = point.get("capacity", "0.5 mAh/cm2")
        h = point.get("duration", "100 h")
        protocol = f"cycle {i} {q} for {h}"
    cmd = ["tfalab", "simulate", "symmetric", *common]
    if "relative_density" in point:
        cmd += ["--relative-density", str(point["relative_density"])]
    cmd += ["--pressure", str(pressure), "--temperature", temperature,
            "--protocol", protocol, "--out", f"{stem}_symmetric"]
    cmds.append(shlex.join(cmd))
    if "cathode" in point or "stack" in point or kind == "design":
        cmds.append(shlex.join(_design_cmd(point)))
    return cmds


def _design_cmd(point: dict[str, Any]) -> list[str]:
    cmd = ["tfalab", "design"]
    if point.get("anode") == "li" or str(point.get("skeleton", "")).lower() in \
            ("none", "li", "bare"):
        cmd += ["--anode", "li"]
    else:
        for k in ("skeleton", "free_li", "thickness", "porosity"):
            if k in point:
                cmd += [f"--{k.replace('_', '-')}", str(point[k])]
    cmd += ["--cathode", str(point.get("cathode", "ncm"))]
    if "loading" in point:
        cmd += ["--loading", str(point["loading"])]
    stack = str(point.get("stack", "thin"))
    if stack in ("thin", "paper"):
        cmd += ["--stack", stack]
    return cmd


def _anode_arg(point: dict[str, Any], path: Path) -> str:
    """``tfa``/``li`` for a preset, else an anode TOML file with the point's design."""
    design = {k: point[k] for k in ("skeleton", "free_li", "thickness", "porosity")
              if k in point}
    name = point.get("anode")
    if name is not None and not design:
        return str(name)
    if name == "li" or str(design.get("skeleton", "")).lower() in ("none", "li", "bare"):
        body = {"skeleton": "none", "free_li": "100 %",
                "thickness": design.get("thickness", "100 um"), "porosity": "0 %"}
    else:
        body = {"skeleton": design.get("skeleton", "LiBx"),
                **{k: design[k] for k in ("free_li", "thickness", "porosity") if k in design}}
    text = "# anode design written by tfalab optimize\n" + \
        "".join(f"{k} = {_tq(v)}\n" for k, v in body.items())
    path.write_text(text)
    return str(path)
