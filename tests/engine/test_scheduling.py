"""Scheduling trials in the time there is: a family too slow for a full fold gets a first
trial on a sample of each fold's rows, and text is sized to the budget."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression

from automl.data import load_dataset
from automl.models import FamilySpec
from automl.models import register_family
from automl.models._families import ALL
from automl.preprocess import Style
from automl.preprocess import text_components_for
from automl.records import Leaderboard
from automl.search import RunConfig
from automl.search import run_search
from automl.search._evaluate import _subsample


class _SlowPerRow(ClassifierMixin, BaseEstimator):
    """Fitting costs 25 ms a row: a full fold of this table cannot finish in 3 s."""

    def fit(self, X, y):
        time.sleep(0.025 * X.shape[0])
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


register_family(FamilySpec("slowperrow", "Slow per row", "test double", ALL, Style.SCALED,
                           lambda t, c: {}, {}, lambda p, c: _SlowPerRow()))


def test_a_family_too_slow_for_a_full_fold_gets_a_first_trial_on_a_sample(storage_url):
    rng = np.random.default_rng(0)
    x = rng.normal(size=120)
    data = load_dataset(pd.DataFrame({"x": x, "z": rng.normal(size=120),
                                      "y": np.where(x > 0, "a", "b")}))
    config = RunConfig(target="y", families=("linear", "slowperrow"), cv=3, cv_repeats=1,
                       budget_s=30, n_trials=5, n_jobs=1, trial_timeout_s=3,
                       storage_url=storage_url, study_name="sampled")
    run_search(config, data, refit=False)
    slow = [r for r in Leaderboard.from_study("sampled", storage_url).records
            if r.family == "slowperrow"]
    sampled = [r for r in slow if r.status == "complete" and r.train_fraction < 1.0]
    assert sampled, [(r.status, r.error_message, r.reason) for r in slow]
    assert "of each fold's training rows" in sampled[0].reason
    assert 0.1 <= sampled[0].train_fraction < 1.0


def test_a_subsample_is_stratified_and_seeded():
    y = np.array(["a"] * 90 + ["b"] * 10)
    rows = _subsample(y, 0.3, classification=True, seed=4)
    assert len(rows) == 30 and list(rows) == sorted(rows)
    assert (y[rows] == "b").sum() == 3  # the class shares kept
    assert list(rows) == list(_subsample(y, 0.3, classification=True, seed=4))


def test_text_components_shrink_with_the_rows_a_budget_second_must_cover():
    assert text_components_for(60, 4_000) == 64  # the cap
    assert text_components_for(60, 17_000) == 17
    assert text_components_for(15, 100_000) == 8  # the floor


def test_a_text_column_counts_as_many_features_in_the_kfold_rule():
    from automl.search._prepare import prepare

    rng = np.random.default_rng(2)
    n = 6_000
    words = np.array(["good", "bad", "fresh", "stale", "sweet", "salty", "fine", "awful", "great", "tasty"])
    frame = pd.DataFrame({
        "x": rng.normal(size=n),
        "review": [" ".join(rng.choice(words, 8)) + f" order {i}" for i in range(n)],
        "y": rng.choice(["a", "b"], size=n),
    })
    dataset = load_dataset(frame)
    plain = prepare(RunConfig(target="y", budget_s=20, exclude=("review",)), dataset)
    with_text = prepare(RunConfig(target="y", budget_s=20), dataset)
    assert plain.cv["kind"] == "kfold"  # 6,000 rows x 1 feature fit 5-fold in 20 s
    assert with_text.cv["kind"] == "holdout"  # the text column weighs 20 features
