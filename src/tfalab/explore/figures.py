"""The explorer's matplotlib figures (shown in the page as PNG and exported as the same PNG):
a cell run's four panels, a cycler file's analysis and an impedance spectrum with its fit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: the four panels of a cell run: (title, [(column, label, scale)], y label)
PANELS = (
    ("Voltage", [("Voltage / V", "voltage", 1e3)], "mV (symmetric) / V (full)"),
    (
        "Contact fraction",
        [
            ("Left Contact Fraction / 1", "left", 1.0),
            ("Right Contact Fraction / 1", "right", 1.0),
            ("Anode Contact Fraction / 1", "anode", 1.0),
        ],
        "fraction",
    ),
    (
        "Filament and intrusion",
        [("Filament Length / m", "filament", 1e6), ("Intrusion Depth / m", "intrusion", 1e6)],
        "µm",
    ),
    ("Stack pressure", [("Applied Pressure / Pa", "pressure", 1e-6)], "MPa"),
)


def _subplots(nrows: int, ncols: int, figsize: tuple[float, float], **kw: Any) -> Any:
    """A figure without pyplot (no global state: safe with several browser sessions)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kw)


def run_frame(celltest: Any) -> pd.DataFrame:
    """The columns of a run that the figure shows, time in hours (its CSV export)."""
    data = celltest.data
    out = pd.DataFrame({"time_h": data["Test Time / s"].to_numpy() / 3600.0})
    for _, series, _ in PANELS:
        for column, _, _ in series:
            if column in data:
                out[column] = data[column].to_numpy()
    return out


def run_figure(
    celltest: Any, title: str, references: Sequence[dict[str, Any]] = (), lab: Any = None
) -> Any:
    """Voltage, contact fraction, filament and intrusion, and pressure against time.

    ``references``: measured points ``{"panel": "Voltage", "time_h", "value", "label"}``
    (value in the panel's unit); ``lab``: a measured CellTest drawn under the voltage.
    """
    data = celltest.data
    full = celltest.metadata.get("cell") == "full"
    t = data["Test Time / s"].to_numpy() / 3600.0
    fig, axes = _subplots(2, 2, (10, 6), sharex=True)
    for ax, (name, series, unit) in zip(axes.flat, PANELS, strict=True):
        for column, label, scale in series:
            if column not in data:
                continue
            s = 1.0 if (full and column == "Voltage / V") else scale
            ax.plot(t, data[column].to_numpy() * s, lw=0.8, label=label)
        if name == "Voltage" and lab is not None:
            lt = lab.data["Test Time / s"].to_numpy() / 3600.0
            lv = lab.data["Voltage / V"].to_numpy() * (1.0 if full else 1e3)
            ax.plot(lt - lt[0], lv, lw=0.6, color="0.5", alpha=0.7, label="measured", zorder=0)
        for ref in references:
            if ref.get("panel") == name:
                ax.plot(
                    ref["time_h"],
                    ref["value"],
                    "o",
                    ms=7,
                    mfc="none",
                    mew=2,
                    color="crimson",
                    label=ref.get("label", "paper"),
                )
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(
            "V" if (full and name == "Voltage") else ("mV" if name == "Voltage" else unit)
        )
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="best")
    for ax in axes[1]:
        ax.set_xlabel("time / h")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def cycling_figure(test: Any, cap: pd.DataFrame, over: pd.DataFrame | None, sim: Any = None) -> Any:
    """A cycler file: voltage against time (with a simulation of the same test), capacity per
    cycle, and the plateau overpotential per cycle for symmetric cells."""
    n = 3 if over is not None else 2
    fig, axes = _subplots(1, n, (4.2 * n, 3.4))
    t = test.data["Test Time / s"].to_numpy()
    axes[0].plot((t - t[0]) / 3600, test.data["Voltage / V"], lw=0.6, label="measured")
    if sim is not None:
        st = sim.data["Test Time / s"].to_numpy() / 3600
        axes[0].plot(st, sim.data["Voltage / V"], lw=0.8, label="simulated")
        axes[0].legend(fontsize=7)
    axes[0].set(xlabel="time / h", ylabel="voltage / V", title="Voltage")
    if len(cap):
        axes[1].plot(
            cap["cycle"], cap["discharge_capacity_Ah"] * 1e3, "o-", ms=3, label="discharge"
        )
        axes[1].plot(cap["cycle"], cap["charge_capacity_Ah"] * 1e3, "s-", ms=3, label="charge")
        axes[1].legend(fontsize=7)
    axes[1].set(xlabel="cycle", ylabel="capacity / mAh", title="Capacity per cycle")
    axes[1].set_ylim(bottom=0)
    axes[1].ticklabel_format(axis="y", useOffset=False)
    if over is not None:
        axes[2].plot(over["cycle"], over["plateau_overpotential"] * 1e3, "o-", ms=3)
        axes[2].set(xlabel="cycle", ylabel="mV", title="Plateau overpotential")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def eis_figure(spectrum: Any, fit: Any | None) -> Any:
    """Nyquist and Bode plots of a spectrum with its equivalent-circuit fit."""
    from tfalab.analysis.eis import circuit_impedance

    f, z = spectrum.frequency, spectrum.impedance
    fig, (a, b) = _subplots(1, 2, (10, 3.8))
    a.plot(z.real, -z.imag, "o", ms=3, label="measured")
    b.loglog(f, np.abs(z), "o", ms=3, label="|Z| measured")
    b2 = b.twinx()
    b2.semilogx(f, -np.angle(z, deg=True), "s", ms=2, color="tab:orange", label="-phase")
    if fit is not None:
        ff = np.logspace(np.log10(f.max()), np.log10(f.min()), 200)
        zf = circuit_impedance(fit.circuit, fit.values, ff)
        a.plot(zf.real, -zf.imag, "-", lw=1.2, color="k", label=f"fit ({fit.status})")
        b.loglog(ff, np.abs(zf), "-", lw=1, color="k", label="|Z| fit")
        b2.semilogx(ff, -np.angle(zf, deg=True), "--", lw=1, color="tab:orange")
    a.set(xlabel="Z' / Ω", ylabel="-Z'' / Ω", title="Nyquist")
    a.set_aspect("equal", adjustable="datalim")
    b.set(xlabel="frequency / Hz", ylabel="|Z| / Ω", title="Bode")
    b2.set_ylabel("-phase / °")
    a.legend(fontsize=7)
    b.legend(fontsize=7, loc="lower left")
    for ax in (a, b):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
