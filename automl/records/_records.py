"""Typed views of a study: one ``TrialRecord`` per trial and a ``Leaderboard``.

The storage is the record of truth: a live run, an old study and a study fed by other
machines are read through this same code.
"""

from __future__ import annotations

import enum
import math
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import optuna
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from automl.errors import ConfigError
from automl.records import _keys as K
from automl.storage import open_storage
from automl.storage import sweep_stale_trials

__all__ = ["Leaderboard", "StudyInfo", "TrialRecord", "TrialStatus", "list_studies", "load_study",
           "read_trials"]


class TrialStatus(enum.StrEnum):
    """A trial's state as a person reads it (and as events and ``--json`` carry it)."""
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAILED = "failed"
    RUNNING = "running"
    WAITING = "waiting"

    @classmethod
    def of(cls, state: TrialState) -> TrialStatus:
        return _STATUS[state]


_STATUS = {
    TrialState.COMPLETE: TrialStatus.COMPLETE,
    TrialState.PRUNED: TrialStatus.PRUNED,
    TrialState.FAIL: TrialStatus.FAILED,
    TrialState.RUNNING: TrialStatus.RUNNING,
    TrialState.WAITING: TrialStatus.WAITING,
}


@dataclass(frozen=True)
class TrialRecord:
    """One trial as a person reads it."""

    number: int
    status: TrialStatus
    family: str | None
    params: dict[str, Any]  # bare names of the family's params
    score: float | None  # mean CV score (natural units)
    score_std: float | None
    fold_scores: tuple[float, ...]
    fit_seconds: float | None
    predict_seconds: float | None
    duration_seconds: float | None
    error_type: str | None
    error_message: str | None
    reason: str | None
    started_at: str | None
    finished_at: str | None
    members: tuple[dict[str, Any], ...] = ()  # ensemble: trial, family, weight of each member
    prep_seconds: float | None = None  # fitting the preprocessing, over folds
    worker: str | None = None  # "host:pid" that ran it (scale-out), None for older studies
    train_fraction: float = 1.0  # share of each fold's training rows it was fit on

    @classmethod
    def from_frozen(cls, t: FrozenTrial) -> TrialRecord:
        ua = t.user_attrs.get(K.TRIAL_RESULT) or {}
        family = ua.get(K.FAMILY) or t.params.get("family")
        prefix = f"{family}."
        params = {k[len(prefix):]: v for k, v in t.params.items() if k.startswith(prefix)}
        if K.TEMPERATURE in ua:  # an ensemble's one fitted setting
            params["temperature"] = ua[K.TEMPERATURE]
        score = ua.get(K.SCORE_MEAN)
        if score is None and t.state is TrialState.COMPLETE and t.value is not None:
            score = t.value
        worker = t.user_attrs.get(K.TRIAL_WORKER)
        error_type, error_message = ua.get(K.ERROR_TYPE), ua.get(K.ERROR_MESSAGE)
        if t.state is TrialState.FAIL and not ua and worker:  # released by a heartbeat sweep
            error_type = "WorkerLost"
            error_message = f"{worker} stopped sending heartbeats; trial released"
        duration = ua.get(K.DURATION_SECONDS)
        if duration is None and t.datetime_start and t.datetime_complete:
            duration = (t.datetime_complete - t.datetime_start).total_seconds()
        return cls(
            number=t.number,
            status=_STATUS.get(t.state, t.state.name.lower()),
            family=family,
            params=params,
            score=_finite(score),
            score_std=_finite(ua.get(K.SCORE_STD)),
            fold_scores=tuple(ua.get(K.FOLD_SCORES, ())),
            fit_seconds=ua.get(K.FIT_SECONDS),
            predict_seconds=ua.get(K.PREDICT_SECONDS),
            duration_seconds=duration,
            prep_seconds=ua.get(K.PREP_SECONDS),
            error_type=error_type,
            error_message=error_message,
            reason=ua.get(K.REASON),
            started_at=_iso(t.datetime_start),
            finished_at=_iso(t.datetime_complete),
            members=tuple(ua.get(K.MEMBERS, ())),
            worker=worker,
            train_fraction=float(ua.get(K.TRAIN_FRACTION, 1.0)),
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fold_scores"] = list(self.fold_scores)
        d["members"] = list(self.members)
        return d


@dataclass(frozen=True)
class StudyInfo:
    """A study in the storage, for the History list."""

    name: str
    n_trials: int
    best_score: float | None
    metric: str | None
    target: str | None
    task: str | None
    source: str | None
    started_at: str | None


@dataclass(frozen=True)
class Leaderboard:
    """The trials of a study, best first (completed ones ranked; the others after).

    Attributes:
        study_name: The study.
        metric: Metric name.
        greater_is_better: Direction.
        records: All trials, ranked: completed by score, then pruned, failed, running.
    """

    study_name: str
    metric: str | None
    greater_is_better: bool
    records: tuple[TrialRecord, ...]

    @classmethod
    def from_study(cls, study_name: str, storage_url: str | None = None) -> Leaderboard:
        study = load_study(study_name, storage_url)
        sweep_stale_trials(study._storage, study._study_id, reader=True)  # all workers may be dead
        return cls.from_trials(study_name, study, read_trials(study))

    @classmethod
    def from_trials(cls, study_name: str, study: optuna.Study, records) -> Leaderboard:
        task = study.user_attrs.get(K.STUDY_TASK, {})
        greater = study.direction == optuna.study.StudyDirection.MAXIMIZE
        return cls(study_name, task.get("metric"), greater, rank(records, greater))

    @property
    def completed(self) -> tuple[TrialRecord, ...]:
        return tuple(r for r in self.records if r.status == "complete" and r.score is not None)

    @property
    def best(self) -> TrialRecord | None:
        done = self.completed
        return done[0] if done else None

    def completed_trial(self, number: int | None = None) -> TrialRecord:
        """A completed trial by number, or the best one when ``number`` is None.

        Raises:
            ConfigError: No such trial, a trial that did not complete, or none completed.
        """
        if number is None:
            if self.best is None:
                raise ConfigError(f"Study {self.study_name!r} has no completed trial yet.")
            return self.best
        for r in self.records:
            if r.number == number:
                if r.status != "complete":
                    raise ConfigError(f"Trial {number} did not complete ({r.status}); "
                                      "choose a completed trial.", field="trial")
                return r
        raise ConfigError(f"Study {self.study_name!r} has no trial {number}.", field="trial")

    def top(self, n: int) -> tuple[TrialRecord, ...]:
        return self.records[:n]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.records:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study_name,
            "metric": self.metric,
            "greater_is_better": self.greater_is_better,
            "counts": self.counts(),
            "trials": [r.to_dict() for r in self.records],
        }


