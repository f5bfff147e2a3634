"""Batch scoring of a file with a bundle: every format ``load_dataset`` reads, in chunks.

Delimited text (CSV, TSV, TXT...) and Parquet are streamed ``chunk_rows`` rows at a time, so
a file larger than memory can be scored; Excel and JSON are read whole (their readers need the
whole file) and predicted in chunks. Each chunk is normalised exactly as ``load_dataset``
normalises training data (column names, then cell values: numbers written as text, decimal
commas in ``;``-separated files, blank cells, dates), so a file scores the same whether it is
read by ``automl predict`` or loaded and passed to ``Bundle.predict``.

The id column, named by the caller or else the training data's identifier column when the
input has it, is written first so rows can be joined back.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from automl.data import TableFormat
from automl.data import format_of
from automl.data import load_dataset
from automl.data._clean import clean_values
from automl.data._clean import normalise_names
from automl.data._delimited import detect_encoding
from automl.errors import DataError
from automl.errors import SchemaError
from automl.export._bundle import Bundle

CHUNK_ROWS = 200_000
MAX_NOTES = 20
_HEAD_ROWS = 50  # rows read by the training reader to detect delimiter, header and shape


@dataclass(frozen=True)
class BatchResult:
    rows: int
    chunks: int
    id_column: str | None
    notes: tuple[str, ...]


def predict_file(
    bundle: Bundle,
    data: str | os.PathLike,
    out: str | os.PathLike | None,
    *,
    proba: bool = False,
    id_column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> BatchResult:
    """Score ``data`` and write a CSV with ``prediction`` (and ``proba_<class>``) columns.

    Args:
        bundle: The loaded bundle.
        data: Any file ``load_dataset`` reads (CSV/TSV/TXT, Excel, Parquet, JSON, JSON lines).
        out: The output CSV; None writes to stdout. A file is written under a temporary name
            and renamed when complete, so a failure never leaves half a result.
        proba: Add one ``proba_<class>`` column per class (classification).
        id_column: Input column copied first into the output; by default the training data's
            identifier column when the input has it.
        chunk_rows: Rows read and predicted at a time (bounds the memory used).

    Raises:
        DataError: Unreadable input, no rows, or a named id column that is missing.
        SchemaError: Input that does not match the bundle's schema (message names the rows).
    """
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise DataError(f"chunk_rows must be a positive number of rows, got {chunk_rows!r}.")
    frames = iter_frames(Path(data), chunk_rows)
    if out is None:
        return _write(bundle, frames, sys.stdout, proba, id_column, chunk_rows)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            result = _write(bundle, frames, fh, proba, id_column, chunk_rows)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return result


def iter_frames(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    """(frame, notes) per chunk, normalised as ``load_dataset`` normalises a whole file.

    The format is the one ``load_dataset`` would read (``automl.data.format_of``: the suffix,
    else the first bytes); delimited text and Parquet are streamed, the others read whole.
    """
    fmt = _format(path)
    if fmt is not None and fmt.name == "csv":
        yield from _delimited_frames(path, chunk_rows, fmt)
    elif fmt is not None and fmt.name == "parquet":
        yield from _parquet_frames(path, chunk_rows)
    else:
        dataset = load_dataset(path)
        notes = list(dataset.notes)
        for start in range(0, len(dataset.frame), chunk_rows):
            yield dataset.frame.iloc[start:start + chunk_rows], notes if start == 0 else []


def _format(path: Path) -> TableFormat | None:
    """The file's format; None when it cannot be told (``load_dataset`` then says why)."""
    try:
        return format_of(path)
    except OSError:  # an unknown suffix on a file that cannot be opened
        return None


