"""The ``tfalab`` command: ``tfalab design``, ``tfalab reproduce``, ``tfalab --version``."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from tfalab import __version__
from tfalab.errors import Interrupted, ParameterError, SimulationError, TfalabError
from tfalab.outputs import atomic_write, output_paths


def _table(title: str, data: dict) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in data.items():
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    return table


class _Group(click.Group):
    """tfalab's command group: an empty or blank argument anywhere is refused (it would fall
    back to a default or to the current folder without a word)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for k, arg in enumerate(args):
            value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
            if not value.strip():
                after = f" after {args[k - 1]}" if k and not arg.startswith("--") else \
                    f" in {arg.split('=', 1)[0]}" if arg.startswith("--") else ""
                raise click.UsageError(f"an empty value{after}: give a value or leave the "
                                       "option out", ctx)
        return super().parse_args(ctx, args)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tfalab")
def cli() -> None:
    """tfalab: virtual laboratory for Li-metal and topology-fortified anodes."""


def _given_options() -> set[str]:
    """The current command's options that the user typed (not left at their defaults)."""
    ctx = click.get_current_context()
    return {name for name in ctx.params
            if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE}


def _flags(names: set[str]) -> str:
    return ", ".join(f"--{n.replace('_', '-')}" for n in sorted(names))


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

    given = _given_options()
    if anode == "li" and (ignored := given & {"skeleton", "free_li", "porosity"}):
        raise click.UsageError(f"{_flags(ignored)}: bare Li (--anode li) has no skeleton; "
                               "drop the option or use --anode tfa")
    if cathode is None and (ignored := given & {"loading", "stack"}):
        raise click.UsageError(f"{_flags(ignored)}: a full-cell option without a cathode; "
                               "add --cathode fes2 or --cathode ncm")
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
        if stack == "paper":
            from tfalab.paper.design import paper_cell

            cell = paper_cell(cathode=cathode, loading=loading or default, anode=an)
        else:
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
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes of a local Dask cluster (default: the number of cores; "
                   "1 or 0: one claim after another in this process, without Dask).")
@click.option("--scheduler", default=None,
              help="Address of a running Dask scheduler to use instead (its workers must see "
                   "--out).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
def reproduce(out: str, only: str | None, workers: int | None, scheduler: str | None,
              progress: bool | None) -> None:
    """Reproduce the seed paper's claims; write index.html, claims.csv/json and figures.

    Claims run in parallel on Dask (same report as --workers 1). Exits 0 when it ran,
    whatever the misses.
    """
    from tqdm import tqdm

    from tfalab.paper.report import summary_counts
    from tfalab.paper.runner import default_workers, select_claims
    from tfalab.paper.runner import reproduce as run

    subset = _names(only, "--only", "claim") if only is not None else None
    n = len(select_claims(subset)) + (subset is None)  # + the literature suite
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=n, desc="reproduce", unit="claim", file=sys.stderr,
              disable=not show) as bar:
        def step(cid: str) -> None:
            bar.set_postfix_str(cid, refresh=False)
            bar.update(1)

        with _signals():
            try:
                rows = run(out, subset, progress=step,
                           workers=default_workers() if workers is None else workers,
                           scheduler=scheduler)
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the finished claims are on disk
                click.echo(f"tfalab: interrupted; the claims finished so far are in "
                           f"{Path(out) / 'claims.json'} and claims.csv", err=True)
                sys.exit(130)
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


@cli.group()
def simulate() -> None:
    """Simulate cells: symmetric and full."""


def _names(text: str, option: str, what: str) -> list[str]:
    """A comma-separated list of names, none of them empty."""
    items = [x.strip() for x in text.split(",")]
    if not all(items):
        raise ParameterError(f"{option} {text!r}: an empty name; give a comma-separated list "
                             f"of {what} names")
    return items


_FORCE = click.option("--force", is_flag=True,
                      help="Replace output files that exist (never done without it).")


