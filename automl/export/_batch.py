"""Batch scoring of a file with a bundle, streamed in chunks for delimited text files."""

from __future__ import annotations

import csv
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from automl.data import load_dataset
from automl.errors import DataError
from automl.errors import SchemaError
from automl.export._bundle import Bundle

CHUNK_ROWS = 200_000
_DELIMITED = {".csv", ".tsv", ".txt"}


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

    The id column (named, or the training data's identifier column when the input has it)
    is written first so rows can be joined back. ``out=None`` writes to stdout. The output
    is written to a temporary name and renamed when complete.

    Raises:
        DataError: Unreadable input, or a named id column that is missing.
        SchemaError: Input that does not match the bundle's schema.
    """
    path = Path(data)
    chunks = _read_chunks(path, chunk_rows)
    if out is None:
        return _write(bundle, chunks, sys.stdout, proba, id_column)
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            result = _write(bundle, chunks, fh, proba, id_column)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return result


def _write(bundle: Bundle, chunks, fh, proba: bool, id_column: str | None) -> BatchResult:
    rows = n = 0
    notes: list[str] = []
    chosen = id_column
    for i, frame in enumerate(chunks):
        if i == 0:
            chosen = _id_column(bundle, frame, id_column)
        if chosen and chosen not in frame.columns:
            raise DataError(f"Id column {chosen!r} is not in the input.", column=chosen)
        pred = bundle.predict(frame, proba=proba)
        for note in pred.notes:
            if note not in notes:
                notes.append(note)
        table = pred.to_frame(proba=proba)
        if chosen:
            table.insert(0, chosen, frame[chosen].to_numpy())
        table.to_csv(fh, header=(i == 0), index=False)
        rows += len(table)
        n += 1
    if n == 0:
        raise DataError("The input has no rows to predict.")
    return BatchResult(rows, n, chosen, tuple(notes))


def _id_column(bundle: Bundle, frame: pd.DataFrame, named: str | None) -> str | None:
    if named:
        return named
    for col in bundle.profile.columns:
        if col.kind.value == "identifier" and col.name in frame.columns:
            return col.name
    return None


def _read_chunks(path: Path, chunk_rows: int):
    if path.suffix.lower() not in _DELIMITED:
        yield load_dataset(path).frame
        return
    if not path.is_file():
        raise DataError(f"{str(path)!r} does not exist.", path=str(path))
    sep, encoding = _sniff(path)
    try:
        reader = pd.read_csv(path, sep=sep, encoding=encoding, chunksize=chunk_rows,
                             skipinitialspace=True)
        for frame in reader:
            frame.columns = [str(c) for c in frame.columns]
            yield frame
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, SchemaError):
            raise
        raise DataError(f"Cannot read {str(path)!r}: {str(exc).splitlines()[0]}", path=str(path)) from exc


def _sniff(path: Path) -> tuple[str, str]:
    raw = path.open("rb").read(65536)
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    else:
        try:
            raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "latin-1"
    if path.suffix.lower() == ".tsv":
        return "\t", encoding
    text = raw.decode(encoding, errors="ignore")
    try:
        return csv.Sniffer().sniff(io.StringIO(text).read(20000), delimiters=",;\t|").delimiter, encoding
    except csv.Error:
        return ",", encoding
