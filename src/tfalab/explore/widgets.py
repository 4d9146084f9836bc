"""Pieces every view of the explorer shares: the message line, PNG/CSV export buttons, the
equivalent-code box, and the guard that turns any error into a message in the page (the
traceback goes to the server's log, never to the browser)."""

from __future__ import annotations

import functools
import html
import io
import logging
from collections.abc import Callable
from typing import Any

import pandas as pd
import panel as pn

from tfalab.explore.text import describe

log = logging.getLogger("tfalab.explore")


class Messages:
    """A message line under a view's controls: ``error``, ``info`` or ``clear``."""

    def __init__(self, view: str) -> None:
        self.pane = pn.pane.Alert(
            "",
            alert_type="light",
            visible=False,
            sizing_mode="stretch_width",
            css_classes=[f"tfa-message-{view}"],
            name=f"{view} message",
        )

    def error(self, text: str) -> None:
        self.pane.object = _markdown(text)
        self.pane.alert_type = "danger"
        self.pane.visible = True

    def info(self, text: str) -> None:
        self.pane.object = _markdown(text)
        self.pane.alert_type = "info"
        self.pane.visible = True

    def clear(self) -> None:
        self.pane.visible = False
        self.pane.object = ""


def _markdown(text: str) -> str:
    """Plain text shown as itself in a Markdown pane: escaped, lines kept."""
    import re

    escaped = re.sub(r"([\\`*_\[\]#|~])", r"\\\1", html.escape(text, quote=False))
    return "  \n".join(escaped.splitlines())


def guarded(messages: Messages) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a callback so that any exception becomes ``messages.error`` (logged with its
    traceback on the server) and the page keeps working."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                log.debug("explorer callback %s failed", fn.__name__, exc_info=True)
                messages.error(describe(exc))
                return None

        return inner

    return wrap


def png_bytes(fig: Any) -> io.BytesIO:
    """A matplotlib figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    buf.seek(0)
    return buf


def csv_bytes(frame: pd.DataFrame | None) -> io.BytesIO:
    buf = io.BytesIO()
    (frame if frame is not None else pd.DataFrame()).to_csv(buf, index=False)
    buf.seek(0)
    return buf


def exports(
    name: str, figure: Callable[[], Any | None], data: Callable[[], pd.DataFrame | None]
) -> pn.Row:
    """ "PNG" and "CSV" download buttons made on click: ``figure()`` returns a matplotlib
    figure (or None), ``data()`` the figure's data."""

    def png() -> io.BytesIO:
        fig = figure()
        return io.BytesIO() if fig is None else png_bytes(fig)

    return pn.Row(
        pn.widgets.FileDownload(
            callback=png,
            filename=f"{name}.png",
            label="PNG",
            color="light",
            width=90,
        ),
        pn.widgets.FileDownload(
            callback=lambda: csv_bytes(data()),
            filename=f"{name}.csv",
            label="CSV",
            color="light",
            width=90,
        ),
    )


def code_box(view: str) -> pn.pane.Markdown:
    """Where a view shows its equivalent CLI command and Python snippet."""
    return pn.pane.Markdown("", sizing_mode="stretch_width", css_classes=[f"tfa-code-{view}"])


def code_markdown(cli: str | None, python: str) -> str:
    out = ""
    if cli:
        out += f"**Command line**\n\n```bash\n{cli}\n```\n\n"
    return out + f"**Python**\n\n```python\n{python}\n```\n"


def matplotlib_pane(fig: Any, name: str) -> pn.pane.Matplotlib:
    return pn.pane.Matplotlib(
        fig,
        dpi=96,
        tight=True,
        format="png",
        interactive=False,
        sizing_mode="stretch_width",
        name=name,
    )