def _raise_interrupt(signum: int, frame: Any) -> None:
    """SIGINT/SIGTERM: stop every step loop (even if this KeyboardInterrupt lands in compiled
    code that swallows it) and raise KeyboardInterrupt."""
    from tfalab.stop import request_stop

    request_stop()
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    """SIGINT and SIGTERM go to :func:`_raise_interrupt` while the work runs."""
    previous = {sig: signal.signal(sig, _raise_interrupt)
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """SIGTERM behaves as Ctrl-C (SIGINT) while the work runs; an interrupt that escapes the
    work (nothing kept) ends the command with exit code 130."""
    with _signals():
        try:
            yield
        except KeyboardInterrupt:
            click.echo("tfalab: interrupted before anything could be written", err=True)
            sys.exit(130)
        except Exception:  # an interrupt that compiled code turned into an error of its own
            from tfalab.stop import stop_requested

            if not stop_requested():
                raise
            click.echo("tfalab: interrupted before anything could be written", err=True)
            sys.exit(130)


@contextlib.contextmanager
def _resumable(store: Path, what: str) -> Iterator[None]:
    """A sweep or study stores each finished point as it comes: an interrupt (Ctrl-C,
    SIGTERM) says where they are and that the same command resumes (exit code 130)."""
    with _signals():
        try:
            yield
        except KeyboardInterrupt:
            click.echo(f"tfalab: interrupted; the {what} finished so far are in {store} "
                       "(the same command resumes from them)", err=True)
            sys.exit(130)


def _keeping_partial(run: Any, parquet: Path) -> Any:
    """``run()`` a simulation; its partial CellTest is written to ``parquet`` on a solver
    failure, and an interrupted run comes back as its result (termination "interrupted")."""
    with _interruptible():
        try:
            return run()
        except SimulationError as exc:
            _save_partial(exc, parquet)
            raise
        except Interrupted as exc:
            if exc.partial is None:
                raise
            return exc.partial


def _interrupted(path: Path) -> None:
    click.echo(f"tfalab: interrupted; what was computed is in {path}", err=True)
    sys.exit(130)


def _save_partial(exc: TfalabError, path: Path) -> None:
    """Write a failed simulation's partial CellTest (termination "solver failure")."""
    partial = getattr(exc, "partial", None)
    if partial is None:
        return
    partial.metadata["termination"] = "solver failure"
    atomic_write(path, partial.save)
    click.echo(f"tfalab: the part simulated before the solver failed is in {path}", err=True)


_BUILD = click.option("--build", default="Generic", show_default=True,
                      help="Cell build: a named laboratory build (see 'tfalab builds') or a "
                           "build/parameter TOML file (e.g. from 'tfalab fit').")
_DENSITY = click.option("--relative-density", "relative_density", default=None,
                        help="Pellet relative density, e.g. '95 %' (default: the build's).")


@simulate.command("symmetric")
@click.option("--anode", default="tfa", show_default=True,
              help="Anode design: tfa, li (bare Li foil of the build) or an anode TOML file.")
@_BUILD
@_DENSITY
@click.option("--pressure", default="20 MPa", show_default=True, help="Stack pressure.")
@click.option("--temperature", default="80 degC", show_default=True, help="Temperature.")
@click.option("--protocol", default="cycle 0.5 mA/cm2 2 mAh/cm2 for 100 h", show_default=True,
              help="e.g. 'cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h', 'ccd', 'strip 0.5 mA/cm2'.")
@click.option("--points", default=20, show_default=True, type=click.IntRange(2, 10_000),
              help="Output points per step.")
@click.option("--out", default="symmetric", show_default=True,
              help="Output stem, taken as written: writes STEM.parquet and STEM.png.")
@_FORCE
def simulate_symmetric_cmd(anode: str, build: str, relative_density: str | None,
                           pressure: str, temperature: str, protocol: str,
                           points: int, out: str, force: bool) -> None:
    """Symmetric anode|Li6PS5Cl|anode cell: a CellTest (Parquet) and a voltage plot.

    Example: tfalab simulate symmetric --anode tfa --pressure 20MPa --temperature 80degC
    --protocol "cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h"
    """
    from tfalab.analysis import overpotential_per_cycle, time_to_failure
    from tfalab.cell.simulate import simulate_symmetric

    parquet, png = output_paths(out, [".parquet", ".png"], force)
    res = _keeping_partial(lambda: simulate_symmetric(
        anode, protocol=protocol, pressure=pressure, temperature=temperature,
        points_per_step=points, build=build, relative_density=relative_density), parquet)
    path = atomic_write(parquet, res.celltest.save)
    atomic_write(png, lambda tmp: _voltage_plot(
        res.celltest, tmp, f"{anode}, {pressure}, {temperature}: {protocol}"))
    if res.termination == "interrupted":
        _interrupted(path)
    flowing = bool(np.any(res.celltest.current != 0))  # a rest protocol has no cycles
    t_fail = time_to_failure(res.celltest) if flowing else float("nan")
    op = overpotential_per_cycle(res.celltest) if flowing else \
        pd.DataFrame({"plateau_overpotential": []})
    info = {"termination": res.termination,
            "simulated / h": float(res.celltest.time[-1] / 3600),
            "time to failure / h": t_fail / 3600,
            "cycles": len(op),
            "last overpotential / mV": float(op.plateau_overpotential.iloc[-1] * 1e3)
            if len(op) else float("nan"),
            "CellTest": str(path), "plot": str(png)}
    Console().print(_table("symmetric cell", info))


@simulate.command("full")
@click.option("--anode", default="tfa", show_default=True,
              help="Anode design: tfa, li (bare Li foil of the build) or an anode TOML file.")
@_BUILD
@click.option("--cathode", default="fes2", show_default=True, help="fes2 or ncm.")
@click.option("--loading", default=None, help="Active loading, e.g. 2.17mg/cm2 or 2mAh/cm2.")
@click.option("--pressure", default="40 MPa", show_default=True, help="Stack pressure.")
@click.option("--temperature", default="80 degC", show_default=True, help="Temperature.")
@click.option("--protocol", default="cycle 1C for 100 cycles", show_default=True,
              help="e.g. 'cycle 1C for 420 cycles', 'rate 0.2C,0.5C,1C,2C,5C x 5'.")
@click.option("--out", default="full", show_default=True,
              help="Output stem, taken as written: writes STEM.parquet, STEM_cycles.csv and "
                   "STEM.png.")
@_FORCE
def simulate_full_cmd(anode: str, build: str, cathode: str, loading: str | None,
                      pressure: str, temperature: str, protocol: str, out: str,
                      force: bool) -> None:
    """Full anode|Li6PS5Cl|cathode cell: a CellTest, a cycle table and a retention plot.

    Example: tfalab simulate full --cathode fes2 --loading 2.17mg/cm2 --anode tfa
    --pressure 40MPa --protocol "cycle 1C for 420 cycles"
    """
    from tfalab.cell.full_simulate import simulate_full

    parquet, cycles_path, png = output_paths(out, [".parquet", "_cycles.csv", ".png"], force)
    res = _keeping_partial(lambda: simulate_full(anode, cathode, loading, protocol, pressure,
                                                 temperature, build=build), parquet)
    path = atomic_write(parquet, res.celltest.save)
    atomic_write(cycles_path, lambda tmp: res.cycles.to_csv(tmp, index=False))
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.3))
    a.plot(res.cycles.cycle, res.cycles.discharge_mAh_g, lw=1)
    a.set(xlabel="cycle", ylabel="discharge / mAh g$^{-1}$", title=f"{anode}||{cathode}")
    b.plot(res.cycles.cycle, 100 * res.cycles.retention, lw=1)
    b.set(xlabel="cycle", ylabel="retention / %", title=f"{pressure}, {temperature}")
    fig.tight_layout()
    atomic_write(png, lambda tmp: fig.savefig(tmp, dpi=120))
    plt.close(fig)
    if res.termination == "interrupted":
        _interrupted(path)
    c = res.cycles
    info = {"termination": res.termination, "cycles": len(c),
            "first discharge / mAh g-1": float(c.discharge_mAh_g.iloc[0]) if len(c) else 0.0,
            "last retention / %": float(100 * c.retention.iloc[-1]) if len(c) else 0.0,
            "CellTest": str(path), "cycles table": str(cycles_path), "plot": str(png)}
    Console().print(_table("full cell", info))


