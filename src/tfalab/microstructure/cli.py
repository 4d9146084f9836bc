"""``tfalab microstructure generate|strip|plate|metrics``: voxel volumes from the command line.

Each command writes ``OUT.npz`` (the volume), ``OUT.png`` (slices and porosity profile) and
``OUT.json`` (metrics). ``OUT`` is taken as written (``-o vol.stripped`` writes
``vol.stripped.npz``); the outputs are checked before any work, never replace an input, and
replace an existing file only with ``--force``. Attach to the main CLI with
``cli.add_command(microstructure)``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from tfalab.errors import OutputError, TfalabError
from tfalab.microstructure.generate import MAX_VOXELS

_SUFFIXES = (".npz", ".png", ".json")


def _shape(text: str) -> tuple[int, int, int]:
    try:
        parts = [int(p) for p in text.lower().replace("x", ",").split(",") if p.strip()]
    except ValueError:
        raise click.BadParameter(f"shape must look like 64x64x64, got {text!r}") from None
    if len(parts) == 1:
        parts *= 3
    if len(parts) != 3:
        raise click.BadParameter(f"shape must have 1 or 3 sizes, got {text!r}")
    return (parts[0], parts[1], parts[2])


def _outputs(out: str, force: bool, inputs: tuple[str, ...] = ()) -> list[Path]:
    """OUT.npz, OUT.png, OUT.json (``out`` taken literally), checked before any work: a
    usable name, nothing replaced without ``force`` and never an input."""
    from tfalab.outputs import output_paths

    for suffix in _SUFFIXES:
        for src in inputs:
            try:
                p = Path(f"{out}{suffix}")
                same = p.resolve() == Path(src).resolve() or (
                    p.exists() and os.path.samefile(p, src))
            except (OSError, ValueError):
                continue  # not a usable name: output_paths says why
            if same:
                raise OutputError(f"--out {out!r} would overwrite the input {src}; choose "
                                  f"another output name")
    return output_paths(out, _SUFFIXES, force, what="--out")


def _write(ms, paths: list[Path], title: str, extra: dict | None = None) -> dict:
    """Measure ``ms`` (before anything is written), then write the volume, the figure and
    the JSON summary, each atomically."""
    from tfalab.microstructure.metrics import measure
    from tfalab.microstructure.plots import plot_slices
    from tfalab.outputs import atomic_write

    npz, png, js = paths
    summary = {"volume": str(npz), "figure": str(png), "shape": list(ms.shape),
               "voxel_size_m": ms.voxel_size, "metrics": measure(ms).to_dict(),
               "ledger": ms.metadata.get("ledger", {})}
    summary.update(extra or {})
    text = json.dumps(summary, indent=2, default=str)
    atomic_write(npz, ms.save)
    atomic_write(png, lambda tmp: plot_slices(ms, tmp, title=title))
    atomic_write(js, lambda tmp: tmp.write_text(text))
    return summary


def _report(summary: dict) -> None:
    m = summary["metrics"]
    click.echo(f"wrote {summary['volume']}, {summary['figure']}")
    click.echo(f"thickness {m['thickness'] * 1e6:.3f} um, porosity {100 * m['porosity']:.2f} %, "
               f"skeleton {100 * m['skeleton_fraction']:.1f} vol% "
               f"(percolates: {m['skeleton_percolates']}), contact "
               f"{100 * m['contact']['solid']:.1f} %")


def _guard(func):
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except TfalabError as exc:
            raise click.ClickException(str(exc)) from exc
    return wrapper


@click.group("microstructure")
def microstructure() -> None:
    """3D voxel microstructures of TFA and Li anodes."""


_FORCE = click.option("--force", is_flag=True,
                      help="Replace output files that exist (never done without it; an input "
                           "is never replaced).")
_MAX_VOXELS = click.option("--max-voxels", default=MAX_VOXELS, show_default=True,
                           type=click.IntRange(min=1),
                           help="Largest volume (voxels) built; raise it for larger volumes if "
                                "the memory allows (about 26 bytes per voxel).")
_OUT = click.option("--out", "-o", required=True,
                    help="Output stem, taken as written: writes OUT.npz, OUT.png, OUT.json.")


@microstructure.command()
@click.option("--free-li", default="60 wt%", show_default=True, help="free-Li mass fraction")
@click.option("--porosity", default="6.6 %", show_default=True)
@click.option("--shape", default="64x64x64", show_default=True, help="voxels (z = thickness)")
@click.option("--voxel-size", default="100 nm", show_default=True)
@click.option("--diameters", default="100 nm,400 nm", show_default=True,
              help="fibre diameter range")
@click.option("--aspect-ratio", default=10.0, show_default=True, type=float,
              help="fibre length / diameter (>= 1)")
@click.option("--max-tilt", default=90.0, show_default=True, type=float,
              help="fibre tilt out of the face plane, degrees (90 = isotropic)")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**32 - 1))
@click.option("--cell-size", default=None,
              help="two-scale skeleton: fibres on the walls of cells of this size "
                   "(e.g. '4 um', or 'fitted'); default: uniform fibres")
@click.option("--bare", is_flag=True, help="bare Li (no skeleton, no pores)")
@_MAX_VOXELS
@_OUT
@_FORCE
@_guard
def generate(free_li, porosity, shape, voxel_size, diameters, aspect_ratio, max_tilt, seed,
             cell_size, bare, max_voxels, out, force) -> None:
    """Generate an as-made volume."""
    from tfalab.anode import CompositeAnode
    from tfalab.microstructure.generate import bare_li, check_shape
    from tfalab.microstructure.generate import generate as _generate

    ctx = click.get_current_context()
    skeleton_options = ("free_li", "porosity", "diameters", "aspect_ratio", "max_tilt",
                        "cell_size")
    ignored = [n for n in skeleton_options
               if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
    if bare and ignored:
        flags = ", ".join("--" + n.replace("_", "-") for n in ignored)
        raise click.UsageError(f"{flags}: bare Li (--bare) has no skeleton or pores; drop "
                               "them or leave out --bare")
    shp = check_shape(_shape(shape), max_voxels, min_size=1 if bare else 2, what="--shape")
    paths = _outputs(out, force)
    if bare:
        ms = bare_li(shp, voxel_size, max_voxels=max_voxels)
    else:
        d = tuple(x.strip() for x in diameters.split(","))
        if len(d) != 2:
            raise click.BadParameter("--diameters takes two lengths, e.g. '100 nm,400 nm'")
        an = CompositeAnode(free_li=free_li, porosity=porosity)
        if an.is_bare:
            raise click.BadParameter(f"{free_li!r} leaves no skeleton; for bare Li use --bare",
                                     param_hint="--free-li")
        ms = _generate(an, shp, voxel_size, d, aspect_ratio, max_tilt, seed, cell_size,
                       max_voxels=max_voxels)
    _report(_write(ms, paths, "as made"))


@microstructure.command()
@click.argument("volume", type=click.Path(exists=True, dir_okay=False))
@click.option("--capacity", required=True, help='areal capacity, e.g. "5 mAh/cm2"')
@click.option("--collapse", default="rigid", show_default=True,
              help='collapse fraction: "rigid", "fitted" or a number')
@click.option("--seed", default=0, show_default=True, type=int)
@_OUT
@_FORCE
@_guard
def strip(volume, capacity, collapse, seed, out, force) -> None:
    """Strip Li from a volume."""
    from tfalab.microstructure import electrochem
    from tfalab.microstructure.generate import load

    paths = _outputs(out, force, (volume,))
    ms = electrochem.strip(load(volume), capacity, collapse, seed)
    _report(_write(ms, paths, f"stripped {capacity}"))


@microstructure.command()
@click.argument("volume", type=click.Path(exists=True, dir_okay=False))
@click.option("--capacity", required=True, help='areal capacity, e.g. "5 mAh/cm2"')
@click.option("--seed", default=0, show_default=True, type=int)
@_MAX_VOXELS
@_OUT
@_FORCE
@_guard
def plate(volume, capacity, seed, max_voxels, out, force) -> None:
    """Plate Li into a volume."""
    from tfalab.microstructure import electrochem
    from tfalab.microstructure.generate import load

    paths = _outputs(out, force, (volume,))
    ms = electrochem.plate(load(volume), capacity, seed, max_voxels=max_voxels)
    _report(_write(ms, paths, f"plated {capacity}"))


@microstructure.command()
@click.argument("volume", type=click.Path(exists=True))
@click.option("--voxel-size", default="0.3 um", show_default=True,
              help="for CT/FIB-SEM stacks (TIFF, folder of slices, .npy)")
@click.option("--threshold", default=None, type=float, help="grey threshold (default Otsu)")
@click.option("--pore", default="dark", type=click.Choice(["dark", "bright"]))
@click.option("--skeleton-threshold", default=None, type=float,
              help="grey value above which solid is skeleton")
@_OUT
@_FORCE
@_guard
def metrics(volume, voxel_size, threshold, pore, skeleton_threshold, out, force) -> None:
    """Measure a tfalab volume (.npz) or a measured stack (TIFF/.npy)."""
    from tfalab.errors import DataFileError
    from tfalab.microstructure import bridge
    from tfalab.microstructure.generate import load

    ctx = click.get_current_context()
    ct_options = [n for n in ("voxel_size", "threshold", "pore", "skeleton_threshold")
                  if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]

    def labelled() -> None:  # a tfalab volume carries its labels and voxel size
        if ct_options:
            flags = ", ".join("--" + n.replace("_", "-") for n in ct_options)
            raise click.UsageError(f"{flags}: {p.name} is a labelled tfalab volume (it carries "
                                   "its phases and voxel size); these options apply only to a "
                                   "measured grey-value CT/FIB-SEM stack (TIFF, folder of "
                                   "slices, .npy)")

    paths = _outputs(out, force, (volume,))
    p = Path(volume)
    suffix = p.suffix.lower()
    if p.is_file() and suffix == ".npz":
        labelled()
        ms = load(p)
    elif p.is_file() and suffix in (".tif", ".tiff"):
        try:  # a volume tfalab wrote as TIFF, else a measured stack
            ms = load(p)
        except DataFileError:
            ms = bridge.from_ct(p, voxel_size, threshold, pore, skeleton_threshold)
        else:
            labelled()
    else:  # .npy, a folder of slices, or an unknown format (from_ct says so)
        ms = bridge.from_ct(p, voxel_size, threshold, pore, skeleton_threshold)
    effective = {k: (None if isinstance(v, float) and v != v else v)
                 for k, v in bridge.effective_parameters(ms).items()}
    _report(_write(ms, paths, p.name, {"effective_parameters": effective}))
