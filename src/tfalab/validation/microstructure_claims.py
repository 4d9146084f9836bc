"""Claim C6 answered by the voxel microstructure (:mod:`tfalab.microstructure`), and the voxel
experiment shared with C4/C5 (:mod:`tfalab.validation.anode_claims`).

C6 ("above 70 wt% free Li the composite creeps like Li") is read as: the free-Li mass fraction
above which the fibrous skeleton no longer spans the electrode's thickness. A prediction: the
skeleton's volume fraction comes from the composition (:class:`~tfalab.anode.CompositeAnode`),
the fibre diameters from the paper (100–400 nm); the fibre aspect ratio (10) is an assumption,
not a fit (the paper gives fibre diameters but no length: Fig. 2b,c, Fig. S1), and it sets the
threshold (the figure shows 5 and 20 too). The reported value uses the uniform fibre network;
the two-scale (cell-wall) skeleton of C4/C5 is shown alongside: its cell size is fitted to the
as-made pores at 60 wt% only, and fibres confined to walls percolate at a *lower* skeleton
fraction, so it moves the threshold up, away from 70 wt%.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from tfalab.microstructure.bridge import PercolationSweep, percolation_threshold
from tfalab.microstructure.generate import DEFAULT_ASPECT_RATIO
from tfalab.validation.figures import pyplot as _plt
from tfalab.validation.figures import save as _save
from tfalab.validation.registry import Answer, Context, answers

#: free-Li mass fractions swept, and the sweep's volume and seeds
SWEEP = tuple(np.round(np.arange(0.65, 0.901, 0.025), 3))
#: coarser sweep for the other aspect ratios shown in the figure
SWEEP_OTHERS = tuple(np.round(np.arange(0.60, 0.951, 0.05), 3))
#: sweep of the two-scale skeleton (fitted cell size), which percolates to higher free Li
SWEEP_TWO_SCALE = tuple(np.round(np.arange(0.75, 0.951, 0.025), 3))
SWEEP_SHAPE = (64, 64, 64)
SWEEP_SEEDS = 3


@lru_cache(maxsize=4)
def sweep(aspect_ratio: float = DEFAULT_ASPECT_RATIO, two_scale: bool = False
          ) -> PercolationSweep:
    """Skeleton percolation against free-Li fraction (cached); ``two_scale``: fibres on the
    walls of cells of the fitted size (``microstructure.cell_size``)."""
    if two_scale:
        return percolation_threshold(list(SWEEP_TWO_SCALE), shape=SWEEP_SHAPE,
                                     seeds=SWEEP_SEEDS, aspect_ratio=aspect_ratio,
                                     cell_size="fitted")
    main = aspect_ratio == DEFAULT_ASPECT_RATIO
    return percolation_threshold(list(SWEEP if main else SWEEP_OTHERS), shape=SWEEP_SHAPE,
                                 seeds=SWEEP_SEEDS if main else 2, aspect_ratio=aspect_ratio)


@answers("C6")
def c6(ctx: Context) -> Answer:
    main = sweep()
    others = {ar: sweep(ar).threshold for ar in (5.0, 20.0)}
    two = sweep(two_scale=True)
    from tfalab.parameters import fitted

    cell = fitted("microstructure.cell_size").value
    note = (f"voxel model: 64^3 voxels of 100 nm, {SWEEP_SEEDS} seeds per composition, uniform "
            f"network of fibres 100-400 nm, aspect ratio {DEFAULT_ASPECT_RATIO:g} (assumed: the "
            "paper gives fibre diameters, Fig. 2b,c, but no fibre length or aspect ratio, and "
            "Fig. S1/S6 are not quantified in the text); skeleton volume fraction "
            f"{100 * np.interp(main.threshold, main.free_li, main.skeleton_fraction):.1f}"
            " % at the threshold. Aspect ratio 5: "
            f"{100 * others[5.0]:.1f} wt%, 20: {100 * others[20.0]:.1f} wt% (2 seeds). The "
            "two-scale skeleton of C4/C5 (fibres in the walls of the fitted "
            f"{1e6 * cell:.2f} um cells, aspect ratio {DEFAULT_ASPECT_RATIO:g}): "
            f"{100 * two.threshold:.1f} wt% - fibres "
            "confined to walls connect at a lower volume fraction, so it misses by more; it "
            "is not the reported value because its cell size is fitted at 60 wt% only. Why "
            "the miss: connectivity percolation is necessary, not sufficient, for the skeleton "
            "to carry the stack pressure (a barely connected, bending-dominated network "
            "creeps with the Li), so the model's number is an upper bound on the creep onset; "
            "reaching 70 wt% by connectivity alone needs fibres shorter than aspect ratio 5, "
            "which nothing in the paper fixes; no aspect ratio was fitted")
    return Answer(values={"creep_threshold": 100 * main.threshold},
                  notes={"creep_threshold": note}, figures=[_figure(ctx, main)])


def _figure(ctx: Context, main: PercolationSweep) -> Path:
    path = ctx.figure_path("microstructure_percolation.png")
    if path.exists():
        return path
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for ar in (5.0, DEFAULT_ASPECT_RATIO, 20.0):
        s = main if ar == DEFAULT_ASPECT_RATIO else sweep(ar)
        ax.plot(100 * s.free_li, s.probability, "o-", ms=3, label=f"fibre aspect ratio {ar:g}")
    two = sweep(two_scale=True)
    ax.plot(100 * two.free_li, two.probability, "s--", ms=3, c="k",
            label=f"two-scale (cell walls), aspect ratio {DEFAULT_ASPECT_RATIO:g}")
    ax.axvline(70, ls="--", c="grey", label="paper: creeps like Li > 70 wt%")
    ax.set(xlabel="free Li / wt%", ylabel="P(skeleton spans the thickness)")
    ax.legend(fontsize=7)
    return _save(fig, path)
