"""Pictures of voxel microstructures: orthogonal slices and porosity profiles (PNG, Agg).

>>> import tempfile, os
>>> from tfalab.microstructure.generate import generate
>>> p = plot_slices(generate(shape=(24, 24, 24)), os.path.join(tempfile.mkdtemp(), "s.png"))
>>> p.is_file()
True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tfalab.microstructure.generate import Microstructure
from tfalab.microstructure.metrics import porosity_profile
from tfalab.plotting import pyplot, save

__all__ = ["plot_sequence", "plot_slices"]

#: pore (blue, as in the paper's CT), free Li (light grey), skeleton (dark), outside (white)
_COLOURS = [(0.15, 0.4, 1.0), (0.82, 0.82, 0.82), (0.25, 0.22, 0.2), (1.0, 1.0, 1.0)]


def _cmap() -> Any:
    from matplotlib.colors import ListedColormap

    return ListedColormap(_COLOURS)


def _show(ax: Any, img: np.ndarray, a_um: float, title: str) -> None:
    h, w = img.shape
    ax.imshow(img, cmap=_cmap(), vmin=-0.5, vmax=3.5, interpolation="nearest",
              extent=(0, w * a_um, h * a_um, 0))
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=7)


def plot_slices(ms: Microstructure, path: str | Path, title: str = "") -> Path:
    """Three orthogonal mid-slices (pore blue, Li grey, skeleton dark) and the porosity
    profile through the thickness; returns the PNG path."""
    plt = pyplot()
    a = ms.voxel_size * 1e6
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
    nz, ny, nx = ms.shape
    _show(axes[0], ms.labels[:, ny // 2, :], a, f"x–z section (y = {ny // 2}), µm; face on top")
    _show(axes[1], ms.labels[:, :, nx // 2], a, f"y–z section (x = {nx // 2}), µm")
    _show(axes[2], ms.labels[min(nz // 2, nz - 1)], a, f"x–y plane (z = {nz // 2}), µm")
    z, prof = porosity_profile(ms)
    axes[3].plot(100 * prof, z * 1e6)
    axes[3].invert_yaxis()
    axes[3].set(xlabel="porosity / %", ylabel="depth from electrolyte face / µm")
    axes[3].set_title(f"porosity {100 * ms.fraction(0):.1f} %, thickness "
                      f"{ms.thickness * 1e6:.2f} µm", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    return save(fig, Path(path))


def plot_sequence(states: Sequence[tuple[str, Microstructure]], path: str | Path,
                  title: str = "") -> Path:
    """One x–z section per state (as made, stripped, re-plated, ...) and their porosity
    profiles, in the spirit of the paper's Fig. 5e–g."""
    plt = pyplot()
    n = len(states)
    fig, axes = plt.subplots(1, n + 1, figsize=(3.3 * (n + 1), 3.6))
    prof_ax = axes[-1]
    for ax, (label, ms) in zip(axes[:-1], states, strict=True):
        a = ms.voxel_size * 1e6
        _show(ax, ms.labels[:, ms.shape[1] // 2, :], a,
              f"{label}: ε = {100 * ms.fraction(0):.1f} %, h = {ms.thickness * 1e6:.2f} µm")
        z, prof = porosity_profile(ms)
        prof_ax.plot(100 * prof, z * 1e6, label=label)
    prof_ax.invert_yaxis()
    prof_ax.set(xlabel="porosity / %", ylabel="depth from electrolyte face / µm")
    prof_ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    return save(fig, Path(path))
