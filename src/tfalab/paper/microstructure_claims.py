"""Claim C6 answered by the voxel microstructure (:mod:`tfalab.microstructure`), and the voxel
experiment shared with C4/C5 (:mod:`tfalab.paper.anode_claims`).

C6 ("above 70 wt% free Li the composite creeps like Li") is read as: the free-Li mass fraction
above which the fibrous skeleton no longer carries the stack pressure between the electrode's
faces. Reported: *load-bearing* percolation - at least two vertex-disjoint face-to-face paths
through the medial-axis network of the skeleton, which excludes dangling ends and single
chains (:mod:`tfalab.microstructure.loadbearing`: Herrmann-Hong-Stanley backbone, Menger
paths); geometric connectivity (one cluster touching both faces, the earlier value) is kept in
the note for comparison. A prediction: the
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
from tfalab.paper.registry import Answer, Context, answers
from tfalab.plotting import pyplot as _plt
from tfalab.plotting import save as _save

#: free-Li mass fractions swept, and the sweep's volume and seeds
SWEEP = tuple(np.round(np.arange(0.65, 0.901, 0.025), 3))
#: coarser sweep for the other aspect ratios shown in the figure
SWEEP_OTHERS = tuple(np.round(np.arange(0.60, 0.951, 0.05), 3))
#: sweep of the two-scale skeleton (fitted cell size), which percolates to higher free Li
SWEEP_TWO_SCALE = tuple(np.round(np.arange(0.75, 0.951, 0.025), 3))
SWEEP_SHAPE = (64, 64, 64)
SWEEP_SEEDS = 3


@lru_cache(maxsize=8)
def sweep(aspect_ratio: float = DEFAULT_ASPECT_RATIO, two_scale: bool = False,
          criterion: str = "connectivity", load_paths: int | None = None) -> PercolationSweep:
    """Skeleton percolation against free-Li fraction (cached); ``two_scale``: fibres on the
    walls of cells of the fitted size (``microstructure.cell_size``); ``criterion``:
    ``"connectivity"`` or ``"load_bearing"`` (``load_paths`` disjoint paths, default 2; the
    default aspect ratio only). The default aspect ratio's connectivity and 2- and 3-path
    sweeps come from one pass over the same volumes (:func:`shared_sweeps`)."""
    from tfalab.microstructure.loadbearing import LOAD_PATHS

    default = aspect_ratio == DEFAULT_ASPECT_RATIO
    if criterion != "connectivity":
        k = LOAD_PATHS if load_paths is None else int(load_paths)
        if default and k in SHARED_PATHS:
            return _shared()[k]
        return percolation_threshold(list(SWEEP), shape=SWEEP_SHAPE, seeds=SWEEP_SEEDS,
                                     aspect_ratio=aspect_ratio, criterion=criterion,
                                     load_paths=load_paths)
    if two_scale:
        return percolation_threshold(list(SWEEP_TWO_SCALE), shape=SWEEP_SHAPE,
                                     seeds=SWEEP_SEEDS, aspect_ratio=aspect_ratio,
                                     cell_size="fitted")
    if default:
        return _shared()["connectivity"]
    return percolation_threshold(list(SWEEP_OTHERS), shape=SWEEP_SHAPE, seeds=2,
                                 aspect_ratio=aspect_ratio)


#: vertex-disjoint path counts whose load-bearing sweeps :func:`shared_sweeps` gives
SHARED_PATHS = (2, 3)


@lru_cache(maxsize=1)
def _shared() -> dict[str | int, PercolationSweep]:
    return shared_sweeps(SWEEP, SWEEP_SHAPE, SWEEP_SEEDS)


def _threshold(w: np.ndarray, p: np.ndarray) -> float:
    """Where ``p`` falls through 1/2 (linear), as :func:`percolation_threshold` finds it."""
    for i in range(len(w) - 1):
        if p[i] >= 0.5 > p[i + 1]:
            return float(w[i] + (p[i] - 0.5) / (p[i] - p[i + 1]) * (w[i + 1] - w[i]))
    return float("nan")


def shared_sweeps(free_li: tuple[float, ...] = SWEEP,
                  shape: tuple[int, int, int] = SWEEP_SHAPE, seeds: int = SWEEP_SEEDS,
                  paths: tuple[int, ...] = SHARED_PATHS) -> dict[str | int, PercolationSweep]:
    """The connectivity sweep and the load-bearing sweeps for each of ``paths`` (default
    aspect ratio), exactly as :func:`~tfalab.microstructure.bridge.percolation_threshold`
    gives them one by one, from one pass: each volume is generated once and its disjoint
    paths are counted once, capped at ``max(paths)`` (a max-flow capped at 3 is at least k
    exactly when one capped at k is, for k <= 3). Keys: ``"connectivity"`` and each k."""
    from tfalab.anode import CompositeAnode
    from tfalab.microstructure.generate import DEFAULT_VOXEL_SIZE, SKELETON, generate
    from tfalab.microstructure.loadbearing import load_bearing
    from tfalab.microstructure.metrics import full_slab, percolates

    w = np.asarray(free_li, float)
    phi, spans, counts = [], [], []
    for x in w:
        an = CompositeAnode(free_li=float(x), porosity=0.066)
        phi.append(an.skeleton_volume_fraction)
        row_spans, row_counts = [], []
        for s in range(seeds):
            mask = full_slab(generate(an, shape, DEFAULT_VOXEL_SIZE,
                                      aspect_ratio=DEFAULT_ASPECT_RATIO, seed=s)) == SKELETON
            row_spans.append(percolates(mask))
            row_counts.append(load_bearing(mask, max_paths=max(paths)).disjoint_paths)
        spans.append(float(np.mean(row_spans)))
        counts.append(row_counts)
    out: dict[str | int, PercolationSweep] = {}
    sweeps: list[tuple[str | int, list[float]]] = [
        ("connectivity", spans),
        *((k, [float(np.mean([n >= k for n in c])) for c in counts]) for k in paths)]
    for key, p in sweeps:
        prob = np.asarray(p)
        out[key] = PercolationSweep(w, np.asarray(phi), prob, _threshold(w, prob))
    return out


def backbone_near_threshold(free_li: float, seeds: int = SWEEP_SEEDS) -> dict[str, float]:
    """Mean backbone and dangling fractions of the medial network, and the mean number of
    vertex-disjoint paths (capped at 8), over the spanning ``seeds`` volumes of the sweep at
    ``free_li`` (default aspect ratio)."""
    from tfalab.anode import CompositeAnode
    from tfalab.microstructure.generate import SKELETON, generate
    from tfalab.microstructure.loadbearing import load_bearing
    from tfalab.microstructure.metrics import full_slab

    rows = []
    for seed in range(seeds):
        ms = generate(CompositeAnode(free_li=free_li, porosity=0.066), SWEEP_SHAPE, seed=seed)
        r = load_bearing(full_slab(ms) == SKELETON, max_paths=8)
        if r.spans:
            rows.append((r.backbone_fraction, r.dangling_fraction, r.disjoint_paths))
    if not rows:
        return {"spanning": 0, "backbone": float("nan"), "dangling": float("nan"),
                "paths": float("nan")}
    a = np.array(rows, float)
    return {"spanning": len(rows), "backbone": float(a[:, 0].mean()),
            "dangling": float(a[:, 1].mean()), "paths": float(a[:, 2].mean())}


@answers("C6")
def c6(ctx: Context) -> Answer:
    from tfalab.microstructure.loadbearing import LOAD_PATHS, maxwell_threshold

    geo = sweep()
    main = sweep(criterion="load_bearing")
    three = sweep(criterion="load_bearing", load_paths=3)
    others = {ar: sweep(ar).threshold for ar in (5.0, 20.0)}
    two = sweep(two_scale=True)
    below = float(max(w for w in SWEEP if w < main.threshold))
    bb = backbone_near_threshold(below)
    from tfalab.parameters import fitted

    cell = fitted("microstructure.cell_size").value
    single = [f"{100 * w:.1f}" for w, pg, pl in zip(geo.free_li, geo.probability,
                                                      main.probability, strict=True)
              if pg > pl]
    extra = ("" if not single else "; above it, skeletons that span on a single chain of "
             "fibres (connected but not load-bearing) remain at " + ", ".join(single)
             + " wt%")
    note = (f"voxel model: 64^3 voxels of 100 nm, {SWEEP_SEEDS} seeds per composition, uniform "
            f"network of fibres 100-400 nm, aspect ratio {DEFAULT_ASPECT_RATIO:g} (assumed: the "
            "paper gives fibre diameters, Fig. 2b,c, but no fibre length or aspect ratio, and "
            "Fig. S1/S6 are not quantified in the text). Criterion: load-bearing percolation, "
            f"at least {LOAD_PATHS} vertex-disjoint face-to-face paths through the medial-axis "
            "network of the skeleton (skimage skeletonize, 26-neighbours; dangling ends carry "
            "no load: backbone of Herrmann, Hong & Stanley, J. Phys. A 17, L261 (1984); "
            "disjoint paths by Menger/max-flow, networkx): "
            f"{100 * main.threshold:.1f} wt%, skeleton volume fraction "
            f"{100 * np.interp(main.threshold, main.free_li, main.skeleton_fraction):.1f} % at "
            f"the threshold; 3 disjoint paths (the 3-connectivity necessary for generic "
            f"rigidity in 3D): {100 * three.threshold:.1f} wt%; geometric connectivity (one "
            f"cluster touching both faces, the earlier value): {100 * geo.threshold:.1f} wt%. "
            f"The criteria agree: at {100 * below:.1f} wt% the spanning skeletons "
            f"({bb['spanning']} of {SWEEP_SEEDS}) have {bb['paths']:.1f} disjoint paths on "
            f"average and only {100 * bb['backbone']:.0f} % of the medial network is backbone "
            f"({100 * bb['dangling']:.0f} % dangling ends), but fibres several um long make "
            "the first spanning cluster already multiply connected, so removing the dangling "
            f"ends does not move the onset in this box{extra}. Connectivity, aspect ratio 5: "
            f"{100 * others[5.0]:.1f} wt%, 20: {100 * others[20.0]:.1f} wt% (2 seeds). The "
            "two-scale skeleton of C4/C5 (fibres in the walls of the fitted "
            f"{1e6 * cell:.2f} um cells, aspect ratio {DEFAULT_ASPECT_RATIO:g}; connectivity): "
            f"{100 * two.threshold:.1f} wt% - fibres confined to walls connect at a lower "
            "volume fraction; it is not the reported value because its cell size is fitted "
            "at 60 wt% only. Why the miss: a backbone with redundant paths is still necessary, "
            "not sufficient, for the skeleton to carry the stack pressure (rigidity "
            "percolation of bending-dominated fibre networks sets in above connectivity; a "
            "barely connected network creeps with the Li), so the model's number is an upper "
            "bound on the creep onset; no aspect ratio was fitted. Box size: the 64^3 box "
            "(6.4 um, fibres 1-4 um long) is not converged and a larger box moves the "
            "threshold further from 70 wt% (connectivity 86.2 / 88.1 wt% at 96^3 / 128^3, "
            "2 disjoint paths 81.9 wt% at 96^3; docs/microstructure.md, C6 sensitivity), so "
            "the reported value is a lower estimate of the model's threshold. A mean-field "
            "rigidity count (Maxwell) for rigid fibres brackets 70 wt% by the contact law the "
            f"paper does not give: welded junctions {100 * maxwell_threshold('welded'):.1f} "
            f"wt%, frictional contacts {100 * maxwell_threshold('frictional'):.1f} wt% "
            "(loadbearing.maxwell_threshold; not reported)")
    return Answer(values={"creep_threshold": 100 * main.threshold},
                  notes={"creep_threshold": note}, figures=[_figure(ctx, geo, main)])


def _figure(ctx: Context, main: PercolationSweep, load: PercolationSweep) -> Path:
    path = ctx.figure_path("microstructure_percolation.png")
    if path.exists():
        return path
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for ar in (5.0, DEFAULT_ASPECT_RATIO, 20.0):
        s = main if ar == DEFAULT_ASPECT_RATIO else sweep(ar)
        ax.plot(100 * s.free_li, s.probability, "o-", ms=3, label=f"fibre aspect ratio {ar:g}")
    ax.plot(100 * load.free_li, load.probability, "^:", ms=4, c="C3",
            label=f"load-bearing (2 disjoint paths), aspect ratio {DEFAULT_ASPECT_RATIO:g}")
    two = sweep(two_scale=True)
    ax.plot(100 * two.free_li, two.probability, "s--", ms=3, c="k",
            label=f"two-scale (cell walls), aspect ratio {DEFAULT_ASPECT_RATIO:g}")
    ax.axvline(70, ls="--", c="grey", label="paper: creeps like Li > 70 wt%")
    ax.set(xlabel="free Li / wt%", ylabel="P(skeleton spans / bears load)")
    ax.legend(fontsize=7)
    return _save(fig, path)
