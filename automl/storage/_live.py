"""Workers that see each other: identity, heartbeats, stale-trial release, incremental reads.

On a server database (PostgreSQL) every trial is created in the shared study when it starts,
as ``RUNNING`` with the user attribute ``worker = host:pid``; the worker's writer records a
heartbeat for each of its running trials every ``LIVE.heartbeat_s`` seconds (Optuna's
``RDBStorage`` heartbeat table, compared with the server's clock, so machines' clocks do not
matter). A trial whose heartbeat is older than ``LIVE.grace_s`` is failed by the next sweep
(``optuna.storages.fail_stale_trials``), which every worker runs every few seconds and every
reader (``automl leaderboard``) runs before reading, so a ``kill -9``'d worker leaves no trial
``RUNNING`` for longer than the grace period (``Liveness.storage_kwargs``).
"""

from __future__ import annotations

import logging
import os
import socket
import warnings
from dataclasses import dataclass

import optuna
from optuna.trial import FrozenTrial
from optuna.trial import TrialState
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["LIVE", "TrialFollower", "heartbeats_enabled", "sweep_stale_trials",
           "worker_identity"]

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
_log = logging.getLogger(__name__)


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


@dataclass(frozen=True)
class Liveness:
    """Heartbeat interval and grace period, in whole seconds (Optuna's RDBStorage wants ints).

    ``AUTOML_HEARTBEAT_S`` and ``AUTOML_GRACE_S`` override them (tests use 1 and 3).
    """

    heartbeat_s: int
    grace_s: int

    def storage_kwargs(self) -> dict[str, int]:
        """Optuna's settings, so that a dead worker's trial is FAIL at most ``grace_s`` after
        its last heartbeat: sweeps come every ``heartbeat_s``, so Optuna's own grace is the
        rest."""
        return {"heartbeat_interval": self.heartbeat_s,
                "grace_period": max(1, self.grace_s - self.heartbeat_s)}


LIVE = Liveness(heartbeat_s=_env_int("AUTOML_HEARTBEAT_S", 5),
                grace_s=_env_int("AUTOML_GRACE_S", 20))


def worker_identity() -> str:
    """``host:pid`` of this process: what a trial's ``worker`` attribute names."""
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeats_enabled(storage: optuna.storages.BaseStorage) -> bool:
    """Whether trials in this storage are created at start and kept alive by heartbeats."""
    get = getattr(storage, "get_heartbeat_interval", None)
    return bool(get and get())


def sweep_stale_trials(storage: optuna.storages.BaseStorage, study_id: int,
                       reader: bool = False) -> int:
    """Fail the running trials whose worker stopped sending heartbeats; returns how many.

    Args:
        reader: Called before a read (leaderboard, GUI): a storage error here, e.g. a
            read-only database user, is logged and the read goes on.
    """
    if reader:
        try:
            return sweep_stale_trials(storage, study_id)
        except (optuna.exceptions.StorageInternalError, SQLAlchemyError) as exc:
            _log.info("could not release stale trials: %s", " ".join(str(exc).split())[:200])
            return 0
    if not heartbeats_enabled(storage):
        return 0
    stale = len(storage._get_stale_trial_ids(study_id))  # one query; usually zero
    if not stale:
        return 0
    study = optuna.Study(study_name=storage.get_study_name_from_id(study_id), storage=storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    return stale


class TrialFollower:
    """Reads a study's trials incrementally: only trials new since the last read, plus the
    ones that were still running then.

    A poll of a study with thousands of trials therefore reads a handful of rows, not all of
    them. Ids alone suffice: Optuna numbers a new trial while holding a lock on the study's
    row, so one study's trials are committed in the order of their ids and a reader never
    sees a later id before an earlier one. Storages without the RDB query (in-memory,
    journal) are read whole and filtered.
    """

    def __init__(self, storage: optuna.storages.BaseStorage, study_id: int):
        self.storage = storage
        self.study_id = study_id
        self.running: dict[int, FrozenTrial] = {}  # trial id -> the trial as last read
        self._max_id = -1
        self._finished: set[int] = set()
        self._incremental = hasattr(storage, "_get_trials")
        self.polls = 0  # the first poll reads the whole study

    def poll(self) -> list[FrozenTrial]:
        """Trials that finished since the last poll (or were finished when first seen)."""
        trials = self._read()
        self.polls += 1
        out = []
        for t in trials:
            tid = t._trial_id
            self._max_id = max(self._max_id, tid)
            if t.state in _FINISHED:
                self.running.pop(tid, None)
                if tid not in self._finished:
                    self._finished.add(tid)
                    out.append(t)
            else:
                self.running[tid] = t
        return out

    def _read(self) -> list[FrozenTrial]:
        if not self._incremental:
            return [t for t in self.storage.get_all_trials(self.study_id, deepcopy=False)
                    if t._trial_id not in self._finished or t.state not in _FINISHED]
        return self.storage._get_trials(self.study_id, None, set(self.running), self._max_id)
