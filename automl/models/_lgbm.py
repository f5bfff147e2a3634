"""LightGBM's estimators, saved as checked arrays instead of LightGBM's model text.

A fitted LightGBM estimator holds a ``Booster``, a handle into LightGBM's C++ library that
pickles as its model text and loads back through LightGBM's text parser. That parser was
written for files LightGBM wrote; handing it text from a bundle someone sent would trust
C++ with hostile input, which is what ``model.skops`` exists to avoid.

So these subclasses save the booster's trees as a few numeric arrays (``__getstate__``):
per tree its leaf count, categorical split count and shrinkage; every tree's split, child
and leaf arrays end to end. Loading checks that the arrays describe trees of this model
(lengths add up, every child index points inside its tree and every node is reached once
from the root, every split reads a real input, categorical splits point at their bitsets,
values are finite) and only then writes model text from those numbers, which LightGBM
parses. What prediction does not read (the fit's gains, counts and weights) is not kept, so
LightGBM's gain importances of a loaded model are zero; the engine's importances are by
permutation. A file that does not add up is refused with ``ValueError`` before LightGBM sees
anything. Predictions after a round trip are identical (``tests/engine/test_lgbm.py``).

``categorical_inputs`` names the input columns LightGBM splits natively as categories (the
NATIVE style's ordinal codes): LightGBM takes them in ``fit``, not as a parameter.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import lightgbm
import numpy as np

PACKED = "packed_booster_"
KINDS = ("regression", "binary", "multiclass")
# What prediction reads. The fit's statistics (gains, counts, weights, inner values) are
# not kept: they would triple the numbers written at every save and load, and the engine
# reads importances by permutation, not from LightGBM.
_INNER = ("split_feature", "threshold", "decision_type", "left_child", "right_child")
_LEAF = ("leaf_value",)
_INTS = {"split_feature", "decision_type", "left_child", "right_child", "cat_boundaries",
         "cat_threshold"}
MAX_INPUTS = 1_000_000  # columns a packed booster may read (its model text names each)
_DECISION_BITS = 0b1111  # categorical, default-left, and a 2-bit missing type (0, 1 or 2)


_memo: dict[int, tuple[lightgbm.Booster, dict[str, Any]]] | None = None


@contextlib.contextmanager
def packing_once() -> Iterator[None]:
    """Within it, each booster is packed once however often its state is asked for: skops
    asks every object twice (``__reduce__``, then ``__getstate__``), and packing a
    1,000-tree booster is most of a second."""
    global _memo
    outer = _memo
    _memo = {} if outer is None else outer
    try:
        yield
    finally:
        _memo = outer


def _numbers(text: str, key: str) -> np.ndarray:
    return np.fromstring(text, dtype=np.int64 if key in _INTS else np.float64, sep=" ")


def pack_booster(booster: lightgbm.Booster, kind: str) -> dict[str, Any]:
    """A booster's trees as arrays (read from the text LightGBM itself wrote)."""
    header, *blocks = booster.model_to_string().split("end of trees")[0].split("\nTree=")
    head = dict(line.split("=", 1) for line in header.splitlines() if "=" in line)
    trees = [dict(line.split("=", 1) for line in block.splitlines()[1:] if "=" in line)
             for block in blocks]  # a block's first line is its tree's number
    if any(t.get("is_linear", "0") != "0" for t in trees) or "average_output" in header.splitlines():
        raise ValueError("linear trees and random-forest boosting are not saved packed")
    packed: dict[str, Any] = {
        "kind": kind,
        "n_class": int(head["num_class"]),
        "n_per_iteration": int(head["num_tree_per_iteration"]),
        "n_features": int(head["max_feature_idx"]) + 1,
        "num_leaves": np.array([int(t["num_leaves"]) for t in trees], dtype=np.int64),
        "num_cat": np.array([int(t.get("num_cat", "0")) for t in trees], dtype=np.int64),
        "shrinkage": np.array([float(t.get("shrinkage", "1")) for t in trees], dtype=np.float64),
    }
    for key in (*_INNER, *_LEAF, "cat_boundaries", "cat_threshold"):
        parts = [_numbers(t.get(key, ""), key) for t in trees]
        packed[key] = (np.concatenate(parts) if parts else
                       np.zeros(0, dtype=np.int64 if key in _INTS else np.float64))
    return packed


