"""Claims C1–C5 answered by the anode bookkeeping (:mod:`tfalab.anode`).

Every value is computed from the materials database, the anode model and its one fitted
parameter (the collapse fraction, fitted to C4's porosity after stripping).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tfalab.anode import MAH_CM2, MAH_G, CompositeAnode, free_li_for_specific_capacity
from tfalab.paper.registry import Answer, Context, answers
from tfalab.plotting import pyplot as _plt
from tfalab.plotting import save as _save

#: The paper's archetypal TFA and its bare-Li reference (Zhang et al. 2025).
PAPER_TFA: dict[str, Any] = {"skeleton": "LiBx", "free_li": "60 wt%", "thickness": "100 um",
                             "porosity": 0.066}


def _tfa(**overrides: Any) -> CompositeAnode:
    return CompositeAnode(**(PAPER_TFA | overrides))


@answers("C1")
def c1(ctx: Context) -> Answer:
    tfa = _tfa()
    w_b = free_li_for_specific_capacity("1926 mAh/g")
    note = (f"Reading A (60 wt% free Li): {tfa.specific_capacity_mAh_g:.0f} mAh/g. "
            f"Reading B: 1926 mAh/g implies {100 * w_b:.1f} wt% free Li (not 60). The paper's "
            "two numbers are inconsistent; see docs/paper-inconsistencies.md.")
    return Answer(values={"specific_capacity": tfa.specific_capacity_mAh_g,
                          "material_level_capacity": tfa.specific_capacity_mAh_g},
                  notes={"specific_capacity": "60 wt% x 3862 mAh/g (Li)",
                         "material_level_capacity": note},
                  figures=[_capacity_figure(ctx, w_b)])


@answers("C2")
def c2(ctx: Context) -> Answer:
    tfa = _tfa()
    b = _tfa(free_li=free_li_for_specific_capacity("1926 mAh/g"))
    return Answer(values={"areal_capacity_100um": tfa.areal_capacity_mAh_cm2},
                  notes={"areal_capacity_100um": (
                      f"density {tfa.density / 1000:.3f} g/cm3 incl. 6.6 % pores; reading B "
                      f"(49.9 wt%) gives {b.areal_capacity_mAh_cm2:.1f} mAh/cm2")},
                  figures=[_capacity_figure(ctx, free_li_for_specific_capacity("1926 mAh/g"))])


@answers("C3")
def c3(ctx: Context) -> Answer:
    tfa = _tfa()
    b = _tfa(free_li=free_li_for_specific_capacity("1926 mAh/g"))
    return Answer(values={"utilisation_at_9.5": 100 * tfa.utilisation("9.5 mAh/cm2"),
                          "capacity_at_65pct": tfa.capacity_at(0.65) / MAH_CM2},
                  notes={"utilisation_at_9.5": (
                      f"reading B (49.9 wt%): {100 * b.utilisation('9.5 mAh/cm2'):.0f} %")},
                  figures=[_utilisation_figure(ctx, tfa)])


@answers("C4")
def c4(ctx: Context) -> Answer:
    tfa, li = _tfa(), CompositeAnode.bare_li("100 um")
    stripped = tfa.strip("5 mAh/cm2")
    replated = tfa.plate("5 mAh/cm2", start=stripped)
    li_stripped = li.strip("5 mAh/cm2")
    chi = tfa.collapse_fraction
    rigid = _tfa(collapse_fraction="rigid").strip("5 mAh/cm2").porosity
    from tfalab.paper.microstructure import paper_cycle

    # pore sizes are not used here (C5 asks for those it reports)
    vf, vr = paper_cycle("fitted", pore_sizes_at=()), paper_cycle("rigid", pore_sizes_at=())
    pf, pr, cf = vf["porosity"], vr["porosity"], vf["porosity_ct"]
    voxel = (f"; voxel model (12.8 um slab of 100 nm voxels, same utilisation): "
             f"{100 * pf['stripped']:.1f} % with the fitted collapse, "
             f"{100 * pr['stripped']:.1f} % with a rigid skeleton; seen through a virtual CT "
             f"of the paper's scan (PSF {1e6 * vf['psf_fwhm']:.1f} um FWHM, 0.3 um voxels, "
             f"Otsu): {100 * cf['as_made']:.1f} % as made, {100 * cf['stripped']:.1f} % "
             f"stripped (fitted collapse), {100 * vr['porosity_ct']['stripped']:.1f} % "
             "(rigid); the scan's partial-volume bias is a few tenths of a point, inside the "
             "tolerance, so the collapse fraction stays fitted on the 0D model")
    return Answer(
        values={"porosity_after_strip": 100 * stripped.porosity,
                "porosity_after_replate": 100 * replated.porosity,
                "tfa_thickness_change": 1e6 * (tfa.thickness - stripped.thickness),
                "li_thickness_change": 1e6 * (li.thickness - li_stripped.thickness)},
        notes={"porosity_after_strip": (f"calibration: collapse fraction {chi:.4f} fitted "
                                        f"here{voxel}"),
               "porosity_after_replate": ("the bookkeeping is a state function: plating back "
                                          "returns exactly to 6.6 %; the paper's 7.1 % is a "
                                          "0.5-point irreversibility it does not model; voxel "
                                          "model, plating as the reverse of stripping (the "
                                          "collapse undone in proportion, the rest refilling "
                                          f"pores): {100 * pf['replated']:.1f} % (fitted "
                                          f"collapse), {100 * pr['replated']:.1f} % (rigid); "
                                          "through the virtual CT "
                                          f"{100 * cf['replated']:.1f} % (fitted collapse: the "
                                          "re-plated slab keeps sub-resolution pores that the "
                                          "scan's partial volume reads as pore), "
                                          f"{100 * vr['porosity_ct']['replated']:.1f} % (rigid)"),
               "tfa_thickness_change": (f"a rigid skeleton would give 0 um and "
                                        f"{100 * rigid:.1f} % porosity; voxel model "
                                        f"{1e6 * vf['tfa_thickness_change']:.2f} um (fitted "
                                        f"collapse), {1e6 * vr['tfa_thickness_change']:.2f} um "
                                        "(rigid)"),
               "li_thickness_change": (f"voxel model (bare-Li slab): "
                                       f"{1e6 * vf['li_thickness_change']:.2f} um")},
        figures=[_strip_plate_figure(ctx), _voxel_figure(ctx, vf, "fitted"),
                 _voxel_figure(ctx, vr, "rigid")])


@answers("C5")
def c5(ctx: Context) -> Answer:
    tfa = _tfa()
    need = 2 * MAH_CM2 * tfa.li_volume_per_charge / tfa.thickness
    from tfalab.paper.microstructure import SEEDS, paper_cycle, pore_size_statistics
    from tfalab.parameters import fitted

    vf = paper_cycle("fitted", pore_sizes_at=())
    sf = pore_size_statistics("fitted")
    sr = pore_size_statistics("rigid")
    sm = pore_size_statistics("fitted", imaging="model")
    so = pore_size_statistics("fitted", imaging="coarsened")
    uni = paper_cycle("fitted", cell_size=None, pore_sizes_at=("ct",))["pore_size"]["ct"]
    cell = fitted("microstructure.cell_size").value
    psf = 1e6 * vf["psf_fwhm"]
    seeds = f"mean over {len(SEEDS)} seeds ({', '.join(map(str, SEEDS))}) of the 128x96x96 RVE"

    def spread(st: dict, name: str) -> str:
        v = st[name]
        per = ", ".join(f"{1e6 * x:.2f}" for x in v["per_seed"])
        return f"{1e6 * v['mean']:.2f} +- {1e6 * v['sd']:.2f} um (seeds: {per})"

    scan = (f"virtual CT of the paper's scan (ZEISS Xradia 610 Versa, 0.3 um voxels): Gaussian "
            f"PSF of {psf:.1f} um FWHM on the 100 nm model, averaged onto 0.3 um voxels "
            "(partial volume), Otsu threshold, local thickness (tfalab.microstructure.imaging)")
    why = ("median local pore diameter by pore volume, interpolated within its 0.6 um "
           f"local-thickness class, {seeds} (+- sample sd: seed-to-seed scatter); two-scale "
           f"skeleton: 100-400 nm fibres lying in the walls of cells {1e6 * cell:.2f} um apart "
           "(Fig. S1), the cell size fitted to the as-made 2 um through the virtual CT; "
           "stripping empties the Li pockets enclosed by the skeleton one after another, the "
           "largest first (void growth beats nucleation: the Li chemical potential is highest "
           "on the least curved void surface, Gibbs-Thomson), so whole cells open; the fitted "
           "collapse squashes them along the thickness")
    phi = tfa.skeleton_volume_fraction
    wall = phi * cell / 2.910  # skeleton volume / wall area (Poisson-Voronoi S_V = 2.910/cell)
    miss = ("Miss: the opened pores are the emptied cells and cannot outgrow them - at "
            f"{100 * phi:.1f} vol% skeleton the walls of {1e6 * cell:.2f} um cells hold "
            f"~{1e6 * wall:.2f} um of dense LiBx per wall, with the Li that wets the fibres; "
            "the virtual CT does not blur these walls away (a wall vanishes only where it is "
            "much thinner than the PSF), so the local pore diameter (inscribed sphere) stays "
            "that of one cell, even where emptied cells connect through gaps in a wall; 7 um "
            "pores would need larger cells, whose as-made pores are then too large "
            "(docs/microstructure.md), or walls that break, against the paper's intact "
            "skeleton. A uniform fibre network gives "
            f"{1e6 * uni['as_made']:.1f} -> {1e6 * uni['stripped']:.1f} um (seed 0). Nothing "
            "was tuned to the after-strip size")
    return Answer(
        values={"pore_accommodation": tfa.pore_capacity() / MAH_CM2,
                "pore_size_initial": 1e6 * sf["as_made"]["mean"],
                "pore_size_after_strip": 1e6 * sf["stripped"]["mean"]},
        notes={"pore_accommodation": (
            f"6.6 % of 100 um holds {tfa.pore_capacity() / MAH_CM2:.2f} mAh/cm2 of dense Li; "
            f"~2 mAh/cm2 would need {100 * need:.1f} % porosity"),
            "pore_size_initial": (f"calibration: cell size {1e6 * cell:.3f} um fitted here "
                                  "(tfalab.paper.microstructure.fit_cell_size: the seed "
                                  "average over 5 seeds x 11 cell sizes, isotonic regression, "
                                  "root at 2 um) through the "
                                  f"{scan}: {spread(sf, 'as_made')}; at the model's 100 nm: "
                                  f"{spread(sm, 'as_made')}; majority block average to "
                                  f"0.3 um: {1e6 * so['as_made']['mean']:.2f} um; {why}"),
            "pore_size_after_strip": (f"prediction, voxel model (fitted collapse) through the "
                                      f"{scan}: {spread(sf, 'stripped')}; at 100 nm: "
                                      f"{1e6 * sm['stripped']['mean']:.2f} um; block "
                                      f"average: {1e6 * so['stripped']['mean']:.2f} um; rigid "
                                      f"skeleton: {spread(sr, 'stripped')}; re-plated: "
                                      f"{spread(sf, 'replated')} (paper ~2 um); {why}. "
                                      f"{miss}")},
        figures=[_strip_plate_figure(ctx), _voxel_figure(ctx, vf, "fitted")])


# --- figures ---------------------------------------------------------------------------

def _capacity_figure(ctx: Context, w_b: float) -> Path:
    path = ctx.figure_path("anode_capacity_vs_free_li.png")
    if path.exists():
        return path
    plt = _plt()
    w = np.linspace(0.0, 1.0, 101)
    spec = [_tfa(free_li=x).specific_capacity / MAH_G for x in w]
    areal = [_tfa(free_li=x).areal_capacity / MAH_CM2 for x in w]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    a.plot(100 * w, spec, label="tfalab (LiBx skeleton)")
    a.axhline(2000, ls="--", c="grey", label="paper: > 2000 mAh/g")
    a.axhline(1926, ls=":", c="C3", label="paper: 1926 mAh/g")
    a.axvline(60, c="k", lw=0.8)
    a.axvline(100 * w_b, c="C3", lw=0.8)
    a.set(xlabel="free Li / wt%", ylabel="specific capacity / mAh g$^{-1}$ (total mass)")
    a.legend(fontsize=8)
    b.plot(100 * w, areal, label="100 µm, 6.6 % porosity")
    b.axhline(15, ls="--", c="grey", label="paper: ≈ 15 mAh/cm²")
    b.axvline(60, c="k", lw=0.8)
    b.set(xlabel="free Li / wt%", ylabel="areal capacity / mAh cm$^{-2}$")
    b.legend(fontsize=8)
    return _save(fig, path)


def _utilisation_figure(ctx: Context, tfa: CompositeAnode) -> Path:
    path = ctx.figure_path("anode_utilisation.png")
    if path.exists():
        return path
    plt = _plt()
    q = np.linspace(0, tfa.areal_capacity_mAh_cm2, 50)
    fig, ax = plt.subplots(figsize=(4.5, 3.6))
    ax.plot(q, [100 * tfa.utilisation(x * MAH_CM2) for x in q], label="tfalab, 100 µm TFA")
    ax.plot([9.5], [62], "o", c="C3", label="paper: 9.5 mAh/cm² ≙ 62 %")
    ax.axhline(65, ls="--", c="grey", label="recommended max. 65 %")
    ax.set(xlabel="areal capacity / mAh cm$^{-2}$", ylabel="free-Li utilisation / %")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _strip_plate_figure(ctx: Context) -> Path:
    path = ctx.figure_path("anode_strip_plate_5mAh.png")
    if path.exists():
        return path
    plt = _plt()
    n = 60
    path_q = np.concatenate([np.linspace(0, 5, n), np.linspace(5, 0, n)[1:]]) * MAH_CM2
    step = np.arange(len(path_q))
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    for label, anode in (("TFA (fitted collapse)", _tfa()),
                         ("TFA, rigid skeleton", _tfa(collapse_fraction="rigid")),
                         ("bare Li", CompositeAnode.bare_li("100 um"))):
        tr = anode.trajectory(path_q)
        a.plot(step, 100 * tr["porosity"], label=label)
        b.plot(step, 1e6 * tr["thickness"], label=label)
    a.plot([n - 1, 2 * n - 2], [25.7, 7.1], "o", c="C3", label="paper (CT)")
    b.axhline(90, ls=":", c="grey", label="paper: TFA change < 10 µm")
    b.axhline(75, ls="--", c="grey", label="paper: Li change ≈ 25 µm")
    for ax in (a, b):
        ax.set_xticks([0, n - 1, 2 * n - 2], ["as made", "stripped 5", "re-plated 5"])
    a.set(ylabel="porosity / %")
    b.set(ylabel="thickness / µm")
    a.legend(fontsize=8)
    b.legend(fontsize=8)
    return _save(fig, path)


def _voxel_figure(ctx: Context, run: dict, label: str) -> Path:
    """x-z sections of the voxel TFA as made, stripped, re-plated (cf. paper Fig. 5e-g)."""
    from tfalab.microstructure.plots import plot_sequence

    path = ctx.figure_path(f"microstructure_strip_plate_{label}.png")
    if path.exists():
        return path
    st = run["states"]
    return plot_sequence([("as made", st["as_made"]), ("stripped", st["stripped"]),
                          ("re-plated", st["replated"])], path,
                         title=f"voxel TFA (collapse: {label}), 5 mAh/cm2 scaled to the slab; "
                               "pores blue, skeleton dark")