#: most points a pressure range may hold (a typo such as 0:50:0.00001 is refused at once)
MAX_PRESSURE_POINTS = 1000


def _has_unit(text: str) -> bool:
    """Whether ``text`` has a unit after its number ("20 MPa" yes; "20", "1e3" no)."""
    try:
        float(text)
    except ValueError:
        return True
    return False


def _pressures(text: str) -> list[float]:
    """``START:STOP:STEP`` in MPa or a comma list; checked (finite, 0-1000 MPa, at most
    :data:`MAX_PRESSURE_POINTS` points) before anything runs."""
    import math

    from tfalab.units import to_si

    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise ParameterError(f"pressure range {text!r}: write START:STOP:STEP in MPa, "
                                 "e.g. 0:50:5")
        try:
            a, b, c = (float(x) for x in parts)
        except ValueError:
            raise ParameterError(f"pressure range {text!r}: START, STOP and STEP must be "
                                 f"numbers in MPa, e.g. 0:50:5") from None
        if not all(math.isfinite(x) for x in (a, b, c)) or c <= 0 or b < a or a < 0:
            raise ParameterError(f"pressure range {text!r}: need finite 0 <= START <= STOP "
                                 f"and STEP > 0 (MPa)")
        n = math.floor((b - a) / c + 0.5) + 1
        if n > MAX_PRESSURE_POINTS:
            raise ParameterError(f"pressure range {text!r} has {n} points, more than "
                                 f"{MAX_PRESSURE_POINTS}; use a larger STEP (or "
                                 f"'tfalab sweep' for large maps)")
        values = [1e6 * x for x in np.arange(a, b + c / 2, c)]
    else:
        items = [x.strip() for x in text.split(",")]
        if not all(items):
            raise ParameterError(f"pressure list {text!r}: empty item; write e.g. "
                                 f"'10 MPa,20 MPa'")
        values = [to_si(x if _has_unit(x) else f"{x} MPa", "pressure", "pressure")
                  for x in items]
    for v in values:
        if not 0 <= v <= 1e9:
            raise ParameterError(f"pressure {v / 1e6:g} MPa is outside 0-1000 MPa")
    return values


@cli.command()
@click.option("--anode", default="li,tfa", show_default=True,
              help="Comma-separated anodes: tfa, li or anode TOML files.")
@_BUILD
@_DENSITY
@click.option("--pressure", default="0:50:5", show_default=True,
              help="START:STOP:STEP in MPa, or a list '10 MPa,20 MPa'.")
@click.option("--temperature", default="80 degC", show_default=True)
@click.option("--protocol", default=None, help="CCD ramp (default: tfalab's ramp).")
@click.option("--out", default="ccd", show_default=True,
              help="Output stem, taken as written: writes STEM.csv and STEM.png.")
@_FORCE
def ccd(anode: str, build: str, relative_density: str | None, pressure: str,
        temperature: str, protocol: str | None, out: str, force: bool) -> None:
    """Critical current density versus stack pressure (table and plot).

    Example: tfalab ccd --anode li,tfa --pressure 0:50:5
    """
    from tfalab.cell.experiments import DEFAULT_RAMP, ccd_map

    anodes = _names(anode, "--anode", "anode (tfa, li or a TOML file)")
    if protocol is not None and not protocol.strip():
        raise ParameterError("--protocol '': give a CCD ramp, or leave the option out for "
                             "tfalab's default ramp")
    pressures = _pressures(pressure)
    csv, png = output_paths(out, [".csv", ".png"], force)
    with _interruptible():
        try:
            table = ccd_map(anodes, pressures, temperature, protocol or DEFAULT_RAMP,
                            build=build, relative_density=relative_density)
        except Interrupted as exc:  # write the finished points, then exit 130
            if not isinstance(exc.partial, pd.DataFrame):
                raise
            table = exc.partial
    atomic_write(csv, lambda tmp: table.to_csv(tmp, index=False))
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, d in table.groupby("anode"):
        ax.plot(d.pressure_MPa, d.ccd_mA_cm2, marker="o", label=name)
    ax.set(xlabel="stack pressure / MPa", ylabel="CCD / mA cm$^{-2}$", title=temperature)
    ax.legend()
    fig.tight_layout()
    atomic_write(png, lambda tmp: fig.savefig(tmp, dpi=120))
    rich = Table(title=f"CCD, {temperature}")
    for col in ("anode", "pressure / MPa", "CCD / mA cm-2", "failure"):
        rich.add_column(col)
    for r in table.itertuples():
        rich.add_row(r.anode, f"{r.pressure_MPa:g}", f"{r.ccd_mA_cm2:.2f}",
                     str(r.mode) if r.failed else "none in ramp")
    Console().print(rich)
    Console().print(f"wrote {csv} and {png}")
    if table.attrs.get("interrupted"):
        _interrupted(csv)


