"""The Cell view: a symmetric or full-cell simulation run from the page in a child process
(:mod:`tfalab.explore.jobs`), with progress, a cancel button and a time limit; voltage,
contact fraction, filament and intrusion, and pressure against time, with measured points
where a reference (e.g. the seed paper's claims) covers the conditions."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import panel as pn

from tfalab.explore.figures import run_figure, run_frame
from tfalab.explore.jobs import Job
from tfalab.explore.widgets import (
    Messages,
    code_box,
    code_markdown,
    exports,
    guarded,
    matplotlib_pane,
)

#: conditions -> measured points to draw (see :func:`tfalab.explore.make_app`)
References = Callable[[dict[str, Any]], list[dict[str, Any]]]


def _builds() -> list[str]:
    from tfalab.cell.builds import available_builds

    return list(available_builds())


class CellView:
    """Controls, run/cancel, progress and the run's figure."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.messages = Messages("cell")
        self.cell = pn.widgets.RadioButtonGroup(
            label="Cell", options=["symmetric", "full"], value="symmetric", color="light"
        )
        self.anode = pn.widgets.Select(
            label="Anode", options={"TFA (LiBx skeleton)": "tfa", "bare Li": "li"}, value="tfa"
        )
        builds = _builds()
        self.build = pn.widgets.Select(
            label="Cell build",
            options=builds,
            value="Generic" if "Generic" in builds else builds[0],
        )
        self.pressure = pn.widgets.FloatInput(
            css_classes=["tfa-pressure"], label="Stack pressure (MPa)", value=20.0, step=1.0
        )
        self.temperature = pn.widgets.FloatInput(
            css_classes=["tfa-temperature"], label="Temperature (°C)", value=80.0, step=5.0
        )
        self.protocol = pn.widgets.TextInput(
            css_classes=["tfa-protocol"],
            label="Protocol (symmetric)",
            value="cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h",
        )
        self.cathode = pn.widgets.Select(
            label="Cathode (full)", options=["fes2", "ncm"], value="fes2"
        )
        self.loading = pn.widgets.TextInput(
            css_classes=["tfa-loading"], label="Cathode loading (full)", value="2.17 mg/cm2"
        )
        self.full_protocol = pn.widgets.TextInput(
            css_classes=["tfa-full-protocol"], label="Protocol (full)", value="cycle 1C x 20"
        )
        self.run = pn.widgets.Button(label="Run simulation", color="primary")
        self.cancel = pn.widgets.Button(label="Cancel", color="warning", disabled=True)
        self.progress = pn.indicators.Progress(
            label="progress", value=0, max=100, sizing_mode="stretch_width", visible=False
        )
        self.status = pn.pane.Markdown("", css_classes=["tfa-cell-status"])
        self.plot = pn.Column(sizing_mode="stretch_width", css_classes=["tfa-cell-plot"])
        self.code = code_box("cell")
        self.job: Job | None = None
        self._callback: Any = None
        self._result: dict[str, Any] | None = None
        self._references: list[dict[str, Any]] = []
        self._title = ""
        guard = guarded(self.messages)
        self.run.on_click(guard(self._start))
        self.cancel.on_click(guard(self._cancel))
        self.cell.param.watch(guard(self._toggle), "value")
        for w in (
            self.cell,
            self.anode,
            self.build,
            self.pressure,
            self.temperature,
            self.protocol,
            self.cathode,
            self.loading,
            self.full_protocol,
        ):
            w.param.watch(guard(lambda _e: self._show_code()), "value")
        self._toggle()
        self._show_code()
        self.exports = exports("cell_run", self._figure, self._frame)
        self.panel = pn.Row(
            pn.Column(
                self.cell,
                self.anode,
                self.build,
                self.pressure,
                self.temperature,
                self.protocol,
                self.cathode,
                self.loading,
                self.full_protocol,
                pn.Row(self.run, self.cancel),
                self.progress,
                self.status,
                self.messages.pane,
                width=340,
            ),
            pn.Column(self.plot, self.exports, self.code, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
            name="Cell",
        )

    # --- inputs ---------------------------------------------------------------------------
    def _toggle(self, *_: Any) -> None:
        full = self.cell.value == "full"
        self.protocol.visible = not full
        for w in (self.cathode, self.loading, self.full_protocol):
            w.visible = full

    def _conditions(self) -> dict[str, Any]:
        for name, w, lo, hi in (
            ("stack pressure", self.pressure, 0.0, 1000.0),
            ("temperature", self.temperature, -273.15, 1e4),
        ):
            v = w.value
            if v is None or not math.isfinite(v) or not lo <= v <= hi:
                raise ValueError(
                    f"{name}: got {v!r}; enter a number in {lo:g}-{hi:g} "
                    f"{'MPa' if name == 'stack pressure' else '°C'}"
                )
        full = self.cell.value == "full"
        # checked in the loop above
        assert self.pressure.value is not None and self.temperature.value is not None
        out = {
            "cell": self.cell.value,
            "anode": self.anode.value,
            "build": self.build.value,
            "pressure": f"{self.pressure.value:g} MPa",
            "temperature": f"{self.temperature.value:g} degC",
            "pressure_MPa": float(self.pressure.value),
            "temperature_C": float(self.temperature.value),
            # panel types a TextInput's value str | None; the browser always sends a string
            "protocol": cast(str, self.full_protocol.value if full
                             else self.protocol.value).strip(),
        }
        if full:
            out |= {"cathode": self.cathode.value,
                    "loading": cast(str, self.loading.value).strip() or None}
        if not out["protocol"]:
            raise ValueError("protocol: empty; write e.g. 'cycle 0.5 mA/cm2 2 mAh/cm2 for 100 h'")
        return out

    def _show_code(self) -> None:
        try:
            c = self._conditions()
        except ValueError:
            return
        if c["cell"] == "full":
            load = f' --loading "{c["loading"]}"' if c.get("loading") else ""
            cli = (
                f"tfalab simulate full --anode {c['anode']} --cathode {c['cathode']}{load} "
                f'--build {c["build"]} --pressure "{c["pressure"]}" --temperature '
                f'"{c["temperature"]}" --protocol "{c["protocol"]}" --out full_run'
            )
            py = (
                "from tfalab.cell import simulate_full\n\n"
                f'res = simulate_full("{c["anode"]}", "{c["cathode"]}", {c.get("loading")!r}, '
                f'"{c["protocol"]}",\n                    "{c["pressure"]}", '
                f'"{c["temperature"]}", build="{c["build"]}")\nres.cycles'
            )
        else:
            cli = (
                f"tfalab simulate symmetric --anode {c['anode']} --build {c['build']} "
                f'--pressure "{c["pressure"]}" --temperature "{c["temperature"]}" '
                f'--protocol "{c["protocol"]}" --out symmetric_run'
            )
            py = (
                "from tfalab.cell import simulate_symmetric\n\n"
                f'res = simulate_symmetric("{c["anode"]}", "{c["protocol"]}", '
                f'"{c["pressure"]}", "{c["temperature"]}",\n'
                f'                         build="{c["build"]}")\n'
                "res.termination, res.celltest.data"
            )
        self.code.object = code_markdown(cli, py)

    # --- running --------------------------------------------------------------------------
    def _start(self, *_: Any) -> None:
        self.messages.clear()
        if self.job is not None and self.job.state == "running":
            self.messages.info("a simulation is already running in this page; cancel it first")
            return
        c = self._conditions()
        if c["cell"] == "full":
            kwargs = {
                k: c[k]
                for k in (
                    "anode",
                    "cathode",
                    "loading",
                    "protocol",
                    "pressure",
                    "temperature",
                    "build",
                )
            }
        else:
            kwargs = {k: c[k] for k in ("anode", "protocol", "pressure", "temperature", "build")}
        self._references = self.settings.references(c) if self.settings.references else []
        self._title = (
            f"{c['anode']} {c['cell']} cell, {c['pressure']}, {c['temperature']}, "
            f"{c['protocol']} ({c['build']} build)"
        )
        self.job = Job(c["cell"], kwargs, self.settings.time_limit)
        self.progress.value, self.progress.visible = 0, True
        self.run.disabled, self.cancel.disabled = True, False
        self.status.object = "Running…"
        self._callback = pn.state.add_periodic_callback(
            guarded(self.messages)(self._poll), period=200
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
        try:
            running = job.poll()
        except Exception as exc:  # never let a poll error reach the page as a traceback
            job.cancel()
            self.messages.error(f"the run failed: {type(exc).__name__}: {exc}")
            running = False
        self.progress.value = int(100 * job.progress)
        if running:
            if job.state == "stopping":
                self.cancel.disabled = True
                self.status.object = "Stopping… collecting the part simulated so far."
            else:
                self.status.object = (
                    f"Running… {_percent(job.progress)} ({job.elapsed:.1f} s)"
                )
            return
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        self.run.disabled, self.cancel.disabled = False, True
        self.progress.visible = False
        if job.state == "failed":
            self.status.object = "Failed."
            self.messages.error(job.message)
        result = job.result
        if result is not None:
            self._result = result
            self._draw()
            term = result.get("termination", "")
            if job.state == "done":
                self.status.object = f"**Done** in {job.elapsed:.1f} s: termination *{term}*."
            else:
                hours = float(result["celltest"].data["Test Time / s"].iloc[-1]) / 3600
                self.status.object = (
                    f"**Stopped** ({job.message}) after {job.elapsed:.1f} s: "
                    f"the part simulated so far ({hours:.4g} h) is shown."
                )
        elif job.state in ("cancelled", "timed out"):
            self.status.object = f"{job.message.capitalize()}; nothing was simulated yet."

    def _figure(self) -> Any:
        if self._result is None:
            return None
        return run_figure(self._result["celltest"], self._title, self._references)

    def _frame(self) -> Any:
        return None if self._result is None else run_frame(self._result["celltest"])

    def _draw(self) -> None:
        fig = self._figure()
        self.plot.objects = [matplotlib_pane(fig, "cell figure")]


def _percent(fraction: float) -> str:
    """"37 %", or two significant digits below 1 % ("0.012 %": a long run has started)."""
    if 0 < fraction < 0.01:
        return f"{100 * fraction:.2g} %"
    return f"{100 * fraction:.0f} %"
