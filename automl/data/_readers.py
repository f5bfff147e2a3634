"""Reading a table from a file (CSV/TSV/TXT, Excel, Parquet, JSON, JSON lines) or a DataFrame.

``load_dataset`` is a boundary: whatever goes wrong in pandas, pyarrow, openpyxl or the
codecs, the caller gets one ``DataError`` whose one-line message says what is wrong with the
file and what to do. The original exception is chained for the ``--debug`` traceback.
"""

from __future__ import annotations

import csv
import json
import numbers
import os
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from automl.data._clean import clean_values
from automl.data._clean import fingerprint
from automl.data._clean import normalise_names
from automl.data._delimited import read_delimited
from automl.data._types import Dataset
from automl.errors import ConfigError
from automl.errors import DataError

__all__ = ["load_dataset"]

_FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".tab": "csv", ".txt": "csv", ".dat": "csv",
    ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
    ".parquet": "parquet", ".pq": "parquet",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
}
_DEFAULT_SEP = {".tsv": "\t", ".tab": "\t"}
_LABELS = {
    "unknown": "a table", "csv": "delimited text", "excel": "an Excel workbook", "parquet": "Parquet", "json": "JSON",
    "jsonl": "JSON lines",
}
# What the libraries raise on bad input. Caught at this boundary only, and always re-raised
# as DataError with the original chained.
_READ_ERRORS = (
    ValueError, TypeError, KeyError, IndexError, LookupError, OSError, UnicodeError,
    csv.Error, zipfile.BadZipFile, pa.ArrowException, OverflowError, RecursionError, EOFError,
    SyntaxError,  # xml.etree.ElementTree.ParseError from a corrupt workbook
)


def load_dataset(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    max_rows: int | None = None,
) -> Dataset:
    """Read a table into a ``Dataset`` with clean column names, values and a fingerprint.

    Args:
        source: A file path (format from the extension, else sniffed from the content) or a
            DataFrame (copied).
        sep: Delimiter for text files; detected among ``, ; TAB |`` when None.
        encoding: Text encoding; detected (BOM, UTF-8, then cp1252/latin-1) when None.
        sheet: Excel sheet name or 0-based index; the first sheet when None.
        max_rows: Read at most this many data rows (for previews).

    Returns:
        The dataset; ``notes`` says what was detected, ``renamed`` which columns were renamed.

    Raises:
        DataError: The file is missing, empty, unreadable, corrupt or not a table.
        ConfigError: ``max_rows`` is not a positive integer.
    """
    if max_rows is not None and (
        isinstance(max_rows, bool) or not isinstance(max_rows, numbers.Integral) or max_rows < 1
    ):
        raise ConfigError(
            f"max_rows must be a positive number of rows, got {max_rows!r}.", field="max_rows"
        )
    if isinstance(source, pd.DataFrame):
        frame = source.head(max_rows) if max_rows else source
        notes = [] if isinstance(frame.index, pd.RangeIndex) else ["the DataFrame's index was dropped"]
        return _finish(frame.copy(), "<dataframe>", notes, path=None)
    path = Path(os.fspath(source))
    _check_file(path)
    kind = _FORMATS.get(path.suffix.lower()) or "unknown"
    try:
        if kind == "unknown":
            kind = _sniff_format(path)
        frame, notes, used_sep = _read(
            kind, path, sep=sep, encoding=encoding, sheet=sheet, max_rows=max_rows
        )
    except DataError:
        raise
    except MemoryError as exc:
        raise DataError(
            f"{_name(path)!r} is too large to read into memory. Use a sample of its rows.",
            path=str(path),
        ) from exc
    except _READ_ERRORS as exc:
        raise DataError(
            f"{_name(path)!r} could not be read as {_LABELS[kind]}: {_reason(exc)}. "
            "Check that the file is a valid table of that format, or save it again as CSV.",
            path=str(path),
        ) from exc
    return _finish(frame, str(path), notes, path=path, decimal_comma=used_sep in (";", "\t", "|"))


def _read(
    kind: str, path: Path, *, sep, encoding, sheet, max_rows
) -> tuple[pd.DataFrame, list[str], str | None]:
    """(frame with names as read, notes, the delimiter for text files)."""
    if kind == "csv":
        return read_delimited(
            path, sep=sep, encoding=encoding, max_rows=max_rows,
            default_sep=_DEFAULT_SEP.get(path.suffix.lower()),
        )
    if kind == "excel":
        return (*_read_excel(path, sheet=sheet, max_rows=max_rows), None)
    if kind == "parquet":
        return (*_read_parquet(path, max_rows=max_rows), None)
    return (*_read_json(path, encoding=encoding, max_rows=max_rows, lines=kind == "jsonl"), None)


