"""Writes finished trials to the study storage from a separate writer.

Optuna's RDB storage runs one ORM query per param, per intermediate value and per
attribute (about 2 ms each on SQLite here), so recording a trial costs 15-25 ms of Python.
The search loop hands the finished trial over and goes on dispatching work; the writer
commits it (one transaction per trial) and reports back the trial's number in the study.
For a database the writer is a child process, so its ORM work does not compete with the
search loop for the GIL (a writer thread cost the loop about 7 ms a trial); for the
in-memory storage, which lives in this process, it is a thread. Events about a trial are
emitted only after its commit, so whatever a reader was told has finished is in storage.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from automl.errors import SearchError

_STOP = None


class Recorder:
    """One writer per search; ``drain`` returns what has been committed."""

    def __init__(self, storage: optuna.storages.BaseStorage, study_id: int,
                 storage_url: str | None = None):
        self.ids: set[int] = set()  # storage ids of the trials this recorder wrote
        self._pending = 0
        self._error: str | None = None
        if storage_url is None or isinstance(storage, optuna.storages.InMemoryStorage):
            self._todo: Any = queue.Queue()
            self._done: Any = queue.Queue()
            self._worker: Any = threading.Thread(
                target=_write_loop, args=(lambda: storage, study_id, self._todo, self._done),
                name="automl-recorder", daemon=True)
        else:
            from automl.search._workers import _context

            ctx = _context()
            self._todo = ctx.Queue()
            self._done = ctx.Queue()
            self._worker = ctx.Process(target=_writer_process,
                                       args=(storage_url, study_id, self._todo, self._done),
                                       name="automl-recorder", daemon=True)
        self._worker.start()

    def submit(self, trial: FrozenTrial, payload: Any) -> None:
        self._raise_if_failed()
        self._pending += 1
        self._todo.put((_slim(trial), payload))

    def drain(self) -> list[tuple[Any, int]]:
        """(payload, trial number in the study) of every trial committed since the last call."""
        out = []
        while True:
            try:
                out.extend(self._take(self._done.get_nowait()))
            except queue.Empty:
                break
        self._raise_if_failed()
        return out

    def flush(self, timeout_s: float = 60.0) -> list[tuple[Any, int]]:
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

    def _take(self, item) -> list[tuple[Any, int]]:
        kind = item[0]
        self._pending -= 1
        if kind == "error":
            self._error = item[1]
            return []
        _, payload, number, trial_id = item
        self.ids.add(trial_id)
        return [(payload, number)]

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise SearchError(f"Recording a trial in the study storage failed: {self._error}")


def _writer_process(storage_url: str, study_id: int, todo, done) -> None:
    from automl.search._workers import _die_with_parent
    from automl.storage import open_storage

    _die_with_parent()
    _write_loop(lambda: open_storage(storage_url, cached=False), study_id, todo, done)


def _write_loop(get_storage, study_id: int, todo, done) -> None:
    storage = get_storage()
    while True:
        item = todo.get()
        if item is _STOP:
            return
        trial, payload = item
        try:
            trial_id = storage.create_new_trial(study_id, template_trial=trial)
            done.put(("ok", payload, storage.get_trial_number_from_id(trial_id), trial_id))
        except Exception as exc:  # noqa: BLE001 - reported to the search, which stops
            done.put(("error", f"{type(exc).__name__}: {exc}"))


def _slim(trial: FrozenTrial) -> FrozenTrial:
    """The trial without sampler bookkeeping (system attrs) and per-fold intermediate values:
    the fold scores are in the result attribute, and each skipped row is a query saved."""
    return optuna.trial.create_trial(
        state=trial.state,
        value=trial.value if trial.state == optuna.trial.TrialState.COMPLETE else None,
        params=trial.params, distributions=trial.distributions, user_attrs=trial.user_attrs,
    )
