"""Claims C22–C26 answered by the full-cell model (:mod:`tfalab.cell.full`).

The calibration set is declared in ``data/parameters.toml`` (``fitted_to``): C22's 0.2C
(composite extra capacity) and 5C capacities (FeS2 diffusivity), C23's 420-cycle retention
(chemical loss), C25's 40th-cycle capacity (percolation threshold of the composite's LPSCl),
C26's 5C current (NCM loading) and C26's 2000-cycle retention (NCM interphase growth); the
rest are predictions. C24's (and C25's) retention are
not blind: the choice of a time-driven fade was made after the first version missed C24
(``docs/full-cell-model.md``).
"""

from __future__ import annotations

import math
from pathlib import Path

from tfalab.cell.cathodes import cathode_constant
from tfalab.cell.full_simulate import FullResult
from tfalab.paper import full_experiments as fx
from tfalab.paper.registry import Answer, Context, answers
from tfalab.plotting import pyplot as _plt
from tfalab.plotting import save as _save

WHY_LI = ("bare Li at 40 MPa intrudes through the pellet at assembly in this model (its "
          "mechanical short is at 30 MPa, claim C10), so the Li||FeS2 cell is shorted before "
          "its first cycle; the paper's Li||FeS2 cell cycled ~10 times at 40 MPa, which "
          "contradicts its own 30 MPa mechanical short (docs/paper-inconsistencies.md)")


def _cycles_to_short(res: FullResult) -> float:
    if res.termination != "Short circuit":
        return math.inf
    done = res.cycles.dropna(subset=["discharge_mAh_cm2", "charge_mAh_cm2"])
    return float(len(done))


@answers("C22")
def c22(ctx: Context) -> Answer:
    res = fx.fes2_rate_test()
    d = res.config.parameters()["Cathode diffusivity [m2.s-1]"]
    values = {f"capacity_{c:g}C": fx.capacity_at(res, c) for c in (0.2, 0.5, 5.0)}
    values["no_short"] = float(res.termination == "completed")
    return Answer(values=values,
                  notes={"capacity_0.2C": f"FeS2 loading {fx.RATE_TEST_LOADING} (from 5C = "
                                          "2.83 mA/cm2); last of 5 cycles at each rate",
                         "capacity_5C": "calibration: the FeS2 diffusivity is fitted to "
                                        f"this point (D = {d:.3g} m2/s with the particle "
                                        "radius fixed at 0.5 um, so the fit identifies "
                                        "D/R^2; the low end of the 1e-16 - 1e-14 m2/s "
                                        "literature range, prior 1e-15). The 6 um thin "
                                        "composite has no transport limit: the 5C capacity "
                                        "is set by the FeS2 particles"},
                  figures=[_rate_figure(ctx, res)])


@answers("C23")
def c23(ctx: Context) -> Answer:
    tfa, li = fx.fes2_long("tfa"), fx.fes2_long("li")
    return Answer(values={"retention_420": fx.retention(tfa, 420),
                          "li_short_cycles": _cycles_to_short(li)},
                  notes={"retention_420": f"ended by: {tfa.termination}",
                         "li_short_cycles": WHY_LI if _cycles_to_short(li) < 1 else
                         f"ended by: {li.termination}"},
                  figures=[_retention_figure(ctx, "fig6b_fes2_1C.png",
                                             {"TFA": tfa, "Li": li},
                                             "FeS2 2.17 mg/cm2, 1C, 40 MPa, 80 °C")])


@answers("C24")
def c24(ctx: Context) -> Answer:
    res = fx.fes2_fast()
    c = res.cycles.discharge_mAh_g
    step = 100 * (1 - c.iloc[1] / c.iloc[0]) if len(c) > 1 else float("nan")
    return Answer(values={"retention_800": fx.retention(res, 800)},
                  notes={"retention_800": "time-driven (first-order) chemical loss of active "
                                          "material fitted to C23 at 1C, applied at 3C. Not a "
                                          "blind prediction: this mechanism replaced the "
                                          "per-cycled-strain contact loss after that version "
                                          "predicted 38 % here (the paper's FeS2 cells fade "
                                          "~0.05 %/h at 0.2C, 1C and 3C alike). With the FeS2 "
                                          "diffusivity fitted to C22's 5C the 3C cell is "
                                          f"partly diffusion-limited: {step:.0f} points of "
                                          "the fade are a first-cycle step (the first "
                                          "discharge starts from delithiated particles, each "
                                          "3C charge leaves Li in them); retention is "
                                          "relative to the first discharge"},
                  figures=[_retention_figure(ctx, "fig6c_fes2_3C.png", {"TFA": res},
                                             "FeS2 1.18 mg/cm2, 3C, 40 MPa, 80 °C")])


