"""The Lab data view: upload a cycler or impedance file (size-limited, read only by tfalab's
readers), see its analysis, and, for a symmetric cell whose conditions are entered, the
simulation of the same test beside it."""

from __future__ import annotations

import html
import math
from typing import Any, cast

import pandas as pd
import panel as pn

from tfalab.explore.figures import cycling_figure, eis_figure
from tfalab.explore.jobs import Job
from tfalab.explore.lab import LabResult, safe_name, same_test_protocol
from tfalab.explore.widgets import (
    Messages,
    code_box,
    code_markdown,
    exports,
    guarded,
    matplotlib_pane,
)

ACCEPTED = [
    ".mpr",
    ".mpt",
    ".txt",
    ".csv",
    ".xlsx",
    ".res",
    ".ndax",
    ".nda",
    ".parquet",
    ".dta",
    ".z",
    ".json",
]


class LimitedFileDropper(pn.widgets.FileDropper):
    """Panel's chunked FileDropper with the size limit also enforced on the server: a file
    whose chunks pass ``limit`` bytes is dropped as it arrives, and ``refused`` names it."""

    def __init__(self, limit: int, on_refused: Any, **params: Any) -> None:
        super().__init__(**params)
        self._limit = limit
        self._on_refused = on_refused
        self._sizes: dict[str, int] = {}

    def _process_event(self, event: Any) -> None:
        data = event.data
        if event.event_name == "upload_event":
            name = data.get("name", "")
            if data.get("chunk") == 1:
                self._sizes[name] = 0
            if name not in self._sizes:  # chunks of a file already refused
                return
            self._sizes[name] += len(data.get("data") or b"")
            if self._sizes[name] > self._limit:
                del self._sizes[name]
                self._file_buffer.pop(name, None)
                self._on_refused(name)
                return
            if data.get("chunk") == data.get("total_chunks"):
                self._sizes.pop(name, None)
        super()._process_event(event)


def _mb(limit: int) -> str:
    return f"{max(1.0, limit / 1e6):g}MB"


