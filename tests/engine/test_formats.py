"""The format registry: one entry per format, found by suffix or by content, read by load_dataset."""

from __future__ import annotations

import pandas as pd
import pytest

from automl.data import FORMATS
from automl.data import format_of
from automl.data import load_dataset

FRAME = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})


def _write(frame: pd.DataFrame, path, name: str) -> None:
    if name == "csv":
        frame.to_csv(path, index=False, sep="\t" if path.suffix in (".tsv", ".tab") else ",")
    elif name == "excel":
        frame.to_excel(path, index=False)
    elif name == "parquet":
        frame.to_parquet(path, index=False)
    elif name == "json":
        frame.to_json(path, orient="records")
    elif name == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        raise AssertionError(f"the test does not know how to write {name!r}: add it")


def test_each_suffix_belongs_to_one_format():
    suffixes = [s for f in FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert all(s.startswith(".") and s == s.lower() for s in suffixes)
    assert [f.name for f in FORMATS][0] == "csv"  # the fallback for unrecognised content


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_every_format_is_found_by_its_suffixes_and_read(tmp_path, fmt):
    for suffix in fmt.suffixes:
        if suffix in (".xls",):  # only recognised, to refuse it with advice
            continue
        path = tmp_path / f"table{suffix}"
        _write(FRAME, path, fmt.name)
        assert format_of(path) is fmt
        frame = load_dataset(path).frame
        assert list(frame.columns) == ["a", "b"] and len(frame) == 3, suffix


@pytest.mark.parametrize("name", ["csv", "excel", "parquet", "json"])
def test_an_unknown_suffix_is_recognised_from_the_content(tmp_path, name):
    path = tmp_path / "export.data"
    _write(FRAME, path, name)
    assert format_of(path).name == name
    assert list(load_dataset(path).frame.columns) == ["a", "b"]


def test_titles_and_labels_are_there_for_help_and_messages():
    for fmt in FORMATS:
        assert fmt.title and fmt.label and fmt.suffixes
