"""Metrics as data: name, task kinds, direction, what predictions they need, and how to score.

Defaults follow the OpenML AutoML Benchmark: ROC AUC (binary), log loss (multiclass),
RMSE (regression). Scores are kept in their natural units (log loss 0.21, not -0.21); the
``greater_is_better`` flag tells the search which way to optimise.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from automl.errors import ConfigError

__all__ = ["METRICS", "Metric", "TaskKind", "default_metric", "get_metric", "metrics_for"]


class TaskKind(enum.StrEnum):
    """The kinds of task the engine scores (also ``automl.data.TaskKind``).

    Defined here, with the metrics of each kind, so that ``automl.data`` (whose task detection
    picks and checks the metric) imports this module and not the other way round.
    """

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        return self is not TaskKind.REGRESSION


class _SklearnMetrics:
    """``sklearn.metrics``, imported on first use: reading a table needs no scikit-learn."""

    def __getattr__(self, name: str):
        from sklearn import metrics

        return getattr(metrics, name)


skm = _SklearnMetrics()

_CLS = (TaskKind.BINARY, TaskKind.MULTICLASS)


@dataclass(frozen=True)
class Metric:
    """One metric.

    Attributes:
        name: Short name used in configs and the CLI.
        label: Human name.
        tasks: Task kinds it applies to.
        greater_is_better: Direction of optimisation.
        needs_proba: Scores class probabilities (otherwise hard predictions / values).
        explanation: One line for the GUI.
    """

    name: str
    label: str
    tasks: tuple[TaskKind, ...]
    greater_is_better: bool
    needs_proba: bool
    explanation: str
    _fn: Callable[..., float]
    _fast: Callable[[np.ndarray, np.ndarray | None], Callable[[np.ndarray], float] | None] | None = None

    def score(self, y_true: np.ndarray, pred: np.ndarray, classes: np.ndarray | None = None) -> float:
        """Score predictions.

        Args:
            y_true: True labels or values.
            pred: Probabilities (n_rows x n_classes, columns in ``classes`` order) when
                ``needs_proba``, else predicted labels or values.
            classes: Class labels in probability-column order (classification).
        """
        return float(self._fn(np.asarray(y_true), np.asarray(pred), classes))

    def scorer(self, y_true: np.ndarray, classes: np.ndarray | None = None) -> Callable[[np.ndarray], float]:
        """``score`` with the rows fixed, for scoring many predictions of the same rows.

        Ensemble selection scores thousands of candidate averages; scikit-learn's input
        checks cost about 3 ms a log-loss call on string labels (9 s of a 60 s run on
        penguins). Log loss and RMSE get the same numbers straight from numpy."""
        y = np.asarray(y_true)
        fast = self._fast(y, classes) if self._fast is not None else None
        return fast if fast is not None else (lambda pred: self.score(y, pred, classes))

    @property
    def direction(self) -> str:
        return "maximize" if self.greater_is_better else "minimize"


def _roc_auc(y, proba, classes):
    if proba.ndim == 2 and proba.shape[1] == 2:
        return skm.roc_auc_score(y == classes[1], proba[:, 1])
    return skm.roc_auc_score(y, proba, multi_class="ovr", labels=classes)


def _log_loss(y, proba, classes):
    # scikit-learn reads probability columns in sorted label order; ``classes`` of a binary
    # task puts the positive class last, which need not sort last.
    order = sorted(range(len(classes)), key=lambda j: classes[j])
    return skm.log_loss(y, np.clip(proba[:, order], 1e-15, 1.0),
                        labels=[classes[j] for j in order])


def _log_loss_scorer(y, classes):
    """Log loss of the true class's probability, clipped as ``_log_loss`` and scikit-learn
    clip it (to 1e-15, then to 1 - eps); None when a label is not among ``classes``."""
    index = {c: j for j, c in enumerate(classes)}
    if any(v not in index for v in np.unique(y)):
        return None
    rows, cols = np.arange(len(y)), np.array([index[v] for v in y], dtype=np.intp)
    high = 1.0 - np.finfo(float).eps
    return lambda proba: float(-np.mean(np.log(np.clip(
        np.asarray(proba, dtype=float)[rows, cols], 1e-15, high))))


def _rmse_scorer(y, classes):
    y = np.asarray(y, dtype=float)
    return lambda pred: float(np.sqrt(np.mean((y - np.asarray(pred, dtype=float)) ** 2)))


def _f1(y, pred, classes):
    if classes is not None and len(classes) == 2:
        return skm.f1_score(y, pred, pos_label=classes[1])
    return skm.f1_score(y, pred, average="macro")


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("roc_auc", "ROC AUC", _CLS, True, True,
               "How well the model ranks positives above negatives (1.0 perfect, 0.5 chance).",
               _roc_auc),
        Metric("log_loss", "Log loss", _CLS, False, True,
               "How confident and right the predicted probabilities are (lower is better).",
               _log_loss, _log_loss_scorer),
        Metric("accuracy", "Accuracy", _CLS, True, False,
               "Share of rows whose class is predicted exactly.",
               lambda y, p, c: skm.accuracy_score(y, p)),
        Metric("balanced_accuracy", "Balanced accuracy", _CLS, True, False,
               "Accuracy averaged over classes, so rare classes count as much as common ones.",
               lambda y, p, c: skm.balanced_accuracy_score(y, p)),
        Metric("f1", "F1", _CLS, True, False,
               "Balance of precision and recall (macro-averaged over classes when more than two).",
               _f1),
        Metric("rmse", "RMSE", (TaskKind.REGRESSION,), False, False,
               "Typical size of the error, in the target's units; large errors weigh more.",
               lambda y, p, c: skm.root_mean_squared_error(y, p), _rmse_scorer),
        Metric("mae", "MAE", (TaskKind.REGRESSION,), False, False,
               "Average absolute error, in the target's units.",
               lambda y, p, c: skm.mean_absolute_error(y, p)),
        Metric("r2", "R²", (TaskKind.REGRESSION,), True, False,
               "Share of the target's variance the model explains (1.0 perfect, 0 = predicting the mean).",
               lambda y, p, c: skm.r2_score(y, p)),
    )
}

_DEFAULTS = {TaskKind.BINARY: "roc_auc", TaskKind.MULTICLASS: "log_loss", TaskKind.REGRESSION: "rmse"}


def default_metric(kind: TaskKind) -> str:
    return _DEFAULTS[TaskKind(kind)]


def metrics_for(kind: TaskKind) -> tuple[Metric, ...]:
    """The metrics that apply to a task kind, default first."""
    kind = TaskKind(kind)
    ms = [m for m in METRICS.values() if kind in m.tasks]
    return tuple(sorted(ms, key=lambda m: m.name != _DEFAULTS[kind]))


def get_metric(name: str, kind: TaskKind | None = None) -> Metric:
    """Look a metric up by name, checking it fits the task.

    Raises:
        ConfigError: Unknown name, or a metric of another task kind.
    """
    metric = METRICS.get(name)
    if metric is None:
        raise ConfigError(
            f"Unknown metric {name!r}. Choose one of: {', '.join(METRICS)}.",
            field="metric", choices=tuple(METRICS),
        )
    if kind is not None and TaskKind(kind) not in metric.tasks:
        allowed = tuple(m.name for m in metrics_for(kind))
        raise ConfigError(
            f"Metric {name!r} does not apply to a {TaskKind(kind).value} task. "
            f"Choose one of: {', '.join(allowed)}.",
            field="metric", choices=allowed,
        )
    return metric
