"""The search: trials recorded with their outcome, budget, failures, resume."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.base import ClassifierMixin

from automl.data import load_dataset
from automl.errors import ConfigError
from automl.errors import DataError
from automl.errors import SearchError
from automl.events import Progress
from automl.events import SearchStarted
from automl.events import TrialFinished
from automl.models import FamilySpec
from automl.models import register_family
from automl.models._families import ALL
from automl.preprocess import Style
from automl.records import Leaderboard
from automl.search import RunConfig
from automl.search import run_search


def config(storage_url, **kw) -> RunConfig:
    base = dict(target="target", budget_s=30, n_trials=6, cv=3, cv_repeats=1,
                storage_url=storage_url,
                study_name="s", families=("linear", "tree", "hgb"), n_jobs=2)
    base.update(kw)
    return RunConfig(**base)


@pytest.mark.parametrize("fixture,metric", [("binary_dataset", "roc_auc"),
                                             ("multiclass_dataset", "log_loss"),
                                             ("regression_dataset", "rmse")])
def test_every_trial_is_recorded_with_fold_scores(request, storage_url, fixture, metric):
    dataset = request.getfixturevalue(fixture)
    events = []
    # 120 rows: the k-fold is repeated 3 times by default
    result = run_search(config(storage_url, cv_repeats=None), dataset, on_event=events.append,
                        refit=False)
    board = Leaderboard.from_study("s", storage_url)
    assert board.metric == metric
    assert len(board.records) == 6
    assert result.n_complete + result.n_pruned + result.n_failed == 6
    done = board.completed
    assert done, "at least one trial completes"
    for r in done:
        assert len(r.fold_scores) == 3 * 3
        assert r.score == pytest.approx(np.mean(r.fold_scores))
        assert r.fit_seconds > 0 and r.family in ("linear", "tree", "hgb")
    # each family's default configuration was tried
    from automl.models import get_family

    for name in ("linear", "tree", "hgb"):
        default = get_family(name).default
        assert any(r.family == name and all(r.params[k] == v for k, v in default.items()
                                            if k in r.params) for r in board.records), name
    assert isinstance(events[0], SearchStarted)
    assert sum(isinstance(e, TrialFinished) for e in events) == 6
    assert any(isinstance(e, Progress) for e in events)
    best = board.best
    assert result.best_trial == best.number and result.best_score == pytest.approx(best.score)


class _Boom(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("boom: this model always fails")


register_family(FamilySpec(
    "boom", "Always fails", "test double", ALL, Style.SCALED,
    lambda t, ctx: {}, {}, lambda params, ctx: _Boom(),
))


def test_failing_family_is_recorded_and_search_goes_on(storage_url, binary_dataset):
    result = run_search(config(storage_url, families=("boom", "linear"), n_trials=6),
                        binary_dataset, refit=False)
    board = Leaderboard.from_study("s", storage_url)
    failed = [r for r in board.records if r.status == "failed"]
    assert failed and all(r.family == "boom" for r in failed)
    assert failed[0].error_type == "RuntimeError"
    assert "boom: this model always fails" in failed[0].error_message
    assert result.n_complete >= 1 and board.best.family == "linear"


def test_all_trials_failing_raises_with_the_common_error(storage_url, binary_dataset):
    with pytest.raises(SearchError, match="Every trial failed.*boom: this model always fails"):
        run_search(config(storage_url, families=("boom",), n_trials=3), binary_dataset)


def test_existing_study_needs_resume_and_resume_adds_trials(storage_url, binary_dataset):
    run_search(config(storage_url, n_trials=3), binary_dataset, refit=False)
    with pytest.raises(ConfigError, match="already exists.*--resume"):
        run_search(config(storage_url, n_trials=3), binary_dataset, refit=False)
    run_search(config(storage_url, n_trials=3, resume=True), binary_dataset, refit=False)
    assert len(Leaderboard.from_study("s", storage_url).records) == 6


def test_resume_with_other_data_is_refused(storage_url, binary_dataset, regression_dataset):
    run_search(config(storage_url, n_trials=2), binary_dataset, refit=False)
    with pytest.raises(DataError, match="other data"):
        run_search(config(storage_url, n_trials=2, resume=True), regression_dataset, refit=False)


def test_cancel_stops_and_keeps_finished_trials(storage_url, binary_dataset):
    seen = []

    def on_event(e):
        if isinstance(e, TrialFinished):
            seen.append(e)

    result = run_search(config(storage_url, n_trials=50), binary_dataset, on_event=on_event,
                        should_stop=lambda: len(seen) >= 2, refit=True)
    assert result.stop_reason == "cancelled"
    assert result.refit is None
    board = Leaderboard.from_study("s", storage_url)
    assert len([r for r in board.records if r.status == "complete"]) >= 2
    assert not [r for r in board.records if r.status == "running"]


def test_refit_returns_a_fitted_pipeline_of_the_best_trial(storage_url, binary_dataset):
    import joblib

    result = run_search(config(storage_url), binary_dataset, refit=True)
    assert result.refit is not None and result.refit.trial_number == result.best_trial
    pipe = joblib.load(result.refit.path)
    proba = pipe.predict_proba(binary_dataset.frame.drop(columns="target"))
    assert proba.shape == (len(binary_dataset.frame), 2)
    assert set(result.refit.importances) <= {"x1", "x2", "color"}


def test_bad_config_is_refused():
    with pytest.raises(ConfigError, match="positive number"):
        RunConfig(target="y", budget_s=-1)
    with pytest.raises(ConfigError, match="Unknown metric"):
        RunConfig(target="y", metric="nope")
    with pytest.raises(ConfigError, match="Unknown model family"):
        from automl.models import families_for

        families_for("binary", ("nope",))


def test_metric_of_the_wrong_task_is_refused(storage_url, regression_dataset):
    with pytest.raises(ConfigError, match="does not apply"):
        run_search(config(storage_url, metric="roc_auc"), regression_dataset)


def test_table_over_the_memory_budget_is_sampled_and_said(storage_url, binary_dataset):
    from automl.events import SearchStarted

    events = []
    result = run_search(config(storage_url, max_data_mb=0.002, n_trials=2), binary_dataset,
                        on_event=events.append, refit=False)
    started = next(e for e in events if isinstance(e, SearchStarted))
    assert any("memory budget" in n and "sample" in n for n in started.notes)
    assert len(result.prepared.full.y) < len(binary_dataset.frame)


@pytest.mark.parametrize("labels", [[0, 1], [True, False], [0.0, 1.0], [1, 2, 3]])
def test_numeric_and_boolean_class_labels(storage_url, labels):
    import pandas as pd

    rng = np.random.default_rng(0)
    y = [labels[i % len(labels)] for i in range(90)]
    frame = pd.DataFrame({"x": rng.normal(size=90) + [labels.index(v) for v in y], "y": y})
    result = run_search(config(storage_url, target="y", n_trials=3, families=("linear", "tree")),
                        load_dataset(frame), refit=True)
    assert result.n_complete == 3 and result.refit is not None


def test_a_run_where_every_trial_fails_stops_early(storage_url, binary_dataset):
    import time

    t0 = time.monotonic()
    with pytest.raises(SearchError, match="Every trial failed"):
        run_search(config(storage_url, families=("boom",), n_trials=None, budget_s=120),
                   binary_dataset)
    assert time.monotonic() - t0 < 60  # stopped long before the budget


@pytest.mark.parametrize("metric", ["accuracy", "f1", "balanced_accuracy"])
def test_label_metrics_score_text_classes(storage_url, binary_dataset, metric):
    result = run_search(config(storage_url, metric=metric, n_trials=3), binary_dataset, refit=True)
    assert result.n_complete == 3 and result.refit is not None


def test_all_failed_without_refit_is_an_error_too(storage_url, binary_dataset):
    with pytest.raises(SearchError, match="Every trial failed"):
        run_search(config(storage_url, families=("boom",), n_trials=3), binary_dataset,
                   refit=False)


def test_a_skewed_target_is_also_searched_on_its_log_scale(storage_url, regression_dataset):
    frame = regression_dataset.frame.copy()
    plain = run_search(config(storage_url, families=("hgb",), n_trials=8, study_name="plain"),
                       load_dataset(frame), refit=False)
    frame["target"] = np.exp(frame["target"] / frame["target"].std())  # price-like
    skewed = run_search(config(storage_url, families=("hgb",), n_trials=8, study_name="skewed"),
                        load_dataset(frame), refit=False)
    assert plain.prepared.full.skewed_target is False
    assert skewed.prepared.full.skewed_target is True
    scales = {r.params.get("target_transform") for r in
              Leaderboard.from_study("skewed", storage_url).records if r.status == "complete"}
    assert scales == {"none", "log"}  # the default stays on the target's own scale
    assert not any("target_transform" in r.params
                   for r in Leaderboard.from_study("plain", storage_url).records)
