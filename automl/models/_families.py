"""The scikit-learn model families AutoML Studio searches, each with its search space."""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import ElasticNet
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neighbors import KNeighborsRegressor
from sklearn.svm import SVC
from sklearn.svm import SVR
from sklearn.tree import DecisionTreeClassifier
from sklearn.tree import DecisionTreeRegressor

from automl.data._types import TaskKind
from automl.models._spec import FamilySpec
from automl.models._spec import SpaceContext
from automl.models._trees import ExtraTreesClassifier
from automl.models._trees import ExtraTreesRegressor
from automl.models._trees import GradientBoostingClassifier
from automl.models._trees import GradientBoostingRegressor
from automl.models._trees import HistGradientBoostingClassifier
from automl.models._trees import HistGradientBoostingRegressor
from automl.models._trees import RandomForestClassifier
from automl.models._trees import RandomForestRegressor
from automl.preprocess import Style

ALL = (TaskKind.BINARY, TaskKind.MULTICLASS, TaskKind.REGRESSION)
CLS = (TaskKind.BINARY, TaskKind.MULTICLASS)

def _pick(ctx: SpaceContext, classifier, regressor):
    return classifier if ctx.classification else regressor


# -- The target's scale (regression) --------------------------------------------------
# On a skewed target that is never negative (a price, a wage, a count) the boosting families
# may fit log(1 + y) and answer exp(p) - 1: errors then scale with the value, as they do in
# such data. Which scale wins is the trial's to find out; on diamonds the two scales' models
# also err differently, so the ensemble gains from having both (docs/benchmarks.md).

def _target_space(t, prefix: str, ctx) -> dict:
    if ctx.classification or not ctx.skewed_target:
        return {}
    return {"target_transform": t.suggest_categorical(prefix + "target_transform",
                                                      ["none", "log"])}


def _on_target_scale(make):
    def scaled(params, ctx):
        params = dict(params)
        if params.pop("target_transform", "none") != "log":
            return make(params, ctx)
        return TransformedTargetRegressor(make(params, ctx), func=np.log1p,
                                          inverse_func=np.expm1, check_inverse=False)
    return scaled


# -- HistGradientBoosting -------------------------------------------------------------

def _hgb_space(t, ctx):
    p = "hgb."
    return {
        "learning_rate": t.suggest_float(p + "learning_rate", 0.01, 0.3, log=True),
        "max_iter": t.suggest_int(p + "max_iter", 50, 1000, log=True),
        "max_leaf_nodes": t.suggest_int(p + "max_leaf_nodes", 8, 128, log=True),
        "min_samples_leaf": t.suggest_int(p + "min_samples_leaf", 2, 100, log=True),
        "l2_regularization": t.suggest_float(p + "l2_regularization", 1e-8, 10.0, log=True),
        "max_features": t.suggest_float(p + "max_features", 0.3, 1.0),
        **_target_space(t, p, ctx),
    }


@_on_target_scale
def _hgb_make(params, ctx):
    cls = _pick(ctx, HistGradientBoostingClassifier, HistGradientBoostingRegressor)
    cats = list(ctx.categorical_indices) if ctx.categorical_indices else None
    return cls(
        **params, categorical_features=cats, random_state=ctx.seed,
        early_stopping=ctx.n_rows > 10_000, n_iter_no_change=20,
    )


# -- LightGBM ------------------------------------------------------------------------

def _lgbm_space(t, ctx):
    p = "lgbm."
    return {
        "n_estimators": t.suggest_int(p + "n_estimators", 50, 1000, log=True),
        "learning_rate": t.suggest_float(p + "learning_rate", 0.01, 0.3, log=True),
        "num_leaves": t.suggest_int(p + "num_leaves", 4, 256, log=True),
        "min_child_samples": t.suggest_int(p + "min_child_samples", 2, 100, log=True),
        "colsample_bytree": t.suggest_float(p + "colsample_bytree", 0.3, 1.0),
        "subsample": t.suggest_float(p + "subsample", 0.5, 1.0),
        "reg_lambda": t.suggest_float(p + "reg_lambda", 1e-8, 10.0, log=True),
        **_target_space(t, p, ctx),
    }


