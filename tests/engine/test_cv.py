"""Cross-validation plan: repeated k-fold on small tables, and how trials are scored on it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from automl.data import load_dataset
from automl.errors import ConfigError
from automl.search import RunConfig
from automl.search._evaluate import Evaluator
from automl.search._prepare import prepare


@pytest.mark.parametrize("rows,repeats", [(120, 3), (600, 2), (1500, 1)])
def test_small_tables_repeat_the_kfold(frame_of, rows, repeats):
    dataset = load_dataset(frame_of("binary", n=rows))
    prepared = prepare(RunConfig(target="target", cv=4), dataset)
    splits = prepared.problem.splits
    assert prepared.cv == {"kind": "kfold", "n_splits": 4 * repeats, "folds": 4,
                           "repeats": repeats, "rows": rows}
    assert len(splits) == 4 * repeats
    visits = np.zeros(rows, dtype=int)
    for _, valid in splits:
        visits[valid] += 1
    assert (visits == repeats).all(), "each repeat validates every row exactly once"
    if repeats > 1:  # the repeats are new shuffles, not the same folds again
        assert not np.array_equal(np.sort(splits[0][1]), np.sort(splits[4][1]))
    assert prepared.cv_label == ("4-fold" if repeats == 1 else f"4-fold x{repeats}")


def test_cv_repeats_setting_overrides_the_size_rule(frame_of):
    dataset = load_dataset(frame_of("regression", n=120))
    prepared = prepare(RunConfig(target="target", cv=3, cv_repeats=1), dataset)
    assert len(prepared.problem.splits) == 3 and prepared.cv_label == "3-fold"
    with pytest.raises(ConfigError, match="cv_repeats"):
        RunConfig(target="target", cv_repeats=0)


@pytest.mark.parametrize("task,family,params", [
    ("multiclass", "linear", {"C": 1.0, "l1_ratio": 0.0, "class_weight": "none"}),
    ("regression", "tree", {"max_depth": 4, "min_samples_leaf": 3}),
])
def test_out_of_fold_predictions_are_kept_per_repeat(frame_of, task, family, params):
    """Each repeat's out-of-fold predictions are those of its own folds: not averaged (an
    average of several models would flatter high-variance ones), not overwritten."""
    dataset = load_dataset(frame_of(task, n=120))
    first = prepare(RunConfig(target="target", cv=3, cv_repeats=1, seed=0), dataset).problem
    other = prepare(RunConfig(target="target", cv=3, cv_repeats=1, seed=1), dataset).problem
    second = dataclasses.replace(first, splits=other.splits)  # same model seed, new folds
    both = dataclasses.replace(first, splits=first.splits + other.splits, repeats=2)
    _, oof_first = Evaluator(first).run_trial(family, params)
    _, oof_second = Evaluator(second).run_trial(family, params)
    folds, oof_both = Evaluator(both).run_trial(family, params)
    assert len(folds) == 6 and oof_both.shape[:2] == (2, 120) and oof_first.shape[:2] == (1, 120)
    assert not np.allclose(oof_first, oof_second), "the two shuffles predict differently"
    np.testing.assert_allclose(oof_both[0], oof_first[0], rtol=1e-9)
    np.testing.assert_allclose(oof_both[1], oof_second[0], rtol=1e-9)


def test_a_table_too_large_for_kfold_in_the_budget_is_scored_on_a_holdout(frame_of):
    frame = frame_of("regression", n=6000)  # 6,000 rows x 3 features = 18,000 cells
    dataset = load_dataset(frame)
    short = prepare(RunConfig(target="target", budget_s=2), dataset)  # room for 12,000
    assert short.cv["kind"] == "holdout" and short.cv_label == "holdout 20%"
    assert any("holdout" in note for note in short.notes)
    long = prepare(RunConfig(target="target", budget_s=60), dataset)
    assert long.cv["kind"] == "kfold" and not long.notes
    small = prepare(RunConfig(target="target", budget_s=1), load_dataset(frame.head(3000)))
    assert small.cv["kind"] == "kfold", "under 5,000 rows a holdout is too small to select on"