@cli.command()
@click.option("--passes", default=2, show_default=True, type=click.IntRange(1, 100),
              help="Rounds of the fitting sequence.")
@click.option("--write", "write", default=None, metavar="PATH",
              type=click.Path(exists=True, dir_okay=False, writable=True),
              help="Also write the values into the parameters file PATH (a copy of "
                   "data/parameters.toml; the source tree's own: "
                   "scripts/regenerate_parameters.py).")
@click.option("--full", is_flag=True, help="Refit the full-cell parameters instead.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr, one step per fitted value (default: when stderr "
                   "is a terminal).")
def calibrate(passes: int, write: str | None, full: bool, progress: bool | None) -> None:
    """Refit the symmetric-cell (or, with --full, full-cell) parameters to their calibration
    claims (a few minutes). Nothing is written into the installed package.

    The fits run one after another (each bisection step needs the one before), in this
    process."""
    from tqdm import tqdm

    from tfalab.paper import cell_calibration, full_calibration
    from tfalab.stop import stop_requested

    show = sys.stderr.isatty() if progress is None else progress
    total = full_calibration.STEPS if full else cell_calibration.steps(passes)
    with tqdm(total=total, desc="calibrate", unit="fit", file=sys.stderr,
              disable=not show) as bar:
        fitted: dict[str, float] = {}

        def log(message: str) -> None:
            if stop_requested():
                raise KeyboardInterrupt
            m = re.match(r"\s*([\w.]+) = ([-+0-9.eE]+)", message)
            if m:
                with contextlib.suppress(ValueError):
                    fitted[m.group(1)] = float(m.group(2))
            if show:
                bar.write(message, file=sys.stderr)
            else:
                click.echo(message, err=True)

        def step(message: str) -> None:
            if stop_requested():
                raise KeyboardInterrupt
            if bar.n >= bar.total:  # the full cell's D and extra capacity refitted
                bar.total += 1
            bar.set_postfix_str(message.split(" = ")[0].strip(), refresh=False)
            bar.update(1)

        with _signals():
            try:
                if full:
                    values = full_calibration.calibrate(log=log, write=write, progress=step)
                else:
                    values = cell_calibration.calibrate(passes=passes, log=log,
                                                        progress=step)
                if stop_requested():  # an interrupt that compiled code turned into an error
                    raise KeyboardInterrupt
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: report what was fitted
                click.echo(json.dumps({"interrupted": True, "fitted so far": fitted},
                                      indent=2))
                click.echo("tfalab: interrupted; the values fitted so far are above (nothing "
                           "was written)", err=True)
                sys.exit(130)
    click.echo(json.dumps(values, indent=2))
    if write and full:
        click.echo(f"wrote {write}")
    elif write:
        click.echo(f"wrote {cell_calibration.write_fitted(values, write)}")


@cli.group()
def analyze() -> None:
    """Analyse lab (or simulated) data files: each prints a summary, writes OUT.png and OUT.json.
    """


def _flat(summary: dict, prefix: str = "", depth: int = 0) -> dict:
    """Scalars of a nested summary, for the printed table (lists are shown by length)."""
    out: dict = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 1:
            out.update(_flat(value, f"{name}.", depth + 1))
        elif isinstance(value, bool | int | float | str) or value is None:
            out[name] = value
        elif isinstance(value, list | tuple) and len(value) <= 4 and all(
                isinstance(v, int | float | str) for v in value):
            out[name] = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in value)
    return out


def _report(kind: str, summary: dict, out: str) -> None:
    Console().print(_table(f"{kind}: {summary.get('source', '')}", _flat(summary)))
    Console().print(f"wrote {out}.png and {out}.json")


def _OUT(func: Any) -> Any:
    """``--out STEM`` and ``--force`` of the analyze commands."""
    return click.option(
        "--out", default=None,
        help="Output stem, taken as written: writes OUT.png and OUT.json (default: the file's "
             "name and _KIND, in the current folder).")(_FORCE(func))