# Export seconds per MB of fitted model, measured on a bagged seattle_weather ensemble's five
# fold models per member (dump, load, model.skops and its check; docs/benchmarks.md): 0.45 s
# for LightGBM, 0.11-0.15 s for HistGradientBoosting since its trees are packed (0.56-2.3 s
# before, a predictor object per tree and class), 0.02-0.05 s for the packed forests, whose
# save_cost of 1 (0.1 s) stays on the safe side.
# Leaves of all of a LightGBM model's trees together. Its trees are saved through LightGBM's
# model text (automl/models/_lgbm.py), a MB per 20,000 leaves: 100,000 leaves are a 5 MB model
# and about 2.3 s of its run's export.
LGBM_MAX_LEAVES = 100_000


@_on_target_scale
def _lgbm_make(params, ctx):
    from automl.models._lgbm import LGBMClassifier
    from automl.models._lgbm import LGBMRegressor
    params = dict(params)
    trees = params.get("n_estimators", 100) * (ctx.n_classes if ctx.n_classes > 2 else 1)
    if trees * params.get("num_leaves", 31) > LGBM_MAX_LEAVES:
        params["num_leaves"] = max(4, LGBM_MAX_LEAVES // trees)
    cls = _pick(ctx, LGBMClassifier, LGBMRegressor)
    cats = tuple(ctx.categorical_indices) if ctx.categorical_indices else None
    # one thread: a worker is one trial (LightGBM's OpenMP pool also hangs in a forked child)
    return cls(**params, subsample_freq=1 if params.get("subsample", 1.0) < 1.0 else 0,
               categorical_inputs=cats, random_state=ctx.seed, n_jobs=1, verbose=-1)


# -- Random forest / extra trees -------------------------------------------------------

def _forest_space(prefix):
    def space(t, ctx):
        p = prefix + "."
        params = {
            "n_estimators": t.suggest_int(p + "n_estimators", 50, 500, log=True),
            "max_features": t.suggest_float(p + "max_features", 0.05, 1.0),
            "min_samples_leaf": t.suggest_int(p + "min_samples_leaf", 1, 30, log=True),
            "bootstrap": t.suggest_categorical(p + "bootstrap", [True, False]),
        }
        if ctx.classification:
            params["criterion"] = t.suggest_categorical(p + "criterion", ["gini", "entropy"])
            params["class_weight"] = t.suggest_categorical(p + "class_weight", ["none", "balanced"])
        return params
    return space


# Above this many training rows each tree grows on a bootstrap sample of this size: a
# forest's cost grows like n log n per tree while HistGradientBoosting's stays about linear,
# so unbounded forests on tens of thousands of rows outrun any trial limit of a short budget.
FOREST_ROWS_PER_TREE = 10_000
# A fitted forest's trees hold about 2 x rows / min_samples_leaf nodes each, every node a
# 64-byte struct plus one value per class: 200 unpruned trees on 10,000 rows are 250 MB,
# held by the worker while it scores the trial, then written into the bundle and loaded by
# every prediction. Past this size a forest grows each tree best-first up to the number of
# leaves that fits (AutoGluon shrinks its forests to the memory at hand the same way).
FOREST_BYTES = 48 * 2**20
MIN_FOREST_LEAVES = 64


def tree_leaf_cap(n_trees: int, leaves: float, n_values: int) -> int | None:
    """``max_leaf_nodes`` that keeps ``n_trees`` trees of up to ``leaves`` leaves each within
    ``FOREST_BYTES``, or None if they fit."""
    node_bytes = 64 + 8 * max(1, n_values)
    if n_trees * 2 * leaves * node_bytes <= FOREST_BYTES:
        return None
    return max(MIN_FOREST_LEAVES, int(FOREST_BYTES / (n_trees * 2 * node_bytes)))


def forest_leaf_cap(n_estimators: int, rows_per_tree: int, min_samples_leaf: int,
                    n_values: int) -> int | None:
    """``max_leaf_nodes`` that keeps a forest within ``FOREST_BYTES``, or None if it fits."""
    return tree_leaf_cap(n_estimators, rows_per_tree / max(1, min_samples_leaf), n_values)


def _forest_make(classifier, regressor):
    def make(params, ctx):
        params = dict(params)
        if params.get("class_weight") == "none":
            params["class_weight"] = None
        if ctx.n_rows > FOREST_ROWS_PER_TREE:
            params.update(bootstrap=True, max_samples=FOREST_ROWS_PER_TREE / ctx.n_rows)
        cap = forest_leaf_cap(params.get("n_estimators", 100),
                              min(ctx.n_rows, FOREST_ROWS_PER_TREE),
                              params.get("min_samples_leaf", 1),
                              ctx.n_classes if ctx.classification else 1)
        if cap is not None:
            params["max_leaf_nodes"] = cap
        cls = _pick(ctx, classifier, regressor)
        return cls(**params, random_state=ctx.seed, n_jobs=1)
    return make


def _forest_default():
    return {"n_estimators": 200, "max_features": 0.5, "min_samples_leaf": 1, "bootstrap": True}


# -- Gradient boosting ----------------------------------------------------------------

def _gb_space(t, ctx):
    p = "gb."
    return {
        "n_estimators": t.suggest_int(p + "n_estimators", 50, 500, log=True),
        "learning_rate": t.suggest_float(p + "learning_rate", 0.01, 0.3, log=True),
        "max_depth": t.suggest_int(p + "max_depth", 2, 8),
        "subsample": t.suggest_float(p + "subsample", 0.5, 1.0),
        "min_samples_leaf": t.suggest_int(p + "min_samples_leaf", 1, 50, log=True),
        "max_features": t.suggest_float(p + "max_features", 0.3, 1.0),
    }


def _gb_make(params, ctx):
    # A multiclass gradient boosting grows one tree per class and stage: 500 stages of depth 8
    # on four classes are 2,000 trees and 74 MB, held by the worker while it scores the trial
    # beside the fold models it keeps. Bounded like a forest, in leaves per tree.
    params = dict(params)
    per_stage = ctx.n_classes if ctx.classification and ctx.n_classes > 2 else 1
    leaves = min(2 ** params.get("max_depth", 3),
                 ctx.n_rows * params.get("subsample", 1.0) / max(1, params.get("min_samples_leaf", 1)))
    cap = tree_leaf_cap(params.get("n_estimators", 100) * per_stage, leaves, 1)
    if cap is not None:
        params["max_leaf_nodes"] = cap
    cls = _pick(ctx, GradientBoostingClassifier, GradientBoostingRegressor)
    return cls(**params, random_state=ctx.seed)


# -- Linear ---------------------------------------------------------------------------

def _linear_space(t, ctx):
    p = "linear."
    if ctx.classification:
        return {
            "C": t.suggest_float(p + "C", 1e-4, 1e3, log=True),
            "l1_ratio": t.suggest_float(p + "l1_ratio", 0.0, 1.0),
            "class_weight": t.suggest_categorical(p + "class_weight", ["none", "balanced"]),
        }
    return {
        "alpha": t.suggest_float(p + "alpha", 1e-6, 10.0, log=True),
        "l1_ratio": t.suggest_float(p + "l1_ratio", 0.0, 1.0),
    }


def _linear_make(params, ctx):
    params = dict(params)
    if ctx.classification:
        if params.get("class_weight") == "none":
            params["class_weight"] = None
        # lbfgs is fast for pure L2; elastic net needs saga.
        solver = "lbfgs" if params["l1_ratio"] == 0.0 else "saga"
        return LogisticRegression(**params, solver=solver, max_iter=2000, random_state=ctx.seed)
    return ElasticNet(**params, max_iter=5000, random_state=ctx.seed, selection="random")


# -- k-NN, SVM, tree, naive Bayes -----------------------------------------------------

def _knn_space(t, ctx):
    p = "knn."
    return {
        "n_neighbors": t.suggest_int(p + "n_neighbors", 1, 100, log=True),
        "weights": t.suggest_categorical(p + "weights", ["uniform", "distance"]),
        "p": t.suggest_categorical(p + "p", [1, 2]),
    }


def _knn_make(params, ctx):
    n = min(params["n_neighbors"], max(1, int(ctx.n_rows * 0.5)))
    cls = _pick(ctx, KNeighborsClassifier, KNeighborsRegressor)
    return cls(**{**params, "n_neighbors": n}, n_jobs=1)


def _svm_space(t, ctx):
    p = "svm."
    return {
        "C": t.suggest_float(p + "C", 1e-2, 1e3, log=True),
        "gamma": t.suggest_float(p + "gamma", 1e-4, 1.0, log=True),
    }


def _svm_make(params, ctx):
    if ctx.classification:  # Platt-scaled probabilities, as SVC(probability=True) did
        return CalibratedClassifierCV(SVC(**params, random_state=ctx.seed), ensemble=False,
                                      method="sigmoid", cv=3)
    return SVR(**params)


def _tree_space(t, ctx):
    p = "tree."
    params = {
        "max_depth": t.suggest_int(p + "max_depth", 2, 30, log=True),
        "min_samples_leaf": t.suggest_int(p + "min_samples_leaf", 1, 100, log=True),
    }
    if ctx.classification:
        params["criterion"] = t.suggest_categorical(p + "criterion", ["gini", "entropy"])
    return params


def _tree_make(params, ctx):
    return _pick(ctx, DecisionTreeClassifier, DecisionTreeRegressor)(**params, random_state=ctx.seed)


def _nb_space(t, ctx):
    return {"var_smoothing": t.suggest_float("nb.var_smoothing", 1e-12, 1e-1, log=True)}


FAMILIES: tuple[FamilySpec, ...] = (
    FamilySpec(
        "hgb", "Histogram gradient boosting",
        "Boosted trees on binned features: strong and fast on most tables.",
        ALL, Style.NATIVE, _hgb_space,
        {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31, "min_samples_leaf": 20,
         "l2_regularization": 1e-8, "max_features": 1.0, "target_transform": "none"},
        _hgb_make, cost=1.0, save_cost=1.5,
    ),
    FamilySpec(
        "lgbm", "LightGBM",
        "Boosted trees grown leaf by leaf, categories split natively: fast and strong.",
        ALL, Style.NATIVE, _lgbm_space,
        {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20,
         "colsample_bytree": 1.0, "subsample": 1.0, "reg_lambda": 1e-8, "target_transform": "none"},
        _lgbm_make, cost=0.7, save_cost=4.5,
    ),
    FamilySpec(
        "linear", "Linear / logistic (elastic net)",
        "Weighted sum of the inputs: fast, robust, easy to explain.",
        ALL, Style.SCALED, _linear_space, {"C": 1.0, "alpha": 1e-3, "l1_ratio": 0.0, "class_weight": "none"},
        _linear_make, cost=0.3,
    ),
    FamilySpec(
        "et", "Extra trees", "Like a random forest with random split points: faster, smoother "
        "(above 10,000 rows each tree sees a sample of 10,000).",
        ALL, Style.TREE, _forest_space("et"),
        {**_forest_default(), "bootstrap": False, "criterion": "gini", "class_weight": "none"},
        _forest_make(ExtraTreesClassifier, ExtraTreesRegressor), cost=2.0,
    ),
    FamilySpec(
        "rf", "Random forest", "Many deep trees on bootstrap samples (of at most 10,000 rows), "
        "averaged.",
        ALL, Style.TREE, _forest_space("rf"),
        {**_forest_default(), "criterion": "gini", "class_weight": "none"},
        _forest_make(RandomForestClassifier, RandomForestRegressor), cost=3.0,
    ),
    FamilySpec(
        "knn", "k-nearest neighbours", "Predicts from the most similar training rows.",
        ALL, Style.SCALED, _knn_space, {"n_neighbors": 5, "weights": "uniform", "p": 2},
        _knn_make, cost=1.0, max_rows=100_000,
    ),
    FamilySpec(
        "tree", "Decision tree", "One tree of if/else rules: simple to read.",
        ALL, Style.TREE, _tree_space, {"max_depth": 8, "min_samples_leaf": 5, "criterion": "gini"},
        _tree_make, cost=0.2,
    ),
    FamilySpec(
        "nb", "Naive Bayes (Gaussian)", "Per-class bell curves: a very fast baseline.",
        CLS, Style.SCALED, _nb_space, {"var_smoothing": 1e-9},
        lambda params, ctx: GaussianNB(**params), cost=0.1, accepts_sparse=False,
    ),
    FamilySpec(
        "gb", "Gradient boosting", "Classic boosted trees: accurate, slower on large data.",
        ALL, Style.TREE, _gb_space,
        {"n_estimators": 100, "learning_rate": 0.1, "max_depth": 3, "subsample": 1.0,
         "min_samples_leaf": 1, "max_features": 1.0},
        _gb_make, cost=4.0, max_rows=200_000,
    ),
    FamilySpec(
        "svm", "Support vector machine (RBF)", "Smooth non-linear boundaries; small data only.",
        ALL, Style.SCALED, _svm_space, {"C": 1.0, "gamma": 0.01},
        _svm_make, cost=5.0, max_rows=5_000,
    ),
)
