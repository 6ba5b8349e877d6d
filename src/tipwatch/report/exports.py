"""posts.csv and posts.jsonl: every post with its scores, top reasons and identifiers, written as it streams by.

The rows come from ``ReportStore.iter_export_rows`` (one post at a time, riskiest first); each is written as soon as
it arrives, so memory stays flat whatever the store holds. The CSV starts with a UTF-8 byte-order mark so that Excel
shows Devanagari and Bengali correctly (read it back with encoding "utf-8-sig"). Files are written under a temporary
name and renamed at the end, so a crash never leaves a half-written export that looks complete.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from tipwatch.report.highlight import plain_text
from tipwatch.store.interface.reports import ExportRow

CSV_COLUMNS = (
    "id",
    "source",
    "position",
    "url",
    "platform",
    "kind",
    "language",
    "posted_at",
    "location",
    "risk",
    "indicator_risk",
    "classifier_risk",
    "top_reasons",
    "identifiers",
)

# Cells a spreadsheet would run as a formula (CSV injection): ad-derived values get a leading apostrophe in the CSV.
# The JSONL keeps every value exactly as stored.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FREE_TEXT = frozenset({"id", "source", "position", "url", "platform", "kind", "language", "location"})


@dataclass(frozen=True, slots=True)
class ExportCounts:
    posts: int
    csv_path: Path
    jsonl_path: Path


def _csv_cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name in _FREE_TEXT:
        text = plain_text(value)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return value


def _csv_row(rec: ExportRow) -> list[Any]:
    cells: Mapping[str, object] = rec
    row = [_csv_cell(c, cells[c]) for c in CSV_COLUMNS[:12]]
    reasons = " | ".join(
        f"{r['code']} ({r['contribution']:+.3f})" if isinstance(r["contribution"], (int, float)) else str(r["code"])
        for r in rec["top_reasons"]
    )
    row.append(plain_text(reasons))
    # Identifier values are normalized by us (E.164, lower-case emails...) but can still start with "+" or "-".
    ids = " | ".join(rec["identifiers"])
    row.append("'" + ids if ids.startswith(_FORMULA_START) else plain_text(ids))
    return row


def _json_line(rec: ExportRow) -> bytes:
    # Store text is valid Unicode (SQLite and PostgreSQL refuse lone surrogates), so orjson never meets one.
    return orjson.dumps(rec) + b"\n"


def write_exports(rows: Iterable[ExportRow], out_dir: Path) -> ExportCounts:
    """Write ``rows`` to ``out_dir``/posts.csv and posts.jsonl (each row as it comes)."""
    csv_path, jsonl_path = out_dir / "posts.csv", out_dir / "posts.jsonl"
    csv_tmp, jsonl_tmp = csv_path.with_suffix(".csv.part"), jsonl_path.with_suffix(".jsonl.part")
    n = 0
    fc: IO[str]
    with (
        csv_tmp.open("w", encoding="utf-8-sig", errors="replace", newline="") as fc,
        jsonl_tmp.open("wb") as fj,
    ):
        writer = csv.writer(fc)
        writer.writerow(CSV_COLUMNS)
        for rec in rows:
            writer.writerow(_csv_row(rec))
            fj.write(_json_line(rec))
            n += 1
    os.replace(csv_tmp, csv_path)
    os.replace(jsonl_tmp, jsonl_path)
    return ExportCounts(n, csv_path, jsonl_path)
