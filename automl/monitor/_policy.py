"""The drift policy: which test each column gets, its threshold, and when a dataset drifted.

The defaults are the field's (Evidently's documented defaults): with a training reference of
1,000 rows or fewer, Kolmogorov-Smirnov for numeric columns and chi-square for categorical
ones (and numeric ones with at most 5 distinct values), drift when p < 0.05; above, the
Wasserstein distance in training standard deviations and the Jensen-Shannon distance, drift
when the distance reaches 0.1. The dataset drifted when at least half of the tested columns
did, or when their importance-weighted share reaches the same mark. A project file's
``[monitor]`` table overrides any field (``DriftPolicy.from_dict``).
"""

from __future__ import annotations

import enum
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import fields
from typing import Any

from automl.errors import ConfigError

__all__ = ["DriftPolicy", "DriftTest"]


class DriftTest(enum.StrEnum):
    """A per-column drift test. p-value tests drift below the threshold, distances at or above it."""

    KS = "ks"
    CHI_SQUARE = "chi_square"
    WASSERSTEIN = "wasserstein"
    JENSEN_SHANNON = "jensen_shannon"

    @property
    def is_p_value(self) -> bool:
        return self in (DriftTest.KS, DriftTest.CHI_SQUARE)

    @property
    def label(self) -> str:
        return {"ks": "Kolmogorov-Smirnov p-value", "chi_square": "chi-square p-value",
                "wasserstein": "Wasserstein distance (training sd)",
                "jensen_shannon": "Jensen-Shannon distance"}[self.value]


@dataclass(frozen=True)
class DriftPolicy:
    """How drift is decided. Every field can be overridden in a project's ``[monitor]`` table.

    Attributes:
        small_reference_rows: A training reference of at most this many rows gets the
            p-value tests; a larger one the distances.
        p_value: Drift when a test's p-value is below this.
        wasserstein: Drift when the normed Wasserstein distance reaches this.
        jensen_shannon: Drift when the Jensen-Shannon distance reaches this.
        numeric_test: Force one test on numeric columns ("" = by reference size).
        categorical_test: Force one test on categorical columns ("" = by reference size).
        drift_share: The dataset drifted when this share of tested columns (plain or
            weighted by the model's feature importances) drifted.
        missing_change: A change of the missing share by this much (absolute) is a finding.
        unseen_share: New rows with a category training never had, above this share, are a
            finding.
        min_rows: Fewer new rows than this: the verdict is "not enough rows".
    """

    small_reference_rows: int = 1000
    p_value: float = 0.05
    wasserstein: float = 0.1
    jensen_shannon: float = 0.1
    numeric_test: str = ""
    categorical_test: str = ""
    drift_share: float = 0.5
    missing_change: float = 0.1
    unseen_share: float = 0.01
    min_rows: int = 30

    def __post_init__(self) -> None:
        for name in ("p_value", "drift_share", "missing_change", "unseen_share"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ConfigError(f"Monitor setting {name} = {value!r} must be in (0, 1].", field=name)
        for name in ("wasserstein", "jensen_shannon"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"Monitor setting {name} must be a positive distance.", field=name)
        if self.min_rows < 1 or self.small_reference_rows < 0:
            raise ConfigError("Monitor settings min_rows and small_reference_rows must be "
                              "positive row counts.", field="min_rows")
        allowed = {"numeric_test": ("", "ks", "wasserstein"),
                   "categorical_test": ("", "chi_square", "jensen_shannon")}
        for name, choices in allowed.items():
            if getattr(self, name) not in choices:
                raise ConfigError(f"Monitor setting {name} = {getattr(self, name)!r} is not a "
                                  f"test for that kind; choose one of: {', '.join(c for c in choices if c)}.",
                                  field=name, choices=choices)

    def test_for(self, *, categorical: bool, reference_rows: int) -> DriftTest:
        """The test a column gets."""
        forced = self.categorical_test if categorical else self.numeric_test
        if forced:
            return DriftTest(forced)
        small = reference_rows <= self.small_reference_rows
        if categorical:
            return DriftTest.CHI_SQUARE if small else DriftTest.JENSEN_SHANNON
        return DriftTest.KS if small else DriftTest.WASSERSTEIN

    def threshold(self, test: DriftTest) -> float:
        return {DriftTest.KS: self.p_value, DriftTest.CHI_SQUARE: self.p_value,
                DriftTest.WASSERSTEIN: self.wasserstein,
                DriftTest.JENSEN_SHANNON: self.jensen_shannon}[test]

    def drifted(self, test: DriftTest, statistic: float) -> bool:
        limit = self.threshold(test)
        return statistic < limit if test.is_p_value else statistic >= limit

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> DriftPolicy:
        """Build from a project file's ``[monitor]`` table; unknown keys are refused.

        Raises:
            ConfigError: An unknown key or an out-of-range value.
        """
        d = dict(d or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"Unknown monitor setting(s) {', '.join(map(repr, unknown))}; "
                              f"known: {', '.join(sorted(known))}.", field=unknown[0])
        return cls(**d)
