"""Profiling: per-column kind and statistics, plus data-quality warnings.

Column kinds, in order of precedence:

* EMPTY: every value missing. CONSTANT: one distinct value.
* BOOLEAN: a bool column, or two values that read as 0/1, true/false, yes/no, y/n, t/f.
* DATETIME: a datetime column.
* NUMERIC: a numeric column, unless it is an integer IDENTIFIER: all values different and
  either an id-like name ("id", "customer_id", "PassengerId", "uuid", "key") or a rising
  sequence of at least 10 rows. A float column is never an identifier.
* TEXT: strings of several words (mean >= 3 words and > 30 characters, or >= 5 words)
  with many distinct values: TF-IDF material.
* IDENTIFIER: strings that differ in every row (at least 10 rows, or an id-like name).
* CATEGORICAL: everything else.

The target column always gets its natural kind: never IDENTIFIER or TEXT.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from automl.data._clean import row_hashes
from automl.data._distribution import distribution_for_kind
from automl.data._task import looks_like_classes
from automl.data._task import missing_target
from automl.data._types import ColumnKind
from automl.data._types import ColumnProfile
from automl.data._types import Dataset
from automl.data._types import Profile
from automl.data._types import QualityWarning
from automl.data._types import Severity

__all__ = ["profile_dataset"]

MAX_CATEGORIES = 200  # ColumnProfile.categories lists all levels up to this many
HIGH_CARDINALITY_SHARE = 0.5
HIGH_CARDINALITY_LEVELS = 1000
HIGH_CARDINALITY_MIN_LEVELS = 10  # the share rule only counts above this, so tiny tables pass
MANY_MISSING_SHARE = 0.5
RARE_CLASS_ROWS = 5
IMBALANCED_SHARE = 0.05
LEAK_SAMPLE_ROWS = 50_000
LEAK_PURITY = 0.99
LEAK_CORRELATION = 0.99
ID_MIN_ROWS = 10
TEXT_SAMPLE = 5_000
_BOOL_PAIRS = ({"0", "1"}, {"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"})
_ID_NAME = re.compile(
    r"(?i:^(id|uuid|guid|key|index|idx|row|row_?id|row_?num(ber)?|record_?id)$)"
    r"|(?i:[_\s.-](id|uuid|guid|key)$)|(?i:^(id|uuid|guid)[_\s.-])|[a-z0-9](Id|ID|Uuid|UUID)$"
)


def profile_dataset(dataset: Dataset, target: str | None = None) -> Profile:
    """Compute each column's kind and statistics and the table's quality warnings.

    Args:
        dataset: The table (from ``load_dataset``).
        target: The column to predict, if chosen: it is profiled with its natural kind and
            adds target checks (missing targets, rare classes, imbalance, leaking features).

    Returns:
        The profile. Findings are ``QualityWarning`` records, never exceptions.

    Raises:
        DataError: ``target`` is not a column of the dataset.
    """
    frame = dataset.frame
    if target is not None and target not in frame.columns:
        raise missing_target(target, list(frame.columns))
    n_rows = len(frame)
    columns = tuple(
        _profile_column(str(name), frame.iloc[:, j], is_target=name == target)
        for j, name in enumerate(frame.columns)
    )
    n_duplicates = _count_duplicates(frame)
    warnings = [
        w for c in columns for w in _column_warnings(c, n_rows, is_target=c.name == target)
    ]
    if n_duplicates:
        warnings.append(
            QualityWarning(
                "duplicate_rows",
                f"{n_duplicates:,} row(s) are exact copies of earlier rows; duplicates can make "
                "cross-validation scores look better than they are.",
            )
        )
    warnings += [QualityWarning("renamed_column", f"Column {old!r} was renamed to {new!r}.",
                                new, Severity.INFO) for old, new in dataset.renamed]
    warnings += [
        QualityWarning(
            "coerced_values",
            f"Column {name!r} had {count:,} value(s) that did not fit its type; they were read "
            "as missing. Check the file if those values matter.",
            name,
        )
        for name, count in dataset.coerced
    ]
    if target is not None:
        warnings += _target_warnings(frame, target, columns)
    return Profile(
        n_rows=n_rows,
        n_cols=frame.shape[1],
        columns=columns,
        warnings=tuple(warnings),
        n_duplicate_rows=n_duplicates,
        target=target,
    )


# -- one column ------------------------------------------------------------------------------


def _profile_column(name: str, column: pd.Series, *, is_target: bool) -> ColumnProfile:
    n_rows = len(column)
    counts = _value_counts(column)
    n_values = int(counts.sum())
    n_missing = n_rows - n_values
    kind = _kind(name, column, counts, is_target=is_target)
    stats = _stats(column, kind)
    top = tuple((_as_str(v), int(c)) for v, c in counts.head(5).items())
    categories: tuple[str, ...] = ()
    if kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN) and len(counts) <= MAX_CATEGORIES:
        categories = tuple(sorted({_as_str(v) for v in counts.index}))
    return ColumnProfile(
        name=name,
        kind=kind,
        dtype=str(column.dtype),
        n_missing=n_missing,
        missing_pct=100.0 * n_missing / n_rows if n_rows else 0.0,
        n_distinct=len(counts),
        top=top,
        categories=categories,
        distribution=distribution_for_kind(column, kind.value),  # for drift tests; no raw rows
        **stats,
    )


def _value_counts(column: pd.Series) -> pd.Series:
    try:
        return column.value_counts(dropna=True, sort=True)
    except TypeError:  # unhashable cells in a DataFrame built by hand
        return column.astype(str).where(column.notna()).value_counts(dropna=True, sort=True)


def _kind(name: str, column: pd.Series, counts: pd.Series, *, is_target: bool) -> ColumnKind:
    n_values, n_distinct = int(counts.sum()), len(counts)
    if n_values == 0:
        return ColumnKind.EMPTY
    if n_distinct == 1:
        return ColumnKind.CONSTANT
    if ptypes.is_bool_dtype(column.dtype) or (
        n_distinct == 2 and {_as_str(v).strip().lower() for v in counts.index} in _BOOL_PAIRS
    ):
        return ColumnKind.BOOLEAN
    if ptypes.is_datetime64_any_dtype(column.dtype):
        return ColumnKind.DATETIME
    unique = n_distinct == n_values and n_values >= 0.9 * len(column)
    id_name = bool(_ID_NAME.search(name))
    if ptypes.is_numeric_dtype(column.dtype):
        integer = ptypes.is_integer_dtype(column.dtype)
        if (
            integer
            and unique
            and not is_target
            and (id_name or (n_values >= ID_MIN_ROWS and column.is_monotonic_increasing))
        ):
            return ColumnKind.IDENTIFIER
        return ColumnKind.NUMERIC
    if not is_target:
        if unique and id_name:
            return ColumnKind.IDENTIFIER
        if _is_text(column, n_distinct / n_values):
            return ColumnKind.TEXT
        if unique and n_values >= ID_MIN_ROWS:
            return ColumnKind.IDENTIFIER
    return ColumnKind.CATEGORICAL


def _is_text(column: pd.Series, distinct_share: float) -> bool:
    if distinct_share < 0.3:
        return False
    sample = column.dropna().head(TEXT_SAMPLE).astype(str).str.strip()
    if sample.empty:
        return False
    mean_len = float(sample.str.len().mean())
    mean_words = float(sample.str.count(r"\s+").mean()) + 1.0
    return (mean_words >= 3 and mean_len > 30) or mean_words >= 5


def _stats(column: pd.Series, kind: ColumnKind) -> dict[str, object]:
    if kind is ColumnKind.DATETIME:
        values = column.dropna()
        return {"min": values.min().isoformat(), "max": values.max().isoformat()}
    if not ptypes.is_numeric_dtype(column.dtype) or ptypes.is_bool_dtype(column.dtype):
        return {}
    numbers = column.to_numpy(dtype=float, na_value=np.nan)
    finite = numbers[np.isfinite(numbers)]
    if finite.size == 0:
        return {}
    return {
        "min": float(finite.min()),
        "max": float(finite.max()),
        "mean": float(finite.mean()),
        "std": float(finite.std(ddof=1)) if finite.size > 1 else 0.0,
    }


def _as_str(value: object) -> str:
    """The string form the preprocessing uses for categories (1.0 -> "1")."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _count_duplicates(frame: pd.DataFrame) -> int:
    if frame.shape[1] == 0 or len(frame) < 2:
        return 0
    hashes = row_hashes(frame)
    return int(len(hashes) - len(np.unique(hashes)))