class LabView:
    """Upload, analysis, and the simulation of the same test."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.messages = Messages("lab")
        guard = guarded(self.messages)
        self.upload = LimitedFileDropper(
            settings.upload_limit,
            guard(self._refused),
            label="Cycler or EIS file",
            max_file_size=_mb(settings.upload_limit),
            multiple=False,
            chunk_size=min(10_000_000, settings.upload_limit + 1),
            sizing_mode="stretch_width",
            height=110,
        )
        self.kind = pn.widgets.Select(
            label="File holds",
            options={"detect": "auto", "cycling": "cycling", "impedance (EIS)": "eis"},
        )
        self.area = pn.widgets.TextInput(
            css_classes=["tfa-area"],
            label="Electrode area (optional)",
            placeholder="e.g. 0.785 cm2",
        )
        self.anode = pn.widgets.Select(
            label="Anode (simulation)", options={"TFA": "tfa", "bare Li": "li"}
        )
        self.pressure = pn.widgets.FloatInput(
            css_classes=["tfa-lab-pressure"], label="Stack pressure (MPa)", value=20.0
        )
        self.temperature = pn.widgets.FloatInput(
            css_classes=["tfa-lab-temperature"], label="Temperature (°C)", value=25.0
        )
        self.simulate = pn.widgets.Button(
            label="Simulate the same test", color="primary", disabled=True
        )
        self.status = pn.pane.Markdown("", css_classes=["tfa-lab-status"])
        self.summary = pn.pane.HTML(
            "", sizing_mode="stretch_width", css_classes=["tfa-lab-summary"]
        )
        self.plot = pn.Column(sizing_mode="stretch_width", css_classes=["tfa-lab-plot"])
        self.code = code_box("lab")
        self.result: LabResult | None = None
        self.sim: Any = None
        self.job: Job | None = None
        self._callback: Any = None
        self.upload.param.watch(guard(self._uploaded), "value")
        self.area.param.watch(guard(self._reanalyse), "value")
        self.kind.param.watch(guard(self._reanalyse), "value")
        self.simulate.on_click(guard(self._simulate))
        self._content: tuple[str, Any] | None = None
        self._job_kind = ""
        self.panel = pn.Row(
            pn.Column(
                self.upload,
                self.kind,
                self.area,
                pn.pane.Markdown(
                    f"Files up to {_mb(settings.upload_limit)}, read by "
                    "tfalab's readers (BioLogic, Arbin, Neware, LAND, Maccor, "
                    "BDF; EIS text and .mpr)."
                ),
                self.anode,
                self.pressure,
                self.temperature,
                self.simulate,
                self.status,
                self.messages.pane,
                width=340,
            ),
            pn.Column(
                self.summary,
                self.plot,
                exports("lab", self._figure, self._frame),
                self.code,
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
            name="Lab data",
        )

    def _refused(self, name: str) -> None:
        self.messages.error(
            f"'{name}' is larger than the upload limit of "
            f"{_mb(self.settings.upload_limit)}; it was not read"
        )

    def _uploaded(self, *_: Any) -> None:
        value = self.upload.value or {}
        if not value:
            return
        name, content = list(value.items())[-1]
        self.upload.value = {}  # keep no copy in the widget
        self._content = (safe_name(name), content)
        self._analyse()

    def _reanalyse(self, *_: Any) -> None:
        if self._content is not None:
            self._analyse()

    def _analyse(self) -> None:
        assert self._content is not None
        name, content = self._content
        self.messages.clear()
        self.sim = None
        self.result = None
        self.plot.objects = []
        self.summary.object = ""
        self.simulate.disabled = True
        if self.job is not None and self.job.state == "running":
            self.job.cancel()
        self.status.object = f"Reading *{name}*…"
        self._job_kind = "read"
        self.job = Job(
            "lab",
            {
                "name": name,
                "content": content,
                "kind": self.kind.value,
                "area": self.area.value,
                "limit": self.settings.upload_limit,
            },
            self.settings.time_limit,
        )
        self._watch()

    def _show(self, result: LabResult) -> None:
        name = result.name
        self.result = result
        meta = result.test.metadata if result.test is not None else {}
        if meta.get("pressure_Pa") is not None:
            self.pressure.value = float(meta["pressure_Pa"]) / 1e6
        if meta.get("temperature_K") is not None:
            self.temperature.value = float(meta["temperature_K"]) - 273.15
        self.simulate.disabled = not (result.kind == "cycling" and result.symmetric)
        rows = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{_fmt(v)}</td></tr>"
            for k, v in result.summary.items()
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in result.notes)
        self.summary.object = (
            f"<h4>{'Cycling' if result.kind == 'cycling' else 'Impedance'}"
            f': {html.escape(name)}</h4><table class="tfa-lab-table">{rows}</table>'
            + (f"<ul>{notes}</ul>" if notes else "")
        )
        self.status.object = f"**Analysed** *{name}*."
        self._draw()
        self._show_code(name)

    def _show_code(self, name: str) -> None:
        # panel types a TextInput's value str | None; the browser always sends a string
        typed = cast(str, self.area.value).strip()
        area = f' --area "{typed}"' if typed else ""
        if self.result is not None and self.result.kind == "eis":
            self.code.object = code_markdown(
                f"tfalab analyze eis {name}{area} --out eis_report",
                "from tfalab.analysis.eis import read_spectrum, fit_circuit\n\n"
                f'fit = fit_circuit(read_spectrum("{name}"))\nfit.status, fit.values',
            )
        else:
            self.code.object = code_markdown(
                f"tfalab analyze cycling {name}{area} --out cycling_report",
                "from tfalab.io import load\nfrom tfalab.analysis.capacity import "
                f'capacity_per_cycle\n\ntest = load("{name}")\ncapacity_per_cycle(test)',
            )

    def _figure(self) -> Any:
        r = self.result
        if r is None:
            return None
        if r.kind == "eis":
            return eis_figure(r.spectrum, r.fit)
        return cycling_figure(
            r.test, r.cycles, r.overpotential, None if self.sim is None else self.sim
        )

    def _frame(self) -> pd.DataFrame | None:
        r = self.result
        if r is None:
            return None
        if r.kind == "eis":
            z = r.spectrum.impedance
            return pd.DataFrame(
                {"frequency_Hz": r.spectrum.frequency, "Z_real_ohm": z.real, "Z_imag_ohm": z.imag}
            )
        return r.cycles

    def _draw(self) -> None:
        self.plot.objects = [matplotlib_pane(self._figure(), "lab figure")]

    def _simulate(self, *_: Any) -> None:
        self.messages.clear()
        r = self.result
        if r is None or r.test is None:
            return
        for name, v in (
            ("stack pressure", self.pressure.value),
            ("temperature", self.temperature.value),
        ):
            if v is None or not math.isfinite(v):
                raise ValueError(f"{name}: got {v!r}; enter a number")
        protocol = same_test_protocol(r.test)
        if self.job is not None and self.job.state == "running":
            self.messages.info("the simulation is already running")
            return
        self.job = Job(
            "symmetric",
            {
                "anode": self.anode.value,
                "protocol": protocol,
                "pressure": f"{self.pressure.value:g} MPa",
                "temperature": f"{self.temperature.value:g} degC",
            },
            self.settings.time_limit,
        )
        self.status.object = f"Simulating *{protocol}*…"
        self.simulate.disabled = True
        self._job_kind = "simulate"
        self._watch()

    def _watch(self) -> None:
        if self._callback is None:
            self._callback = pn.state.add_periodic_callback(
                guarded(self.messages)(self._poll), period=200
            )

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
        if job.poll():
            if self._job_kind == "simulate":
                self.status.object = f"Simulating… {100 * job.progress:.0f} %"
            return
        if self._callback is not None:
            self._callback.stop()
            self._callback = None
        if self._job_kind == "read":
            if job.state == "done":
                self._show(job.result)
            else:
                self.status.object = ""
                self.messages.error(
                    job.message if job.state == "failed" else f"reading the file {job.message}"
                )
            return
        self.simulate.disabled = False
        if job.result is not None:
            self.sim = job.result["celltest"]
            self._draw()
            self.status.object = (
                f"**Simulated** the same test ({job.elapsed:.1f} s, {job.result['termination']})."
            )
        else:
            self.status.object = job.message.capitalize() + "."
            if job.state == "failed":
                self.messages.error(job.message)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "n/a" if not math.isfinite(v) else f"{v:.4g}"
    return html.escape(str(v))
