"""Figures of sweeps and optimisations (matplotlib, written to PNG files).

``map_figure``   a value over two inputs: CCD over pressure × temperature, time to short over
                 pressure × current (a heatmap on a grid, a coloured scatter otherwise).
``pareto_figure``                the trials of an optimisation in objective space, with the
                                 Pareto front and the reference design.
``parallel_coordinates_figure``  every point of a sweep as a line across normalised axes.

``results`` is a sweep's table (``pandas.read_parquet("DIR/results.parquet")``), the sweep's
directory or its ``results.parquet``. Inputs are named as in the spec (``pressure``): their
friendly ``in_*`` columns ("20 MPa") are read as numbers in display units (MPa, degC, um, %,
mA/cm2, mAh/cm2, h). Outputs are named by their column (``ccd_mA_cm2``). Rows with an
``error`` are left out.

>>> import tempfile, pathlib
>>> rows = [{"in_pressure": f"{p} MPa", "in_temperature": f"{t} degC", "error": None,
...          "ccd_mA_cm2": 0.1 * p + 0.02 * t} for p in (5, 10, 20) for t in (25, 60, 80)]
>>> path = map_figure(pd.DataFrame(rows), "pressure", "temperature", "ccd_mA_cm2",
...                   pathlib.Path(tempfile.mkdtemp()) / "map.png")
>>> path.stat().st_size > 0
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tfalab.errors import DataFileError, ParameterError
from tfalab.plotting import check_figure_path
from tfalab.sweep.spec import FIELDS

#: axis labels of the usual output columns
LABELS = {
    "ccd_mA_cm2": "CCD / mA cm$^{-2}$",
    "specific_energy_Wh_kg": "specific energy / Wh kg$^{-1}$",
    "energy_density_Wh_L": "energy density / Wh L$^{-1}$",
    "time_to_short_h": "time to short / h",
    "failure_time_h": "failure time / h",
    "np_ratio": "N/P",
    "li_utilisation": "Li utilisation",
    "anode_capacity_mAh_cm2": "anode capacity / mAh cm$^{-2}$",
    "anode_thickness_um": "anode thickness / µm",
    "free_li_wt": "free Li (mass fraction)",
    "first_discharge_mAh_cm2": "first discharge / mAh cm$^{-2}$",
    "retention": "capacity retention",
    "coulombic_efficiency": "Coulombic efficiency",
    "overpotential_slope_mV_per_100h": "overpotential slope / mV (100 h)$^{-1}$",
    "overpotential_start_mV": "initial overpotential / mV",
}


def load_results(results: pd.DataFrame | str | Path) -> pd.DataFrame:
    """A sweep's table from a DataFrame, a sweep directory or its ``results.parquet``."""
    if isinstance(results, pd.DataFrame):
        return results
    if not isinstance(results, str | Path) or not str(results).strip():
        raise ParameterError(f"results must be a DataFrame, a sweep directory or its "
                             f"results.parquet, got {results!r}")
    path = Path(results)
    if path.is_dir() and (path / "results.parquet").exists():
        path = path / "results.parquet"
    if not path.exists():
        raise ParameterError(f"no sweep results at {str(results)!r} (a sweep directory or "
                             f"its results.parquet)")
    from tfalab.sweep.store import Store

    if path.name == "results.parquet" and path.is_dir():
        return Store(path.parent).read()
    if path.is_dir():
        raise DataFileError(f"{str(results)!r} is a directory without a results.parquet: "
                            "not a sweep or optimize directory")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow's ArrowInvalid, OSError, ... on a file that is not one
        text = str(exc).strip().splitlines()
        raise DataFileError(f"{str(results)!r} is not a sweep's Parquet table "
                            f"({type(exc).__name__}: {text[0][:200] if text else ''}); give a "
                            "sweep directory or its results.parquet") from None
    if not isinstance(frame, pd.DataFrame):
        raise DataFileError(f"{str(results)!r} is not a sweep's table")
    return frame


