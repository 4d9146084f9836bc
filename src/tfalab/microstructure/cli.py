"""``tfalab microstructure generate|strip|plate|metrics``: voxel volumes from the command line.

Each command writes ``OUT.npz`` (the volume), ``OUT.png`` (slices and porosity profile) and
``OUT.json`` (metrics). Attach to the main CLI with ``cli.add_command(microstructure)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from tfalab.errors import TfalabError


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


def _write(ms, out: str, title: str) -> dict:
    from tfalab.microstructure.metrics import measure
    from tfalab.microstructure.plots import plot_slices

    base = Path(out)
    base.parent.mkdir(parents=True, exist_ok=True)
    npz = ms.save(base.with_suffix(".npz"))
    png = plot_slices(ms, base.with_suffix(".png"), title=title)
    summary = {"volume": str(npz), "figure": str(png), "shape": list(ms.shape),
               "voxel_size_m": ms.voxel_size, "metrics": measure(ms).to_dict(),
               "ledger": ms.metadata.get("ledger", {})}
    base.with_suffix(".json").write_text(json.dumps(summary, indent=2))
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


@microstructure.command()
@click.option("--free-li", default="60 wt%", show_default=True, help="free-Li mass fraction")
@click.option("--porosity", default="6.6 %", show_default=True)
@click.option("--shape", default="64x64x64", show_default=True, help="voxels (z = thickness)")
@click.option("--voxel-size", default="100 nm", show_default=True)
@click.option("--diameters", default="100 nm,400 nm", show_default=True,
              help="fibre diameter range")
@click.option("--aspect-ratio", default=10.0, show_default=True, type=float)
@click.option("--max-tilt", default=90.0, show_default=True, type=float,
              help="fibre tilt out of the face plane, degrees (90 = isotropic)")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--cell-size", default=None,
              help="two-scale skeleton: fibres on the walls of cells of this size "
                   "(e.g. '4 um', or 'fitted'); default: uniform fibres")
@click.option("--bare", is_flag=True, help="bare Li (no skeleton, no pores)")
@click.option("--out", "-o", required=True, help="output path without extension")
@_guard
def generate(free_li, porosity, shape, voxel_size, diameters, aspect_ratio, max_tilt, seed,
             cell_size, bare, out) -> None:
    """Generate an as-made volume."""
    from tfalab.anode import CompositeAnode
    from tfalab.microstructure.generate import bare_li
    from tfalab.microstructure.generate import generate as _generate

    shp = _shape(shape)
    if bare:
        ms = bare_li(shp, voxel_size)
    else:
        d = tuple(x.strip() for x in diameters.split(","))
        if len(d) != 2:
            raise click.BadParameter("--diameters takes two lengths, e.g. '100 nm,400 nm'")
        an = CompositeAnode(free_li=free_li, porosity=porosity)
        ms = _generate(an, shp, voxel_size, d, aspect_ratio, max_tilt, seed, cell_size)
    _report(_write(ms, out, "as made"))


@microstructure.command()
@click.argument("volume", type=click.Path(exists=True, dir_okay=False))
@click.option("--capacity", required=True, help='areal capacity, e.g. "5 mAh/cm2"')
@click.option("--collapse", default="rigid", show_default=True,
              help='collapse fraction: "rigid", "fitted" or a number')
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--out", "-o", required=True)
@_guard
def strip(volume, capacity, collapse, seed, out) -> None:
    """Strip Li from a volume."""
    from tfalab.microstructure import electrochem
    from tfalab.microstructure.generate import load

    ms = electrochem.strip(load(volume), capacity, collapse, seed)
    _report(_write(ms, out, f"stripped {capacity}"))


@microstructure.command()
@click.argument("volume", type=click.Path(exists=True, dir_okay=False))
@click.option("--capacity", required=True, help='areal capacity, e.g. "5 mAh/cm2"')
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--out", "-o", required=True)
@_guard
def plate(volume, capacity, seed, out) -> None:
    """Plate Li into a volume."""
    from tfalab.microstructure import electrochem
    from tfalab.microstructure.generate import load

    ms = electrochem.plate(load(volume), capacity, seed)
    _report(_write(ms, out, f"plated {capacity}"))


@microstructure.command()
@click.argument("volume", type=click.Path(exists=True))
@click.option("--voxel-size", default="0.3 um", show_default=True,
              help="for CT/FIB-SEM stacks (TIFF, folder of slices, .npy)")
@click.option("--threshold", default=None, type=float, help="grey threshold (default Otsu)")
@click.option("--pore", default="dark", type=click.Choice(["dark", "bright"]))
@click.option("--skeleton-threshold", default=None, type=float,
              help="grey value above which solid is skeleton")
@click.option("--out", "-o", required=True)
@_guard
def metrics(volume, voxel_size, threshold, pore, skeleton_threshold, out) -> None:
    """Measure a tfalab volume (.npz) or a measured stack (TIFF/.npy)."""
    from tfalab.microstructure import bridge
    from tfalab.microstructure.generate import load

    p = Path(volume)
    if p.suffix.lower() == ".npz":
        ms = load(p)
    else:
        try:
            ms = load(p)
        except TfalabError:
            ms = bridge.from_ct(p, voxel_size, threshold, pore, skeleton_threshold)
    summary = _write(ms, out, p.name)
    summary["effective_parameters"] = {
        k: (None if isinstance(v, float) and v != v else v)
        for k, v in bridge.effective_parameters(ms).items()}
    Path(out).with_suffix(".json").write_text(json.dumps(summary, indent=2, default=str))
    _report(summary)
