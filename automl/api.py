"""The Python API: a scikit-learn estimator in front of the search, export and bundle.

Example::

    from automl import AutoML
    model = AutoML(budget_s=30).fit(df, target="churn")   # or .fit(X, y)
    model.leaderboard().best
    model.predict_proba(new_rows)                          # columns in model.classes_ order
    model.export("churn-bundle")

It follows scikit-learn's estimator contract: the constructor only stores its arguments
(``get_params``/``set_params``, ``clone`` and ``repr`` come from ``BaseEstimator``), what
``fit`` learns ends in ``_``, ``predict`` and ``predict_proba`` return arrays, an unfitted
model raises ``NotFittedError``, and no cleanup runs in ``__del__``: the fitted bundle's
temporary folder is removed by a ``weakref.finalize`` when the model is collected (or at exit).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.metaestimators import available_if

from automl.data import Dataset
from automl.data import load_dataset
from automl.errors import ConfigError
from automl.export import Bundle
from automl.export import export_search_result
from automl.project import Project
from automl.project import new_project
from automl.records import Leaderboard
from automl.search import RunConfig
from automl.search import run_search


class NotFitted(ConfigError, NotFittedError):
    """The model is used before ``fit``: a ConfigError of the engine and scikit-learn's
    NotFittedError (so both kinds of caller catch it)."""


def _may_predict_proba(model: AutoML) -> bool:
    """predict_proba exists for classification: the fitted task, else the chosen one."""
    bundle = getattr(model, "bundle_", None)
    if bundle is not None:
        return bundle.task != "regression"
    return model.task != "regression"


class AutoML(BaseEstimator):
    """Search, refit and serve the best model for one target.

    Args:
        budget_s: Time budget of ``fit`` in seconds (search and refit).
        task: "auto", "binary", "multiclass", "regression" or "classification".
        metric: Metric name (None: the task's default).
        n_trials: Optional cap on trials.
        cv: Folds.
        cv_repeats: Repeats of the k-fold (None: by table size).
        seed: Seed.
        families: Model families (None: all that fit).
        storage_url: Study storage (None: the default SQLite file).
        study_name: Study name (None: derived).
        n_jobs: Trials in parallel.
        trial_timeout_s, holdout_rows, max_search_rows, max_data_mb: As in ``RunConfig``.

    Attributes (after ``fit``):
        result_: The search's result (study, best trial, final model).
        bundle_: The fitted bundle, loaded (kept in a temporary folder; ``export`` copies it).
        target_: The target column.
        classes_: Class labels in ``predict_proba`` column order (classification only).
        feature_names_in_: The input columns the model reads; ``n_features_in_`` their count.
    """

    def __init__(self, budget_s: float = 60.0, *, task: str = "auto", metric: str | None = None,
                 n_trials: int | None = None, cv: int = 5, cv_repeats: int | None = None,
                 seed: int = 0, families: tuple[str, ...] | None = None,
                 storage_url: str | None = None, study_name: str | None = None, n_jobs: int = 2,
                 trial_timeout_s: float | None = None, holdout_rows: int = 100_000,
                 max_search_rows: int = 250_000, max_data_mb: float = 2048.0):
        # Stored as given, validated by run_config (at fit): the estimator contract.
        self.budget_s = budget_s
        self.task = task
        self.metric = metric
        self.n_trials = n_trials
        self.cv = cv
        self.cv_repeats = cv_repeats
        self.seed = seed
        self.families = families
        self.storage_url = storage_url
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.trial_timeout_s = trial_timeout_s
        self.holdout_rows = holdout_rows
        self.max_search_rows = max_search_rows
        self.max_data_mb = max_data_mb

    @property
    def settings(self) -> dict[str, Any]:
        """The constructor's arguments (``get_params()``), as ``RunConfig`` fields."""
        return self.get_params(deep=False)

    def fit(self, X: pd.DataFrame | str | os.PathLike | Dataset, y: Any = None, *,
            target: str | None = None, exclude: tuple[str, ...] = ()) -> AutoML:
        """Run the search and keep the refit best model (written to a temporary bundle).

        Args:
            X: The table (a DataFrame, a file or a Dataset), or only its feature columns
                when ``y`` holds the target values.
            y: The target column's name, or the target values, one per row of ``X`` (a
                Series keeps its name; else the column is called ``target``).
            target: The target column's name (the same as a name in ``y``).
            exclude: Columns not to use as features.

        Raises:
            DataError, ConfigError, SearchError: See ``run_search``.
        """
        dataset, target = _training_data(X, y, target)
        config = self.run_config(target, exclude)
        result = run_search(config, dataset, refit=True)
        workdir = tempfile.mkdtemp(prefix="automl-api-")
        try:
            bundle = Bundle.load(export_search_result(result, dataset, Path(workdir) / "bundle"))
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        self._release()  # the bundle of an earlier fit
        self._cleanup = weakref.finalize(self, shutil.rmtree, workdir, ignore_errors=True)
        self.result_, self.bundle_, self.target_ = result, bundle, target
        self.feature_names_in_ = np.asarray([c.name for c in bundle.schema], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        if bundle.task != "regression":
            self.classes_ = np.asarray(bundle.classes)
        elif hasattr(self, "classes_"):
            del self.classes_
        return self

    def run_config(self, target: str, exclude: tuple[str, ...] = ()) -> RunConfig:
        """The settings ``fit`` runs with (validated)."""
        settings = self.get_params(deep=False)
        if settings["families"] is not None:
            settings["families"] = tuple(settings["families"])
        return RunConfig(target=target, exclude=tuple(exclude), **settings)

    def project(self, data: str | os.PathLike, target: str, exclude: tuple[str, ...] = (),
                name: str | None = None) -> Project:
        """These settings as a project on ``data`` (save it with ``automl.project.save_project``;
        run it with ``automl run --project FILE``)."""
        return new_project(data, self.run_config(target, exclude), name=name)

    def _bundle(self) -> Bundle:
        bundle = getattr(self, "bundle_", None)
        if bundle is None:
            raise NotFitted("This AutoML has not been fitted yet; call fit(data, target) first.")
        return bundle

    def leaderboard(self) -> Leaderboard:
        self._bundle()
        return Leaderboard.from_study(self.result_.study_name, self.result_.storage_url)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted class labels (classification) or values (regression), one per row."""
        return np.asarray(self._bundle().predict(pd.DataFrame(X), proba=False).predictions)

    @available_if(_may_predict_proba)
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, rows x classes, columns in ``classes_`` order
        (classification only: a regression model has no ``predict_proba``)."""
        pred = self._bundle().predict(pd.DataFrame(X), proba=True)
        if pred.probabilities is None:
            raise AttributeError("predict_proba is for classification; this model does "
                                 "regression.")
        return np.asarray(pred.probabilities, dtype=float)

    def export(self, out_dir: str | os.PathLike) -> Path:
        """Copy the fitted bundle to ``out_dir`` (atomically)."""
        src = self._bundle().path
        out = Path(out_dir)
        tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
        shutil.copytree(src, tmp)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
        return out

    def __getstate__(self) -> dict[str, Any]:
        # A copy (pickle, deepcopy) does not own the temporary folder: its original removes it.
        state = super().__getstate__()
        state.pop("_cleanup", None)
        return state

    def _release(self) -> None:
        cleanup = getattr(self, "_cleanup", None)
        if cleanup is not None:
            cleanup()


def _training_data(X, y, target: str | None) -> tuple[Dataset, str]:
    """The table to search and its target column, from ``fit(X, y)`` or ``fit(data, target)``."""
    if y is None or isinstance(y, str):
        name = target if y is None else y
        if target is not None and y is not None and target != y:
            raise ConfigError(f"Two targets given: y={y!r} and target={target!r}.", field="target")
        if not name:
            raise ConfigError("No target given: fit(data, target='column') or fit(X, y).",
                              field="target")
        return (X if isinstance(X, Dataset) else load_dataset(X)), name
    if isinstance(X, Dataset):
        X = X.frame
    elif not isinstance(X, pd.DataFrame):
        X = load_dataset(X).frame if isinstance(X, str | os.PathLike) else pd.DataFrame(X)
    values = np.asarray(y)
    if values.ndim != 1 or len(values) != len(X):
        raise ConfigError(f"y must hold one target value per row of X ({len(X)}), got shape "
                          f"{values.shape}.", field="target")
    name = target or (str(y.name) if isinstance(y, pd.Series) and y.name is not None else "target")
    if name in X.columns:
        raise ConfigError(f"X already has a column {name!r}; name the target another way.",
                          field="target")
    frame = X.reset_index(drop=True).assign(**{name: values})
    return load_dataset(frame), name
