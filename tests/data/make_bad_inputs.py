"""Generate the hostile-input corpus in tests/data/bad/ (deterministic: same bytes every run).

Run ``python tests/data/make_bad_inputs.py [OUT_DIR]``. Every file is built here from code, so
nobody hand-edits binaries; ``tests/reliability/test_bad_inputs.py`` says what each one must do.
"""

from __future__ import annotations

import io
import json
import random
import sys
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "bad"


def _text(rows: list[str]) -> str:
    return "\n".join(rows) + "\n"


def _numbers_with_target(target: list[str]) -> str:
    return _text(["x,target"] + [f"{i},{t}" for i, t in enumerate(target)])


def _garbage() -> bytes:
    rng = random.Random(1234)
    data = bytearray(rng.getrandbits(8) for _ in range(2048))
    data[10:14] = b"\x00\x00\x00\x00"  # certainly NUL bytes
    return bytes(data)


def _not_really_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # a zip, but of a text file
        info = zipfile.ZipInfo("notes.txt", date_time=(2024, 1, 1, 0, 0, 0))
        archive.writestr(info, "This is not a spreadsheet.\n")
    return buffer.getvalue()


def _truncated_parquet() -> bytes:
    frame = pd.DataFrame({"a": list(range(200)), "b": [f"v{i}" for i in range(200)]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    data = buffer.getvalue()
    return data[: len(data) // 2]


def _wide() -> str:
    names = [f"c{i}" for i in range(10_000)]
    rows = [",".join(names)] + [
        ",".join(str(r * 10 + i % 7) for i in range(10_000)) for r in range(3)
    ]
    return _text(rows)


def _stray() -> str:
    values = [str(10 + i) for i in range(20)]
    values[7] = "oops"
    return _text(["id,amount,label"] + [f"{i},{v},{'ab'[i % 2]}" for i, v in enumerate(values)])


def _mixed_dates() -> str:
    dates = [
        "2021-01-05",
        "2021/02/14",
        "March 3, 2021",
        "2021-04-01 10:30",
        "05 May 2021",
        "2021-06-30",
        "Jul 4 2021",
        "2021-08-15T08:00:00",
        "2021-09-09",
        "2021-10-31",
        "November 11, 2021",
        "2021-12-25",
    ]
    return _text(["when,value"] + [f'"{d}",{i}' for i, d in enumerate(dates)])


def corpus() -> dict[str, bytes]:
    """File name -> exact bytes."""
    utf8 = {
        "header_only.csv": "a,b,c\n",
        "blank_lines.csv": "\n\n   \n\n",
        "single_column.csv": _text(["value", "1", "2", "3", "4"]),
        "ragged_rows.csv": _text(["a,b,c", "1,2,3", "4,5,6,7", "8,9,10"]),
        "mixed_delimiters.csv": _text(["a,b,c", "1,2,3", "4;5;6", "7,8,9"]),
        "quoted_newlines.csv": 'id,comment\n1,"first line\nsecond line"\n2,"plain, with comma"\n',
        "unclosed_quote.csv": 'id,comment\n1,"never closed\n2,ok\n',
        "wide_10000_cols.csv": _wide(),
        "duplicate_names.csv": _text(["a,a,b,a", "1,2,3,4", "5,6,7,8"]),
        "empty_names.csv": _text(["a,,c,", "1,2,3,4", "5,6,7,8"]),
        "non_ascii_names.csv": _text(
            ["âge,Größe,名前,prix €", "31,1.8,太郎,9.5", "45,1.6,花子,12"]
        ),
        "one_class_target.csv": _numbers_with_target(["no"] * 12),
        "all_missing_target.csv": _numbers_with_target([""] * 12),
        "inf_regression_target.csv": _numbers_with_target(
            ["1.5", "2.25", "inf", "3.5", "-inf", "4.75", "5.5", "6.25"]
        ),
        "thousands_separators.csv": _text(
            [
                "id,amount,population",
                '1,"1,234.50",1 200',
                '2,"12,000",35 000',
                '3,"999.99",800',
                '4,"1,000,000.25",1 500 000',
            ]
        ),
        "stray_text_cell.csv": _stray(),
        "mixed_date_formats.csv": _mixed_dates(),
        "not_records.json": json.dumps({"meta": {"version": 1}, "count": 3}),
        "scalar.json": "42",
    }
    files = {name: text.encode("utf-8") for name, text in utf8.items()}
    files["empty.csv"] = b""
    files["latin1.csv"] = _text(
        ["name,city", "José,Zürich", "Renée,Málaga", "Søren,Århus"]
    ).encode("latin-1")
    files["utf16.csv"] = _text(["name,score", "Zoë,1", "Łukasz,2", "Ærø,3"]).encode("utf-16")
    files["bom.csv"] = _text(["id,name", "1,a", "2,b"]).encode("utf-8-sig")
    files["binary_garbage.csv"] = _garbage()
    files["not_really.xlsx"] = _not_really_xlsx()
    files["truncated.parquet"] = _truncated_parquet()
    return files


def main(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(corpus().items()):
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