def _stem(path: str, out: str | None, kind: str, force: bool = False) -> str:
    """The output stem, checked before any work: OUT.png and OUT.json are usable names, never
    the input, and replace an existing file only with ``force``."""
    import os

    from tfalab.errors import OutputError

    stem = out if out is not None else f"{Path(path).stem}_{kind}"
    # the input and its metadata sidecar (read with it: CellTest's BDF CSV convention)
    inputs = [Path(path), Path(path).with_name(Path(path).stem + ".metadata.json")]
    for suffix in (".png", ".json"):
        for source in inputs:
            try:
                p = Path(f"{stem}{suffix}")
                same = p.resolve() == source.resolve() or (
                    p.exists() and source.exists() and os.path.samefile(p, source))
            except (OSError, ValueError):
                continue  # not a usable name: output_paths says why
            if same:
                raise OutputError(f"--out {stem!r} would overwrite the input {source}; "
                                  "choose another output name")
    output_paths(stem, [".png", ".json"], force)
    return stem


@analyze.command("cycling")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--area", default=None, help="Electrode area, e.g. '0.785 cm2'.")
@_OUT
def analyze_cycling_cmd(file: str, area: str | None, out: str | None, force: bool) -> None:
    """Cycler file (BioLogic, Arbin, Neware, LAND, Maccor, BDF): capacity and overpotential
    per cycle."""
    from tfalab.io import analyze_cycling

    stem = _stem(file, out, "cycling", force)
    _report("cycling", analyze_cycling(file, stem, area=area), stem)


@analyze.command("eis")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--area", default=None, help="Electrode area, e.g. '0.785 cm2' (for ASRs).")
@click.option("--circuit", default=None, help="Equivalent circuit (impedance.py syntax).")
@click.option("--format", "fmt", default=None,
              help="File format (default: detected): csv, gamry, biologic (.mpt), biologic-mpr, "
                   "autolab, parstat, zplot, versastudio, powersuite, chinstruments.")
@_OUT
def analyze_eis_cmd(
    file: str, area: str | None, circuit: str | None, fmt: str | None, out: str | None,
    force: bool,
) -> None:
    """Impedance spectrum: circuit fit (ASRs in ohm cm2), Bode peak frequency and DRT."""
    from tfalab.analysis.eis import analyze as run

    stem = _stem(file, out, "eis", force)
    _report("eis", run(file, stem, area=area, circuit=circuit, format=fmt), stem)


@analyze.command("sims")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--time", "time_", required=True, help="Diffusion (anneal) time, e.g. '1 h'.")
@click.option("--depth-resolution", default="0 nm", show_default=True,
              help="Instrument depth resolution (Gaussian sigma).")
@_OUT
def analyze_sims_cmd(file: str, time_: str, depth_resolution: str, out: str | None,
                     force: bool) -> None:
    """ToF-SIMS isotope depth profile: thin-film Gaussian fit of Fick's law, D with its CI."""
    from tfalab.analysis.sims import analyze_sims

    stem = _stem(file, out, "sims", force)
    _report("sims", analyze_sims(file, stem, time=time_, depth_resolution=depth_resolution),
            stem)


@analyze.command("dmt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", default=None, help="Unit of the map values (e.g. GPa) if not in it.")
@click.option("--peaks", default=1, show_default=True, help="Gaussians to fit.")
@_OUT
def analyze_dmt_cmd(file: str, unit: str | None, peaks: int, out: str | None,
                    force: bool) -> None:
    """AFM-DMT modulus map: histogram, (multi-)Gaussian fit, mean and FWHM."""
    from tfalab.analysis.dmt import analyze_dmt

    stem = _stem(file, out, "dmt", force)
    _report("dmt", analyze_dmt(file, stem, unit=unit, n_peaks=peaks), stem)


@analyze.command("xrd")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--candidates", default="Li,LiBx,Li6PS5Cl,Li2S", show_default=True,
              help="Comma-separated candidate phases.")
@_OUT
def analyze_xrd_cmd(file: str, candidates: str, out: str | None, force: bool) -> None:
    """XRD pattern (2theta-intensity, Cu Ka): phases present and rough fractions."""
    from tfalab.analysis.xrd import analyze_xrd

    stem = _stem(file, out, "xrd", force)
    names = [c.strip() for c in candidates.split(",") if c.strip()]
    _report("xrd", analyze_xrd(file, stem, candidates=names), stem)


@analyze.command("ct")
@click.argument("file", type=click.Path(exists=True))
@click.option("--voxel-size", default="0.3 um", show_default=True)
@click.option("--threshold", default=None, type=float, help="Grey level (default: Otsu).")
@click.option("--pore", default="dark", show_default=True, type=click.Choice(["dark", "bright"]))
@_OUT
def analyze_ct_cmd(file: str, voxel_size: str, threshold: float | None, pore: str,
                   out: str | None, force: bool) -> None:
    """CT/FIB-SEM volume (3D TIFF, folder of slices, .npy): porosity, profile, pore sizes."""
    from tfalab.analysis.ct import analyze as run

    stem = _stem(file, out, "ct", force)
    _report("ct", run(file, stem, voxel_size=voxel_size, threshold=threshold, pore=pore), stem)


def _plt():
    from tfalab.plotting import pyplot

    return pyplot()


