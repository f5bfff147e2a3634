"""LightGBM saves its trees as checked arrays: the same predictions after pickle and skops, and
a file whose arrays do not describe its trees is refused before LightGBM parses anything."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from automl.errors import BundleError
from automl.export._safe import dump_skops
from automl.export._safe import load_skops
from automl.models import _lgbm as L

RNG = np.random.default_rng(0)
N = 300
X = np.column_stack([RNG.normal(size=N), RNG.integers(0, 6, size=N).astype(float),
                     RNG.normal(size=N), RNG.normal(size=N)])
X[RNG.random(N) < 0.1, 2] = np.nan  # missing values take LightGBM's default direction
X[RNG.random(N) < 0.05, 1] = np.nan
Y = {"regression": X[:, 0] + (X[:, 1] == 3) + RNG.normal(scale=0.3, size=N),
     "binary": np.where((X[:, 0] > 0) | (X[:, 1] == 2), "yes", "no"),
     "multiclass": np.digitize(X[:, 0] + (X[:, 1] == 4), [-0.5, 0.5])}
PARAMS = dict(n_estimators=30, num_leaves=15, min_child_samples=5, categorical_inputs=(1,),
              subsample=0.8, subsample_freq=1, random_state=0, n_jobs=1, verbose=-1)
CASES = [(L.LGBMRegressor(**PARAMS), "regression"), (L.LGBMClassifier(**PARAMS), "binary"),
         (L.LGBMClassifier(**PARAMS), "multiclass")]


def _predict(model, rows=X):
    return model.predict_proba(rows) if hasattr(model, "predict_proba") else model.predict(rows)


def _fit(task):
    model, _ = next(c for c in CASES if c[1] == task)
    return clone(model).fit(X, Y[task])


@pytest.mark.parametrize("task", ["regression", "binary", "multiclass"])
def test_a_booster_comes_back_the_same(task, tmp_path):
    model = _fit(task)
    state = model.__getstate__()
    assert "_Booster" not in state and state[L.PACKED]["kind"] == task
    assert state[L.PACKED]["num_cat"].sum() > 0  # the categorical input was split as one
    assert dump_skops(model, tmp_path / "m.skops") == []  # every type it needs is trusted
    unseen = np.array([[0.1, 9.0, np.nan, 0.0], [np.nan, np.nan, np.nan, np.nan]])
    for back in (pickle.loads(pickle.dumps(model)), load_skops(tmp_path / "m.skops")):
        np.testing.assert_array_equal(_predict(back), _predict(model))
        np.testing.assert_array_equal(_predict(back, unseen), _predict(model, unseen))
        np.testing.assert_array_equal(back.predict(X), model.predict(X))
        assert back.get_params() == model.get_params()
        if task != "regression":
            assert list(back.classes_) == list(model.classes_)


def test_the_categorical_inputs_are_what_lightgbm_splits_on():
    plain = L.LGBMRegressor(**{**PARAMS, "categorical_inputs": None}).fit(X, Y["regression"])
    assert plain.__getstate__()[L.PACKED]["num_cat"].sum() == 0


def test_a_one_leaf_booster_comes_back():
    model = L.LGBMRegressor(n_estimators=3, min_child_samples=N, verbose=-1).fit(X, Y["regression"])
    assert (model.__getstate__()[L.PACKED]["num_leaves"] == 1).all()
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), model.predict(X))


def test_a_random_forest_booster_is_refused_when_saved_not_misread():
    forest = L.LGBMRegressor(boosting_type="rf", n_estimators=5, subsample=0.8, subsample_freq=1,
                             verbose=-1).fit(X, Y["regression"])
    with pytest.raises(ValueError, match="random-forest boosting"):
        pickle.dumps(forest)  # its average of trees is not what the packed text would say


def _tampered(task, change):
    state = _fit(task).__getstate__()
    packed = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in state[L.PACKED].items()}
    change(packed)
    state[L.PACKED] = packed
    return state


def _first_split_of_tree(packed, tree):
    return int((packed["num_leaves"][:tree] - 1).sum())


def _cycle(p):
    p["left_child"][1] = 1  # node 1 becomes its own child; its leaf is reached no more


def _cat_out(p):
    at = np.flatnonzero(p["decision_type"] & 1)[0]
    p["threshold"][at] = 1e6


TAMPERS = {
    "child outside the tree": lambda p: p["left_child"].__setitem__(0, 10_000),
    "leaf index outside the tree": lambda p: p["right_child"].__setitem__(0, -10_000),
    "the root as a child": lambda p: p["left_child"].__setitem__(1, 0),
    "a cycle": _cycle,
    "a split on a missing input": lambda p: p["split_feature"].__setitem__(0, 99),
    "a negative input": lambda p: p["split_feature"].__setitem__(0, -1),
    "an unknown decision type": lambda p: p["decision_type"].__setitem__(0, 64),
    "a categorical split without its bitset": _cat_out,
    "a leaf value that is not finite": lambda p: p["leaf_value"].__setitem__(0, np.nan),
    "arrays shorter than the trees": lambda p: p.update(leaf_value=p["leaf_value"][:-1]),
    "more inputs than the model": lambda p: p.update(n_features=9),
    "an unknown kind": lambda p: p.update(kind="lambdarank"),
    "another kind": lambda p: p.update(kind="regression"),
    "a class count unlike the trees": lambda p: p.update(n_class=7),
    "bitsets no tree uses": lambda p: p.update(cat_threshold=np.append(p["cat_threshold"], 1)),
    "a bitset word out of range": lambda p: p["cat_threshold"].__setitem__(0, 2**40),
    "children given as fractions": lambda p: p.update(left_child=p["left_child"] + 0.5),
    "leaf counts as text": lambda p: p.update(num_leaves=p["num_leaves"].astype(str)),
    "no trees at all": lambda p: p.update(
        **{k: p[k][:0] for k in ("num_leaves", "num_cat", "shrinkage", "split_feature",
                                 "threshold", "decision_type", "left_child", "right_child",
                                 "leaf_value", "cat_boundaries", "cat_threshold")}),
}


@pytest.mark.parametrize("change", TAMPERS.values(), ids=TAMPERS.keys())
def test_arrays_that_do_not_describe_the_trees_are_refused(change):
    state = _tampered("binary", change)
    model = L.LGBMClassifier.__new__(L.LGBMClassifier)
    with pytest.raises(ValueError, match="packed booster"):
        model.__setstate__(state)


def test_an_input_count_past_the_limit_is_refused_before_any_text_is_written():
    state = _tampered("binary", lambda p: p.update(n_features=L.MAX_INPUTS + 1))
    state["_n_features"] = L.MAX_INPUTS + 1  # consistent with the model, and still refused
    with pytest.raises(ValueError, match="does not add up"):
        L.LGBMClassifier.__new__(L.LGBMClassifier).__setstate__(state)


def test_a_tampered_skops_file_is_refused_with_one_line(tmp_path, monkeypatch):
    model = _fit("multiclass")
    honest = L.LGBMClassifier.__getstate__

    def crafted(self):
        state = honest(self)
        state[L.PACKED]["right_child"][2] = 5_000
        return state

    monkeypatch.setattr(L.LGBMClassifier, "__getstate__", crafted)
    assert dump_skops(model, tmp_path / "m.skops") == []
    with pytest.raises(BundleError, match="cannot be loaded: ValueError: the packed booster"):
        load_skops(tmp_path / "m.skops")


def test_an_unfitted_model_pickles_as_before():
    back = pickle.loads(pickle.dumps(L.LGBMClassifier(num_leaves=7, categorical_inputs=(2,))))
    assert back.num_leaves == 7 and back.categorical_inputs == (2,)
    assert not hasattr(back, "_Booster") or back._Booster is None
