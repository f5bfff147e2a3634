"""Typed, frozen records of the data flow: Dataset -> Profile -> TaskSpec."""

from __future__ import annotations

import enum
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from automl.data._distribution import ColumnDistribution
from automl.metrics import TaskKind


class ColumnKind(enum.StrEnum):
    """What a column is, as far as modelling goes."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"  # free text: TF-IDF
    IDENTIFIER = "identifier"  # unique per row: excluded from features
    CONSTANT = "constant"  # one value (or none): excluded from features
    EMPTY = "empty"  # every value missing: excluded from features

    @property
    def is_feature(self) -> bool:
        return self not in (ColumnKind.IDENTIFIER, ColumnKind.CONSTANT, ColumnKind.EMPTY)


@dataclass(frozen=True, eq=False)
class Dataset:
    """A table as read, with where it came from and a content fingerprint.

    Attributes:
        frame: The data; column names are unique, non-empty strings.
        source: File path or "<dataframe>".
        sha256: Fingerprint of the content (column names + values), for lineage.
        renamed: (original, new) pairs for columns renamed while reading
            (duplicates, empty or non-string names). Reported to the user.
        notes: Human-readable remarks about reading (delimiter, encoding detected...).
        coerced: (column, count) pairs: cells set to missing while reading because they
            did not fit their column (a stray "oops" in a numeric column, a non-date in a
            date column). Reported as "coerced_values" warnings by the profile.
    """

    frame: pd.DataFrame
    source: str
    sha256: str
    renamed: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    coerced: tuple[tuple[str, int], ...] = ()

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.frame.columns)


class Severity(enum.StrEnum):
    """How much a data-quality finding matters."""
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class QualityWarning:
    """A data-quality finding. Data, not an exception: shown by the GUI, printed by the CLI.

    Attributes:
        code: Stable identifier, e.g. "target_missing", "duplicate_rows", "leak_suspect",
            "high_cardinality", "all_missing", "constant", "rare_class", "renamed_column".
        message: One sentence for the user.
        column: The column concerned, or None for table-level findings.
        severity: How much it matters.
    """

    code: str
    message: str
    column: str | None = None
    severity: Severity = Severity.WARNING


@dataclass(frozen=True)
class ColumnProfile:
    """Statistics of one column and its inferred kind."""

    name: str
    kind: ColumnKind
    dtype: str
    n_missing: int
    missing_pct: float
    n_distinct: int
    min: float | str | None = None
    max: float | str | None = None
    mean: float | None = None
    std: float | None = None
    top: tuple[tuple[str, int], ...] = ()  # most frequent values (as strings) with counts
    categories: tuple[str, ...] = ()  # all categories when few (<= 200), for the input schema
    distribution: ColumnDistribution | None = None  # what drift tests need; None in old profiles

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind.value
        d["top"] = [list(t) for t in self.top]
        d["categories"] = list(self.categories)
        d["distribution"] = self.distribution.to_dict() if self.distribution else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnProfile:
        d = dict(d)
        d["kind"] = ColumnKind(d["kind"])
        d["top"] = tuple(tuple(t) for t in d.get("top", ()))
        d["categories"] = tuple(d.get("categories", ()))
        if d.get("distribution") is not None:
            d["distribution"] = ColumnDistribution.from_dict(d["distribution"])
        return cls(**d)


@dataclass(frozen=True)
class Profile:
    """Per-column statistics plus quality warnings for a whole table."""

    n_rows: int
    n_cols: int
    columns: tuple[ColumnProfile, ...]
    warnings: tuple[QualityWarning, ...] = ()
    n_duplicate_rows: int = 0
    target: str | None = None

    def column(self, name: str) -> ColumnProfile:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def feature_columns(self, target: str, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Columns usable as model inputs: every feature kind, minus target and exclusions."""
        return tuple(
            c.name
            for c in self.columns
            if c.name != target and c.name not in exclude and c.kind.is_feature
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_rows": self.n_rows,
            "n_cols": self.n_cols,
            "n_duplicate_rows": self.n_duplicate_rows,
            "target": self.target,
            "columns": [c.to_dict() for c in self.columns],
            "warnings": [asdict(w) for w in self.warnings],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        return cls(
            n_rows=d["n_rows"],
            n_cols=d["n_cols"],
            n_duplicate_rows=d.get("n_duplicate_rows", 0),
            target=d.get("target"),
            columns=tuple(ColumnProfile.from_dict(c) for c in d["columns"]),
            warnings=tuple(QualityWarning(**w) for w in d.get("warnings", ())),
        )


@dataclass(frozen=True)
class TaskSpec:
    """What to learn: the target, the task kind, classes and the metric.

    Attributes:
        target: Target column name.
        kind: Binary, multiclass or regression.
        metric: Metric name (see ``automl.search.METRICS``).
        classes: Class labels as they appear in the data (classification only), sorted; for
            a binary task the positive class is last, the one ROC AUC and F1 score.
        positive_class: The class whose probability ROC AUC scores (binary only).
        n_rows: Rows usable for training (target not missing).
        dropped_rows: Rows dropped because the target was missing.
    """

    target: str
    kind: TaskKind
    metric: str
    classes: tuple[Any, ...] = ()
    positive_class: Any = None
    n_rows: int = 0
    dropped_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind.value,
            "metric": self.metric,
            "classes": [_plain(c) for c in self.classes],
            "positive_class": _plain(self.positive_class),
            "n_rows": self.n_rows,
            "dropped_rows": self.dropped_rows,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TaskSpec:
        return cls(
            target=d["target"],
            kind=TaskKind(d["kind"]),
            metric=d["metric"],
            classes=tuple(d.get("classes", ())),
            positive_class=d.get("positive_class"),
            n_rows=d.get("n_rows", 0),
            dropped_rows=d.get("dropped_rows", 0),
        )


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars, for JSON."""
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


__all__ = [
    "ColumnKind",
    "ColumnProfile",
    "Dataset",
    "Profile",
    "QualityWarning",
    "TaskKind",
    "TaskSpec",
]
