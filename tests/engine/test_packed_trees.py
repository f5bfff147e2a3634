"""Tree ensembles save their trees packed: the same predictions after pickle and skops, and a
skops file whose size in entries does not grow with the number of trees."""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest
from sklearn.base import clone

from automl.export._safe import dump_skops
from automl.export._safe import load_skops
from automl.models import _trees as T

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 5))
Y = {"regression": X[:, 0] + RNG.normal(scale=0.3, size=120),
     "binary": (X[:, 0] > 0).astype(int), "multiclass": np.digitize(X[:, 1], [-0.5, 0.5])}

CASES = [
    (T.GradientBoostingRegressor(n_estimators=40, subsample=0.8, random_state=0), "regression"),
    (T.GradientBoostingClassifier(n_estimators=30, random_state=0), "binary"),
    (T.GradientBoostingClassifier(n_estimators=30, max_features=0.6, random_state=0), "multiclass"),
    (T.RandomForestRegressor(n_estimators=20, random_state=0), "regression"),
    (T.RandomForestClassifier(n_estimators=20, class_weight="balanced", random_state=0), "multiclass"),
    (T.ExtraTreesRegressor(n_estimators=20, random_state=0), "regression"),
    (T.ExtraTreesClassifier(n_estimators=20, bootstrap=True, random_state=0), "binary"),
]


def _predict(model):
    return model.predict_proba(X) if hasattr(model, "predict_proba") else model.predict(X)


@pytest.mark.parametrize(("model", "task"), CASES, ids=lambda c: getattr(c, "__name__", None)
                         or (type(c).__name__ if not isinstance(c, str) else c))
def test_packed_trees_come_back_the_same(model, task, tmp_path):
    model = clone(model).fit(X, Y[task])
    state = model.__getstate__()
    assert "estimators_" not in state and state[T.PACKED]["node_count"].shape == (
        np.size(model.estimators_),)
    assert dump_skops(model, tmp_path / "m.skops") == []  # every type it needs is trusted
    for back in (pickle.loads(pickle.dumps(model)), load_skops(tmp_path / "m.skops")):
        np.testing.assert_array_equal(_predict(back), _predict(model))
        held, again = model.estimators_, back.estimators_
        assert type(again) is type(held) and np.shape(again) == np.shape(held)
        trees, trees_back = np.ravel(held).tolist(), np.ravel(again).tolist()
        assert [type(t) for t in trees_back] == [type(t) for t in trees]
        params = [{k: v for k, v in t.get_params().items() if k != "random_state"} for t in trees]
        assert [{k: v for k, v in t.get_params().items() if k != "random_state"}
                for t in trees_back] == params
        seeds = [t.random_state for t in trees_back]
        assert (all(s is back._rng for s in seeds) if hasattr(model, "_rng")
                else seeds == [t.random_state for t in trees])
        assert all(np.array_equal(a.tree_.value, b.tree_.value) for a, b in zip(trees, trees_back, strict=True))


def test_a_gradient_boostings_trees_share_its_generator_again():
    model = T.GradientBoostingRegressor(n_estimators=5, random_state=3).fit(X, Y["regression"])
    back = pickle.loads(pickle.dumps(model))
    assert all(t.random_state is back._rng for t in back.estimators_.ravel())


def test_the_skops_file_does_not_grow_an_entry_per_tree(tmp_path):
    """skops writes an object per node of the saved state: packed, 300 trees are as many
    entries as 3 (it was about 5 per tree, and 3 s of CPU to write and load 500 trees)."""
    sizes = []
    for n in (3, 300):
        model = T.GradientBoostingRegressor(n_estimators=n, random_state=0).fit(X, Y["regression"])
        dump_skops(model, tmp_path / f"{n}.skops")
        with zipfile.ZipFile(tmp_path / f"{n}.skops") as z:
            sizes.append(len(z.namelist()))
    assert sizes[1] == sizes[0]


def test_trees_that_differ_are_saved_one_by_one():
    model = T.RandomForestRegressor(n_estimators=4, random_state=0).fit(X, Y["regression"])
    model.estimators_[2].set_params(max_depth=99)  # not like the others: nothing is lost
    state = model.__getstate__()
    assert T.PACKED not in state and len(state["estimators_"]) == 4
    back = pickle.loads(pickle.dumps(model))
    assert back.estimators_[2].max_depth == 99
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_an_unfitted_ensemble_pickles_as_before():
    back = pickle.loads(pickle.dumps(T.ExtraTreesClassifier(n_estimators=7)))
    assert back.n_estimators == 7 and not hasattr(back, "estimators_")


CATEGORIES = np.column_stack([X, RNG.integers(0, 6, size=120)])  # a native categorical column
HGB_CASES = [
    (T.HistGradientBoostingRegressor(max_iter=30, random_state=0), "regression"),
    (T.HistGradientBoostingClassifier(max_iter=20, random_state=0), "binary"),
    (T.HistGradientBoostingClassifier(max_iter=20, categorical_features=[5], random_state=0),
     "multiclass"),
]


@pytest.mark.parametrize(("model", "task"), HGB_CASES, ids=["regression", "binary", "categorical"])
def test_histogram_boosting_trees_come_back_the_same(model, task, tmp_path):
    model = clone(model).fit(CATEGORIES, Y[task])
    state = model.__getstate__()
    grid = model._predictors
    assert "_predictors" not in state and state[T.PACKED_PREDICTORS]["shape"] == [
        len(grid), len(grid[0])]
    assert dump_skops(model, tmp_path / "m.skops") == []
    for back in (pickle.loads(pickle.dumps(model)), load_skops(tmp_path / "m.skops")):
        pred = back.predict_proba if task != "regression" else back.predict
        ref = model.predict_proba if task != "regression" else model.predict
        np.testing.assert_array_equal(pred(CATEGORIES), ref(CATEGORIES))
        assert [len(r) for r in back._predictors] == [len(r) for r in grid]
        for a, b in zip(sum(grid, []), sum(back._predictors, []), strict=True):
            np.testing.assert_array_equal(a.nodes, b.nodes)
            np.testing.assert_array_equal(a.raw_left_cat_bitsets, b.raw_left_cat_bitsets)


def test_a_histogram_boostings_skops_file_does_not_grow_an_entry_per_tree(tmp_path):
    """Unpacked, every iteration and class was an object with three arrays (7,500 arrays in a
    bagged model's five fold models, 0.56 s per MB to export); packed, 3 or 200 iterations
    are as many entries."""
    sizes = []
    for n in (3, 200):
        model = T.HistGradientBoostingClassifier(max_iter=n, early_stopping=False,
                                                 random_state=0).fit(X, Y["multiclass"])
        dump_skops(model, tmp_path / f"{n}.skops")
        with zipfile.ZipFile(tmp_path / f"{n}.skops") as z:
            sizes.append(len(z.namelist()))
    assert sizes[1] == sizes[0]
