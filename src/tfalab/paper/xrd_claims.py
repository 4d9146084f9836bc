"""Claim C21 (XRD phases of the TFA and its skeleton) answered with :mod:`tfalab.analysis.xrd`.

No measured pattern is available, so this is a *method check*: synthetic patterns built from
the reference structures (TFA: free Li + LiBx at the TFA's composition; skeleton: LiBx alone),
with noise and background, must be identified as exactly the phases they were made of, among
the candidates Li, LiBx, Li6PS5Cl and Li2S.

>>> from pathlib import Path; import tempfile
>>> ans = c21(Context(out=Path(tempfile.mkdtemp())))
>>> ans.values
{'tfa_phases_li_and_libx': 1.0, 'skeleton_phase_libx_only': 1.0}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tfalab.analysis.xrd import (
    PhaseIdentification,
    identify_phases,
    reference_pattern,
    synthetic_pattern,
)
from tfalab.materials import get_phase
from tfalab.paper.registry import Answer, Context, answers
from tfalab.plotting import pyplot as _plt
from tfalab.plotting import save as _save

CANDIDATES = ("Li", "LiBx", "Li6PS5Cl", "Li2S")
#: synthetic pattern settings: Cu Kα, 10-90° (the paper's range), 0.02° steps
PATTERN: dict[str, Any] = {"two_theta_range": (10.0, 90.0), "step": 0.02, "broadening": 0.15,
                           "noise": 0.01, "background": 0.08}


def tfa_free_li() -> float:
    """Free-Li weight fraction of the paper's TFA (materials database, 60 wt%)."""
    value = get_phase("LiBx").get("composite_reference_free_li")
    return 0.6 if value is None else float(value)


def identify_tfa_and_skeleton(seed: int = 21) -> tuple[PhaseIdentification,
                                                        PhaseIdentification]:
    """Identify the phases of synthetic TFA and skeleton patterns (deterministic)."""
    w = tfa_free_li()
    tfa = synthetic_pattern({"Li": w, "LiBx": 1 - w}, seed=seed, **PATTERN)
    skeleton = synthetic_pattern({"LiBx": 1.0}, seed=seed + 1, **PATTERN)
    return (identify_phases(tfa, candidates=CANDIDATES),
            identify_phases(skeleton, candidates=CANDIDATES))


def _figure(tfa: PhaseIdentification, skeleton: PhaseIdentification, path: Path) -> Path:
    """Stacked patterns with the Li and LiBx reflections marked, as in the paper's Fig. 2a."""
    plt = _plt()
    fig, (ax, axs) = plt.subplots(2, 1, figsize=(6.5, 5.5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    offset = 1.15 * float(skeleton.intensity.max())
    marks = {"Li": ("v", "C0", "Li"), "LiBx": ("o", "C3", "Li5B4 (LiBx)")}
    for res, dy, label in ((skeleton, 0.0, "skeleton (delithiated)"), (tfa, offset, "TFA")):
        x = res.two_theta
        ax.plot(x, res.intensity + dy, color="0.2", lw=0.7)
        ax.text(x[0] + 1, dy + 0.25 * offset, label, ha="left", fontsize=8)
        for name in res.phases:
            ref = reference_pattern(name, (float(x[0]), float(x[-1])), res.wavelength)
            strong = ref.two_theta[ref.intensity >= 5]
            idx = [int(abs(x - t).argmin()) for t in strong + res.shift]
            m, c, _ = marks.get(name, ("s", "C2", name))
            ax.plot(x[idx], res.model[idx] + dy + 0.06 * offset, m, color=c, ms=4, ls="none")
    for m, c, lab in marks.values():
        ax.plot([], [], m, color=c, ls="none", label=lab)
    ax.set_ylabel("intensity (synthetic, a.u.)")
    ax.set_yticks([])
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("C21: synthetic Cu Kα patterns (method check, no measured data)", fontsize=9)
    colours = {"Li": "C0", "LiBx": "C3", "Li6PS5Cl": "C2", "Li2S": "C1"}
    for k, name in enumerate(CANDIDATES):
        ref = reference_pattern(name, (10.0, 90.0), tfa.wavelength)
        axs.vlines(ref.two_theta, k, k + 0.85 * ref.intensity / 100,
                   color=colours.get(name, "0.5"), lw=1)
    axs.set_yticks([k + 0.4 for k in range(len(CANDIDATES))])
    axs.set_yticklabels(["Li5B4 (LiBx)" if n == "LiBx" else n for n in CANDIDATES], fontsize=7)
    axs.set_xlabel("2θ (°)")
    axs.set_xlim(10, 90)
    return _save(fig, path)


def _describe(res: PhaseIdentification) -> str:
    found = ", ".join(f"{n} {res.weight_fractions[n]:.0%} wt" for n in res.phases) or "none"
    absent = ", ".join(f"{n}: {m.reason}" for n, m in res.candidates.items() if not m.present)
    return f"found {found} (Rwp {res.r_wp:.3f}, GoF {res.gof:.2f}); rejected {absent}"


@answers("C21")
def c21(ctx: Context) -> Answer:
    tfa, skeleton = identify_tfa_and_skeleton()
    w = tfa_free_li()
    method = ("method check on synthetic patterns (no measured pattern is available): "
              "pymatgen reference patterns (Li bcc; LiBx modelled by the P6_3/mmc LiB cell of "
              "Woerle & Nesper 2000 / Hermann et al. 2012), pseudo-Voigt broadening, background "
              "and noise; identified by NNLS fit + peak matching among "
              f"{', '.join(CANDIDATES)} (docs/xrd-ct.md)")
    return Answer(
        values={"tfa_phases_li_and_libx": float(set(tfa.phases) == {"Li", "LiBx"}),
                "skeleton_phase_libx_only": float(set(skeleton.phases) == {"LiBx"})},
        notes={"tfa_phases_li_and_libx": f"{method}. TFA pattern made of {w:.0%} wt Li + "
                                         f"{1 - w:.0%} wt LiBx: {_describe(tfa)}",
               "skeleton_phase_libx_only": f"{method}. Skeleton pattern made of LiBx only: "
                                           f"{_describe(skeleton)}"},
        figures=[_figure(tfa, skeleton, ctx.figure_path("c21_xrd.png"))],
    )
