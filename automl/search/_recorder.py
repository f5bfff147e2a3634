"""Writes finished trials to the study storage from a background thread.

Optuna's RDB storage runs one ORM query per param, per intermediate value and per
attribute (about 2 ms each on SQLite here), so recording a trial costs 15-25 ms. The
search loop hands the finished trial over and goes on dispatching work; the writer
commits it (one transaction per trial) and reports back the trial's number in the study.
Events about a trial are emitted only after its commit, so whatever a reader was told has
finished is in the storage.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

import optuna
from optuna.trial import FrozenTrial

_STOP = object()


class Recorder:
    """One writer thread per search; ``drain`` returns what has been committed."""

    def __init__(self, storage: optuna.storages.BaseStorage, study_id: int):
        self._storage = storage
        self._study_id = study_id
        self._todo: queue.Queue = queue.Queue()
        self._done: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self.ids: set[int] = set()  # storage ids of the trials this recorder wrote
        self._thread = threading.Thread(target=self._run, name="automl-recorder", daemon=True)
        self._thread.start()

    def submit(self, trial: FrozenTrial, payload: Any) -> None:
        self._raise_if_failed()
        self._todo.put((_slim(trial), payload))

    def drain(self) -> list[tuple[Any, int]]:
        """(payload, trial number in the study) of every trial committed since the last call."""
        out = []
        while True:
            try:
                out.append(self._done.get_nowait())
            except queue.Empty:
                break
        self._raise_if_failed()
        return out

    def flush(self) -> list[tuple[Any, int]]:
        """Wait until everything submitted is committed; returns what ``drain`` would."""
        self._todo.join()
        return self.drain()

    def close(self) -> None:
        self._todo.put(_STOP)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            item = self._todo.get()
            try:
                if item is _STOP:
                    return
                if self._error is not None:
                    continue  # keep join() from blocking after a failure
                trial, payload = item
                try:
                    trial_id = self._storage.create_new_trial(self._study_id, template_trial=trial)
                    self.ids.add(trial_id)
                    self._done.put((payload, self._storage.get_trial_number_from_id(trial_id)))
                except BaseException as exc:  # noqa: BLE001 - re-raised on the search thread
                    self._error = exc
            finally:
                self._todo.task_done()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error


def _slim(trial: FrozenTrial) -> FrozenTrial:
    """The trial without sampler bookkeeping (system attrs) and per-fold intermediate values:
    the fold scores are in the result attribute, and each skipped row is a query saved."""
    return optuna.trial.create_trial(
        state=trial.state, value=trial.value if trial.state == optuna.trial.TrialState.COMPLETE else None,
        params=trial.params, distributions=trial.distributions, user_attrs=trial.user_attrs,
    )
