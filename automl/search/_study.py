"""The study a search records into, and the in-memory study its sampler works on.

Optuna's RDB storage costs about 2.5 ms per operation here, and a trial makes a dozen (each
param, each fold report, attributes, tell): 25-35 ms per trial on SQLite. So sampling and
pruning run on an in-memory study, and each trial is written to the storage by the recorder
in one transaction, complete, the moment it ends (on PostgreSQL it is also created RUNNING
when it starts, with heartbeats, so other machines see it and a dead worker's trial is
released). Trials finished by other processes on the same study are pulled in every few
seconds, so several workers still share one search.
"""

from __future__ import annotations

import os
import time
import warnings
import zlib
from collections.abc import Callable
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState

from automl.data import Dataset
from automl.errors import ConfigError
from automl.errors import DataError
from automl.metrics import Metric
from automl.models import FamilySpec
from automl.records import keys as K
from automl.search._config import RunConfig
from automl.search._prepare import Prepared
from automl.search._recorder import Recorder
from automl.search._versions import library_versions
from automl.storage import TrialFollower
from automl.storage import mask_url
from automl.storage import open_storage
from automl.storage import worker_identity

PULL_EVERY_S = 3.0  # how often trials recorded by other processes are pulled in
FAMILIES_IN_PLAY = 3  # families the search goes on with once each has had its first trial
_ENDED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class SearchStudy:
    """Opens (or resumes) the recorded study and sets up the sampler's study beside it.

    Attributes:
        record: The persistent Optuna study (the record of truth).
        mem: The in-memory study the TPE sampler and the median pruner work on.
        recorder: Writes each finished trial to ``record`` from its own process.
        identity: ``host:pid``, on every trial this process runs.

    Raises:
        ConfigError: The study exists and ``resume`` is off, or it predicts another target.
        DataError: Resuming a study that was run on other data.
    """

    def __init__(self, config: RunConfig, dataset: Dataset, prepared: Prepared, metric: Metric,
                 families: Sequence[FamilySpec], storage_url: str):
        self.families = tuple(families)
        self.storage = storage = open_storage(storage_url)
        name = config.study_name or default_study_name(dataset, config.target)
        exists = any(s.study_name == name for s in storage.get_all_studies())
        if exists and not config.resume:
            raise ConfigError(
                f"A study named {name!r} already exists. Add --resume to continue it, "
                "or choose another study name.", field="study_name",
            )
        self.record = optuna.create_study(storage=storage, study_name=name,
                                          direction=metric.direction, load_if_exists=True)
        self.study_id = self.record._study_id
        self.identity = worker_identity()
        self.recorder = Recorder(storage, self.study_id, storage_url, worker=self.identity)
        self.follower = TrialFollower(storage, self.study_id)
        self._last_pull = 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(
                seed=sampler_seed(config.seed, storage.get_n_trials(self.study_id),
                                  self.identity if exists else None),
                multivariate=True, group=True, constant_liar=True, n_startup_trials=10,
            )
        self.mem = optuna.create_study(sampler=sampler, direction=metric.direction,
                                       pruner=optuna.pruners.MedianPruner(n_startup_trials=8,
                                                                          n_warmup_steps=1))
        if exists:
            _check_resume(self.record, config, dataset, metric)
        else:
            describe_study(self.record, config, dataset, prepared)
            for f in self.families:
                self.mem.enqueue_trial(f.default_trial_params(), skip_if_exists=True)

    def pull(self, on_complete: Callable[[float, int], None], force: bool = False) -> None:
        """Copy trials other processes (or earlier runs) recorded into the sampler's study.

        Reads only what changed since the last pull (new trials, and those that were still
        running); this process's own trials (its ``worker`` attribute) are there already.
        ``on_complete(value, number)`` is told of each completed one.
        """
        now = time.monotonic()
        if not force and now - self._last_pull < PULL_EVERY_S:
            return
        self._last_pull = now
        names = {f.name for f in self.families}
        own = self.identity if self.follower.polls else None  # first read: earlier runs'
        for t in self.follower.poll():
            if t.user_attrs.get(K.TRIAL_WORKER) == own or t._trial_id in self.recorder.ids:
                continue
            if t.params.get("family") not in names:
                continue  # a family this run does not search: nothing to learn from
            try:
                self.mem.add_trial(compatible(t, self.families))
            except ValueError:
                continue  # params outside this run's spaces
            if t.state is TrialState.COMPLETE:
                on_complete(t.value, t.number)

    def in_play(self, names: set[str], greater_is_better: bool) -> set[str]:
        """Of these families, those the sampler may pick now.

        Every family first gets a trial of its own (its default). Once each of ``names`` has
        had one that judged it (completed, pruned, or failed with an error; a trial stopped
        for time does not judge a family, whose next trial may then run on a sample of the
        rows, ``_budget.train_fractions``), only the ``FAMILIES_IN_PLAY`` with the best
        scores so far go on: one step of successive halving over families, as FLAML and
        AutoGluon spend a short budget on the strongest models rather than on all of them.
        On a 3,000-row table at 60 s the defaults of ten families take about half of the
        workers' time, and the sampler then gave each weak family another trial or two (a
        slow gradient boosting alone took 18 s of it). When none of the best fits the time
        left, none is in play: weaker families filling the last seconds would only delay the
        final model.
        """
        tried, best = self._judged(greater_is_better)
        if not names <= tried:
            return names
        sign = -1 if greater_is_better else 1
        ranked = sorted(best, key=lambda n: sign * best[n])
        return names & set(ranked[:FAMILIES_IN_PLAY])

    def most_promising(self, names: set[str], greater_is_better: bool) -> str:
        """Of these families, the one with the best score so far (else the cheapest)."""
        sign = -1 if greater_is_better else 1
        best = {n: v for n, v in self._judged(greater_is_better)[1].items() if n in names}
        if best:
            return min(best, key=lambda n: sign * best[n])
        costs = {f.name: f.cost for f in self.families}
        return min(names, key=lambda n: costs[n])

    def _judged(self, greater_is_better: bool) -> tuple[set[str], dict[str, float]]:
        """The families a trial has judged, and each one's best score so far."""
        tried: set[str] = set()
        best: dict[str, float] = {}
        sign = -1 if greater_is_better else 1
        for t in self.mem.get_trials(deepcopy=False, states=_ENDED):
            name = t.params.get("family")
            result = t.user_attrs.get(K.TRIAL_RESULT)
            if result is None and t.state is not TrialState.COMPLETE:
                continue  # told pruned without running: a pick that did not fit, or not in play
            if t.state is TrialState.FAIL and result.get(K.ERROR_TYPE) == "TrialTimeout":
                continue  # too slow at full size, not judged yet: its next may run on a sample
            tried.add(name)
            if t.state is TrialState.COMPLETE and (name not in best or sign * t.value < sign * best[name]):
                best[name] = t.value
        return tried, best

    def completed_families(self) -> set[str]:
        return {t.params.get("family") for t in self.mem.get_trials(
            deepcopy=False, states=(TrialState.COMPLETE,))}


