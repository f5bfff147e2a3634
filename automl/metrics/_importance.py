"""Feature importances of a fitted Pipeline, per original input column.

Permutation importance on a small sample, with the run's own metric: it works for every
model family (HistGradientBoosting has no ``feature_importances_``) and speaks of the
columns the user knows, not of one-hot or TF-IDF outputs. Bounded in rows and time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # only the annotations: the metric registry imports no pandas
    import pandas as pd


def permutation_importances(
    predict: Callable[[pd.DataFrame], np.ndarray],
    score: Callable[[np.ndarray, np.ndarray], float],
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    greater_is_better: bool,
    seed: int = 0,
    max_rows: int = 500,
    repeats: int = 2,
    time_cap_s: float = 3.0,
) -> dict[str, float]:
    """Mean loss of score when each column is shuffled (larger = more important).

    Returns an empty dict when even one pass would not fit in ``time_cap_s``.
    """
    rng = np.random.default_rng(seed)
    if len(X) > max_rows:
        idx = rng.choice(len(X), size=max_rows, replace=False)
        X, y = X.iloc[idx].reset_index(drop=True), y[idx]
    else:
        X = X.reset_index(drop=True)
    t0 = time.perf_counter()
    base = score(y, predict(X))
    one = time.perf_counter() - t0
    if one * X.shape[1] * repeats > time_cap_s:
        repeats = 1
    if one * X.shape[1] > time_cap_s:  # fewer rows: rougher, but within the cap
        keep = int(len(X) * time_cap_s / (one * X.shape[1] * 1.2))
        if keep < 100:
            return {}
        X, y = X.iloc[:keep].reset_index(drop=True), y[:keep]
        base = score(y, predict(X))
    sign = 1.0 if greater_is_better else -1.0
    out: dict[str, float] = {}
    for col in X.columns:
        drops = []
        for _ in range(repeats):
            shuffled = X.copy()
            shuffled[col] = X[col].to_numpy()[rng.permutation(len(X))]
            drops.append(sign * (base - score(y, predict(shuffled))))
        out[str(col)] = float(np.mean(drops))
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