def _check_file(path: Path) -> None:
    try:
        exists, is_dir = path.exists(), path.is_dir()
        size = path.stat().st_size if exists and not is_dir else -1
    except OSError as exc:  # a name too long, a broken network drive...
        raise DataError(
            f"{str(path)!r} cannot be opened ({_reason(exc)}). Check the path.", path=str(path)
        ) from exc
    if not exists:
        raise DataError(
            f"File {str(path)!r} does not exist. Check the path, or choose another file.",
            path=str(path),
        )
    if is_dir:
        raise DataError(
            f"{str(path)!r} is a folder, not a file. Choose a data file "
            "(CSV, TSV, Excel, Parquet or JSON).",
            path=str(path),
        )
    if size == 0:
        raise DataError(
            f"{_name(path)!r} is empty (0 bytes). Choose a file with a header row and at least "
            "one data row.",
            path=str(path),
        )


def _sniff_format(path: Path) -> str:
    """Format of a file with an unknown extension, from its first bytes."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "excel"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "json"
    return "csv"


def _finish(
    frame: pd.DataFrame, source: str, notes: list[str], *, path: Path | None,
    decimal_comma: bool = False,
) -> Dataset:
    """Names, values, checks and fingerprint: the same for every format."""
    where = _name(path) if path is not None else "The DataFrame"
    quoted = repr(where) if path is not None else where
    if frame.shape[1] == 0:
        raise DataError(
            f"{quoted} has no columns. Choose a table with a header row naming its columns.",
            path=None if path is None else str(path),
        )
    if len(frame) == 0:
        what = "a header" if path is not None else "columns"
        raise DataError(
            f"{quoted} has {what} but no data rows. Choose a table with at least one data row.",
            path=None if path is None else str(path),
        )
    names, renamed = normalise_names(list(frame.columns))
    frame.columns = names
    frame = frame.reset_index(drop=True)
    frame, value_notes, coerced = clean_values(frame, decimal_comma=decimal_comma)
    return Dataset(
        frame=frame,
        source=source,
        sha256=fingerprint(frame),
        renamed=tuple(renamed),
        notes=tuple(notes + value_notes),
        coerced=tuple(coerced),
    )


# -- Excel -----------------------------------------------------------------------------------


def _read_excel(path: Path, *, sheet: str | int | None, max_rows: int | None):
    name = _name(path)
    if not zipfile.is_zipfile(path):
        hint = " Old .xls workbooks are not supported: save it as .xlsx or CSV." if (
            path.suffix.lower() == ".xls") else " Save it again from Excel as .xlsx, or as CSV."
        raise DataError(f"{name!r} is not a valid .xlsx workbook.{hint}", path=str(path))
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = book.sheet_names
            chosen = _choose_sheet(path, sheets, sheet)
            raw = pd.read_excel(
                book, sheet_name=chosen, header=None,
                nrows=None if max_rows is None else max_rows + 1,
            )
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on corrupt files
        raise DataError(
            f"{name!r} is not a readable Excel workbook ({_reason(exc)}). Open it in Excel and "
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
        f"{_name(path)!r} has no sheet {sheet!r}. Choose one of: {', '.join(map(repr, sheets))}.",
        path=str(path),
    )


# -- Parquet ---------------------------------------------------------------------------------


def _read_parquet(path: Path, *, max_rows: int | None):
    try:
        parquet = pq.ParquetFile(path)
        if max_rows is None:
            table = parquet.read()
        else:
            batches = parquet.iter_batches(batch_size=max_rows)
            table = pa.Table.from_batches([next(batches)]) if parquet.metadata.num_rows else (
                parquet.schema_arrow.empty_table())
    except (pa.ArrowException, OSError, ValueError, StopIteration) as exc:
        raise DataError(
            f"{_name(path)!r} is not a readable Parquet file ({_reason(exc)}). It may be "
            "truncated or corrupt: write it again, or export the table as CSV.",
            path=str(path),
        ) from exc
    frame = table.to_pandas()
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    return frame, []


# -- JSON ------------------------------------------------------------------------------------


def _read_json(path: Path, *, encoding: str | None, max_rows: int | None, lines: bool):
    name = _name(path)
    text = _decode_whole(path, encoding)
    if not text.strip():
        raise DataError(f"{name!r} holds no JSON, only blank space. Choose a table.", path=str(path))
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
            f"{_name(path)!r} looks like a binary file, not JSON text. Choose a JSON file.",
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
                f"Line {number} of {_name(path)!r} is not valid JSON ({exc.msg}). Each line of a "
                "JSON-lines file must hold one record, like {\"col\": 1}.",
                path=str(path),
            ) from exc
    if not all(isinstance(r, dict) for r in records):
        raise DataError(
            f"{_name(path)!r} has JSON lines that are not records. Each line must hold one "
            "object, like {\"col\": 1}.",
            path=str(path),
        )
    return records


def _table_from_json(path: Path, obj: object) -> pd.DataFrame:
    what = _json_shape(obj)
    if isinstance(obj, list) and obj:
        if all(isinstance(r, dict) for r in obj):
            return pd.DataFrame(obj)
        if all(isinstance(r, list) for r in obj):
            return pd.DataFrame(obj, columns=[f"column_{i + 1}" for i in range(max(map(len, obj)))])
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
        f"{_name(path)!r} holds {what}, not a table. Use a list of records "
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


def _name(path: Path) -> str:
    return path.name or str(path)


def _reason(exc: BaseException) -> str:
    """The first line of an exception message, short and without a trailing period."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200].rstrip(".")

