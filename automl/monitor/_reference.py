"""The monitoring reference a bundle carries, built at export from the out-of-fold predictions.

``monitor_reference.json`` holds, never a row:

* ``predictions``: the distribution of the model's out-of-fold outputs (predicted class
  counts for classification, and for binary tasks the quantiles and histogram of the positive
  class's probability; quantiles and histogram of the predictions for regression);
* ``calibration``: for classification with probabilities, one isotonic map per class from the
  out-of-fold probability to the observed frequency (its knots), which the performance
  estimate applies to new rows' probabilities.

Out-of-fold predictions come from the fold models, not from the final model refit on every
row, so they describe it a little pessimistically; the estimate inherits that (docs/monitoring.md).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from automl.data import ColumnDistribution
from automl.data import distribution_of

__all__ = ["REFERENCE_FILE", "load_reference", "reference_files"]

REFERENCE_FILE = "monitor_reference.json"
FORMAT = 1
MAX_KNOTS = 400
_log = logging.getLogger(__name__)


def reference_files(task_kind: str, classes, oof: np.ndarray | None, y: np.ndarray) -> dict[str, str]:
    """The bundle files of the monitoring reference ({} when there are no out-of-fold predictions).

    Never raises: a reference that cannot be built leaves the bundle without one (monitoring
    then reports which checks cannot run) rather than failing the export.
    """
    if oof is None:
        return {}
    try:
        doc = build_reference(task_kind, list(classes or ()), np.asarray(oof), np.asarray(y))
    except Exception as exc:  # noqa: BLE001 - the export must not fail for monitoring's sake
        _log.warning("no monitoring reference written: %s: %s", type(exc).__name__, exc)
        return {}
    return {REFERENCE_FILE: json.dumps(doc, indent=1, allow_nan=False) + "\n"}


def build_reference(task_kind: str, classes: list, oof: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """The reference document from out-of-fold predictions and the true targets."""
    doc: dict[str, Any] = {"format": FORMAT, "task": task_kind, "rows": len(y),
                           "classes": [_plain(c) for c in classes], "predictions": {},
                           "calibration": None}
    preds = doc["predictions"]
    if task_kind == "regression":
        values = pd.Series(oof.reshape(len(oof)).astype(float))
        preds["prediction"] = _entry(values, numeric=True)
        return doc
    proba = oof.ndim == 2 and oof.dtype != object
    labels = np.asarray(classes, dtype=object)[oof.argmax(axis=1)] if proba else oof.reshape(len(oof))
    preds["predicted class"] = _entry(pd.Series(labels, dtype=object), numeric=False)
    if not proba:
        return doc
    if len(classes) == 2:
        preds[f"probability of {classes[1]}"] = _entry(pd.Series(oof[:, 1]), numeric=True)
    doc["calibration"] = {"method": "isotonic",
                          "maps": [_isotonic(oof[:, j], np.asarray(y) == c) for j, c in enumerate(classes)]}
    return doc


def load_reference(bundle_path: str | Path) -> dict[str, Any] | None:
    """The bundle's monitoring reference, or None (bundles exported before monitoring)."""
    path = Path(bundle_path) / REFERENCE_FILE
    if not path.is_file():
        return None
    doc = json.loads(path.read_text(encoding="utf-8"))
    for entry in doc.get("predictions", {}).values():
        entry["distribution"] = ColumnDistribution.from_dict(entry["distribution"])
    return doc


def calibrate(doc: dict[str, Any], proba: np.ndarray) -> np.ndarray:
    """Apply the stored isotonic maps to probabilities (columns in class order), rows renormalised."""
    maps = doc["calibration"]["maps"]
    out = np.column_stack([np.interp(proba[:, j], m["x"], m["y"]) for j, m in enumerate(maps)])
    if out.shape[1] == 2:  # binary: the positive class's map decides, the other is its complement
        out[:, 0] = 1.0 - out[:, 1]
        return out
    total = out.sum(axis=1, keepdims=True)
    even = np.full_like(out, 1.0 / out.shape[1])
    return np.where(total > 0, out / np.where(total > 0, total, 1.0), even)


def _entry(values: pd.Series, *, numeric: bool) -> dict[str, Any]:
    dist = distribution_of(values, numeric=numeric)
    std = float(values.astype(float).std(ddof=1)) if numeric and len(values) > 1 else 0.0
    return {"distribution": dist.to_dict(), "std": std}


def _isotonic(p: np.ndarray, hit: np.ndarray) -> dict[str, list[float]]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p, hit.astype(float))
    x, v = np.asarray(iso.X_thresholds_, dtype=float), np.asarray(iso.y_thresholds_, dtype=float)
    if len(x) > MAX_KNOTS:  # keep the map, not one knot per row
        grid = np.quantile(x, np.linspace(0, 1, MAX_KNOTS))
        x, v = np.unique(grid), np.interp(np.unique(grid), x, v)
    return {"x": [float(a) for a in x], "y": [float(b) for b in v]}


def _plain(value):
    return value.item() if hasattr(value, "item") else value
