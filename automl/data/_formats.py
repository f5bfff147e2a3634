"""The file formats ``load_dataset`` reads: one registry, and the readers of the structured ones.

``FORMATS`` is the one place that knows a format's suffixes, how to recognise it from its first
bytes and how to read it; ``load_dataset``, the CLI's help and the GUI's file filter all read it.
Each reader returns the frame with column names as stored, plus notes for the user; names and
values are normalised afterwards by ``load_dataset``. Format-specific failures become
``DataError`` here, with advice that fits the format.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from automl.data._delimited import read_delimited
from automl.errors import DataError

__all__ = ["FORMATS", "TableFormat", "display_name", "format_of", "read_excel", "read_json",
           "read_parquet", "short_reason"]

SNIFF_BYTES = 4096
# (frame with names as read, notes, the delimiter of a text file or None)
ReadResult = tuple[pd.DataFrame, list[str], str | None]


@dataclass(frozen=True)
class TableFormat:
    """One file format.

    Attributes:
        name: Short name (``csv``, ``excel``, ...).
        title: What a person calls it, for help texts and file dialogs.
        label: The format in a sentence ("could not be read as {label}").
        suffixes: File name endings, lower case, with the dot; the first is the usual one.
        sniff: Whether the first bytes of a file of unknown suffix are this format (None: never
            recognised by content; delimited text is what is left when no format claims a file).
        read: ``read(path, sep=, encoding=, sheet=, max_rows=)`` -> (frame, notes, delimiter).
    """

    name: str
    title: str
    label: str
    suffixes: tuple[str, ...]
    sniff: Callable[[bytes], bool] | None
    read: Callable[..., ReadResult]


def format_of(path: str | os.PathLike[str]) -> TableFormat:
    """The format of a file: from its suffix, else from its first bytes (else delimited text).

    Raises:
        OSError: The file has an unknown suffix and cannot be opened.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    for fmt in FORMATS:
        if suffix in fmt.suffixes:
            return fmt
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    return next((f for f in FORMATS if f.sniff is not None and f.sniff(head)), FORMATS[0])


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


# -- the registry ----------------------------------------------------------------------------

_DEFAULT_SEP = {".tsv": "\t", ".tab": "\t"}


def _read_text(path: Path, *, sep, encoding, sheet, max_rows) -> ReadResult:
    del sheet  # a text file has no sheets
    return read_delimited(path, sep=sep, encoding=encoding, max_rows=max_rows,
                          default_sep=_DEFAULT_SEP.get(path.suffix.lower()))


def _read_workbook(path: Path, *, sep, encoding, sheet, max_rows) -> ReadResult:
    del sep, encoding
    return (*read_excel(path, sheet=sheet, max_rows=max_rows), None)


def _read_parquet_file(path: Path, *, sep, encoding, sheet, max_rows) -> ReadResult:
    del sep, encoding, sheet
    return (*read_parquet(path, max_rows=max_rows), None)


def _read_json_file(path: Path, *, sep, encoding, sheet, max_rows, lines: bool = False) -> ReadResult:
    del sep, sheet
    return (*read_json(path, encoding=encoding, max_rows=max_rows, lines=lines), None)


def _read_json_lines(path: Path, **kwargs) -> ReadResult:
    return _read_json_file(path, lines=True, **kwargs)


def _json_start(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


# Delimited text first: it is the fallback of format_of.
FORMATS: tuple[TableFormat, ...] = (
    TableFormat("csv", "CSV, TSV or delimited text", "delimited text",
                (".csv", ".tsv", ".tab", ".txt", ".dat"), None, _read_text),
    TableFormat("excel", "Excel", "an Excel workbook", (".xlsx", ".xlsm", ".xls"),
                lambda head: head.startswith(b"PK\x03\x04"), _read_workbook),
    TableFormat("parquet", "Parquet", "Parquet", (".parquet", ".pq"),
                lambda head: head.startswith(b"PAR1"), _read_parquet_file),
    TableFormat("json", "JSON", "JSON", (".json",), _json_start, _read_json_file),
    TableFormat("jsonl", "JSON lines", "JSON lines", (".jsonl", ".ndjson"), None, _read_json_lines),
)