def _ok(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows without an error (and not failed trials)."""
    keep = pd.Series(True, index=frame.index)
    if "error" in frame:
        keep &= frame["error"].isna() | (frame["error"] == "")
    if "state" in frame:
        keep &= frame["state"] != "FAIL"
    return frame[keep]


def column(results: pd.DataFrame, name: str) -> tuple[np.ndarray, str]:
    """The values of ``name`` as floats, and an axis label.

    An output column is read as is; an input (``pressure``, from its ``in_pressure`` column of
    friendly values) in its display unit.

    >>> column(pd.DataFrame({"in_pressure": ["5 MPa", "20 MPa"]}), "pressure")
    (array([ 5., 20.]), 'pressure / MPa')
    """
    from tfalab.sweep.optimize import display_unit, input_column, input_value

    if name in results and pd.api.types.is_numeric_dtype(results[name]):
        return results[name].to_numpy(dtype=float), LABELS.get(name, name.replace("_", " "))
    field = name
    if f"in_{field}" not in results:  # a numeric input column such as pressure_MPa
        field = next((f for f in FIELDS if input_column(f) == name), name)
    if f"in_{field}" in results:
        unit = display_unit(field)
        vals = []
        for v in results[f"in_{field}"]:
            if v is None or (isinstance(v, float) and math.isnan(v)):
                vals.append(math.nan)
                continue
            try:
                vals.append(input_value(v, field))
            except Exception:
                raise ParameterError(f"{field} values such as {v!r} are not numbers") from None
        label = field.replace("_", " ") + (f" / {unit}" if unit else "")
        return np.asarray(vals, dtype=float), label
    numeric = [c for c in results.columns if pd.api.types.is_numeric_dtype(results[c])]
    inputs = [c[3:] for c in results.columns if str(c).startswith("in_")]
    raise ParameterError(f"no column {name!r}; inputs: {', '.join(inputs) or 'none'}; "
                         f"numeric outputs: {', '.join(numeric) or 'none'}")


def _categories(results: pd.DataFrame, name: str) -> tuple[list[str], str] | None:
    """The values of a categorical input or text column as strings (None if numeric)."""
    col = f"in_{name}" if f"in_{name}" in results else name if name in results else None
    if col is None or pd.api.types.is_numeric_dtype(results[col]):
        return None
    if FIELDS.get(name) is not None and col.startswith("in_"):
        return None
    return [str(v) for v in results[col]], name.replace("_", " ")


def _plt() -> Any:
    from tfalab.plotting import pyplot

    return pyplot()


def _save(fig: Any, path: str | Path) -> Path:
    from tfalab.plotting import save

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return save(fig, path)


def _edges(centres: np.ndarray) -> np.ndarray:
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


def map_figure(results: pd.DataFrame | str | Path, x: str, y: str, value: str,
               path: str | Path, *, by: str | None = None, title: str | None = None,
               cmap: str = "viridis") -> Path:
    """A map of ``value`` over the inputs ``x`` and ``y`` (e.g. CCD over pressure ×
    temperature).

    Parameters
    ----------
    results : a sweep's table, directory or ``results.parquet``.
    x, y : inputs (``pressure``, ``temperature``, ``current``, ...) or numeric columns; a
        categorical input (``anode``) gives one row or column per value.
    value : the column shown in colour (``ccd_mA_cm2``, ``time_to_short_h``, ...).
    path : the PNG file to write.
    by : a categorical input (``anode``): one panel per value, on one colour scale.
    title, cmap : figure title and matplotlib colour map.

    Returns
    -------
    Path
        ``path``. A full grid is drawn as a heatmap (cells annotated when few), scattered
        points (LHS) as coloured markers; repeated (x, y) points are averaged.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> rows = [{"in_pressure": f"{p} MPa", "in_current": f"{i} mA/cm2", "error": None,
    ...          "time_to_short_h": 100 * p / i} for p in (1, 5) for i in (0.5, 1, 2)]
    >>> out = map_figure(pd.DataFrame(rows), "pressure", "current", "time_to_short_h",
    ...                  pathlib.Path(tempfile.mkdtemp()) / "short.png")
    >>> out.suffix
    '.png'
    """
    path = check_figure_path(path)
    for arg, v in (("x", x), ("y", y), ("value", value), ("by", by)):
        if v is not None and (not isinstance(v, str) or not v.strip()):
            raise ParameterError(f"{arg} must be a column or input name, got {v!r}")
    if x == y:
        raise ParameterError(f"x and y must be different inputs, got {x!r} for both")
    if by is not None and by in (x, y):
        raise ParameterError(f"by = {by!r} is also an axis (x = {x!r}, y = {y!r}); panel by "
                             "another input")
    frame = _ok(load_results(results))
    if frame.empty:
        raise ParameterError("no rows without an error to draw")
    groups: list[tuple[str | None, pd.DataFrame]] = [(None, frame)]
    if by is not None:
        cats = _categories(frame, by)
        if cats is None:
            raise ParameterError(f"'by' must be a categorical input or text column, "
                                 f"got {by!r}")
        labels = pd.Series(cats[0], index=frame.index)
        groups = [(str(k), frame[labels == k]) for k in dict.fromkeys(cats[0])]
    _, vlabel = column(frame, value)
    allv = column(frame, value)[0]
    finite = allv[np.isfinite(allv)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if vmax <= vmin:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    infinite = bool(np.isposinf(allv).any())  # e.g. never shorts: grey, written ∞
    from matplotlib import colormaps

    cm = colormaps[cmap].with_extremes(over="0.8", under="0.5")
    plt = _plt()
    fig, axes = plt.subplots(1, len(groups), figsize=(4.6 * len(groups) + 0.8, 3.8),
                             squeeze=False)
    mappable = None
    for ax, (name, g) in zip(axes[0], groups, strict=True):
        xs, xlabel, xticks = _axis(frame, g, x)
        ys, ylabel, yticks = _axis(frame, g, y)
        vs = column(g, value)[0]
        d = pd.DataFrame({"x": xs, "y": ys, "v": vs}).dropna(subset=["x", "y"])
        d = d.groupby(["x", "y"], as_index=False)["v"].mean()
        above = vmax + 10 * (vmax - vmin)  # matplotlib hides inf: drawn in the "over" colour
        shown = d["v"].where(~np.isposinf(d["v"]), above)
        ux, uy = np.unique(d["x"]), np.unique(d["y"])
        if len(ux) >= 2 and len(uy) >= 2 and len(d) == len(ux) * len(uy):
            grid = d.pivot(index="y", columns="x", values="v").loc[uy, ux].to_numpy()
            z = np.where(np.isposinf(grid), above, grid)
            mappable = ax.pcolormesh(_edges(ux), _edges(uy),
                                     np.ma.masked_where(np.isnan(z), z),
                                     cmap=cm, vmin=vmin, vmax=vmax, shading="flat")
            if grid.size <= 120:
                for (j, i), v in np.ndenumerate(grid):
                    if not np.isnan(v):
                        dark = np.isfinite(v) and (v - vmin) < 0.6 * (vmax - vmin)
                        ax.text(ux[i], uy[j], f"{v:.3g}" if np.isfinite(v) else "∞",
                                ha="center", va="center", fontsize=7,
                                color="w" if dark else "k")
        else:
            mappable = ax.scatter(d["x"], d["y"], c=shown, cmap=cm, vmin=vmin, vmax=vmax,
                                  s=45, edgecolors="k", linewidths=0.3)
        ax.set(xlabel=xlabel, ylabel=ylabel, title=f"{by} = {name}" if name else "")
        if xticks is not None:
            ax.set_xticks(range(len(xticks)), xticks)
        if yticks is not None:
            ax.set_yticks(range(len(yticks)), yticks)
    if mappable is not None:
        fig.colorbar(mappable, ax=axes[0].tolist(), extend="max" if infinite else "neither",
                     label=vlabel + (" (grey: ∞)" if infinite else ""))
    if title:
        fig.suptitle(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _axis(frame: pd.DataFrame, part: pd.DataFrame,
          name: str) -> tuple[np.ndarray, str, list[str] | None]:
    """A map axis: numbers, or the positions of a categorical input's values (ticks)."""
    cats = _categories(frame, name)
    if cats is None:
        values, label = column(part, name)
        return values, label, None
    levels = sorted(set(cats[0]))
    mine = _categories(part, name)
    assert mine is not None  # part holds rows of frame, with the same column types
    return np.array([levels.index(v) for v in mine[0]], dtype=float), cats[1], levels


def _objectives(objectives: Any) -> dict[str, str]:
    """``{"a": "maximize"}``, ``["a:max", "b:min"]`` or ``["a", "b"]`` (maximise) → dict."""
    if isinstance(objectives, dict):
        items = list(objectives.items())
    else:
        items = []
        for o in ([objectives] if isinstance(objectives, str) else objectives):
            name, _, d = str(o).partition(":")
            items.append((name.strip(), d.strip() or "maximize"))
    out = {}
    for name, d in items:
        if name in out:
            raise ParameterError(f"objective {name!r} is given twice; name each column once")
        key = str(d).lower()
        if key in ("max", "maximize", "maximise"):
            out[name] = "maximize"
        elif key in ("min", "minimize", "minimise"):
            out[name] = "minimize"
        else:
            raise ParameterError(f"objective {name!r}: direction {d!r} is not max or min")
    if not out:
        raise ParameterError("no objectives given")
    return out


def pareto_figure(results: pd.DataFrame | str | Path,
                  objectives: dict[str, str] | Sequence[str], path: str | Path, *,
                  reference: dict[str, Any] | pd.Series | None = None,
                  title: str | None = None) -> Path:
    """The trials in objective space with their Pareto front.

    Parameters
    ----------
    results : the table of an optimisation (``OptimizeResult.results``) or any sweep's table,
        directory or ``results.parquet``.
    objectives : ``{"column": "maximize" | "minimize"}``, or a list of ``"column:max"``.
        Two objectives are the axes; a third colours the points. One objective: its value per
        trial and the running best.
    path : the PNG file to write.
    reference : a row (e.g. the paper's design) drawn as a star; by default the row with
        ``role == "reference"`` if any.
    title : figure title.

    Returns
    -------
    Path
        ``path``. Infeasible trials (``feasible`` column False) are grey crosses; the front is
        taken among the feasible ones.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> frame = pd.DataFrame({"a": [1.0, 2.0, 0.5, 1.5], "b": [2.0, 1.0, 0.5, 1.8]})
    >>> out = pareto_figure(frame, ["a:max", "b:max"],
    ...                     pathlib.Path(tempfile.mkdtemp()) / "front.png")
    >>> out.is_file()
    True
    """
    from tfalab.sweep.optimize import pareto_mask

    path = check_figure_path(path)
    objs = _objectives(objectives)
    frame = load_results(results)
    if reference is None and "role" in frame and (frame["role"] == "reference").any():
        reference = frame[frame["role"] == "reference"].iloc[0]
    if "role" in frame:
        frame = frame[frame["role"] != "reference"]
    frame = _ok(frame)
    if frame.empty:
        raise ParameterError("no finished trials to draw")
    names = list(objs)
    vals = np.column_stack([column(frame, n)[0] for n in names])
    labels = [column(frame, n)[1] for n in names]
    feasible = frame["feasible"].to_numpy(dtype=bool) if "feasible" in frame else \
        np.ones(len(frame), dtype=bool)
    front = np.zeros(len(frame), dtype=bool)
    front[feasible] = pareto_mask(vals[feasible], objs.values())
    ref = None
    if reference is not None:
        ref_frame = pd.DataFrame([dict(reference)])
        ref = [column(ref_frame, n)[0][0] for n in names]
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    if len(names) == 1:
        order = frame["trial"].to_numpy() if "trial" in frame else np.arange(len(frame))
        v = vals[:, 0]
        ax.scatter(order[feasible], v[feasible], s=14, color="C0", label="trials")
        ax.scatter(order[~feasible], v[~feasible], s=14, marker="x", color="0.6",
                   label="infeasible")
        srt = np.argsort(order)
        run = np.where(feasible[srt], v[srt], np.nan)
        best = (np.fmax if objs[names[0]] == "maximize" else np.fmin).accumulate(
            np.nan_to_num(run, nan=-np.inf if objs[names[0]] == "maximize" else np.inf))
        ax.step(order[srt], best, where="post", color="C3", label="best so far")
        if ref is not None:
            ax.axhline(ref[0], color="k", ls="--", lw=1, label="reference")
        ax.set(xlabel="trial", ylabel=labels[0])
    else:
        c = vals[:, 2] if len(names) > 2 else None
        dominated = feasible & ~front
        ax.scatter(vals[~feasible, 0], vals[~feasible, 1], s=16, marker="x", color="0.65",
                   label="infeasible")
        sc = ax.scatter(vals[dominated, 0], vals[dominated, 1], s=16,
                        c=None if c is None else c[dominated], color="C0" if c is None else None,
                        alpha=0.6, label="feasible")
        fc = ax.scatter(vals[front, 0], vals[front, 1], s=36, edgecolors="k", linewidths=0.6,
                        c=None if c is None else c[front], color="C3" if c is None else None,
                        label="Pareto front", zorder=3)
        if c is not None:
            fig.colorbar(fc if front.any() else sc, ax=ax, label=labels[2])
        if len(names) == 2 and front.sum() > 1:
            f = vals[front][np.argsort(vals[front, 0])]
            ax.plot(f[:, 0], f[:, 1], color="C3", lw=1, zorder=2)
        if ref is not None:
            ax.scatter([ref[0]], [ref[1]], marker="*", s=220, color="gold", edgecolors="k",
                       zorder=4, label="reference")
        ax.set(xlabel=labels[0], ylabel=labels[1])
    ax.legend(fontsize=8, loc="best")
    arrows = ", ".join(f"{'↑' if d == 'maximize' else '↓'} {n}" for n, d in objs.items())
    ax.set_title(title or f"Pareto front ({arrows})", fontsize=9)
    return _save(fig, path)


def parallel_coordinates_figure(results: pd.DataFrame | str | Path, columns: Sequence[str],
                                path: str | Path, *, color: str | None = None,
                                highlight: Iterable[bool] | None = None,
                                title: str | None = None, cmap: str = "viridis") -> Path:
    """Every point of a sweep as a line across one normalised axis per column.

    Parameters
    ----------
    results : a sweep's table, directory or ``results.parquet``.
    columns : inputs (``free_li``, ``thickness``; categorical ones such as ``anode`` too) and
        output columns, in the order of the axes.
    path : the PNG file to write.
    color : a column that colours the lines (default: the last of ``columns``).
    highlight : a boolean per row drawn bold on top (e.g. the Pareto set); by default the row
        with ``role == "reference"``, if any, is drawn as a black dashed line.
    title, cmap : figure title and matplotlib colour map.

    Returns
    -------
    Path
        ``path``. Each axis runs from its column's minimum (bottom) to maximum (top), both
        written at its ends.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> frame = pd.DataFrame({"in_anode": ["li", "tfa", "tfa"],
    ...                       "in_pressure": ["5 MPa", "10 MPa", "20 MPa"],
    ...                       "ccd_mA_cm2": [0.5, 1.2, 2.0], "error": [None, None, None]})
    >>> out = parallel_coordinates_figure(frame, ["anode", "pressure", "ccd_mA_cm2"],
    ...                                   pathlib.Path(tempfile.mkdtemp()) / "pc.png")
    >>> out.is_file()
    True
    """
    path = check_figure_path(path)
    frame = load_results(results)
    if highlight is not None:
        hl = pd.Series(list(highlight), index=frame.index, dtype=bool)
    else:
        hl = pd.Series(False, index=frame.index)
    ref_mask = (frame["role"] == "reference") if "role" in frame else \
        pd.Series(False, index=frame.index)
    frame = _ok(frame)
    hl, ref_mask = hl.loc[frame.index], ref_mask.loc[frame.index]
    if frame.empty:
        raise ParameterError("no rows without an error to draw")
    columns = list(columns)
    if len(columns) < 2:
        raise ParameterError("a parallel-coordinates plot needs at least two columns")
    norm, ticks, labels = [], [], []
    for name in columns:
        cats = _categories(frame, name)
        if cats is not None:
            levels = list(dict.fromkeys(sorted(cats[0])))
            pos = np.array([levels.index(v) for v in cats[0]], dtype=float)
            n = max(len(levels) - 1, 1)
            norm.append(pos / n if len(levels) > 1 else pos + 0.5)
            ticks.append([(k / n if len(levels) > 1 else 0.5, lv) for k, lv in enumerate(levels)])
            labels.append(cats[1])
            continue
        v, label = column(frame, name)
        finite = v[np.isfinite(v)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        span = hi - lo if hi > lo else 1.0
        norm.append(np.clip((v - lo) / span, -0.05, 1.05) if hi > lo else np.full_like(v, 0.5))
        ticks.append([(0.0, f"{lo:.3g}"), (1.0, f"{hi:.3g}")] if hi > lo else
                     [(0.5, f"{lo:.3g}")])
        labels.append(label)
    data = np.column_stack(norm)
    if color is not None and _categories(frame, color) is not None:
        raise ParameterError(f"color: {color!r} is a text (categorical) column; the lines are "
                             f"coloured by a numeric column, e.g. one of "
                             f"{[c for c in columns if _categories(frame, c) is None]}")
    cvals, clabel = column(frame, color or columns[-1]) if \
        _categories(frame, color or columns[-1]) is None else (None, None)
    plt = _plt()
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    fig, ax = plt.subplots(figsize=(1.6 * len(columns) + 2.0, 4.0))
    xs = np.arange(len(columns))
    cm = colormaps[cmap]
    cn = None
    if cvals is not None and np.isfinite(cvals).any():
        cn = Normalize(np.nanmin(cvals), np.nanmax(cvals))
    normal = ~(hl.to_numpy() | ref_mask.to_numpy())
    alpha = 0.7 if len(frame) < 100 else max(0.08, 70 / len(frame))
    for k in np.flatnonzero(normal):
        # cn is set only with cvals
        col = (cm(cn(cvals[k])) if cn is not None and cvals is not None
               and np.isfinite(cvals[k]) else "C0")
        ax.plot(xs, data[k], color=col, lw=0.8, alpha=alpha)
    for k in np.flatnonzero(hl.to_numpy() & ~ref_mask.to_numpy()):
        col = (cm(cn(cvals[k])) if cn is not None and cvals is not None
               and np.isfinite(cvals[k]) else "C3")
        ax.plot(xs, data[k], color=col, lw=2.2, zorder=3)
    for n, k in enumerate(np.flatnonzero(ref_mask.to_numpy())):
        ax.plot(xs, data[k], color="k", lw=2.0, ls="--", zorder=4,
                label="reference" if n == 0 else None)
    for i, tk in enumerate(ticks):
        ax.axvline(i, color="0.3", lw=0.8)
        for at, text in tk:
            ax.text(i + 0.04, at, text, fontsize=7, va="center", ha="left",
                    bbox={"fc": "w", "ec": "none", "alpha": 0.7, "pad": 0.5})
    ax.set_xticks(xs, labels, fontsize=8, rotation=15)
    ax.set_yticks([])
    ax.set_xlim(-0.2, len(columns) - 0.6)
    ax.set_ylim(-0.08, 1.08)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if cn is not None:
        sm = plt.cm.ScalarMappable(norm=cn, cmap=cm)
        fig.colorbar(sm, ax=ax, label=clabel)
    if ref_mask.any():
        ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    return _save(fig, path)


def default_columns(results: pd.DataFrame) -> list[str]:
    """The inputs that vary in ``results`` followed by the main outputs present."""
    frame = _ok(results)
    ins = [c[3:] for c in frame.columns if str(c).startswith("in_")
           and frame[c].astype(str).nunique() > 1]
    outs = [c for c in ("specific_energy_Wh_kg", "np_ratio", "ccd_mA_cm2", "time_to_short_h",
                        "retention") if c in frame and frame[c].notna().any()]
    return ins + outs
