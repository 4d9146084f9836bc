"""Figure of a fit: observed against fitted model, one panel per observation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any


def _pyplot() -> tuple[Any, Any]:
    """``(pyplot, save)`` from tfalab's plotting helpers, else matplotlib on Agg."""
    try:
        from tfalab.plotting import pyplot, save  # type: ignore[import-not-found]

        return pyplot(), save
    except ImportError:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        def save(fig: Any, path: Path) -> Path:
            fig.tight_layout()
            fig.savefig(path, dpi=120)
            plt.close(fig)
            return path

        return plt, save


def plot_fit(result: Any, path: Path) -> Path:
    """Write the fit figure to ``path`` (PNG)."""
    plt, save = _pyplot()
    table = result.residuals
    series = [o for o in result.observations if o["n_points"] > 1]
    scalars = [o for o in result.observations if o["n_points"] == 1]
    panels = len(series) + (1 if scalars else 0)
    cols = min(panels, 2)
    rows = math.ceil(panels / cols)
    n_par = len(result.parameters)
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 3.4 * rows + 0.2 * n_par),
                             squeeze=False)
    flat = list(axes.ravel())
    for ax, o in zip(flat, series, strict=False):
        d = table[(table["observation"] == o["label"]) & (table["quantity"] == o["quantity"])]
        scale, unit = (1e3, "mV") if o.get("unit") == "V" else (1.0, o.get("unit", ""))
        style = "-" if o["quantity"] == "voltage" else "o-"
        ax.plot(d["time_h"], scale * d["observed"], ".", ms=2, color="0.5", label="observed")
        ax.plot(d["time_h"], scale * d["model"], style, lw=1.0, ms=3, color="C3",
                label="model (fitted)")
        ax.set(xlabel="time / h", ylabel=f"{o['quantity']} / {unit}",
               title=f"{o['label']}: {o.get('quality_note', '')}")
        ax.legend(fontsize=8)
    if scalars:
        ax = flat[len(series)]
        names = [o["label"] for o in scalars]
        d = table.set_index("observation").loc[names]
        y = list(range(len(names)))
        ratio_m = (d["model"] / d["observed"]).to_numpy()
        err = (d["sigma"] / d["observed"]).to_numpy()
        ax.errorbar([1.0] * len(y), y, xerr=err, fmt="s", color="0.5", label="observed ± sigma")
        ax.plot(ratio_m, y, "o", color="C3", label="model (fitted)")
        ax.set_yticks(y, [f"{n} ({o['unit']})" for n, o in zip(names, scalars, strict=True)],
                      fontsize=8)
        ax.set(xlabel="value / observed", title="single-number observations")
        ax.axvline(1.0, color="0.8", lw=0.8)
        ax.legend(fontsize=8)
    for ax in flat[panels:]:
        ax.set_visible(False)
    lines = [f"{k} = {p.friendly}" + ("" if p.identifiable else " (not identifiable)")
             for k, p in result.parameters.items()]
    fig.suptitle("tfalab fit (quality: " + result.quality + ")\n" + "\n".join(lines),
                 fontsize=8)
    return save(fig, path)