def _voltage_plot(test, path: Path, title: str) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(test.time / 3600, 1e3 * test.voltage, lw=0.6)
    ax.set(xlabel="time / h", ylabel="voltage / mV", title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _attach_optional_groups() -> None:
    from tfalab.atomistic.cli import atomistic
    from tfalab.microstructure.cli import microstructure

    cli.add_command(microstructure)
    cli.add_command(atomistic)
    from tfalab.fitting.cli import fit_cmd

    cli.add_command(fit_cmd, "fit")


_attach_optional_groups()


@cli.command()
@click.option("--out", default="validation", show_default=True,
              type=click.Path(file_okay=False),
              help="Folder for validation.csv, validation.json and validation.png.")
@click.option("--lab", default=None, help="Comma-separated builds or laboratories to run.")
@click.option("--measurements", default=None, type=click.Path(dir_okay=False),
              help="A measurements TOML file of the same form as tfalab's "
                   "(data/literature/measurements.toml); laboratories without a named build "
                   "use the Generic build.")
def validate(out: str, lab: str | None, measurements: str | None) -> None:
    """Run the literature validation suite: other laboratories' published cells, each with
    its own cell build; model against measurement, calibration rows marked.

    Example: tfalab validate --out validation
    """
    import json

    import pandas as pd

    from tfalab.literature.suite import figure, run_suite, summary

    labs = _names(lab, "--lab", "build or laboratory") if lab is not None else None
    console = Console()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    done: list[dict] = []

    def progress(e: object) -> None:
        r = e.row()  # type: ignore[attr-defined]
        done.append(r)  # an interrupted run keeps what it finished
        pd.DataFrame(done).to_csv(folder / "validation.csv", index=False)
        mark = "pass" if r["passed"] else "MISS"
        console.print(f"{mark:4} {r['role']:11} {r['id']}: model {r['model']:.3g} "
                      f"vs {r['observed']:.3g} {r['unit']} ({r['detail']})")

    from tfalab.literature.measurements import load_measurements

    ms = load_measurements(measurements) if measurements else None
    table = run_suite(ms, labs=labs, progress=progress)
    if table.empty:
        raise click.ClickException(f"no measurements for --lab {lab!r}")
    table.to_csv(folder / "validation.csv", index=False)
    s = summary(table)
    (folder / "validation.json").write_text(json.dumps(
        {"summary": s, "rows": table.to_dict(orient="records")}, indent=1, default=str))
    figure(table, folder / "validation.png")
    console.print(f"predictions within tolerance: {s['predictions_passed']} of "
                  f"{s['predictions']}; calibrations: {s['calibrations_passed']} of "
                  f"{s['calibrations']}; laboratories: {len(s['laboratories'])}")
    console.print(f"wrote {folder / 'validation.csv'}, validation.json, validation.png")


@cli.command("builds")
@click.argument("name", required=False)
def builds_cmd(name: str | None) -> None:
    """List the named cell builds, or show one build's values with their sources.

    Example: tfalab builds Doux2020
    """
    from tfalab.cell.builds import available_builds, load_build

    console = Console()
    if name is None:
        for n in available_builds():
            b = load_build(n)
            about = b.reference or b.description[:50]
            console.print(f"{n:18} {len(b.fitted_values())} fitted  {about}")
        return
    b = load_build(name)
    t = Table(title=f"build {b.name}: {b.reference}")
    for col in ("field", "value", "source", "fitted to / note"):
        t.add_column(col)
    for r in b.describe():
        t.add_row(r["field"], r["value"], r["source"], r["fitted_to"] or r["note"][:70])
    console.print(t)


@cli.command("example-data")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--overwrite", is_flag=True, help="Replace example files that already exist.")
@click.option("--simulate", is_flag=True,
              help="Rerun the symmetric-cell simulation for cycling.csv (PyBaMM, a few "
                   "seconds) instead of copying the packaged file made the same way.")
def example_data_cmd(directory: str, overwrite: bool, simulate: bool) -> None:
    """Write small example files for the 'tfalab analyze' commands into DIRECTORY.

    cycling.csv, spectrum.csv (EIS), profile.csv (SIMS), modulus.tif (DMT), pattern.xy (XRD),
    volume.tif (CT), all made by tfalab with known true values; README.txt says how.

    Example: tfalab example-data examples_data
    """
    from tfalab.example_data import write_example_data

    paths = write_example_data(directory, overwrite=overwrite, simulate=simulate)
    t = Table(title=f"example data in {directory}")
    for col in ("tfalab analyze", "file", "size / kB"):
        t.add_column(col)
    for key, path in paths.items():
        t.add_row(key if key in ("cycling", "eis", "sims", "dmt", "xrd", "ct") else "",
                  str(path), f"{path.stat().st_size / 1e3:.1f}")
    Console().print(t)


@cli.command("sweep")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Sweep directory: DIR/results.parquet (resumed if it exists).")
@click.option("--scheduler", default=None,
              help="Address of a running Dask scheduler (default: a local cluster).")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Local worker processes (default: the number of cores; 0: no Dask).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: when the terminal shows it).")
def sweep_cmd(spec: str, out: str, scheduler: str | None, workers: int | None,
              progress: bool | None) -> None:
    """Evaluate every point of a sweep SPEC (TOML) on Dask; results in OUT/results.parquet.

    Resumable: points already in OUT are not recomputed. A point whose model fails is a row
    with its error. Example: tfalab sweep examples/sweep_ccd.toml --out sweep_ccd
    """
    from tfalab.sweep import run_sweep

    with _resumable(Path(out) / "results.parquet", "points"):
        run = run_sweep(spec, out, scheduler=scheduler, workers=workers, progress=progress)
    t = Table(title=f"sweep {spec}")
    for col in ("points", "already stored", "computed", "errors", "wall time / s"):
        t.add_column(col)
    t.add_row(str(run.n_points), str(run.n_done_before), str(run.n_computed),
              str(run.n_errors), f"{run.seconds:.1f}")
    Console().print(t)
    Console().print(f"wrote {run.directory / 'results.parquet'} "
                    f"(pandas.read_parquet reads it as one table)")


