"""Small scikit-learn transformers the preprocessing needs and scikit-learn lacks.

They follow scikit-learn's estimator contract (parameters stored in ``__init__``, learned
state with a trailing underscore) so they clone, pickle and tune like any other step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.base import TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import TargetEncoder as _SklearnTargetEncoder
from sklearn.utils.validation import check_is_fitted
from sklearn.utils.validation import validate_data

_PARTS = ("year", "month", "day", "day_of_week", "day_of_year", "hour")


def to_category_strings(X):
    """Cast categorical inputs to an object array of strings, keeping missing as NaN.

    Mixed columns (numbers and strings read from a spreadsheet) otherwise break the
    encoders, and ``1`` vs ``"1"`` at prediction time would be an unseen category.
    """
    frame = pd.DataFrame(X)
    out = np.empty(frame.shape, dtype=object)
    for j, col in enumerate(frame.columns):
        s = frame[col]
        mask = s.isna().to_numpy()
        values = s.astype(object).to_numpy()
        column = np.array([_as_str(v) for v in values], dtype=object)
        column[mask] = np.nan
        out[:, j] = column
    return out


def _as_str(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # 1.0 read from a float column == "1" read from text
    return str(v)


def text_column(X):
    """A 1-D array of strings from a one-column input, for TfidfVectorizer."""
    arr = pd.DataFrame(X).iloc[:, 0]
    return arr.fillna("").astype(str).to_numpy()


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Expand datetime columns into numeric parts (year, month, day, weekday, ...).

    Parts that never vary in the training data are dropped (e.g. ``hour`` for dates).
    Unparseable values become NaN, for the imputer that follows.
    """

    def __init__(self, parts: tuple[str, ...] = _PARTS):
        self.parts = parts

    def fit(self, X, y=None):
        frame = self._to_datetimes(X)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        kept = []
        for col in frame.columns:
            for part in self.parts:
                values = self._part(frame[col], part)
                if values.nunique(dropna=True) > 1:
                    kept.append((col, part))
            kept.append((col, "epoch_days"))
        self.columns_ = kept
        return self

    def transform(self, X):
        check_is_fitted(self, "columns_")
        frame = self._to_datetimes(X)
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(
                f"DatetimeFeatures was fitted on {self.n_features_in_} columns, got {frame.shape[1]}"
            )
        frame.columns = list(self.feature_names_in_)
        out = np.empty((len(frame), len(self.columns_)), dtype=float)
        for j, (col, part) in enumerate(self.columns_):
            out[:, j] = self._part(frame[col], part).to_numpy(dtype=float, na_value=np.nan)
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "columns_")
        return np.asarray([f"{c}_{p}" for c, p in self.columns_], dtype=object)

    @staticmethod
    def _to_datetimes(X) -> pd.DataFrame:
        frame = pd.DataFrame(X).copy()
        for col in frame.columns:
            s = frame[col]
            if not pd.api.types.is_datetime64_any_dtype(s):
                s = pd.to_datetime(s, errors="coerce", format="mixed")
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            frame[col] = s
        return frame

    @staticmethod
    def _part(s: pd.Series, part: str) -> pd.Series:
        if part == "epoch_days":
            days = (s - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
            return days.astype(float)
        return getattr(s.dt, part).astype(float)


class ImputeWithIndicators(TransformerMixin, BaseEstimator):
    """Median imputation, plus a missing-indicator column for each feature that is missing
    in at least ``min_missing`` training rows.

    ``SimpleImputer(add_indicator=True)`` adds an indicator for a feature missing in a single
    row; a model then learns that row's label from it. On penguins one training row with
    every measurement missing made a weakly regularised logistic regression 99.96% sure of
    its species for the one such test row, of another species: that row alone was 88% of
    the test log loss. Indicators need enough rows to estimate what missingness means.
    """

    def __init__(self, min_missing: int = 10):
        self.min_missing = min_missing

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # imputing is the point
        return tags

    def fit(self, X, y=None):
        X = validate_data(self, _as_float(X), dtype=np.float64, ensure_all_finite="allow-nan")
        self.imputer_ = SimpleImputer(strategy="median", keep_empty_features=True).fit(X)
        counts = np.isnan(X).sum(axis=0)
        self.indicator_features_ = np.flatnonzero(counts >= max(1, self.min_missing))
        return self

    def transform(self, X):
        check_is_fitted(self, "imputer_")
        X = validate_data(self, _as_float(X), dtype=np.float64, ensure_all_finite="allow-nan",
                          reset=False)
        filled = self.imputer_.transform(X)
        if not len(self.indicator_features_):
            return filled
        return np.hstack([filled, np.isnan(X[:, self.indicator_features_]).astype(float)])

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "imputer_")
        names = (np.asarray(input_features, dtype=object) if input_features is not None
                 else np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object))
        missing = [f"missingindicator_{names[i]}" for i in self.indicator_features_]
        return np.concatenate([names, np.asarray(missing, dtype=object)])


