"""The label-free estimate against the realised metric on an independent split, and the
reference a bundle stores for it (no rows)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from automl.monitor import estimate_performance
from automl.monitor._estimate import realised_performance
from automl.monitor._reference import build_reference
from automl.monitor._reference import reference_files

CLASSES = ("no", "yes")


def _split(seed: int, n: int = 6000, n_classes: int = 2):
    X, y = make_classification(n, 10, n_informative=5, n_classes=n_classes, flip_y=0.1,
                               random_state=seed)
    half = n // 2
    return X[:half], y[:half], X[half:], y[half:]


@pytest.mark.parametrize("model", [LogisticRegression(max_iter=500),
                                   RandomForestClassifier(40, min_samples_leaf=5, n_jobs=1, random_state=0)],
                         ids=["logistic", "forest"])
def test_estimated_roc_auc_is_within_003_of_the_realised_one(model):
    for seed in (0, 1):
        Xtr, ytr, Xte, yte = _split(seed)
        labels = np.asarray(CLASSES, dtype=object)
        oof = cross_val_predict(model, Xtr, ytr, cv=5, method="predict_proba")
        reference = build_reference("binary", list(CLASSES), oof, labels[ytr])
        proba = model.fit(Xtr, ytr).predict_proba(Xte)
        estimate = estimate_performance(reference, proba, CLASSES, "roc_auc")
        realised = realised_performance(labels[yte], proba, labels[proba.argmax(1)], CLASSES, "roc_auc")
        assert abs(estimate.value - realised.value) <= 0.03, (seed, estimate, realised)
        assert estimate.low < estimate.value < estimate.high
        assert "assumes the relation between the inputs and the target" in estimate.note


def test_estimate_of_accuracy_and_multiclass_log_loss():
    Xtr, ytr, Xte, yte = _split(3, n_classes=3)
    classes = ("a", "b", "c")
    labels = np.asarray(classes, dtype=object)
    model = LogisticRegression(max_iter=500)
    oof = cross_val_predict(model, Xtr, ytr, cv=5, method="predict_proba")
    reference = build_reference("multiclass", list(classes), oof, labels[ytr])
    proba = model.fit(Xtr, ytr).predict_proba(Xte)
    for metric, tolerance in (("accuracy", 0.03), ("log_loss", 0.05)):
        estimate = estimate_performance(reference, proba, classes, metric)
        realised = realised_performance(labels[yte], proba, labels[proba.argmax(1)], classes, metric)
        assert abs(estimate.value - realised.value) <= tolerance, (metric, estimate, realised)


def test_reference_keeps_distributions_and_maps_not_rows():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=2000)
    oof = np.column_stack([1 - p, p])
    y = np.where(rng.uniform(size=2000) < p, "yes", "no").astype(object)
    files = reference_files("binary", CLASSES, oof, y)
    doc = json.loads(files["monitor_reference.json"])
    assert set(doc["predictions"]) == {"predicted class", "probability of yes"}
    assert len(doc["predictions"]["probability of yes"]["distribution"]["quantiles"]) == 201
    assert all(len(m["x"]) <= 400 for m in doc["calibration"]["maps"])
    assert reference_files("binary", CLASSES, None, y) == {}
    labels_only = build_reference("binary", list(CLASSES), y.reshape(-1), y)
    assert labels_only["calibration"] is None and set(labels_only["predictions"]) == {"predicted class"}


def test_realised_metric_matches_labels_read_as_other_types():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    y = np.array([0.0, 1.0, 1.0, 1.0], dtype=object)  # a CSV read integers as floats
    result = realised_performance(y, proba, np.array([0, 1, 0, 1], dtype=object), (0, 1), "accuracy")
    assert result.value == pytest.approx(0.75) and result.rows == 4
