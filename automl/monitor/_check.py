"""One monitoring check of a bundle on new rows, and the champion/challenger comparison."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from automl.errors import ConfigError
from automl.errors import SchemaError
from automl.metrics import get_metric
from automl.monitor._compare import ABS_MARGIN
from automl.monitor._compare import N_BOOT
from automl.monitor._compare import REL_MARGIN
from automl.monitor._compare import Comparison
from automl.monitor._compare import decide
from automl.monitor._compare import paired_bootstrap
from automl.monitor._drift import ColumnCheck
from automl.monitor._drift import DriftResult
from automl.monitor._drift import Verdict
from automl.monitor._drift import check_drift
from automl.monitor._drift import test_values
from automl.monitor._estimate import Estimate
from automl.monitor._estimate import class_codes
from automl.monitor._estimate import estimate_performance
from automl.monitor._estimate import realised_performance
from automl.monitor._policy import DriftPolicy
from automl.monitor._reference import load_reference

__all__ = ["MonitorReport", "compare_bundles", "monitor_bundle"]

_OLD = ("the bundle has no monitoring reference (exported before monitoring existed): prediction "
        "drift and the performance estimate cannot run; re-export the model to enable them")


@dataclass(frozen=True)
class MonitorReport:
    """Everything one check found. ``to_dict`` is the ``automl monitor --json`` document."""

    model: str
    data: str
    drift: DriftResult
    prediction: tuple[ColumnCheck, ...] = ()
    estimate: Estimate | None = None
    realised: Estimate | None = None
    notes: tuple[str, ...] = ()
    policy: DriftPolicy = field(default_factory=DriftPolicy)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def verdict(self) -> Verdict:
        return self.drift.verdict

    def to_dict(self, *, plots: bool = False) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value, "rows": self.drift.rows, "model": self.model,
            "data": self.data, "created_at": self.created_at,
            "drifted_share": self.drift.share, "weighted_drifted_share": self.drift.weighted_share,
            "columns": [c.to_dict(plot=plots) for c in self.drift.columns],
            "prediction_drift": {"drifted": any(c.drifted for c in self.prediction),
                                 "outputs": [c.to_dict(plot=plots) for c in self.prediction]},
            "estimate": self.estimate.to_dict() if self.estimate else None,
            "realised": self.realised.to_dict() if self.realised else None,
            "not_run": list(self.drift.not_run), "notes": list(self.notes),
            "policy": self.policy.to_dict(),
        }


def monitor_bundle(bundle, frame: pd.DataFrame, *, labels: str | None = None,
                   policy: DriftPolicy | None = None, model: str = "", data: str = "") -> MonitorReport:
    """Drift, prediction drift, the label-free estimate and (with ``labels``) the realised metric.

    Args:
        bundle: A loaded ``automl.export.Bundle``.
        frame: The new rows.
        labels: The column holding the true target, when the rows are labelled.
        policy: The drift policy (the defaults if None).

    Raises:
        ConfigError: ``labels`` is not a column of ``frame``.
    """
    policy = policy or DriftPolicy()
    if labels is not None and labels not in frame.columns:
        raise ConfigError(f"The labels column {labels!r} is not in the new data; pass the column "
                          "that holds the true target, or leave --labels out.", field="labels")
    inputs = frame.drop(columns=[labels]) if labels else frame
    features = tuple(c.name for c in bundle.schema)
    drift = check_drift(bundle.profile, inputs, features, bundle.metadata.get("importances"), policy)
    kw = {"model": model or str(bundle.path), "data": data, "policy": policy}
    if drift.verdict is Verdict.NOT_ENOUGH_ROWS:
        return MonitorReport(drift=drift, **kw)
    notes: list[str] = []
    reference = load_reference(bundle.path)
    try:
        pred = bundle.predict(inputs)
    except SchemaError as exc:
        notes.append(f"the model cannot score these rows ({exc}); prediction checks skipped")
        return MonitorReport(drift=drift, notes=tuple(notes), **kw)
    metric_name = bundle.metadata["scores"]["metric"]
    prediction: tuple[ColumnCheck, ...] = ()
    estimate = None
    if reference is None:
        notes.append(_OLD)
    else:
        prediction = tuple(_prediction_checks(reference, pred, policy))
        if bundle.task == "regression":
            notes.append("no label-free estimate for regression (it needs class probabilities)")
        elif reference.get("calibration") is None or pred.probabilities is None:
            notes.append("no label-free estimate: the out-of-fold predictions were labels, not "
                         f"probabilities (the metric {metric_name} needs none)")
        else:
            estimate = estimate_performance(reference, pred.probabilities, bundle.classes, metric_name)
    realised = None
    if labels:
        realised = realised_performance(frame[labels].to_numpy(dtype=object), pred.probabilities,
                                        pred.predictions, bundle.classes, metric_name)
    return MonitorReport(drift=drift, prediction=prediction, estimate=estimate, realised=realised,
                         notes=tuple(notes), **kw)


def _prediction_checks(reference: dict[str, Any], pred, policy: DriftPolicy):
    for name, entry in reference.get("predictions", {}).items():
        if name == "predicted class":
            values = pd.Series(pred.predictions, dtype=object)
        elif name.startswith("probability of ") and pred.probabilities is not None:
            values = pd.Series(pred.probabilities[:, 1])
        elif name == "prediction":
            values = pd.Series(np.asarray(pred.predictions, dtype=float))
        else:
            continue
        yield test_values(name, entry["distribution"], values, policy, std=entry.get("std", 0.0))


def compare_bundles(a, b, frame: pd.DataFrame, *, target: str | None = None, metric: str | None = None,
                    n_boot: int = N_BOOT, seed: int = 0, abs_margin: float = ABS_MARGIN,
                    rel_margin: float = REL_MARGIN) -> Comparison:
    """Score champion ``a`` and challenger ``b`` on the same labelled rows and compare them.

    Raises:
        ConfigError: The target column is missing, the tasks differ, or the metric does not fit.
    """
    if n_boot < 100:
        raise ConfigError(f"--n-boot {n_boot} is too few resamples for a 95% interval; use 100 or more.",
                          field="n_boot")
    target = target or a.metadata["task"]["target"]
    if target not in frame.columns:
        raise ConfigError(f"The labelled data has no column {target!r} (the target); pass the "
                          "file with the true labels.", field="target")
    if a.task != b.task:
        raise ConfigError(f"A is a {a.task} model and B a {b.task} one; compare models of one task.")
    m = get_metric(metric or a.metadata["scores"]["metric"], a.task)
    frame = frame[frame[target].notna()]
    if len(frame) < 2:
        raise ConfigError("The labelled data has fewer than 2 rows with a label; nothing to compare.")
    inputs = frame.drop(columns=[target])
    pa, pb = a.predict(inputs), b.predict(inputs)
    if a.task == "regression":
        y = frame[target].to_numpy(dtype=float)
        va, vb = (np.asarray(p.predictions, dtype=float) for p in (pa, pb))
        classes = None
    else:
        classes = np.arange(len(a.classes))
        y = class_codes(frame[target].to_numpy(dtype=object), a.classes)
        keep = y >= 0
        y = y[keep]
        va, vb = (_outputs(p, a.classes, m.needs_proba)[keep] for p in (pa, pb))

    def score(idx: np.ndarray) -> tuple[float, float]:
        return m.score(y[idx], va[idx], classes), m.score(y[idx], vb[idx], classes)

    a_s, b_s, diff, low, high = paired_bootstrap(score, len(y), greater_is_better=m.greater_is_better,
                                                 n_boot=n_boot, seed=seed, per_row=_per_row(m.name, y, va, vb))
    verdict = decide(a_s, diff, low, high,
                     abs_margin=abs_margin, rel_margin=rel_margin)
    return Comparison(m.name, a_s, b_s, diff, low, high, verdict, len(y), n_boot, abs_margin, rel_margin)


def _outputs(pred, classes, needs_proba: bool) -> np.ndarray:
    """Class codes of the predictions, or probabilities in ``classes`` order."""
    if not needs_proba:
        return class_codes(np.asarray(pred.predictions, dtype=object), classes)
    order = class_codes(np.asarray(pred.classes, dtype=object), classes)
    if sorted(order.tolist()) != list(range(len(classes))):
        raise ConfigError("The two models were trained on different classes; they cannot be compared.")
    out = np.empty_like(pred.probabilities)
    out[:, order] = pred.probabilities
    return out


def _per_row(name: str, y: np.ndarray, va: np.ndarray, vb: np.ndarray):
    """Per-row values whose mean gives the metric, for the fast bootstrap path."""
    if name == "accuracy":
        return (va == y).astype(float), (vb == y).astype(float), lambda m: m
    if name == "log_loss":
        rows = np.arange(len(y))
        return (-np.log(np.clip(va[rows, y], 1e-15, 1)), -np.log(np.clip(vb[rows, y], 1e-15, 1)),
                lambda m: m)
    if name == "mae":
        return np.abs(va - y), np.abs(vb - y), lambda m: m
    if name == "rmse":
        return (va - y) ** 2, (vb - y) ** 2, np.sqrt
    return None
