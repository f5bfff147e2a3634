"""The Python API: a scikit-learn-like front to the search, export and bundle.

Example::

    from automl import AutoML
    model = AutoML(budget_s=30).fit(df, target="churn")
    model.leaderboard().best
    model.predict_proba(new_rows)
    model.export("churn-bundle")
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from automl.data import Dataset
from automl.data import load_dataset
from automl.errors import ConfigError
from automl.export import Bundle
from automl.export import export_search_result
from automl.project import Project
from automl.project import new_project
from automl.records import Leaderboard
from automl.search import RunConfig
from automl.search import SearchResult
from automl.search import run_search


class AutoML:
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
    """

    def __init__(self, budget_s: float = 60.0, *, task: str = "auto", metric: str | None = None,
                 n_trials: int | None = None, cv: int = 5, cv_repeats: int | None = None,
                 seed: int = 0, families: tuple[str, ...] | None = None,
                 storage_url: str | None = None, study_name: str | None = None, n_jobs: int = 2,
                 trial_timeout_s: float | None = None, holdout_rows: int = 100_000,
                 max_search_rows: int = 250_000, max_data_mb: float = 2048.0):
        self.settings = dict(budget_s=budget_s, task=task, metric=metric, n_trials=n_trials, cv=cv,
                             cv_repeats=cv_repeats, seed=seed, families=families,
                             storage_url=storage_url, study_name=study_name, n_jobs=n_jobs,
                             trial_timeout_s=trial_timeout_s, holdout_rows=holdout_rows,
                             max_search_rows=max_search_rows, max_data_mb=max_data_mb)
        self.result_: SearchResult | None = None
        self.bundle_: Bundle | None = None
        self._workdir: str | None = None

    def fit(self, data: pd.DataFrame | str | os.PathLike | Dataset, target: str,
            exclude: tuple[str, ...] = ()) -> AutoML:
        """Run the search and keep the refit best model (written to a private bundle).

        Raises:
            DataError, ConfigError, SearchError: See ``run_search``.
        """
        dataset = data if isinstance(data, Dataset) else load_dataset(data)
        config = self.run_config(target, exclude)
        self.result_ = run_search(config, dataset, refit=True)
        self._workdir = tempfile.mkdtemp(prefix="automl-api-")
        path = export_search_result(self.result_, dataset, Path(self._workdir) / "bundle")
        self.bundle_ = Bundle.load(path)
        return self

    def run_config(self, target: str, exclude: tuple[str, ...] = ()) -> RunConfig:
        """The settings ``fit`` runs with (validated)."""
        return RunConfig(target=target, exclude=tuple(exclude), **self.settings)

    def project(self, data: str | os.PathLike, target: str, exclude: tuple[str, ...] = (),
                name: str | None = None) -> Project:
        """These settings as a project on ``data`` (save it with ``automl.project.save_project``;
        run it with ``automl run --project FILE``)."""
        return new_project(data, self.run_config(target, exclude), name=name)

    def _bundle(self) -> Bundle:
        if self.bundle_ is None:
            raise ConfigError("This AutoML has not been fitted yet; call fit(data, target) first.")
        return self.bundle_

    def leaderboard(self) -> Leaderboard:
        if self.result_ is None:
            raise ConfigError("This AutoML has not been fitted yet; call fit(data, target) first.")
        return Leaderboard.from_study(self.result_.study_name, self.result_.storage_url)

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        return self._bundle().predict(pd.DataFrame(data), proba=False).predictions

    def predict_proba(self, data: pd.DataFrame) -> pd.DataFrame:
        """Class probabilities, one column per class (named by the class)."""
        pred = self._bundle().predict(pd.DataFrame(data), proba=True)
        if pred.probabilities is None:
            raise ConfigError("predict_proba is for classification; this model does regression.")
        return pd.DataFrame(pred.probabilities, columns=list(pred.classes))

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

    def __del__(self):
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
