"""`tipwatch extract`: JSON lines ``{"id", "text"}`` on stdin -> one JSON line of identifiers per input line.

Machine-friendly contract: output line N answers input line N, streamed (each answer is written and flushed before
the next line is read). Output: ``{"id": ..., "identifiers": [{"type", "value", "start", "end", "confidence",
"obfuscated", "attrs"}]}`` with spans indexing ``text``; phones E.164, e-mails lower-case, handles
``platform:name``. A line that cannot be read gives ``{"id": null, "error": "<reason>", "line": N}`` on stdout and a
message on stderr; the exit code is 0 unless reading stdin itself fails.
"""

from __future__ import annotations

import json
import sys
from typing import Any, BinaryIO

import orjson
import typer

from tipwatch.cli.common import console, fail


def _answer(raw: bytes, region: str) -> tuple[dict[str, Any], str | None]:
    """The output record for one input line, and the error reason if it is an error record."""
    from tipwatch.extract import extract
    from tipwatch.sources.jsonl import loads_exact

    if not raw.strip():
        return {}, "empty line"
    try:
        record = loads_exact(raw)  # the id is echoed: integers over 64 bits must not become floats
    except ValueError as exc:
        return {}, f"invalid JSON: {exc}"
    if not isinstance(record, dict):
        return {}, f"expected a JSON object, got {type(record).__name__}"
    text = record.get("text")
    if not isinstance(text, str):
        if text is None:
            return {}, "missing 'text'"
        return {}, f"'text' must be a string, got {type(text).__name__}"
    identifiers = [
        {
            "type": i.type,
            "value": i.value,
            "start": i.start,
            "end": i.end,
            "confidence": i.confidence,
            "obfuscated": i.obfuscated,
            "attrs": i.attrs,
        }
        for i in extract(text, region)
    ]
    return {"id": record.get("id"), "identifiers": identifiers}, None


def _dumps(out: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(out, option=orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        # orjson writes integers up to 64 bits; the standard library writes any integer exactly.
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass") + b"\n"


def run(stdin: BinaryIO, stdout: BinaryIO, region: str) -> int:
    """Answer every line of ``stdin`` on ``stdout``; return the number of error lines."""
    errors = 0
    for n, line in enumerate(stdin, start=1):
        raw = line.rstrip(b"\r\n")
        try:
            out, error = _answer(raw, region)
        except Exception as exc:  # one hostile record must never end the stream
            out, error = {}, f"extraction failed: {type(exc).__name__}: {exc}"
        if error is not None:
            errors += 1
            out = {"id": None, "error": error, "line": n}
            console.print(f"line {n}: {error}", style="yellow")
        try:
            data = _dumps(out)
        except TypeError as exc:  # cannot happen with JSON-born ids; kept so one line never ends the stream
            errors += 1
            data = orjson.dumps({"id": None, "error": f"unserializable result: {exc}", "line": n}) + b"\n"
        stdout.write(data)
        stdout.flush()
    return errors


def extract_lines(
    region: str = typer.Option("IN", "--region", help="Default region for numbers without a country code (ISO 3166)."),
) -> None:
    """Read JSON lines {"id", "text"} on stdin; write one JSON line of identifiers per input line to stdout."""
    region = region.upper()
    if len(region) != 2 or not region.isalpha():
        raise typer.BadParameter(f"region must be a two-letter country code, got {region!r}", param_hint="--region")
    try:
        run(sys.stdin.buffer, sys.stdout.buffer, region)
    except OSError as exc:
        fail(f"cannot read standard input: {exc}")
