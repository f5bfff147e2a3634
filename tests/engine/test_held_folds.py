"""What a worker holds of a trial on a repeated k-fold: one repeat's fold models.

Out-of-fold predictions and scores come from every repeat; the fold models held in memory
(and saved as the bagged fallback) are the first repeat's k, which between them leave every
row out exactly once, so their average is still a complete model of the table.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest

from automl.data import load_dataset
from automl.search import FinalKind
from automl.search import RunConfig
from automl.search import _final
from automl.search import _final_plan
from automl.search import run_search
from automl.search._evaluate import Evaluator
from automl.search._final_clock import FinalClock
from automl.search._messages import FoldVerdict
from automl.search._messages import Keep
from automl.search._messages import RunTrial
from automl.search._messages import TrialCompleted
from automl.search._prepare import prepare
from automl.search._workers import _keep
from automl.search._workers import _run_trial

FOLDS, REPEATS = 3, 2
LINEAR = {"C": 1.0, "l1_ratio": 0.0, "class_weight": "none"}


class _Conn:
    """The parent's end of the pipe, as far as one trial needs it: every fold may go on."""

    def __init__(self):
        self.sent = []

    def send(self, message) -> None:
        self.sent.append(message)

    def recv(self) -> FoldVerdict:
        return FoldVerdict(True)


@pytest.fixture
def problem(frame_of):
    dataset = load_dataset(frame_of("multiclass", n=150))
    config = RunConfig(target="target", cv=FOLDS, cv_repeats=REPEATS)
    p = prepare(config, dataset).problem
    assert p.repeats == REPEATS and len(p.splits) == FOLDS * REPEATS
    return p


def test_a_worker_holds_and_saves_one_repeats_fold_models(problem, tmp_path):
    conn = _Conn()
    last = _run_trial(conn, Evaluator(problem), RunTrial(4, "linear", LINEAR))
    done = conn.sent[-1]
    assert isinstance(done, TrialCompleted)
    # Scores and out-of-fold predictions still come from every repeat ...
    assert len(done.folds) == FOLDS * REPEATS
    assert done.oof.shape[:2] == (REPEATS, len(problem.y)) and not np.isnan(done.oof).any()
    # ... but only the first repeat's k fold models are held
    number, held = last
    assert number == 4 and len(held) == FOLDS

    path = str(tmp_path / "bag.joblib")
    _keep(last, Keep(4, path))
    bag = joblib.load(path)
    assert len(bag.members) == FOLDS
    # They are the first repeat's folds, in order: each member predicts its own fold's
    # validation rows as that fold did in repeat 0 (together, every row once).
    out_of_fold = np.zeros(len(problem.y), dtype=int)
    for member, (_, valid_idx) in zip(bag.members, problem.splits[:FOLDS], strict=True):
        proba = member.predict_proba(problem.X.iloc[valid_idx])
        np.testing.assert_allclose(proba, done.oof[0, valid_idx])
        out_of_fold[valid_idx] += 1
    assert (out_of_fold == 1).all()

    # The average predicts every row, and every class somewhere, with probabilities that add up.
    proba = bag.predict_proba(problem.X)
    assert proba.shape == (len(problem.y), len(problem.classes))
    assert np.allclose(proba.sum(axis=1), 1.0) and np.isfinite(proba).all()
    predicted = bag.predict(problem.X)
    assert set(predicted) == set(problem.classes)
    assert np.mean(predicted == problem.y) > 0.7  # a linear signal: well above the 1/3 of chance


def test_without_repeats_every_fold_model_is_held(frame_of):
    dataset = load_dataset(frame_of("binary", n=120))
    p = prepare(RunConfig(target="target", cv=4, cv_repeats=1), dataset).problem
    _, held = _run_trial(_Conn(), Evaluator(p), RunTrial(0, "linear", LINEAR))
    assert len(held) == 4


def test_a_bagged_final_model_on_a_repeated_cv_is_one_repeats_fold_models(
        monkeypatch, storage_url, frame_of):
    """End to end: the refit never fits, so the final model is the kept fold models."""
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    monkeypatch.setattr(_final_plan, "select_ensemble", lambda *a, **k: None)
    monkeypatch.setattr(FinalClock, "refit_estimate", lambda self, r: 1e9)
    dataset = load_dataset(frame_of("multiclass", n=150))
    config = RunConfig(target="target", cv=FOLDS, cv_repeats=REPEATS, families=("linear",),
                       storage_url=storage_url, study_name="held", budget_s=20, n_trials=3)
    result = run_search(config, dataset)
    assert result.refit.kind is FinalKind.BAGGED
    bag = joblib.load(result.refit.path)
    assert len(bag.members) == FOLDS
    X = dataset.frame.drop(columns="target")
    proba = bag.predict_proba(X)
    assert proba.shape == (len(X), 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(bag.predict(X)) == set(bag.classes_)
