"""Plot data computed once from records and predictions; drawn by automl.insights._plots (model card)
and by the GUI alike. Plain frozen dataclasses of numbers: no matplotlib, no Qt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix
from sklearn.metrics import roc_curve

from automl.records import Leaderboard

__all__ = [
    "ConfusionData",
    "FamilyScores",
    "HistoryData",
    "ResidualData",
    "RocData",
    "confusion_data",
    "family_scores",
    "history_data",
    "residual_data",
    "roc_data",
]


@dataclass(frozen=True)
class HistoryData:
    """Score of each completed trial in order, and the best so far."""

    numbers: tuple[int, ...]
    scores: tuple[float, ...]
    best_so_far: tuple[float, ...]
    families: tuple[str, ...]
    metric: str
    greater_is_better: bool


def history_data(board: Leaderboard) -> HistoryData:
    done = sorted(board.completed, key=lambda r: r.number)
    best: list[float] = []
    for r in done:
        if not best:
            best.append(r.score)
        else:
            pick = max if board.greater_is_better else min
            best.append(pick(best[-1], r.score))
    return HistoryData(tuple(r.number for r in done), tuple(r.score for r in done), tuple(best),
                       tuple(r.family or "?" for r in done), board.metric or "score",
                       board.greater_is_better)


@dataclass(frozen=True)
class FamilyScores:
    """Completed trials' scores grouped by family, best family first."""

    families: tuple[str, ...]
    scores: tuple[tuple[float, ...], ...]
    n_failed: tuple[int, ...]
    metric: str


def family_scores(board: Leaderboard) -> FamilyScores:
    groups: dict[str, list[float]] = {}
    failed: dict[str, int] = {}
    for r in board.records:
        fam = r.family or "?"
        groups.setdefault(fam, [])
        failed.setdefault(fam, 0)
        if r.status == "complete" and r.score is not None:
            groups[fam].append(r.score)
        elif r.status == "failed":
            failed[fam] += 1
    sign = -1 if board.greater_is_better else 1

    def key(f):
        return sign * (max(groups[f]) if board.greater_is_better else min(groups[f])) if groups[f] else np.inf

    order = sorted(groups, key=key)
    return FamilyScores(tuple(order), tuple(tuple(groups[f]) for f in order),
                        tuple(failed[f] for f in order), board.metric or "score")


@dataclass(frozen=True)
class ConfusionData:
    classes: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]  # rows: true class, columns: predicted


def confusion_data(y_true: np.ndarray, predicted: np.ndarray, classes: Sequence) -> ConfusionData:
    """From labels, or from probabilities (n x k) which are turned into labels by argmax."""
    predicted = np.asarray(predicted)
    if predicted.ndim == 2:
        predicted = np.asarray(classes, dtype=object)[np.argmax(predicted, axis=1)]
    labels = [str(c) for c in classes]
    m = confusion_matrix(np.asarray(y_true).astype(str), predicted.astype(str), labels=labels)
    return ConfusionData(tuple(labels), tuple(tuple(int(v) for v in row) for row in m))


@dataclass(frozen=True)
class RocData:
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]
    positive_class: str
    auc: float


def roc_data(y_true: np.ndarray, proba: np.ndarray, classes: Sequence) -> RocData | None:
    """ROC of the positive (last) class; None when there are no probabilities or one class."""
    proba = np.asarray(proba)
    if proba.ndim != 2 or len(classes) != 2:
        return None
    pos = classes[-1]
    truth = np.asarray(y_true).astype(str) == str(pos)
    if truth.all() or not truth.any():
        return None
    fpr, tpr, _ = roc_curve(truth, proba[:, 1])
    from sklearn.metrics import auc

    step = max(1, len(fpr) // 400)
    return RocData(tuple(fpr[::step].tolist()) + (float(fpr[-1]),),
                   tuple(tpr[::step].tolist()) + (float(tpr[-1]),), str(pos), float(auc(fpr, tpr)))


@dataclass(frozen=True)
class ResidualData:
    actual: tuple[float, ...]
    predicted: tuple[float, ...]


def residual_data(y_true: np.ndarray, predicted: np.ndarray, max_points: int = 5000,
                  seed: int = 0) -> ResidualData:
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(predicted, dtype=float)
    keep = np.isfinite(p)
    y, p = y[keep], p[keep]
    if len(y) > max_points:
        idx = np.random.default_rng(seed).choice(len(y), max_points, replace=False)
        y, p = y[idx], p[idx]
    return ResidualData(tuple(y.tolist()), tuple(p.tolist()))
