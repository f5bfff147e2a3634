"""The budget arithmetic: pure functions, checked on numbers worked out by hand."""

from __future__ import annotations

import pytest

from automl.search import _budget as b


def test_the_promise_is_budget_times_1_1_plus_5_seconds():
    assert b.promise_end(100.0, 60) == pytest.approx(100.0 + 71.0)
    assert b.promise_end(0.0, 2) == pytest.approx(7.2)


def test_the_export_reserve_grows_with_the_table():
    small = b.export_reserve_s(120, 5)
    large = b.export_reserve_s(100_000, 20)
    assert small == pytest.approx(b.EXPORT_BASE_S, abs=0.01)
    assert large == pytest.approx(b.EXPORT_BASE_S + 2.0)
    assert b.final_end(0.0, 60, 100_000, 20) == pytest.approx(71 - large - b.SAFETY_S)


def test_a_refit_is_scaled_by_the_rows_it_sees():
    # 1 s on a fold of 800 rows -> 1,000 rows: 1.25 x 1.3 + 0.3
    assert b.refit_seconds(1.0, 1000, 800) == pytest.approx(1.25 * b.REFIT_SCALE + b.REFIT_OVERHEAD_S)


def test_the_refit_reserve_takes_the_longer_of_one_refit_and_the_top_trials_side_by_side():
    one = b.refit_seconds(2.0, 1000, 800)
    top = [2.0, 2.0, 2.0]
    side_by_side = 3 * b.refit_seconds(2.0, 1000, 800) / 2
    assert b.refit_reserve_s(2.0, top, 1000, 800, 2, 60) == pytest.approx(max(one, side_by_side) + 1)
    assert b.refit_reserve_s(100.0, [100.0], 1000, 800, 2, 60) == 30  # at most half the budget


def test_a_trial_projected_at_the_pace_of_its_folds():
    assert b.projected_seconds(3.0, 1, 5) == 15.0
    assert b.projected_seconds(3.0, 3, 3) == 3.0


def test_a_family_not_seen_yet_is_estimated_by_its_cost_hint():
    costs = {"hgb": 1.0, "rf": 3.0, "linear": 0.3}
    durations = {"hgb": [1.0, 3.0], "linear": [0.3]}
    assert b.estimate_seconds("hgb", costs, durations) == 2.0  # its own median
    assert b.estimate_seconds("rf", costs, durations) == pytest.approx(3.0 * 1.5)
    assert b.estimate_seconds("rf", costs, {}) is None


def test_the_pace_verdict_names_the_deadline_that_binds():
    # 1 of 5 folds in 3 s: 15 s in all; own limit of 10 s from t=0
    projected, why, own = b.pace_verdict(0.0, 3.0, 1, 5, deadline=10.0, limit_s=10.0)
    assert projected == 15.0 and own and "per-trial limit (10 s)" in why
    projected, why, own = b.pace_verdict(0.0, 3.0, 1, 5, deadline=8.0, limit_s=10.0)
    assert not own and "7 s after the search" in why
    assert b.pace_verdict(0.0, 1.0, 1, 5, deadline=10.0, limit_s=10.0) is None  # 5 s fits
