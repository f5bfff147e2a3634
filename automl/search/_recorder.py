"""Writes finished trials to the study storage from a separate writer.

Optuna's RDB storage runs one ORM query per param, per intermediate value and per
attribute (about 2 ms each on SQLite here), so recording a trial costs 15-25 ms of Python.
The search loop hands the finished trial over and goes on dispatching work; the writer
commits it (one transaction per trial) and reports back the trial's number in the study.
On one machine (SQLite, the journal file, in memory) the writer is a thread with its own
connection: its ORM work competes with the search loop for the GIL (about 7 ms a trial,
under 1 s of a 60 s search), and a writer process would cost a Python interpreter with
Optuna and SQLAlchemy loaded (about 90 MB of PSS, the largest saving of issue 10's memory
work). It writes under the fork lock, so a worker forked meanwhile never inherits a lock
the writer held. On a storage with heartbeats (a team's database) the writer is a child
process, which keeps heartbeats beating while the loop is busy. Events about a trial are
emitted only after its commit, so whatever a reader was told has finished is in storage.

On a storage with heartbeats (PostgreSQL, for workers on several machines) each trial is
also created when it starts, ``RUNNING`` with its params and ``worker = host:pid``, so every
worker and reader sees what runs where; the writer keeps a heartbeat for each running trial
and sweeps the study for trials whose worker died (``automl.storage.sweep_stale_trials``).
On SQLite and in memory (one machine) trials are written once, when they end.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from functools import partial
from typing import Any

import optuna
from optuna.trial import FrozenTrial
from optuna.trial import TrialState
from sqlalchemy.exc import SQLAlchemyError

from automl.errors import SearchError
from automl.records import keys as K
from automl.search._messages import Committed
from automl.search._messages import FinishTrial
from automl.search._messages import Outcome
from automl.search._messages import StartTrial
from automl.search._messages import WriteFailed

_STOP = None
_log = logging.getLogger(__name__)


class Recorder:
    """One writer per search; ``drain`` returns what has been committed."""

    def __init__(self, storage: optuna.storages.BaseStorage, study_id: int,
                 storage_url: str | None = None, worker: str = ""):
        from automl.storage import heartbeats_enabled

        self.ids: set[int] = set()  # storage ids of the trials this recorder wrote
        self.worker = worker  # host:pid, written on each trial
        self.live = heartbeats_enabled(storage)  # trials created at start, kept alive
        self._pending = 0
        self._error: str | None = None
        in_memory = storage_url is None or isinstance(storage, optuna.storages.InMemoryStorage)
        if not self.live or in_memory:
            from automl.search._workers import FORK_LOCK

            get_storage = (lambda: storage) if in_memory else partial(_own_storage, storage_url)
            self._todo: Any = queue.Queue()
            self._done: Any = queue.Queue()
            self._worker: Any = threading.Thread(
                target=_write_loop, args=(get_storage, study_id, self._todo, self._done),
                kwargs={"lock": FORK_LOCK}, name="automl-recorder", daemon=True)
        else:
            from automl.search._workers import _context

            ctx = _context()
            self._todo = ctx.Queue()
            self._done = ctx.Queue()
            self._worker = ctx.Process(target=_writer_process,
                                       args=(storage_url, study_id, self._todo, self._done),
                                       name="automl-recorder", daemon=True)
        self._worker.start()

    def start(self, trial: optuna.Trial) -> None:
        """Create the trial in the study now, ``RUNNING`` (storages with heartbeats only)."""
        if not self.live:
            return
        self._raise_if_failed()
        self._todo.put(StartTrial(trial.number, optuna.trial.create_trial(
            state=TrialState.RUNNING, params=trial.params, distributions=trial.distributions,
            user_attrs=self._who())))

    def submit(self, trial: FrozenTrial, outcome: Outcome) -> None:
        """Record a finished trial (the one ``start`` created, or a new one)."""
        self._raise_if_failed()
        self._pending += 1
        self._todo.put(FinishTrial(trial.number, _slim(trial, self._who()), outcome))

    def _who(self) -> dict[str, str]:
        return {K.TRIAL_WORKER: self.worker} if self.worker else {}

    def drain(self) -> list[tuple[Outcome, int]]:
        """(outcome, trial number in the study) of every trial committed since the last call."""
        out = []
        while True:
            try:
                out.extend(self._take(self._done.get_nowait()))
            except queue.Empty:
                break
        self._raise_if_failed()
        return out

    def flush(self, timeout_s: float = 60.0) -> list[tuple[Outcome, int]]:
        """Wait until everything submitted is committed; returns what ``drain`` would."""
        out = self.drain()
        while self._pending and self._error is None:
            try:
                out.extend(self._take(self._done.get(timeout=timeout_s)))
            except queue.Empty:
                raise SearchError("The study storage did not confirm a write within "
                                  f"{timeout_s:g} s; is the database reachable?") from None
        self._raise_if_failed()
        return out

    def close(self) -> None:
        self._todo.put(_STOP)
        self._worker.join(timeout=30)

    def _take(self, item: Committed | WriteFailed) -> list[tuple[Outcome, int]]:
        if isinstance(item, WriteFailed):
            self._pending -= item.finishes
            self._error = item.message
            return []
        self._pending -= 1
        self.ids.add(item.trial_id)
        return [(item.outcome, item.study_number)]

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise SearchError(f"Recording a trial in the study storage failed: {self._error}")


def _own_storage(storage_url: str) -> optuna.storages.BaseStorage:
    from automl.storage import open_storage

    return open_storage(storage_url, cached=False)


def _writer_process(storage_url: str, study_id: int, todo, done) -> None:
    from automl.search._workers import _die_with_parent

    _die_with_parent()
    _write_loop(lambda: _own_storage(storage_url), study_id, todo, done)


def _write_loop(get_storage, study_id: int, todo, done,
                lock: contextlib.AbstractContextManager | None = None) -> None:
    """Write what ``todo`` brings until ``_STOP``; every storage call runs inside ``lock``."""
    lock = lock or contextlib.nullcontext()
    from automl.storage import heartbeats_enabled
    from automl.storage import sweep_stale_trials

    with lock:
        storage = get_storage()
    live = heartbeats_enabled(storage)
    beat_s = storage.get_heartbeat_interval() if live else None
    running: dict[int, tuple[int, int]] = {}  # loop's trial number -> (trial id, number)
    next_beat = time.monotonic()
    while True:
        wait = max(0.0, next_beat - time.monotonic()) if live else None
        try:
            item = todo.get(timeout=wait)
        except queue.Empty:
            item = "beat"
        if item is _STOP:
            _abandon(storage, running)
            return
        if item != "beat":
            try:
                with lock:
                    _write(storage, study_id, item, running, done)
            except Exception as exc:  # noqa: BLE001 - reported to the search, which stops
                done.put(WriteFailed(f"{type(exc).__name__}: {' '.join(str(exc).split())}",
                                     int(isinstance(item, FinishTrial))))
        if live and time.monotonic() >= next_beat:
            next_beat = time.monotonic() + beat_s
            try:
                for trial_id, _ in running.values():
                    storage.record_heartbeat(trial_id)
                sweep_stale_trials(storage, study_id)
            except (optuna.exceptions.StorageInternalError, SQLAlchemyError) as exc:
                # A blip (server restart, network): the next beat tries again; a lasting
                # outage shows up as a failed write, which stops the search with its message.
                _log.warning("heartbeat not recorded: %s", " ".join(str(exc).split())[:200])


def _write(storage, study_id: int, item: StartTrial | FinishTrial, running: dict, done) -> None:
    if isinstance(item, StartTrial):
        trial_id = storage.create_new_trial(study_id, template_trial=item.template)
        storage.record_heartbeat(trial_id)  # a trial without one is never swept
        running[item.number] = (trial_id, storage.get_trial_number_from_id(trial_id))
        return
    started = running.pop(item.number, None)
    if started is not None and not _finish_started(storage, started[0], item.trial):
        started = None  # swept meanwhile (heartbeats late): keep the work as a new trial
    if started is None:
        trial_id = storage.create_new_trial(study_id, template_trial=item.trial)
        started = (trial_id, storage.get_trial_number_from_id(trial_id))
    done.put(Committed(item.outcome, started[1], started[0]))


def _abandon(storage, running: dict) -> None:
    """Trials still running when the search stopped on an error: FAIL now, not after the
    grace period."""
    result = {K.ERROR_TYPE: "WorkerStopped",
              K.ERROR_MESSAGE: "its worker stopped before the trial ended"}
    for trial_id, _ in running.values():
        try:
            storage.set_trial_user_attr(trial_id, K.TRIAL_RESULT, result)
            storage.set_trial_state_values(trial_id, TrialState.FAIL)
        except Exception:  # noqa: BLE001 - the sweep of another worker will release it
            continue


def _finish_started(storage, trial_id: int, trial: FrozenTrial) -> bool:
    try:
        for key, value in trial.user_attrs.items():
            storage.set_trial_user_attr(trial_id, key, value)
        values = [trial.value] if trial.state == TrialState.COMPLETE else None
        return storage.set_trial_state_values(trial_id, trial.state, values)
    except optuna.exceptions.UpdateFinishedTrialError:
        return False


def _slim(trial: FrozenTrial, extra_attrs: dict) -> FrozenTrial:
    """The trial without sampler bookkeeping (system attrs) and per-fold intermediate values:
    the fold scores are in the result attribute, and each skipped row is a query saved."""
    return optuna.trial.create_trial(
        state=trial.state,
        value=trial.value if trial.state == TrialState.COMPLETE else None,
        params=trial.params, distributions=trial.distributions,
        user_attrs={**trial.user_attrs, **extra_attrs},
    )
