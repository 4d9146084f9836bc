"""Figure helpers shared by the claim answerers and the CLI (headless matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_formats() -> tuple[str, ...]:
    """File extensions a figure can be written to: matplotlib's formats, less ``pgf`` (which
    needs a LaTeX installation to lay out text).

    >>> {"png", "pdf", "svg"} <= set(figure_formats())
    True
    """
    from matplotlib.backend_bases import FigureCanvasBase

    return tuple(sorted(set(FigureCanvasBase.get_supported_filetypes()) - {"pgf"}))


def check_figure_path(path: Any, name: str = "path") -> Path:
    """``path`` as a Path whose extension names a format matplotlib writes (see
    :func:`figure_formats`), checked before anything is drawn; else
    :class:`~tfalab.errors.OutputError` naming ``name``, the path and the formats.

    >>> check_figure_path("out/map.pdf").name
    'map.pdf'
    """
    from tfalab.errors import OutputError

    if not isinstance(path, str | Path) or not str(path).strip():
        raise OutputError(f"{name}: {path!r} is not a file name; give e.g. 'figure.png'")
    out = Path(path)
    ext = out.suffix.lower().lstrip(".")
    formats = figure_formats()
    if ext not in formats:
        raise OutputError(f"{name}: {str(path)!r} does not end in a figure format matplotlib "
                          f"writes ({', '.join('.' + f for f in formats)}); e.g. "
                          f"{str(out.with_suffix('.png'))!r}")
    if out.is_dir():
        raise OutputError(f"{name}: {str(path)!r} is a directory; give a file name such as "
                          f"{str(out / 'figure.png')!r}")
    return out


def save(fig: Any, path: Path) -> Path:
    """Lay out, write (120 dpi) and close ``fig``; returns ``path``."""
    try:
        check_figure_path(path)
    except Exception:
        pyplot().close(fig)
        raise
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    pyplot().close(fig)
    return path
