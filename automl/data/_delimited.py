"""Delimited text (CSV, TSV, TXT): encoding and delimiter detection, shape checks, parsing.

The first 256 KiB are decoded and parsed with the ``csv`` module to pick the encoding and the
delimiter, read the header exactly as written (pandas would mangle duplicates into "a.1"),
and find ragged or mixed-delimiter rows with their line numbers. The whole file is then parsed
by pandas' C engine (the Python engine for multi-character delimiters).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from automl.errors import DataError

__all__ = ["read_delimited"]

SAMPLE_BYTES = 1 << 18
SAMPLE_RECORDS = 200
CANDIDATES = (",", ";", "\t", "|")
BINARY_MAX_CONTROL_SHARE = 0.02
_SHOWN = {"\t": "tab", " ": "space"}


def read_delimited(
    path: Path,
    *,
    sep: str | None,
    encoding: str | None,
    max_rows: int | None,
    default_sep: str | None = None,
) -> tuple[pd.DataFrame, list[str], str]:
    """Read a delimited text file.

    Args:
        path: The file (exists, not empty).
        sep: Delimiter, or None to detect it.
        encoding: Text encoding, or None to detect it.
        max_rows: Read at most this many data rows.
        default_sep: Delimiter implied by the extension (tab for .tsv), used instead of
            detection when ``sep`` is None.

    Returns:
        The frame (column names exactly as in the header), notes on what was detected, and
        the delimiter used.

    Raises:
        DataError: Binary content, no columns, rows longer than the header, mixed
            delimiters, an unclosed quote, or text that is not in the given encoding.
    """
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    complete = len(head) >= path.stat().st_size
    notes: list[str] = []
    if encoding:
        _check_codec(path, encoding)
        used = encoding
    else:
        used = _detect_encoding(path, head, complete)
        if used != "utf-8":
            notes.append(f"encoding {used} detected")
    text = _decode_sample(head, used, complete)
    _check_is_text(path, text)
    if not text.strip():
        raise DataError(
            f"{path.name!r} has no columns: it holds only blank lines. Choose a file with a "
            "header row and at least one data row.",
            path=str(path),
        )
    if sep is None:
        sep = default_sep or _sniff_delimiter(text, complete)
        if sep != (default_sep or ","):
            notes.append(f"delimiter {_show(sep)} detected")
    header = None
    if len(sep) == 1:
        records = list(_records(text, sep, complete, SAMPLE_RECORDS))
        _check_rows(path, records, sep)
        header = records[0][1] if records else None
    frame = _parse(
        path, sep=sep, encoding=used, max_rows=max_rows, guessed=not encoding, notes=notes
    )
    if header is not None and len(header) == frame.shape[1]:
        frame.columns = header
    return frame, notes, sep


# -- encoding --------------------------------------------------------------------------------


def _check_codec(path: Path, encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise DataError(
            f"Unknown text encoding {encoding!r} for {path.name!r}. Use a name such as "
            "'utf-8', 'cp1252' or 'latin-1', or leave it empty to detect it.",
            path=str(path),
        ) from exc


def detect_encoding(path: Path) -> str:
    """The text encoding of a delimited file, detected from its first bytes as ``load_dataset``
    does (BOM, UTF-16 without BOM, UTF-8, then cp1252 or latin-1).

    Raises:
        DataError: Binary content.
    """
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    return _detect_encoding(path, head, len(head) >= path.stat().st_size)


def _detect_encoding(path: Path, head: bytes, complete: bool) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sixteen = _utf16_without_bom(head)
    if sixteen:
        return sixteen
    if b"\x00" in head:
        raise _binary(path)
    try:
        _strict_decode(head, "utf-8", complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text of mostly ASCII characters has a NUL in every other byte."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0 : 2 * pairs : 2], head[1 : 2 * pairs : 2]
    if odd.count(0) > 0.9 * pairs and even.count(0) < 0.1 * pairs:
        return "utf-16-le"
    if even.count(0) > 0.9 * pairs and odd.count(0) < 0.1 * pairs:
        return "utf-16-be"
    return None


def _strict_decode(head: bytes, encoding: str, complete: bool) -> str:
    try:
        return head.decode(encoding)
    except UnicodeDecodeError as exc:
        if complete or exc.start < len(head) - 4:
            raise
        return head[: exc.start].decode(encoding)  # the sample cut a character in two


def _decode_sample(head: bytes, encoding: str, complete: bool) -> str:
    try:
        return _strict_decode(head, encoding, complete)
    except UnicodeDecodeError:
        return head.decode(encoding, errors="replace")  # the full parse reports it properly


def _check_is_text(path: Path, text: str) -> None:
    sample = text[:65536]
    if "\x00" in sample:
        raise _binary(path)
    control = sum(
        1
        for ch in sample
        if ch not in "\t\r\n" and (unicodedata.category(ch) == "Cc" or ch == "\ufffd")
    )
    if control > max(2, BINARY_MAX_CONTROL_SHARE * len(sample)):
        raise _binary(path)


def _binary(path: Path) -> DataError:
    return DataError(
        f"{path.name!r} looks like a binary file, not text (it holds control bytes). "
        "Choose a CSV, TSV, Excel, Parquet or JSON file.",
        path=str(path),
    )


# -- delimiter and shape ---------------------------------------------------------------------


def _records(text: str, sep: str, complete: bool, limit: int) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of the first non-blank records of the sample."""
    if not complete:
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut > 0 else text
    reader = csv.reader(
        io.StringIO(text, newline=None), delimiter=sep, quotechar='"', strict=False
    )
    count = 0
    pending: tuple[int, list[str]] | None = None
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if pending is not None:
                yield pending
                count += 1
                if count >= limit:
                    return
            pending = (reader.line_num, row)
    except csv.Error:
        return  # e.g. a field over the csv module's size limit: the sample ends here
    if pending is not None and complete:
        yield pending  # the last record of a cut sample may be cut too: skip it


