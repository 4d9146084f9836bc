"""The Design view: anode and stack controls; capacity, utilisation, porosity and thickness
after a strip, N/P, Wh/kg and Wh/L, updated on every change (a few ms of computation), and
Wh/kg against the free-Li fraction."""

from __future__ import annotations

import html
import math
from dataclasses import replace
from typing import Any

import pandas as pd
import panel as pn
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from tfalab.explore.design import (
    LABELS,
    DesignInputs,
    design_code,
    design_metrics,
    free_li_curve,
)
from tfalab.explore.widgets import Messages, code_box, code_markdown, exports, guarded


def _slider(key: str, name: str, start: float, end: float, value: float, step: float) -> Any:
    return pn.widgets.EditableFloatSlider(
        label=name,
        start=start,
        end=end,
        value=value,
        step=step,
        fixed_start=None,
        fixed_end=None,
        width=300,
        css_classes=[f"tfa-{key}"],
    )


class DesignView:
    """Controls on the left, the metrics table, the curve and the equivalent code."""

    def __init__(self) -> None:
        d = DesignInputs()
        self.messages = Messages("design")
        self.skeleton = pn.widgets.Select(
            label="Skeleton",
            options={"LiBx (TFA)": "LiBx", "none (bare Li)": "none"},
            value=d.skeleton,
            width=300,
        )
        self.free_li = _slider("free-li", "Free Li (wt%)", 20, 100, d.free_li_wt, 1)
        self.thickness = _slider("thickness", "Anode thickness (µm)", 5, 500, d.thickness_um, 1)
        self.porosity = _slider("porosity", "Anode porosity (%)", 0, 50, d.porosity_pct, 0.1)
        self.cathode = pn.widgets.Select(
            label="Cathode", options={"FeS2": "fes2", "NCM93": "ncm"}, value=d.cathode, width=300
        )
        self.loading = _slider("loading", "Cathode loading", 0.5, 30, d.loading, 0.01)
        self.loading_unit = pn.widgets.Select(
            label="Loading unit", options=["mg/cm2", "mAh/cm2"], value=d.loading_unit, width=300
        )
        self.separator = _slider("separator", "Separator (µm)", 5, 1500, d.separator_um, 1)
        self.strip = _slider("strip", "Strip (mAh/cm²)", 0, 30, d.strip_mAh_cm2, 0.1)
        self.table = pn.pane.HTML("", sizing_mode="stretch_width", css_classes=["tfa-design-table"])
        self.source = ColumnDataSource({"x": [], "y": []})
        self.point = ColumnDataSource({"x": [], "y": []})
        fig = figure(
            height=300,
            sizing_mode="stretch_width",
            x_axis_label="free Li / wt%",
            y_axis_label="stack specific energy / Wh/kg",
            title="Wh/kg against the free-Li fraction (all else as set)",
            tools="pan,wheel_zoom,box_zoom,reset,save",
        )
        fig.line("x", "y", source=self.source, line_width=2)
        fig.scatter("x", "y", source=self.point, size=10, color="crimson")
        self.figure = pn.pane.Bokeh(fig, sizing_mode="stretch_width")
        self.code = code_box("design")
        self.metrics: dict[str, Any] = {}
        self.curve = pd.DataFrame()
        self.inputs = d
        self.update = guarded(self.messages)(self._update)
        for w in (
            self.skeleton,
            self.free_li,
            self.thickness,
            self.porosity,
            self.cathode,
            self.loading,
            self.loading_unit,
            self.separator,
            self.strip,
        ):
            w.param.watch(lambda _e: self.update(), "value")
        self.update()
        self.panel = pn.Row(
            pn.Column(
                self.skeleton,
                self.free_li,
                self.thickness,
                self.porosity,
                self.cathode,
                self.loading,
                self.loading_unit,
                self.separator,
                self.strip,
                self.messages.pane,
                width=340,
            ),
            pn.Column(
                self.table,
                self.figure,
                exports("design", self._png, self._csv),
                self.code,
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
            name="Design",
        )

    def _read(self) -> DesignInputs:
        values = {
            "free_li_wt": self.free_li.value,
            "thickness_um": self.thickness.value,
            "porosity_pct": self.porosity.value,
            "loading": self.loading.value,
            "separator_um": self.separator.value,
            "strip_mAh_cm2": self.strip.value,
        }
        for name, v in values.items():
            if v is None or not math.isfinite(float(v)):
                raise ValueError(f"{name}: got {v!r}; enter a finite number")
        return replace(
            DesignInputs(),
            skeleton=self.skeleton.value,
            cathode=self.cathode.value,
            loading_unit=self.loading_unit.value,
            **{k: float(v) for k, v in values.items()},
        )

    def _update(self) -> None:
        inputs = self._read()
        self.free_li.disabled = self.porosity.disabled = inputs.bare
        metrics = design_metrics(inputs)  # raises a ParameterError naming the control
        if metrics["note"]:
            self.messages.info(str(metrics["note"]))
        else:
            self.messages.clear()
        self.inputs, self.metrics = inputs, metrics
        rows = "".join(
            f'<tr><td>{html.escape(label)}</td><td style="text-align:right">'
            f'<span id="metric-{key}">{_fmt(metrics[key], digits)}</span></td>'
            f"<td>{html.escape(unit)}</td></tr>"
            for key, (label, unit, digits) in LABELS.items()
        )
        self.table.object = f'<table class="tfa-metrics">{rows}</table>'
        self.curve = free_li_curve(inputs)
        self.source.data = {
            "x": list(self.curve.get("free_li_wt_pct", [])),
            "y": list(self.curve.get("specific_energy_Wh_kg", [])),
        }
        self.point.data = {
            "x": [100.0 if inputs.bare else inputs.free_li_wt],
            "y": [metrics["specific_energy_Wh_kg"]],
        }
        self.code.object = code_markdown(*design_code(inputs))

    def _csv(self) -> pd.DataFrame:
        table = pd.DataFrame(
            [
                {"quantity": LABELS[k][0], "key": k, "value": v, "unit": LABELS[k][1]}
                for k, v in self.metrics.items()
                if k in LABELS
            ]
        )
        curve = self.curve.assign(quantity="curve")
        return pd.concat([table, curve], ignore_index=True)

    def _png(self) -> Any:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6, 3.5))
        ax = fig.subplots()
        if len(self.curve):
            ax.plot(self.curve["free_li_wt_pct"], self.curve["specific_energy_Wh_kg"])
        if self.metrics:
            ax.plot(
                [100.0 if self.inputs.bare else self.inputs.free_li_wt],
                [self.metrics["specific_energy_Wh_kg"]],
                "o",
                color="crimson",
            )
        ax.set(xlabel="free Li / wt%", ylabel="stack specific energy / Wh/kg")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return fig


def _fmt(value: Any, digits: int) -> str:
    if isinstance(value, str):
        return html.escape(value)
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"
