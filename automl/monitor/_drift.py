"""Drift of new rows against the training profile: one test per column, one dataset verdict.

Each feature column gets the test the policy picks for its kind and reference size
(``_policy``), computed from the profile's stored distribution (``_stats``). The missing-share
change and categories training never had are findings of their own: reported, not counted
in the dataset verdict. A column the new rows lack counts as drifted. A profile written
before distributions were kept (older bundles) cannot run the tests; the result says so per
column, and the findings that need only the old profile (missing share, unseen categories)
still run.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
import pandas as pd

from automl.data import ColumnDistribution
from automl.data import ColumnKind
from automl.data import Profile
from automl.data import level_name
from automl.monitor import _stats
from automl.monitor._policy import DriftPolicy
from automl.monitor._policy import DriftTest

__all__ = ["ColumnCheck", "DriftResult", "Verdict", "check_drift", "test_values"]

MAX_PLOT_BARS = 12
_MISSING_DIST = ("no stored distribution in the training profile (the bundle was exported before "
                 "monitoring existed); re-export the model to run this test")


class Verdict(enum.StrEnum):
    OK = "ok"
    DRIFT = "drift"
    NOT_ENOUGH_ROWS = "not enough rows"


@dataclass(frozen=True)
class ColumnCheck:
    """One column's (or one model output's) drift test and findings.

    Attributes:
        column: The column.
        kind: "numeric" or "categorical" (the view the test used).
        test: The test run (a ``DriftTest`` value), or None when it could not run.
        statistic: The p-value or distance.
        threshold: The policy's threshold for that test.
        drifted: The test says drift (or the column is absent from the new rows).
        importance: The model's permutation importance of the column (0 if unknown).
        findings: Missing-share change, unseen categories, absent column: one sentence each.
        note: Why the test could not run, if it did not.
        plot: Training and new counts on the same bins or categories, for the report.
    """

    column: str
    kind: str
    test: str | None
    statistic: float | None
    threshold: float | None
    drifted: bool
    importance: float = 0.0
    findings: tuple[str, ...] = ()
    note: str = ""
    plot: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self, *, plot: bool = False) -> dict[str, Any]:
        d = {"column": self.column, "kind": self.kind, "test": self.test,
             "statistic": _finite(self.statistic), "threshold": self.threshold,
             "drifted": self.drifted, "importance": self.importance,
             "findings": list(self.findings), "note": self.note}
        if plot:
            d["plot"] = self.plot
        return d


@dataclass(frozen=True)
class DriftResult:
    """The drift part of a monitoring check."""

    rows: int
    verdict: Verdict
    columns: tuple[ColumnCheck, ...]
    share: float  # drifted / tested columns
    weighted_share: float | None  # the same weighted by importance, when importances exist
    not_run: tuple[str, ...] = ()  # "column: why" for each test that could not run

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns if c.drifted)


def check_drift(profile: Profile, frame: pd.DataFrame, features: tuple[str, ...],
                importances: dict[str, float] | None = None,
                policy: DriftPolicy | None = None) -> DriftResult:
    """Test each feature column of ``frame`` against the training ``profile``."""
    policy = policy or DriftPolicy()
    importances = importances or {}
    if len(frame) < policy.min_rows:
        return DriftResult(len(frame), Verdict.NOT_ENOUGH_ROWS, (), 0.0, None,
                           (f"{len(frame)} new rows; the tests need at least {policy.min_rows} "
                            "(DriftPolicy.min_rows)",))
    checks = []
    for name in features:
        weight = max(float(importances.get(name, 0.0) or 0.0), 0.0)
        checks.append(_check_feature(profile, frame, name, weight, policy))
    tested = [c for c in checks if c.test is not None or c.drifted]
    share = sum(c.drifted for c in tested) / len(tested) if tested else 0.0
    total = sum(c.importance for c in tested)
    weighted = sum(c.importance for c in tested if c.drifted) / total if total > 0 else None
    drift = bool(tested) and (share >= policy.drift_share
                              or (weighted is not None and weighted >= policy.drift_share))
    not_run = tuple(f"{c.column}: {c.note}" for c in checks if c.test is None and c.note)
    return DriftResult(len(frame), Verdict.DRIFT if drift else Verdict.OK, tuple(checks), share,
                       weighted, not_run)


def _check_feature(profile: Profile, frame: pd.DataFrame, name: str, weight: float,
                   policy: DriftPolicy) -> ColumnCheck:
    try:
        ref = profile.column(name)
    except KeyError:
        return ColumnCheck(name, "unknown", None, None, None, False, weight,
                           note="the training profile has no such column")
    categorical = ref.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
    kind = "categorical" if categorical else "numeric"
    if name not in frame.columns:
        return ColumnCheck(name, kind, None, None, None, True, weight,
                           ("the column is absent from the new rows",))
    series = frame[name]
    dist = ref.distribution
    findings = list(_missing_finding(ref.missing_pct / 100, series, policy))
    if categorical and (dist is None or dist.other == 0):
        known = set(dist.levels) if dist is not None else set(ref.categories)
        if known:
            findings += _unseen_finding(known, series, policy)
    if dist is None or not (dist.is_numeric or dist.is_categorical):
        note = _MISSING_DIST if ref.kind.is_feature else f"{ref.kind.value} columns are not tested"
        return ColumnCheck(name, kind, None, None, None, False, weight, tuple(findings), note)
    check = test_values(name, dist, series, policy, std=ref.std or 0.0)
    return ColumnCheck(check.column, check.kind, check.test, check.statistic, check.threshold,
                       check.drifted, weight, (*findings, *check.findings), check.note, check.plot)


def test_values(name: str, dist: ColumnDistribution, series: pd.Series, policy: DriftPolicy, *,
                std: float) -> ColumnCheck:
    """Run the policy's test of ``series`` against a stored distribution (no findings)."""
    present = series.dropna()
    # category counts when kept: categorical columns, and numeric ones with few levels
    categorical = dist.is_categorical or not dist.is_numeric
    kind = "categorical" if categorical else "numeric"
    if len(present) < policy.min_rows:
        return ColumnCheck(name, kind, None, None, None, False,
                           note=f"only {len(present)} non-missing new values (fewer than "
                                f"{policy.min_rows})")
    if categorical:
        buckets, ref_counts, new_counts = _stats.category_counts(dist, present)
        test = policy.test_for(categorical=True, reference_rows=dist.n)
        if test is DriftTest.CHI_SQUARE:
            statistic = _stats.chi_square(ref_counts, new_counts)[1]
        else:
            statistic = _stats.jensen_shannon(ref_counts, new_counts)
        plot = _bar_plot(buckets, ref_counts, new_counts)
    else:
        values = pd.to_numeric(present, errors="coerce").to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if len(values) < policy.min_rows:
            return ColumnCheck(name, kind, None, None, None, False,
                               note=f"only {len(values)} numeric new values")
        test = policy.test_for(categorical=False, reference_rows=dist.n)
        if test is DriftTest.KS:
            statistic = _stats.ks_test(dist, values)[1]
        else:
            statistic = _stats.wasserstein_normed(dist, values, std)
        plot = _histogram_plot(dist, values)
    return ColumnCheck(name, kind, test.value, float(statistic), policy.threshold(test),
                       policy.drifted(test, statistic), plot=plot)


