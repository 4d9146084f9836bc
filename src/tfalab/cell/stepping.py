"""The one step loop of every tfalab cell: build a PyBaMM model once with its drive as inputs,
then run a protocol of thousands of steps as repeated ``solver.step`` calls.

:func:`build` parameterises and discretises a model once per parameter set (cached), with the
applied current and any other drive (for full cells the voltage cut-offs) as input parameters,
and compiles one CasADi function that evaluates every output column at once afterwards.
:func:`run_steps` integrates a sequence of :class:`Step` s on it: each step is one IDAKLU
integration; a model event ends a step, and ends the run when it is terminal; a solver failure
raises :class:`~tfalab.errors.SimulationError` whose ``partial`` is always a
:class:`~tfalab.CellTest` of what was simulated. Used by :mod:`tfalab.cell.simulate`
(symmetric cells) and :mod:`tfalab.cell.full_simulate` (full cells).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pybamm

from tfalab.errors import Interrupted, SimulationError
from tfalab.stop import clear_stop, request_stop, stop_requested  # noqa: F401 (re-exported)


@dataclass
class Built:
    """A parameterised, discretised model with inputs, its solver and its outputs."""

    model: Any
    solver: Any
    outputs: Any  #: casadi Function (t, y, u) -> all output columns (u: the inputs, in order)
    inputs: tuple[str, ...] = ("Current function [A]",)


_CACHE: dict[str, Built] = {}


def build(model: pybamm.BaseModel, params: dict[str, Any], variables: list[str],
          inputs: tuple[str, ...] = ("Current function [A]",), atol: float = 1e-9,
          cache_size: int = 32, step_events: tuple[str, ...] = ()) -> Built:
    """Parameterise and discretise ``model`` once per parameter set (cached).

    Every name in ``inputs`` becomes an input parameter (``"[input]"``): the applied current
    ``"Current function [A]"``, any other parameter a protocol changes from step to step, and
    conditions such as the stack pressure and temperature, so that one build serves a sweep
    over them (the cache key leaves inputs out; their values travel with each step).
    The events named in ``step_events`` end a step but let the next one start (PyBaMM's
    solver does so for events tagged ``[experiment]``, as a full cell's voltage cut-offs);
    any other event is final for the model.
    """
    key = json.dumps({"model": model.name, "inputs": inputs, "step_events": step_events,
                      **{k: (v.__name__ if callable(v) else v) for k, v in params.items()
                         if k not in inputs}},  # one build serves every value of an input
                     sort_keys=True, default=str)
    if key in _CACHE:
        return _CACHE[key]
    import casadi

    pv = pybamm.ParameterValues({**params, **dict.fromkeys(inputs, "[input]")})
    sim = pybamm.Simulation(model, parameter_values=pv)
    sim.build()
    built_model = sim.built_model
    built_model.events = [
        pybamm.Event(f"{e.name} [experiment]", e.expression, e.event_type)
        if e.name in step_events else e for e in built_model.events]
    t, y = casadi.MX.sym("t"), casadi.MX.sym("y", built_model.len_rhs_and_alg)
    u = casadi.MX.sym("u", len(inputs))
    symbols = {name: u[k] for k, name in enumerate(inputs)}
    exprs = [sim._disc.process_symbol(pv.process_symbol(model.variables[v]))
             .to_casadi(t, y, inputs=symbols) for v in variables]
    # expanded to scalar operations: evaluating every output at every time point is ~2.5x
    # faster than through the MX graph (0.16 s instead of 0.40 s for 31,500 points)
    outputs = casadi.Function("outputs", [t, y, u], [casadi.vertcat(*exprs)]).expand()
    built = Built(built_model, pybamm.IDAKLUSolver(rtol=1e-6, atol=atol), outputs, inputs)
    if len(_CACHE) > cache_size:
        _CACHE.clear()
    _CACHE[key] = built
    return built


#: time points whose outputs a :class:`Trace` evaluates at once, as the run goes
OUTPUT_BLOCK = 8192


@dataclass(frozen=True)
class Step:
    """One protocol step: its inputs (``"Current function [A]"`` ...), its duration (s) and
    the labels written into the CellTest (``Step Count / 1``, ``Cycle Count / 1``)."""

    inputs: dict[str, float]
    duration: float
    index: int
    cycle: int = 0


@dataclass
class Trace:
    """What :func:`run_steps` integrated: per-step time, state and input arrays, and per step
    ``(index, cycle, start time, end time, event)``."""

    built: Built
    ts: list[np.ndarray] = field(default_factory=list)
    ys: list[np.ndarray] = field(default_factory=list)
    us: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)  #: rows of (step index, cycle)
    steps: list[tuple[int, int, float, float, str]] = field(default_factory=list)
    termination: str = "completed"
    solution: Any = None  #: the whole run as a ``pybamm.Solution`` (``keep_solution=True``)
    #: output columns already evaluated: (number of steps covered, blocks); one tuple, so an
    #: interrupt never leaves the two out of step
    _done: tuple[int, list[np.ndarray]] = field(default_factory=lambda: (0, []), repr=False)
    _pending: int = field(default=0, repr=False)  #: time points added since

    def __bool__(self) -> bool:
        return bool(self.ts)

    def add(self, t: np.ndarray, y: np.ndarray, step: Step) -> None:
        u = np.array([step.inputs[name] for name in self.built.inputs], dtype=float)
        self.ts.append(t)
        self.ys.append(y)
        self.us.append(np.repeat(u[:, None], len(t), axis=1))
        self.labels.append(np.array([[step.index] * len(t), [step.cycle] * len(t)]))
        self._pending += len(t)
        if self._pending >= OUTPUT_BLOCK:
            self._evaluate()

    def _evaluate(self) -> list[np.ndarray]:
        """Evaluate the outputs of the steps added since the last call, in one block.

        Evaluating as the run goes keeps the work left after the run (or after an interrupt)
        small, and keeps each CasADi ``map`` small: building one for n points costs more than
        linear time (0.17 s for 1e5 points against 0.009 s for 1e4)."""
        n_done, blocks = self._done
        n = min(len(self.ts), len(self.ys), len(self.us))
        if n > n_done:
            t = np.concatenate(self.ts[n_done:n])
            block = np.asarray(self.built.outputs.map(len(t))(
                t, np.concatenate(self.ys[n_done:n], axis=1),
                np.concatenate(self.us[n_done:n], axis=1)))
            blocks = [*blocks, block]
            self._done = (n, blocks)
            self._pending = 0
        return blocks

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All output columns (rows: the model variables asked of :func:`build`), the step
        index and the cycle per time point; repeated step-boundary times are kept (the
        current changes there)."""
        blocks = self._evaluate()
        n = self._done[0]
        values = np.concatenate(blocks, axis=1)
        labels = np.concatenate(self.labels[:n], axis=1)
        return values, labels[0], labels[1]


def _event_at_start(exc: Exception) -> str:
    """The model event a step violated at its first instant ('' if the error is another)."""
    text = str(exc)
    if "non-positive at initial conditions" not in text:
        return ""
    return text.split("'")[1] if "'" in text else "event at the start of a step"


def _event(sol: Any) -> str:
    text = str(getattr(sol, "termination", ""))
    return text.split("event:", 1)[1].strip() if "event:" in text else ""


def run_steps(built: Built, steps: Iterable[Step], points_per_step: int,
              partial: Callable[[Trace], Any], *,
              terminal: Callable[[str], bool] = lambda event: True,
              hold_after: tuple[str, ...] = (), keep_solution: bool = False) -> Trace:
    """Integrate ``steps`` one after the other on ``built`` (a pure function of its inputs).

    Parameters
    ----------
    built : the model from :func:`build`.
    steps : the protocol; may be a generator that looks at the trace so far.
    points_per_step : output points per step (``t_interp``), besides its ends.
    partial : makes a CellTest of a trace; a solver failure raises
        :class:`~tfalab.errors.SimulationError` with ``partial(trace)`` as ``.partial``.
    terminal : whether a model event ends the run (otherwise it ends only its step, e.g. a
        full cell's voltage cut-off).
    hold_after : events after which the cell's state is held to the end of the step (a
        shorted cell that the cycler keeps driving).
    keep_solution : also keep the whole run as one ``pybamm.Solution`` (``Trace.solution``;
        memory grows with the run).

    Returns
    -------
    Trace, with ``termination`` "completed" or the terminal event's name. Ctrl-C or SIGTERM
    raises :class:`~tfalab.errors.Interrupted` (a KeyboardInterrupt) whose ``partial`` is the
    trace so far, with termination "interrupted".
    """
    trace = Trace(built)
    prev = None
    level = pybamm.logger.level
    pybamm.logger.setLevel("ERROR")
    try:
        _integrate(built, steps, points_per_step, partial, terminal, hold_after, keep_solution,
                   trace, prev)
    except Exception:
        if not stop_requested():
            raise
        interrupted = True  # an interrupt that compiled code turned into its own error
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: hand on what was integrated
        interrupted = True
    else:
        interrupted = False
    finally:
        pybamm.logger.setLevel(level)
    if interrupted:
        n = min(len(trace.ts), len(trace.ys), len(trace.us), len(trace.labels))
        del trace.ts[n:], trace.ys[n:], trace.us[n:], trace.labels[n:]
        trace.termination = "interrupted"
        raise Interrupted(trace) from None
    return trace


#: called with the simulated time (s) at the end of each step (:func:`progress_to`)
_PROGRESS: ContextVar[Callable[[float], None] | None] = ContextVar("tfalab_progress",
                                                                   default=None)


@contextmanager
def progress_to(callback: Callable[[float], None]) -> Iterator[None]:
    """Report the simulated time (s) to ``callback`` after every protocol step of any
    simulation run inside the ``with`` block (a progress bar, a web page).

    >>> from tfalab.cell import simulate_symmetric
    >>> seen = []
    >>> with progress_to(seen.append):
    ...     _ = simulate_symmetric("tfa", "cycle 1 mA/cm2 1 mAh/cm2 for 4 h")
    >>> len(seen), round(seen[-1] / 3600)
    (4, 4)
    """
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def _integrate(built: Built, steps: Iterable[Step], points_per_step: int,
               partial: Callable[[Trace], Any], terminal: Callable[[str], bool],
               hold_after: tuple[str, ...], keep_solution: bool, trace: Trace,
               prev: Any) -> None:
    """The step loop of :func:`run_steps` (fills ``trace``)."""
    progress = _PROGRESS.get()
    for step in steps:
        if stop_requested():
            raise KeyboardInterrupt
        dt = float(step.duration)
        t_interp = np.linspace(0.0, dt, points_per_step + 1)
        try:
            sol = built.solver.step(prev, built.model, dt, t_eval=[0.0, dt],
                                    t_interp=t_interp, inputs=step.inputs,
                                    save=keep_solution)
        except (pybamm.SolverError, ValueError, ArithmeticError) as exc:
            event = _event_at_start(exc)
            if event and trace and terminal(event):
                trace.termination = event  # the new step puts the cell past a limit at once
                break
            current = step.inputs.get("Current function [A]", float("nan"))
            raise SimulationError(
                f"solve failed in protocol step {step.index} (cycle {step.cycle}, "
                f"{current * 1e3:.4g} mA for {dt / 3600:.3g} h): {type(exc).__name__}: "
                f"{exc}; the part simulated so far is in .partial",
                partial(trace) if trace else None) from exc
        last = sol.sub_solutions[-1] if keep_solution else sol
        t_k = np.asarray(last.t, dtype=float)
        y_k = np.asarray(last.all_ys[-1] if len(last.all_ys) == 1
                         else np.concatenate(last.all_ys, axis=1))
        trace.add(t_k, y_k, step)
        prev = sol
        if keep_solution:
            trace.solution = sol
        event = _event(last)
        trace.steps.append((step.index, step.cycle, float(t_k[0]), float(t_k[-1]), event))
        if progress is not None:
            progress(float(t_k[-1]))
        if event and terminal(event):
            trace.termination = event
            if event in hold_after and t_k[-1] < t_k[0] + dt:
                rest = np.linspace(t_k[-1], t_k[0] + dt, points_per_step + 1)[1:]
                trace.add(rest, np.repeat(y_k[:, -1:], len(rest), axis=1), step)
            break


def held(built: Built, step: Step, points_per_step: int, termination: str) -> Trace:
    """A trace of the initial state held over ``step`` (a cell that cannot run at all, e.g.
    shorted at assembly), ending with ``termination``."""
    trace = Trace(built, termination=termination)
    t = np.linspace(0.0, float(step.duration), points_per_step + 1)
    y0 = np.asarray(built.model.concatenated_initial_conditions.evaluate(
        0, None, inputs=step.inputs)).reshape(-1, 1)
    trace.add(t, np.repeat(y0, len(t), axis=1), step)
    trace.steps.append((step.index, step.cycle, 0.0, float(t[-1]), termination))
    return trace


def iter_steps(pairs: Iterable[tuple[dict[str, float], float]]) -> Iterator[Step]:
    """Steps numbered from 0 from ``(inputs, duration)`` pairs."""
    for k, (inputs, duration) in enumerate(pairs):
        yield Step(inputs, duration, k)
