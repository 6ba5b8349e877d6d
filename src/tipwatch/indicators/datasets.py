"""Labelled files for `tipwatch train` / `tipwatch evaluate`: CSV or JSON (lines or one array), optionally gzipped.

The type comes from the extension: .csv, .jsonl / .ndjson, .json (an array, or JSON lines), each optionally .gz.
Several text columns are joined with a newline (title + body, as Post.text does). Labels map as LABELS below;
anything else is an error naming the line, so that a typo never silently becomes a negative example.
"""

from __future__ import annotations

import csv
import gzip
import math
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from tipwatch.sources.delimited import MAX_CSV_CHARS

POSITIVE = frozenset({"1", "true", "t", "yes", "y", "trafficking", "positive", "pos", "indicative", "suspicious"})
NEGATIVE = frozenset({"0", "false", "f", "no", "n", "benign", "negative", "neg", "not_trafficking", "clean", "legit"})
LABELS = {**{v: 1 for v in POSITIVE}, **{v: 0 for v in NEGATIVE}}


class DataError(ValueError):
    """The labelled file cannot be used; the message names the file and, when it applies, the line."""


def parse_label(value: Any) -> int | None:
    """1, 0, or None when ``value`` is not a known label (bools, 0/1 numbers and the words of LABELS)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return int(value) if value in (0, 1) else None
    if isinstance(value, str):
        key = value.strip().casefold().replace("-", "_").replace(" ", "_")
        if key in ("1.0", "0.0"):
            key = key[0]
        return LABELS.get(key)
    return None


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    if ext == ".csv":
        return "csv"
    if ext in (".jsonl", ".ndjson"):
        return "jsonl"
    if ext == ".json":
        return "json"
    found = "".join(path.suffixes) or "(none)"
    raise DataError(f"{path}: unknown file type {found}; use .csv, .jsonl or .json (.gz ok)")


def _open(path: Path) -> IO[str]:
    """Text stream over the (possibly gzipped) file; the caller closes it (closing the wrapper closes the file)."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return path.open(encoding="utf-8-sig", errors="replace", newline="")


def _csv_rows(fh: IO[str]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    csv.field_size_limit(MAX_CSV_CHARS)  # long ad texts; the same process-wide limit as the source readers
    reader = csv.DictReader(fh)
    for row in reader:
        yield reader.line_num, row


def _json_rows(fh: IO[str], path: Path, array_ok: bool) -> Iterator[tuple[int, Mapping[str, Any]]]:
    first = fh.read(1)
    while first and first.isspace():
        first = fh.read(1)
    if array_ok and first == "[":
        try:
            items = orjson.loads("[" + fh.read())
        except orjson.JSONDecodeError as exc:
            raise DataError(f"{path}: invalid JSON: {exc}") from exc
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise DataError(f"{path}: item {number}: expected an object, got {type(item).__name__}")
            yield number, item
        return
    for number, line in enumerate(_prepend(first, fh), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise DataError(f"{path}: line {number}: invalid JSON: {exc}") from exc
        if not isinstance(item, dict):
            raise DataError(f"{path}: line {number}: expected a JSON object, got {type(item).__name__}")
        yield number, item


def _prepend(first: str, fh: IO[str]) -> Iterator[str]:
    lines = iter(fh)
    head = next(lines, "")
    yield first + head
    yield from lines


def read_labelled(path: str | Path, text_cols: Sequence[str], label_col: str) -> tuple[list[str], list[int]]:
    """(texts, labels) from a labelled file; rows are numbered as lines (CSV, JSON lines) or items (JSON array)."""
    path = Path(path)
    if not text_cols:
        raise DataError("give at least one text column")
    kind = _kind(path)
    texts: list[str] = []
    labels: list[int] = []
    where = "item" if kind == "json" else "line"
    try:
        with _open(path) as fh:
            rows = _csv_rows(fh) if kind == "csv" else _json_rows(fh, path, array_ok=kind == "json")
            for number, row in rows:
                if texts == [] and labels == []:
                    _check_columns(path, row, text_cols, label_col)
                if label_col not in row:
                    raise DataError(f"{path}: {where} {number}: no {label_col!r} field")
                label = parse_label(row[label_col])
                if label is None:
                    raise DataError(
                        f"{path}: {where} {number}: label {row[label_col]!r} in column {label_col!r} is not a known "
                        "label (use 1/0, true/false, yes/no, trafficking/benign, positive/negative)"
                    )
                parts = [row.get(c) for c in text_cols]
                texts.append("\n".join(p if isinstance(p, str) else str(p) for p in parts if p not in (None, "")))
                labels.append(label)
    except (OSError, EOFError, zlib.error, UnicodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    if not texts:
        raise DataError(f"{path}: no rows")
    return texts, labels


def _check_columns(path: Path, row: Mapping[str, Any], text_cols: Sequence[str], label_col: str) -> None:
    missing = [c for c in [*text_cols, label_col] if c not in row]
    if missing:
        have = ", ".join(map(str, row.keys()))
        raise DataError(f"{path}: no column(s) {', '.join(missing)}; the file has: {have}")
