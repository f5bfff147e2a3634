"""The two small engine helpers the GUI added (``automl.data.suggest_target``,
``automl.insights.trial_insights``).

Headless: no QApplication needed. (They belong in tests/engine once that suite adopts them.)
"""

from __future__ import annotations

import pandas as pd
import pytest

from automl.data import load_dataset
from automl.data import profile_dataset
from automl.data import suggest_target
from automl.errors import ConfigError
from automl.errors import DataError
from automl.insights import param_importances
from automl.insights import trial_insights


def profile_of(frame: pd.DataFrame, tmp_path):
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    return profile_dataset(load_dataset(path))


@pytest.mark.parametrize(("columns", "expected"), [
    ({"a": [1.0, 2.5] * 10, "Churn": ["y", "n"] * 10, "b": [3, 4] * 10}, "Churn"),
    ({"a": [1.0, 2.5] * 10, "price_target": [1.5, 2.0] * 10, "b": [3, 4] * 10}, "price_target"),
    ({"x": [1.0, 2.5] * 10, "z": ["u", "v"] * 10}, "z"),
])
def test_suggested_target_prefers_conventional_names_then_the_last_column(
        columns, expected, tmp_path):
    assert suggest_target(profile_of(pd.DataFrame(columns), tmp_path)) == expected


def test_no_suggestion_without_a_usable_column(tmp_path):
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(20)], "k": [1] * 20})
    assert suggest_target(profile_of(frame, tmp_path)) is None


def test_trial_insights_recompute_the_out_of_fold_predictions(recorded_study):
    name, url, data = recorded_study
    found = trial_insights(name, url)
    assert found.task == "binary"
    assert found.confusion is not None
    assert sum(map(sum, found.confusion.matrix)) == 80
    assert found.roc is not None and 0.5 <= found.roc.auc <= 1.0
    assert set(found.importances) <= {"x1", "x2", "colour", "x3"}


def test_trial_insights_refuse_other_data_and_unfinished_trials(recorded_study, tmp_path):
    name, url, _data = recorded_study
    other = tmp_path / "other.csv"
    pd.DataFrame({"x1": [1.0, 2.0] * 10, "churn": ["yes", "no"] * 10}).to_csv(other, index=False)
    with pytest.raises(DataError, match="not the data the study was run on"):
        trial_insights(name, url, data=str(other), with_importances=False)
    with pytest.raises(ConfigError, match="no trial 999"):
        trial_insights(name, url, 999, with_importances=False)


def test_param_importances_explain_too_few_trials(recorded_study):
    name, url, _data = recorded_study
    few = param_importances(name, url, min_trials=100)
    assert few.importances == {}
    assert "at least 100 completed trials" in few.note
