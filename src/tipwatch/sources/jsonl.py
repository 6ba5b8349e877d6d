"""JSON lines (.jsonl, .ndjson, .json; gzipped or not), and .json files holding one top-level array.

One object per line. A line that is not valid UTF-8, not valid JSON or not an object becomes an error record;
blank lines are not records and are passed over. A file whose first non-blank byte is ``[`` is read as one JSON
array, streamed with ijson (constant memory), one record per element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson
import orjson
from ijson.common import ObjectBuilder

from tipwatch.model import RawRecord
from tipwatch.sources.base import (
    GZIP_MAGIC,
    MAX_LINE_BYTES,
    STREAM_ERRORS,
    display_path,
    error_record,
    open_binary,
    preview,
    stream_error_message,
    strip_gz,
)

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LIMIT_TEXT = f"{MAX_LINE_BYTES // (1024 * 1024)} MiB"
# Deepest nesting accepted inside a JSON array element (real records nest a few levels).
MAX_DEPTH = 256
TOO_DEEP = object()


# A bare integer literal of 19+ digits: orjson turns integers over 64 bits into floats (losing digits), so lines that
# may hold one are parsed by the standard library, which keeps integers exact. Digits inside strings can match too;
# that only costs a second, exact parse.
_BIG_INT = re.compile(rb"[:\[,]\s*-?\d{19}")


def loads_exact(line: bytes | str) -> Any:
    """JSON text -> value, fast (orjson), with every integer exact (39-digit ids stay 39 digits).

    Raises ValueError (orjson.JSONDecodeError or json.JSONDecodeError are ValueErrors) when the text is not JSON or
    holds an integer over the interpreter's digit limit."""
    value = orjson.loads(line)
    data = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    if _BIG_INT.search(data):
        value = json.loads(line)
    return value