def _check_tree(i: int, leaves: int, inner: dict[str, np.ndarray], n_features: int,
                n_cat: int) -> None:
    def refuse(why: str):
        raise ValueError(f"the packed booster's tree {i} {why}")

    n = leaves - 1
    if n == 0:
        return  # one leaf: nothing to split on
    left, right = inner["left_child"], inner["right_child"]
    children = np.concatenate([left, right])
    if ((children >= n) | (children < -leaves) | (children == 0)).any():
        refuse("has a child index outside it")
    nodes, tips = children[children >= 0], ~children[children < 0]
    if (len(np.unique(nodes)) != len(nodes) or len(nodes) != n - 1
            or len(np.unique(tips)) != len(tips) or len(tips) != leaves):
        refuse("reaches a node twice or not at all")
    seen, todo = 0, [0]
    while todo:  # every node from the root, once: no cycles, nothing left over
        node = todo.pop()
        seen += 1
        if seen > n:
            refuse("has a cycle")
        todo.extend(int(c) for c in (left[node], right[node]) if c >= 0)
    if seen != n:
        refuse("has nodes the root does not reach")
    feature, decision = inner["split_feature"], inner["decision_type"]
    if ((feature < 0) | (feature >= n_features)).any():
        refuse("splits on an input the model does not have")
    if ((decision & ~_DECISION_BITS) != 0).any() or ((decision >> 2) > 2).any():
        refuse("has an unknown decision type")
    threshold = inner["threshold"]
    categorical = (decision & 1) == 1
    if categorical.sum() != n_cat:
        refuse("counts its categorical splits wrong")
    cat = threshold[categorical]
    if (np.isnan(threshold).any() or (cat != np.floor(cat)).any()
            or ((cat < 0) | (cat >= n_cat)).any()):
        refuse("has a split threshold that is not a number or not a bitset")


def _arrays(packed: dict[str, Any]) -> dict[str, Any]:
    """The packed arrays as flat int64 and float64 arrays, the very numbers that are checked
    and then written (an integer field given as fractions is refused, not truncated)."""
    out = {k: packed[k] for k in ("kind", "n_class", "n_per_iteration", "n_features")}
    for key in ("num_leaves", "num_cat", "shrinkage", *_INNER, *_LEAF, "cat_boundaries",
                "cat_threshold"):
        value = np.asarray(packed[key])
        integral = key in _INTS or key in ("num_leaves", "num_cat")
        if value.ndim != 1 or not (np.issubdtype(value.dtype, np.integer) if integral
                                   else np.issubdtype(value.dtype, np.number)):
            raise ValueError(f"the packed booster's {key} is not a flat array of "
                             f"{'integers' if integral else 'numbers'}")
        out[key] = value.astype(np.int64 if integral else np.float64)
    return out


def _check(packed: dict[str, Any], n_features_in: int) -> None:
    kind = packed["kind"]
    leaves, cats = packed["num_leaves"], packed["num_cat"]
    n_class, per_iteration = int(packed["n_class"]), int(packed["n_per_iteration"])
    n_features = int(packed["n_features"])
    expected_class = per_iteration if kind == "multiclass" else 1
    if (not isinstance(kind, str) or kind not in KINDS or n_features != n_features_in
            or not 0 < n_features <= MAX_INPUTS or n_class != expected_class
            or per_iteration < 1 or (kind == "multiclass" and n_class < 3)
            or len(cats) != len(leaves) or len(packed["shrinkage"]) != len(leaves)
            or len(leaves) < per_iteration or len(leaves) % per_iteration
            or (leaves < 1).any() or (cats < 0).any()):
        raise ValueError("the packed booster does not add up: its kind, class count, tree "
                         "count or inputs disagree with the model")
    n_inner, n_leaf = int((leaves - 1).sum()), int(leaves.sum())
    if (any(len(packed[k]) != n_inner for k in _INNER)
            or any(len(packed[k]) != n_leaf for k in _LEAF)
            or len(packed["cat_boundaries"]) != int((cats + (cats > 0)).sum())):
        raise ValueError("the packed booster's arrays are not as long as its trees say")
    for key in ("leaf_value", "shrinkage"):
        if not np.isfinite(packed[key]).all():
            raise ValueError(f"the packed booster holds a {key} that is not finite")
    bounds, bitsets = packed["cat_boundaries"], packed["cat_threshold"]
    if ((bitsets < 0) | (bitsets > 0xFFFFFFFF)).any():
        raise ValueError("the packed booster holds a category bitset out of range")
    inner_at = leaf_at = bound_at = bitset_at = 0
    for i, (n_leaves, n_cat) in enumerate(zip(leaves.tolist(), cats.tolist(), strict=True)):
        inner = {k: packed[k][inner_at:inner_at + n_leaves - 1] for k in _INNER}
        n_bitset = 0
        if n_cat:
            tree_bounds = bounds[bound_at:bound_at + n_cat + 1]
            if (tree_bounds[0] != 0 or (np.diff(tree_bounds) < 1).any()
                    or bitset_at + tree_bounds[-1] > len(bitsets)):
                raise ValueError(f"the packed booster's tree {i} has category bitsets that do "
                                 "not add up")
            n_bitset = int(tree_bounds[-1])
        _check_tree(i, n_leaves, inner, n_features, n_cat)
        inner_at += n_leaves - 1
        leaf_at += n_leaves
        bound_at += n_cat + (n_cat > 0)
        bitset_at += n_bitset
    if bitset_at != len(bitsets):
        raise ValueError("the packed booster holds category bitsets no tree uses")


