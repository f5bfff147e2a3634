"""Performance before the labels arrive: a confidence-based estimate (the CBPE idea).

The model's probabilities on the new rows are calibrated with the isotonic maps fitted on its
out-of-fold predictions at export (``_reference``). If the calibrated probability of class c
on a row is q_c, the row's label is c with probability q_c, so the expected confusion matrix
is the sum of those probabilities, and any metric has an expected value. We draw the labels
``DRAWS`` times from the calibrated probabilities, score the model's predictions against each
draw with the bundle's metric, and report the mean and the 2.5 / 97.5 percentiles.

The assumption, said with every estimate: how the target depends on the inputs has not
changed (only the inputs moved). A change in that relation (concept drift) is invisible
without labels; the interval covers only the labels' randomness, not calibration error.
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from automl.metrics import get_metric
from automl.monitor._reference import calibrate

__all__ = ["ASSUMPTION", "Estimate", "class_codes", "estimate_performance", "realised_performance"]

DRAWS = 200
MAX_ROWS = 50_000
ASSUMPTION = ("estimated without labels; assumes the relation between the inputs and the target "
              "is unchanged (only the inputs moved)")


@dataclass(frozen=True)
class Estimate:
    """An estimated (no labels) or realised (labels) metric on the new rows."""

    metric: str
    value: float
    low: float | None
    high: float | None
    rows: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def estimate_performance(reference: dict[str, Any], proba: np.ndarray, classes, metric_name: str,
                         *, seed: int = 0) -> Estimate:
    """Expected ``metric_name`` of the model on rows whose probabilities are ``proba``.

    Args:
        reference: The bundle's monitoring reference (with ``calibration``).
        proba: n_rows x n_classes probabilities, columns in ``classes`` order.
        classes: The class labels.
        metric_name: A classification metric of ``automl.metrics``.
    """
    metric = get_metric(metric_name)
    codes = np.arange(len(list(classes)))  # scored on class indices: one dtype for sklearn
    rng = np.random.default_rng(seed)
    if len(proba) > MAX_ROWS:
        proba = proba[rng.choice(len(proba), MAX_ROWS, replace=False)]
    calibrated = calibrate(reference, proba)
    pred = proba if metric.needs_proba else np.argmax(proba, axis=1)
    cumulative = np.cumsum(calibrated, axis=1)
    draws = [np.minimum((rng.random((len(proba), 1)) > cumulative).sum(axis=1), len(codes) - 1)
             for _ in range(DRAWS)]
    scores = _vectorised(metric.name, np.vstack(draws), proba)
    if scores is None:
        scores = []
        for drawn in draws:
            try:
                scores.append(metric.score(drawn, pred, codes))
            except ValueError:  # a draw without some class: ROC AUC is undefined on it
                continue
    if not scores:
        return Estimate(metric.name, float("nan"), None, None, len(proba), "the rows are too few")
    s = np.asarray(scores)
    return Estimate(metric.name, float(s.mean()), float(np.quantile(s, 0.025)),
                    float(np.quantile(s, 0.975)), len(proba), ASSUMPTION)


def _vectorised(name: str, drawn: np.ndarray, proba: np.ndarray) -> list[float] | None:
    """The metric for every draw at once (draws x rows of class codes), where it is a formula."""
    rows = np.arange(drawn.shape[1])
    if name == "accuracy":
        return list((drawn == proba.argmax(axis=1)).mean(axis=1))
    if name == "log_loss":
        p = np.clip(proba / proba.sum(axis=1, keepdims=True), 1e-15, 1.0)
        return list(-np.log(p[rows, drawn]).mean(axis=1))
    if name == "roc_auc" and proba.shape[1] == 2:  # Mann-Whitney: the positives' rank sum
        from scipy.stats import rankdata

        ranks = rankdata(proba[:, 1])
        pos = drawn == 1
        n1 = pos.sum(axis=1)
        n0 = drawn.shape[1] - n1
        ok = (n1 > 0) & (n0 > 0)
        auc = (pos @ ranks - n1 * (n1 + 1) / 2) / np.where(ok, n1 * n0, 1)
        return list(auc[ok])
    return None


def realised_performance(y_true: np.ndarray, proba: np.ndarray | None, predictions: np.ndarray,
                         classes, metric_name: str) -> Estimate:
    """The metric on labelled rows (rows with a missing label are left out)."""
    metric = get_metric(metric_name)
    y = np.asarray(y_true, dtype=object)
    keep = np.array([v is not None and v == v for v in y])
    if not classes:
        y_num = y[keep].astype(float)
        return Estimate(metric.name, metric.score(y_num, np.asarray(predictions, dtype=float)[keep]),
                        None, None, int(keep.sum()), "with the labels given")
    y_codes = class_codes(y[keep], classes)
    known = y_codes >= 0
    if metric.needs_proba:
        pred = np.asarray(proba)[keep][known]
    else:
        pred = class_codes(np.asarray(predictions, dtype=object)[keep], classes)[known]
    value = metric.score(y_codes[known], pred, np.arange(len(classes)))
    note = "with the labels given"
    if not known.all():
        note += f"; {int((~known).sum())} rows with a class training never had were left out"
    return Estimate(metric.name, float(value), None, None, int(known.sum()), note)


def class_codes(labels: np.ndarray, classes) -> np.ndarray:
    """Index of each label in ``classes`` (-1 if unknown), matching "1", 1 and 1.0 alike."""
    from automl.data import level_name

    index = {level_name(c): i for i, c in enumerate(classes)}
    return np.array([index.get(level_name(v), -1) for v in labels], dtype=int)
