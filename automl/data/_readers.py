"""Reading a table from a file (CSV/TSV/TXT, Excel, Parquet, JSON, JSON lines) or a DataFrame.

``load_dataset`` is a boundary: whatever goes wrong in pandas, pyarrow, openpyxl or the
codecs, the caller gets one ``DataError`` whose one-line message says what is wrong with the
file and what to do. The original exception is chained for the ``--debug`` traceback.
"""

from __future__ import annotations

import csv
import numbers
import os
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa

from automl.data._clean import clean_values
from automl.data._clean import fingerprint
from automl.data._clean import normalise_names
from automl.data._formats import display_name
from automl.data._formats import format_of
from automl.data._formats import short_reason
from automl.data._types import Dataset
from automl.errors import ConfigError
from automl.errors import DataError

__all__ = ["load_dataset"]

_SEP_ALIASES = {"\\t": "\t", "tab": "\t", "TAB": "\t"}  # as typed in a CLI or a form
# What the libraries raise on bad input. Caught at this boundary only, and always re-raised
# as DataError with the original chained.
_READ_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    LookupError,
    OSError,
    UnicodeError,
    csv.Error,
    zipfile.BadZipFile,
    pa.ArrowException,
    OverflowError,
    RecursionError,
    EOFError,
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
        notes = (
            [] if isinstance(frame.index, pd.RangeIndex) else ["the DataFrame's index was dropped"]
        )
        return _finish(frame.copy(), "<dataframe>", notes, path=None)
    path = Path(os.fspath(source))
    sep = _SEP_ALIASES.get(sep, sep) if sep else None
    _check_file(path)
    label = "a table"
    try:
        fmt = format_of(path)
        label = fmt.label
        frame, notes, used_sep = fmt.read(
            path, sep=sep, encoding=encoding, sheet=sheet, max_rows=max_rows
        )
    except DataError:
        raise
    except MemoryError as exc:
        raise DataError(
            f"{display_name(path)!r} is too large to read into memory. Use a sample of its rows.",
            path=str(path),
        ) from exc
    except _READ_ERRORS as exc:
        raise DataError(
            f"{display_name(path)!r} could not be read as {label}: {short_reason(exc)}. "
            "Check that the file is a valid table of that format, or save it again as CSV.",
            path=str(path),
        ) from exc
    return _finish(frame, str(path), notes, path=path, decimal_comma=used_sep in (";", "\t", "|"))


def _check_file(path: Path) -> None:
    try:
        exists, is_dir = path.exists(), path.is_dir()
        size = path.stat().st_size if exists and not is_dir else -1
    except OSError as exc:  # a name too long, a broken network drive...
        raise DataError(
            f"{str(path)!r} cannot be opened ({short_reason(exc)}). Check the path.",
            path=str(path),
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
            f"{display_name(path)!r} is empty (0 bytes). Choose a file with a header row and at least "
            "one data row.",
            path=str(path),
        )


def _finish(
    frame: pd.DataFrame,
    source: str,
    notes: list[str],
    *,
    path: Path | None,
    decimal_comma: bool = False,
) -> Dataset:
    """Names, values, checks and fingerprint: the same for every format."""
    where = display_name(path) if path is not None else "The DataFrame"
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
