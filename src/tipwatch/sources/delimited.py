"""CSV and TSV files (gzipped or not) with a header row, read with the standard csv module.

Positions are spreadsheet row numbers: the header is row 1, the first data row is row 2 (a quoted field may
span several physical lines; the row number still counts records). The delimiter is "\\t" for .tsv; otherwise it
is sniffed from the header line among , ; TAB | (csv.Sniffer), defaulting to ",".

A broken quote must not swallow the rows after it (issue 8). A record spanning several physical lines is suspect
when the csv module fails on it (field over the limit, more than MAX_RECORD_LINES lines), when it is ragged, or
when it holds an odd number of quote characters (the csv module silently returns everything up to the end of the
file as one field when a quote is never closed). Then only its first physical line is quarantined and the lines
after it are read again as rows of their own. Lines that still do not make rows in that recovery are quarantined
together, one entry per run with the row range, so a runaway field costs one entry rather than thousands.
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
# A quoted field spanning more physical lines than this is treated as a broken quote (see the module docstring).
MAX_RECORD_LINES = 2000
# At most this many lines of a run of unreadable lines are kept in its quarantine entry.
_JUNK_PREVIEW_LINES = 20
_SURROGATE = re.compile("[\udc80-\udcff]")


class _BoundedLines:
    """Feeds csv.reader one physical line at a time, cutting lines over the limit, and remembers the lines of the
    current row so the row's untouched text can be kept as RawRecord.raw."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.oversized: int = 0  # length of the longest cut line in the current row (0: none)
        self.current: list[str] = []
        self.cut: dict[int, int] = {}  # index in current -> original length of a line cut to its preview
        self.again: list[tuple[str, int]] = []  # (line, original length if cut) to be read again, in reverse order

    def __iter__(self) -> _BoundedLines:
        return self

    def push_back(self, lines: list[tuple[str, int]]) -> None:
        self.again.extend(reversed(lines))

    def __next__(self) -> str:
        if len(self.current) >= MAX_RECORD_LINES:
            raise csv.Error(f"a quoted field spans more than {MAX_RECORD_LINES} lines")
        if self.again:
            line, cut = self.again.pop()
            if cut:  # a cut line read again is still over the limit: its row must stay an error
                self.cut[len(self.current)] = cut
                self.oversized = max(self.oversized, cut)
            self.current.append(line)
            return line
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
            self.cut[len(self.current)] = total
            line = line[:4096] + "\n"
        self.current.append(line)
        return line

    def take(self) -> tuple[list[tuple[str, int]], int]:
        """The physical lines of the row just read, each with its original length if it was cut (else 0), and the
        length of its longest cut line; resets all."""
        lines = [(line, self.cut.get(i, 0)) for i, line in enumerate(self.current)]
        oversized = self.oversized
        self.current = []
        self.cut = {}
        self.oversized = 0
        return lines, oversized


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
            # strict: a closing quote must be followed by a delimiter or the end of the line, which is what shows a
            # quote that never closed (it "closes" at the next quote inside a later row). Sloppy single-line rows
            # ("abc"def) are parsed again leniently below, as before.
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            junk = _Junk(src)
            while True:
                try:
                    row: list[str] | None = next(reader)
                    error = None
                except StopIteration:
                    break
                except csv.Error as exc:
                    row, error = None, f"CSV error: {exc}"
                rowno += 1
                taken, oversized = lines.take()
                physical = [line for line, _ in taken]
                raw = "".join(physical).rstrip("\r\n")
                if row is None and len(physical) == 1:
                    row, error = _lenient(physical[0], delimiter, error)
                if row is not None and not row and not oversized:
                    continue  # a blank line is not a record
                if len(physical) > 1 and (row is None or len(row) != len(names) or raw.count('"') % 2):
                    # Possibly a quote that never closed: quarantine the first line alone, read the others again.
                    reason = error or (
                        f"ragged row: {len(row)} fields, but the header has {len(names)} columns"
                        if row is not None and len(row) != len(names)
                        else "unbalanced quote"
                    )
                    yield from junk.flush()
                    yield error_record(
                        src,
                        f"row {rowno}",
                        f"{reason} in a record spanning {len(physical)} lines (a quote that never closes?): its first "
                        f"line is quarantined alone and the {len(physical) - 1} lines after it are read again",
                        preview(physical[0].rstrip("\r\n")),
                    )
                    lines.push_back(taken[1:])
                    junk.recovering = True
                    continue
                record = (
                    error_record(src, f"row {rowno}", error or "CSV error", preview(raw))
                    if row is None
                    else _row_record(src, rowno, names, row, raw, oversized, columns)
                )
                if junk.recovering and record.error is not None:
                    junk.add(rowno, raw, record.error)
                    continue
                yield from junk.flush()
                junk.recovering = False
                yield record
            yield from junk.flush()
    except STREAM_ERRORS as exc:
        yield error_record(src, f"row {rowno + 1}", stream_error_message(exc, f"row {rowno}"))
    except OSError as exc:
        yield error_record(src, f"row {rowno + 1}", f"cannot read file after row {rowno}: {exc.strerror or exc}")


def _lenient(line: str, delimiter: str, error: str | None) -> tuple[list[str] | None, str | None]:
    """One physical line parsed the csv module's forgiving way (a quote inside a field kept as text)."""
    try:
        return next(csv.reader([line], delimiter=delimiter), []), None
    except csv.Error:
        return None, error


class _Junk:
    """Consecutive unreadable rows met while recovering from a broken quote: one quarantine entry per run."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.recovering = False
        self.first = 0
        self.last = 0
        self.reason = ""
        self.kept: list[str] = []

    def add(self, rowno: int, raw: str, reason: str) -> None:
        if not self.first:
            self.first, self.reason = rowno, reason
        self.last = rowno
        if len(self.kept) < _JUNK_PREVIEW_LINES:
            self.kept.append(preview(raw))

    def flush(self) -> Iterator[RawRecord]:
        if not self.first:
            return
        n = self.last - self.first + 1
        if n == 1:
            yield error_record(self.src, f"row {self.first}", self.reason, self.kept[0])
        else:
            yield error_record(
                self.src,
                f"rows {self.first}-{self.last}",
                f"{n} lines after a broken quote that do not make rows (first: {self.reason})",
                preview("\n".join(self.kept)),
            )
        self.first = self.last = 0
        self.kept = []


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
