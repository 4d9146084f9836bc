"""``tfalab reproduce``: run every claim some module answers and write the report.

Serial (``workers=1``, the default of :func:`reproduce`): the claims run one after another in
this process. Parallel (``workers`` > 1 or ``scheduler``): the claims and the literature suite
are tasks on ``dask.distributed`` (a ``LocalCluster`` of ``workers`` single-threaded
processes, or the cluster of a running scheduler), largest first; the results are put back in
catalogue order, so the report is the one the serial run writes (``docs/claims.md``, "Parallel
runs"). A task is a pure function of claim ids and the report folder: it returns the claim's
rows and writes only its figures (under ``out/figures``).
"""

from __future__ import annotations

import logging
import math
import os
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tfalab import __version__
from tfalab.errors import ClaimError
from tfalab.paper.catalogue import Check, Claim, load_catalogue
from tfalab.paper.registry import Context, answerers
from tfalab.paper.report import ResultRow, write_data, write_html
from tfalab.stop import Stoppable, stop_workers
from tfalab.units import check_unit

#: Claims that share cached work (a cache lives in one process) or write the same figure file
#: (two processes must not write one file) run together, in catalogue order, in one task.
TOGETHER: tuple[tuple[str, ...], ...] = (
    ("C1", "C2", "C3"),  # anode_capacity_vs_free_li.png
    ("C4", "C5"),  # paper_cycle volumes; strip/plate and voxel figures
    ("C8", "C10", "C11"),  # ccd_table, mechanical short pressures; fig4a_ccd_vs_pressure.png
)
#: Rough seconds per claim on one core: only the order in which tasks start (largest first,
#: so that no long task starts last). Claims not listed count 1 s.
COST: dict[str, float] = {
    "C4": 2, "C5": 16, "C6": 9, "C8": 3, "C13": 2, "C14": 2, "C15": 4, "C21": 1.5,
    "C23": 8, "C24": 12, "C25": 1.5, "C26": 17,
}
#: literature measurements per task (those of one laboratory are mostly adjacent), and the
#: rough seconds of such a task
LITERATURE_CHUNK, LITERATURE_COST = 4, 1.5


def default_workers() -> int:
    """The cores this process may use (``tfalab reproduce``'s default ``--workers``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def select_claims(only: Iterable[str] | None = None) -> list[Claim]:
    """Claims to run, C1…C26 or the subset ``only`` (e.g. ``["C1", "C4"]``)."""
    catalogue = load_catalogue()
    if not only:
        return list(catalogue.values())
    wanted = [c.strip().upper() for c in only if c.strip()]
    unknown = [c for c in wanted if c not in catalogue]
    if unknown:
        raise ClaimError(f"unknown claim id(s) {unknown}; known: C1–C{len(catalogue)}")
    return [catalogue[c] for c in wanted]


def _row(claim: Claim, check: Check, status: str, value: float | None = None, note: str = "",
         figures: Iterable[str] = ()) -> ResultRow:
    return ResultRow(id=claim.id, check=check.name, status=status, role=check.role,
                     paper_value=check.paper_value, value=value, unit=check.unit,
                     tolerance=check.tolerance.describe(check.unit), note=note,
                     statement=claim.statement, module=claim.module, issue=claim.issue,
                     figures=list(figures))


def _error_rows(claim: Claim, note: str) -> list[ResultRow]:
    return [_row(claim, c, "miss", note=note) for c in claim.checks]


def run_claim(claim: Claim, ctx: Context) -> list[ResultRow]:
    """Evaluate one claim: one row per check (pass / miss / not covered)."""
    answerer = answerers().get(claim.id)
    if answerer is None:
        note = f"not yet covered ({claim.module}, issue #{claim.issue})"
        return [_row(claim, c, "not covered", note=note) for c in claim.checks]
    try:
        answer = answerer(ctx)
    except Exception as exc:  # a failing claim is reported, the run goes on
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return _error_rows(claim, f"error: {type(exc).__name__}: {exc} "
                                  f"({Path(where.filename).name}:{where.lineno})")
    unknown = set(answer.values) - {c.name for c in claim.checks}
    if unknown:
        raise ClaimError(f"{claim.id}: answer has values for unknown checks {sorted(unknown)}")
    figures = [str(Path(f).relative_to(ctx.out)) for f in answer.figures]
    rows = []
    for check in claim.checks:
        if check.name not in answer.values:
            rows.append(_row(claim, check, "not covered",
                             note=answer.notes.get(check.name, "not yet covered"),
                             figures=figures))
            continue
        value = float(answer.values[check.name])
        status = "pass" if check.tolerance.passes(value, check.paper_value) else "miss"
        rows.append(_row(claim, check, status, value, answer.notes.get(check.name, ""),
                         figures))
    return rows


def reproduce(out: str | Path = "report", only: Iterable[str] | None = None,
              progress: Callable[[str], None] | None = None,
              literature: bool | None = None, workers: int | None = None,
              scheduler: str | None = None) -> list[ResultRow]:
    """Run the claims and write ``out/{claims.json, claims.csv, index.html, figures/}``.

    ``literature`` (default: when all claims run) adds the literature validation suite as a
    "Beyond the paper" section (``out/literature.csv``).

    ``workers`` (default 1): 1 (or 0) runs everything in this process, one claim after
    another; more runs the claims and the literature suite as tasks on a ``dask.distributed``
    LocalCluster of that many worker processes (fewer when there are fewer tasks);
    ``scheduler``: the address of a running Dask scheduler to use instead (its workers need
    tfalab and must see ``out``). The rows, their order and the files are the serial run's.
    ``progress`` is called with each claim id as it finishes, then with
    ``"literature suite"``.

    claims.json and claims.csv are rewritten after every claim (every task when parallel),
    so an interrupted run keeps what it finished. A task that fails (a worker that dies) is
    reported as a miss of each of its claims with the error.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    claims = select_claims(only)
    for claim in claims:  # fail early on a malformed catalogue unit
        for check in claim.checks:
            if check.unit:
                check_unit(check.unit)
    with_literature = literature if literature is not None else only is None
    units = _units(claims)
    n = 1 if workers is None else max(int(workers), 1)
    if scheduler is None and min(n, len(units) + with_literature) <= 1:
        return _reproduce_serial(out, claims, progress, with_literature)
    return _reproduce_dask(out, claims, units, progress, with_literature, n, scheduler)


