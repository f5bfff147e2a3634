"""Drift verdicts: false alarms on independent splits, detection of the shifts that matter,
the dataset rule, findings of their own, too few rows, and profiles from before distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from automl.data import Profile
from automl.data import load_dataset
from automl.data import profile_dataset
from automl.datasets import sample_path
from automl.monitor import Verdict
from automl.monitor import check_drift

SEEDS = range(12)


def _table(name: str) -> tuple[pd.DataFrame, str]:
    target = {"breast_cancer": "diagnosis", "penguins": "species"}[name]
    return pd.read_csv(sample_path(name)), target


def _large(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) * (i + 1) + i for i in range(5)})
    frame["skewed"] = rng.exponential(size=n)
    frame["count"] = rng.poisson(3, size=n)
    frame["color"] = rng.choice(["red", "green", "blue", "grey"], size=n, p=[0.4, 0.3, 0.2, 0.1])
    frame["flag"] = rng.choice(["yes", "no"], size=n)
    frame["city"] = rng.choice([f"c{i}" for i in range(30)], size=n)
    return frame


def _split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = np.random.default_rng(seed).permutation(len(frame))
    half = len(frame) // 2
    return frame.iloc[idx[:half]].reset_index(drop=True), frame.iloc[idx[half:]].reset_index(drop=True)


def _check(train: pd.DataFrame, new: pd.DataFrame, target: str | None = None, importances=None):
    profile = profile_dataset(load_dataset(train), target=target)
    features = profile.feature_columns(target) if target else tuple(train.columns)
    return check_drift(profile, new, features, importances)


def _cases():
    for name in ("breast_cancer", "penguins"):
        frame, target = _table(name)
        yield name, frame.drop(columns=[target]), None
    yield "synthetic 6000", _large(), None


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: c[0])
def test_independent_splits_raise_no_alarm(case):
    """Same table, two random halves: "no drift", and at most one column in ten flagged."""
    _, frame, target = case
    flagged = []
    for seed in SEEDS:
        train, new = _split(frame, seed)
        result = _check(train, new, target)
        assert result.verdict is Verdict.OK, (seed, result.drifted_columns)
        flagged.append(result.share)
    assert np.mean(flagged) <= 0.1, flagged
    assert flagged[0] <= 0.1


def _shift_numeric(new: pd.DataFrame, column: str, train: pd.DataFrame) -> pd.DataFrame:
    """The new rows' mean moved to half a training sd from the training mean."""
    out = new.copy()
    out[column] = out[column] - out[column].mean() + train[column].mean() + 0.5 * train[column].std()
    return out


def _move_category(new: pd.DataFrame, train: pd.DataFrame, column: str, level: str, seed: int):
    """Give ``level`` 20 points more share than in training, taken from the other levels."""
    out = new.copy()
    others = np.flatnonzero((out[column] != level) & out[column].notna())
    then = (train[column] == level).sum() / train[column].notna().sum()
    now = (out[column] == level).sum() / out[column].notna().sum()
    k = int(round((then + 0.2 - now) * out[column].notna().sum()))
    out.loc[np.random.default_rng(seed).choice(others, k, replace=False), column] = level
    return out


@pytest.mark.parametrize(("name", "numeric", "categorical"), [
    ("breast_cancer", "mean smoothness", None),
    ("penguins", "bill_length_mm", ("island", "Torgersen")),
    ("synthetic 6000", "x3", ("color", "grey")),
])
def test_half_sd_shift_and_20_point_share_move_are_flagged(name, numeric, categorical):
    frame = dict((n, f) for n, f, _ in _cases())[name]
    for seed in SEEDS:
        train, new = _split(frame, seed)
        result = _check(train, _shift_numeric(new, numeric, train))
        assert numeric in result.drifted_columns, seed
        if categorical:
            column, level = categorical
            result = _check(train, _move_category(new, train, column, level, seed))
            assert column in result.drifted_columns, seed


def _two_normals(n, shifts, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.normal(loc=s, size=n) for c, s in zip("abcd", shifts, strict=True)})


def test_dataset_drifts_at_half_the_columns_or_half_the_importance():
    train = _two_normals(500, (0, 0, 0, 0))
    assert _check(train, _two_normals(400, (1, 1, 0, 0), seed=1)).verdict is Verdict.DRIFT
    one = _two_normals(400, (1, 0, 0, 0), seed=1)
    assert _check(train, one).verdict is Verdict.OK
    weighted = _check(train, one, importances={"a": 0.9, "b": 0.05, "c": 0.03, "d": -0.01})
    assert weighted.share == 0.25 and weighted.weighted_share > 0.5
    assert weighted.verdict is Verdict.DRIFT


def test_missing_share_and_unseen_categories_are_findings_of_their_own():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(size=600), "color": rng.choice(["red", "blue"], 600)})
    new = pd.DataFrame({"x": rng.normal(size=300), "color": rng.choice(["red", "blue"], 300)})
    new.loc[:99, "x"] = np.nan
    new.loc[200:229, "color"] = "purple"
    by = {c.column: c for c in _check(train, new).columns}
    assert any("missing values 0.0% in training -> 33.3% now" in f for f in by["x"].findings)
    assert not by["x"].drifted  # the values that are there did not move
    assert any("categories training never had ('purple')" in f for f in by["color"].findings)


def test_too_few_rows_is_not_a_guess():
    train = _two_normals(500, (0, 0, 0, 0))
    result = _check(train, _two_normals(10, (3, 3, 3, 3)))
    assert result.verdict is Verdict.NOT_ENOUGH_ROWS and not result.columns
    assert "10 new rows" in result.not_run[0]


def test_absent_column_counts_as_drifted():
    train = _two_normals(500, (0, 0, 0, 0))
    result = _check(train, _two_normals(300, (0, 0, 0, 0), seed=2).drop(columns=["a"]))
    assert result.drifted_columns == ("a",)
    assert "absent" in result.columns[0].findings[0]


def test_profiles_written_before_distributions_say_which_tests_could_not_run():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(size=600), "color": rng.choice(["red", "blue"], 600)})
    doc = profile_dataset(load_dataset(train)).to_dict()
    for column in doc["columns"]:
        del column["distribution"]  # the profile.json of an older bundle
    old = Profile.from_dict(doc)
    new = train.iloc[:300].copy()
    new.loc[:120, "x"] = np.nan
    new.loc[:60, "color"] = "purple"
    result = check_drift(old, new, ("x", "color"))
    assert result.verdict is Verdict.OK and all(c.test is None for c in result.columns)
    assert len(result.not_run) == 2 and "exported before monitoring" in result.not_run[0]
    by = {c.column: c for c in result.columns}
    assert by["x"].findings and by["color"].findings  # the old profile still has what these need
