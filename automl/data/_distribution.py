"""What a drift test needs to know about a training column, without keeping its rows.

* numeric columns: ``QUANTILES + 1`` quantiles (``inverted_cdf``: each is a value of the
  column) and a histogram on ``HISTOGRAM_BINS`` fixed, equal-width bin edges between the
  minimum and the maximum; the drift tests rebuild the column's distribution function from the
  quantiles (within 1 / ``QUANTILES`` of the empirical one everywhere) and bin new rows on
  the same edges for the plots;
* categorical and boolean columns, and numeric ones with at most ``FEW_LEVELS`` distinct
  values: the count of each of the ``MAX_LEVELS`` most frequent values (as strings) and the
  count of all the others (the "other" bucket);
* every column: the number of values and the share of missing ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

__all__ = ["ColumnDistribution", "distribution_for_kind", "distribution_of"]

QUANTILES = 200  # quantiles at 0, 0.5%, ..., 100%
HISTOGRAM_BINS = 20
MAX_LEVELS = 100
FEW_LEVELS = 5  # numeric columns with this many distinct values or fewer are tested as categories


@dataclass(frozen=True)
class ColumnDistribution:
    """Summary of one column's values (never the rows themselves).

    Attributes:
        n: Number of non-missing values.
        missing: Share of missing values (0..1).
        quantiles: Numeric columns: ``QUANTILES + 1`` values at probabilities 0, 1/Q, ..., 1.
        edges: Numeric columns: histogram bin edges (fixed at training time).
        counts: Numeric columns: values per histogram bin.
        levels: Categorical view: the most frequent values as strings.
        level_counts: Count of each of ``levels``.
        other: Count of values outside ``levels`` (0 when ``levels`` lists every value).
    """

    n: int
    missing: float
    quantiles: tuple[float, ...] = ()
    edges: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    levels: tuple[str, ...] = ()
    level_counts: tuple[int, ...] = ()
    other: int = 0

    @property
    def is_numeric(self) -> bool:
        return bool(self.quantiles)

    @property
    def is_categorical(self) -> bool:
        return bool(self.levels)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "missing": self.missing, "quantiles": list(self.quantiles),
                "edges": list(self.edges), "counts": list(self.counts), "levels": list(self.levels),
                "level_counts": list(self.level_counts), "other": self.other}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnDistribution:
        return cls(n=int(d["n"]), missing=float(d["missing"]),
                   quantiles=tuple(float(v) for v in d.get("quantiles", ())),
                   edges=tuple(float(v) for v in d.get("edges", ())),
                   counts=tuple(int(v) for v in d.get("counts", ())),
                   levels=tuple(str(v) for v in d.get("levels", ())),
                   level_counts=tuple(int(v) for v in d.get("level_counts", ())),
                   other=int(d.get("other", 0)))


def distribution_of(values: pd.Series, *, numeric: bool) -> ColumnDistribution:
    """Summarise a column: quantiles and histogram (numeric) and/or category counts.

    Args:
        values: The column.
        numeric: Treat it as numbers (quantiles, histogram); a numeric column with at most
            ``FEW_LEVELS`` distinct values also gets category counts.
    """
    n_rows = len(values)
    missing = float(values.isna().mean()) if n_rows else 0.0
    present = values.dropna()
    if numeric and (ptypes.is_numeric_dtype(present.dtype) and not ptypes.is_bool_dtype(present.dtype)):
        numbers = present.to_numpy(dtype=float)
        numbers = numbers[np.isfinite(numbers)]
        if numbers.size == 0:
            return ColumnDistribution(0, missing)
        q = np.quantile(numbers, np.linspace(0.0, 1.0, QUANTILES + 1), method="inverted_cdf")
        lo, hi = float(numbers.min()), float(numbers.max())
        counts, edges = np.histogram(numbers, bins=HISTOGRAM_BINS if hi > lo else 1,
                                     range=(lo, hi) if hi > lo else (lo - 0.5, hi + 0.5))
        levels: dict[str, Any] = {}
        if len(np.unique(numbers[: 100_000])) <= FEW_LEVELS and len(np.unique(numbers)) <= FEW_LEVELS:
            levels = _levels(pd.Series(numbers).map(level_name))
        return ColumnDistribution(int(numbers.size), missing, tuple(float(v) for v in q),
                                  tuple(float(v) for v in edges), tuple(int(c) for c in counts),
                                  **levels)
    return ColumnDistribution(int(len(present)), missing, **_levels(present.map(level_name)))


def distribution_for_kind(column: pd.Series, kind: str) -> ColumnDistribution | None:
    """The distribution a profile keeps for a column of this kind (None: not tested)."""
    if kind == "numeric":
        return distribution_of(column, numeric=True)
    if kind in ("categorical", "boolean"):
        return distribution_of(column, numeric=False)
    return None


def _levels(strings: pd.Series) -> dict[str, Any]:
    counts = strings.value_counts(sort=True)
    kept = counts.head(MAX_LEVELS)
    return {"levels": tuple(str(v) for v in kept.index),
            "level_counts": tuple(int(c) for c in kept.to_numpy()),
            "other": int(counts.iloc[MAX_LEVELS:].sum())}


def level_name(value: object) -> str:
    """The string a value is counted under (1.0 -> "1", as the preprocessing reads it)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)