@cli.command("optimize")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Study directory: OUT/optuna.db (resumed if it exists), results.parquet, "
                   "pareto.csv, pareto.png, best.toml.")
@click.option("--trials", type=click.IntRange(1, 1_000_000), default=None,
              help="Total trials of the study (default: the spec's); a rerun runs the rest.")
@click.option("--scheduler", default=None,
              help="Address of a running Dask scheduler (default: a local cluster).")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Local worker processes (default: the number of cores; 0: no Dask).")
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None,
              help="Sampler seed (default: the spec's).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: when the terminal shows it).")
def optimize_cmd(spec: str, out: str, trials: int | None, scheduler: str | None,
                 workers: int | None, seed: int | None, progress: bool | None) -> None:
    """Inverse design: multi-objective search (Optuna NSGA-II or TPE) of a SPEC (TOML).

    Trials run in batches on Dask, one per worker; the study is resumable (OUT/optuna.db).
    Prints the Pareto front, the comparison with the spec's [reference] design and the
    tfalab command lines that simulate the best designs again (also in OUT/best.toml).
    Example: tfalab optimize examples/optimize_tfa.toml --out opt_tfa
    """
    from tfalab.sweep.optimize import optimize

    with _resumable(Path(out) / "results.parquet", "trials"):
        res = optimize(spec, out, trials=trials, scheduler=scheduler, workers=workers,
                       progress=progress, seed=seed)
    console = Console()
    t = Table(title=f"optimize {spec}")
    for col in ("trials", "already done", "computed", "failed", "Pareto", "wall time / s"):
        t.add_column(col)
    t.add_row(str(res.n_trials), str(res.n_before), str(res.n_computed), str(res.n_failed),
              str(len(res.pareto)), f"{res.seconds:.1f}")
    console.print(t)
    if len(res.pareto):
        cols = ["trial", *[f"in_{p.name}" for p in res.spec.space], *res.objective_columns]
        cols = [c for c in dict.fromkeys(cols) if c in res.pareto]
        front = Table(title="Pareto front (feasible, non-dominated)")
        for c in cols:
            front.add_column(c.removeprefix("in_"))
        for _, row in res.pareto.iterrows():
            front.add_row(*(f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c])
                            for c in cols))
        console.print(front)
    else:
        console.print("no feasible trial yet: the Pareto front is empty")
    if res.verdict:
        click.echo(res.verdict)
    if res.commands:
        click.echo("simulate the best designs again (more command lines in best.toml):")
        for cmds in res.commands:
            click.echo(f"  {cmds[0]}")
    d = res.directory
    click.echo(f"wrote {d / 'pareto.csv'}, {d / 'pareto.png'}, {d / 'best.toml'} "
               f"(all trials: {d / 'results.parquet'})")


@cli.command("sweep-plot")
@click.argument("directory", type=click.Path(exists=True))
@click.option("--kind", "kind", required=True,
              type=click.Choice(["map", "pareto", "parallel"]),
              help="map: VALUE over X x Y; pareto: objectives and front; parallel: parallel "
                   "coordinates.")
@click.option("--x", "x", default=None, help="map: input on the x axis, e.g. pressure.")
@click.option("--y", "y", default=None, help="map: input on the y axis, e.g. temperature.")
@click.option("--value", default=None, help="map: column shown in colour, e.g. ccd_mA_cm2.")
@click.option("--by", default=None, help="map: one panel per value of this input, e.g. anode.")
@click.option("--objectives", default=None,
              help="pareto: 'column:max,column:min' (default: the study's in DIR).")
@click.option("--columns", default=None,
              help="parallel: comma-separated axes (default: varied inputs, main outputs).")
@click.option("--color", default=None, help="parallel: column colouring the lines.")
@click.option("--out", default=None, help="PNG file (default: DIR/KIND.png).")
def sweep_plot_cmd(directory: str, kind: str, x: str | None, y: str | None,
                   value: str | None, by: str | None, objectives: str | None,
                   columns: str | None, color: str | None, out: str | None) -> None:
    """Figures of a sweep or optimize DIRECTORY (or its results.parquet).

    Inputs are named as in the spec (pressure, temperature, free_li ...), outputs by their
    column (ccd_mA_cm2, time_to_short_h, specific_energy_Wh_kg ...). Examples:
    tfalab sweep-plot sweep_ccd --kind map --x pressure --y anode --value ccd_mA_cm2;
    tfalab sweep-plot opt_tfa --kind pareto; tfalab sweep-plot opt_tfa --kind parallel
    """
    from tfalab.errors import ParameterError
    from tfalab.sweep import figures

    given = {"--x": x, "--y": y, "--value": value, "--by": by, "--objectives": objectives,
             "--columns": columns, "--color": color}
    used = {"map": {"--x", "--y", "--value", "--by"}, "pareto": {"--objectives"},
            "parallel": {"--columns", "--color"}}[kind]
    unused = sorted(k for k, v in given.items() if v is not None and k not in used)
    if unused:
        raise ParameterError(f"--kind {kind} does not use {', '.join(unused)} (got "
                             f"{', '.join(f'{k} {given[k]!r}' for k in unused)}); it takes "
                             f"{', '.join(sorted(used))}")
    d = Path(directory)
    base = d.parent if d.name == "results.parquet" else d
    spec = None
    if (base / "optuna.db").is_file() and (base / "optimize.toml").is_file():
        from tfalab.sweep.optimize import study_results

        spec, results = study_results(base)
    else:
        results = figures.load_results(d)
    path = Path(out) if out else base / f"{kind}.png"
    if kind == "map":
        if not (x and y and value):
            raise ParameterError("--kind map needs --x, --y and --value")
        figures.map_figure(results, x, y, value, path, by=by)
    elif kind == "pareto":
        if objectives:
            objs: dict[str, str] | list[str] = [o.strip() for o in objectives.split(",")
                                                 if o.strip()]
        elif spec is not None:
            objs = spec.objectives
        else:
            raise ParameterError("--kind pareto needs --objectives 'column:max,column:min' "
                                 "(or an optimize directory)")
        figures.pareto_figure(results, objs, path)
    else:
        cols = [c.strip() for c in columns.split(",") if c.strip()] if columns else \
            figures.default_columns(results)
        figures.parallel_coordinates_figure(results, cols, path, color=color)
    click.echo(f"wrote {path}")