def rank(records, greater_is_better: bool) -> tuple[TrialRecord, ...]:
    """Completed trials best first, then running, pruned and failed ones by number."""
    order = {"complete": 0, "running": 1, "pruned": 2, "failed": 3}

    def key(r: TrialRecord):
        if r.status == "complete" and r.score is not None:
            return (0, -r.score if greater_is_better else r.score)
        return (1 + order.get(r.status, 4), r.number)

    return tuple(sorted(records, key=key))


def load_study(study_name: str, storage_url: str | None = None) -> optuna.Study:
    """Open an existing study.

    Raises:
        ConfigError: No study of that name (the message lists the ones there are).
    """
    storage = open_storage(storage_url)
    try:
        return optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        names = [s.study_name for s in storage.get_all_studies()]
        shown = ", ".join(names[-10:]) or "none"
        raise ConfigError(
            f"No study named {study_name!r} in the storage. Studies there: {shown}.",
            field="study_name", choices=tuple(names),
        ) from None


def read_trials(study: optuna.Study) -> tuple[TrialRecord, ...]:
    return tuple(TrialRecord.from_frozen(t) for t in study.get_trials(deepcopy=False))


def list_studies(storage_url: str | None = None) -> tuple[StudyInfo, ...]:
    """Every study in the storage, newest first."""
    storage = open_storage(storage_url)
    out = []
    for s in storage.get_all_studies():
        task = s.user_attrs.get(K.STUDY_TASK, {})
        dataset = s.user_attrs.get(K.STUDY_DATASET, {})
        try:
            best = storage.get_best_trial(s._study_id).value
        except (ValueError, RuntimeError, KeyError):
            best = None  # no completed trial yet
        out.append(StudyInfo(
            name=s.study_name,
            n_trials=storage.get_n_trials(s._study_id),
            best_score=best,
            metric=task.get("metric"),
            target=task.get("target"),
            task=task.get("kind"),
            source=dataset.get("source"),
            started_at=s.user_attrs.get(K.STUDY_CREATED),
        ))
    out.sort(key=lambda i: i.started_at or "", reverse=True)
    return tuple(out)


def _finite(x) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _iso(d: datetime | None) -> str | None:
    return d.isoformat(timespec="seconds") if d else None