def _reproduce_serial(out: Path, claims: list[Claim], progress: Callable[[str], None] | None,
                      literature: bool) -> list[ResultRow]:
    ctx = Context(out)
    rows: list[ResultRow] = []
    for claim in claims:
        rows.extend(run_claim(claim, ctx))
        write_data(rows, out)
        if progress:
            progress(claim.id)
    beyond = beyond_the_paper(out, progress) if literature else None
    write_html(rows, out, __version__, beyond)
    return rows


def _units(claims: list[Claim]) -> list[tuple[str, ...]]:
    """Claim ids grouped into tasks (:data:`TOGETHER`), each in the order of ``claims``."""
    ids = [c.id for c in claims]
    units: list[tuple[str, ...]] = []
    done: set[str] = set()
    for cid in ids:
        if cid in done:
            continue
        group = next((g for g in TOGETHER if cid in g), (cid,))
        unit = tuple(c for c in ids if c in group)
        done.update(unit)
        units.append(unit)
    return units


def _cost(unit: tuple[str, ...]) -> float:
    return sum(COST.get(c, 1.0) for c in unit)


def run_unit(ids: tuple[str, ...], out: str) -> list[tuple[str, list[ResultRow]]]:
    """A task: the claims ``ids`` in this process (a Dask worker), their figures in ``out``;
    ``[(claim id, rows)]``. A claim's own error is in its rows (:func:`run_claim`)."""
    catalogue = load_catalogue()
    ctx = Context(Path(out))
    return [(cid, run_claim(catalogue[cid], ctx)) for cid in ids]


def literature_rows(indices: tuple[int, ...]) -> list[dict[str, Any]]:
    """A task: rows of the literature measurements ``indices`` (of the shipped file), as
    :func:`tfalab.literature.suite.run_suite` makes them; a measurement whose evaluation
    raises is a failed row with the error."""
    from tfalab.literature.evaluate import Evaluation, evaluate
    from tfalab.literature.measurements import load_measurements

    ms = load_measurements()
    rows = []
    for i in indices:
        try:
            rows.append(evaluate(ms[i]).row())
        except Exception as exc:  # reported in the row, the suite goes on
            rows.append(Evaluation(ms[i], math.nan, False,
                                   f"error: {type(exc).__name__}: {exc}").row())
    return rows


