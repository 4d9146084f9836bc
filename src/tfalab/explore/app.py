"""The explorer's server: one page per browser session (independent state), four views, and
the settings that keep it safe to serve."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfalab.errors import ParameterError

log = logging.getLogger("tfalab.explore")

#: default upload limit, bytes
UPLOAD_LIMIT = 200_000_000
#: default time limit of one simulation or map, s
TIME_LIMIT = 120.0


@dataclass(frozen=True)
class Settings:
    """What the server operator decides (never the page).

    ``references``: conditions -> measured points for the Cell view (e.g. the seed paper's
    claims; the library ships none); ``sweeps``: sweep stores the Maps view may show.
    """

    upload_limit: int = UPLOAD_LIMIT
    time_limit: float = TIME_LIMIT
    sweeps: tuple[str, ...] = ()
    references: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    title: str = "tfalab explore"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.upload_limit, bool) or not isinstance(self.upload_limit, int) \
                or not 1 <= self.upload_limit <= 2**34:
            raise ParameterError(f"upload_limit must be 1 B to 16 GB, got {self.upload_limit!r}")
        if isinstance(self.time_limit, bool) or not isinstance(self.time_limit, int | float) \
                or not (math.isfinite(self.time_limit) and 1 <= self.time_limit <= 86400):
            raise ParameterError(f"time_limit must lie in 1-86400 s, got {self.time_limit!r}")
        if not isinstance(self.sweeps, tuple | list) or \
                not all(isinstance(p, str | Path) for p in self.sweeps):
            raise ParameterError(f"sweeps must be a tuple of sweep-store folders, got "
                                 f"{self.sweeps!r}")
        if self.references is not None and not callable(self.references):
            raise ParameterError(f"references must be a function of the conditions (or None), "
                                 f"got {self.references!r}")
        if not isinstance(self.title, str):
            raise ParameterError(f"title must be text, got {self.title!r}")
        for p in self.sweeps:  # a sweep store (a folder with results.parquet) or a dataset
            store = (Path(p) / "results.parquet").exists()
            if not store and not (Path(p).suffix == ".parquet" and Path(p).exists()):
                raise ParameterError(
                    f"sweep store {str(p)!r}: no results.parquet there "
                    "(make one with 'tfalab sweep SPEC --out DIR')"
                )


def make_page(settings: Settings) -> Any:
    """A new page (called once per browser session: every session has its own state)."""
    import panel as pn

    from tfalab.explore.cell_view import CellView
    from tfalab.explore.design_view import DesignView
    from tfalab.explore.lab_view import LabView
    from tfalab.explore.maps_view import MapsView

    views: list[Any] = [DesignView(), CellView(settings), MapsView(settings), LabView(settings)]
    tabs = pn.Tabs(
        *[(v.panel.name, v.panel) for v in views], dynamic=False, sizing_mode="stretch_width"
    )
    header = pn.pane.Markdown(
        f"## {settings.title}\nDesign skeleton-hosted Li anodes, simulate cells, map failure "
        "limits and read lab data. Each view shows the equivalent command and Python code.",
        sizing_mode="stretch_width",
    )
    page = pn.Column(header, tabs, sizing_mode="stretch_width")
    page.views = views  # type: ignore[attr-defined]

    def closed(_context: Any) -> None:  # a closed page's jobs stop at once
        for view in views:
            if hasattr(view, "close"):
                view.close()

    if pn.state.curdoc is not None and pn.state.curdoc.session_context is not None:
        pn.state.on_session_destroyed(closed)
    return page


def _exception_handler(exc: BaseException) -> None:
    """Panel's last resort for an error outside the views' guards: log it, show nothing of it
    in the page but a notification."""
    import panel as pn

    from tfalab.explore.text import describe

    log.debug("explorer error", exc_info=exc)
    if pn.state.notifications is not None:
        pn.state.notifications.error(describe(exc), duration=8000)


def serve(
    settings: Settings | None = None,
    *,
    port: int = 5006,
    address: str = "127.0.0.1",
    show: bool = True,
    on_ready: Callable[[str], None] | None = None,
    allow_origin: Sequence[str] = (),
) -> None:
    """Serve the explorer at ``http://address:port`` until interrupted.

    It binds to 127.0.0.1 unless ``address`` says otherwise; ``allow_origin`` lists other
    hosts a browser may reach it through (Bokeh's websocket origin check).
    """
    import panel as pn

    from tfalab.explore import jobs

    settings = settings or Settings()
    pn.extension(notifications=True)
    pn.config.exception_handler = _exception_handler
    # callbacks stay on the server's event loop (Bokeh models are not thread-safe); all
    # long work (simulations, maps, reading uploads) runs in child processes (jobs)
    jobs.warm()
    origins = [f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}", *allow_origin]
    max_message = max(20 * 2**20, 2 * min(settings.upload_limit, 10_000_000) + 2**20)
    server = pn.serve(
        {"/": lambda: make_page(settings)},
        port=port,
        address=address,
        websocket_origin=origins,
        show=False,
        start=False,
        title=settings.title,
        verbose=False,
        websocket_max_message_size=max_message,
        http_server_kwargs={"max_buffer_size": max_message},
    )
    server.start()
    url = f"http://{address}:{server.port}/"
    if on_ready is not None:
        on_ready(url)
    if show:
        server.io_loop.add_callback(server.show, "/")
    try:
        server.io_loop.start()
    finally:
        server.stop()
