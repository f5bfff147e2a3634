"""Task detection: from a target column to a validated ``TaskSpec``.

Rules (auto mode), on the rows where the target is present:

* boolean, text or category target: classification (binary with 2 classes, else multiclass);
* numeric with any non-integer value: regression;
* integer-valued numeric (also floats like 1.0, 2.0): classification when there are at most
  2 values, or at most 10 values covering at most half the rows, or at most 20 values
  covering at most 5% of the rows; regression otherwise;
* dates: refused (not a supported target).
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from automl import metrics
from automl.data._types import Dataset
from automl.data._types import Profile
from automl.data._types import TaskKind
from automl.data._types import TaskSpec
from automl.errors import ConfigError
from automl.errors import DataError

__all__ = ["detect_task", "looks_like_classes"]

_TASK_CHOICES = ("auto", "binary", "multiclass", "regression", "classification")
_POSITIVE = ("true", "yes", "y", "positive", "pos", "t")


def detect_task(
    dataset: Dataset,
    target: str,
    *,
    task: str | TaskKind | None = None,
    metric: str | None = None,
    profile: Profile | None = None,
) -> TaskSpec:
    """Decide what to learn about ``target`` and check that it can be learned.

    Args:
        dataset: The table.
        target: The column to predict.
        task: "auto"/None to detect; "binary", "multiclass", "regression" to force;
            "classification" for binary or multiclass by the number of classes.
        metric: Metric name; the task's default (ROC AUC, log loss, RMSE) when None.
        profile: Accepted for symmetry with the GUI's flow; the target column itself is
            always read from ``dataset`` so a stale profile cannot change the answer.

    Returns:
        The task: kind, sorted classes and positive class, metric, usable and dropped rows.

    Raises:
        DataError: Unknown target, target without values, one class, a binary task with other
            than 2 classes, regression on a non-numeric target, infinite target values.
        ConfigError: Unknown task name, or a metric that does not fit the task.
    """
    del profile  # see Args
    values = target_values(dataset, target)
    dropped = len(dataset.frame) - len(values)
    requested = _requested(task)
    if requested == "auto":
        kind = _auto_kind(target, values)
    elif requested == "regression":
        kind = TaskKind.REGRESSION
    else:
        kind = _class_kind(target, values, requested)
    classes: tuple[Any, ...] = ()
    positive = None
    if kind is TaskKind.REGRESSION:
        _check_regression(target, values)
    else:
        classes = _classes(values)
        if kind is TaskKind.BINARY:  # the positive class last: ROC AUC and F1 score classes[1]
            positive = _positive_class(classes)
            classes = tuple(c for c in classes if c != positive) + (positive,)
    metric_name = metrics.default_metric(kind) if metric is None else metrics.get_metric(metric, kind).name
    return TaskSpec(
        target=target,
        kind=kind,
        metric=metric_name,
        classes=classes,
        positive_class=positive,
        n_rows=len(values),
        dropped_rows=dropped,
    )


def missing_target(target: str, columns: list) -> DataError:
    """The error for a target that is not a column: the closest names first, then the
    first few columns (a typo is the usual cause)."""
    names = [str(c) for c in columns]
    close = difflib.get_close_matches(str(target), names, n=3, cutoff=0.6)
    shown = close + [n for n in names if n not in close][:max(0, 8 - len(close))]
    more = len(names) - len(shown)
    listed = ", ".join(repr(n) for n in shown) + (f" and {more} more" if more > 0 else "")
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return DataError(f"Target column {target!r} is not in the data. {hint}Choose one of: "
                     f"{listed}.", column=target)


def target_values(dataset: Dataset, target: str) -> pd.Series:
    """The target column without its missing values.

    Raises:
        DataError: The column does not exist, or has no values at all.
    """
    if target not in dataset.frame.columns:
        raise missing_target(target, list(dataset.frame.columns))
    column = dataset.frame[target]
    values = column.dropna()
    if values.empty:
        raise DataError(
            f"Target {target!r} has no values (all {len(column):,} rows are empty). "
            "Pick another target.",
            column=target,
        )
    return values


def looks_like_classes(values: pd.Series) -> bool:
    """True when a target with these (non-missing) values is a classification target."""
    if ptypes.is_bool_dtype(values.dtype) or not ptypes.is_numeric_dtype(values.dtype):
        return not ptypes.is_datetime64_any_dtype(values.dtype)
    numbers = values.to_numpy(dtype=float)
    finite = numbers[np.isfinite(numbers)]
    if len(finite) < len(numbers) or not np.all(finite == np.round(finite)):
        return False
    n_distinct = len(np.unique(finite))
    share = n_distinct / len(finite)
    return (
        n_distinct <= 2
        or (n_distinct <= 10 and share <= 0.5)
        or (n_distinct <= 20 and share <= 0.05)
    )


def _requested(task: str | TaskKind | None) -> str:
    if task is None:
        return "auto"
    name = task.value if isinstance(task, TaskKind) else str(task).strip().lower()
    if name not in _TASK_CHOICES:
        raise ConfigError(
            f"Unknown task {task!r}. Choose one of: {', '.join(_TASK_CHOICES)}.",
            field="task",
            choices=_TASK_CHOICES,
        )
    return name


def _auto_kind(target: str, values: pd.Series) -> TaskKind:
    if ptypes.is_datetime64_any_dtype(values.dtype):
        raise DataError(
            f"Target {target!r} holds dates, which cannot be predicted directly. "
            "Pick another target, or derive a number or a class from the dates first.",
            column=target,
        )
    if looks_like_classes(values):
        return _class_kind(target, values, "classification")
    return TaskKind.REGRESSION


def _class_kind(target: str, values: pd.Series, requested: str) -> TaskKind:
    if ptypes.is_datetime64_any_dtype(values.dtype):
        raise DataError(
            f"Target {target!r} holds dates; a classifier needs labels. Pick another target.",
            column=target,
        )
    labels = values.unique()
    if len(labels) < 2:
        raise DataError(
            f"Target {target!r} has only one class ({_shown(labels[0])!r}). "
            "A classifier needs at least two.",
            column=target,
        )
    if requested == "binary" and len(labels) != 2:
        raise DataError(
            f"Target {target!r} has {len(labels)} classes, but a binary task needs exactly 2. "
            "Choose the multiclass task, or merge classes first.",
            column=target,
        )
    if requested == "binary" or (requested == "classification" and len(labels) == 2):
        return TaskKind.BINARY
    return TaskKind.MULTICLASS


def _check_regression(target: str, values: pd.Series) -> None:
    if ptypes.is_bool_dtype(values.dtype) or not ptypes.is_numeric_dtype(values.dtype):
        example = _shown(values.iloc[0])
        raise DataError(
            f"Target {target!r} is not numeric (e.g. {example!r}), so it cannot be a regression "
            "target. Choose a classification task, or a numeric target.",
            column=target,
        )
    numbers = values.to_numpy(dtype=float)
    n_inf = int(np.isinf(numbers).sum())
    if n_inf:
        raise DataError(
            f"Target {target!r} has {n_inf:,} infinite value(s). Replace or remove those rows "
            "before training.",
            column=target,
        )
    if np.nanmin(numbers) == np.nanmax(numbers):
        raise DataError(
            f"Target {target!r} has the same value ({_shown(values.iloc[0])}) in every row; "
            "there is nothing to learn. Pick another target.",
            column=target,
        )


def _classes(values: pd.Series) -> tuple[Any, ...]:
    labels = [_plain(v) for v in values.unique()]
    if all(isinstance(v, float) and v.is_integer() for v in labels):
        labels = [int(v) for v in labels]  # ints read as float because of missing targets
    try:
        return tuple(sorted(labels))
    except TypeError:
        return tuple(sorted(labels, key=str))


def _positive_class(classes: tuple[Any, ...]) -> Any:
    """ "yes"/"true"/"positive"-like labels first; 1 only against 0; else the last label."""
    texts = [str(label).strip().lower() for label in classes]
    if sorted(texts) == ["0", "1"]:
        return classes[texts.index("1")]
    for wanted in _POSITIVE:
        if wanted in texts:
            return classes[texts.index(wanted)]
    return classes[-1]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _shown(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
