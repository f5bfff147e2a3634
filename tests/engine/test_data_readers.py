"""load_dataset: formats, detection, name and value normalisation, fingerprint, errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.data import load_dataset
from automl.errors import ConfigError
from automl.errors import DataError


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [31, 45, 27, 52],
            "score": [0.5, 1.25, -3.0, 2.75],
            "city": ["Paris", "Lyon", "Nice", "Paris"],
            "joined": pd.to_datetime(["2020-01-05", "2021-02-14", "2019-11-30", "2022-07-01"]),
            "vip": [True, False, False, True],
        }
    )


def _write(frame: pd.DataFrame, path: Path, how: str) -> None:
    writers = {
        "csv": lambda: frame.to_csv(path, index=False),
        "tsv": lambda: frame.to_csv(path, index=False, sep="\t"),
        "xlsx": lambda: frame.to_excel(path, index=False),
        "parquet": lambda: frame.to_parquet(path, index=False),
        "json": lambda: frame.to_json(path, orient="records", date_format="iso"),
        "json-split": lambda: frame.to_json(path, orient="split", index=False, date_format="iso"),
        "json-columns": lambda: path.write_text(
            json.dumps(
                {
                    c: frame[c].astype(str).tolist() if c == "joined" else frame[c].tolist()
                    for c in frame.columns
                }
            )
        ),
        "jsonl": lambda: frame.to_json(path, orient="records", lines=True, date_format="iso"),
        "json-lines-in-json": lambda: frame.to_json(
            path, orient="records", lines=True, date_format="iso"
        ),
    }
    writers[how]()


ROUND_TRIPS = [
    ("csv", "t.csv"),
    ("tsv", "t.tsv"),
    ("xlsx", "t.xlsx"),
    ("parquet", "t.parquet"),
    ("json", "t.json"),
    ("json-split", "t.json"),
    ("json-columns", "t.json"),
    ("jsonl", "t.jsonl"),
    ("json-lines-in-json", "t.json"),
]


@pytest.mark.parametrize(("how", "name"), ROUND_TRIPS, ids=[h for h, _ in ROUND_TRIPS])
def test_every_format_round_trips(
    tmp_path: Path, frame: pd.DataFrame, how: str, name: str
) -> None:
    path = tmp_path / name
    _write(frame, path, how)
    ds = load_dataset(path)
    got = ds.frame.copy()
    got["joined"] = got["joined"].dt.tz_localize(None) if got["joined"].dt.tz else got["joined"]
    pd.testing.assert_frame_equal(got, frame, check_dtype=False)
    assert ds.source == str(path)
    assert ds.renamed == ()


def test_fingerprint_is_the_same_for_the_same_content_in_any_format(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    hashes = set()
    for how, name in [("csv", "a.csv"), ("parquet", "a.parquet"), ("xlsx", "a.xlsx")]:
        _write(frame, tmp_path / name, how)
        hashes.add(load_dataset(tmp_path / name).sha256)
    hashes.add(load_dataset(frame).sha256)
    assert len(hashes) == 1
    changed = frame.copy()
    changed.loc[2, "city"] = "Lille"
    assert load_dataset(changed).sha256 not in hashes
    renamed = frame.rename(columns={"city": "town"})
    assert load_dataset(renamed).sha256 not in hashes


def test_dataframe_input_is_copied(frame: pd.DataFrame) -> None:
    ds = load_dataset(frame)
    frame.loc[0, "age"] = 99
    assert ds.frame.loc[0, "age"] == 31
    assert ds.source == "<dataframe>"


def test_semicolon_delimiter_is_detected_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("name;price;note\nA;1.5;x, y\nB;2.5;z\n", encoding="utf-8")
    ds = load_dataset(path)
    assert ds.columns == ("name", "price", "note")
    assert ds.frame["note"].tolist() == ["x, y", "z"]
    assert "delimiter ';' detected" in ds.notes


@pytest.mark.parametrize(("sep", "shown"), [("|", "'|'"), ("\t", "tab")])
def test_other_delimiters_are_detected(tmp_path: Path, sep: str, shown: str) -> None:
    path = tmp_path / "t.txt"
    path.write_text(sep.join("abc") + "\n" + sep.join("123") + "\n", encoding="utf-8")
    ds = load_dataset(path)
    assert ds.columns == ("a", "b", "c")
    assert f"delimiter {shown} detected" in ds.notes


def test_explicit_delimiter_wins(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    assert load_dataset(path, sep=",").columns == ("a;b",)


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("id,name\n1,é\n".encode("utf-8-sig"))
    ds = load_dataset(path)
    assert ds.columns == ("id", "name")
    assert ds.frame["name"].tolist() == ["é"]


@pytest.mark.parametrize(
    ("data", "noted"),
    [
        ("name\nJosé\nRenée\n".encode("latin-1"), "cp1252"),
        (b"name\nJos\xe9\n\x81x\n", "latin-1"),  # 0x81 is undefined in cp1252
    ],
)
def test_non_utf8_text_falls_back_to_cp1252_or_latin1(
    tmp_path: Path, data: bytes, noted: str
) -> None:
    path = tmp_path / "l1.csv"
    path.write_bytes(data)
    ds = load_dataset(path)
    assert ds.frame["name"][0] == "José"
    assert f"encoding {noted} detected" in ds.notes


def test_invalid_utf8_after_the_sample_still_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = "n,text\n" + "".join(f"{i},plain\n" for i in range(40_000))
    path.write_bytes(body.encode("ascii") + "99,café\n".encode("latin-1"))
    ds = load_dataset(path)
    assert ds.frame["text"].iloc[-1] == "café"
    assert "encoding cp1252 detected" in ds.notes


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_bom(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("a,b\n1,Zoë\n2,Ærø\n".encode(encoding))
    ds = load_dataset(path)
    assert ds.frame["b"].tolist() == ["Zoë", "Ærø"]


def test_explicit_encoding_is_used_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("a\nJosé\n".encode("latin-1"))
    assert load_dataset(path, encoding="latin-1").frame["a"][0] == "José"
    with pytest.raises(DataError, match="not valid utf-8 text"):
        load_dataset(path, encoding="utf-8")
    with pytest.raises(DataError, match="Unknown text encoding 'klingon'"):
        load_dataset(path, encoding="klingon")


def test_quoted_newlines_and_delimiters_stay_in_their_cell(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,text\n1,"a\nb, c"\n2,"say ""hi"""\n', encoding="utf-8")
    assert load_dataset(path).frame["text"].tolist() == ["a\nb, c", 'say "hi"']