# -- warnings --------------------------------------------------------------------------------


def _column_warnings(col: ColumnProfile, n_rows: int, *, is_target: bool) -> list[QualityWarning]:
    name, found = col.name, []
    if col.kind is ColumnKind.EMPTY:
        what = "the target cannot be used" if is_target else "it is ignored"
        found.append(
            QualityWarning(
                "all_missing",
                f"Column {name!r} has no values (all {n_rows:,} rows are empty); {what}.",
                name,
            )
        )
        return found
    if col.kind is ColumnKind.CONSTANT and not is_target:
        value = col.top[0][0] if col.top else ""
        found.append(
            QualityWarning(
                "constant",
                f"Column {name!r} has the same value ({value!r}) in every row; it is ignored.",
                name,
            )
        )
    if col.kind is ColumnKind.IDENTIFIER:
        found.append(
            QualityWarning(
                "identifier",
                f"Column {name!r} looks like an identifier (a different value in "
                "each row); it is not used as a feature.",
                name,
                Severity.INFO,
            )
        )
    n_values = n_rows - col.n_missing
    if (
        col.kind is ColumnKind.CATEGORICAL
        and not is_target
        and (
            col.n_distinct > HIGH_CARDINALITY_LEVELS
            or (
                col.n_distinct > HIGH_CARDINALITY_MIN_LEVELS
                and col.n_distinct > HIGH_CARDINALITY_SHARE * n_values
            )
        )
    ):
        found.append(
            QualityWarning(
                "high_cardinality",
                f"Column {name!r} has {col.n_distinct:,} different values in "
                f"{n_values:,} rows; such a column rarely generalises. Drop it if it is an "
                "identifier or free text.",
                name,
            )
        )
    if col.kind.is_feature and col.missing_pct > 100 * MANY_MISSING_SHARE:
        found.append(
            QualityWarning(
                "many_missing",
                f"Column {name!r} is {col.missing_pct:.0f}% empty "
                f"({col.n_missing:,} of {n_rows:,} rows); missing values will be imputed.",
                name,
            )
        )
    return found


