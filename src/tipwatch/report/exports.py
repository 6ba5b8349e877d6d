"""posts.csv and posts.jsonl: every post with its scores, top reasons and identifiers, streamed.

One query (posts LEFT JOIN identifiers, riskiest first) read through a server-side cursor in batches; rows of one
post are consecutive, so each post is written as soon as its last identifier row has gone by. Memory stays flat
whatever the store holds. The CSV starts with a UTF-8 byte-order mark so that Excel shows Devanagari and Bengali
correctly (read it back with encoding "utf-8-sig"). Files are written under a temporary name and renamed at the end,
so a crash never leaves a half-written export that looks complete.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Engine, select

from tipwatch.report.highlight import plain_text
from tipwatch.store.tables import identifiers, posts

TOP_REASONS = 5
BATCH = 5_000

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


def _reason_list(reasons: Any) -> list[dict[str, Any]]:
    out = []
    for r in reasons if isinstance(reasons, list) else []:
        if isinstance(r, dict):
            out.append({"code": r.get("code"), "contribution": r.get("contribution"), "detail": r.get("detail", "")})
        if len(out) == TOP_REASONS:
            break
    return out


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts is not None else None


def iter_export_rows(engine: Engine) -> Iterator[dict[str, Any]]:
    """Yield one dict per post, riskiest first (ties by id), identifiers as unique ``type:value`` in text order."""
    cols = [
        posts.c.id,
        posts.c.source,
        posts.c.position,
        posts.c.url,
        posts.c.platform,
        posts.c.kind,
        posts.c.language,
        posts.c.posted_at,
        posts.c.location,
        posts.c.risk,
        posts.c.indicator_risk,
        posts.c.classifier_risk,
        posts.c.reasons,
    ]
    stmt = (
        select(*cols, identifiers.c.type, identifiers.c.value)
        .select_from(posts.outerjoin(identifiers, identifiers.c.post_id == posts.c.id))
        .order_by(posts.c.risk.desc(), posts.c.id, identifiers.c.start, identifiers.c.id)
    )
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        current: dict[str, Any] | None = None
        seen: set[str] = set()
        for row in result:
            if current is None or row[0] != current["id"]:
                if current is not None:
                    yield current
                current = {
                    "id": row[0],
                    "source": row[1],
                    "position": row[2],
                    "url": row[3],
                    "platform": row[4],
                    "kind": row[5],
                    "language": row[6],
                    "posted_at": _iso(row[7]),
                    "location": row[8],
                    "risk": row[9],
                    "indicator_risk": row[10],
                    "classifier_risk": row[11],
                    "top_reasons": _reason_list(row[12]),
                    "identifiers": [],
                }
                seen = set()
            if row[13] is not None:
                key = f"{row[13]}:{row[14]}"
                if key not in seen:
                    seen.add(key)
                    current["identifiers"].append(key)
        if current is not None:
            yield current


def _csv_cell(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if name in _FREE_TEXT:
        text = plain_text(value)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return value


def _csv_row(rec: dict[str, Any]) -> list[Any]:
    row = [_csv_cell(c, rec[c]) for c in CSV_COLUMNS[:12]]
    reasons = " | ".join(
        f"{r['code']} ({r['contribution']:+.3f})" if isinstance(r["contribution"], (int, float)) else str(r["code"])
        for r in rec["top_reasons"]
    )
    row.append(plain_text(reasons))
    # Identifier values are normalized by us (E.164, lower-case emails...) but can still start with "+" or "-".
    ids = " | ".join(rec["identifiers"])
    row.append("'" + ids if ids.startswith(_FORMULA_START) else plain_text(ids))
    return row


def _json_line(rec: dict[str, Any]) -> bytes:
    # Store text is valid Unicode (SQLite and PostgreSQL refuse lone surrogates), so orjson never meets one.
    return orjson.dumps(rec) + b"\n"


def write_exports(engine: Engine, out_dir: Path) -> ExportCounts:
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
        for rec in iter_export_rows(engine):
            writer.writerow(_csv_row(rec))
            fj.write(_json_line(rec))
            n += 1
    os.replace(csv_tmp, csv_path)
    os.replace(jsonl_tmp, jsonl_path)
    return ExportCounts(n, csv_path, jsonl_path)