def _delimited_frames(path: Path, chunk_rows: int, fmt: TableFormat
                      ) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    # The training reader on the first rows: same checks, delimiter and exact header.
    head, notes, sep = load_head(path, fmt)
    names, renamed = normalise_names(list(head.columns))
    if renamed:
        notes.append("renamed column(s) " + ", ".join(f"{a!r} -> {b!r}" for a, b in renamed[:5]))
    encoding = detect_encoding(path)
    decimal_comma = sep in (";", "\t", "|")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            warnings.simplefilter("error", pd.errors.ParserWarning)
            reader = pd.read_csv(path, sep=sep, encoding=encoding, chunksize=chunk_rows,
                                 index_col=False, engine="c" if len(sep) == 1 else "python",
                                 on_bad_lines="error")
            with reader:
                for i, frame in enumerate(reader):
                    if frame.shape[1] == len(names):
                        frame.columns = names
                    frame, value_notes, _ = clean_values(frame, decimal_comma=decimal_comma)
                    yield frame, (notes + value_notes) if i == 0 else value_notes
    except UnicodeDecodeError as exc:
        raise DataError(f"{path.name!r} is not valid {encoding} text (byte {exc.start:,}). Save "
                        "it as UTF-8 and score it again.", path=str(path)) from exc
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path.name!r} could not be read past its first rows ({reason}). Fix "
                        "that row, or save the file again as CSV.", path=str(path)) from exc


def load_head(path: Path, fmt: TableFormat | None = None) -> tuple[pd.DataFrame, list[str], str]:
    """The first rows as the training reader reads them: (frame, notes, delimiter)."""
    load_dataset(path, max_rows=1)  # existence, emptiness and binary checks, one-line errors
    return (fmt or format_of(path)).read(path, sep=None, encoding=None, sheet=None, max_rows=_HEAD_ROWS)


def _parquet_frames(path: Path, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, list[str]]]:
    load_dataset(path, max_rows=1)  # same checks and messages as training for a bad file
    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=chunk_rows)
        for batch in batches:
            frame = pa.Table.from_batches([batch]).to_pandas()
            if not isinstance(frame.index, pd.RangeIndex):
                frame = frame.reset_index()
            frame.columns, _ = normalise_names(list(frame.columns))
            frame, notes, _ = clean_values(frame)
            yield frame, notes
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path.name!r} could not be read past its first rows ({exc}). It may be "
                        "truncated: write it again.", path=str(path)) from exc


def _write(bundle: Bundle, frames, fh, proba: bool, id_column: str | None,
           chunk_rows: int) -> BatchResult:
    rows = n = 0
    notes: list[str] = []
    n_dropped = 0
    chosen = id_column
    for frame, read_notes in frames:
        if len(frame) == 0:
            continue
        if n == 0:
            chosen = _id_column(bundle, frame, id_column)
        try:
            pred = bundle.predict(frame, proba=proba)
        except SchemaError as exc:
            if n == 0 and len(frame) < chunk_rows:
                raise
            raise SchemaError(f"{exc} (in rows {rows + 1:,} to {rows + len(frame):,} of the input)",
                              columns=exc.columns) from exc
        for note in (*read_notes, *pred.notes):
            if note in notes:
                continue
            if len(notes) < MAX_NOTES:
                notes.append(note)
            else:
                n_dropped += 1
        table = pred.to_frame(proba=proba)
        if chosen:
            table.insert(0, chosen, frame[chosen].to_numpy())
        table.to_csv(fh, header=(n == 0), index=False)
        rows += len(table)
        n += 1
    if n == 0:
        raise DataError("The input has no rows to predict.")
    if n_dropped:
        notes.append(f"{n_dropped} more note(s) not shown")
    return BatchResult(rows, n, chosen, tuple(notes))


def _id_column(bundle: Bundle, frame: pd.DataFrame, named: str | None) -> str | None:
    if named:
        for candidate in (named, named.strip()):
            if candidate in frame.columns:
                return candidate
        shown = ", ".join(map(repr, list(frame.columns)[:10]))
        raise DataError(f"Id column {named!r} is not in the input (its columns: {shown}).",
                        column=named)
    for col in bundle.profile.columns:
        if col.kind.value == "identifier" and col.name in frame.columns:
            return col.name
    return None
