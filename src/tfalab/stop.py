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

import contextlib
import threading
from collections.abc import Callable
from typing import Any

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


def stop_workers(client: Any) -> None:
    """Ask every worker of the Dask ``client`` to stop its running simulation (the request
    above, set in each worker process), so that closing a cluster after an interrupt does
    not wait for the tasks under way: Dask's nanny gives a busy worker about 4 s before it
    kills it. Only for a cluster of our own: the request stays set in each worker."""
    import logging

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # the tasks it stops
    with contextlib.suppress(Exception):  # a worker that is gone or busy does not matter
        client.run(_stop_quietly, on_error="ignore")


def _stop_quietly() -> None:
    """In a Dask worker: request the stop, and keep the interrupted task's traceback out of
    the log (the user asked for the stop; it is not an error)."""
    import logging

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    request_stop()


class StoppedTaskError(Exception):
    """A Dask task ended by :func:`stop_workers`. An Exception, not a KeyboardInterrupt:
    Dask then keeps its worker process alive (a KeyboardInterrupt kills it, with a traceback
    on the terminal), and the cluster closes at once."""


class Stoppable:
    """``fn`` as a Dask task that :func:`stop_workers` can end (:class:`StoppedTaskError`).

    >>> Stoppable(abs)(-2)
    2
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", "task")  # Dask names tasks after it

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.fn(*args, **kwargs)
        except KeyboardInterrupt:
            if not stop_requested():
                raise
            raise StoppedTaskError("stopped on request") from None
