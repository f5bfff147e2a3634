"""``automl.AutoML`` keeps scikit-learn's estimator contract: parameters stored as given
(get_params/set_params, clone, repr), learned state ending in ``_``, arrays from predict and
predict_proba, NotFittedError before fit, and no cleanup in ``__del__``."""

from __future__ import annotations

import gc
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from automl import AutoML
from automl.errors import ConfigError


def make_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    signal = x1 + 0.5 * x2 + (color == "red") + rng.normal(scale=0.5, size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "color": color,
                         "target": np.where(signal > 0.3, "yes", "no"), "amount": 3 * signal})


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One small classification fit through ``fit(X, y)``, shared by the module."""
    folder = tmp_path_factory.mktemp("api")
    frame = make_frame()
    X, y = frame[["x1", "x2", "color"]], frame["target"]
    model = AutoML(budget_s=20, n_trials=2, cv=3, families=("linear",), study_name="api",
                   storage_url=f"sqlite:///{(folder / 'studies.db').as_posix()}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUTOML_HOME", str(folder))
        model.fit(X, y)
    return model, X, y


def test_parameters_are_stored_as_given_and_round_trip():
    families = ["linear", "hgb"]
    model = AutoML(30, cv=100, families=families)  # no validation in the constructor
    params = model.get_params()
    assert params["budget_s"] == 30 and params["cv"] == 100 and params["families"] is families
    assert set(params) == {"budget_s", "task", "metric", "n_trials", "cv", "cv_repeats", "seed",
                           "families", "storage_url", "study_name", "n_jobs", "trial_timeout_s",
                           "holdout_rows", "max_search_rows", "max_data_mb"}
    assert model.set_params(cv=3, seed=7) is model and (model.cv, model.seed) == (3, 7)
    with pytest.raises(ValueError, match="Invalid parameter"):
        model.set_params(budget=5)
    assert repr(model) == "AutoML(budget_s=30, cv=3, families=['linear', 'hgb'], seed=7)"
    twin = clone(model)
    assert twin is not model and twin.get_params() == model.get_params()


def test_settings_are_validated_when_fit_runs(tmp_path):
    with pytest.raises(ConfigError, match="cv must be between 2 and 20"):
        AutoML(cv=100).run_config("target")
    with pytest.raises(ConfigError, match="No target given"):
        AutoML().fit(make_frame())


def test_an_unfitted_model_says_so_in_both_vocabularies():
    model = AutoML()
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    for call in (lambda: model.predict(make_frame()), model.leaderboard,
                 lambda: model.predict_proba(make_frame())):
        with pytest.raises(NotFittedError, match="not been fitted") as caught:
            call()
        assert isinstance(caught.value, ConfigError)
    assert not hasattr(AutoML(task="regression"), "predict_proba")


def test_no_cleanup_runs_in_del():
    assert all("__del__" not in vars(cls) for cls in AutoML.__mro__ if cls is not object)


def test_a_fitted_model_predicts_arrays_in_class_order(fitted):
    model, X, y = fitted
    check_is_fitted(model)
    assert list(model.classes_) == ["no", "yes"] and model.target_ == "target"
    assert list(model.feature_names_in_) == ["x1", "x2", "color"] and model.n_features_in_ == 3
    labels, proba = model.predict(X), model.predict_proba(X)
    assert isinstance(labels, np.ndarray) and labels.shape == (len(X),)
    assert isinstance(proba, np.ndarray) and proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.classes_[proba.argmax(axis=1)] == labels).mean() > 0.95
    assert (labels == y.to_numpy()).mean() > 0.7
    assert model.leaderboard().best is not None


def test_clone_of_a_fitted_model_is_unfitted_and_a_pickle_predicts_alike(fitted, tmp_path):
    model, X, _ = fitted
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert not hasattr(twin, "result_") and not hasattr(twin, "bundle_")
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
    assert (model.export(tmp_path / "bundle") / "metadata.json").exists()


def test_the_temporary_bundle_goes_with_the_model_that_fitted_it(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOML_HOME", str(tmp_path))
    frame = make_frame(n=80).drop(columns="target")
    model = AutoML(budget_s=15, n_trials=1, cv=2, families=("linear",), study_name="reg",
                   storage_url=f"sqlite:///{(tmp_path / 'studies.db').as_posix()}")
    model.fit(frame, "amount")  # the table and its target column's name
    assert not hasattr(model, "predict_proba") and not hasattr(model, "classes_")
    values = model.predict(frame.drop(columns="amount"))
    assert values.dtype.kind == "f" and values.shape == (len(frame),)
    folder = model.bundle_.path
    assert folder.exists()
    del model
    gc.collect()
    assert not folder.exists(), "the fitted bundle's temporary folder outlived its model"
