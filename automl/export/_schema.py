"""The bundle's input schema, and checking new rows against it before predicting.

Defined behaviour for each mismatch (documented in docs/bundle.md, tested):
- a missing feature column: SchemaError naming every missing column;
- a numeric column with values that are not numbers: SchemaError naming the column and
  examples (a silent NaN would be a silent wrong answer); infinite values: SchemaError too;
- a datetime column with values that are not dates: SchemaError, same shape;
- an unseen category: predicted as "unknown" (the encoders' handle_unknown), reported;
- extra columns: ignored, reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from automl.data import ColumnKind
from automl.data import Profile
from automl.errors import SchemaError


@dataclass(frozen=True)
class InputColumn:
    name: str
    kind: str
    dtype: str
    categories: tuple[str, ...] = ()
    min: Any = None
    max: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "dtype": self.dtype,
                "categories": list(self.categories), "min": self.min, "max": self.max}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InputColumn:
        return cls(d["name"], d["kind"], d["dtype"], tuple(d.get("categories") or ()),
                   d.get("min"), d.get("max"))


def schema_from_profile(profile: Profile, features: tuple[str, ...]) -> tuple[InputColumn, ...]:
    out = []
    for name in features:
        c = profile.column(name)
        out.append(InputColumn(name, c.kind.value, c.dtype, c.categories, c.min, c.max))
    return tuple(out)


def check_input(frame: pd.DataFrame, schema: tuple[InputColumn, ...]) -> tuple[pd.DataFrame, list[str]]:
    """Validate and coerce rows for prediction.

    Returns:
        The feature columns in schema order, coerced to the trained kinds, and a list of
        notes for the user (extra columns ignored, unseen categories).

    Raises:
        SchemaError: Missing columns, or values that cannot be of the column's kind.
    """
    notes: list[str] = []
    duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if duplicated:
        raise SchemaError(f"The input has duplicate column names: {', '.join(map(repr, duplicated))}. "
                          "Give every column a unique name.", columns=tuple(duplicated))
    missing = [c.name for c in schema if c.name not in frame.columns]
    if missing:
        raise SchemaError(
            f"The input lacks {len(missing)} column(s) the model needs: "
            f"{', '.join(map(repr, missing[:10]))}{' ...' if len(missing) > 10 else ''}.",
            columns=tuple(missing),
        )
    names = {c.name for c in schema}
    extra = [c for c in frame.columns if c not in names]
    if extra:
        notes.append(f"ignored {len(extra)} column(s) the model does not use: "
                     f"{', '.join(map(str, extra[:10]))}")
    columns: dict[str, pd.Series] = {}  # built first, framed once (inserting is slow)
    for col in schema:
        s = frame[col.name]
        if col.kind == ColumnKind.NUMERIC.value:
            columns[col.name] = _finite(_numeric(s, col.name), col.name)
        elif col.kind == ColumnKind.DATETIME.value:
            columns[col.name] = _datetimes(s, col.name)
        else:
            columns[col.name] = s
            if col.categories and col.kind in (ColumnKind.CATEGORICAL.value, ColumnKind.BOOLEAN.value):
                seen = set(col.categories)
                values = s.dropna().map(_as_str)
                unseen = sorted(set(values) - seen)
                if unseen:
                    n_rows = int(values.isin(unseen).sum())
                    notes.append(f"column {col.name!r}: {n_rows} row(s) have categories not seen "
                                 f"in training ({', '.join(unseen[:5])}); treated as unknown")
    return pd.DataFrame(columns, index=frame.index), notes


def _as_str(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    return str(v)


def _numeric(s: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype(float)
    coerced = pd.to_numeric(s, errors="coerce")
    bad = s[coerced.isna() & s.notna() & (s.astype(str).str.strip() != "")]
    if len(bad):
        examples = ", ".join(repr(v) for v in bad.astype(str).unique()[:3])
        raise SchemaError(
            f"Column {name!r} must hold numbers, but {len(bad)} row(s) do not (e.g. {examples}).",
            columns=(name,),
        )
    return coerced.astype(float)


def _finite(values: pd.Series, name: str) -> pd.Series:
    n_inf = int(np.isinf(values.to_numpy()).sum())
    if n_inf:
        raise SchemaError(f"Column {name!r} holds {n_inf} infinite value(s); use numbers, or leave "
                          "the cell empty for a missing value.", columns=(name,))
    return values


def _datetimes(s: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    # As text: pandas reads a number as nanoseconds since 1970, a silent wrong date.
    parsed = pd.to_datetime(s.astype(object).where(s.isna(), s.astype(str)), errors="coerce",
                            format="mixed")
    bad = s[parsed.isna() & s.notna()]
    if len(bad):
        examples = ", ".join(repr(v) for v in bad.astype(str).unique()[:3])
        raise SchemaError(
            f"Column {name!r} must hold dates, but {len(bad)} row(s) do not (e.g. {examples}).",
            columns=(name,),
        )
    return parsed
