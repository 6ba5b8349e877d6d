"""CSV and TSV files (gzipped or not) with a header row, read with the standard csv module.

Positions are spreadsheet row numbers: the header is row 1, the first data row is row 2 (a quoted field may
span several physical lines; the row number still counts records). The delimiter is "\\t" for .tsv; otherwise it
is sniffed from the header line among , ; TAB | (csv.Sniffer), defaulting to ",".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from tipwatch.model import RawRecord
from tipwatch.sources.base import (
    MAX_LINE_BYTES,
    STREAM_ERRORS,
    display_path,
    error_record,
    open_binary,
    preview,
    stream_error_message,
)
from tipwatch.sources.jsonl import apply_columns

# Characters (not bytes: the csv module works on text). One line, and one field, may hold at most this many.
MAX_CSV_CHARS = MAX_LINE_BYTES
_SNIFF_DELIMITERS = ",;\t|"
_SURROGATE = re.compile("[\udc80-\udcff]")


class _BoundedLines:
    """Feeds csv.reader one physical line at a time, cutting lines over the limit, and remembers the lines of the
    current row so the row's untouched text can be kept as RawRecord.raw."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.oversized: int = 0  # length of the longest cut line in the current row (0: none)
        self.current: list[str] = []

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self.fh.readline(MAX_CSV_CHARS + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_CSV_CHARS and not line.endswith("\n"):
            total = len(line)
            while True:
                chunk = self.fh.readline(MAX_CSV_CHARS)
                total += len(chunk)
                if not chunk or chunk.endswith("\n"):
                    break
            self.oversized = max(self.oversized, total)
            line = line[:4096] + "\n"
        self.current.append(line)
        return line

    def take(self) -> tuple[str, int]:
        """The text of the row just read and the length of its longest cut line; resets both."""
        raw = "".join(self.current).rstrip("\r\n")
        oversized = self.oversized
        self.current = []
        self.oversized = 0
        return raw, oversized


def header_names(row: list[str]) -> list[str]:
    """Column names made usable as keys: stripped, blanks named column_N, repeats numbered name_2, name_3."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(row):
        name = cell.strip() or f"column_{i + 1}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        names.append(name if count == 1 else f"{name}_{count}")
    return names


def _sniff_delimiter(header_line: str) -> str:
    try:
        return csv.Sniffer().sniff(header_line, delimiters=_SNIFF_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _undecodable_column(names: list[str], row: list[str]) -> str | None:
    for name, value in zip(names, row, strict=False):
        if _SURROGATE.search(value):
            return name
    return None


def read_csv(
    path: Path,
    *,
    columns: Mapping[str, str] | None = None,
    delimiter: str | None = None,
    source: str | None = None,
) -> Iterator[RawRecord]:
    """Yield one RawRecord per data row (fields: column name -> cell text); never raises.

    ``columns`` maps our field names to the file's column names ({"body": "ad_text"}); a mapped column missing
    from the header makes one error record for the file (nothing else of it is read).
    """
    src = source or display_path(path)
    # The csv module's field limit is process-wide: set it at every read, so that whatever another CSV user set
    # before (tipwatch's labelled-file reader sets the same value) this reader's limit holds.
    csv.field_size_limit(MAX_CSV_CHARS)
    rowno = 1
    try:
        with open_binary(path) as binary:
            # surrogateescape keeps undecodable bytes visible (as \udcXX) so the row can be flagged, not crash.
            fh = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
            lines = _BoundedLines(fh)
            first = next(lines, None)
            if first is None:
                return
            if delimiter is None:
                is_tsv = path.name.lower().removesuffix(".gz").endswith(".tsv")
                delimiter = "\t" if is_tsv else _sniff_delimiter(first)
            lines.current = []
            header_row = next(csv.reader([first], delimiter=delimiter), [])
            names = header_names(header_row)
            missing = [f"{theirs!r} (for {ours})" for ours, theirs in (columns or {}).items() if theirs not in names]
            if missing:
                yield error_record(
                    src,
                    "row 1",
                    f"mapped column {', '.join(missing)} not in header; columns are: {', '.join(names)}",
                    preview(first.rstrip("\r\n")),
                )
                return
            reader = csv.reader(lines, delimiter=delimiter)
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    rowno += 1
                    raw, _ = lines.take()
                    yield error_record(src, f"row {rowno}", f"CSV error: {exc}", preview(raw))
                    continue
                rowno += 1
                raw, oversized = lines.take()
                if not row and not oversized:
                    continue  # a blank line is not a record
                yield _row_record(src, rowno, names, row, raw, oversized, columns)
    except STREAM_ERRORS as exc:
        yield error_record(src, f"row {rowno + 1}", stream_error_message(exc, f"row {rowno}"))
    except OSError as exc:
        yield error_record(src, f"row {rowno + 1}", f"cannot read file after row {rowno}: {exc.strerror or exc}")


def _row_record(
    src: str,
    rowno: int,
    names: list[str],
    row: list[str],
    raw: str,
    oversized: int,
    columns: Mapping[str, str] | None,
) -> RawRecord:
    position = f"row {rowno}"
    if oversized:
        return error_record(
            src, position, f"line longer than {MAX_CSV_CHARS} characters limit ({oversized} characters)", preview(raw)
        )
    if len(row) != len(names):
        return error_record(
            src, position, f"ragged row: {len(row)} fields, but the header has {len(names)} columns", preview(raw)
        )
    bad = _undecodable_column(names, row)
    if bad is not None:
        return error_record(src, position, f"not valid UTF-8 in column {bad!r}", preview(raw))
    fields: dict[str, Any] = dict(zip(names, row, strict=True))
    return RawRecord(source=src, position=position, raw=raw, fields=apply_columns(fields, columns))