def _missing_finding(before: float, series: pd.Series, policy: DriftPolicy) -> list[str]:
    now = float(series.isna().mean()) if len(series) else 0.0
    if abs(now - before) >= policy.missing_change:
        return [f"missing values {before:.1%} in training -> {now:.1%} now"]
    return []


def _unseen_finding(known: set[str], series: pd.Series, policy: DriftPolicy) -> list[str]:
    names = series.dropna().map(level_name)
    if names.empty:
        return []
    unseen = names[~names.isin(known)]
    share = len(unseen) / len(names)
    if share <= policy.unseen_share or unseen.empty:
        return []
    shown = ", ".join(repr(v) for v in unseen.value_counts().index[:3])
    return [f"{share:.1%} of rows have categories training never had ({shown})"]


def _bar_plot(buckets, ref_counts, new_counts) -> dict[str, Any]:
    order = np.argsort(-(ref_counts / max(ref_counts.sum(), 1) + new_counts / max(new_counts.sum(), 1)))
    order = [int(i) for i in order[:MAX_PLOT_BARS] if ref_counts[i] + new_counts[i] > 0]
    return {"type": "bar", "labels": [buckets[i] for i in order],
            "reference": [float(ref_counts[i] / max(ref_counts.sum(), 1)) for i in order],
            "new": [float(new_counts[i] / max(new_counts.sum(), 1)) for i in order]}


def _histogram_plot(dist: ColumnDistribution, values: np.ndarray) -> dict[str, Any]:
    edges = np.asarray(dist.edges)
    inside, _ = np.histogram(values, bins=edges)
    ref = np.asarray(dist.counts, dtype=float)
    return {"type": "histogram", "edges": edges.tolist(),
            "reference": (ref / max(ref.sum(), 1)).tolist(),
            "new": (inside / max(len(values), 1)).tolist(),
            "below": float((values < edges[0]).mean()), "above": float((values > edges[-1]).mean())}


def _finite(v: float | None) -> float | None:
    if v is None or not np.isfinite(v):
        return None
    return float(v)
