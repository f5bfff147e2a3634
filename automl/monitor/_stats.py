"""The drift statistics, computed from what a training profile keeps (never its rows).

The new rows are at hand; the training column is known only through its stored
``ColumnDistribution``. Each function says how it uses it:

* **Kolmogorov-Smirnov**: the training distribution function is rebuilt from the stored
  quantiles (``inverted_cdf``, linear between them). It lies within 1/Q of the empirical
  one everywhere (Q = 200 intervals: 0.005), so the statistic is within 0.005 of the one
  ``scipy.stats.ks_2samp`` computes on the raw rows. The p-value is Smirnov's limiting
  distribution for the effective size n*m/(n+m) (``scipy.stats.kstwo``), as
  ``ks_2samp(method="asymp")`` does.
* **Wasserstein** (earth mover's) distance over the training standard deviation:
  ``scipy.stats.wasserstein_distance`` between the new values and the training quantile
  function sampled at 2,000 evenly spaced probabilities.
* **Chi-square**: the stored category counts are the training column exactly (all levels,
  or the top ones plus an "other" bucket), so the 2 x k table of counts is the one the raw
  rows give and ``scipy.stats.chi2_contingency`` (test of homogeneity, no continuity
  correction: for two levels it is the two-proportion z-test) is exact.
* **Jensen-Shannon distance** of the category shares, ``scipy.spatial.distance.jensenshannon``
  (natural logarithm, so from 0 to sqrt(ln 2) = 0.83), exact for the same reason.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.spatial import distance

from automl.data import ColumnDistribution
from automl.data import level_name

__all__ = ["category_counts", "chi_square", "jensen_shannon", "ks_test", "reference_cdf",
           "wasserstein_normed"]

WASSERSTEIN_POINTS = 2000
UNSEEN = "(unseen)"
OTHER = "(other)"


def reference_cdf(quantiles: np.ndarray, x: np.ndarray, *, left: bool = False) -> np.ndarray:
    """The training distribution function at ``x`` (or its left limit), from the quantiles."""
    q = np.asarray(quantiles, dtype=float)
    k = len(q) - 1
    j = np.searchsorted(q, x, side="left" if left else "right")  # knots below (or at) x
    inner = (j >= 1) & (j <= k)
    lo = q[np.clip(j - 1, 0, k)]
    hi = q[np.clip(j, 0, k)]
    width = np.where(hi > lo, hi - lo, 1.0)
    frac = np.clip((x - lo) / width, 0.0, 1.0)
    out = np.where(j > k, 1.0, 0.0)
    return np.where(inner, (j - 1 + frac) / k, out)


def ks_test(reference: ColumnDistribution, values: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov statistic and p-value (see the module notes)."""
    v = np.sort(np.asarray(values, dtype=float))
    m, n = len(v), reference.n
    points = np.union1d(v, np.asarray(reference.quantiles))
    right = np.abs(reference_cdf(reference.quantiles, points)
                   - np.searchsorted(v, points, side="right") / m)
    left = np.abs(reference_cdf(reference.quantiles, points, left=True)
                  - np.searchsorted(v, points, side="left") / m)
    d = float(max(right.max(), left.max()))
    en = round(n * m / (n + m))
    return d, float(stats.kstwo.sf(d, max(en, 1)))


def wasserstein_normed(reference: ColumnDistribution, values: np.ndarray, std: float) -> float:
    """Wasserstein distance between the training and new values, in training standard deviations."""
    q = np.asarray(reference.quantiles)
    probs = (np.arange(WASSERSTEIN_POINTS) + 0.5) / WASSERSTEIN_POINTS
    pseudo = np.interp(probs, np.linspace(0.0, 1.0, len(q)), q)
    w = float(stats.wasserstein_distance(pseudo, np.asarray(values, dtype=float)))
    return w / std if std > 0 else (0.0 if w == 0 else float("inf"))


def category_counts(reference: ColumnDistribution, values) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The 2 x k table: buckets, training counts, new counts.

    Buckets are the stored levels, then "(other)" when the training column had more levels
    than were kept (new values outside the kept ones go there), else "(unseen)" for new
    values training never had.
    """
    names = [level_name(v) for v in values]
    index = {lv: i for i, lv in enumerate(reference.levels)}
    new = np.zeros(len(reference.levels) + 1, dtype=float)
    for name in names:
        new[index.get(name, len(reference.levels))] += 1
    ref = np.array([*reference.level_counts, reference.other], dtype=float)
    buckets = [*reference.levels, OTHER if reference.other else UNSEEN]
    return buckets, ref, new


def chi_square(ref_counts: np.ndarray, new_counts: np.ndarray) -> tuple[float, float]:
    """Chi-square test of homogeneity of two count vectors: statistic and p-value."""
    keep = (ref_counts + new_counts) > 0
    table = np.vstack([ref_counts[keep], new_counts[keep]])
    if table.shape[1] < 2:
        return 0.0, 1.0
    result = stats.chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue)


def jensen_shannon(ref_counts: np.ndarray, new_counts: np.ndarray) -> float:
    """Jensen-Shannon distance (natural log) between two count vectors' shares."""
    if ref_counts.sum() == 0 or new_counts.sum() == 0:
        return 0.0
    return float(distance.jensenshannon(ref_counts / ref_counts.sum(), new_counts / new_counts.sum()))
