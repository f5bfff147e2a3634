"""Scoring one trial: cross-validation of preprocess + model, fold by fold.

This code runs inside the search's worker processes. Preprocessing depends only on the
model family's input *style* and the fold, so each worker fits it once per (style, fold)
and reuses the transformed matrices across trials (bounded by ``CACHE_BYTES``); the
exported Pipeline still contains the preprocessing, fitted on all rows.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.stats
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline

from automl.data._types import TaskSpec
from automl.metrics import get_metric
from automl.metrics import permutation_importances
from automl.models import SpaceContext
from automl.models import get_family
from automl.preprocess import FeaturePlan
from automl.preprocess import Style
from automl.preprocess import build_preprocessor
from automl.preprocess import native_categorical_indices

CACHE_BYTES = 768 * 2**20
SKEWED = 1.0  # skewness from which a target counts as skewed (prices 1.6, wages 1.7)


def repeat_of(fold: int, repeats: int, n_splits: int) -> int:
    """Which repeat of a repeated k-fold the split ``fold`` (of ``n_splits``) belongs to."""
    return fold * repeats // max(1, n_splits)


class TrialPruned(Exception):
    """Raised inside the worker when the parent says the trial should stop."""


def _quiet(fit):
    """Convergence warnings of capped solvers are expected in a search (the score says
    enough): silenced while ``fit`` runs, not for the whole process."""
    @functools.wraps(fit)
    def quiet(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return fit(*args, **kwargs)
    return quiet


@dataclass(frozen=True)
class Problem:
    """Everything a worker needs to score trials; built once by the parent.

    Attributes:
        X: Feature columns (all rows used by the search).
        y: Target values aligned with X.
        task: The task.
        plans: Feature plan per input style.
        splits: (train indices, validation indices) per fold; with repeated k-fold, the
            folds of repeat r are ``splits[r * k:(r + 1) * k]``.
        seed: Seed for models and randomised preprocessing.
        repeats: How many times the k-fold is repeated (1 for a holdout).
    """

    X: pd.DataFrame
    y: np.ndarray
    task: TaskSpec
    plans: dict[Style, FeaturePlan]
    splits: tuple[tuple[np.ndarray, np.ndarray], ...]
    seed: int
    repeats: int = 1

    def repeat_of(self, fold: int) -> int:
        return repeat_of(fold, self.repeats, len(self.splits))

    @property
    def folds_per_repeat(self) -> int:
        """k of a repeated k-fold (1 for a holdout): what one repeat's fold models number."""
        return max(1, len(self.splits) // max(1, self.repeats))

    @property
    def classes(self) -> np.ndarray | None:
        return np.asarray(self.task.classes) if self.task.kind.is_classification else None

    def context(self, style: Style, n_rows: int) -> SpaceContext:
        plan = self.plans[style]
        cats = native_categorical_indices(plan) if style is Style.NATIVE else None
        return SpaceContext(
            task=self.task.kind, n_rows=n_rows, n_features=len(plan.columns), seed=self.seed,
            n_classes=len(self.task.classes), categorical_indices=tuple(cats) if cats else None,
            skewed_target=self.skewed_target,
        )

    @functools.cached_property
    def skewed_target(self) -> bool:
        """A regression target never below zero with a long right tail (skewness over
        ``SKEWED``): the boosting families' spaces then offer to fit its logarithm."""
        if self.task.kind.is_classification or len(self.y) < 3:
            return False
        y = np.asarray(self.y, dtype=float)
        return bool(y.min() >= 0 and scipy.stats.skew(y) > SKEWED)


@dataclass(frozen=True)
class FoldResult:
    fold: int
    score: float
    fit_seconds: float
    predict_seconds: float
    prep_seconds: float = 0.0  # fitting the preprocessing (paid once per worker, then cached)


class Evaluator:
    """Scores trials of a Problem, caching fitted preprocessing per (style, fold)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.metric = get_metric(problem.task.metric, problem.task.kind)
        self._cache: OrderedDict[tuple[Style, int], tuple[Any, Any]] = OrderedDict()
        self._cache_bytes = 0

    def build_pipeline(self, family_name: str, params: dict[str, Any], n_rows: int) -> Pipeline:
        """An unfitted Pipeline(preprocess, model) for one trial's params."""
        family = get_family(family_name)
        p = self.problem
        pre = build_preprocessor(p.plans[family.style], family.style,
                                 classification=p.task.kind.is_classification, seed=p.seed)
        model = family.make(params, p.context(family.style, n_rows))
        return Pipeline([("preprocess", pre), ("model", model)])

    @_quiet
    def run_trial(
        self, family_name: str, params: dict[str, Any],
        on_fold: Callable[[FoldResult], bool] | None = None,
        fold_models: list[Pipeline] | None = None,
        train_fraction: float = 1.0,
    ) -> tuple[list[FoldResult], np.ndarray]:
        """Cross-validate one configuration.

        Args:
            family_name: Registry name of the family.
            params: The family's bare params.
            on_fold: Called after each fold; returning False prunes the trial.
            fold_models: If given, the fitted Pipeline(preprocess, model) of each fold of the
                first repeat is appended to it (the preprocessing fitted on that fold's
                training rows), so the fold models can be averaged into a final model without
                any refit. One repeat's k folds leave every row out once, so their average is
                a complete model of the table; the other repeats' models would triple what a
                worker holds (5-fold x 3 on small tables) for a bag of correlated copies.
            train_fraction: Fit each fold's model on this share of the fold's training rows
                (a seeded, stratified sample), scored on the same validation rows: the first
                trial of a family too slow for a full fold still gives a comparable score.

        Returns:
            The fold results and the out-of-fold predictions (probabilities for
            classification metrics needing them, else predicted values/labels), one set
            per repeat of the k-fold: shape ``(repeats, rows, ...)``. Repeats are kept
            apart, not averaged: an average of three models' predictions would flatter
            high-variance models against the single model that is finally refit.

        Raises:
            TrialPruned: ``on_fold`` returned False.
            Exception: Whatever the model raised; the caller records it.
        """
        family = get_family(family_name)
        p = self.problem
        n_train = len(p.splits[0][0])
        model_proto = family.make(params, p.context(family.style, n_train))
        results: list[FoldResult] = []
        oof = None
        for i, (train_idx, valid_idx) in enumerate(p.splits):
            Xtr, Xva, prep_s, pre = self._transformed(family.style, i)
            densified = sp.issparse(Xtr) and not family.accepts_sparse
            if densified:
                Xtr, Xva = Xtr.toarray(), Xva.toarray()
            y_train = p.y[train_idx]
            if train_fraction < 1.0:
                rows = _subsample(y_train, train_fraction, p.task.kind.is_classification,
                                  p.seed + i)
                Xtr, y_train = Xtr[rows], y_train[rows]
            model = clone(model_proto)
            t0 = time.perf_counter()
            model.fit(Xtr, y_train)
            t1 = time.perf_counter()
            pred = self._predict(model, Xva)
            t2 = time.perf_counter()
            score = self.metric.score(p.y[valid_idx], pred, p.classes)
            if not np.isfinite(score):
                raise ValueError(f"the model's {self.metric.label} on fold {i + 1} is not a number "
                                 "(it predicted NaN or infinite values)")
            if oof is None:  # labels (label metrics) need an object array, numbers a float one
                numeric = np.issubdtype(pred.dtype, np.number)
                oof = np.full((p.repeats, len(p.y)) + pred.shape[1:], np.nan if numeric else None,
                              dtype=float if numeric else object)
            oof[p.repeat_of(i), valid_idx] = pred
            result = FoldResult(i, score, t1 - t0, t2 - t1, prep_s)
            results.append(result)
            if fold_models is not None and not densified and p.repeat_of(i) == 0:
                fold_models.append(Pipeline([("preprocess", pre), ("model", model)]))
            if on_fold is not None and not on_fold(result):
                raise TrialPruned
        return results, oof

    @_quiet
    def refit(self, family_name: str, params: dict[str, Any]) -> Pipeline:
        """Fit the full Pipeline on every row of the problem."""
        p = self.problem
        pipe = self.build_pipeline(family_name, params, len(p.y))
        pipe.fit(p.X, p.y)
        return pipe

    @_quiet
    def bagging_scores(self, family_name: str, params: dict[str, Any]
                       ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Which final model scores better for this configuration, measured the way it will
        be used: (one model fit on a fold's training rows, the average of k models fit on
        k-fold parts of those rows), each scored on the fold's validation rows, for each of
        the first repeat's k folds. The second mirrors the bagged final model (k fold
        models of the whole table), the first a refit on all rows.
        """
        from automl.models._ensemble import WeightedEnsemble

        p = self.problem
        family = get_family(family_name)
        k = max(2, len(p.splits) // max(1, p.repeats))
        classification = p.task.kind.is_classification
        single, bagged = [], []
        for i, (train_idx, valid_idx) in enumerate(p.splits[:k]):
            Xtr, Xva, _, pre = self._transformed(family.style, i)
            model = family.make(params, p.context(family.style, len(train_idx))).fit(Xtr, p.y[train_idx])
            pipe = Pipeline([("preprocess", pre), ("model", model)])
            y_valid = p.y[valid_idx]
            single.append(self.metric.score(y_valid, self._predict(pipe, p.X.iloc[valid_idx]),
                                            p.classes))
            y_train = p.y[train_idx]
            inner = _inner_folds(y_train, k, classification, p.seed)
            members = []
            for inner_train, _ in inner:
                rows = train_idx[inner_train]
                member = self.build_pipeline(family_name, params, len(rows))
                members.append(member.fit(p.X.iloc[rows], p.y[rows]))
            bag = WeightedEnsemble(members, [1.0] * len(members))
            bagged.append(self.metric.score(y_valid, self._predict(bag, p.X.iloc[valid_idx]),
                                            p.classes))
        return tuple(map(float, single)), tuple(map(float, bagged))

    def importances(self, pipe: Pipeline, time_cap_s: float = 3.0) -> dict[str, float]:
        """Permutation importance of each input column for a fitted pipeline."""
        p = self.problem
        return permutation_importances(
            lambda X: self._predict(pipe, X),
            lambda y, pred: self.metric.score(y, pred, p.classes),
            p.X, p.y, greater_is_better=self.metric.greater_is_better, seed=p.seed,
            time_cap_s=time_cap_s,
        )

    def _predict(self, model, X) -> np.ndarray:
        if self.metric.needs_proba:
            proba = model.predict_proba(X)
            return _align_proba(proba, model.classes_, self.problem.classes)
        return np.asarray(model.predict(X))

    def _transformed(self, style: Style, fold: int):
        """(train, validation, seconds the preprocessing took to fit, the fitted preprocessing)
        for a style and fold."""
        key = (style, fold)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        p = self.problem
        train_idx, valid_idx = p.splits[fold]
        pre = build_preprocessor(p.plans[style], style,
                                 classification=p.task.kind.is_classification, seed=p.seed)
        t0 = time.perf_counter()
        Xtr = pre.fit_transform(p.X.iloc[train_idx], p.y[train_idx])
        seconds = time.perf_counter() - t0
        Xva = pre.transform(p.X.iloc[valid_idx])
        value = (Xtr, Xva, seconds, pre)
        size = _nbytes(Xtr) + _nbytes(Xva)
        if size <= CACHE_BYTES:
            self._cache[key] = value
            self._cache_bytes += size
            while self._cache_bytes > CACHE_BYTES:
                _, old = self._cache.popitem(last=False)
                self._cache_bytes -= _nbytes(old[0]) + _nbytes(old[1])
        return value


def _subsample(y: np.ndarray, fraction: float, classification: bool, seed: int) -> np.ndarray:
    """Sorted positions of a seeded sample of ``fraction`` of the rows (stratified when every
    class has two rows)."""
    from sklearn.model_selection import train_test_split

    n = len(y)
    size = min(n - 1, max(2, int(round(n * fraction))))
    stratify = None
    if classification:
        _, counts = np.unique(y.astype(str), return_counts=True)
        if counts.min() >= 2 and size >= len(counts) and n - size >= len(counts):
            stratify = y.astype(str)
    rows, _ = train_test_split(np.arange(n), train_size=size, random_state=seed, stratify=stratify)
    return np.sort(rows)


def _inner_folds(y: np.ndarray, k: int, classification: bool, seed: int):
    """k folds of a fold's training rows, stratified when every class has k rows."""
    from sklearn.model_selection import KFold
    from sklearn.model_selection import StratifiedKFold

    if classification:
        _, counts = np.unique(y.astype(str), return_counts=True)
        if counts.min() >= k:
            return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(y, y.astype(str)))
    return list(KFold(k, shuffle=True, random_state=seed).split(y))


def _align_proba(proba: np.ndarray, model_classes, classes) -> np.ndarray:
    """Probability columns in the task's class order (a fold may miss a rare class)."""
    model_classes = list(model_classes)
    if list(classes) == model_classes:
        return proba
    out = np.zeros((proba.shape[0], len(classes)))
    for j, c in enumerate(model_classes):
        out[:, list(classes).index(c)] = proba[:, j]
    return out


def _nbytes(X) -> int:
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return int(getattr(X, "nbytes", 0))
