"""detect_task: auto-detection rules, explicit tasks, target checks, classes and metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from automl.data import TaskKind
from automl.data import TaskSpec
from automl.data import detect_task
from automl.data import load_dataset
from automl.data import profile_dataset
from automl.errors import ConfigError
from automl.errors import DataError

RNG = np.random.default_rng(1)


def _spec(y, **kwargs) -> TaskSpec:
    frame = pd.DataFrame({"x": RNG.normal(size=len(y)), "y": y})
    return detect_task(load_dataset(frame), "y", **kwargs)


@pytest.mark.parametrize(
    ("y", "kind"),
    [
        ([True, False] * 10, TaskKind.BINARY),
        (["yes", "no"] * 10, TaskKind.BINARY),
        (["a", "b", "c"] * 10, TaskKind.MULTICLASS),
        (pd.Categorical(["lo", "hi"] * 10), TaskKind.BINARY),
        ([0, 1] * 10, TaskKind.BINARY),
        ([1, 2, 3, 4] * 10, TaskKind.MULTICLASS),  # integers, few values
        (list(RNG.normal(size=40)), TaskKind.REGRESSION),
        ([0.5, 1.0, 1.5] * 10, TaskKind.REGRESSION),  # non-integer floats
        (list(range(40)), TaskKind.REGRESSION),  # integers, many values
        ([1, 2, 3, 4, 5, 6, 7, 8], TaskKind.REGRESSION),  # few values but one row each
        (list(RNG.integers(0, 15, 1000)), TaskKind.MULTICLASS),  # 15 values over 1000 rows
        (list(RNG.integers(0, 50, 1000)), TaskKind.REGRESSION),  # 50 values: a count
    ],
)
def test_auto_detection(y, kind: TaskKind) -> None:
    assert _spec(y).kind is kind


@pytest.mark.parametrize("task", [None, "auto", "AUTO"])
def test_auto_is_the_default(task) -> None:
    assert _spec(["a", "b"] * 5, task=task).kind is TaskKind.BINARY


def test_explicit_task_overrides_detection() -> None:
    assert _spec([1, 2, 3, 4] * 10, task="regression").kind is TaskKind.REGRESSION
    assert _spec(list(range(40)), task="multiclass").kind is TaskKind.MULTICLASS
    assert _spec([0, 1] * 5, task=TaskKind.MULTICLASS).kind is TaskKind.MULTICLASS
    assert _spec(["a", "b", "c"] * 5, task="classification").kind is TaskKind.MULTICLASS
    assert _spec([0.0, 1.0] * 5, task="classification").kind is TaskKind.BINARY


def test_binary_needs_exactly_two_classes() -> None:
    with pytest.raises(DataError, match="has 3 classes, but a binary task needs exactly 2"):
        _spec(["a", "b", "c"] * 5, task="binary")


def test_regression_needs_a_numeric_target() -> None:
    with pytest.raises(DataError, match=r"'y' is not numeric \(e.g. 'a'\)"):
        _spec(["a", "b"] * 5, task="regression")
    with pytest.raises(DataError, match="not numeric"):
        _spec([True, False] * 5, task="regression")


def test_unknown_task_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Unknown task 'clustering'") as info:
        _spec([0, 1] * 5, task="clustering")
    assert info.value.field == "task" and "regression" in info.value.choices


def test_target_with_one_class_is_rejected() -> None:
    with pytest.raises(
        DataError,
        match=r"^Target 'y' has only one class \('no'\). A classifier needs at least two.$",
    ):
        _spec(["no"] * 10)
    with pytest.raises(DataError, match=r"only one class \(1\)"):
        _spec([1.0] * 9 + [None], task="multiclass")


def test_constant_regression_target_is_rejected() -> None:
    with pytest.raises(DataError, match=r"same value \(3.5\) in every row"):
        _spec([3.5] * 10, task="regression")


def test_infinite_regression_target_is_rejected_with_the_count() -> None:
    with pytest.raises(DataError, match="has 3 infinite value"):
        _spec([1.5, np.inf, 2.5, -np.inf, np.inf, 4.5])


def test_unknown_target_names_the_column_and_lists_columns() -> None:
    ds = load_dataset(pd.DataFrame({f"c{i}": [1, 2] for i in range(12)}))
    with pytest.raises(
        DataError, match=r"'price' is not in the data. Choose one of: 'c0', 'c1'.*'c7' and 4 more"
    ) as info:
        detect_task(ds, "price")
    assert info.value.column == "price"


def test_a_mistyped_target_is_answered_with_the_column_meant() -> None:
    ds = load_dataset(pd.DataFrame({**{f"c{i}": [1, 2] for i in range(12)}, "Price": [3, 4]}))
    with pytest.raises(DataError, match=r"'price' .*Did you mean 'Price'\? Choose one of: "
                                        r"'Price', 'c0'"):
        detect_task(ds, "price")


def test_all_missing_target_is_rejected() -> None:
    with pytest.raises(DataError, match=r"no values \(all 4 rows are empty\)") as info:
        _spec([None, None, None, None])
    assert info.value.column == "y"


def test_date_target_is_rejected() -> None:
    with pytest.raises(DataError, match="holds dates"):
        _spec(list(pd.date_range("2020-01-01", periods=6)))


def test_rows_without_a_target_are_dropped_and_counted() -> None:
    spec = _spec(["a", None, "b", "a", None, "b"])
    assert (spec.n_rows, spec.dropped_rows) == (4, 2)


def test_classes_are_sorted_python_scalars() -> None:
    spec = _spec([3, 1, 2, 1, 2, 3] * 3)
    assert spec.classes == (1, 2, 3)
    assert all(type(c) is int for c in spec.classes)
    assert _spec(["b", "c", "a"] * 4).classes == ("a", "b", "c")


def test_integer_classes_read_as_float_because_of_missing_targets_are_ints() -> None:
    spec = _spec([0, 1, None, 1, 0, 1])
    assert spec.classes == (0, 1) and type(spec.positive_class) is int


@pytest.mark.parametrize(
    ("y", "positive"),
    [
        ([0, 1] * 4, 1),
        ([True, False] * 4, True),
        (["yes", "no"] * 4, "yes"),
        (["Yes", "No"] * 4, "Yes"),
        (["true", "false"] * 4, "true"),
        (["positive", "negative"] * 4, "positive"),
        (["1", "0"] * 4, 1),  # read as numbers
        (["ham", "spam"] * 4, "spam"),  # nothing preferred: the last class
        ([1, 2] * 4, 2),
    ],
)
def test_positive_class(y, positive) -> None:
    frame = pd.DataFrame({"x": range(len(y)), "y": y})
    assert detect_task(load_dataset(frame), "y").positive_class == positive


def test_multiclass_and_regression_have_no_positive_class() -> None:
    assert _spec(["a", "b", "c"] * 3).positive_class is None
    assert _spec(list(RNG.normal(size=10))).classes == ()


@pytest.mark.parametrize(
    ("y", "metric"),
    [
        (["a", "b"] * 5, "roc_auc"),
        (["a", "b", "c"] * 5, "log_loss"),
        (list(RNG.normal(size=10)), "rmse"),
    ],
)
def test_default_metric_per_task(y, metric: str) -> None:
    assert _spec(y).metric == metric


def test_chosen_metric_is_validated() -> None:
    assert _spec(["a", "b"] * 5, metric="f1").metric == "f1"
    with pytest.raises(ConfigError, match="does not apply to a regression task"):
        _spec(list(RNG.normal(size=10)), metric="roc_auc")
    with pytest.raises(ConfigError, match="Unknown metric"):
        _spec(["a", "b"] * 5, metric="nope")


def test_profile_argument_is_accepted() -> None:
    ds = load_dataset(pd.DataFrame({"x": range(10), "y": ["a", "b"] * 5}))
    assert detect_task(ds, "y", profile=profile_dataset(ds, "y")).kind is TaskKind.BINARY


def test_task_spec_round_trips_through_json() -> None:
    spec = _spec([0, 1, None, 1] * 3)
    again = TaskSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec


def test_the_positive_class_shown_is_the_one_scored() -> None:
    """"t" (true-like) sorts before "x": it is still the positive class, last in ``classes``,
    so F1 and ROC AUC (which score ``classes[1]``) score it, and log loss reads its column."""
    from automl.metrics import get_metric

    spec = detect_task(load_dataset(pd.DataFrame({"x": range(8), "y": ["t", "x"] * 4})), "y")
    assert spec.positive_class == "t" and spec.classes == ("x", "t")
    y = np.array(["t", "x", "t", "x"])
    pred = np.array(["t", "t", "t", "x"])
    f1 = get_metric("f1", TaskKind.BINARY).score(y, pred, spec.classes)
    assert f1 == pytest.approx(0.8)  # precision 2/3 and recall 1 for "t"; for "x" it is 2/3
    proba = np.array([[0.1, 0.9], [0.6, 0.4], [0.2, 0.8], [0.9, 0.1]])  # columns: "x", "t"
    auc = get_metric("roc_auc", TaskKind.BINARY).score(y, proba, spec.classes)
    assert auc == pytest.approx(1.0)
    loss = get_metric("log_loss", TaskKind.BINARY).score(y, proba, spec.classes)
    assert loss == pytest.approx(-np.mean(np.log([0.9, 0.6, 0.8, 0.9])))
