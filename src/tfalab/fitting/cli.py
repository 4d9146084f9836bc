"""``tfalab fit SPEC.toml --out DIR``: fit the symmetric-cell model to a researcher's data.

The spec (paths relative to the spec file; see docs/fit.md and examples/fit/spec.toml)::

    name = "my-cells"                 # name of the written parameter set (optional)
    description = "..."               # (optional)
    build = "Zhang2025"               # laboratory build to start from (optional)
    anode = "li"                      # defaults for every [[data]] entry
    pressure = "20 MPa"
    temperature = "80 degC"

    [[data]]                          # a lab file (any tfalab.io format) ...
    file = "cycling.mpr"
    quantity = "voltage"              # voltage, overpotential, time_to_short, ccd
    area = "0.785 cm2"

    [[data]]                          # ... or one number
    quantity = "ccd"
    value = "1.6 mA/cm2"
    pressure = "10 MPa"

    [parameters]                      # PyBaMM names: bounds, SI or with units
    "Flaw size [m]" = ["5 um", "20 um"]

    [options]                         # keyword arguments of tfalab.fitting.fit
    max_evaluations = 60
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click

from tfalab.errors import ParameterError, TfalabError

_TOP = {"name", "description", "build", "anode", "pressure", "temperature", "area", "data",
        "parameters", "options", "overrides"}
_OPTIONS = {"points_per_step", "max_steps", "max_points", "max_evaluations", "diff_step",
            "xtol", "ftol", "workers", "initial"}


class _Failure(click.ClickException):
    """A tfalab error as a one-line CLI message (exit code 2, no traceback)."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message

    def show(self, file: Any = None) -> None:
        click.echo(f"tfalab: error: {self.format_message()}", err=True)


def read_spec(path: str | Path) -> dict[str, Any]:
    """The fit spec at ``path`` as keyword arguments of :func:`tfalab.fitting.fit` plus
    ``name`` and ``description``.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "s.toml").write_text('anode = "li"\\n[[data]]\\nquantity = "ccd"\\n'
    ...     'value = "1.6 mA/cm2"\\npressure = "10 MPa"\\n'
    ...     '[parameters]\\n"Filament tip fraction" = [0.01, 1.0]\\n')
    >>> spec = read_spec(d / "s.toml")
    >>> spec["anode"], spec["observations"][0].quantity, spec["parameters"]
    ('li', 'ccd', {'Filament tip fraction': [0.01, 1.0]})
    """
    from tfalab.fitting.engine import observation_from_dict

    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path}: no such spec file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{path}: not a readable TOML spec ({exc})") from None
    unknown = sorted(set(raw) - _TOP)
    if unknown:
        raise ParameterError(f"{path}: unknown key(s) {unknown}; a fit spec has "
                             f"{sorted(_TOP)}")
    data = raw.get("data")
    if not isinstance(data, list) or not data or not all(isinstance(d, dict) for d in data):
        raise ParameterError(f"{path}: needs at least one [[data]] entry (file = a lab file, or "
                             f"quantity + value)")
    params = raw.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ParameterError(f"{path}: needs a [parameters] table of PyBaMM names and bounds, "
                             f"e.g. \"Flaw size [m]\" = [\"5 um\", \"20 um\"]")
    options = raw.get("options", {})
    if not isinstance(options, dict) or set(options) - _OPTIONS:
        raise ParameterError(f"{path}: [options] may hold {sorted(_OPTIONS)}; got "
                             f"{sorted(options) if isinstance(options, dict) else options!r}")
    base = path.parent
    build = raw.get("build")
    if isinstance(build, str) and build.endswith(".toml") and not Path(build).is_absolute():
        build = str(base / build)
    observations = []
    for k, entry in enumerate(data):
        try:
            observations.append(observation_from_dict(entry, base_dir=base))
        except TfalabError as exc:
            raise type(exc)(f"{path}: [[data]] entry {k + 1}: {exc}") from None
    out: dict[str, Any] = {"observations": observations, "parameters": params,
                           "name": raw.get("name", "fitted"),
                           "description": raw.get("description"), **options}
    for key in ("anode", "pressure", "temperature", "area", "overrides"):
        if key in raw:
            out[key] = raw[key]
    if "overrides" in raw:
        from tfalab.cell.parameters import overrides_dict

        try:
            out["overrides"] = overrides_dict(raw["overrides"])
        except TfalabError as exc:
            raise ParameterError(f"{path}: overrides: {exc}") from None
    anode = raw.get("anode")
    if isinstance(anode, str) and not anode.strip().endswith(".toml"):
        from tfalab.cell.parameters import make_anode

        try:  # a name is checked now: it is written into fit.toml and fit.json
            make_anode(anode)
        except TfalabError as exc:
            raise ParameterError(f"{path}: {exc}") from None
    if build is not None:
        out["build"] = build
    return out


def _check_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ParameterError(f"--out {out}: the directory exists and is not empty; pass "
                             f"--overwrite to replace its fit files")


def run_spec(spec_path: str | Path, out: str | Path, overwrite: bool = False) -> Any:
    """Fit the spec at ``spec_path`` and write fit.toml, fit.json, residuals.csv and fit.png
    into ``out``; returns the :class:`~tfalab.fitting.FitResult`."""
    from tfalab.fitting.engine import fit

    out = Path(out)
    _check_out(out, overwrite)
    spec = read_spec(spec_path)
    name = spec.pop("name")
    description = spec.pop("description")
    observations = spec.pop("observations")
    parameters = spec.pop("parameters")
    result = fit(observations, parameters, **spec)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"--out {out}: cannot create the directory ({exc})") from None
    result.to_toml(out / "fit.toml", name=str(name), description=description,
                   overwrite=overwrite)
    payload = result.to_dict() | {"spec": str(spec_path)}
    (out / "fit.json").write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    result.residuals.to_csv(out / "residuals.csv", index=False)
    result.plot(out / "fit.png")
    return result


@click.command("fit")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Directory for fit.toml, fit.json, residuals.csv and fit.png.")
@click.option("--overwrite", is_flag=True, help="Replace the files of an existing --out.")
def fit_cmd(spec: str, out: str, overwrite: bool) -> None:
    """Fit model parameters to your data: SPEC.toml lists data, conditions and bounds.

    Example: tfalab fit examples/fit/spec.toml --out fit_out
    """
    from rich.console import Console
    from rich.table import Table

    try:
        result = run_spec(spec, out, overwrite)
    except TfalabError as exc:
        raise _Failure(str(exc)) from None
    except OSError as exc:
        raise _Failure(f"{exc.filename or spec}: {exc.strerror or exc}") from None
    table = Table(title=f"tfalab fit: {spec}")
    for col in ("parameter", "value", "± %", "95 % interval", "identifiable"):
        table.add_column(col)
    for name, p in result.parameters.items():
        ci = result.summary().set_index("parameter").loc[name]
        table.add_row(name, p.friendly, f"{100 * p.rel_std_error:.3g}",
                      f"{ci['95 % low']} – {ci['95 % high']}",
                      "yes" if p.identifiable else f"[red]no[/]: {p.reason}")
    console = Console()
    console.print(table)
    console.print(f"quality: {result.quality}; cost {result.cost:.4g}; "
                  f"{result.n_evaluations} parameter sets simulated in {result.elapsed_s:.1f} s")
    for w in result.warnings:
        console.print(f"[yellow]warning[/]: {w}")
    console.print(f"written: {Path(out) / 'fit.toml'}, fit.json, residuals.csv, fit.png")
