"""The ``tfalab`` command: ``tfalab design``, ``tfalab reproduce``, ``tfalab --version``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from tfalab import __version__
from tfalab.errors import TfalabError


def _table(title: str, data: dict) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in data.items():
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    return table


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tfalab")
def cli() -> None:
    """tfalab: virtual laboratory for Li-metal and topology-fortified anodes."""


@cli.command()
@click.option("--anode", type=click.Choice(["tfa", "li"]), default="tfa", show_default=True,
              help="Skeleton-hosted anode or bare Li.")
@click.option("--skeleton", default="LiBx", show_default=True, help="Skeleton phase.")
@click.option("--free-li", default="60 wt%", show_default=True, help="Free-Li mass fraction.")
@click.option("--thickness", default="100 um", show_default=True, help="Anode thickness.")
@click.option("--porosity", default="6.6 %", show_default=True, help="Initial porosity.")
@click.option("--strip", "strip", default=None,
              help="Also show the state after stripping this areal capacity, e.g. '5 mAh/cm2'.")
@click.option("--cathode", type=click.Choice(["fes2", "ncm"]), default=None,
              help="Add a full-cell design with this cathode.")
@click.option("--loading", default=None,
              help="Cathode loading: active mass ('2.17 mg/cm2') or capacity ('4 mAh/cm2').")
@click.option("--stack", type=click.Choice(["paper", "thin"]), default="paper",
              show_default=True, help="Stack preset for the full-cell design.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def design(anode: str, skeleton: str, free_li: str, thickness: str, porosity: str,
           strip: str | None, cathode: str | None, loading: str | None, stack: str,
           as_json: bool) -> None:
    """Anode (and optional full-cell) design tables.

    Example: tfalab design --thickness "100 um" --strip "5 mAh/cm2" --cathode fes2
    --loading "2.17 mg/cm2"
    """
    from tfalab.anode import CompositeAnode
    from tfalab.design import anode_summary, make_stack

    an = CompositeAnode.bare_li(thickness) if anode == "li" else CompositeAnode(
        skeleton=skeleton, free_li=free_li, thickness=thickness, porosity=porosity)
    result: dict[str, dict] = {"anode": anode_summary(an)}
    if strip:
        s = an.strip(strip)
        result["after stripping"] = {
            "stripped": strip, "utilisation / %": 100 * s.utilisation,
            "porosity / %": 100 * s.porosity, "thickness / um": 1e6 * s.thickness,
            "thickness change / um": 1e6 * (an.thickness - s.thickness)}
    if cathode:
        default = {"fes2": "2.17 mg/cm2", "ncm": "2 mAh/cm2"}[cathode]
        cell = make_stack(stack, cathode=cathode, loading=loading or default, anode=an)
        result["cell"] = cell.summary() | {"stack preset": stack}
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    console = Console()
    for title, data in result.items():
        console.print(_table(title, data))


@cli.command()
@click.option("--out", default="report", show_default=True, type=click.Path(file_okay=False),
              help="Report folder.")
@click.option("--only", default=None, help="Comma-separated subset of claims, e.g. C1,C4.")
def reproduce(out: str, only: str | None) -> None:
    """Reproduce the seed paper's claims; write index.html, claims.csv/json and figures.

    Exits 0 when it ran, whatever the misses.
    """
    from tfalab.validation.report import summary_counts
    from tfalab.validation.runner import reproduce as run
    from tfalab.validation.runner import select_claims

    subset = only.split(",") if only else None
    n = len(select_claims(subset))
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]reproduce"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task("", total=n)
        rows = run(out, subset, progress=lambda cid: bar.update(task, advance=1,
                                                                 description=cid))
    table = Table(title=f"tfalab {__version__}: claims of Zhang et al. 2025")
    for col in ("claim", "check", "role", "paper", "tfalab", "unit", "tol.", "status"):
        table.add_column(col)
    style = {"pass": "green", "miss": "red", "not covered": "dim"}
    for r in rows:
        value = "—" if r.value is None else f"{r.value:.4g}"
        table.add_row(r.id, r.check, r.role, str(r.paper_value), value, r.unit, r.tolerance,
                      f"[{style[r.status]}]{r.status}[/]")
    out_console = Console()
    out_console.print(table)
    for role, counts in summary_counts(rows).items():
        out_console.print(f"{role}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    out_console.print(f"report: {Path(out) / 'index.html'}")


def main() -> None:
    """Entry point: tfalab errors become a one-line message and exit code 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TfalabError as exc:
        click.echo(f"tfalab: error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
