"""``tfalab reproduce``: run every claim some module answers and write the report."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tfalab import __version__
from tfalab.errors import ClaimError
from tfalab.paper.catalogue import Claim, load_catalogue
from tfalab.paper.registry import Context, answerers
from tfalab.paper.report import ResultRow, write_data, write_html
from tfalab.units import check_unit


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


def run_claim(claim: Claim, ctx: Context) -> list[ResultRow]:
    """Evaluate one claim: one row per check (pass / miss / not covered)."""
    answerer = answerers().get(claim.id)

    def row(check, status, value=None, note="", figures=()):
        return ResultRow(id=claim.id, check=check.name, status=status, role=check.role,
                         paper_value=check.paper_value, value=value, unit=check.unit,
                         tolerance=check.tolerance.describe(check.unit), note=note,
                         statement=claim.statement, module=claim.module, issue=claim.issue,
                         figures=list(figures))

    if answerer is None:
        note = f"not yet covered ({claim.module}, issue #{claim.issue})"
        return [row(c, "not covered", note=note) for c in claim.checks]
    try:
        answer = answerer(ctx)
    except Exception as exc:  # a failing claim is reported, the run goes on
        where = traceback.extract_tb(exc.__traceback__)[-1]
        note = f"error: {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
        return [row(c, "miss", note=note) for c in claim.checks]
    unknown = set(answer.values) - {c.name for c in claim.checks}
    if unknown:
        raise ClaimError(f"{claim.id}: answer has values for unknown checks {sorted(unknown)}")
    figures = [str(Path(f).relative_to(ctx.out)) for f in answer.figures]
    rows = []
    for check in claim.checks:
        if check.name not in answer.values:
            rows.append(row(check, "not covered",
                            note=answer.notes.get(check.name, "not yet covered"),
                            figures=figures))
            continue
        value = float(answer.values[check.name])
        status = "pass" if check.tolerance.passes(value, check.paper_value) else "miss"
        rows.append(row(check, status, value, answer.notes.get(check.name, ""), figures))
    return rows


def reproduce(out: str | Path = "report", only: Iterable[str] | None = None,
              progress: Callable[[str], None] | None = None,
              literature: bool | None = None) -> list[ResultRow]:
    """Run the claims and write ``out/{claims.json, claims.csv, index.html, figures/}``.

    ``literature`` (default: when all claims run) adds the literature validation suite as a
    "Beyond the paper" section (``out/literature.csv``).

    claims.json and claims.csv are rewritten after every claim, so an interrupted run keeps
    what it finished.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    claims = select_claims(only)
    for claim in claims:  # fail early on a malformed catalogue unit
        for check in claim.checks:
            if check.unit:
                check_unit(check.unit)
    ctx = Context(out)
    rows: list[ResultRow] = []
    for claim in claims:
        rows.extend(run_claim(claim, ctx))
        write_data(rows, out)
        if progress:
            progress(claim.id)
    beyond = None
    if literature if literature is not None else only is None:
        beyond = beyond_the_paper(out, progress)
    write_html(rows, out, __version__, beyond)
    return rows


def beyond_the_paper(out: Path, progress: Callable[[str], None] | None = None) -> Any:
    """The literature validation suite (other laboratories' cells, :mod:`tfalab.literature`)
    into ``out/literature.csv`` and ``out/figures/literature.png``; returns its table."""
    from tfalab.literature.suite import figure, run_suite

    table = run_suite()
    table.to_csv(out / "literature.csv", index=False)
    (out / "figures").mkdir(exist_ok=True)
    figure(table, out / "figures" / "literature.png")
    if progress:
        progress("literature suite")
    return table