def _target_warnings(
    frame: pd.DataFrame, target: str, columns: tuple[ColumnProfile, ...]
) -> list[QualityWarning]:
    column = frame[target]
    present = column.notna().to_numpy()
    n_missing = int(len(column) - present.sum())
    found = []
    if n_missing:
        found.append(
            QualityWarning(
                "target_missing",
                f"Target {target!r} is missing in {n_missing:,} row(s); those "
                "rows will be dropped before training.",
                target,
            )
        )
    values = column[present]
    if values.nunique() < 2:
        return found
    features = [c.name for c in columns if c.name != target and c.kind.is_feature]
    sample = frame.loc[present, [*features, target]]
    if len(sample) > LEAK_SAMPLE_ROWS:
        sample = sample.sample(LEAK_SAMPLE_ROWS, random_state=0)
    if looks_like_classes(values):
        found += _class_warnings(target, values)
        leaks = _class_leaks(sample, features, target)
    else:
        leaks = _regression_leaks(sample, features, target)
    found += [
        QualityWarning(
            "leak_suspect",
            f"Column {name!r} almost determines the target {target!r} "
            f"({score:.1%} {how}); check that it is not derived from the target (data "
            "leakage) and exclude it if so.",
            name,
        )
        for name, score, how in leaks
    ]
    return found


def _class_warnings(target: str, values: pd.Series) -> list[QualityWarning]:
    counts = values.value_counts()
    found = [
        QualityWarning(
            "rare_class",
            f"Class {_as_str(label)!r} of target {target!r} has only {int(n)} "
            f"row(s); cross-validation folds may miss it. Collect more rows or merge it.",
            target,
        )
        for label, n in counts.items()
        if n < RARE_CLASS_ROWS
    ]
    share = counts.iloc[-1] / counts.sum()
    if share < IMBALANCED_SHARE:
        found.append(
            QualityWarning(
                "imbalanced",
                f"Target {target!r} is imbalanced: class {_as_str(counts.index[-1])!r} "
                f"is only {share:.1%} of the rows. Prefer balanced accuracy, F1 or ROC AUC to "
                "accuracy.",
                target,
            )
        )
    return found


def _class_leaks(sample: pd.DataFrame, features: list[str], target: str) -> list:
    y, labels = pd.factorize(sample[target])
    n, n_classes = len(y), len(labels)
    baseline = np.bincount(y).max() / n
    leaks = []
    for name in features:
        x, levels = pd.factorize(sample[name], use_na_sentinel=False)
        if len(levels) >= n / 2:
            continue
        table = np.bincount(x * n_classes + y, minlength=len(levels) * n_classes)
        purity = table.reshape(len(levels), n_classes).max(axis=1).sum() / n
        if purity >= LEAK_PURITY and (1 - purity) <= 0.1 * (1 - baseline):
            leaks.append((name, purity, "of rows follow its value"))
    return leaks


def _regression_leaks(sample: pd.DataFrame, features: list[str], target: str) -> list:
    y = sample[target].to_numpy(dtype=float)
    leaks = []
    for name in features:
        column = sample[name]
        if not ptypes.is_numeric_dtype(column.dtype) or ptypes.is_bool_dtype(column.dtype):
            continue
        x = column.to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3 or x[ok].std() == 0 or y[ok].std() == 0:
            continue
        corr = abs(float(np.corrcoef(x[ok], y[ok])[0, 1]))
        if corr >= LEAK_CORRELATION:
            leaks.append((name, corr, "correlation"))
    return leaks
