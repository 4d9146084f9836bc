"""Run a sweep on Dask: a ``dask.distributed`` LocalCluster on this machine's cores by default,
or any Dask cluster (``scheduler="tcp://host:8786"``, e.g. one started by dask-jobqueue on
SLURM or PBS: ``docs/scaling.md``).

Each point is a task (:func:`tfalab.sweep.points.evaluate_point`, a pure function of the point);
finished points are written to the store as they arrive (:class:`~tfalab.sweep.store.Store`),
so a sweep killed at any moment resumes with no finished point lost or repeated. A point whose
model fails is a row with its error; a worker that dies has its tasks rerun elsewhere (Dask's
``allowed-failures``; ``retries`` reruns a task that raised). A console progress bar (tqdm)
counts points, and the Dask dashboard's address is printed.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tfalab.stop import Stoppable, stop_workers
from tfalab.sweep.points import evaluate_point
from tfalab.sweep.spec import SweepSpec, point_key
from tfalab.sweep.store import Store

#: Dask retries of a task that raised
DEFAULT_RETRIES = 2
#: merge the per-point files into a Parquet part after this many points (long runs)
COMPACT_EVERY = 5000


@dataclass
class SweepRun:
    """What a sweep did: the store's table and counts."""

    results: pd.DataFrame
    directory: Path
    n_points: int
    n_done_before: int
    n_computed: int
    n_errors: int
    seconds: float
    dashboard: str | None = None


def make_client(scheduler: str | None, workers: int | None) -> Any:
    """A Dask client: of the scheduler at ``scheduler``, or of a new LocalCluster with
    ``workers`` single-threaded worker processes (default: one per core)."""
    from dask.distributed import Client, LocalCluster

    from tfalab.errors import ParameterError

    if scheduler is not None:
        if not str(scheduler).strip():
            raise ParameterError("scheduler '': give a Dask scheduler address such as "
                                 "'tcp://host:8786', or leave it out for a local cluster")
        try:
            return Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ParameterError(f"cannot reach the Dask scheduler {scheduler!r}: "
                                 f"{type(exc).__name__}: {exc}") from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=40)
    return Client(cluster)


def _evaluate(point: dict[str, Any], kind: str, timeout: float | None) -> dict[str, Any]:
    """The task: one point; with a timeout the row says so if the point runs longer."""
    if timeout is None:
        return evaluate_point(point, kind)
    import concurrent.futures as cf

    pool = cf.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(evaluate_point, point, kind).result(timeout=timeout)
    except cf.TimeoutError:
        return {"key": point_key(point, kind), "kind": kind,
                "error": f"TimeoutError: the point took longer than {timeout:g} s",
                "termination": None, **{f"in_{k}": str(v) for k, v in point.items()}}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def run_sweep(spec: SweepSpec | dict[str, Any] | str | Path, out: str | Path, *,
              scheduler: str | None = None, workers: int | None = None,
              progress: bool | None = None, retries: int = DEFAULT_RETRIES,
              client: Any = None,
              on_row: Callable[[dict[str, Any]], None] | None = None) -> SweepRun:
    """Evaluate every point of ``spec`` not yet in ``out``'s store; return the whole table.

    Parameters
    ----------
    spec : a :class:`SweepSpec`, its dict, or a TOML file.
    out : the sweep's directory (``out/results.parquet`` is the store; ``out/spec.toml``
        records the spec).
    scheduler : address of an existing Dask scheduler (default: a LocalCluster).
    workers : LocalCluster worker processes (default: the number of cores). ``workers=0``
        evaluates in this process without Dask (debugging, tiny sweeps).
    progress : show a progress bar (default: when stderr is a terminal).
    retries : Dask retries of a task that raised (points catch model errors themselves).
    client : an existing ``dask.distributed.Client`` to use (overrides scheduler/workers).
    on_row : called with each finished row (e.g. a live plot).

    Examples
    --------
    >>> import tempfile
    >>> spec = {"sweep": {"kind": "design"},
    ...         "axes": {"free_li": ["50 wt%", "60 wt%", "70 wt%"]}}
    >>> run = run_sweep(spec, tempfile.mkdtemp(), workers=0, progress=False)
    >>> run.n_computed, round(run.results["specific_energy_Wh_kg"].max())
    (3, 320)
    """
    start = time.perf_counter()
    if scheduler is not None and not str(scheduler).strip():
        from tfalab.errors import ParameterError

        raise ParameterError("scheduler '': give a Dask scheduler address such as "
                             "'tcp://host:8786', or leave it out for a local cluster")
    if isinstance(spec, str | Path):
        spec = SweepSpec.read(spec)
    elif isinstance(spec, dict):
        spec = SweepSpec.from_dict(spec)
    store = Store(out)
    _record_spec(spec, store.directory)
    points = spec.points()
    keys = [point_key(p, spec.kind) for p in points]
    done = store.keys()
    todo = [(k, p) for k, p in zip(keys, points, strict=True) if k not in done]
    todo = list(dict((k, p) for k, p in todo).items())  # a point listed twice runs once
    n_before = len(set(keys) & done)
    show = sys.stderr.isatty() if progress is None else progress
    dashboard = None
    n_errors = 0

    n_written = 0

    def finished(row: dict[str, Any]) -> None:
        nonlocal n_errors, n_written
        store.write_row(row)
        n_written += 1
        if n_written % COMPACT_EVERY == 0:
            store.compact(full=False)
        n_errors += row.get("error") is not None
        if on_row is not None:
            on_row(row)

    try:
        if todo and (workers == 0 and client is None and scheduler is None):
            for _k, p in _progress(todo, show, len(todo)):
                finished(_evaluate(p, spec.kind, spec.timeout))
        elif todo:
            own = client is None
            client = client if client is not None else make_client(scheduler, workers)
            dashboard = getattr(client, "dashboard_link", None)
            if show and dashboard:
                print(f"Dask dashboard: {dashboard}", file=sys.stderr)
            try:
                _run_dask(client, todo, spec, retries, show, finished)
            except KeyboardInterrupt:
                if own:  # our own workers: their step loops stop at their next step
                    stop_workers(client)
                raise
            finally:
                if own:
                    client.close()
                    cluster = getattr(client, "cluster", None)
                    if cluster is not None:
                        cluster.close()
    finally:
        store.compact()  # also after an interrupt: nothing finished is lost
    results = store.read()
    order = {k: n for n, k in enumerate(dict.fromkeys(keys))}
    mine = results[results["key"].isin(order)].copy()
    mine = mine.sort_values("key", key=lambda s: s.map(order)).reset_index(drop=True)
    return SweepRun(mine, store.directory, len(set(keys)), n_before, len(todo), n_errors,
                    time.perf_counter() - start, dashboard)


