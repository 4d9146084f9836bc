"""Lab data files in, CellTests out: cycler readers and one-call cycling analysis.

:func:`load` reads BioLogic, Arbin, Neware, LAND, Maccor and BDF files into a
:class:`~tfalab.CellTest` (SI units, Battery Data Format labels); :func:`analyze_cycling`
loads a file and writes a per-cycle summary (PNG and JSON).
"""

from tfalab.io.analyze import analyze_cycling
from tfalab.io.cyclers import FORMATS, detect_format, load

__all__ = ["FORMATS", "analyze_cycling", "detect_format", "load"]