def _as_float(X):
    """A frame's values as floats (pandas' NA as NaN); anything else as given, for
    ``validate_data`` to check (it refuses sparse and complex input with a clear message)."""
    return X.to_numpy(dtype=float, na_value=np.nan) if hasattr(X, "to_numpy") else X


class TextVectorizer(TfidfVectorizer):
    """scikit-learn's TF-IDF, saved with its vocabulary as one array of terms in column order.

    A fitted ``vocabulary_`` is a dict of up to 5,000 terms, and skops writes a dict one node
    per entry: 2.8 s of CPU to save one such model and 0.9 s to load it, five times over for an
    ensemble of five members, which broke the time budget at export. As an array the same
    vocabulary saves in 0.05 s (a plain ``.npy`` of strings, no pickle) and is rebuilt into the
    same dict on load; its pickle grows a little (0.22 to 0.36 MB: fixed-width strings).
    """

    def __getstate__(self):
        state = super().__getstate__()
        vocab = state.get("vocabulary_")
        if isinstance(vocab, dict) and vocab and sorted(vocab.values()) == list(range(len(vocab))):
            terms = np.empty(len(vocab), dtype=object)
            for term, j in vocab.items():
                terms[j] = term
            state = {k: v for k, v in state.items() if k != "vocabulary_"}
            state["terms_"] = terms.astype(str)
        return state

    def __setstate__(self, state):
        state = dict(state)
        terms = state.pop("terms_", None)
        super().__setstate__(state)
        if terms is not None:
            self.vocabulary_ = {str(t): j for j, t in enumerate(terms)}


# Longest category a target encoder saves as fixed-width text: each of its categories then
# takes this many characters, so a column of long free-form values stays as it was.
PACKED_CATEGORY_CHARS = 256


class TargetEncoder(_SklearnTargetEncoder):
    """scikit-learn's target encoder, saved with each column's categories as one array of text.

    It encodes the high-cardinality columns, whose ``categories_`` are object arrays of
    thousands of strings, and skops writes an object array one node per element: on a
    7,500-row loan table two such columns (3,124 categories each) made 19,000 nodes per model,
    0.2 s of each ensemble member's save and most of a 15 s run's overrun at export. As
    fixed-width text (a plain ``.npy``, no pickle) they save at once and are rebuilt into the
    same object arrays on load; a column whose categories are not all short strings that come
    back the same is kept as it was.
    """

    def __getstate__(self):
        state = super().__getstate__()
        text = [_as_text(c) for c in state.get("categories_") or ()]
        if text and all(t is not None for t in text):
            state = {k: v for k, v in state.items() if k != "categories_"}
            state["category_text_"] = text
        return state

    def __setstate__(self, state):
        state = dict(state)
        text = state.pop("category_text_", None)
        if text is not None:
            categories = [np.asarray(t, dtype=str).astype(object) for t in text]
            _check_encodings(categories, state.get("encodings_"))
            state["categories_"] = categories
        super().__setstate__(state)


def _check_encodings(categories: list[np.ndarray], encodings) -> None:
    """Each column's categories must match its encodings (one per class, column by column, for
    a multiclass target), or transform would read past them."""
    encodings = list(encodings) if isinstance(encodings, list | tuple) else []
    per_column = len(encodings) // max(1, len(categories))
    if (not categories or per_column < 1 or per_column * len(categories) != len(encodings)
            or any(c.ndim != 1 or np.shape(encodings[i * per_column + j]) != c.shape
                   for i, c in enumerate(categories) for j in range(per_column))):
        raise ValueError("the target encoder's categories do not match its encodings")


def _as_text(categories) -> np.ndarray | None:
    """These categories as fixed-width text, or None if they would not come back the same."""
    if not isinstance(categories, np.ndarray) or categories.dtype != object or categories.ndim != 1:
        return None
    if not all(type(c) is str and len(c) <= PACKED_CATEGORY_CHARS for c in categories):
        return None
    text = categories.astype(str)
    return text if text.astype(object).tolist() == categories.tolist() else None
