"""``tfalab atomistic adsorption|md|screen``: the atomistic tools from the command line.

Importable without the extra (``from tfalab.atomistic.cli import atomistic``); the commands
import ASE/torch/CHGNet when run and fail with "install tfalab[atomistic]" if they are missing.
Every command caches its pieces in ``--workdir`` so an interrupted run resumes. Inputs
(surfaces, structures, phases) are checked before any computation; a tfalab error goes up to
``tfalab.cli.main`` (one line, exit code 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import click

_WORKDIR = click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
                        default=Path("atomistic-work"), show_default=True,
                        help="Cache and trajectory folder (rerun to resume).")
_CALC = click.option("--calculator", default="chgnet", show_default=True,
                     help="Interatomic potential (only 'chgnet' from the command line; pass "
                          "any ASE calculator from Python).")
def _finite(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Refuse NaN and inf (click's FloatRange lets NaN through)."""
    import math

    if isinstance(value, float) and not math.isfinite(value):
        raise click.BadParameter(f"{value!r} is not a finite number")
    return value


_FMAX = click.option("--fmax", default=0.05, show_default=True, callback=_finite,
                     type=click.FloatRange(min=0.0, min_open=True, max=10.0),
                     help="Relaxation threshold on the largest force, eV/Å.")


def _need_extra() -> None:
    from tfalab.atomistic.calculators import ExtraNotInstalledError, require

    try:
        require("ase", "torch", "chgnet")
    except ExtraNotInstalledError as exc:
        raise click.ClickException(str(exc)) from None


def _say(message: str) -> None:
    from rich.console import Console

    Console(stderr=True).log(message)