def json_type_name(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def apply_columns(fields: dict[str, Any], columns: Mapping[str, str] | None) -> dict[str, Any]:
    """Copy the user's columns to our field names ({"body": "ad_text"} puts fields["ad_text"] in fields["body"])."""
    if columns:
        for ours, theirs in columns.items():
            if theirs in fields:
                fields[ours] = fields[theirs]
    return fields


def parse_json_line(line: bytes, source: str, position: str, columns: Mapping[str, str] | None = None) -> RawRecord:
    """Turn one line (bytes, newline included or not) into a RawRecord; never raises."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Keep the undecodable bytes as surrogate escapes (\\udcXX) so nothing of the input is lost.
        raw = line.decode("utf-8", "surrogateescape").rstrip("\r\n")
        bad = line[exc.start]
        return error_record(
            source, position, f"not valid UTF-8: byte 0x{bad:02x} at offset {exc.start} of the line", preview(raw)
        )
    raw = text.rstrip("\r\n")
    try:
        value = loads_exact(line)
    except orjson.JSONDecodeError:
        # orjson rejects a few things the standard allows (escaped lone surrogates); the standard library also
        # gives the clearer message ("Expecting ',' delimiter"). Only bad lines pay for this second parse.
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            return error_record(source, position, f"invalid JSON: {exc.msg} at column {exc.colno}", preview(raw))
        except RecursionError:
            return error_record(source, position, "invalid JSON: nested too deeply", preview(raw))
        except ValueError as exc:  # an integer over Python's digit limit
            return error_record(source, position, f"invalid JSON: {exc}", preview(raw))
    except ValueError as exc:  # from the exact re-parse: an integer over Python's digit limit
        return error_record(source, position, f"invalid JSON: {exc}", preview(raw))
    if not isinstance(value, dict):
        return error_record(source, position, f"not a JSON object: got {json_type_name(value)}", preview(raw))
    return RawRecord(source=source, position=position, raw=raw, fields=apply_columns(value, columns))


def _skip_rest_of_line(readline: Callable[[int], bytes]) -> int:
    """Read past the rest of an over-long line; return its length without the line break."""
    skipped = 0
    while True:
        chunk = readline(MAX_LINE_BYTES)
        skipped += len(chunk.rstrip(b"\r\n"))
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _first_byte(path: Path) -> bytes:
    """The first non-whitespace byte of the (decompressed) file, after a UTF-8 BOM."""
    with open_binary(path) as fh:
        head = fh.read(4096)
        while head and not head.lstrip(b" \t\r\n" + _UTF8_BOM):
            head = fh.read(4096)
    stripped = head.lstrip(b" \t\r\n")
    stripped = stripped.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    return stripped[:1]


def read_jsonl(
    path: Path, *, columns: Mapping[str, str] | None = None, source: str | None = None
) -> Iterator[RawRecord]:
    """Yield one RawRecord per non-blank line (or per array element for a JSON array file); never raises."""
    src = source or display_path(path)
    try:
        first = _first_byte(path)
    except STREAM_ERRORS as exc:
        yield error_record(src, "line 1", stream_error_message(exc, "the start"))
        return
    except OSError as exc:
        yield error_record(src, "file", f"cannot read file: {exc.strerror or exc}")
        return
    # Only a .json file may be one array; in a .jsonl file a line holding an array is an error record.
    if first == b"[" and strip_gz(path.name).lower().endswith(".json"):
        yield from _read_array(path, src, columns)
    else:
        yield from _read_lines(path, src, columns)


def _read_lines(
    path: Path, src: str, columns: Mapping[str, str] | None, span: LineRange | None = None
) -> Iterator[RawRecord]:
    lineno = 0 if span is None else span.first_line - 1
    try:
        with open_binary(path) if span is None else path.open("rb") as fh:
            readline = fh.readline if span is None else _bounded_readline(fh, span)
            while True:
                line = readline(MAX_LINE_BYTES + 1)
                if not line:
                    return
                lineno += 1
                if lineno == 1:
                    if line.startswith(_UTF16_BOMS):
                        yield error_record(src, "line 1", "file is UTF-16 encoded: convert it to UTF-8")
                        return
                    line = line.removeprefix(_UTF8_BOM)
                position = f"line {lineno}"
                if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                    total = len(line) + _skip_rest_of_line(readline)
                    head = line[:4096].decode("utf-8", "replace")
                    yield error_record(
                        src, position, f"line longer than {_LIMIT_TEXT} limit ({total} bytes)", preview(head)
                    )
                    continue
                if not line.strip():
                    continue
                yield parse_json_line(line, src, position, columns)
    except STREAM_ERRORS as exc:
        yield error_record(src, f"line {lineno + 1}", stream_error_message(exc, f"line {lineno}"))
    except OSError as exc:
        yield error_record(src, f"line {lineno + 1}", f"cannot read file after line {lineno}: {exc.strerror or exc}")


@dataclass(frozen=True, slots=True)
class LineRange:
    """Whole lines ``[start, end)`` (byte offsets) of a plain JSONL file, the first of them numbered ``first_line``.

    Lets an engine read one big file as many tasks (Spark) with every record keeping the position the whole-file
    reader gives it; see ``line_ranges``.
    """

    start: int
    end: int
    first_line: int


def splittable(path: Path) -> bool:
    """True for a file ``read_lines_range`` can read in pieces: not gzip (a stream cannot be entered midway; its
    CRC is checked over the whole) and not a ``.json`` file holding one array."""
    with path.open("rb") as fh:
        head = fh.read(2)
    if head == GZIP_MAGIC or head in _UTF16_BOMS:  # a UTF-16 file is one error record, not one per piece
        return False
    return not (strip_gz(path.name).lower().endswith(".json") and _first_byte(path) == b"[")


def line_ranges(path: Path, lines_per_range: int, block: int = 1 << 20) -> list[LineRange]:
    """Cut a plain JSONL file into ranges of about ``lines_per_range`` lines, each ending just after a newline.

    One sequential pass counting newlines (no parsing): cheap next to analysing the records, and it gives every
    range the number of its first line, so positions are the same as when the file is read whole.
    """
    ranges: list[LineRange] = []
    start = offset = 0
    first_line = line = 1
    with path.open("rb") as fh:
        while data := fh.read(block):
            at = 0
            while (nl := data.find(b"\n", at)) != -1:
                at = nl + 1
                line += 1
                if line - first_line >= lines_per_range:
                    end = offset + at
                    ranges.append(LineRange(start, end, first_line))
                    start, first_line = end, line
            offset += len(data)
    if offset > start or not ranges:
        ranges.append(LineRange(start, offset, first_line))
    return ranges


def read_lines_range(
    path: Path, span: LineRange, *, columns: Mapping[str, str] | None = None, source: str | None = None
) -> Iterator[RawRecord]:
    """The records of the lines in ``span`` of a plain JSONL file, exactly as ``read_jsonl`` gives them (same
    positions, same error records); never raises."""
    src = source or display_path(path)
    yield from _read_lines(path, src, columns, span)


def _bounded_readline(fh: IO[bytes], span: LineRange) -> Callable[[int], bytes]:
    """``readline`` that stops at ``span.end``."""
    fh.seek(span.start)
    remaining = span.end - span.start

    def readline(limit: int) -> bytes:
        nonlocal remaining
        if remaining <= 0:
            return b""
        line = fh.readline(min(limit, remaining))
        remaining -= len(line)
        return line

    return readline


def _dump(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):
        # Lone surrogates from "\\ud800" escapes: the standard library writes them back as escapes.
        return json.dumps(value, default=str)


def _array_elements(fh: IO[bytes], backend: Any = None) -> Iterator[Any]:
    """The elements of a top-level JSON array, streamed; an element nested deeper than MAX_DEPTH yields TOO_DEEP.

    Built from ijson's basic events (ijson.items would build a prefix string per nesting level, which hostile
    nesting turns into gigabytes).
    """
    events = (backend or ijson).basic_parse(fh, use_float=True)
    first = next(events, None)
    if first is None or first[0] != "start_array":
        raise ijson.JSONError("the file does not start with a JSON array")
    depth = 0
    builder = ObjectBuilder()
    too_deep = False
    for event, value in events:
        if depth == 0:
            if event == "end_array":
                return
            builder = ObjectBuilder()
            too_deep = False
        if event in ("start_map", "start_array"):
            depth += 1
            too_deep = too_deep or depth > MAX_DEPTH
        elif event in ("end_map", "end_array"):
            depth -= 1
        if not too_deep:
            builder.event(event, value)
        if depth == 0:
            yield TOO_DEEP if too_deep else builder.value


def _read_array(path: Path, src: str, columns: Mapping[str, str] | None) -> Iterator[RawRecord]:
    index = 0
    try:
        try:
            for value in _elements(path, ijson, 0):
                index += 1
                yield _array_record(value, src, f"item {index}", columns)
        except ijson.JSONError as exc:
            if "integer overflow" not in str(exc):
                raise
            # The C parser keeps integers in 64 bits; the pure-Python one keeps them exact (and is slower), so it
            # takes over from the element where the C one stopped.
            for value in _elements(path, ijson.get_backend("python"), index):
                index += 1
                yield _array_record(value, src, f"item {index}", columns)
    except STREAM_ERRORS as exc:
        yield error_record(src, f"item {index + 1}", stream_error_message(exc, f"item {index}"))
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
        yield error_record(
            src, f"item {index + 1}", f"invalid JSON array after item {index}: {exc}; the rest of the file is skipped"
        )
    except OSError as exc:
        yield error_record(src, f"item {index + 1}", f"cannot read file after item {index}: {exc.strerror or exc}")


def _elements(path: Path, backend: Any, skip: int) -> Iterator[Any]:
    with open_binary(path) as fh:
        for n, value in enumerate(_array_elements(fh, backend)):
            if n >= skip:
                yield value


def _array_record(value: Any, src: str, position: str, columns: Mapping[str, str] | None) -> RawRecord:
    if value is TOO_DEEP:
        return error_record(src, position, f"invalid JSON: nested deeper than {MAX_DEPTH} levels")
    # An array element has no text of its own in the file: keep its compact JSON as the raw form.
    raw = _dump(value)
    if not isinstance(value, dict):
        return error_record(src, position, f"not a JSON object: got {json_type_name(value)}", preview(raw))
    return RawRecord(source=src, position=position, raw=raw, fields=apply_columns(value, columns))
