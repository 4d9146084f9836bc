"""Exceptions raised by tfalab.

Every error tfalab raises on bad input derives from :class:`TfalabError`, and also from the
closest built-in type (``ValueError``, ``KeyError``) so that generic handlers still work.
"""

from __future__ import annotations


class TfalabError(Exception):
    """Base class of all tfalab errors."""


class UnitError(TfalabError, ValueError):
    """A quantity could not be parsed, or has the wrong physical dimension."""


class ParameterError(TfalabError, ValueError):
    """A parameter is outside its physical range (negative thickness, porosity >= 1, ...)."""


class UnknownPhaseError(TfalabError, KeyError):
    """A phase name is not in the materials database."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class CapacityError(TfalabError, ValueError):
    """More capacity was asked of an electrode than it holds (e.g. stripping past 100 %)."""


class CellTestError(TfalabError, ValueError):
    """A CellTest table or file is malformed (missing or badly labelled columns, bad values)."""


class ClaimError(TfalabError, ValueError):
    """The claims catalogue is malformed or refers to an unknown claim."""


class ProtocolError(TfalabError, ValueError):
    """A cycling protocol is malformed (unknown protocol string, non-physical current or time)."""


class SimulationError(TfalabError, RuntimeError):
    """A simulation failed. ``partial`` holds what was simulated before the failure (or None)."""

    def __init__(self, message: str, partial: object | None = None) -> None:
        super().__init__(message)
        self.partial = partial


class DataFileError(TfalabError, ValueError):
    """A lab data file cannot be read: unknown format, truncated, missing columns, no data.

    The message names the file and what is wrong with it.
    """


class FitError(TfalabError, RuntimeError):
    """A fit to data failed or is meaningless (no signal, did not converge)."""


class OutputError(TfalabError, ValueError):
    """An output path cannot be used: not a name, not writable, or it would overwrite a file
    (pass ``--force``). Raised before any work is done."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; ``partial`` holds what it computed (a trace, a result
    with termination ``"interrupted"``, or None). It is a KeyboardInterrupt, so callers that
    do not keep partial results stop too."""

    def __init__(self, partial: object | None = None) -> None:
        super().__init__()
        self.partial = partial