def _line(key: str, values: np.ndarray) -> str:
    # repr of a Python float is its shortest exact decimal, which LightGBM reads back exactly
    return f"{key}=" + " ".join(map(str if key in _INTS else repr, values.tolist()))


def model_text(packed: dict[str, Any], n_features_in: int) -> str:
    """LightGBM model text written from checked arrays.

    Raises:
        ValueError: The arrays do not describe trees of this model.
    """
    packed = _arrays(packed)
    _check(packed, n_features_in)
    kind, n_class = packed["kind"], int(packed["n_class"])
    objective = {"regression": "regression", "binary": "binary sigmoid:1",
                 "multiclass": f"multiclass num_class:{n_class}"}[kind]
    n_features = int(packed["n_features"])
    lines = ["tree", "version=v4", f"num_class={n_class}",
             f"num_tree_per_iteration={int(packed['n_per_iteration'])}", "label_index=0",
             f"max_feature_idx={n_features - 1}", f"objective={objective}",
             "feature_names=" + " ".join(f"Column_{j}" for j in range(n_features)),
             "feature_infos=" + " ".join("none" for _ in range(n_features)), ""]
    inner_at = leaf_at = bound_at = bitset_at = 0
    for i, (leaves, n_cat) in enumerate(zip(packed["num_leaves"].tolist(),
                                            packed["num_cat"].tolist(), strict=True)):
        lines += [f"Tree={i}", f"num_leaves={leaves}", f"num_cat={n_cat}"]
        for key in _INNER:
            lines.append(_line(key, packed[key][inner_at:inner_at + leaves - 1]))
        for key in _LEAF:
            lines.append(_line(key, packed[key][leaf_at:leaf_at + leaves]))
        if n_cat:
            bounds = packed["cat_boundaries"][bound_at:bound_at + n_cat + 1]
            lines.append(_line("cat_boundaries", bounds))
            lines.append(_line("cat_threshold", packed["cat_threshold"][bitset_at:bitset_at + int(bounds[-1])]))
            bitset_at += int(bounds[-1])
        lines += ["is_linear=0", f"shrinkage={float(packed['shrinkage'][i])!r}", "", ""]
        inner_at += leaves - 1
        leaf_at += leaves
        bound_at += n_cat + (n_cat > 0)
    lines += ["end of trees", "", "pandas_categorical:null", ""]
    return "\n".join(lines)


class _LightGBM:
    """Takes ``categorical_inputs`` in ``fit``; saves its booster packed (see the module)."""

    _kind: str

    def __init__(self, *, categorical_inputs=None, **kwargs):
        super().__init__(**kwargs)
        self.categorical_inputs = categorical_inputs

    def fit(self, X, y, **fit_params):
        cats = list(self.categorical_inputs) if self.categorical_inputs else "auto"
        return super().fit(X, y, categorical_feature=cats, **fit_params)

    def __getstate__(self):
        state = super().__getstate__()
        booster = state.get("_Booster")
        if booster is None:
            return state
        state = {k: v for k, v in state.items() if k not in ("_Booster", "_evals_result", "_best_score")}
        memo = _memo
        held = memo.get(id(booster)) if memo is not None else None
        if held is None or held[0] is not booster:
            held = (booster, pack_booster(booster, self._packed_kind(state)))
            if memo is not None:
                memo[id(booster)] = held
        state[PACKED] = held[1]
        return state

    def __copy__(self):
        # LightGBM's get_params copies the estimator; the copy shares the booster, as with
        # LightGBM's own classes (the default copy would pack and rebuild it)
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    def __setstate__(self, state):
        state = dict(state)
        packed = state.pop(PACKED, None)
        if packed is not None:
            if packed.get("kind") != self._packed_kind(state):
                raise ValueError("the packed booster's kind is not this model's")
            text = model_text(packed, int(state.get("_n_features", -1)))
            state["_Booster"] = lightgbm.Booster(model_str=text)
            state.setdefault("_evals_result", {})
            state.setdefault("_best_score", {})
        super().__setstate__(state)

    def _packed_kind(self, state: dict) -> str:
        if self._kind == "regression":
            return "regression"
        return "multiclass" if int(state.get("_n_classes", 2)) > 2 else "binary"


class LGBMClassifier(_LightGBM, lightgbm.LGBMClassifier):
    """LightGBM's classifier, saved packed (see the module)."""
    _kind = "classification"


class LGBMRegressor(_LightGBM, lightgbm.LGBMRegressor):
    """LightGBM's regressor, saved packed (see the module)."""
    _kind = "regression"