def test_names_are_made_unique_and_non_empty_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("a,a, b ,,a_2,a\n1,2,3,4,5,6\n", encoding="utf-8")
    ds = load_dataset(path)
    assert ds.columns == ("a", "a_3", "b", "column_4", "a_2", "a_4")
    assert ds.renamed == (("a", "a_3"), (" b ", "b"), ("", "column_4"), ("a", "a_4"))


def test_dataframe_names_are_normalised_the_same_way() -> None:
    frame = pd.DataFrame([[1, 2, 3, 4, 5]], columns=[0, "0", None, "Unnamed: 3", "名前"])
    ds = load_dataset(frame)
    assert ds.columns == ("0", "0_2", "column_3", "column_4", "名前")
    assert ds.renamed == (("0", "0_2"), ("", "column_3"), ("Unnamed: 3", "column_4"))


def test_whitespace_only_cells_become_missing(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text('a,b\nx,1\n"   ",2\n\t,3\n', encoding="utf-8")
    ds = load_dataset(path)
    assert ds.frame["a"].isna().tolist() == [False, True, True]


def test_booleans_as_words_are_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("a,b\nyes,true\nno,false\n", encoding="utf-8")
    frame = load_dataset(path).frame
    assert frame["a"].tolist() == ["yes", "no"]
    assert frame["b"].tolist() == [True, False]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2021-03-04", "2021-12-31"], ["2021-03-04", "2021-12-31"]),
        (["31/12/2021", "04/03/2021"], ["2021-12-31", "2021-03-04"]),  # day first: 31 > 12
        (["12/31/2021", "03/04/2021"], ["2021-12-31", "2021-03-04"]),  # month first
        (["31.12.2021", "4.3.2021"], ["2021-12-31", "2021-03-04"]),
        (
            ["2021-03-04 10:15:00", "2021-12-31 23:59:59"],
            ["2021-03-04 10:15", "2021-12-31 23:59:59"],
        ),
        (["March 4, 2021", "2021-12-31"], ["2021-03-04", "2021-12-31"]),
    ],
)
def test_date_columns_are_parsed(tmp_path: Path, values: list[str], expected: list[str]) -> None:
    path = tmp_path / "d.csv"
    path.write_text("d\n" + "\n".join(f'"{v}"' for v in values) + "\n", encoding="utf-8")
    got = load_dataset(path).frame["d"]
    assert pd.api.types.is_datetime64_any_dtype(got)
    assert got.tolist() == [pd.Timestamp(e) for e in expected]


