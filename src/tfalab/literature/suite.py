"""Run the literature validation suite: one row per published measurement.

``tfalab validate`` runs it alone; ``tfalab reproduce`` adds it as "Beyond the paper".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tfalab.literature.evaluate import Evaluation, evaluate
from tfalab.literature.measurements import Measurement, MeasurementError, load_measurements


def run_suite(measurements: Iterable[Measurement] | None = None,
              labs: Iterable[str] | None = None,
              progress: Callable[[Evaluation], None] | None = None) -> pd.DataFrame:
    """Evaluate every measurement (or those of ``labs``); one row each (see
    :meth:`Evaluation.row`: observed and model in mA/cm2 or h, passed, role)."""
    ms = list(load_measurements() if measurements is None else measurements)
    if labs is not None:
        if isinstance(labs, str):
            labs = [x for x in labs.split(",")]
        wanted = {str(x).strip() for x in labs}
        known = {m.lab for m in ms} | {m.laboratory for m in ms}
        unknown = sorted(wanted - known)
        if unknown:
            raise MeasurementError(f"labs: unknown lab name(s) {unknown}; known: "
                                   f"{', '.join(sorted(known))}")
        ms = [m for m in ms if m.lab in wanted or m.laboratory in wanted]
    rows = []
    for m in ms:
        e = evaluate(m)
        if progress is not None:
            progress(e)
        rows.append(e.row())
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> dict[str, Any]:
    """Counts of passes by role and laboratory."""
    pred = table[table["role"] == "prediction"]
    cal = table[table["role"] == "calibration"]
    return {"predictions": len(pred), "predictions_passed": int(pred["passed"].sum()),
            "calibrations": len(cal), "calibrations_passed": int(cal["passed"].sum()),
            "laboratories": sorted(set(table["laboratory"])),
            "builds": sorted(set(table["lab"]))}


def figure(table: pd.DataFrame, path: str | Path) -> Path:
    """Model against measurement, one panel per kind of quantity (log scales; ∞ drawn at the
    top edge)."""
    from tfalab.plotting import pyplot, save

    plt = pyplot()
    groups = [("mA/cm2", "critical / void-onset current (mA/cm2)"),
              ("h", "time to short / stable (h)")]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, (unit, label) in zip(axes, groups, strict=True):
        d = table[table["unit"] == unit]
        if d.empty:
            ax.set_visible(False)
            continue
        obs = np.maximum(d["observed"].to_numpy(dtype=float), 1e-2)
        mod = d["model"].to_numpy(dtype=float)
        finite = mod[np.isfinite(mod)]
        top = max(float(np.nanmax(obs)), float(finite.max()) if finite.size else 1.0) * 3
        mod = np.where(np.isfinite(mod), np.maximum(mod, 1e-2), top)
        lo = min(obs.min(), mod.min()) / 2
        ax.plot([lo, top], [lo, top], color="0.6", lw=1)
        for lab in sorted(set(d["lab"])):
            sel = (d["lab"] == lab).to_numpy()
            marker = ["o" if r == "prediction" else "s"
                      for r in d["role"].to_numpy()[sel]]
            for x, y, mk, ok in zip(obs[sel], mod[sel], marker, d["passed"].to_numpy()[sel],
                                    strict=True):
                ax.scatter(x, y, marker=mk, facecolors="none" if not ok else None,
                           edgecolors=f"C{sorted(set(table['lab'])).index(lab) % 10}",
                           color=f"C{sorted(set(table['lab'])).index(lab) % 10}",
                           label=lab if mk else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"measured {label}")
        ax.set_ylabel(f"model {label}")
        handles, labels = ax.get_legend_handles_labels()
        uniq = dict(zip(labels, handles, strict=True))
        ax.legend(uniq.values(), uniq.keys(), fontsize=7)
    fig.suptitle("Literature suite: model vs measurement (squares: calibration; "
                 "open: outside tolerance)", fontsize=9)
    return save(fig, Path(path))
