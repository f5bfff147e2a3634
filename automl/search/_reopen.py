"""Reopening a search's problem: refit or re-score one trial outside the search.

A search scores trials with an ``Evaluator`` over the ``Problem`` that ``prepare`` builds from
the run's config and data (task, features, folds, seed). Exporting a stored trial, drawing its
plots and seeding a retraining study need that same problem later, from a stored study or a
finished ``SearchResult``. ``reopen`` is the one public way to it: same config, same data,
same folds, same models, so a trial re-scored here gets the fold scores the search recorded
(to floating-point noise) and a refit is the model the search would have made. An ensemble
trial is rebuilt from its recorded members and weights (and temperature), here only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import Literal

import numpy as np
import optuna
from sklearn.pipeline import Pipeline

from automl.data import Dataset
from automl.data import Profile
from automl.data import TaskSpec
from automl.data import load_dataset
from automl.errors import ConfigError
from automl.errors import DataError
from automl.metrics import Metric
from automl.metrics import get_metric
from automl.models._ensemble import WeightedEnsemble
from automl.models._ensemble import scale_proba
from automl.records import StudyRecord
from automl.records import TrialRecord
from automl.search._config import RunConfig
from automl.search._evaluate import Evaluator
from automl.search._evaluate import FoldResult
from automl.search._evaluate import repeat_of
from automl.search._prepare import Prepared
from automl.search._prepare import prepare
from automl.search._result import SearchResult
from automl.search._study import describe_study

__all__ = ["FoldResult", "Reopened", "reopen", "study_dataset"]

Rows = Literal["all", "search"]  # every usable row (the final model's), or the rows trials saw
ENSEMBLE = "ensemble"  # the family name an ensemble trial is recorded under


def reopen(source: RunConfig | optuna.Study | SearchResult,
           dataset: Dataset | str | os.PathLike | None = None, *,
           hint: str = "Pass the original file with --data.") -> Reopened:
    """The problem a search scored, ready to refit or re-score its trials.

    Args:
        source: A run's config (then ``dataset`` is its data), a stored study (its recorded
            config; ``dataset`` defaults to the file it recorded and is checked against the
            recorded fingerprint), or a finished search (its problem as it was, no data needed).
        dataset: The data: a Dataset, or a file to read.
        hint: What the user should do when a study's data is missing or changed.

    Raises:
        ConfigError: A config without data.
        DataError: A study's data cannot be found or is not what it was run on; data that
            does not fit the config (see ``run_search``).
    """
    if isinstance(source, SearchResult):
        return Reopened(source.prepared, dataset=dataset if isinstance(dataset, Dataset) else None)
    if isinstance(source, optuna.Study):
        data = study_dataset(source, dataset, hint=hint)
        config = RunConfig.from_dict(StudyRecord.from_study(source).config)
        return Reopened(prepare(config, data), config, data)
    if dataset is None:
        raise ConfigError("Reopening a run's config needs its data.")
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    return Reopened(prepare(source, data), source, data)


def study_dataset(study: optuna.Study, data: str | os.PathLike | Dataset | None = None,
                  hint: str = "Pass the original file with --data.") -> Dataset:
    """The data a study was run on: ``data`` if given (checked against the recorded
    fingerprint), else the file the study recorded.

    Args:
        study: The Optuna study.
        data: A file or Dataset to use instead of the recorded file.
        hint: What the user should do when the data is missing or changed.

    Raises:
        DataError: No file to read, or content that differs from the recorded fingerprint.
    """
    recorded = StudyRecord.from_study(study, strict=False).dataset
    if isinstance(data, Dataset):
        dataset = data
    else:
        source = data or recorded.get("source")
        if not source or source == "<dataframe>":
            raise DataError(f"The study was run on an in-memory table. {hint}")
        dataset = load_dataset(source)
    if recorded.get("sha256") and dataset.sha256 != recorded["sha256"]:
        raise DataError(
            f"{dataset.source!r} is not the data the study was run on (its content changed: "
            f"fingerprint {dataset.sha256[:12]}, recorded {recorded['sha256'][:12]}). {hint}",
            path=dataset.source)
    return dataset


class Reopened:
    """A search's problem, reopened: refit or re-score configurations and recorded trials.

    Attributes:
        prepared: What ``prepare`` built (task, profile, features, folds, the rows).
        config: The run's config (None when reopened from a ``SearchResult``).
        dataset: The data (None when reopened from a ``SearchResult`` without it).
        metric: The run's metric.
    """

    def __init__(self, prepared: Prepared, config: RunConfig | None = None,
                 dataset: Dataset | None = None):
        self.prepared = prepared
        self.config = config
        self.dataset = dataset
        self.metric: Metric = get_metric(prepared.task.metric, prepared.task.kind)
        self._evaluators: dict[Rows, Evaluator] = {}  # each keeps its preprocessing cache

    # -- what the problem is ----------------------------------------------------------------

    @property
    def task(self) -> TaskSpec:
        return self.prepared.task

    @property
    def profile(self) -> Profile:
        return self.prepared.profile

    @property
    def features(self) -> tuple[str, ...]:
        return self.prepared.features

    @property
    def cv(self) -> dict:
        """The scoring plan: ``kind`` ("kfold" or "holdout"), ``n_splits``, ``rows``..."""
        return self.prepared.cv

    @property
    def cv_label(self) -> str:
        return self.prepared.cv_label

    @property
    def y(self) -> np.ndarray:
        """The target of the rows trials are scored on (aligned with out-of-fold predictions)."""
        return self.prepared.problem.y

    @property
    def n_rows(self) -> int:
        """Rows trials are scored on."""
        return len(self.prepared.problem.y)

    # -- one configuration ------------------------------------------------------------------

    def rescore(self, family: str, params: dict[str, Any], *,
                train_fraction: float = 1.0) -> tuple[list[FoldResult], np.ndarray]:
        """Cross-validate a configuration on the search's folds, as a search trial is.

        Returns:
            The fold results and the out-of-fold predictions, one set per repeat of the
            k-fold, shape ``(repeats, rows, ...)`` (see ``y``); a holdout leaves the
            training rows NaN (None for labels).
        """
        return self._evaluator("search").run_trial(family, params, train_fraction=train_fraction)

    def refit(self, family: str, params: dict[str, Any], *, rows: Rows = "all") -> Pipeline:
        """The fitted Pipeline(preprocess, model) of a configuration, on every usable row
        (``rows="search"``: on the rows trials were scored on, a sample of large data)."""
        return self._evaluator(rows).refit(family, params)

    def refit_ensemble(self, members: Sequence[tuple[str, dict[str, Any]]],
                       weights: Sequence[float], temperature: float = 1.0, *,
                       rows: Rows = "all") -> WeightedEnsemble:
        """A weighted ensemble of configurations (family, params), each refit."""
        return WeightedEnsemble([self.refit(f, p, rows=rows) for f, p in members],
                                list(weights), temperature)

    def combine(self, oofs: Mapping[int, np.ndarray], weights: Mapping[int, float],
                temperature: float = 1.0) -> tuple[list[float], np.ndarray]:
        """An ensemble's fold scores and out-of-fold predictions from its members' ones.

        Args:
            oofs: Member -> its out-of-fold predictions (as ``rescore`` returns them).
            weights: Member -> weight (normalised here).
            temperature: Applied to the averaged probabilities (see ``WeightedEnsemble``).
        """
        total = sum(weights.values())
        oof = sum((w / total) * np.asarray(oofs[n], dtype=float) for n, w in weights.items())
        if temperature != 1.0:
            oof = scale_proba(oof, temperature)
        return self.fold_scores(oof), oof

    def fold_scores(self, oof: np.ndarray) -> list[float]:
        """The score of out-of-fold predictions ``(repeats, rows, ...)`` on each fold."""
        p = self.prepared.problem
        return [self.metric.score(p.y[valid], oof[repeat_of(i, oof.shape[0], len(p.splits)), valid],
                                  p.classes) for i, (_, valid) in enumerate(p.splits)]

    def importances(self, model, *, rows: Rows = "all", time_cap_s: float = 3.0
                    ) -> dict[str, float]:
        """Permutation importance of each input column for a fitted model, largest first
        (empty when even one pass would not fit in ``time_cap_s``)."""
        return self._evaluator(rows).importances(model, time_cap_s=time_cap_s)

    # -- recorded trials --------------------------------------------------------------------

    def rescore_trial(self, record: TrialRecord, trials: Iterable[TrialRecord] = ()
                      ) -> tuple[list[float], np.ndarray]:
        """A recorded trial's fold scores and out-of-fold predictions, computed again (each
        on the share of the training rows it was fit on). An ensemble is its members
        re-scored and combined with its weights; ``trials`` must hold the members."""
        if record.family == ENSEMBLE:
            by_number = _members(record, trials)
            oofs = {n: self.rescore_trial(m)[1] for n, m in by_number.items()}
            weights = {m["trial"]: m["weight"] for m in record.members}
            return self.combine(oofs, weights, record.params.get("temperature", 1.0))
        folds, oof = self.rescore(_family(record), record.params,
                                  train_fraction=record.train_fraction)
        return [f.score for f in folds], oof

    def refit_trial(self, record: TrialRecord, trials: Iterable[TrialRecord] = (), *,
                    rows: Rows = "all") -> Pipeline | WeightedEnsemble:
        """A recorded trial refit: its configuration, or for an ensemble its members (found
        in ``trials``) each refit and weighted as recorded."""
        if record.family == ENSEMBLE:
            by_number = _members(record, trials)
            return self.refit_ensemble(
                [(_family(by_number[m["trial"]]), by_number[m["trial"]].params)
                 for m in record.members],
                [m["weight"] for m in record.members], record.params.get("temperature", 1.0),
                rows=rows)
        return self.refit(_family(record), record.params, rows=rows)

    # -- a new study on this problem -------------------------------------------------------

    def describe(self, study: optuna.Study) -> None:
        """Record this problem as a study's identity (config, task, data, features, folds,
        library versions), as a search does, so the study explains itself when reopened.

        Raises:
            ConfigError: Reopened from a ``SearchResult`` (no config or data to record).
        """
        if self.config is None or self.dataset is None:
            raise ConfigError("This problem was reopened without its config and data.")
        describe_study(study, self.config, self.dataset, self.prepared)

    def _evaluator(self, rows: Rows) -> Evaluator:
        if rows not in ("all", "search"):
            raise ValueError(f"rows must be 'all' or 'search', got {rows!r}")
        if rows not in self._evaluators:
            p = self.prepared
            self._evaluators[rows] = Evaluator(p.full if rows == "all" else p.problem)
        return self._evaluators[rows]


def _family(record: TrialRecord) -> str:
    if not record.family:
        raise ConfigError(f"Trial {record.number} has no model family to refit.")
    return record.family


def _members(record: TrialRecord, trials: Iterable[TrialRecord]) -> dict[int, TrialRecord]:
    by_number = {t.number: t for t in trials}
    missing = [m["trial"] for m in record.members if m["trial"] not in by_number]
    if missing:
        raise ConfigError(f"Ensemble trial {record.number} needs its member trial(s) "
                          f"{', '.join(map(str, missing))}, which were not given.")
    return {m["trial"]: by_number[m["trial"]] for m in record.members}