def test_mixed_dates_tolerate_a_few_non_dates(tmp_path: Path) -> None:
    values = (
        [f"2021-01-{d:02d}" for d in range(1, 26)] + ["5 May 2021", "soon"] + ["1/2/2021"] * 23
    )
    path = tmp_path / "d.csv"
    path.write_text("d\n" + "\n".join(values) + "\n", encoding="utf-8")
    ds = load_dataset(path)
    assert ds.frame["d"].isna().sum() == 1
    assert ds.coerced == (("d", 1),)


def test_numbers_and_codes_are_not_parsed_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("year,code\n2020,A-12\n2021,B-7\n", encoding="utf-8")
    frame = load_dataset(path).frame
    assert frame["year"].dtype == np.int64
    assert frame["code"].tolist() == ["A-12", "B-7"]


def test_thousands_separators_become_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a,b\n"1,234",1 234.5\n"56",7\n', encoding="utf-8")
    ds = load_dataset(path)
    assert ds.frame["a"].tolist() == [1234, 56]
    assert ds.frame["b"].tolist() == [1234.5, 7.0]
    assert len([n for n in ds.notes if "thousands" in n]) == 2


def test_codes_with_commas_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a\n"1,23"\n"4,5"\n', encoding="utf-8")  # not 3-digit groups
    assert load_dataset(path).frame["a"].tolist() == ["1,23", "4,5"]


def test_a_stray_token_in_a_numeric_column_becomes_missing(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "v\n" + "\n".join(["1", "2", "3", "?", "5", "6", "7"]) + "\n", encoding="utf-8"
    )
    ds = load_dataset(path)
    assert ds.frame["v"].isna().tolist() == [False, False, False, True, False, False, False]
    assert ds.coerced == (("v", 1),)
    assert any("'?'" in n for n in ds.notes)


def test_many_tokens_keep_the_column_as_text(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("v\n1\n2\nlow\nhigh\n5\n6\n7\n8\n", encoding="utf-8")
    ds = load_dataset(path)
    assert ds.frame["v"].tolist()[:3] == ["1", "2", "low"]
    assert ds.coerced == ()


def test_mixed_object_columns_become_strings() -> None:
    frame = pd.DataFrame({"m": [1, "a", 2.0, None], "n": [{"k": 1}, [1, 2], "x", None]})
    ds = load_dataset(frame)
    assert ds.frame["m"].tolist()[:3] == ["1", "a", "2"]
    assert ds.frame["n"].tolist()[:3] == ['{"k": 1}', "[1, 2]", "x"]


@pytest.mark.parametrize("name", ["t.csv", "t.xlsx", "t.parquet", "t.json", "t.jsonl"])
def test_max_rows_limits_the_rows_read(tmp_path: Path, name: str) -> None:
    frame = pd.DataFrame({"a": range(50), "b": [f"v{i}" for i in range(50)]})
    path = tmp_path / name
    {
        "t.csv": lambda: frame.to_csv(path, index=False),
        "t.xlsx": lambda: frame.to_excel(path, index=False),
        "t.parquet": lambda: frame.to_parquet(path),
        "t.json": lambda: frame.to_json(path, orient="records"),
        "t.jsonl": lambda: frame.to_json(path, orient="records", lines=True),
    }[name]()
    ds = load_dataset(path, max_rows=7)
    assert ds.frame["a"].tolist() == list(range(7))


def test_max_rows_must_be_positive(frame: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="max_rows"):
        load_dataset(frame, max_rows=0)


def test_excel_sheet_by_name_or_index_and_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="first", index=False)
        pd.DataFrame({"b": [2]}).to_excel(writer, sheet_name="second", index=False)
    assert load_dataset(path).columns == ("a",)
    assert load_dataset(path, sheet="second").columns == ("b",)
    assert load_dataset(path, sheet=1).columns == ("b",)
    with pytest.raises(DataError, match=r"no sheet 'third'. Choose one of: 'first', 'second'"):
        load_dataset(path, sheet="third")


def test_unknown_extension_is_sniffed(tmp_path: Path, frame: pd.DataFrame) -> None:
    frame.to_parquet(tmp_path / "blob", index=False)
    assert load_dataset(tmp_path / "blob").columns == tuple(frame.columns)
    (tmp_path / "table.data").write_text("x;y\n1;2\n", encoding="utf-8")
    assert load_dataset(tmp_path / "table.data").columns == ("x", "y")
    (tmp_path / "records.export").write_text('[{"x": 1}, {"x": 2}]', encoding="utf-8")
    assert load_dataset(tmp_path / "records.export").frame["x"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2, 3]", "list of plain values, not a table"),
        ("[]", "an empty list, not a table"),
        ('"text"', "single string, not a table"),
        ('{"a": [1, 2], "b": [1]}', "not a table"),
        ("{not json", r"not valid JSON \(line 1"),
    ],
)
def test_json_that_is_not_a_table_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        load_dataset(path)


