"""Claim C20 answered by :mod:`tfalab.atomistic`: Li adsorption on Li5B4(110) vs Li(001) and
the Li mean-square displacement in LiBx vs Li at 300 K (the paper's Fig. 3a–b).

Needs the ``tfalab[atomistic]`` extra (ASE, torch, CHGNet); without it the checks are reported
"not covered: install tfalab[atomistic]". Results are cached under
:func:`tfalab.atomistic.calculators.default_cache_dir` keyed by the settings below, so a
repeated ``tfalab reproduce`` takes seconds; the first run takes a few minutes on 2 cores.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from tfalab.atomistic.calculators import EXTRA_HINT, extra_installed
from tfalab.paper.registry import Answer, Context, answers

#: C20 settings (small on purpose: the whole claim must run in minutes on a laptop)
SETTINGS: dict[str, Any] = {
    "version": 1, "fmax_eV_A": 0.05, "slab_thickness_A": 7.0, "max_sites": 4,
    "temperature_K": 300.0, "timestep_fs": 2.0, "md_steps": 200, "thermostat": "langevin",
    "friction_per_fs": 0.02, "supercells": {"Li": [3, 3, 3], "LiBx": [2, 2, 2]},
    "equilibration_fs": 100.0, "seed": 7,
}
PAPER = {"Li(001)": -1.56, "LiBx(110)": -6.24}
CHECKS = ("adsorption_libx", "adsorption_li", "msd_libx_above_li", "adsorption_libx_stronger")


def compute_c20(settings: dict[str, Any] | None = None, calculator: Any = None,
                use_cache: bool = True, progress: Any = None) -> dict[str, Any]:
    """Run (or read from the cache) the C20 calculations; a JSON-ready dict (eV, Å², fs)."""
    from tfalab.atomistic.adsorption import paper_adsorption, site_table
    from tfalab.atomistic.calculators import (
        ResultCache,
        calculator_id,
        default_cache_dir,
        get_calculator,
        relax,
    )
    from tfalab.atomistic.md import run_md
    from tfalab.atomistic.structures import to_atoms

    s = {**SETTINGS, **(settings or {})}
    root = default_cache_dir() if use_cache else None
    cache = ResultCache(root)
    key = cache.key("c20", calc=calculator_id(calculator), settings=s)
    if use_cache and (hit := cache.get(key)):
        return hit  # before loading the potential: a cached C20 takes well under a second
    calc = get_calculator(calculator)
    t0 = time.perf_counter()
    ads = paper_adsorption(calc, max_sites=s["max_sites"], fmax=s["fmax_eV_A"],
                           thickness=s["slab_thickness_A"], cache=cache, progress=progress)
    out: dict[str, Any] = {"settings": s, "calculator": calculator_id(calc),
                           "adsorption": {k: v.to_dict() for k, v in ads.items()},
                           "sites": site_table(ads).to_dict(orient="records"), "msd": {}}
    for phase, reps in s["supercells"].items():
        if progress:
            progress(f"MD {phase} {s['temperature_K']:g} K, {s['md_steps']} steps")
        bulk = relax(to_atoms(phase), calc, fmax=s["fmax_eV_A"], cell=True).atoms
        traj = (root / f"{key}-{phase}.traj") if root else None
        run = run_md(bulk.repeat(tuple(reps)), calc, s["temperature_K"], s["md_steps"],
                     s["timestep_fs"], s["thermostat"], s["friction_per_fs"],
                     trajectory=traj, seed=s["seed"], progress=progress is not None)
        eq = s["equilibration_fs"]
        msd = run.msd(eq)
        out["msd"][phase] = {
            "n_atoms": len(run.symbols), "dt_fs": run.dt_fs,
            "mean_temperature_K": float(np.nanmean(run.temperatures[int(eq / run.dt_fs):])),
            "msd_A2": {el: m.tolist() for el, m in msd.items()},
            "D_Li_m2_s": run.diffusion("Li", eq).D,
            "D_Li_err_m2_s": run.diffusion("Li", eq).uncertainty,
        }
    out["seconds"] = time.perf_counter() - t0
    if use_cache:
        cache.put(key, out)
    return out


def _plateau(m: list[float] | np.ndarray) -> float:
    m = np.asarray(m)
    return float(m[len(m) // 2:].mean())


def c20_figure(res: dict[str, Any], path: Any) -> Any:
    """Fig. 3a–b analogue: E_ads per site (isolated-atom reference) and MSD vs time."""
    from tfalab.plotting import pyplot, save

    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    sites = res["sites"]
    colours = {"Li(001)": "tab:grey", "LiBx(110)": "tab:green"}
    labels = [f"{r['surface']}\n{r['site']}-{r['near']}" for r in sites]
    ax1.bar(range(len(sites)), [r["E_ads_atom_eV"] for r in sites],
            color=[colours.get(r["surface"], "tab:blue") for r in sites])
    for name, value in PAPER.items():
        ax1.axhline(value, ls="--", color=colours[name], label=f"paper {name}: {value} eV")
    ax1.set_xticks(range(len(sites)), labels, rotation=60, fontsize=7)
    ax1.set_ylabel("Li adsorption energy (eV, isolated-atom ref.)")
    ax1.set_title(f"a) Eq. 1 with {res['calculator']}")
    ax1.legend(fontsize=7)
    for phase, d in res["msd"].items():
        for el, m in d["msd_A2"].items():
            t = np.arange(len(m)) * d["dt_fs"] / 1000
            ax2.plot(t, m, label=f"{el} in {phase}")
    ax2.set_xlabel("lag time (ps)")
    ax2.set_ylabel("MSD (Å²)")
    ax2.set_title(f"b) NVT MD, {res['settings']['temperature_K']:g} K")
    ax2.legend(fontsize=8)
    return save(fig, path)


@answers("C20")
def c20(ctx: Context) -> Answer:
    if not extra_installed():
        return Answer(values={}, notes=dict.fromkeys(CHECKS, f"not covered: {EXTRA_HINT}"))
    res = compute_c20()
    ads = res["adsorption"]
    libx, li = ads["LiBx(110)"], ads["Li(001)"]
    msd_li = _plateau(res["msd"]["Li"]["msd_A2"]["Li"])
    msd_libx = _plateau(res["msd"]["LiBx"]["msd_A2"]["Li"])
    fig = c20_figure(res, ctx.figure_path("c20_atomistic.png"))
    ref = libx["reference"]
    coh = 1.63  # eV, measured cohesive energy of Li (Kittel)

    def exp_ref(d: dict) -> str:
        return (f"with E(Li atom) = E(bulk) + 1.63 eV (measured cohesive energy): "
                f"{d['e_ads_bulk_best'] - coh:.2f} eV")

    why = (f"{res['calculator']} (universal potential trained on bulk PBE relaxations of the "
           f"Materials Project) instead of PBE-DFT; E(Li atom) = {ref['atom']:.2f} eV is the "
           "potential's untrained isolated-atom value (cohesive energy "
           f"{ref['atom'] - ref['bulk']:.2f} eV vs 1.63 eV measured), so atom-referenced "
           "energies are shifted")
    notes = {
        "adsorption_libx": (
            f"best of {len(libx['sites'])} sites ({libx['best_site']}), isolated-atom "
            f"reference; bulk-Li reference {libx['e_ads_bulk_best']:.2f} eV; {exp_ref(libx)}. "
            f"{libx['e_ads_atom_best'] - PAPER['LiBx(110)']:+.2f} eV from the paper's "
            f"-6.24 eV: {why}. -6.24 eV is ~4x Li's cohesive energy, beyond any Li-host bond "
            "energy, and no physically relaxed slab reproduces it (see docs/atomistic.md)"),
        "adsorption_li": (
            f"best of {len(li['sites'])} sites ({li['best_site']}); bulk-Li reference "
            f"{li['e_ads_bulk_best']:.2f} eV; {exp_ref(li)}; "
            f"{li['e_ads_atom_best'] - PAPER['Li(001)']:+.2f} "
            f"eV from the paper: {why}. Ordering LiBx(110) < Li(001): "
            f"{libx['e_ads_atom_best'] < li['e_ads_atom_best']}"),
        "msd_libx_above_li": (
            f"Li MSD plateau (mean over the 2nd half of lags) {msd_libx:.3f} A2 in LiBx vs "
            f"{msd_li:.3f} A2 in Li, {res['settings']['md_steps']} x "
            f"{res['settings']['timestep_fs']:g} fs Langevin NVT at 300 K; D_Li "
            f"{res['msd']['LiBx']['D_Li_m2_s'] * 1e4:.2g} vs "
            f"{res['msd']['Li']['D_Li_m2_s'] * 1e4:.2g} cm2/s (sub-ps runs: vibrational, "
            f"not diffusive, MSD); Li in bcc Li vibrates with a large amplitude (soft metal, "
            f"Debye temperature 344 K) while Li in the LiBx channels is held by the B chains. "
            f"Computed in {res['seconds']:.0f} s (cached after)"),
        "adsorption_libx_stronger": (
            f"E_ads LiBx(110) {libx['e_ads_atom_best']:.2f} eV vs Li(001) "
            f"{li['e_ads_atom_best']:.2f} eV (same ordering with the bulk-Li reference: "
            f"{libx['e_ads_bulk_best']:.2f} vs {li['e_ads_bulk_best']:.2f} eV)"),
    }
    return Answer(values={"adsorption_libx": libx["e_ads_atom_best"],
                          "adsorption_li": li["e_ads_atom_best"],
                          "msd_libx_above_li": float(msd_libx > msd_li),
                          "adsorption_libx_stronger": float(
                              libx["e_ads_atom_best"] < li["e_ads_atom_best"])},
                  notes=notes, figures=[fig])
