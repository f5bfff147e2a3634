"""Normalising a freshly read table: column names, cell values and the content fingerprint.

Every reader (and a DataFrame given directly) goes through these functions, so a table reads
the same whatever its format. Work is done on the distinct values of a column where possible,
so a million-row column with a few hundred distinct strings costs a few hundred parses.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

__all__ = ["clean_values", "fingerprint", "normalise_names"]

_UNNAMED = re.compile(r"^Unnamed: \d+(_level_\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:([,\u00a0\u202f '])\d{3})+(?:\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_DATE_LIKE = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp][Mm])?)?"
    r"\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?$"
)
_MONTH_NAME = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b.*\d{4}"
    r"|\d{4}.*\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
)
_DATE_FORMATS = (
    "ISO8601",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d.%m.%y",
)
MIXED_DATES_MIN_SHARE = 0.95  # a column parses as dates with format="mixed" only above this
MIXED_DATES_MAX_DISTINCT = 200_000  # format="mixed" parses value by value: skip above this
DATE_SAMPLE = 500  # distinct values that decide whether a column looks like dates
STRAY_MAX_SHARE = 0.05  # at most this share of cells may be non-numeric tokens...
STRAY_MAX_DISTINCT = 3  # ...with at most this many distinct tokens, for a numeric column
STRAY_MIN_NUMBERS = 5  # and at least this many real numbers


def normalise_names(names: Sequence[object]) -> tuple[list[str], list[tuple[str, str]]]:
    """Make column names unique, non-empty strings.

    Empty, missing and pandas' "Unnamed: 3" names become ``column_<position>`` (1-based);
    surrounding whitespace is stripped; duplicates get ``_2``, ``_3``... suffixes.

    Args:
        names: Column labels as read (any hashable values, duplicates allowed).

    Returns:
        The new names, and (original, new) pairs for every name that changed.
    """
    cleaned = []
    for i, name in enumerate(names):
        text = _name_text(name)
        cleaned.append(text if text and not _UNNAMED.match(text) else f"column_{i + 1}")
    wanted = set(cleaned)
    taken: set[str] = set()
    out: list[str] = []
    for text in cleaned:
        new, k = text, 1
        while new in taken or (new != text and new in wanted):  # never steal a real name
            k += 1
            new = f"{text}_{k}"
        taken.add(new)
        out.append(new)
    renamed = [
        (_original_text(name), new)
        for name, new in zip(names, out, strict=True)
        if _original_text(name) != new
    ]
    return out, renamed


def _original_text(name: object) -> str:
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return ""
    if isinstance(name, tuple):
        return " / ".join(str(p) for p in name)
    return str(name)


def _name_text(name: object) -> str:
    if isinstance(name, tuple):  # MultiIndex columns
        parts = [_name_text(p) for p in name]
        return "_".join(p for p in parts if p and not _UNNAMED.match(p))
    return _original_text(name).strip()


def clean_values(
    frame: pd.DataFrame, *, decimal_comma: bool = False
) -> tuple[pd.DataFrame, list[str], list[tuple[str, int]]]:
    """Normalise cell values column by column (the frame is modified in place and returned).

    Text columns: whitespace-only cells become missing; columns of numbers written as text
    (also with thousands separators) become numeric; a numeric column with a few stray tokens
    ("oops", "?") becomes numeric with those cells missing; date-like columns become
    datetimes. Object columns of mixed Python types become strings, so encoders see one type.
    pandas' nullable dtypes (Int64, boolean, string...) become plain NumPy-backed ones and
    durations become seconds, so a table looks the same whatever it was read from.

    Args:
        frame: The table as read.
        decimal_comma: Also read "3,5" and "1.234,5" as numbers (files delimited by ";").

    Returns:
        The frame, notes for the user, and (column, cells made missing) pairs.
    """
    notes: list[str] = []
    coerced: list[tuple[str, int]] = []
    for j, name in enumerate(frame.columns):
        original = frame.iloc[:, j]
        column, note = _plain_dtype(str(name), original)
        if note:
            notes.append(note)
        new, note, n_coerced = column, None, 0
        if (ptypes.is_object_dtype(column.dtype) or ptypes.is_string_dtype(column.dtype)) and (
            not isinstance(column.dtype, pd.CategoricalDtype)
        ):
            new, note, n_coerced = _clean_column(str(name), column, decimal_comma)
        if new is not original:
            frame.isetitem(j, new)
        if note:
            notes.append(note)
        if n_coerced:
            coerced.append((str(name), n_coerced))
    return frame, notes, coerced


def _plain_dtype(name: str, column: pd.Series) -> tuple[pd.Series, str | None]:
    """Nullable extension dtypes -> NumPy-backed dtypes (NaN for missing); durations -> seconds."""
    dtype = column.dtype
    if ptypes.is_complex_dtype(dtype):
        return column.astype(str).where(column.notna(), np.nan).astype("str"), None
    if ptypes.is_timedelta64_dtype(dtype):
        seconds = column.dt.total_seconds()
        return seconds, f"column {name!r}: durations read as seconds"
    if not isinstance(dtype, pd.api.extensions.ExtensionDtype) or isinstance(
        dtype, pd.CategoricalDtype | pd.DatetimeTZDtype
    ):
        return column, None
    if isinstance(dtype, pd.StringDtype):
        if dtype.na_value is np.nan:
            return column, None
        return column.astype(object).where(column.notna(), np.nan).astype("str"), None
    has_missing = bool(column.isna().any())
    if ptypes.is_bool_dtype(dtype):
        return (
            column.astype(object).where(column.notna(), np.nan)
            if has_missing
            else column.astype(bool)
        ), None
    if ptypes.is_integer_dtype(dtype) and not has_missing:
        return column.astype("int64"), None
    if ptypes.is_numeric_dtype(dtype):
        return column.astype("float64"), None
    return column, None


def _clean_column(
    name: str, column: pd.Series, decimal_comma: bool = False
) -> tuple[pd.Series, str | None, int]:
    if ptypes.is_object_dtype(column.dtype):
        column = _from_objects(column)
        if not ptypes.is_string_dtype(column.dtype) or ptypes.is_object_dtype(column.dtype):
            return column, None, 0
    uniques = pd.Series(column.dropna().unique(), dtype="str")
    stripped = uniques.str.strip()
    blank = uniques[stripped == ""]
    if len(blank):
        column = column.mask(column.isin(set(blank)))
        keep = stripped != ""
        uniques, stripped = uniques[keep], stripped[keep]
    if uniques.empty:  # nothing but missing: the same dtype whatever the file format
        return pd.Series(np.nan, index=column.index, dtype="float64", name=column.name), None, 0
    result = _as_numbers(name, column, stripped, decimal_comma)
    if result is not None:
        return result
    result = _as_datetimes(name, column, stripped)
    if result is not None:
        return result
    return column, None, 0


def _from_objects(column: pd.Series) -> pd.Series:
    """Object columns (Excel, JSON, DataFrames) -> one clean dtype where possible."""
    values = column.dropna()
    if values.empty:
        return pd.Series(np.nan, index=column.index, dtype="float64", name=column.name)
    kinds = set(map(type, values.to_numpy()))
    if all(issubclass(k, bool | np.bool_) for k in kinds):
        return column
    if all(
        issubclass(k, int | float | decimal.Decimal | np.number)
        and not issubclass(k, bool | np.bool_)
        for k in kinds
    ):
        numbers = pd.to_numeric(column)
        return numbers if numbers.dtype != object else numbers.astype("float64")  # huge ints
    if all(issubclass(k, dt.date | pd.Timestamp | np.datetime64) for k in kinds):
        zoned = any(getattr(v, "tzinfo", None) is not None for v in values.to_numpy())
        try:  # several time zones in one column: all in UTC
            return pd.to_datetime(column, errors="coerce", format="mixed", utc=zoned)
        except (ValueError, TypeError, OverflowError):
            pass
    return column.map(_cell_text, na_action="ignore").astype("str")


def _cell_text(value: object) -> str:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_numbers(
    name: str, column: pd.Series, stripped: pd.Series, decimal_comma: bool
) -> tuple[pd.Series, str | None, int] | None:
    if not _may_be_numbers(stripped.head(DATE_SAMPLE), decimal_comma):
        return None  # cheap rejection of ordinary text columns (a sample of distinct values)
    parsed = pd.to_numeric(stripped, errors="coerce")
    bad = parsed.isna().to_numpy()
    if not bad.any():
        return pd.to_numeric(column.str.strip()), None, 0
    if decimal_comma and stripped.str.fullmatch(_DECIMAL_COMMA.pattern).all():
        text = column.str.strip().str.replace(".", "", regex=False).str.replace(",", ".")
        return pd.to_numeric(text), f"column {name!r}: decimal comma read as numbers", 0
    thousands = _thousands_separator(stripped)
    if thousands is not None:
        numbers = pd.to_numeric(column.str.strip().str.replace(thousands, "", regex=False))
        shown = {" ": "space", "\u00a0": "space", "\u202f": "space"}.get(
            thousands, repr(thousands)
        )
        return numbers, f"column {name!r}: thousands separator {shown} removed, read as numbers", 0
    n_good_distinct = int((~bad).sum())
    if n_good_distinct == 0 or int(bad.sum()) > STRAY_MAX_DISTINCT:
        return None
    tokens = set(stripped[bad])
    is_token = column.str.strip().isin(tokens)
    n_tokens = int(is_token.sum())
    n_values = int(column.notna().sum())
    if n_tokens > max(1, STRAY_MAX_SHARE * n_values) or n_values - n_tokens < STRAY_MIN_NUMBERS:
        return None
    numbers = pd.to_numeric(column.mask(is_token).str.strip())
    shown = ", ".join(repr(t) for t in sorted(tokens))
    note = f"column {name!r}: {n_tokens} non-numeric value(s) ({shown}) read as missing"
    return numbers, note, n_tokens


def _may_be_numbers(sample: pd.Series, decimal_comma: bool) -> bool:
    bad = sample[pd.to_numeric(sample, errors="coerce").isna()]
    if len(bad) <= STRAY_MAX_DISTINCT:
        return True
    if bad.str.fullmatch(_THOUSANDS.pattern).all():
        return True
    return decimal_comma and bool(bad.str.fullmatch(_DECIMAL_COMMA.pattern).all())


def _thousands_separator(stripped: pd.Series) -> str | None:
    grouped = stripped.str.fullmatch(_THOUSANDS.pattern)
    if not grouped.any():
        return None
    plain = stripped.str.fullmatch(_PLAIN_NUMBER.pattern)
    if not (grouped | plain).all():
        return None
    separators = set(stripped[grouped].str.extract(_THOUSANDS.pattern, expand=False))
    return separators.pop() if len(separators) == 1 else None


def _as_datetimes(
    name: str, column: pd.Series, stripped: pd.Series
) -> tuple[pd.Series, str | None, int] | None:
    sample = stripped.head(DATE_SAMPLE)
    date_like = sample.str.fullmatch(_DATE_LIKE.pattern) | sample.str.contains(
        _MONTH_NAME.pattern, regex=True
    )
    if date_like.mean() < MIXED_DATES_MIN_SHARE:
        return None
    values = column.str.strip()
    for fmt in _DATE_FORMATS:  # a format must parse the whole sample before it is tried on all
        if _parsed_share(sample, fmt) == 1.0 and _parsed_share(stripped, fmt) == 1.0:
            return _to_datetime(values, fmt), None, 0
    if len(stripped) > MIXED_DATES_MAX_DISTINCT:
        return None  # dateutil parses one value at a time: too slow for this many
    if _parsed_share(sample, "mixed") < MIXED_DATES_MIN_SHARE:
        return None
    if _parsed_share(stripped, "mixed") < MIXED_DATES_MIN_SHARE:
        return None
    full = _to_datetime(values, "mixed")
    if full is None:
        return None
    lost = int((full.isna() & column.notna()).sum())
    note = f"column {name!r}: dates in mixed formats"
    if lost:
        note += f"; {lost} value(s) that are not dates read as missing"
    return full, note, lost


def _parsed_share(values: pd.Series, fmt: str) -> float:
    parsed = _to_datetime(values, fmt)
    return 0.0 if parsed is None or len(values) == 0 else float(parsed.notna().mean())


def _to_datetime(values: pd.Series, fmt: str) -> pd.Series | None:
    kwargs = {"dayfirst": False} if fmt == "mixed" else {}
    for utc in (False, True):
        try:
            return pd.to_datetime(values, format=fmt, errors="coerce", utc=utc, **kwargs)
        except (ValueError, TypeError, OverflowError):
            continue  # mixed time zones need utc=True; anything else: not dates
    return None


def fingerprint(frame: pd.DataFrame) -> str:
    """sha256 of column names and values, the same for the same content in any file format."""
    digest = hashlib.sha256()
    digest.update(json.dumps([str(c) for c in frame.columns]).encode("utf-8"))
    digest.update(str(frame.shape).encode("ascii"))
    try:
        rows = pd.util.hash_pandas_object(_hashable(frame), index=False).to_numpy()
        digest.update(rows.tobytes())
    except (TypeError, ValueError):
        for j in range(frame.shape[1]):
            digest.update(_column_hash(frame.iloc[:, j]).tobytes())
    return digest.hexdigest()


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row (for counting duplicate rows quickly)."""
    try:
        return pd.util.hash_pandas_object(_hashable(frame), index=False).to_numpy()
    except (TypeError, ValueError):
        return pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()


def _hashable(frame: pd.DataFrame) -> pd.DataFrame:
    """Datetimes in one unit and zone, so the hash does not depend on how they were stored."""
    out = None
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        if ptypes.is_datetime64_any_dtype(column.dtype):
            if getattr(column.dt, "tz", None) is not None:
                column = column.dt.tz_convert("UTC").dt.tz_localize(None)
            column = column.astype("datetime64[us]")
            if out is None:
                out = frame.copy(deep=False)
            out.isetitem(j, column)
    return frame if out is None else out


def _column_hash(column: pd.Series) -> np.ndarray:
    try:
        return pd.util.hash_pandas_object(column, index=False).to_numpy()
    except (TypeError, ValueError):
        return pd.util.hash_pandas_object(column.astype(str), index=False).to_numpy()
