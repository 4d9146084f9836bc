"""What the explorer computes in its child processes (:mod:`tfalab.explore.jobs`): each task
is a pure function of friendly keyword arguments that reports its progress in [0, 1] to
``report`` and returns plain data (CellTests, DataFrames) that pickle to the page.

Importing this module imports tfalab's cell models and PyBaMM; the jobs' fork server does it
once, so every job starts warm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from tfalab.cell.full_simulate import simulate_full
from tfalab.cell.simulate import simulate_symmetric
from tfalab.cell.stepping import progress_to
from tfalab.protocols import FullProtocol, make_protocol
from tfalab.sweep.points import evaluate_point

Report = Callable[[float], None]


def symmetric(
    report: Report,
    *,
    anode: Any,
    protocol: str,
    pressure: str,
    temperature: str,
    build: str | None = None,
) -> dict[str, Any]:
    """A symmetric-cell run: ``{"celltest", "termination", "kind"}``."""
    total = make_protocol(protocol).duration
    with progress_to(lambda t: report(t / total if total > 0 else 1.0)):
        res = simulate_symmetric(anode, protocol, pressure, temperature, build=build)
    return {"kind": "symmetric", "celltest": res.celltest, "termination": res.termination}


def full(
    report: Report,
    *,
    anode: Any,
    cathode: str,
    loading: str | None,
    protocol: str,
    pressure: str,
    temperature: str,
    build: str | None = None,
) -> dict[str, Any]:
    """A full-cell run: ``{"celltest", "cycles", "termination", "kind"}``; progress is the
    simulated time over the nominal time of the C-rates (cut-offs end half-cycles early)."""
    blocks = FullProtocol.parse(protocol).blocks
    nominal = sum(2 * n / c for c, n in blocks) * 3600.0
    with progress_to(lambda t: report(min(t / nominal, 0.99))):
        res = simulate_full(anode, cathode, loading, protocol, pressure, temperature, build=build)
    return {
        "kind": "full",
        "celltest": res.celltest,
        "cycles": res.cycles,
        "termination": res.termination,
    }


def grid(report: Report, *, points: list[dict[str, Any]], kind: str) -> pd.DataFrame:
    """Sweep points (:func:`tfalab.sweep.points.evaluate_point`) one after the other; a bad
    point is a row with its ``error``."""
    rows = []
    for k, point in enumerate(points):
        rows.append(evaluate_point(point, kind))
        report((k + 1) / len(points))
    return pd.DataFrame(rows)


def lab(
    report: Report, *, name: str, content: bytes, kind: str, area: str | None, limit: int
) -> Any:
    """Read and analyse an uploaded file (:func:`tfalab.explore.lab.read_upload`)."""
    from tfalab.explore.lab import read_upload

    return read_upload(name, content, kind, area, limit)


def partial_result(partial: Any) -> dict[str, Any] | None:
    """The part of an interrupted run that pickles to the page."""
    celltest = getattr(partial, "celltest", None)
    if celltest is None:
        return None
    return {
        "kind": getattr(celltest, "metadata", {}).get("cell", "symmetric"),
        "celltest": celltest,
        "termination": "interrupted",
        "cycles": getattr(partial, "cycles", None),
    }


TASKS: dict[str, Callable[..., Any]] = {
    "symmetric": symmetric,
    "full": full,
    "grid": grid,
    "lab": lab,
}
