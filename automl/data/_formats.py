"""Readers for structured formats: Excel workbooks, Parquet files, JSON and JSON lines.

Each returns the frame with column names as stored, plus notes for the user; names and values
are normalised afterwards by ``load_dataset``. Format-specific failures become ``DataError``
here, with advice that fits the format.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from automl.errors import DataError

__all__ = ["display_name", "read_excel", "read_json", "read_parquet", "short_reason"]


# -- Excel -----------------------------------------------------------------------------------


def read_excel(
    path: Path, *, sheet: str | int | None, max_rows: int | None
) -> tuple[pd.DataFrame, list[str]]:
    """Read one sheet of an .xlsx workbook; its first non-empty row is the header.

    Raises:
        DataError: Not a zip (.xls or not a workbook), corrupt workbook, unknown or empty sheet.
    """
    name = display_name(path)
    if not zipfile.is_zipfile(path):
        hint = (
            " Old .xls workbooks are not supported: save it as .xlsx or CSV."
            if (path.suffix.lower() == ".xls")
            else " Save it again from Excel as .xlsx, or as CSV."
        )
        raise DataError(f"{name!r} is not a valid .xlsx workbook.{hint}", path=str(path))
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = book.sheet_names
            chosen = _choose_sheet(path, sheets, sheet)
            raw = pd.read_excel(
                book,
                sheet_name=chosen,
                header=None,
                nrows=None if max_rows is None else max_rows + 1,
            )
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on corrupt files
        raise DataError(
            f"{name!r} is not a readable Excel workbook ({short_reason(exc)}). Open it in Excel and "
            "save it again as .xlsx, or export the sheet as CSV.",
            path=str(path),
        ) from exc
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise DataError(
            f"Sheet {chosen!r} of {name!r} is empty. Choose the sheet that holds the table.",
            path=str(path),
        )
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = list(raw.iloc[0])
    notes = [f"sheet {chosen!r} read (of {len(sheets)})"] if len(sheets) > 1 else []
    return frame.infer_objects(), notes


def _choose_sheet(path: Path, sheets: list[str], sheet: str | int | None) -> str:
    if sheet is None:
        return sheets[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(sheets):
        return sheets[sheet]
    if isinstance(sheet, str) and sheet in sheets:
        return sheet
    raise DataError(
        f"{display_name(path)!r} has no sheet {sheet!r}. Choose one of: {', '.join(map(repr, sheets))}.",
        path=str(path),
    )


# -- Parquet ---------------------------------------------------------------------------------


def read_parquet(path: Path, *, max_rows: int | None) -> tuple[pd.DataFrame, list[str]]:
    """Read a Parquet file (only the first ``max_rows`` rows when given).

    Raises:
        DataError: The file is truncated, corrupt or not Parquet.
    """
    try:
        parquet = pq.ParquetFile(path)
        if max_rows is None:
            table = parquet.read()
        else:
            batches = parquet.iter_batches(batch_size=max_rows)
            table = (
                pa.Table.from_batches([next(batches)])
                if parquet.metadata.num_rows
                else (parquet.schema_arrow.empty_table())
            )
    except (pa.ArrowException, OSError, ValueError, StopIteration) as exc:
        raise DataError(
            f"{display_name(path)!r} is not a readable Parquet file ({short_reason(exc)}). It may be "
            "truncated or corrupt: write it again, or export the table as CSV.",
            path=str(path),
        ) from exc
    frame = table.to_pandas()
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    return frame, []


# -- JSON ------------------------------------------------------------------------------------


def read_json(
    path: Path, *, encoding: str | None, max_rows: int | None, lines: bool
) -> tuple[pd.DataFrame, list[str]]:
    """Read a JSON table (records, split or column layout) or JSON lines (also inside .json).

    Raises:
        DataError: Invalid JSON (with line and column), or JSON that is not a table.
    """
    name = display_name(path)
    text = _decode_whole(path, encoding)
    if not text.strip():
        raise DataError(
            f"{name!r} holds no JSON, only blank space. Choose a table.", path=str(path)
        )
    if lines:
        records = _json_lines(path, text)
    else:
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            if _looks_like_lines(text):
                records = _json_lines(path, text)
            else:
                raise DataError(
                    f"{name!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                    f"{exc.msg}). Fix the file or save the table as CSV.",
                    path=str(path),
                ) from exc
    frame = _table_from_json(path, records)
    return (frame.head(max_rows) if max_rows else frame), []


def _decode_whole(path: Path, encoding: str | None) -> str:
    data = path.read_bytes()
    if encoding:
        return data.decode(encoding)
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise DataError(
            f"{display_name(path)!r} looks like a binary file, not JSON text. Choose a JSON file.",
            path=str(path),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _looks_like_lines(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except json.JSONDecodeError:
        return False


def _json_lines(path: Path, text: str) -> list:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataError(
                f"Line {number} of {display_name(path)!r} is not valid JSON ({exc.msg}). Each line of a "
                'JSON-lines file must hold one record, like {"col": 1}.',
                path=str(path),
            ) from exc
    if not all(isinstance(r, dict) for r in records):
        raise DataError(
            f"{display_name(path)!r} has JSON lines that are not records. Each line must hold one "
            'object, like {"col": 1}.',
            path=str(path),
        )
    return records


def _table_from_json(path: Path, obj: object) -> pd.DataFrame:
    what = _json_shape(obj)
    if isinstance(obj, list) and obj:
        if all(isinstance(r, dict) for r in obj):
            return pd.DataFrame(obj)
        if all(isinstance(r, list) for r in obj):
            return pd.DataFrame(
                obj, columns=[f"column_{i + 1}" for i in range(max(map(len, obj)))]
            )
    if isinstance(obj, dict) and obj:
        if isinstance(obj.get("columns"), list) and isinstance(obj.get("data"), list):
            return pd.DataFrame(obj["data"], columns=obj["columns"])
        if isinstance(obj.get("data"), list) and all(isinstance(r, dict) for r in obj["data"]):
            frame = pd.DataFrame(obj["data"])  # pandas orient="table"
            if "schema" in obj and "index" in frame.columns:
                frame = frame.drop(columns="index")
            return frame
        values = list(obj.values())
        if all(isinstance(v, list) for v in values) and len({len(v) for v in values}) == 1:
            return pd.DataFrame(obj)
        if all(isinstance(v, dict) for v in values):
            return pd.DataFrame(obj).reset_index(drop=True)  # pandas orient="columns"
    raise DataError(
        f"{display_name(path)!r} holds {what}, not a table. Use a list of records "
        '([{"col": 1}, ...]), {"columns": [...], "data": [...]}, or one list per column.',
        path=str(path),
    )


def _json_shape(obj: object) -> str:
    if isinstance(obj, list):
        return "an empty list" if not obj else "a list of plain values"
    if isinstance(obj, dict):
        return "an empty object" if not obj else "a JSON object with nested values"
    if isinstance(obj, bool) or obj is None:
        return f"a single JSON value ({json.dumps(obj)})"
    if isinstance(obj, int | float):
        return "a single number"
    return "a single string"


# -- shared ----------------------------------------------------------------------------------


def display_name(path: Path) -> str:
    """The file name as shown in messages."""
    return path.name or str(path)


def short_reason(exc: BaseException) -> str:
    """The first line of an exception message, short and without a trailing period."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200].rstrip(".")