def test_bad_json_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n{"a": \n', encoding="utf-8")
    with pytest.raises(DataError, match="Line 2 of 'x.jsonl' is not valid JSON"):
        load_dataset(path)


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist") as info:
        load_dataset(tmp_path / "nope.csv")
    assert info.value.path == str(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder, not a file"):
        load_dataset(tmp_path)


def test_library_errors_are_wrapped_and_chained(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.txt", "hello")
    with pytest.raises(DataError, match="not a readable Excel workbook") as info:
        load_dataset(path)
    assert info.value.__cause__ is not None


def test_old_xls_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(DataError, match="save it as .xlsx or CSV"):
        load_dataset(path)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame(), "has no columns"),
        (pd.DataFrame({"a": []}), "no data rows"),
    ],
)
def test_empty_dataframes_are_refused(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_dataset(frame)


def test_rows_longer_than_the_header_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="Line 2 of 'r.csv' has 3 fields but the header has 2"):
        load_dataset(path)


def test_short_rows_are_padded_with_missing(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1,2\n3,4,5\n", encoding="utf-8")
    assert load_dataset(path).frame["c"].isna().tolist() == [True, False]


def test_decimal_comma_in_semicolon_files(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("a;b;c\n3,5;1.234,5;x\n4;2,25;y\n", encoding="utf-8")
    ds = load_dataset(path)
    assert ds.frame["a"].tolist() == [3.5, 4.0]
    assert ds.frame["b"].tolist() == [1234.5, 2.25]
    assert "column 'a': decimal comma read as numbers" in ds.notes


def test_nullable_and_duration_dtypes_become_plain_dtypes() -> None:
    frame = pd.DataFrame(
        {
            "i": pd.array([1, None, 3], dtype="Int64"),
            "j": pd.array([1, 2, 3], dtype="Int64"),
            "b": pd.array([True, None, False], dtype="boolean"),
            "s": pd.array(["a", None, "c"], dtype="string"),
            "t": pd.to_timedelta([1, 2, 3], unit="h"),
        }
    )
    ds = load_dataset(frame)
    assert {c: str(t) for c, t in ds.frame.dtypes.items()} == {
        "i": "float64",
        "j": "int64",
        "b": "object",
        "s": "str",
        "t": "float64",
    }
    assert ds.frame["t"].tolist() == [3600.0, 7200.0, 10800.0]
    assert ds.frame["s"].isna().tolist() == [False, True, False]
    assert "column 't': durations read as seconds" in ds.notes


def test_several_time_zones_in_one_column_become_utc() -> None:
    frame = pd.DataFrame(
        {
            "text": ["2020-01-01T00:00:00+01:00", "2020-01-01T00:00:00+09:00"],
            "stamps": [
                pd.Timestamp("2020-01-01", tz="UTC"),
                pd.Timestamp("2020-01-01", tz="Asia/Tokyo"),
            ],
        }
    )
    ds = load_dataset(frame)
    expected = [
        pd.Timestamp("2019-12-31 23:00", tz="UTC"),
        pd.Timestamp("2019-12-31 15:00", tz="UTC"),
    ]
    assert ds.frame["text"].tolist() == expected
    assert ds.frame["stamps"].tolist()[1] == expected[1]


def test_complex_numbers_are_kept_as_text() -> None:
    ds = load_dataset(pd.DataFrame({"z": [1 + 2j, 3j]}))
    assert ds.frame["z"].tolist() == ["(1+2j)", "3j"]


@pytest.mark.parametrize("sep", ["\t", "\\t", "tab"])
def test_tab_delimiter_can_be_typed(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert load_dataset(path, sep=sep).columns == ("a", "b")


def test_a_long_row_far_down_the_file_is_reported_with_its_line(tmp_path: Path) -> None:
    lines = ["a,b,c"] + [f"{i},{i},x" for i in range(999)]
    lines[600] = "1,2,3,4"
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        DataError, match="Line 601 of 'late.csv' has 4 fields but the header has 3"
    ):
        load_dataset(path)


@pytest.mark.parametrize("newline", [b"\r", b"\r\n"])
def test_old_mac_and_windows_line_endings(tmp_path: Path, newline: bytes) -> None:
    path = tmp_path / "nl.csv"
    path.write_bytes(newline.join([b"a;b", b"1;x", b"2;y", b""]))
    ds = load_dataset(path)
    assert ds.columns == ("a", "b") and ds.frame["b"].tolist() == ["x", "y"]


def test_notes_above_the_header_get_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "pre.csv"
    path.write_text("# exported by a tool\na,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="Line 2 .* notes above the header, remove them"):
        load_dataset(path)
