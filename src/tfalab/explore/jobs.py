"""Long computations for a web page, each in its own child process: progress, cancel and a
time limit, without blocking the server or any other browser session.

A :class:`Job` runs one function of :mod:`tfalab.explore.tasks` in a process forked from a
fork server that has already imported tfalab and PyBaMM (so a job starts in milliseconds).
The page polls :meth:`Job.poll`; :meth:`Job.cancel` and the time limit send SIGTERM, on which
the step loop stops at its next step and hands back the part simulated so far (termination
``"interrupted"``), collected by the next polls; a process that has not ended :data:`GRACE` s
later is killed. No call blocks the server's event loop.
Errors come back as one-line messages, never as tracebacks.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

#: s a stopped job has to hand back its partial result before it is killed
GRACE = 10.0
#: jobs that may run at once on one server (all sessions together)
MAX_JOBS = max(2, os.cpu_count() or 2)

_CTX: Any = None
_LOCK = threading.Lock()
_RUNNING: set[Job] = set()


def _context() -> Any:
    global _CTX
    if _CTX is None:
        methods = mp.get_all_start_methods()
        if "forkserver" in methods:
            _CTX = mp.get_context("forkserver")
            _CTX.set_forkserver_preload(["tfalab.explore.tasks"])
        else:  # pragma: no cover - macOS/Windows fall back to spawn
            _CTX = mp.get_context("spawn")
    return _CTX


def _interrupt(signum: int, frame: Any) -> None:
    from tfalab.stop import request_stop

    request_stop()  # even if compiled code swallows the KeyboardInterrupt
    raise KeyboardInterrupt


def _child(conn: Any, task: str, kwargs: dict[str, Any]) -> None:
    """The child process: run ``task`` and send ("progress", x), then one of ("result", r),
    ("partial", r) or ("error", message)."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C of the server is the parent's
    from tfalab.errors import Interrupted, TfalabError
    from tfalab.explore import tasks
    from tfalab.explore.text import describe

    def report(fraction: float) -> None:
        conn.send(("progress", float(fraction)))

    try:
        conn.send(("result", tasks.TASKS[task](report, **kwargs)))
    except Interrupted as exc:
        conn.send(("partial", tasks.partial_result(exc.partial)))
    except KeyboardInterrupt:
        conn.send(("partial", None))
    except TfalabError as exc:
        conn.send(("error", f"{type(exc).__name__}: {describe(exc)}"))
    except Exception as exc:  # a bug or a solver failure outside tfalab's checks
        conn.send(("error", describe(exc)))
    finally:
        conn.close()


class BusyError(RuntimeError):
    """The server already runs :data:`MAX_JOBS` jobs."""


class Job:
    """One task in a child process.

    ``state`` is "running", "stopping" (asked to stop, its partial result still on the way),
    "done", "failed", "cancelled" or "timed out"; ``progress`` in [0, 1]; ``result`` the
    task's result (or the partial result of a stopped run, or None); ``message`` a one-line
    account of how it ended.

    Nothing here blocks the caller (a web server's event loop): :meth:`cancel` sends SIGTERM
    and returns; later :meth:`poll` calls collect the partial result, and a child that has
    not ended :data:`GRACE` s after the request is killed by a timer thread.
    """

    _proc: BaseProcess  #: the child process

    def __init__(self, task: str, kwargs: dict[str, Any], time_limit: float) -> None:
        with _LOCK:
            alive = {j for j in _RUNNING if j._proc.is_alive()}
            _RUNNING.intersection_update(alive)
            if len(alive) >= MAX_JOBS:
                raise BusyError(
                    f"the server already runs {len(alive)} computations (the most "
                    f"at once is {MAX_JOBS}); try again when one finishes"
                )
            ctx = _context()
            self._conn, child = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(target=_child, args=(child, task, kwargs), daemon=True)
            self._proc.start()
            child.close()
            _RUNNING.add(self)
        self.task = task
        self.time_limit = float(time_limit)
        self.started = time.monotonic()
        self._ended: float | None = None
        self._stopped_as: tuple[str, str] | None = None  # (state, message) once asked to stop
        self.state = "running"
        self.progress = 0.0
        self.result: Any = None
        self.message = ""

    @property
    def elapsed(self) -> float:
        """Seconds from the start to the end (or to now, while it runs)."""
        return (self._ended or time.monotonic()) - self.started

    def _drain(self, timeout: float = 0.0) -> None:
        while not self._conn.closed and self._conn.poll(timeout):
            try:
                kind, value = self._conn.recv()
            except (EOFError, OSError):
                return
            timeout = 0.0
            if kind == "progress":
                self.progress = max(self.progress, min(value, 1.0))
            elif kind == "result":
                self._ended = self._ended or time.monotonic()
                self.result, self.progress = value, 1.0
                if self.state == "running":
                    self.state, self.message = "done", "finished"
                elif self.state == "stopping":  # it finished before the stop reached it
                    self.state, self.message = self._stopped_as or ("cancelled", "cancelled")
            elif kind == "partial":
                self.result = value
                self.state, self.message = self._stopped_as or ("cancelled", "stopped")
            elif kind == "error":
                self.state, self.message = "failed", value

    def poll(self) -> bool:
        """Collect what the child sent; enforce the time limit. True while it runs (or while
        a stopped run's partial result is still on its way)."""
        if self.state not in ("running", "stopping"):
            return False
        self._drain()
        if self.state == "running" and self.elapsed > self.time_limit:
            self._stop("timed out", f"stopped at the time limit of {self.time_limit:g} s")
        if self.state in ("running", "stopping") and not self._proc.is_alive():
            self._drain(0.2)
            if self.state == "stopping":  # killed, or it ended without a partial result
                self.state, self.message = self._stopped_as or ("cancelled", "cancelled")
            elif self.state == "running":
                self.state = "failed"
                self.message = (
                    f"the computation ended without a result (exit code {self._proc.exitcode})"
                )
        if self.state not in ("running", "stopping"):
            self._close()
            return False
        return True

    def cancel(self) -> None:
        """Ask the job to stop, keeping the part computed so far as ``result`` where there is
        one (collected by the next :meth:`poll` calls; :meth:`wait` waits for it)."""
        if self.state == "running":
            self._stop("cancelled", "cancelled")

    def wait(self, timeout: float = GRACE + 1.0) -> bool:
        """Poll until the job has ended or ``timeout`` s have passed; True if it ended."""
        deadline = time.monotonic() + timeout
        while self.poll():
            if time.monotonic() > deadline:
                return False
            self._drain(0.05)
        return True

    def _stop(self, state: str, message: str) -> None:
        self._ended = time.monotonic()
        self._stopped_as = (state, message)
        self.state, self.message = "stopping", f"{message}; collecting the part computed"
        if self._proc.is_alive():
            self._proc.terminate()  # SIGTERM: the step loop hands back its partial run
            threading.Thread(target=_kill_after, args=(self._proc, GRACE), daemon=True).start()

    def _close(self) -> None:
        self._ended = self._ended or time.monotonic()
        self._proc.join(0.5)
        self._conn.close()
        with _LOCK:
            _RUNNING.discard(self)


def _kill_after(proc: Any, grace: float) -> None:
    """Kill ``proc`` if it has not ended ``grace`` s from now (a thread: blocks nobody)."""
    proc.join(grace)
    if proc.is_alive():
        proc.kill()


def warm() -> None:
    """Start the fork server (importing tfalab's models) now, so the first job starts fast."""
    ctx = _context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        threading.Thread(target=forkserver.ensure_running, daemon=True).start()