def _client(scheduler: str | None, workers: int) -> tuple[Any, Any]:
    import dask
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    # one task per worker at a time: the next one is picked, largest first, when it is free
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _reproduce_dask(out: Path, claims: list[Claim], units: list[tuple[str, ...]],
                    progress: Callable[[str], None] | None, literature: bool, workers: int,
                    scheduler: str | None) -> list[ResultRow]:
    import dask
    from dask import delayed
    from dask.distributed import as_completed

    from tfalab.literature.measurements import load_measurements

    by_id = {c.id: c for c in claims}
    done: dict[str, list[ResultRow]] = {}
    lit_chunks: list[tuple[int, ...]] = []
    if literature:
        n_lit = len(load_measurements())
        lit_chunks = [tuple(range(i, min(i + LITERATURE_CHUNK, n_lit)))
                      for i in range(0, n_lit, LITERATURE_CHUNK)]
    lit_done: dict[int, list[dict[str, Any]]] = {}
    claim_error: ClaimError | None = None
    # one graph (so that Dask sees the tasks together and queues them), largest first
    tasks: list[tuple[tuple[str, Any], Any]] = []
    folder = str(out.resolve())
    for unit in sorted(units, key=_cost, reverse=True):
        with dask.annotate(priority=round(10 * _cost(unit))):
            tasks.append((("claims", unit), delayed(Stoppable(run_unit), pure=False)(
                unit, folder, dask_key_name=f"claims-{'-'.join(unit)}")))
    for k, chunk in enumerate(lit_chunks):
        with dask.annotate(priority=round(10 * LITERATURE_COST)):
            tasks.append((("literature", k), delayed(Stoppable(literature_rows), pure=False)(
                chunk, dask_key_name=f"literature-{k}")))
    n_tasks = len(tasks)
    client, cluster = _client(scheduler, min(workers, n_tasks))
    try:
        futures = dict(zip(client.compute([t for _, t in tasks], optimize_graph=False),
                           [w for w, _ in tasks], strict=True))
        for fut in as_completed(list(futures)):
            kind, what = futures[fut]
            try:
                result = fut.result()
            except ClaimError as exc:  # a malformed answer: raised once the rest is written
                claim_error = claim_error or exc
                result = None
            except Exception as exc:  # the task failed (e.g. its worker died)
                note = f"error: {type(exc).__name__}: {exc} (task {fut.key})"
                result = None
                if kind == "claims":
                    result = [(cid, _error_rows(by_id[cid], note)) for cid in what]
                else:
                    ms = load_measurements()
                    result = [_failed_literature_row(ms[i], note) for i in lit_chunks[what]]
            if kind == "literature":
                lit_done[what] = result or []
                continue
            for cid, rows in result or []:
                done[cid] = rows
            write_data(_in_order(claims, done), out)
            if progress:
                for cid in what:
                    progress(cid)
    except KeyboardInterrupt:
        if cluster is not None:  # our own workers: their step loops stop at the next step
            stop_workers(client)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if claim_error is not None:
        raise claim_error
    rows = _in_order(claims, done)
    beyond = None
    if literature:
        import pandas as pd

        table = pd.DataFrame([r for k in range(len(lit_chunks)) for r in lit_done[k]])
        beyond = _write_literature(table, out, progress)
    write_html(rows, out, __version__, beyond)
    return rows


def _failed_literature_row(m: Any, note: str) -> dict[str, Any]:
    from tfalab.literature.evaluate import Evaluation

    return Evaluation(m, math.nan, False, note).row()


def _in_order(claims: list[Claim], done: dict[str, list[ResultRow]]) -> list[ResultRow]:
    return [r for c in claims if c.id in done for r in done[c.id]]


def beyond_the_paper(out: Path, progress: Callable[[str], None] | None = None) -> Any:
    """The literature validation suite (other laboratories' cells, :mod:`tfalab.literature`)
    into ``out/literature.csv`` and ``out/figures/literature.png``; returns its table."""
    from tfalab.literature.suite import run_suite

    return _write_literature(run_suite(), out, progress)


def _write_literature(table: Any, out: Path,
                      progress: Callable[[str], None] | None = None) -> Any:
    from tfalab.literature.suite import figure

    table.to_csv(out / "literature.csv", index=False)
    (out / "figures").mkdir(exist_ok=True)
    figure(table, out / "figures" / "literature.png")
    if progress:
        progress("literature suite")
    return table
