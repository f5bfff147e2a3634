"""Drift of new rows against a bundle's training profile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.data import load_dataset
from automl.data import profile_dataset
from automl.monitor import drift_report


def _frame(n=500, shift=0.0, colors=("red", "green", "blue"), seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(loc=shift, size=n),
                         "color": rng.choice(list(colors), size=n), "y": rng.integers(0, 2, n)})


def test_same_distribution_is_ok():
    ref = profile_dataset(load_dataset(_frame(seed=0)), target="y")
    report = drift_report(ref, _frame(seed=1), ("x", "color"))
    assert report.status == "ok", report.to_dict()


def test_shifted_mean_and_unseen_categories_are_drift():
    ref = profile_dataset(load_dataset(_frame(seed=0)), target="y")
    report = drift_report(ref, _frame(shift=1.0, colors=("red", "purple"), seed=1), ("x", "color"))
    by = {c.column: c for c in report.columns}
    assert by["x"].status == "drift" and by["x"].stats["mean_shift_sd"] > 0.5
    assert by["color"].status == "drift" and by["color"].stats["unseen"] > 0.3
    assert report.status == "drift"


def test_absent_column_is_reported():
    ref = profile_dataset(load_dataset(_frame()), target="y")
    report = drift_report(ref, _frame().drop(columns="color"), ("x", "color"))
    assert {c.column: c.status for c in report.columns}["color"] == "missing"