@cli.command("explore")
@click.option("--port", type=click.IntRange(0, 65535), default=5006, show_default=True,
              help="Port (0: any free port).")
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but 127.0.0.1/localhost serves other machines.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option("--upload-limit", default="200 MB", show_default=True,
              help="Largest file the Lab data view accepts.")
@click.option("--time-limit", default="120 s", show_default=True,
              help="Longest simulation or map a page may run.")
@click.option("--sweeps", multiple=True, type=click.Path(exists=True),
              help="A sweep store (tfalab sweep --out DIR) for the Maps view; repeatable.")
@click.option("--no-paper", is_flag=True,
              help="Do not draw the seed paper's measured points in the Cell view.")
def explore_cmd(port: int, address: str, no_browser: bool, upload_limit: str, time_limit: str,
                sweeps: tuple[str, ...], no_paper: bool) -> None:
    """Open the design explorer in the browser: Design, Cell, Maps and Lab data views.

    Example: tfalab explore --port 5006
    """
    from tfalab.explore import Settings, serve
    from tfalab.units import quantity, to_si

    q = quantity(upload_limit, "upload_limit")
    try:
        if q.unitless:  # pint reads a bare number as bits: "200" would be 25 bytes
            raise ValueError("no unit")
        limit = int(q.to("byte").magnitude)
    except Exception as exc:
        raise ParameterError(f"--upload-limit: {upload_limit!r} is not a size with a unit "
                             "such as '200 MB'") from exc
    references: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    if not no_paper:
        from tfalab.paper.explore_points import reference_points as references
    settings = Settings(upload_limit=limit, time_limit=to_si(time_limit, "time", "time_limit"),
                        sweeps=tuple(sweeps), references=references)
    if address not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: serving on {address}: other machines can reach this explorer",
                   err=True)

    def ready(url: str) -> None:
        click.echo(f"tfalab explore: {url}  (Ctrl-C to stop)", err=False)
        sys.stdout.flush()

    try:
        serve(settings, port=port, address=address, show=not no_browser, on_ready=ready)
    except KeyboardInterrupt:
        click.echo("stopped")
    except OSError as exc:
        raise ParameterError(f"cannot serve on {address}:{port}: {exc.strerror or exc}") \
            from None


def main() -> None:
    """Entry point: tfalab errors become a one-line message and exit code 2; an interrupted
    command ends at once (exit code 130) once its results are written."""
    try:
        _main()
    except SystemExit as exc:
        if exc.code == 130:
            _exit_now(130)
        raise


def _exit_now(code: int) -> None:
    """End the process without tearing down its modules (0.4 s with PyBaMM and CasADi loaded;
    an interrupted user waits for it): exit handlers run, standard streams are flushed, and
    every result was already written and closed by :func:`tfalab.outputs.atomic_write`."""
    import atexit
    import os

    atexit._run_exitfuncs()  # logging, multiprocessing's children, temporary folders
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _main() -> None:
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
    except MemoryError:
        click.echo("tfalab: error: this needs more memory than the machine has; make the "
                   "problem smaller (fewer points, cells, steps or voxels)", err=True)
        sys.exit(2)
    except OSError as exc:  # a path that cannot be read or written
        where = f" {exc.filename!r}:" if getattr(exc, "filename", None) else ""
        click.echo(f"tfalab: error:{where} {exc.strerror or exc}", err=True)
        sys.exit(2)
    except Exception as exc:
        from tfalab.stop import stop_requested

        if stop_requested():  # an interrupt that compiled code turned into another error
            click.echo("tfalab: interrupted", err=True)
            sys.exit(130)
        _unexpected(exc)


def _unexpected(exc: Exception) -> None:
    """An error no check of tfalab's caught: one line naming it (the traceback with
    TFALAB_DEBUG=1), exit code 1. Each one is a missing check: please report it."""
    import os

    if os.environ.get("TFALAB_DEBUG"):
        raise exc
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    click.echo(f"tfalab: unexpected error: {type(exc).__name__}: {text[:300]} (a check is "
               "missing here; TFALAB_DEBUG=1 shows the traceback; please report it)", err=True)
    sys.exit(1)


if __name__ == "__main__":
    main()
