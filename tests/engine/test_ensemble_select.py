"""Greedy ensemble selection over per-repeat out-of-fold predictions."""

from __future__ import annotations

import numpy as np
import pytest

from automl.data import TaskKind
from automl.metrics import get_metric
from automl.search._ensemble import select_ensemble

RMSE = get_metric("rmse", TaskKind.REGRESSION)


def _splits(n, k, repeats, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(repeats):
        order = rng.permutation(n)
        for part in np.array_split(order, k):
            out.append((np.setdiff1d(order, part), np.sort(part)))
    return tuple(out)


def test_two_models_with_opposite_errors_are_averaged_and_scored_per_repeat():
    rng = np.random.default_rng(0)
    n, repeats = 200, 2
    y = rng.normal(size=n)
    bias = rng.normal(scale=1.0, size=(repeats, n))
    oofs = {1: y + bias, 2: y - bias + rng.normal(scale=0.1, size=(repeats, n)),
            3: y + rng.normal(scale=3.0, size=(repeats, n))}
    scores = {k: float(np.mean([RMSE.score(y, p) for p in v])) for k, v in oofs.items()}
    splits = _splits(n, 5, repeats)
    plan = select_ensemble(oofs, scores, y, RMSE, None, splits)
    assert plan is not None and set(plan.weights) == {1, 2}
    assert sum(plan.weights.values()) == pytest.approx(1.0)
    assert plan.oof.shape == (repeats, n)
    expected = np.mean([RMSE.score(y, part) for part in plan.oof])
    assert plan.score == pytest.approx(expected)
    assert plan.score < min(scores.values())
    assert len(plan.fold_scores) == len(splits)


def test_no_ensemble_when_one_model_is_best_alone():
    rng = np.random.default_rng(1)
    n = 150
    y = rng.normal(size=n)
    oofs = {1: (y + 0.01 * rng.normal(size=n))[None], 2: (y + rng.normal(size=n))[None]}
    scores = {k: RMSE.score(y, v[0]) for k, v in oofs.items()}
    assert select_ensemble(oofs, scores, y, RMSE, None, _splits(n, 5, 1)) is None