def _write(data: object, out: Path | None) -> None:
    text = json.dumps(data, indent=1, default=float)
    if out is None:
        click.echo(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        _say(f"wrote {out}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def atomistic() -> None:
    """Atomistic descriptors with a universal interatomic potential (tfalab[atomistic])."""


@atomistic.command()
@click.option("--surface", "surfaces", multiple=True, default=("Li(001)", "LiBx(110)"),
              show_default=True, help="Surface 'Phase(hkl)', repeatable; phases: Li, LiBx, "
                                      "Li3N, LiF, Li2O, LiMg, LiAl.")
@click.option("--max-sites", default=4, show_default=True, type=click.IntRange(1, 1000),
              help="Sites tried per surface.")
@click.option("--thickness", default=7.0, show_default=True, callback=_finite,
              type=click.FloatRange(min=1.0, max=100.0), help="Minimum slab thickness, Å.")
@_FMAX
@_CALC
@_WORKDIR
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="JSON result file (sites also to <out>.csv); default: print JSON.")
def adsorption(surfaces: tuple[str, ...], max_sites: int, thickness: float, fmax: float,
               calculator: str, workdir: Path, out: Path | None) -> None:
    """Li adsorption energies (Eq. 1; isolated-atom and bulk-Li references).

    Example: tfalab atomistic adsorption --surface "LiBx(110)" --max-sites 3 --out ads.json
    """
    import re

    _need_extra()
    from tfalab.atomistic.adsorption import adsorb, li_reference, site_table, surface_slab
    from tfalab.atomistic.calculators import ResultCache, get_calculator
    from tfalab.atomistic.structures import check_miller, to_atoms

    # every surface is checked (form, phase, Miller index) before any computation
    parsed: list[tuple[str, str, tuple[int, int, int]]] = []
    for name in surfaces:
        m = re.fullmatch(r"\s*([A-Za-z0-9]+)\s*\(\s*(-?\d)\s*(-?\d)\s*(-?\d)\s*\)\s*", name)
        if not m:
            raise click.BadParameter(f"{name!r}: write Phase(hkl), e.g. LiBx(110)",
                                     param_hint="--surface")
        miller = cast(tuple[int, int, int],  # the pattern has three index groups
                      tuple(int(g) for g in m.groups()[1:]))
        check_miller(miller, f"--surface {name!r}: Miller index")
        to_atoms(m.group(1))  # an unknown phase fails here
        parsed.append((name, m.group(1), miller))
    calc = get_calculator(calculator)
    cache = ResultCache(workdir)
    ref = li_reference(calc, fmax=fmax, cache=cache)
    results = {}
    for name, phase, miller in parsed:
        _say(f"{name}: relaxing bulk, building the slab")
        slab = surface_slab(phase, miller, calc, fmax=fmax, thickness=thickness)
        results[name] = adsorb(slab, calc, max_sites=max_sites, fmax=fmax, reference=ref,
                               surface=name, cache=cache, progress=_say)
    table = site_table(results)
    _write({k: v.to_dict() for k, v in results.items()}, out)
    if out:
        table.to_csv(out.with_suffix(".csv"), index=False)
    _say("\n" + table.to_string(index=False))


@atomistic.command()
@click.argument("structure", default="LiBx")
@click.option("--temperature", default=300.0, show_default=True,
              type=click.FloatRange(min=0.0, min_open=True, max=5000.0), callback=_finite,
              help="Temperature, K.")
@click.option("--steps", default=1000, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Total MD steps.")
@click.option("--timestep", default=2.0, show_default=True,
              type=click.FloatRange(min=0.0, min_open=True, max=20.0), callback=_finite,
              help="Time step, fs.")
@click.option("--supercell", nargs=3, type=click.IntRange(1, 20), default=None,
              help="Repetitions a b c (default: every width >= 7 Å).")
@click.option("--thermostat", type=click.Choice(["langevin", "nose-hoover"]),
              default="langevin", show_default=True)
@click.option("--equilibration", default=200.0, show_default=True,
              type=click.FloatRange(min=0.0), callback=_finite,
              help="Time dropped before the MSD, fs.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**32 - 1))
@click.option("--no-relax", is_flag=True, help="Skip the cell relaxation before MD.")
@_CALC
@_WORKDIR
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="JSON summary (MSD per species to <out>.csv); default: print JSON.")
def md(structure: str, temperature: float, steps: int, timestep: float,
       supercell: tuple[int, int, int] | None, thermostat: str, equilibration: float,
       seed: int, no_relax: bool, calculator: str, workdir: Path, out: Path | None) -> None:
    """NVT MD of STRUCTURE (phase name or structure file): MSD and D per species.

    The trajectory goes to WORKDIR/<name>-<T>K.traj; rerunning continues it.
    Example: tfalab atomistic md LiBx --steps 2000 --temperature 300 --out md.json
    """
    _need_extra()
    import pandas as pd

    from tfalab.atomistic.calculators import get_calculator, relax
    from tfalab.atomistic.md import md_summary, run_md
    from tfalab.atomistic.structures import supercell_reps, to_atoms

    atoms = to_atoms(structure)  # an unknown phase or unreadable file fails before any work
    calc = get_calculator(calculator)
    if not no_relax:
        _say(f"relaxing {atoms.get_chemical_formula()}")
        atoms = relax(atoms, calc, cell=True).atoms
    reps = tuple(supercell) if supercell else supercell_reps(atoms, 7.0)
    atoms = atoms.repeat(reps)
    name = Path(structure).stem if Path(structure).is_file() else structure
    traj = workdir / f"{name}-{'x'.join(map(str, reps))}-{temperature:g}K.traj"
    _say(f"MD of {len(atoms)} atoms -> {traj}")
    run = run_md(atoms, calc, temperature, steps, timestep, thermostat, trajectory=traj,
                 seed=seed, progress=True)
    summary = md_summary(run, equilibration)
    summary["trajectory"] = str(traj)
    _write(summary, out)
    if out:
        msd = run.msd(equilibration)
        frame = pd.DataFrame({f"msd_{el}_A2": m for el, m in msd.items()})
        frame.insert(0, "lag_fs", frame.index * run.dt_fs)
        frame.to_csv(out.with_suffix(".csv"), index=False)
    for el, d in summary["species"].items():
        _say(f"{el}: MSD {d['msd_final_A2']:.3f} A2, D = {d['D_cm2_s']:.3g} "
             f"± {d['D_err_m2_s'] * 1e4:.2g} cm2/s")


@atomistic.command()
@click.option("--phases", default="LiBx,Li3N,LiF,Li2O,LiMg", show_default=True,
              help="Comma-separated phase names or structure files.")
@click.option("--descriptors", default="adsorption,diffusion,elastic", show_default=True)
@click.option("--md-steps", default=500, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option("--temperature", default=300.0, show_default=True,
              type=click.FloatRange(min=0.0, min_open=True, max=5000.0),
              help="MD temperature, K.")
@click.option("--max-sites", default=3, show_default=True, type=click.IntRange(1, 1000))
@_FMAX
@_CALC
@_WORKDIR
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("screening.csv"), show_default=True, help="CSV table.")
def screen(phases: str, descriptors: str, md_steps: int, temperature: float, max_sites: int,
           fmax: float, calculator: str, workdir: Path, out: Path) -> None:
    """Screen candidate skeleton phases; the CSV is rewritten after each phase.

    Example: tfalab atomistic screen --phases LiBx,Li3N --descriptors elastic,diffusion
    """
    _need_extra()
    import pandas as pd

    from tfalab.atomistic.calculators import ResultCache
    from tfalab.atomistic.screening import COLUMNS
    from tfalab.atomistic.screening import screen as run_screen

    rows: list[dict] = []

    def on_row(row: dict) -> None:
        rows.append(row)
        out.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows, columns=COLUMNS).to_csv(out, index=False)
        _say(f"{row['phase']} done -> {out}")

    names = [p.strip() for p in phases.split(",") if p.strip()]
    kinds = [d.strip() for d in descriptors.split(",") if d.strip()]
    if not names or not kinds:
        raise click.UsageError(f"--phases {phases!r} / --descriptors {descriptors!r}: give at "
                               "least one name each, comma-separated")
    table = run_screen(names, calculator, kinds,
                       cache=ResultCache(workdir), progress=_say, on_row=on_row,
                       md_steps=md_steps, temperature_K=temperature, max_sites=max_sites,
                       fmax=fmax)
    cols = [c for c in ("phase", "density_kg_m3", "li_atomic_fraction", "E_ads_eV",
                        "dE_ads_vs_Li_eV", "D_Li_cm2_s", "E_GPa", "G_GPa") if c in table]
    _say("\n" + table[cols].to_string(index=False))
