"""A process-wide stop request: set by a signal handler (Ctrl-C, SIGTERM), checked by every
step loop and by the commands that keep partial results.

A KeyboardInterrupt raised inside compiled code (PyBaMM's discretisation, CasADi, IDAKLU) can
come out as an error of that code instead (or be lost); the request stays set, so the step
loop stops at its next step and an error that escapes while it is set is read as the
interrupt.

>>> clear_stop(); stop_requested()
False
>>> request_stop(); stop_requested()
True
>>> clear_stop()
"""

from __future__ import annotations

import threading

_STOP = threading.Event()


def request_stop() -> None:
    """Ask every running step loop of this process to stop at its next step."""
    _STOP.set()


def clear_stop() -> None:
    """Let step loops run again after :func:`request_stop`."""
    _STOP.clear()


def stop_requested() -> bool:
    """Whether a stop was requested (and not cleared)."""
    return _STOP.is_set()
