"""The Maps view: CCD or time to short over pressure × temperature, read from a sweep store
(``tfalab sweep``; the stores are named when the server starts, never by the page) or
computed on demand on a coarse grid in a child process."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import panel as pn

from tfalab.explore.jobs import Job
from tfalab.explore.widgets import Messages, code_box, code_markdown, exports, guarded

#: quantity -> (sweep kind, result column)
QUANTITIES = {
    "CCD (mA/cm²)": ("ccd", "ccd_mA_cm2"),
    "time to short at rest (h)": ("short", "time_to_short_h"),
}
#: the most points along one axis of an on-demand map
MAX_AXIS = 6


def _axis(name: str, lo: float | None, hi: float | None, n: int | None, unit: str) -> list[str]:
    for v in (lo, hi):
        if v is None or not math.isfinite(v):
            raise ValueError(f"{name}: got {v!r}; enter finite numbers")
    assert lo is not None and hi is not None  # checked in the loop above
    if n is None or not 1 <= int(n) <= MAX_AXIS:
        raise ValueError(
            f"{name}: {n!r} points; an on-demand map has 1-{MAX_AXIS} per axis "
            "(run 'tfalab sweep' for finer maps)"
        )
    return [f"{v:g} {unit}" for v in np.linspace(lo, hi, int(n))]


class MapsView:
    """Source (a sweep store or on demand), the grid, and the map."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.messages = Messages("maps")
        stores = {f"sweep store: {Path(p).name}": str(p) for p in settings.sweeps}
        self.source = pn.widgets.Select(
            label="Source", options={"compute here (coarse grid)": "", **stores}, value=""
        )
        self.quantity = pn.widgets.Select(label="Quantity", options=list(QUANTITIES))
        self.anode = pn.widgets.Select(label="Anode", options={"TFA": "tfa", "bare Li": "li"})
        self.p_lo = pn.widgets.FloatInput(
            css_classes=["tfa-p-lo"], label="p from (MPa)", value=5.0, width=100
        )
        self.p_hi = pn.widgets.FloatInput(
            css_classes=["tfa-p-hi"], label="to (MPa)", value=40.0, width=100
        )
        self.p_n = pn.widgets.IntInput(
            css_classes=["tfa-p-n"], label="points", value=4, start=1, width=80
        )
        self.t_lo = pn.widgets.FloatInput(
            css_classes=["tfa-t-lo"], label="T from (°C)", value=25.0, width=100
        )
        self.t_hi = pn.widgets.FloatInput(
            css_classes=["tfa-t-hi"], label="to (°C)", value=80.0, width=100
        )
        self.t_n = pn.widgets.IntInput(
            css_classes=["tfa-t-n"], label="points", value=3, start=1, width=80
        )
        self.x = pn.widgets.Select(label="x (store)", options=[])
        self.y = pn.widgets.Select(label="y (store)", options=[])
        self.value = pn.widgets.Select(label="colour (store)", options=[])
        self.go = pn.widgets.Button(label="Compute map", color="primary")
        self.cancel = pn.widgets.Button(label="Cancel", color="warning", disabled=True)
        self.progress = pn.indicators.Progress(
            label="progress", value=0, max=100, visible=False, sizing_mode="stretch_width"
        )
        self.status = pn.pane.Markdown("")
        self.plot = pn.Column(sizing_mode="stretch_width", css_classes=["tfa-maps-plot"])
        self.code = code_box("maps")
        self.results: pd.DataFrame | None = None
        self.png: bytes | None = None
        self.job: Job | None = None
        self._callback: Any = None
        self._axes = ("pressure", "temperature", "ccd_mA_cm2")
        guard = guarded(self.messages)
        self.go.on_click(guard(self._go))
        self.cancel.on_click(guard(self._cancel))
        self.source.param.watch(guard(self._source), "value")
        self._source()
        self.panel = pn.Row(
            pn.Column(
                self.source,
                self.quantity,
                self.anode,
                pn.Row(self.p_lo, self.p_hi, self.p_n, width=330),
                pn.Row(self.t_lo, self.t_hi, self.t_n, width=330),
                self.x,
                self.y,
                self.value,
                pn.Row(self.go, self.cancel),
                self.progress,
                self.status,
                self.messages.pane,
                width=340,
            ),
            pn.Column(
                self.plot,
                exports("map", self._figure, lambda: self.results),
                self.code,
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
            name="Maps",
        )

    def _source(self, *_: Any) -> None:
        store = bool(self.source.value)
        for w in (
            self.quantity,
            self.anode,
            self.p_lo,
            self.p_hi,
            self.p_n,
            self.t_lo,
            self.t_hi,
            self.t_n,
        ):
            w.visible = not store
        for w in (self.x, self.y, self.value):
            w.visible = store
        self.go.label = "Show map" if store else "Compute map"
        if store:
            from tfalab.sweep.figures import load_results

            frame = load_results(self.source.value)
            inputs = [c[3:] for c in frame.columns if c.startswith("in_")]
            numeric = [
                c
                for c in frame.columns
                if not c.startswith("in_")
                and pd.api.types.is_numeric_dtype(frame[c])
                and c != "seconds"
            ]
            self.x.options, self.y.options = inputs, inputs
            self.value.options = numeric
            self.x.value = "pressure" if "pressure" in inputs else (inputs or [None])[0]
            self.y.value = (
                "temperature" if "temperature" in inputs else (inputs[1:] or inputs or [None])[0]
            )
            for pick in ("ccd_mA_cm2", "time_to_short_h"):
                if pick in numeric:
                    self.value.value = pick
                    break
            self.code.object = code_markdown(
                f"tfalab sweep-plot {self.source.value} --out maps",
                "from tfalab.sweep.figures import map_figure\n\n"
                f'map_figure("{self.source.value}", "{self.x.value}", "{self.y.value}", '
                f'"{self.value.value}", "map.png")',
            )

    def _grid(self) -> tuple[str, str, list[dict[str, Any]]]:
        kind, column = QUANTITIES[self.quantity.value]
        pressures = _axis("pressure", self.p_lo.value, self.p_hi.value, self.p_n.value, "MPa")
        temps = _axis("temperature", self.t_lo.value, self.t_hi.value, self.t_n.value, "degC")
        points = [
            {"anode": self.anode.value, "pressure": p, "temperature": t}
            for t in temps
            for p in pressures
        ]
        spec = (
            f'[sweep]\nkind = "{kind}"\n[grid]\nanode = ["{self.anode.value}"]\n'
            f"pressure = {pressures}\ntemperature = {temps}\n"
        ).replace("'", '"')
        self.code.object = code_markdown(
            "tfalab sweep spec.toml --out my_map && tfalab sweep-plot my_map --out maps",
            f"# spec.toml\n{spec}\n"
            "from tfalab.sweep.points import evaluate_point\n"
            f"rows = [evaluate_point(p, {kind!r}) for p in points]  # points as in the grid",
        )
        return kind, column, points

    def _go(self, *_: Any) -> None:
        self.messages.clear()
        if self.source.value:
            from tfalab.sweep.figures import load_results

            self.results = load_results(self.source.value)
            self._axes = (self.x.value, self.y.value, self.value.value)
            self._draw()
            return
        if self.job is not None and self.job.state == "running":
            self.messages.info("a map is already being computed in this page")
            return
        kind, column, points = self._grid()
        self._axes = ("pressure", "temperature", column)
        self.job = Job("grid", {"points": points, "kind": kind}, self.settings.time_limit)
        self.progress.value, self.progress.visible = 0, True
        self.go.disabled, self.cancel.disabled = True, False
        self.status.object = f"Computing {len(points)} points…"
        self._callback = pn.state.add_periodic_callback(
            guarded(self.messages)(self._poll), period=250
        )

    def _cancel(self, *_: Any) -> None:
        if self.job is not None:
            self.job.cancel()
            self._poll()

    def close(self) -> None:
        """The page was closed: stop its computation and its polling."""
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        if self.job is not None:
            self.job.cancel()

    def _poll(self) -> None:
        job = self.job
        if job is None:
            return
        running = job.poll()
        self.progress.value = int(100 * job.progress)
        if running:
            if job.state == "stopping":
                self.cancel.disabled = True
                self.status.object = "Stopping…"
            return
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        self.go.disabled, self.cancel.disabled = False, True
        self.progress.visible = False
        if job.state == "done":
            self.results = job.result
            errors = int(self.results["error"].notna().sum())
            note = f"; {errors} points failed (see CSV)" if errors else ""
            if "failed" in self.results:  # a CCD ramp that ended without failure
                held = int((self.results["failed"] == False).sum())  # noqa: E712
                if held:
                    note += (
                        f"; {held} points did not fail within the ramp: their CCD is "
                        "the ramp's top, a lower bound"
                    )
            self.status.object = f"**Done** in {job.elapsed:.1f} s{note}."
            if errors == len(self.results):
                first = str(self.results["error"].dropna().iloc[0]) if errors else "no points"
                self.messages.error(f"every point of the map failed; the first: {first}")
                return
            self._draw()
        else:
            self.status.object = job.message.capitalize() + "."
            if job.state == "failed":
                self.messages.error(job.message)

    def _figure(self) -> Any:
        if self.png is None:
            return None
        return _PNGFigure(self.png)

    def _draw(self) -> None:
        from tfalab.sweep.figures import map_figure

        if self.results is None:
            return
        x, y, value = self._axes
        if not x or not y or not value:
            raise ValueError("choose x, y and the colour column")
        with tempfile.TemporaryDirectory() as tmp:
            path = map_figure(self.results, x, y, value, Path(tmp) / "map.png")
            self.png = path.read_bytes()
        self.plot.objects = [pn.pane.PNG(self.png, width=640, name="map figure")]


class _PNGFigure:
    """Stands in for a matplotlib figure whose PNG is already made (the map)."""

    def __init__(self, png: bytes) -> None:
        self._png = png

    def savefig(self, buf: Any, **_: Any) -> None:
        buf.write(self._png)
