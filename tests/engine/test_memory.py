"""Issue 10's memory levers: what a worker holds, how big a forest may grow, where the
recorder runs. Each test fails if its lever is taken away."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import optuna
import pytest
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from automl.data import TaskKind
from automl.models import get_family
from automl.models._families import FOREST_BYTES
from automl.models._families import forest_leaf_cap
from automl.models._spec import SpaceContext
from automl.search._bags import HeldModels
from automl.search._bags import model_nbytes
from automl.search._recorder import Recorder


@pytest.fixture(scope="module")
def forest():
    rng = np.random.default_rng(0)
    X, y = rng.random((600, 8)), rng.random(600)
    return Pipeline([("scale", StandardScaler()),
                     ("model", ExtraTreesRegressor(40, random_state=0).fit(X, y))]).fit(X, y)


def test_model_size_is_read_from_its_arrays_close_to_its_pickle(forest):
    rng = np.random.default_rng(1)
    hgb = HistGradientBoostingClassifier(max_iter=20).fit(rng.random((300, 4)), rng.random(300) > .5)
    for model in (forest, hgb):
        estimated, pickled = model_nbytes(model), len(pickle.dumps(model))
        assert 0.8 * pickled <= estimated <= 1.1 * pickled


def test_held_fold_models_are_given_up_past_their_bound(forest):
    one = model_nbytes(forest)
    held = HeldModels(limit=int(one * 2.5))
    held.append(forest)
    held.append(forest)
    assert len(held) == 2 and not held.given_up
    held.append(forest)  # past the bound: all let go, and later folds are not held either
    held.append(forest)
    assert held.given_up and len(held) == 0


def test_a_forest_that_would_outgrow_its_bound_is_capped_in_leaves():
    assert forest_leaf_cap(100, 500, 1, 1) is None  # 100 x 1,000 nodes x 72 B: fits
    cap = forest_leaf_cap(500, 10_000, 1, 1)
    assert cap is not None and 500 * 2 * cap * 72 <= FOREST_BYTES
    assert forest_leaf_cap(500, 10_000, 1, 10) < cap  # class values make nodes larger
    ctx = SpaceContext(TaskKind.REGRESSION, n_rows=50_000, n_features=10, seed=0)
    big = get_family("rf").make({"n_estimators": 300, "max_features": 0.5,
                                 "min_samples_leaf": 1, "bootstrap": True}, ctx)
    assert big.max_leaf_nodes == forest_leaf_cap(300, 10_000, 1, 1)
    small = get_family("et").make({"n_estimators": 50, "max_features": 0.5,
                                   "min_samples_leaf": 5, "bootstrap": False},
                                  SpaceContext(TaskKind.REGRESSION, n_rows=800, n_features=4))
    assert small.max_leaf_nodes is None


def test_a_multiclass_gradient_boosting_is_capped_in_leaves_like_a_forest(monkeypatch):
    from automl.models import _families

    params = {"n_estimators": 60, "learning_rate": 0.1, "max_depth": 8, "subsample": 1.0,
              "min_samples_leaf": 1, "max_features": 1.0}
    four = SpaceContext(TaskKind.MULTICLASS, n_rows=400, n_features=5, n_classes=4, seed=0)
    assert get_family("gb").make(params, four).max_leaf_nodes is None  # 240 trees fit 48 MB
    monkeypatch.setattr(_families, "FOREST_BYTES", 2**20)
    monkeypatch.setattr(_families, "MIN_FOREST_LEAVES", 4)
    capped = get_family("gb").make(params, four)
    assert capped.max_leaf_nodes == _families.tree_leaf_cap(240, 256, 1)
    rng = np.random.default_rng(0)
    capped.fit(rng.random((400, 5)), rng.integers(0, 4, 400))
    assert model_nbytes(capped) <= 2**20  # what it was sized for, fitted
    two = SpaceContext(TaskKind.BINARY, n_rows=400, n_features=5, n_classes=2, seed=0)
    assert get_family("gb").make(params, two).max_leaf_nodes == _families.tree_leaf_cap(60, 256, 1)


def test_on_one_machine_the_recorder_is_a_thread_not_a_process(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    storage = optuna.storages.RDBStorage(url)
    study = optuna.create_study(storage=storage, study_name="s")
    recorder = Recorder(storage, study._study_id, url)
    try:
        assert isinstance(recorder._worker, threading.Thread)
        trial = optuna.trial.create_trial(value=1.0, params={}, distributions={})
        recorder.submit(trial, "payload")
        assert [p for p, _ in recorder.flush(timeout_s=30)] == ["payload"]
    finally:
        recorder.close()
    assert len(optuna.load_study(study_name="s", storage=url).trials) == 1


def test_kept_fold_models_are_saved_as_plain_library_types(forest, tmp_path):
    """The bound's list type must not reach the bundle: skops would refuse the bagged model."""
    import joblib

    from automl.search._messages import Keep
    from automl.search._workers import _keep

    held = HeldModels()
    held.append(forest)
    held.append(forest)
    path = str(tmp_path / "bag.joblib")
    _keep((7, held), Keep(7, path))
    bag = joblib.load(path)
    assert type(bag.members) is list and len(bag.members) == 2
    _keep((7, held), Keep(8, str(tmp_path / "other.joblib")))  # not the last trial: nothing
    assert not (tmp_path / "other.joblib").exists()
