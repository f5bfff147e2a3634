"""Faults inside a search: each is recorded with its status and reason, and the search goes on.
Two writers on one SQLite study, and a reader during a run, never see 'database is locked'."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.base import ClassifierMixin

from automl.data import load_dataset
from automl.models import FamilySpec
from automl.models import register_family
from automl.models._families import ALL
from automl.preprocess import Style
from automl.records import Leaderboard
from automl.search import RunConfig
from automl.search import run_search


class _NaNModel(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((X.shape[0], len(self.classes_)), np.nan)


class _Sleeper(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        time.sleep(120)
        return self


class _SlowFolds(ClassifierMixin, BaseEstimator):
    """Each fold's fit takes 0.8 s: five folds cannot finish within a 3 s trial limit."""

    def fit(self, X, y):
        time.sleep(0.8)
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((X.shape[0], len(self.classes_)), 1 / len(self.classes_))


register_family(FamilySpec("slowfolds", "Slow folds", "test double", ALL, Style.SCALED,
                           lambda t, c: {}, {}, lambda p, c: _SlowFolds()))
register_family(FamilySpec("nanmodel", "NaN", "test double", ALL, Style.SCALED,
                           lambda t, c: {}, {}, lambda p, c: _NaNModel()))
register_family(FamilySpec("sleeper", "Sleeper", "test double", ALL, Style.SCALED,
                           lambda t, c: {}, {}, lambda p, c: _Sleeper()))


def _data(n=80):
    rng = np.random.default_rng(1)
    x = rng.normal(size=n)
    return load_dataset(pd.DataFrame({"x": x, "z": rng.normal(size=n),
                                      "y": np.where(x > 0, "a", "b")}))


def test_nan_scores_are_recorded_as_failures(tmp_path):
    url = f"sqlite:///{(tmp_path / 's.db').as_posix()}"
    config = RunConfig(target="y", n_trials=4, cv=2, storage_url=url, study_name="nan",
                       families=("nanmodel", "linear"), budget_s=30)
    result = run_search(config, _data(), refit=False)
    board = Leaderboard.from_study("nan", url)
    failed = [r for r in board.records if r.family == "nanmodel"]
    assert failed and all(r.status == "failed" for r in failed)
    assert all("NaN" in r.error_message or "not a number" in r.error_message for r in failed)
    assert result.n_complete >= 1 and board.best.family == "linear"


def test_a_model_that_eats_the_budget_is_stopped_and_recorded(tmp_path):
    url = f"sqlite:///{(tmp_path / 's.db').as_posix()}"
    config = RunConfig(target="y", n_trials=4, cv=2, storage_url=url, study_name="slow",
                       families=("sleeper", "linear"), budget_s=30, trial_timeout_s=1.5)
    t0 = time.monotonic()
    result = run_search(config, _data(), refit=True)
    assert time.monotonic() - t0 < 30 * 1.1 + 5
    board = Leaderboard.from_study("slow", url)
    slow = [r for r in board.records if r.family == "sleeper"]
    assert slow and all(r.status == "failed" and r.error_type == "TrialTimeout" for r in slow)
    assert "per-trial limit" in slow[0].error_message
    assert result.refit is not None and result.refit.family in ("linear", "ensemble")
    assert "sleeper" not in str(result.refit.params)  # an ensemble's members are all linear


def test_a_trial_that_cannot_finish_in_time_is_stopped_after_its_first_fold(tmp_path):
    """At the pace of its first fold the trial would need ~4 s of a 3 s limit: it is stopped
    then (not killed at the limit), recorded as a timeout with its fold, and the run goes on.
    (Once a trial has completed: until then the run has no model and no pace check applies.)"""
    url = f"sqlite:///{(tmp_path / 's.db').as_posix()}"
    config = RunConfig(target="y", n_trials=3, cv=5, cv_repeats=1, storage_url=url,
                       study_name="pace", families=("linear", "slowfolds"), budget_s=30,
                       trial_timeout_s=3, n_jobs=1)
    result = run_search(config, _data(), refit=False)
    board = Leaderboard.from_study("pace", url)
    slow = [r for r in board.records if r.family == "slowfolds"]
    assert slow and all(r.status == "failed" and r.error_type == "TrialTimeout" for r in slow)
    assert "at the pace of its first 1 folds" in slow[0].error_message
    assert len(slow[0].fold_scores) == 1
    assert result.n_complete >= 1 and board.best.family == "linear"


def test_a_trial_the_search_end_would_cut_is_stopped_as_pruned_not_failed(tmp_path):
    """Near the end of the search a slow trial is stopped at its pace too, but it is a trial
    cut by the budget (pruned), not a family over its limit (a TrialTimeout failure)."""
    url = f"sqlite:///{(tmp_path / 's.db').as_posix()}"
    config = RunConfig(target="y", cv=5, cv_repeats=1, storage_url=url, study_name="end",
                       families=("linear", "slowfolds"), budget_s=4, trial_timeout_s=60,
                       n_jobs=1)
    run_search(config, _data(), refit=False)
    slow = [r for r in Leaderboard.from_study("end", url).records if r.family == "slowfolds"]
    assert slow and not any(r.status == "failed" for r in slow)
    assert any(r.status == "pruned" and "time budget reached" in (r.reason or "") for r in slow)


def test_two_writers_on_one_sqlite_study_and_a_reader(tmp_path):
    from automl.datasets import sample_path

    url = f"sqlite:///{(tmp_path / 'shared.db').as_posix()}"
    args = [sys.executable, "-m", "automl", "run", str(sample_path("breast_cancer")), "--target",
            "diagnosis", "--study", "shared", "--resume", "--n-trials", "8", "--cv", "2",
            "--families", "linear,tree,nb", "--n-jobs", "1", "--storage", url]
    procs = [subprocess.Popen(args + ["--seed", str(i)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=os.environ.copy())
             for i in range(2)]
    errors: list[str] = []
    stop = threading.Event()

    def read_while_writing():
        while not stop.is_set():
            try:
                Leaderboard.from_study("shared", url)
            except Exception as exc:  # noqa: BLE001 - the test collects what a reader would see
                if "No study named" not in str(exc):
                    errors.append(repr(exc))

    reader = threading.Thread(target=read_while_writing)
    reader.start()
    outs = [p.communicate(timeout=120) for p in procs]
    stop.set()
    reader.join()
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "locked" not in err
    assert not errors
    board = Leaderboard.from_study("shared", url)
    assert len(board.records) == 16
    assert sorted(r.number for r in board.records) == list(range(16))
