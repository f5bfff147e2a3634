"""Greedy ensemble selection over per-repeat out-of-fold predictions."""

from __future__ import annotations

import numpy as np
import pytest

from automl.data import TaskKind
from automl.metrics import get_metric
from automl.models._ensemble import WeightedEnsemble
from automl.models._ensemble import scale_proba
from automl.search._ensemble import fit_temperature
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
    expected = [RMSE.score(y[valid], plan.oof[i * repeats // len(splits), valid])
                for i, (_, valid) in enumerate(splits)]  # each fold scored on its own repeat
    assert plan.fold_scores == pytest.approx(expected)
    assert plan.score == pytest.approx(np.mean(expected))
    assert plan.score < min(scores.values())
    assert len(plan.fold_scores) == len(splits)


def test_no_ensemble_when_one_model_is_best_alone():
    rng = np.random.default_rng(1)
    n = 150
    y = rng.normal(size=n)
    oofs = {1: (y + 0.01 * rng.normal(size=n))[None], 2: (y + rng.normal(size=n))[None]}
    scores = {k: RMSE.score(y, v[0]) for k, v in oofs.items()}
    assert select_ensemble(oofs, scores, y, RMSE, None, _splits(n, 5, 1)) is None


LOG_LOSS = get_metric("log_loss", TaskKind.MULTICLASS)
CLASSES = np.array(["a", "b", "c"])


def test_temperature_softens_overconfident_and_leaves_calibrated_probabilities():
    rng = np.random.default_rng(0)
    n = 3000
    logits = rng.normal(size=(n, 3))
    logits[:, 0] += 1.0
    calibrated = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = CLASSES[[rng.choice(3, p=row) for row in calibrated]]  # drawn from the probabilities
    over = scale_proba(calibrated, 0.4)  # the same ranking, far too sure
    t_over = fit_temperature(over[None], y, LOG_LOSS, CLASSES)
    assert 2.0 < t_over < 3.0  # undoes the sharpening (log p / 0.4, so about 1 / 0.4)
    assert LOG_LOSS.score(y, scale_proba(over, t_over), CLASSES) < LOG_LOSS.score(y, over, CLASSES)
    t_cal = fit_temperature(calibrated[None], y, LOG_LOSS, CLASSES)
    assert 0.85 < t_cal < 1.2


def test_weighted_ensemble_applies_its_temperature_and_reads_old_pickles():
    class Fixed:
        classes_ = CLASSES

        def __init__(self, p):
            self.p = p

        def predict_proba(self, X):
            return self.p

    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    ens = WeightedEnsemble([Fixed(p)], [1.0], temperature=2.0)
    out = ens.predict_proba(None)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    assert (out.max(axis=1) < p.max(axis=1)).all(), "a temperature above 1 softens"
    assert list(ens.predict(None)) == ["a", "c"], "the ranking is unchanged"
    del ens.temperature  # a bundle written before the temperature existed
    np.testing.assert_allclose(ens.predict_proba(None), p)


def test_the_best_of_each_family_is_a_candidate_beside_the_top_trials():
    """Twenty near-copies of one family fill the top; the other family's best trial, whose
    errors are the opposite, must still be offered to the ensemble."""
    rng = np.random.default_rng(2)
    n = 200
    y = rng.normal(size=n)
    bias = rng.normal(size=n)
    oofs = {i: (y + bias + rng.normal(scale=0.01, size=n))[None] for i in range(20)}
    oofs[99] = (y - bias + rng.normal(scale=0.3, size=n))[None]
    scores = {k: RMSE.score(y, v[0]) for k, v in oofs.items()}
    families = {**{i: "et" for i in range(20)}, 99: "svm"}
    splits = _splits(n, 5, 1)
    assert sorted(scores, key=scores.get)[:15] == sorted(range(20), key=scores.get)[:15]
    without = select_ensemble(oofs, scores, y, RMSE, None, splits)
    with_families = select_ensemble(oofs, scores, y, RMSE, None, splits, families=families)
    assert with_families is not None and 99 in with_families.weights
    assert without is None or 99 not in without.weights


def test_an_ensemble_of_bagged_regressors_predicts_numbers():
    """The ensemble of members' fold models nests ensembles: a regression one must not take
    the classifier path (it did: the inner ensemble always had predict_proba)."""
    from sklearn.linear_model import LinearRegression
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(0)
    X = rng.random((60, 3))
    y = X.sum(axis=1)
    bagged = WeightedEnsemble([make_pipeline(LinearRegression()).fit(X, y)] * 2, [1.0, 1.0])
    outer = WeightedEnsemble([bagged, bagged], [0.5, 0.5])
    assert not hasattr(outer, "predict_proba")
    np.testing.assert_allclose(outer.predict(X), y, atol=1e-9)
    inner = WeightedEnsemble([make_pipeline(LogisticRegression()).fit(X, y > 1.5)], [1.0])
    classifier = WeightedEnsemble([inner], [1.0])
    assert classifier.predict_proba(X).shape == (60, 2)
    assert set(classifier.predict(X)) <= {True, False}


@pytest.mark.parametrize("lacking", [0, 1])
def test_a_member_fit_without_a_rare_class_gives_it_no_probability(lacking):
    """A fold model whose training rows missed a rare class: the ensemble keeps every class
    (whichever member lacks it), and that member gives the class zero probability."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.where(X[:, 0] > 0.8, "c", np.where(X[:, 1] > 0, "a", "b"))
    full = LogisticRegression().fit(X, y)
    without = LogisticRegression().fit(X[y != "c"], y[y != "c"])
    members = [without, full] if lacking == 0 else [full, without]
    ens = WeightedEnsemble(members, [1.0, 1.0])
    proba = ens.predict_proba(X)
    assert list(ens.classes_) == ["a", "b", "c"] and proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba[:, 2], full.predict_proba(X)[:, 2] / 2)
    assert set(ens.predict(X)) <= {"a", "b", "c"}


@pytest.mark.parametrize(("name", "kind"), [("log_loss", "multiclass"), ("log_loss", "binary"),
                                            ("rmse", "regression"), ("roc_auc", "binary")])
def test_the_selections_scorer_gives_the_metrics_own_numbers(name, kind):
    """Selection scores thousands of averages with ``Metric.scorer``: the same numbers as
    ``Metric.score``, extreme probabilities and a positive class that sorts first included."""
    rng = np.random.default_rng(1)
    metric = get_metric(name)
    if kind == "regression":
        y, classes = rng.normal(size=200), None
        preds = [y + rng.normal(size=200), np.zeros(200)]
    else:
        classes = np.array(["z", "a", "m"], dtype=object)[: 3 if kind == "multiclass" else 2]
        y = rng.choice(classes, 200)
        sharp = np.eye(len(classes))[rng.integers(0, len(classes), 200)]  # 0s and 1s
        preds = [rng.dirichlet(np.ones(len(classes)), 200), sharp]
    scorer = metric.scorer(y, classes)
    for pred in preds:
        assert scorer(pred) == pytest.approx(metric.score(y, pred, classes), rel=1e-12, abs=1e-12)


def test_a_label_outside_the_classes_falls_back_to_the_metric():
    metric = get_metric("log_loss")
    y, classes = np.array(["a", "b", "c"]), np.array(["a", "b"])
    with pytest.raises(ValueError):
        metric.scorer(y, classes)(np.full((3, 2), 0.5))
