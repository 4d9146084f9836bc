"""One call from a cycler file to a cycling summary: PNG figure plus JSON (``tfalab analyze
cycling FILE``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tfalab.analysis.capacity import CE_BOUNDS, capacity_per_cycle
from tfalab.analysis.cycling import overpotential_per_cycle
from tfalab.celltest import CellTest
from tfalab.errors import CellTestError
from tfalab.io.cyclers import load

__all__ = ["analyze_cycling", "is_symmetric"]


def is_symmetric(test: CellTest) -> bool:
    """Whether a test looks like a symmetric cell: |V| < 1.5 V and V following the sign of I.

    >>> import numpy as np, pandas as pd
    >>> i = np.array([1e-3, 1e-3, -1e-3, -1e-3])
    >>> is_symmetric(CellTest(pd.DataFrame({"Test Time / s": [0.0, 1, 2, 3],
    ...                                     "Voltage / V": 0.05 * np.sign(i), "Current / A": i})))
    True
    """
    v, i = test.voltage, test.current
    flowing = np.abs(i) > 1e-3 * np.abs(i).max() if len(i) and np.abs(i).max() > 0 else None
    if flowing is None or not flowing.any() or np.abs(v).max() > 1.5:
        return False
    return bool(np.mean(np.sign(v[flowing]) == np.sign(i[flowing])) > 0.9)


def _mean_ce(cap: pd.DataFrame) -> dict[str, Any]:
    """Mean Coulombic efficiency over complete cycles (``capacity_per_cycle``'s ``complete``:
    an unfinished half-cycle would give CE ~ 0 or ~ 1000), with a flag when it lies outside
    physical bounds."""
    lo, hi = CE_BOUNDS
    ce = cap["coulombic_efficiency"].to_numpy(dtype=float)[cap["complete"].to_numpy(bool)]
    ce = ce[np.isfinite(ce)]
    if not len(ce):
        return {"mean_coulombic_efficiency": None, "coulombic_efficiency_cycles": 0}
    mean = float(np.mean(ce))
    out: dict[str, Any] = {"mean_coulombic_efficiency": mean,
                           "coulombic_efficiency_cycles": len(ce)}
    if not lo <= mean <= hi:
        out["coulombic_efficiency_flag"] = (
            f"mean CE {mean:.3f} is outside physical bounds ({lo}-{hi}): check the current "
            f"sign convention (discharge / charge) and the cycle segmentation")
    return out


def _headline_flags(cap: pd.DataFrame, summary: dict[str, Any]) -> list[str]:
    """Every reason to distrust a headline number, in words (empty when there is none)."""
    out = [f"cycle {c}: {f}" for c, f in zip(cap["cycle"], cap["flag"], strict=True)
           if f and "incomplete" not in f]
    n_incomplete = int((~cap["complete"].to_numpy(bool)).sum())
    if n_incomplete:
        out.append(f"{n_incomplete} of {len(cap)} cycles are incomplete (left out of the mean "
                   f"CE and of the retention reference)")
    if "coulombic_efficiency_flag" in summary:
        out.append(summary["coulombic_efficiency_flag"])
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: _plain(v) for k, v in rec.items()})
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def analyze_cycling(path: str | Path, out: str | Path, area: str | float | None = None,
                    **kw: Any) -> dict[str, Any]:
    """Load a cycler file, summarise it per cycle, write ``{out}.png`` and ``{out}.json``.

    The summary holds the file's metadata, ``n_rows``, ``duration_h``, ``n_cycles``,
    ``symmetric`` (whether it looks like a Li|Li symmetric cell), ``cycles`` (the
    :func:`~tfalab.analysis.capacity.capacity_per_cycle` table as records), headline numbers
    (first/last discharge capacity, mean coulombic efficiency, last retention), ``flags``
    (every reason to distrust a headline number: CE or retention outside physical bounds,
    incomplete cycles) and, for
    symmetric cells, ``overpotential`` (per cycle, from
    :func:`~tfalab.analysis.cycling.overpotential_per_cycle`). NaN becomes ``null``.
    ``kw`` go to :func:`tfalab.io.load`.

    >>> import tempfile, pathlib, numpy as np, pandas as pd
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> t = np.arange(0.0, 4000.0, 10.0)
    >>> i = np.where(t // 1000 % 2 == 0, 1e-3, -1e-3)
    >>> _ = CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": 0.05 * np.sign(i),
    ...                            "Current / A": i})).save(d / "sym.parquet")
    >>> s = analyze_cycling(d / "sym.parquet", d / "sym", area="1 cm2")
    >>> s["n_cycles"], s["symmetric"], round(s["overpotential"][0]["plateau_overpotential"], 3)
    (2, True, 0.05)
    >>> sorted(p.name for p in d.glob("sym.*"))
    ['sym.json', 'sym.parquet', 'sym.png']
    """
    test = load(path, area=area, **kw)
    out = Path(out)
    cap = capacity_per_cycle(test)
    symmetric = is_symmetric(test)
    over = None
    if symmetric:
        try:
            over = overpotential_per_cycle(test)
        except CellTestError:
            over = None
    dis = cap["discharge_capacity_Ah"].to_numpy()
    summary: dict[str, Any] = {
        "file": str(path),
        "metadata": {k: v for k, v in test.metadata.items() if k != "columns"},
        "n_rows": len(test),
        "duration_h": float(test.time[-1] - test.time[0]) / 3600.0,
        "n_cycles": len(cap),
        "symmetric": symmetric,
        "first_discharge_capacity_Ah": _plain(float(dis[0])) if len(dis) else None,
        "last_discharge_capacity_Ah": _plain(float(dis[-1])) if len(dis) else None,
        **_mean_ce(cap),
        "last_retention": _plain(float(cap["retention"].iloc[-1])) if len(cap) else None,
        "cycles": _records(cap),
    }
    summary["flags"] = _headline_flags(cap, summary)
    if over is not None:
        summary["overpotential"] = _records(over)
    out.parent.mkdir(parents=True, exist_ok=True)
    _figure(test, cap, over, out.with_name(out.name + ".png"))
    out.with_name(out.name + ".json").write_text(json.dumps(summary, indent=2))
    return summary


def _figure(test: CellTest, cap: pd.DataFrame, over: pd.DataFrame | None, png: Path) -> None:
    from matplotlib.figure import Figure

    n = 3 if over is not None and len(over) else 2
    fig = Figure(figsize=(5.0 * n, 3.6), layout="constrained")
    axes = fig.subplots(1, n)
    ax = axes[0]
    ax.plot(test.time / 3600.0, test.voltage, lw=0.8)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("voltage (V)")
    ax.set_title(Path(str(test.metadata.get("source_file", ""))).name or "voltage", fontsize=9)
    ax = axes[1]
    areal = cap["charge_capacity_mAh_cm2"].notna().any()
    unit, scale = ("mAh/cm²", 1.0) if areal else ("mAh", 1e3)
    suffix = "_mAh_cm2" if areal else "_Ah"
    ax.plot(cap["cycle"], cap["charge_capacity" + suffix] * scale, "o-", ms=3, label="charge")
    ax.plot(cap["cycle"], cap["discharge_capacity" + suffix] * scale, "s-", ms=3,
            label="discharge")
    ax.set_xlabel("cycle")
    ax.set_ylabel(f"capacity ({unit})")
    ax.legend(fontsize=8)
    if n == 3:
        assert over is not None  # a third panel only with overpotentials
        ax = axes[2]
        ax.plot(over["cycle"], over["plateau_overpotential"] * 1e3, "o-", ms=3)
        ax.set_xlabel("cycle")
        ax.set_ylabel("plateau overpotential (mV)")
    fig.savefig(png, dpi=120)
