"""Tree ensembles that save their trees as a few arrays, not one object per tree.

Forests and gradient boostings pack their ``estimators_``; HistGradientBoosting packs its
``TreePredictor`` grid (its own section below).

A fitted gradient boosting or forest holds each tree as its own estimator: its parameters,
a ``Tree`` with two arrays and, in a gradient boosting, a ``RandomState``. ``skops`` writes
every one of those as its own node and ``.npy`` file, so its cost follows the number of
trees: a 500-tree gradient boosting took 1.5 s of CPU to write into ``model.skops`` and
1.5 s to load back (the export loads it to check it), against 0.02 s for its pickle, and an
ensemble with five of them broke a run's time budget at export.

These subclasses change only how the fitted trees are saved (``__getstate__``): one
parameter set shared by every tree, the node and value arrays of all trees end to end, and
the node count of each. Loading rebuilds the same trees, so predictions are identical. A
file that does not add up (counts against array lengths, a tree wider than the ensemble's
inputs) is refused with ``ValueError`` before any tree is built; the bundle's tree check then
validates every rebuilt tree's nodes as it does for any other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import ensemble
from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
from sklearn.ensemble._hist_gradient_boosting.common import X_BITSET_INNER_DTYPE
from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
from sklearn.tree import DecisionTreeClassifier
from sklearn.tree import DecisionTreeRegressor
from sklearn.tree import ExtraTreeClassifier
from sklearn.tree import ExtraTreeRegressor
from sklearn.tree._tree import Tree

PACKED = "packed_trees_"
PACKED_PREDICTORS = "packed_predictors_"
_PER_TREE = ("tree_", "random_state")  # what differs from one tree to the next


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    return type(a) is type(b) and a == b


def pack_trees(trees: list, tree_class: type, shared_rng: Any = None) -> dict | None:
    """The fitted trees as arrays, or None when they are not all alike (kept as objects)."""
    if not trees or any(type(t) is not tree_class or not hasattr(t, "tree_") for t in trees):
        return None
    first = trees[0].__getstate__()
    params = {k: v for k, v in first.items() if k not in _PER_TREE}
    for tree in trees[1:]:
        state = tree.__getstate__()
        if state.keys() != first.keys() or not all(_same(state[k], v) for k, v in params.items()):
            return None
    seeds = [t.random_state for t in trees]
    if all(isinstance(s, int | np.integer) for s in seeds):
        rng = np.asarray(seeds, dtype=np.int64)
    elif all(s is shared_rng for s in seeds) and shared_rng is not None:
        rng = "shared"  # a gradient boosting's trees all draw from the ensemble's own generator
    elif all(s is None for s in seeds):
        rng = None
    else:
        return None
    tree = trees[0].tree_
    states = [t.tree_.__getstate__() for t in trees]
    return {
        "params": params,
        "random_state": rng,
        "n_features": int(tree.n_features),
        "n_classes": np.asarray(tree.n_classes, dtype=np.int64),
        "n_outputs": int(tree.n_outputs),
        "max_depth": np.array([s["max_depth"] for s in states], dtype=np.int64),
        "node_count": np.array([s["node_count"] for s in states], dtype=np.int64),
        "nodes": np.concatenate([s["nodes"] for s in states]),
        "values": np.concatenate([s["values"] for s in states]),
    }


def unpack_trees(packed: dict, tree_class: type, n_features_in: int, shared_rng: Any = None) -> list:
    """The trees :func:`pack_trees` packed, rebuilt.

    Raises:
        ValueError: The arrays do not describe trees of this ensemble.
    """
    counts = np.asarray(packed["node_count"], dtype=np.int64)
    depths = np.asarray(packed["max_depth"], dtype=np.int64)
    nodes, values = packed["nodes"], packed["values"]
    n_features, n_outputs = int(packed["n_features"]), int(packed["n_outputs"])
    n_classes = np.asarray(packed["n_classes"], dtype=np.intp)
    if (counts.ndim != 1 or len(depths) != len(counts) or (counts < 1).any()
            or not len(nodes) == len(values) == int(counts.sum())
            or n_features != n_features_in or n_outputs < 1 or len(n_classes) != n_outputs):
        raise ValueError("the packed trees do not add up: node counts, node and value arrays "
                         "and the ensemble's inputs disagree")
    rng = packed["random_state"]
    if isinstance(rng, np.ndarray) and len(rng) != len(counts):
        raise ValueError("the packed trees have a seed count unlike their tree count")
    ends = np.cumsum(counts)
    trees = []
    for i, (start, end) in enumerate(zip(ends - counts, ends, strict=True)):
        tree = Tree(n_features, n_classes, n_outputs)
        tree.__setstate__({"max_depth": int(depths[i]), "node_count": int(counts[i]),
                           "nodes": np.ascontiguousarray(nodes[start:end]),
                           "values": np.ascontiguousarray(values[start:end])})
        estimator = tree_class.__new__(tree_class)
        seed = (int(rng[i]) if isinstance(rng, np.ndarray)
                else shared_rng if isinstance(rng, str) and rng == "shared" else None)
        estimator.__dict__.update(packed["params"], tree_=tree, random_state=seed)
        trees.append(estimator)
    return trees


class _PackedTrees:
    """Saves ``estimators_`` (a list, or a gradient boosting's array of trees) packed."""

    _tree_class: type

    def __getstate__(self):
        state = super().__getstate__()
        held = state.get("estimators_")
        if held is None:
            return state
        trees = list(np.ravel(held)) if isinstance(held, np.ndarray) else list(held)
        packed = pack_trees(trees, self._tree_class, state.get("_rng"))
        if packed is None:
            return state
        packed["shape"] = list(held.shape) if isinstance(held, np.ndarray) else None
        state = {k: v for k, v in state.items() if k != "estimators_"}
        state[PACKED] = packed
        return state

    def __setstate__(self, state):
        state = dict(state)
        packed = state.pop(PACKED, None)
        if packed is not None:
            trees = unpack_trees(packed, self._tree_class, int(state.get("n_features_in_", -1)),
                                 state.get("_rng"))
            shape = packed.get("shape")
            if shape is None:
                state["estimators_"] = trees
            else:
                if int(np.prod(shape)) != len(trees):
                    raise ValueError("the packed trees do not fill the ensemble's shape")
                grid = np.empty(len(trees), dtype=object)
                grid[:] = trees
                state["estimators_"] = grid.reshape([int(s) for s in shape])
        super().__setstate__(state)


class GradientBoostingClassifier(_PackedTrees, ensemble.GradientBoostingClassifier):
    """scikit-learn's gradient boosting, saved packed (see the module)."""
    _tree_class = DecisionTreeRegressor


class GradientBoostingRegressor(_PackedTrees, ensemble.GradientBoostingRegressor):
    """scikit-learn's gradient boosting, saved packed (see the module)."""
    _tree_class = DecisionTreeRegressor


class RandomForestClassifier(_PackedTrees, ensemble.RandomForestClassifier):
    """scikit-learn's random forest, saved packed (see the module)."""
    _tree_class = DecisionTreeClassifier


class RandomForestRegressor(_PackedTrees, ensemble.RandomForestRegressor):
    """scikit-learn's random forest, saved packed (see the module)."""
    _tree_class = DecisionTreeRegressor


class ExtraTreesClassifier(_PackedTrees, ensemble.ExtraTreesClassifier):
    """scikit-learn's extra trees, saved packed (see the module)."""
    _tree_class = ExtraTreeClassifier


class ExtraTreesRegressor(_PackedTrees, ensemble.ExtraTreesRegressor):
    """scikit-learn's extra trees, saved packed (see the module)."""
    _tree_class = ExtraTreeRegressor


# -- HistGradientBoosting ---------------------------------------------------------------
# Its fitted trees are ``TreePredictor`` objects, one per iteration and class, each with a
# structured node array and two category bitset arrays: a 300-iteration, 3-class model is 900
# objects and 2,700 arrays, which skops wrote at 0.56 s per MB against 0.02-0.05 s for the
# packed forests. Packed, they are three arrays and their per-tree counts.

_BITSETS = ("binned_left_cat_bitsets", "raw_left_cat_bitsets")
BITSET_WORDS = 8  # 256 categories (max_bins 255 and missing) in 32-bit words


def pack_predictors(grid: list) -> dict | None:
    """A HistGradientBoosting's ``_predictors`` (iterations x trees) as arrays, or None."""
    flat = [p for row in grid for p in row]
    if not flat or any(type(p) is not TreePredictor for p in flat) or len({len(r) for r in grid}) != 1:
        return None
    packed = {"shape": [len(grid), len(grid[0])],
              "node_count": np.array([len(p.nodes) for p in flat], dtype=np.int64),
              "nodes": np.concatenate([p.nodes for p in flat])}
    for name in _BITSETS:
        arrays = [getattr(p, name) for p in flat]
        packed[name + "_count"] = np.array([len(a) for a in arrays], dtype=np.int64)
        packed[name] = np.concatenate(arrays)
    return packed


def predictor_fits(nodes: Any, bitsets: list, n_features: int | None) -> bool:
    """Whether a ``TreePredictor``'s arrays stay inside it: scikit-learn's own node and bitset
    layouts, children after their parent and inside the tree (so no cycles), features inside
    the inputs (when known), category bitsets inside their arrays. scikit-learn indexes all
    of them without bounds checks."""
    if (not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE
            or nodes.ndim != 1 or not len(nodes)
            or not all(isinstance(b, np.ndarray) and b.dtype == X_BITSET_INNER_DTYPE
                       and b.ndim == 2 and b.shape[1] == BITSET_WORDS for b in bitsets)):
        return False
    n, inner = len(nodes), nodes["is_leaf"] == 0
    parents = np.flatnonzero(inner)  # scikit-learn numbers a child after its parent
    cat = inner & (nodes["is_categorical"] != 0)
    features = nodes["feature_idx"][inner]
    return bool(all(((nodes[k][inner] > parents) & (nodes[k][inner] < n)).all()
                    for k in ("left", "right"))
                and (features >= 0).all() and (n_features is None or (features < n_features).all())
                and all((nodes["bitset_idx"][cat] < len(b)).all() for b in bitsets))


def unpack_predictors(packed: dict, n_features_in: int) -> list:
    """The ``_predictors`` grid :func:`pack_predictors` packed, rebuilt and checked.

    Raises:
        ValueError: The arrays do not describe trees of this model: counts that do not add
            up, children outside their tree, features outside its inputs, category bitsets
            outside their arrays (scikit-learn indexes all of them without bounds checks).
    """
    rows, cols = (int(s) for s in packed["shape"])
    counts = np.asarray(packed["node_count"], dtype=np.int64)
    nodes = packed["nodes"]
    if (rows < 1 or cols < 1 or counts.shape != (rows * cols,) or (counts < 1).any()
            or getattr(nodes, "dtype", None) != PREDICTOR_RECORD_DTYPE
            or len(nodes) != int(counts.sum())):
        raise ValueError("the packed HistGradientBoosting trees do not add up: tree counts, "
                         "node counts and the node array disagree")
    bitsets = {}
    for name in _BITSETS:
        sizes = np.asarray(packed[name + "_count"], dtype=np.int64)
        if sizes.shape != counts.shape or (sizes < 0).any() or len(packed[name]) != int(sizes.sum()):
            raise ValueError(f"the packed HistGradientBoosting trees' {name} do not add up")
        ends = np.cumsum(sizes)
        bitsets[name] = [packed[name][e - n:e] for e, n in zip(ends, sizes, strict=True)]
    ends = np.cumsum(counts)
    flat = []
    for i, (start, end) in enumerate(zip(ends - counts, ends, strict=True)):
        tree = np.ascontiguousarray(nodes[start:end])
        own = [np.ascontiguousarray(bitsets[b][i]) for b in _BITSETS]
        if not predictor_fits(tree, own, n_features_in):
            raise ValueError("a packed HistGradientBoosting tree points outside its nodes, "
                             "inputs or category bitsets")
        flat.append(TreePredictor(tree, *own))
    return [flat[r * cols:(r + 1) * cols] for r in range(rows)]


class _PackedPredictors:
    """Saves a HistGradientBoosting's ``_predictors`` packed (see above)."""

    def __getstate__(self):
        state = super().__getstate__()
        grid = state.get("_predictors")
        packed = pack_predictors(grid) if grid else None
        if packed is None:
            return state
        state = {k: v for k, v in state.items() if k != "_predictors"}
        state[PACKED_PREDICTORS] = packed
        return state

    def __setstate__(self, state):
        state = dict(state)
        packed = state.pop(PACKED_PREDICTORS, None)
        if packed is not None:
            state["_predictors"] = unpack_predictors(packed, int(state.get("n_features_in_", -1)))
        super().__setstate__(state)


class HistGradientBoostingClassifier(_PackedPredictors, ensemble.HistGradientBoostingClassifier):
    """scikit-learn's histogram gradient boosting, saved packed (see above)."""


class HistGradientBoostingRegressor(_PackedPredictors, ensemble.HistGradientBoostingRegressor):
    """scikit-learn's histogram gradient boosting, saved packed (see above)."""