def _run_dask(client: Any, todo: list[tuple[str, dict[str, Any]]], spec: SweepSpec,
              retries: int, show: bool, finished: Callable[[dict[str, Any]], None]) -> None:
    from dask.distributed import as_completed

    futures = [client.submit(Stoppable(_evaluate), p, spec.kind, spec.timeout, key=f"point-{k}",
                             retries=retries, pure=False) for k, p in todo]
    try:
        for fut in _progress(as_completed(futures), show, len(futures)):
            try:
                row = fut.result()
            except Exception as exc:  # the task itself failed after its retries
                k = fut.key.removeprefix("point-") if isinstance(fut.key, str) else str(fut.key)
                point = dict(todo)[k]
                row = {"key": k, "kind": spec.kind, "error": f"{type(exc).__name__}: {exc}",
                       "termination": None, **{f"in_{n}": str(v) for n, v in point.items()}}
            finished(row)
    finally:
        for fut in futures:
            fut.cancel()


def _progress(items: Iterable[Any], show: bool, total: int) -> Iterable[Any]:
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, unit="point", file=sys.stderr, smoothing=0.1)


def _record_spec(spec: SweepSpec, directory: Path) -> None:
    """Write ``spec.toml`` beside the store (a numbered copy when a different spec was run in
    the same directory before, so no earlier record is overwritten)."""
    text = spec_toml(spec.to_dict())
    path = directory / "spec.toml"
    if path.exists() and path.read_text() != text:
        k = 1
        while (directory / f"spec-{k}.toml").exists():
            if (directory / f"spec-{k}.toml").read_text() == text:
                return
            k += 1
        path = directory / f"spec-{k}.toml"
    elif path.exists():
        return
    path.write_text(text)


def spec_toml(d: dict[str, Any]) -> str:
    """A spec dict written as TOML text (what :func:`run_sweep` records as ``spec.toml``)."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float) and not isinstance(v, bool):
            return repr(v) if math.isfinite(v) else f'"{v}"'
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = []
    for section, content in d.items():
        if section == "points":
            for p in content:
                lines += ["[[points]]", *(f"{k} = {value(v)}" for k, v in p.items()), ""]
            continue
        lines.append(f"[{section}]")
        lines += [f"{k} = {value(v)}" for k, v in content.items()]
        lines.append("")
    return "\n".join(lines)
