"""The contract every model family keeps, checked over each built-in family and task (the way
scikit-learn's common checks run over every estimator), and scikit-learn's own common checks
over the engine's transformer. A family added with ``register_family`` should pass
``check_family`` too."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from automl.data import TaskKind
from automl.models import FamilySpec
from automl.models._families import FAMILIES
from automl.models._spec import SpaceContext
from automl.preprocess._transformers import ImputeWithIndicators

N_ROWS = 80


def _data(kind: TaskKind):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_ROWS, 4))
    if kind is TaskKind.REGRESSION:
        return X, X @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(size=N_ROWS)
    n_classes = 2 if kind is TaskKind.BINARY else 3
    return X, np.array(["abc"[i % n_classes] for i in range(N_ROWS)])


def check_family(spec: FamilySpec, kind: TaskKind, n_samples: int = 2) -> None:
    """The default (enqueued, as the search does: its params apply where the task's space has
    them) and sampled params make a scikit-learn estimator that clones, fits and predicts in
    the task's shape; Optuna params carry the family's prefix."""
    X, y = _data(kind)
    ctx = SpaceContext(kind, n_rows=N_ROWS, n_features=X.shape[1], seed=0,
                       n_classes=len(set(y)) if kind.is_classification else 0)
    assert spec.params_from_trial(spec.default_trial_params()) == spec.default
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.enqueue_trial(spec.default_trial_params(), skip_if_exists=True)
    sampled = []
    for _ in range(1 + n_samples):
        trial = study.ask()
        trial.suggest_categorical("family", [spec.name])
        sampled.append(spec.space(trial, ctx))
        assert all(name == "family" or name.startswith(spec.name + ".") for name in trial.params)
    shared = {k: v for k, v in spec.default.items() if k in sampled[0]}
    assert all(sampled[0][k] == v for k, v in shared.items())  # the default where it applies
    for params in sampled:
        model = clone(spec.make(params, ctx))
        model.fit(X, y)
        pred = np.asarray(model.predict(X))
        assert pred.shape == (N_ROWS,)
        if kind.is_classification:
            proba = model.predict_proba(X)
            assert proba.shape == (N_ROWS, ctx.n_classes)
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
            assert set(pred) <= set(y)
        else:
            assert np.isfinite(pred).all()


@pytest.mark.parametrize("name", ["hgb", "lgbm"])
def test_boosting_may_learn_a_skewed_targets_logarithm(name):
    """On a skewed target the space offers the log scale; such a model answers on the
    target's own scale, and a target that is not skewed is not offered it."""
    spec = next(f for f in FAMILIES if f.name == name)
    X, _ = _data(TaskKind.REGRESSION)
    y = np.exp(2 * X[:, 0])  # a price-like target: positive, long right tail
    kw = dict(n_rows=N_ROWS, n_features=X.shape[1])
    skewed = SpaceContext(TaskKind.REGRESSION, skewed_target=True, **kw)
    offered = set()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(12):
        trial = study.ask()
        offered.add(spec.space(trial, skewed).get("target_transform"))
    assert offered == {"none", "log"}
    params = {**spec.space(study.ask(), skewed), "target_transform": "log"}
    model = clone(spec.make(params, skewed)).fit(X, y)
    plain = clone(spec.make({**params, "target_transform": "none"}, skewed)).fit(X, y)
    assert type(model).__name__ == "TransformedTargetRegressor"
    pred, inner = model.predict(X), model.regressor_.predict(X)
    assert inner.min() >= np.log1p(y.min()) - 1e-9 and inner.max() <= np.log1p(y.max()) + 1e-9
    np.testing.assert_allclose(pred, np.expm1(inner))  # learnt on log(1 + y), answers y
    assert not np.allclose(pred, plain.predict(X))  # a model of its own, not the same one
    for ctx in (SpaceContext(TaskKind.REGRESSION, **kw), SpaceContext(TaskKind.BINARY, **kw)):
        assert "target_transform" not in spec.space(study.ask(), ctx)


@pytest.mark.parametrize("spec, kind", [(f, k) for f in FAMILIES for k in f.tasks],
                         ids=lambda v: v.name if isinstance(v, FamilySpec) else v.value)
def test_every_family_keeps_the_contract(spec, kind):
    check_family(spec, kind)


@parametrize_with_checks([ImputeWithIndicators()])
def test_the_engine_transformer_passes_scikit_learns_common_checks(estimator, check):
    check(estimator)