@answers("C25")
def c25(ctx: Context) -> Answer:
    res = fx.fes2_thick()
    c = res.cycles
    last = float(c.discharge_mAh_cm2.iloc[-1]) if len(c) else 0.0
    best = float(c[["discharge_mAh_cm2", "charge_mAh_cm2"]].max().max()) if len(c) else 0.0
    params = res.config.parameters()
    free_li = params["Anode free-Li capacity [C.m-2]"] / 36000
    phi_c = cathode_constant("composite.percolation_threshold")
    first = float(c.discharge_mAh_cm2.iloc[0]) if len(c) else float("nan")
    return Answer(values={"areal_capacity_40": last, "reversible_capacity": best,
                          "li_utilisation": 100 * best / free_li},
                  notes={"reversible_capacity": "largest discharge or charge capacity over "
                                                "the 40 cycles at 0.2C. The 88 um composite is "
                                                "resolved through its thickness; its LPSCl (0.22 "
                                                "vol) sits just above the percolation threshold "
                                                f"({phi_c:.3f}, fitted to areal_capacity_40), so "
                                                "its ohmic drop limits the capacity. A test of "
                                                "the fade model (chemical loss fitted to C23) "
                                                "backwards from cycle 40: 40th over 1st cycle "
                                                f"{100 * last / first:.0f} % (paper 7.70/9.5 = "
                                                "81 %)",
                         "areal_capacity_40": "calibration: the composite's percolation "
                                              f"threshold is fitted to this point ({phi_c:.3f}, "
                                              "bounds 0.10 - 0.215, prior 0.16 of Scher & "
                                              "Zallen), after the chemical loss was fitted to "
                                              "C23",
                         "li_utilisation": f"reversible_capacity over the TFA's {free_li:.1f} "
                                           "mAh/cm2 of free Li: not independent of "
                                           "reversible_capacity (same number, rescaled)"},
                  figures=[_retention_figure(ctx, "fig6d_fes2_thick.png", {"TFA": res},
                                             "FeS2 9.64 mg/cm2, 0.2C, 40 MPa, 80 °C",
                                             areal=True)])


@answers("C26")
def c26(ctx: Context) -> Answer:
    rate, long = fx.ncm_rate(), fx.ncm_long()
    one_c = rate.config.one_c()
    c = long.cycles.discharge_mAh_g
    k = cathode_constant("ncm.interphase_growth")
    first = (f"; first discharge {c.iloc[0]:.1f} mAh/g, second {c.iloc[1]:.1f} (the first "
             "charge starts from fully lithiated NCM); last "
             f"{c.iloc[-1]:.1f}" if len(c) > 1 else "")
    return Answer(values={"capacity_0.5C": fx.capacity_at(rate, 0.5),
                          "retention_2000": fx.retention(long, 2000),
                          "current_5C": 5 * one_c / 10},
                  notes={"capacity_0.5C": "room temperature, 5 MPa; NMC811 OCP of Chen et al. "
                                          "2020 for Ni93",
                         "current_5C": "the loading is fitted to this current (no loading in "
                                       "the paper)",
                         "retention_2000": "calibration: the NCM|LPSCl interphase growth "
                                           f"constant is fitted to this point ({k:.3g} ohm "
                                           "m2/s^0.5, bounds 3e-8 - 3e-5, prior 3e-7 after "
                                           "Koerver et al. 2017); "
                                           f"ended by: {long.termination} after "
                                           f"{len(long.cycles)} cycles at 2C "
                                           f"({2 * one_c / 10:.2f} mA/cm2){first}. Retention "
                                           "is relative to the first discharge; the 2C cell "
                                           "is diffusion-limited in the NCM particles"},
                  figures=[_retention_figure(ctx, "figS39_ncm_2C.png", {"TFA": long},
                                             "NCM, 2C, 5 MPa, 25 °C")])


def _rate_figure(ctx: Context, res: FullResult) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    c = res.cycles
    ax.plot(c.cycle, c.discharge_mAh_g, "o-", ms=3)
    for rate, g in c.groupby("c_rate"):
        ax.annotate(f"{rate:g}C", (g.cycle.mean(), g.discharge_mAh_g.max() * 1.03),
                    ha="center", fontsize=8)
    ax.set(xlabel="cycle", ylabel="discharge / mAh g$^{-1}$(FeS$_2$)",
           title="TFA||FeS$_2$ rate test (cf. Fig. 6a)")
    return _save(fig, ctx.figure_path("fig6a_fes2_rate.png"))


def _retention_figure(ctx: Context, name: str, runs: dict[str, FullResult], title: str,
                      areal: bool = False) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    for label, res in runs.items():
        c = res.cycles
        y = c.discharge_mAh_cm2 if areal else c.discharge_mAh_g
        ax.plot(c.cycle, y, lw=1, label=f"{label} ({res.termination})")
    ax.set(xlabel="cycle", ylabel="discharge / mAh cm$^{-2}$" if areal else
           "discharge / mAh g$^{-1}$", title=title)
    ax.legend(fontsize=8)
    return _save(fig, ctx.figure_path(name))
