"""profile_dataset: column kinds, statistics and quality warnings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from automl.data import ColumnKind
from automl.data import Profile
from automl.data import load_dataset
from automl.data import profile_dataset
from automl.errors import DataError

N = 40
RNG = np.random.default_rng(0)
SENTENCES = [
    f"The delivery number {i} arrived {w} and the box was {v} when I opened it"
    for i, (w, v) in enumerate(
        zip(
            ["late", "early", "on time", "never"] * 10,
            ["fine", "broken", "wet", "open", "empty"] * 8,
            strict=True,
        )
    )
]


def _profile(columns: dict, target: str | None = None) -> Profile:
    return profile_dataset(load_dataset(pd.DataFrame(columns)), target=target)


def _kind(values, name: str = "col", target: bool = False) -> ColumnKind:
    frame = {name: values, "other": RNG.normal(size=len(values))}
    return _profile(frame, target=name if target else None).column(name).kind


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([np.nan] * N, ColumnKind.EMPTY),
        (["same"] * N, ColumnKind.CONSTANT),
        ([7] * (N - 3) + [np.nan] * 3, ColumnKind.CONSTANT),
        ([True, False] * (N // 2), ColumnKind.BOOLEAN),
        ([0, 1, 1, 0] * (N // 4), ColumnKind.BOOLEAN),
        (["yes", "no"] * (N // 2), ColumnKind.BOOLEAN),
        (["Y", "n"] * (N // 2), ColumnKind.BOOLEAN),
        (["true", "false", None, "true"] * (N // 4), ColumnKind.BOOLEAN),
        (list(RNG.normal(size=N)), ColumnKind.NUMERIC),
        (list(RNG.integers(0, 5, N)), ColumnKind.NUMERIC),
        (list(np.arange(N) * 1.0), ColumnKind.NUMERIC),  # a float column is never an identifier
        (list(pd.date_range("2020-01-01", periods=N)), ColumnKind.DATETIME),
        (["red", "green", "blue", "red"] * (N // 4), ColumnKind.CATEGORICAL),
        ([f"user-{i:04d}" for i in range(N)], ColumnKind.IDENTIFIER),
        (list(range(100, 100 + N)), ColumnKind.IDENTIFIER),  # a rising integer sequence
        (SENTENCES, ColumnKind.TEXT),
    ],
)
def test_column_kind_inference(values, kind: ColumnKind) -> None:
    assert _kind(values) is kind


@pytest.mark.parametrize("name", ["id", "customer_id", "PassengerId", "uuid", "row id"])
def test_unique_integers_named_like_an_id_are_identifiers(name: str) -> None:
    shuffled = list(RNG.permutation(N))
    assert _kind(shuffled, name=name) is ColumnKind.IDENTIFIER


def test_unique_unordered_integers_without_an_id_name_are_numeric() -> None:
    assert _kind(list(RNG.permutation(N) * 3), name="income") is ColumnKind.NUMERIC


def test_names_that_merely_contain_id_are_not_identifiers() -> None:
    assert _kind(list(RNG.permutation(N)), name="paid") is ColumnKind.NUMERIC


def test_a_target_gets_its_natural_kind() -> None:
    assert _kind([f"label {i}" for i in range(N)], target=True) is ColumnKind.CATEGORICAL
    assert _kind(list(range(N)), target=True) is ColumnKind.NUMERIC
    assert _kind(SENTENCES, target=True) is ColumnKind.CATEGORICAL


def test_numeric_statistics() -> None:
    col = _profile({"x": [1.0, 2.0, 3.0, np.nan, 4.0, np.inf]}).column("x")
    assert (col.n_missing, col.missing_pct, col.n_distinct) == (1, pytest.approx(100 / 6), 5)
    assert (col.min, col.max, col.mean) == (1.0, 4.0, 2.5)
    assert col.std == pytest.approx(np.std([1, 2, 3, 4], ddof=1))


def test_datetime_range_is_iso_text() -> None:
    col = _profile({"d": pd.to_datetime(["2021-05-01", "2020-01-02", None])}).column("d")
    assert (col.min, col.max) == ("2020-01-02T00:00:00", "2021-05-01T00:00:00")


def test_top_values_and_categories_are_strings() -> None:
    col = _profile({"c": ["b", "a", "b", "c", "b", "a", None]}).column("c")
    assert col.kind is ColumnKind.CATEGORICAL
    assert col.top[:2] == (("b", 3), ("a", 2))
    assert col.categories == ("a", "b", "c")


def test_boolean_categories_use_the_preprocessing_spelling() -> None:
    col = _profile({"flag": [1.0, 0.0, None, 1.0]}).column("flag")
    assert col.kind is ColumnKind.BOOLEAN
    assert col.categories == ("0", "1")


def test_categories_are_left_out_above_200_levels() -> None:
    col = _profile({"c": [f"v{i % 300}" for i in range(900)]}).column("c")
    assert col.n_distinct == 300 and col.categories == () and len(col.top) == 5


def _codes(profile: Profile) -> set[tuple[str, str | None]]:
    return {(w.code, w.column) for w in profile.warnings}


def test_column_quality_warnings() -> None:
    profile = _profile(
        {
            "empty": [np.nan] * N,
            "const": ["k"] * N,
            "customer_id": list(range(N)),
            "free": [f"v{i % 30}" for i in range(N)],
            "holey": [1.0] * 10 + [np.nan] * 30,
            "ok": RNG.normal(size=N),
        }
    )
    assert _codes(profile) == {
        ("all_missing", "empty"),
        ("constant", "const"),
        ("identifier", "customer_id"),
        ("high_cardinality", "free"),
        ("constant", "holey"),  # 75% missing too, but an ignored column needs one warning only
    }
    severity = {w.code: w.severity for w in profile.warnings}
    assert severity["identifier"] == "info" and severity["constant"] == "warning"


def test_many_missing_warning() -> None:
    profile = _profile({"x": [1.0, 2.0, 3.0] + [np.nan] * 5, "y": range(8)})
    [warning] = [w for w in profile.warnings if w.code == "many_missing"]
    assert warning.column == "x" and "62%" in warning.message


def test_small_categoricals_are_not_high_cardinality() -> None:
    assert "high_cardinality" not in {w.code for w in _profile({"c": list("abcdef")}).warnings}


def test_duplicate_rows_are_counted() -> None:
    profile = _profile({"a": [1, 2, 1, 1], "b": ["x", "y", "x", "x"]})
    assert profile.n_duplicate_rows == 2
    [warning] = [w for w in profile.warnings if w.code == "duplicate_rows"]
    assert warning.message.startswith("2 row(s)")


def test_renamed_columns_become_info_warnings() -> None:
    ds = load_dataset(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    [warning] = [w for w in profile_dataset(ds).warnings if w.code == "renamed_column"]
    assert (warning.column, warning.severity) == ("a_2", "info")
    assert "'a' was renamed to 'a_2'" in warning.message


def test_target_warnings_missing_rare_and_imbalanced() -> None:
    y = ["no"] * 95 + ["yes"] * 3 + [None] * 2
    profile = _profile({"x": RNG.normal(size=100), "y": y}, target="y")
    by_code = {w.code: w for w in profile.warnings}
    assert "2 row(s)" in by_code["target_missing"].message
    assert (
        "'yes'" in by_code["rare_class"].message
        and "only 3 row(s)" in by_code["rare_class"].message
    )
    assert "3.1%" in by_code["imbalanced"].message
    assert profile.target == "y"


def test_integer_class_targets_get_class_warnings() -> None:
    y = [0] * 50 + [1] * 48 + [2] * 2
    codes = {w.code for w in _profile({"x": RNG.normal(size=100), "y": y}, target="y").warnings}
    assert {"rare_class", "imbalanced"} <= codes


def test_leak_suspect_for_classification() -> None:
    y = (["a"] * 20 + ["b"] * 20) * 2
    leak = [v.upper() for v in y]
    leak[0] = "B"  # 79 of 80 agree: 98.75% -> below 99%, not a leak
    near = [v.upper() for v in y]
    profile = _profile(
        {"y": y, "copy": near, "almost": leak, "noise": RNG.normal(size=80)}, target="y"
    )
    leaks = {w.column for w in profile.warnings if w.code == "leak_suspect"}
    assert leaks == {"copy"}


def test_leak_suspect_for_regression() -> None:
    y = RNG.normal(size=200)
    profile = _profile(
        {
            "y": y,
            "scaled": y * 3 + 1 + RNG.normal(scale=1e-3, size=200),
            "noise": RNG.normal(size=200),
        },
        target="y",
    )
    leaks = [w for w in profile.warnings if w.code == "leak_suspect"]
    assert [w.column for w in leaks] == ["scaled"]
    assert "correlation" in leaks[0].message


def test_unknown_target_is_refused() -> None:
    with pytest.raises(DataError, match="'nope' is not in the data") as info:
        _profile({"a": [1, 2]}, target="nope")
    assert info.value.column == "nope"


def test_all_missing_target_is_a_warning_not_an_error() -> None:
    profile = _profile({"x": [1, 2, 3], "y": [None, None, None]}, target="y")
    assert {"all_missing", "target_missing"} <= {w.code for w in profile.warnings}


def test_profile_serialises_to_json_and_back() -> None:
    profile = _profile(
        {
            "x": [1.0, np.inf, 3.0, np.nan],
            "c": ["a", "b", "a", None],
            "d": pd.to_datetime(["2020-01-01", None, "2020-02-01", "2020-03-01"]),
            "y": [0, 1, 0, 1],
        },
        target="y",
    )
    text = json.dumps(profile.to_dict(), allow_nan=False)
    assert Profile.from_dict(json.loads(text)) == profile


def test_profile_of_a_large_table_is_quick_enough_to_use_interactively(monkeypatch) -> None:
    # Quick because the costly checks see a bounded sample, whatever the table's size (no
    # wall-clock assert: a shared machine would make it flaky). Here the bound is lowered.
    from automl.data import _profile

    seen: list[int] = []
    real = _profile._class_leaks
    monkeypatch.setattr(_profile, "LEAK_SAMPLE_ROWS", 3_000)
    monkeypatch.setattr(_profile, "_class_leaks",
                        lambda sample, *a: seen.append(len(sample)) or real(sample, *a))
    frame = pd.DataFrame({f"f{i}": RNG.normal(size=20_000) for i in range(5)})
    frame["c"] = RNG.choice(["a", "b", "c"], 20_000)
    profile = profile_dataset(load_dataset(frame), target="c")
    assert profile.n_rows == 20_000 and profile.n_cols == 6
    assert seen == [3_000]