def _sniff_delimiter(text: str, complete: bool) -> str:
    """The candidate that splits the header into most fields, consistently over the sample."""
    best, best_score = ",", (0.0, 1)
    for cand in CANDIDATES:
        widths = [len(row) for _, row in _records(text, cand, complete, 50)]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths) / len(widths), widths[0])
        if score > best_score:
            best, best_score = cand, score
    return best


def _check_rows(path: Path, records: list[tuple[int, list[str]]], sep: str) -> None:
    if not records:
        return
    width = len(records[0][1])
    for line, row in records[1:]:
        if len(row) > width:
            raise _too_many_fields(path, line, len(row), width, sep)
        if len(row) == 1 and width > 1:
            for other in CANDIDATES:
                if other != sep and len(row[0].split(other)) == width:
                    raise DataError(
                        f"Line {line} of {path.name!r} uses {_show(other)} as delimiter but "
                        f"the header uses {_show(sep)}. Use one delimiter throughout the file.",
                        path=str(path),
                    )


def _too_many_fields(path: Path, line: int, got: int, width: int, sep: str) -> DataError:
    advice = (
        "If the file starts with notes above the header, remove them."
        if width == 1
        else f"Fix that row (quote values that contain {_show(sep)}), or choose the right "
        "delimiter."
    )
    return DataError(
        f"Line {line} of {path.name!r} has {got} fields but the header has {width}. {advice}",
        path=str(path),
    )


def _show(sep: str) -> str:
    return _SHOWN.get(sep, repr(sep))


# -- parsing ---------------------------------------------------------------------------------

_EXPECTED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_QUOTE = re.compile(r"EOF inside string starting (?:at|on) (?:row|line) (\d+)")


def _parse(
    path: Path, *, sep: str, encoding: str, max_rows: int | None, guessed: bool, notes: list[str]
) -> pd.DataFrame:
    """pandas' parser; on a decoding error with a guessed UTF-8, retry cp1252 then latin-1."""
    try:
        return _read_csv(path, sep=sep, encoding=encoding, max_rows=max_rows)
    except UnicodeDecodeError as exc:
        error = exc
    if guessed and encoding == "utf-8":  # the sample was UTF-8, a later part of the file is not
        for fallback in ("cp1252", "latin-1"):
            try:
                frame = _read_csv(path, sep=sep, encoding=fallback, max_rows=max_rows)
            except UnicodeDecodeError:
                continue
            notes.append(f"encoding {fallback} detected")
            return frame
    raise DataError(
        f"{path.name!r} is not valid {encoding} text (byte {error.start}). Leave the "
        "encoding empty to detect it, or choose the file's encoding.",
        path=str(path),
    ) from error


def _read_csv(path: Path, *, sep: str, encoding: str, max_rows: int | None) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                sep=sep,
                encoding=encoding,
                nrows=max_rows,
                index_col=False,
                engine="c" if len(sep) == 1 else "python",
                on_bad_lines="error",
            )
    except pd.errors.ParserWarning as exc:
        raise DataError(
            f"{path.name!r} has data rows with more fields than the header. Fix those rows "
            "(quote values that contain the delimiter), or choose the right delimiter.",
            path=str(path),
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{path.name!r} has no columns. Choose a file with a header row and at least one "
            "data row.",
            path=str(path),
        ) from exc
    except pd.errors.ParserError as exc:
        raise _parser_error(path, exc, sep) from exc


def _parser_error(path: Path, exc: Exception, sep: str) -> DataError:
    text = str(exc)
    match = _EXPECTED.search(text)
    if match:
        width, line, got = (int(g) for g in match.groups())
        return _too_many_fields(path, line, got, width, sep)
    match = _EOF_QUOTE.search(text)
    if match:
        return DataError(
            f'{path.name!r} has a quote (") opened near row {match.group(1)} that is never '
            "closed. Close the quote, or remove the stray quote character.",
            path=str(path),
        )
    reason = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return DataError(
        f"{path.name!r} could not be parsed as delimited text ({reason}). Check the delimiter "
        "and quoting, or save it again as CSV.",
        path=str(path),
    )
