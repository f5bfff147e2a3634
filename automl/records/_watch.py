"""Watching a study that other processes (or machines) feed: read only what changed.

``StudyWatch.poll()`` returns a ``WatchSnapshot``: the leaderboard, the trials running now
and where, and the search's pace. The first poll reads the whole study; later ones read the
new trials and those that were running (``automl.storage.TrialFollower``), so a GUI can
follow a study of thousands of trials every second without re-reading it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

import optuna

from automl.records import _keys as K
from automl.records._records import Leaderboard
from automl.records._records import TrialRecord
from automl.records._records import load_study
from automl.records._records import rank
from automl.storage import TrialFollower
from automl.storage import sweep_stale_trials

__all__ = ["StudyWatch", "WatchSnapshot"]

PACE_WINDOW_S = 60.0  # trials per minute over the last minute of finishes
SWEEP_EVERY_S = 10.0  # release dead workers' trials from the GUI too, now and then


@dataclass(frozen=True)
class WatchSnapshot:
    """What a person watching a shared study wants to see.

    Attributes:
        board: All trials, ranked (running ones included, with their ``worker``).
        running: The trials running now, oldest first.
        workers: ``host:pid`` of the workers with a trial running now.
        per_minute: Trials finished in the last minute (all workers).
        read_s: How long this poll took (for pacing the next one).
    """

    board: Leaderboard
    running: tuple[TrialRecord, ...]
    workers: tuple[str, ...]
    per_minute: float
    read_s: float


class StudyWatch:
    """Incremental reads of one study; safe to call from one worker thread at a time."""

    def __init__(self, study_name: str, storage_url: str | None = None):
        self.study_name = study_name
        self.storage_url = storage_url
        self._lock = threading.Lock()
        self._study: optuna.Study | None = None
        self._follower: TrialFollower | None = None
        self._records: dict[int, TrialRecord] = {}  # trial id -> record
        self._metric: str | None = None
        self._greater = True
        self._swept = -SWEEP_EVERY_S

    def poll(self) -> WatchSnapshot:
        """Read what changed since the last poll.

        Raises:
            ConfigError: No such study, or the storage cannot be opened.
        """
        with self._lock:
            t0 = time.perf_counter()
            if self._study is None:
                self._open()
            study, follower = self._study, self._follower
            if time.monotonic() - self._swept >= SWEEP_EVERY_S:  # the workers sweep too
                sweep_stale_trials(study._storage, study._study_id, reader=True)
                self._swept = time.monotonic()
            for t in follower.poll():
                self._records[t._trial_id] = TrialRecord.from_frozen(t)
            for tid, t in follower.running.items():
                self._records[tid] = TrialRecord.from_frozen(t)
            for tid, record in list(self._records.items()):
                if record.status == "running" and tid not in follower.running:
                    self._records.pop(tid)  # gone (a finished state arrives with its poll)
            records = tuple(self._records.values())
            board = Leaderboard(self.study_name, self._metric, self._greater,
                                rank(records, self._greater))
            running = tuple(sorted((r for r in records if r.status == "running"),
                                   key=lambda r: r.started_at or ""))
            return WatchSnapshot(
                board=board, running=running,
                workers=tuple(sorted({r.worker for r in running if r.worker})),
                per_minute=_per_minute(records), read_s=time.perf_counter() - t0,
            )

    def _open(self) -> None:
        study = load_study(self.study_name, self.storage_url)
        task = study.user_attrs.get(K.STUDY_TASK, {})
        self._metric = task.get("metric")
        self._greater = study.direction == optuna.study.StudyDirection.MAXIMIZE
        self._follower = TrialFollower(study._storage, study._study_id)
        self._study = study


def _per_minute(records) -> float:
    ends = [r.finished_at for r in records if r.finished_at]
    if not ends:
        return 0.0
    stamps = [datetime.fromisoformat(e).timestamp() for e in ends]
    latest = max(stamps)
    return float(sum(1 for s in stamps if latest - s <= PACE_WINDOW_S))
