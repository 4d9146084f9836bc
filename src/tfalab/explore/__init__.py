"""``tfalab explore``: the design explorer in the browser (Panel/HoloViz on a Bokeh server).

Four views share one page per browser session:

- **Design**: anode and stack controls; capacity, utilisation, porosity and thickness after a
  strip, N/P, Wh/kg and Wh/L, updated on every change (:mod:`tfalab.explore.design`).
- **Cell**: a symmetric or full-cell simulation in a child process with progress, cancel and
  a time limit (:mod:`tfalab.explore.jobs`); voltage, contact fraction, filament and
  intrusion, and pressure against time, with measured reference points.
- **Maps**: CCD or time to short over pressure × temperature, from a sweep store or computed
  on a coarse grid.
- **Lab data**: upload a cycler or EIS file (size-limited; tfalab's readers only) and see its
  analysis and the simulation of the same test.

Every figure exports as PNG and its data as CSV; every view shows the equivalent CLI command
and Python code. ``docs/explore.md`` has the design choices.
"""

from tfalab.explore.app import TIME_LIMIT, UPLOAD_LIMIT, Settings, make_page, serve

__all__ = ["TIME_LIMIT", "UPLOAD_LIMIT", "Settings", "make_page", "serve"]
