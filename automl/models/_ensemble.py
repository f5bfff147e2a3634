"""A weighted average of fitted pipelines: the final model when it beats the best single one."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.metaestimators import available_if


class WeightedEnsemble(BaseEstimator):
    """Average of fitted models' probabilities (classification) or predictions (regression).

    Built from members that are already fitted (each a Pipeline refit on all rows), so it
    has no ``fit`` of its own; it follows the estimator contract otherwise (parameters
    stored as given, learned state with a trailing underscore).

    Args:
        members: Fitted estimators with the same classes (classification).
        weights: Non-negative weights, one per member (normalised here).
        temperature: Probabilities are rescaled as softmax(log p / temperature): above 1
            softer, below 1 sharper (fit on out-of-fold predictions when the metric is
            log loss; an average of models is usually less confident than it should be).
    """

    def __init__(self, members: list, weights: list[float], temperature: float = 1.0):
        self.members = members
        self.weights = weights
        self.temperature = temperature

    @property
    def _w(self) -> np.ndarray:
        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    @property
    def classes_(self) -> np.ndarray:
        # Every class any member knows: a fold model fit without a rare class's few rows
        # gives it no probability rather than dropping it (or failing) for all the others.
        first = self.members[0].classes_
        if all(list(m.classes_) == list(first) for m in self.members[1:]):
            return first
        return np.unique(np.concatenate([np.asarray(m.classes_) for m in self.members]))

    @property
    def is_classifier(self) -> bool:
        # Members may be ensembles themselves (an ensemble of bagged fold models), so
        # predict_proba below exists only when the members have it.
        return hasattr(self.members[0], "predict_proba")

    @available_if(lambda self: self.is_classifier)
    def predict_proba(self, X) -> np.ndarray:
        out = None
        for model, w in zip(self.members, self._w, strict=True):
            p = _aligned(model.predict_proba(X), model.classes_, self.classes_) * w
            out = p if out is None else out + p
        return scale_proba(out, getattr(self, "temperature", 1.0))  # bundles from before it

    def predict(self, X) -> np.ndarray:
        if self.is_classifier:
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return sum(w * np.asarray(m.predict(X), dtype=float)
                   for m, w in zip(self.members, self._w, strict=True))


def scale_proba(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities rescaled as softmax(log p / temperature), row by row (the last axis)."""
    if temperature == 1.0:
        return proba
    z = np.log(np.clip(proba, 1e-15, 1.0)) / temperature
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _aligned(proba, model_classes, classes) -> np.ndarray:
    if list(model_classes) == list(classes):
        return proba
    index = {c: j for j, c in enumerate(model_classes)}
    out = np.zeros((proba.shape[0], len(classes)), dtype=float)
    for k, c in enumerate(classes):
        if c in index:
            out[:, k] = proba[:, index[c]]
    return out
