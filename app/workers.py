"""Short background jobs on a QThreadPool: a QRunnable paired with a QObject owning the signals.

The work function is plain Python (usually an engine function); it knows nothing about Qt.
Results cross back to the GUI thread only as signal arguments (queued connections).

``JobRunner`` keeps one live job per key: starting a new job under the same key makes the
result of the older one stale, and stale results are dropped (a generation counter), so a
slow old job can never overwrite what a newer one showed.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtCore import QRunnable
from PySide6.QtCore import QThreadPool
from PySide6.QtCore import Signal

log = logging.getLogger(__name__)

_POOLS: dict[str, QThreadPool] = {}


def named_pool(name: str, max_threads: int) -> QThreadPool:
    """A pool of the application, created on first use (shutdown waits for all of them)."""
    pool = _POOLS.get(name)
    if pool is None:
        pool = QThreadPool()
        pool.setMaxThreadCount(max_threads)
        pool.setExpiryTimeout(10_000)
        _POOLS[name] = pool
    return pool


def thread_pool() -> QThreadPool:
    """The application's pool for short jobs (reading files, the storage, plot data, export)."""
    return named_pool("jobs", 4)


class Ticket:
    """Shared between a job and its runner: a superseded job that has not started yet skips
    its work. (Plain Python on purpose: no call into a QRunnable the pool may have deleted.)"""

    __slots__ = ("superseded",)

    def __init__(self) -> None:
        self.superseded = False


class JobSkipped(Exception):
    """A queued job was superseded before it started."""


class JobSignals(QObject):
    """Signals of one job; lives in the GUI thread, emitted from the worker thread."""

    finished = Signal(int, object)  # job id, the function's return value
    failed = Signal(int, object)  # job id, the exception (with __traceback_text__ attached)


class Job(QRunnable):
    """Runs ``fn(*args, **kwargs)`` on a pool thread and reports through ``signals``."""

    _next_id = 0

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        super().__init__()
        Job._next_id += 1
        self.job_id = Job._next_id
        self.ticket = Ticket()
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.signals = JobSignals()
        self.setAutoDelete(True)

    def run(self) -> None:  # noqa: D102 - QRunnable API
        signals = self.signals
        if self.ticket.superseded:
            signals.failed.emit(self.job_id, JobSkipped())
            return
        try:
            result = self.fn(*self.args, **self.kwargs)
        except Exception as exc:  # noqa: BLE001 - the worker's edge: always reported
            exc.__traceback_text__ = traceback.format_exc()
            signals.failed.emit(self.job_id, exc)
        else:
            signals.finished.emit(self.job_id, result)


class JobRunner(QObject):
    """Starts jobs and delivers only the results of the newest job per key.

    Signals:
        busy_changed(key, busy): a key started or stopped having a live job.
    """

    busy_changed = Signal(str, bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None):
        super().__init__(parent)
        self._pool = pool or thread_pool()
        self._generation: dict[str, int] = {}
        self._live: dict[str, int] = {}  # key -> live job id
        self._pending: dict[int, tuple] = {}  # job id -> (key, generation, on_done, on_error)
        self._tickets: dict[str, Ticket] = {}  # key -> ticket of the newest job
        self._closed = False

    def run(
        self,
        key: str,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """Start ``fn`` in the pool; a newer job with the same key supersedes this one."""
        if self._closed:
            return
        generation = self._generation.get(key, 0) + 1
        self._generation[key] = generation
        self._drop_queued(key)
        job = Job(fn, *args, **kwargs)
        # Bound methods of this GUI-thread QObject: the calls are queued to the GUI thread.
        job.signals.finished.connect(self._done)
        job.signals.failed.connect(self._failed)
        self._pending[job.job_id] = (key, generation, on_done, on_error, job.signals)
        self._tickets[key] = job.ticket
        self._live[key] = job.job_id
        self.busy_changed.emit(key, True)
        self._pool.start(job)

    def _drop_queued(self, key: str) -> None:
        """A superseded job that has not started yet will skip its work."""
        ticket = self._tickets.pop(key, None)
        if ticket is not None:
            ticket.superseded = True

    def cancel(self, key: str) -> None:
        """Forget the live job of ``key``: its result, when it comes, is ignored."""
        self._drop_queued(key)
        self._generation[key] = self._generation.get(key, 0) + 1
        if self._live.pop(key, None) is not None:
            self.busy_changed.emit(key, False)

    def is_busy(self, key: str) -> bool:
        return key in self._live

    def close(self) -> None:
        """Drop every pending result; called when the owner goes away."""
        self._closed = True
        for key in list(self._live):
            self.cancel(key)

    def _current(self, key: str, generation: int) -> bool:
        return not self._closed and self._generation.get(key) == generation

    def _done(self, job_id: int, result: object) -> None:
        key, generation, on_done, _, _ = self._pending.pop(job_id)
        if not self._current(key, generation):
            return
        self._live.pop(key, None)
        self.busy_changed.emit(key, False)
        if on_done is not None:
            on_done(result)

    def _failed(self, job_id: int, exc: object) -> None:
        key, generation, _, on_error, _ = self._pending.pop(job_id)
        if not self._current(key, generation):
            log.info("stale job %s failed: %s", key, exc)
            return
        self._live.pop(key, None)
        self.busy_changed.emit(key, False)
        if on_error is not None:
            on_error(exc)
        else:
            log.error("job %s failed: %s", key, getattr(exc, "__traceback_text__", exc))


def wait_for_jobs(timeout_ms: int = 5000) -> bool:
    """Wait for the jobs of every pool to end (shutdown, tests). True when all are idle."""
    return all(pool.waitForDone(timeout_ms) for pool in list(_POOLS.values()))
