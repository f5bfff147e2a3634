"""Champion against challenger: the paired bootstrap interval's coverage and the verdict's margin."""

from __future__ import annotations

import numpy as np
import pytest

from automl.monitor import CompareVerdict
from automl.monitor import paired_bootstrap
from automl.monitor._compare import decide

# A population of rows on which A is right with probability 0.80 and B with 0.83, with the
# two models' errors correlated (the same rows are hard for both): true difference 0.03.
P_BOTH, P_A_ONLY, P_B_ONLY = 0.74, 0.06, 0.09  # P(both right), P(only A), P(only B)
TRUE_DIFFERENCE = P_B_ONLY - P_A_ONLY


def _sample(rng, n):
    u = rng.random(n)
    a = (u < P_BOTH + P_A_ONLY).astype(float)
    b = ((u < P_BOTH) | ((u >= P_BOTH + P_A_ONLY) & (u < P_BOTH + P_A_ONLY + P_B_ONLY))).astype(float)
    return a, b


def _interval(a, b, seed, n_boot=1000):
    def score(idx):
        return a[idx].mean(), b[idx].mean()

    return paired_bootstrap(score, len(a), greater_is_better=True, n_boot=n_boot, seed=seed,
                            per_row=(a, b, lambda m: m))


def test_paired_bootstrap_interval_covers_the_true_difference_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    reps, covered = 1000, 0
    for rep in range(reps):
        a, b = _sample(rng, 400)
        *_, low, high = _interval(a, b, rep)
        covered += low <= TRUE_DIFFERENCE <= high
    assert 0.92 <= covered / reps <= 0.98, covered / reps


def test_fast_path_and_generic_path_agree():
    rng = np.random.default_rng(1)
    a, b = _sample(rng, 300)
    fast = _interval(a, b, 7)
    slow = paired_bootstrap(lambda idx: (a[idx].mean(), b[idx].mean()), len(a),
                            greater_is_better=True, n_boot=1000, seed=7)
    assert fast[:3] == pytest.approx(slow[:3])
    assert fast[3] == pytest.approx(slow[3], abs=0.01) and fast[4] == pytest.approx(slow[4], abs=0.01)


def test_difference_is_oriented_by_the_metric_direction():
    a_err = np.array([1.0, 2.0, 3.0, 2.0] * 50)
    b_err = a_err * 0.5  # B's errors are half of A's: B is better on a lower-is-better metric
    out = paired_bootstrap(lambda idx: (a_err[idx].mean(), b_err[idx].mean()), len(a_err),
                           greater_is_better=False, n_boot=200, seed=0)
    assert out[2] > 0 and out[3] > 0


@pytest.mark.parametrize(("a", "diff", "low", "high", "expected"), [
    (0.80, 0.030, 0.010, 0.050, CompareVerdict.BETTER),
    (0.80, 0.003, 0.001, 0.005, CompareVerdict.SAME),  # sure, but smaller than 0.5% of 0.80
    (0.80, 0.030, -0.001, 0.060, CompareVerdict.SAME),  # the interval reaches 0
    (0.80, -0.030, -0.050, -0.010, CompareVerdict.WORSE),
])
def test_verdict_needs_the_interval_and_both_margins(a, diff, low, high, expected):
    assert decide(a, diff, low, high) is expected