def trial_result(family: str, folds: Sequence, duration_s: float, *, error=None,
                 reason: str | None = None, train_fraction: float = 1.0) -> dict[str, Any]:
    """The trial user attribute ``K.TRIAL_RESULT``: scores, times, and why it ended."""
    scores = [f.score for f in folds]
    result: dict[str, Any] = {K.FAMILY: family, K.FOLD_SCORES: scores,
                              K.DURATION_SECONDS: round(duration_s, 4)}
    if scores:
        result[K.SCORE_MEAN] = float(np.mean(scores))
        result[K.SCORE_STD] = float(np.std(scores))
        result[K.FIT_SECONDS] = float(sum(f.fit_seconds for f in folds))
        result[K.PREDICT_SECONDS] = float(sum(f.predict_seconds for f in folds))
        result[K.PREP_SECONDS] = float(sum(f.prep_seconds for f in folds))
    if error:
        result[K.ERROR_TYPE], result[K.ERROR_MESSAGE] = error
    if train_fraction < 1.0:
        result[K.TRAIN_FRACTION] = train_fraction
        reason = reason or (f"fit on {train_fraction:.0%} of each fold's training rows: a full "
                            "fold would not fit the time")
    if reason:
        result[K.REASON] = reason
    return result


def compatible(trial, families) -> optuna.trial.FrozenTrial:
    """A stored trial with its ``family`` choice widened to this run's families."""
    names = [f.name for f in families]
    dists = dict(trial.distributions)
    dists["family"] = optuna.distributions.CategoricalDistribution(names)
    return optuna.trial.create_trial(
        state=trial.state, value=trial.value if trial.state is TrialState.COMPLETE else None,
        params=trial.params, distributions=dists, user_attrs=trial.user_attrs,
        intermediate_values=trial.intermediate_values,
    )


def sampler_seed(seed: int, n_before: int, worker: str | None) -> int:
    """The run's own seed for a new study; for a worker joining one, a seed mixed with its
    ``host:pid``, so workers started together do not propose the same trials."""
    if worker is None:
        return seed + n_before
    return zlib.crc32(f"{seed}:{n_before}:{worker}".encode()) & 0x7FFFFFFF


def default_study_name(dataset: Dataset, target: str) -> str:
    stem = os.path.splitext(os.path.basename(dataset.source))[0] or "data"
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem).strip("_") or "data"
    return f"{stem}-{target}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def describe_study(study: optuna.Study, config: RunConfig, dataset: Dataset, p: Prepared) -> None:
    """The run's identity as study attributes, so a reopened study explains itself."""
    study.set_user_attr(K.STUDY_CREATED, datetime.now().isoformat(timespec="seconds"))
    # Never the password: anyone who can read the study can read its attributes.
    study.set_user_attr(K.STUDY_CONFIG, {**config.to_dict(),
                                         "storage_url": mask_url(config.storage_url or "")})
    study.set_user_attr(K.STUDY_TASK, p.task.to_dict())
    study.set_user_attr(K.STUDY_DATASET, {"source": dataset.source, "sha256": dataset.sha256,
                                          "n_rows": dataset.n_rows, "n_cols": len(dataset.columns)})
    study.set_user_attr(K.STUDY_FEATURES, list(p.features))
    study.set_user_attr(K.STUDY_CV, p.cv)
    study.set_user_attr(K.STUDY_VERSIONS, library_versions())


def _check_resume(study: optuna.Study, config: RunConfig, dataset: Dataset, metric: Metric) -> None:
    recorded = study.user_attrs.get(K.STUDY_DATASET, {})
    if recorded.get("sha256") and recorded["sha256"] != dataset.sha256:
        raise DataError(
            f"Study {study.study_name!r} was run on other data (fingerprint "
            f"{recorded['sha256'][:12]}, this file {dataset.sha256[:12]}). Resume it "
            "with the same data, or start a new study.", path=dataset.source,
        )
    task = study.user_attrs.get(K.STUDY_TASK, {})
    if task and (task.get("target"), task.get("metric")) != (config.target, metric.name):
        raise ConfigError(
            f"Study {study.study_name!r} predicts {task.get('target')!r} scored by "
            f"{task.get('metric')}; resume it with the same target and metric.",
            field="study_name",
        )
