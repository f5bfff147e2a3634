"""Champion against challenger on the same labelled rows: a paired bootstrap and a margin.

Both models score the same rows. The rows are resampled with replacement ``n_boot`` times;
on each resample both metrics are computed on the same rows, so the difference keeps the
pairing (a row that is hard for one model is usually hard for the other). The 95% interval
is the 2.5 / 97.5 percentiles of the resampled differences (percentile bootstrap).

The difference is B minus A in the metric's better direction (positive: B is better). The
verdict, like MLflow's metric thresholds, needs both the interval and a margin:

* "B is better": the interval lies above 0 and the difference reaches both the absolute
  margin and the relative margin (a share of A's score);
* "B is worse": the interval lies below 0;
* otherwise "no clear difference".
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Comparison", "CompareVerdict", "decide", "paired_bootstrap"]

N_BOOT = 1000
ABS_MARGIN = 0.002
REL_MARGIN = 0.005


class CompareVerdict(enum.StrEnum):
    BETTER = "B is better"
    SAME = "no clear difference"
    WORSE = "B is worse"


@dataclass(frozen=True)
class Comparison:
    """The result of ``automl compare``: metric of A and B, difference (B - A, better
    direction), its 95% paired bootstrap interval and the verdict."""

    metric: str
    a: float
    b: float
    difference: float
    low: float
    high: float
    verdict: CompareVerdict
    rows: int
    n_boot: int
    abs_margin: float
    rel_margin: float

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["verdict"] = self.verdict.value
        return d


def paired_bootstrap(score: Callable[[np.ndarray], tuple[float, float]], n_rows: int, *,
                     greater_is_better: bool, n_boot: int = N_BOOT, seed: int = 0,
                     per_row: tuple[np.ndarray, np.ndarray, Callable[[np.ndarray], np.ndarray]] | None = None,
                     ) -> tuple[float, float, float, float, float]:
    """Metric of A and B on all rows, and the difference with its 95% interval.

    Args:
        score: Given row indices, the metric of A and of B on those rows.
        n_rows: Number of rows.
        greater_is_better: The metric's direction (the difference is oriented by it).
        per_row: Optional fast path for metrics that are a function of a mean of per-row
            values: (values of A, values of B, the function of the mean), e.g. accuracy
            from "is correct", RMSE from squared errors with a square root.

    Returns:
        (a, b, difference, low, high).
    """
    sign = 1.0 if greater_is_better else -1.0
    a, b = score(np.arange(n_rows))
    rng = np.random.default_rng(seed)
    if per_row is not None:
        va, vb, fn = per_row
        diffs = np.empty(n_boot)
        batch = max(1, min(100, 2_000_000 // max(n_rows, 1)))  # resamples at a time
        for start in range(0, n_boot, batch):
            k = min(batch, n_boot - start)
            idx = rng.integers(0, n_rows, (k, n_rows))  # the same draws as the generic path
            diffs[start:start + k] = sign * (fn(vb[idx].mean(axis=1)) - fn(va[idx].mean(axis=1)))
    else:
        diffs = np.empty(n_boot)
        for i in range(n_boot):
            ra, rb = score(rng.integers(0, n_rows, n_rows))
            diffs[i] = sign * (rb - ra)
        diffs = diffs[np.isfinite(diffs)]
    low, high = np.quantile(diffs, [0.025, 0.975])
    return float(a), float(b), float(sign * (b - a)), float(low), float(high)


def decide(a: float, difference: float, low: float, high: float, *, abs_margin: float = ABS_MARGIN,
           rel_margin: float = REL_MARGIN) -> CompareVerdict:
    """The verdict from the difference, its interval and the margins (see the module notes)."""
    if low > 0 and difference >= abs_margin and difference >= rel_margin * abs(a):
        return CompareVerdict.BETTER
    if high < 0:
        return CompareVerdict.WORSE
    return CompareVerdict.SAME
