"""``automl.search.reopen``: a stored trial refit or re-scored outside the search gives what the
search recorded (the one way export, trial insights and retraining reach the search's problem)."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest

from automl.data import load_dataset
from automl.errors import ConfigError
from automl.errors import DataError
from automl.records import Leaderboard
from automl.records import load_study
from automl.search import FinalKind
from automl.search import RunConfig
from automl.search import _final
from automl.search import reopen
from automl.search import run_search


def make_frame(seed: int = 0, n: int = 120) -> pd.DataFrame:
    """A tiny binary table (numbers, a category, a few missing values)."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "color": color})
    frame.loc[rng.choice(n, 5, replace=False), "x2"] = np.nan
    signal = x1 + 0.5 * x2 + (color == "red") + rng.normal(scale=0.5, size=n)
    frame["target"] = np.where(signal > 0.3, "yes", "no")
    return frame


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """One small search (two families, so an ensemble can win), run once for the module."""
    folder = tmp_path_factory.mktemp("reopen")
    url = f"sqlite:///{(folder / 'studies.db').as_posix()}"
    dataset = load_dataset(make_frame())
    config = RunConfig(target="target", budget_s=30, n_trials=4, cv=3, storage_url=url,
                       study_name="s", families=("linear", "hgb"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUTOML_HOME", str(folder))
        # No bagged-vs-refit measurement: on a tie it puts the fold models first, and these
        # tests compare refits.
        mp.setattr(_final, "MEASURE_MAX_ROWS", 0)
        result = run_search(config, dataset)
    final = joblib.load(result.refit.path)
    return result, dataset, final, Leaderboard.from_study("s", url)


def test_rescoring_a_trial_gives_its_recorded_fold_scores_and_predictions(searched):
    result, dataset, _, board = searched
    problem = reopen(load_study("s", result.storage_url), dataset)
    assert board.completed, "the search completed no trial"
    for record in board.completed:
        scores, oof = problem.rescore_trial(record, board.records)
        np.testing.assert_allclose(scores, record.fold_scores, rtol=1e-9, atol=1e-6,
                                   err_msg=f"trial {record.number} ({record.family})")
        assert oof.shape[:2] == (problem.cv["repeats"], len(problem.y))
        if record.number in result.oof:  # what the workers returned during the search
            # An ensemble's recorded weights are rounded to 6 digits.
            np.testing.assert_allclose(oof, result.oof[record.number], atol=1e-5)


def test_a_configuration_rescored_reports_each_fold(searched):
    result, dataset, _, board = searched
    record = next(r for r in board.completed if r.family != "ensemble")
    folds, oof = reopen(load_study("s", result.storage_url), dataset).rescore(record.family,
                                                                               record.params)
    assert [f.fold for f in folds] == list(range(len(record.fold_scores)))
    assert [f.score for f in folds] == pytest.approx(record.fold_scores)
    assert all(f.fit_seconds >= 0 for f in folds)


def test_refitting_the_final_trial_rebuilds_the_searchs_final_model(searched):
    result, dataset, final, board = searched
    assert result.refit.kind in (FinalKind.SINGLE_REFIT, FinalKind.ENSEMBLE_REFIT), (
        "this test compares refits: the tiny search is expected to end with a refit model")
    record = next(r for r in board.records if r.number == result.refit.trial_number)
    X = dataset.frame.drop(columns="target")
    for problem in (reopen(load_study("s", result.storage_url), dataset), reopen(result)):
        rebuilt = problem.refit_trial(record, board.records)
        np.testing.assert_allclose(rebuilt.predict_proba(X), final.predict_proba(X), atol=1e-5)
        assert list(rebuilt.classes_) == list(final.classes_) == ["no", "yes"]


def test_a_single_refit_is_the_model_fit_on_every_row(searched):
    result, dataset, _, board = searched
    record = next(r for r in board.completed if r.family == "linear")
    problem = reopen(load_study("s", result.storage_url), dataset)
    pipe = problem.refit(record.family, record.params)
    X = dataset.frame.drop(columns="target")
    again = reopen(RunConfig(target="target", cv=3, budget_s=30), dataset).refit(
        record.family, record.params)
    np.testing.assert_array_equal(pipe.predict_proba(X), again.predict_proba(X))
    assert set(problem.importances(pipe)) <= set(problem.features)
    assert problem.features == ("x1", "x2", "color") and problem.task.kind.value == "binary"


def test_an_ensemble_needs_its_members(searched):
    result, dataset, _, board = searched
    ensemble = next((r for r in board.completed if r.family == "ensemble"), None)
    if ensemble is None:
        pytest.skip("no ensemble won this search")
    problem = reopen(result)
    with pytest.raises(ConfigError, match="member trial"):
        problem.refit_trial(ensemble, [])


def test_reopening_refuses_other_data_or_none(searched, tmp_path):
    result, _, _, _ = searched
    study = load_study("s", result.storage_url)
    with pytest.raises(DataError, match="in-memory table"):
        reopen(study)  # the study was run on a DataFrame: no file to re-read
    other = load_dataset(make_frame(seed=1))
    with pytest.raises(DataError, match="not the data the study was run on"):
        reopen(study, other)
    with pytest.raises(ConfigError, match="needs its data"):
        reopen(RunConfig(target="target"))
    path = tmp_path / "t.csv"
    make_frame().to_csv(path, index=False)
    assert reopen(RunConfig(target="target", cv=3), path).n_rows == 120
