"""Write the reproduction report: claims.json, claims.csv and index.html (figures inline)."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tfalab.parameters import all_fitted

STATUSES = ("pass", "miss", "not covered")


@dataclass
class ResultRow:
    """The outcome of one check of one claim (one row of claims.json)."""

    id: str
    check: str
    status: str
    role: str
    paper_value: Any
    value: float | None
    unit: str
    tolerance: str
    note: str
    statement: str
    module: str
    issue: int | None
    figures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_data(rows: Sequence[ResultRow], out: Path) -> None:
    """claims.json and claims.csv (rewritten after every claim so a failed run keeps them)."""
    out.mkdir(parents=True, exist_ok=True)
    records = [asdict(r) for r in rows]
    _atomic_write(out / "claims.json", json.dumps(records, indent=2, ensure_ascii=False))
    frame = pd.DataFrame(records)
    if not frame.empty:
        frame["figures"] = frame["figures"].map(";".join)
    _atomic_write(out / "claims.csv", frame.to_csv(index=False))


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return "–".join(_fmt(x) for x in v)
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1e-3 or abs(v) >= 1e5 else f"{v:.4g}"
    return html.escape(str(v))


def summary_counts(rows: Sequence[ResultRow]) -> dict[str, dict[str, int]]:
    """Counts by role and status."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r.role, {s: 0 for s in STATUSES})[r.status] += 1
    return out


def _beyond(table: Any) -> str:
    """HTML of the literature suite (other laboratories' cells)."""
    if table is None or len(table) == 0:
        return ""
    colour = {True: "#c8efc8", False: "#f6c6c6"}
    body = "".join(
        f"<tr style='background:{colour[bool(r.passed)]}'><td>{html.escape(r.id)}</td>"
        f"<td>{html.escape(r.laboratory)}</td><td>{html.escape(r.role)}</td>"
        f"<td>{html.escape(r.kind)}</td><td>{html.escape(r.pressure)}, "
        f"{html.escape(r.temperature)}; {html.escape(r.protocol)}</td>"
        f"<td>{r.observed:.3g} {html.escape(r.bound)}</td><td>{r.model:.3g}</td>"
        f"<td>{html.escape(r.unit)}</td><td>{html.escape(r.tolerance)}</td>"
        f"<td><b>{'pass' if r.passed else 'miss'}</b></td><td>{html.escape(r.detail)}</td>"
        f"<td>doi:{html.escape(r.doi)}</td></tr>" for r in table.itertuples())
    pred = table[table.role == "prediction"]
    return (f"<h2>Beyond the paper: other laboratories' Li|Li6PS5Cl|Li cells</h2>"
            f"<p>Each laboratory's cells are simulated with its own cell build "
            f"(<code>tfalab builds</code>); materials are shared. Predictions within "
            f"tolerance: {int(pred.passed.sum())} of {len(pred)}. Rows with role "
            f"'calibration' were used to fit that laboratory's build "
            f"(<code>tfalab validate</code> runs this alone).</p><table><tr><th>id</th>"
            f"<th>laboratory</th><th>role</th><th>kind</th><th>conditions</th>"
            f"<th>measured</th><th>tfalab</th><th>unit</th><th>tolerance</th>"
            f"<th>status</th><th>model run</th><th>source</th></tr>{body}</table>"
            f"<figure><img src='figures/literature.png' style='max-width:900px'></figure>")


def write_html(rows: Sequence[ResultRow], out: Path, version: str,
               beyond: Any = None) -> Path:
    """index.html: claims table (calibration and predictions apart), fitted parameters, figures."""
    colour = {"pass": "#c8efc8", "miss": "#f6c6c6", "not covered": "#e8e8e8"}

    def table(role: str) -> str:
        body = []
        for r in rows:
            if r.role != role:
                continue
            body.append(
                f"<tr style='background:{colour[r.status]}'><td>{r.id}</td>"
                f"<td title='{html.escape(r.statement)}'>{html.escape(r.check)}</td>"
                f"<td>{_fmt(r.paper_value)}</td><td>{_fmt(r.value)}</td>"
                f"<td>{html.escape(r.unit)}</td><td>{html.escape(r.tolerance)}</td>"
                f"<td><b>{r.status}</b></td><td>{html.escape(r.module)}</td>"
                f"<td>{html.escape(r.note)}</td></tr>")
        head = ("<tr><th>claim</th><th>check</th><th>paper</th><th>tfalab</th><th>unit</th>"
                "<th>tolerance</th><th>status</th><th>module</th><th>note</th></tr>")
        return f"<table>{head}{''.join(body)}</table>"

    counts = summary_counts(rows)
    count_text = "; ".join(f"{role}: " + ", ".join(f"{n} {s}" for s, n in c.items())
                           for role, c in counts.items())
    fitted = "".join(
        f"<tr><td>{html.escape(p.name)}</td><td>{p.value:g} {html.escape(p.unit)}</td>"
        f"<td>{html.escape(', '.join(p.fitted_to))}</td><td>{html.escape(p.data)}</td>"
        f"<td><code>{html.escape(p.method)}</code></td></tr>" for p in all_fitted())
    statements = "".join(
        f"<tr><td>{cid}</td><td>{html.escape(st)}</td></tr>"
        for cid, st in dict.fromkeys((r.id, r.statement) for r in rows))
    figures = "".join(
        f"<figure><img src='{html.escape(f)}' style='max-width:900px'>"
        f"<figcaption>{html.escape(f)}</figcaption></figure>"
        for f in dict.fromkeys(f for r in rows for f in r.figures))
    page = f"""<!doctype html><html><head><meta charset='utf-8'>
<title>tfalab reproduction report</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #aaa;padding:3px 6px;vertical-align:top}}</style></head><body>
<h1>tfalab {html.escape(version)}: reproduction of Zhang et al., Adv. Mater. 2025</h1>
<p>Seed paper: doi:10.1002/adma.202506298. {html.escape(count_text)}.
Values are computed by tfalab; paper values come from the claims catalogue.</p>
<h2>Calibration (checks that fitted parameters were fitted to)</h2>{table('calibration')}
<h2>Predictions</h2>{table('prediction')}
<h2>Method checks (an analysis recovers what synthetic data were made with)</h2>{table('method')}
<h2>Fitted parameters</h2><table><tr><th>parameter</th><th>value</th><th>fitted to</th>
<th>data</th><th>method</th></tr>{fitted}</table>
{_beyond(beyond)}
<h2>Figures</h2>{figures or '<p>none</p>'}
<h2>Claims</h2><table>{statements}</table>
</body></html>"""
    path = out / "index.html"
    _atomic_write(path, page)
    return path
