"""Parquet copies of analysed posts for other tools (Spark SQL, DuckDB, pandas, Arrow): posts, identifiers,
indicator hits and media hashes, one file per table and task under ``DIR/<table>/part-NNNNN.parquet``.

Written with pyarrow by the task that analysed the records (no second pass, no shuffle); docs/decisions.md says why
pyarrow rather than Spark's DataFrame writer. Files are numbered in input order, and rows keep input order inside a
file. Image bytes are never written: only hashes and what the image check found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs

from tipwatch.model import Outcome, PostResult

TABLES = ("posts", "identifiers", "hits", "media")

_TS = pa.timestamp("us", tz="UTC")
SCHEMAS: dict[str, pa.Schema] = {
    "posts": pa.schema(
        [
            ("post_id", pa.string()),
            ("source", pa.string()),
            ("position", pa.string()),
            ("source_id", pa.string()),
            ("kind", pa.string()),
            ("platform", pa.string()),
            ("url", pa.string()),
            ("posted_at", _TS),
            ("location", pa.string()),
            ("language", pa.string()),
            ("title", pa.string()),
            ("body", pa.string()),
            ("images", pa.list_(pa.string())),
            ("risk", pa.float64()),
            ("model", pa.string()),
            ("indicator_risk", pa.float64()),
            ("classifier_risk", pa.float64()),
            ("reasons", pa.string()),  # JSON list of {code, contribution, detail, start, end}
        ]
    ),
    "identifiers": pa.schema(
        [
            ("post_id", pa.string()),
            ("type", pa.string()),
            ("value", pa.string()),
            ("start", pa.int32()),
            ("end", pa.int32()),
            ("confidence", pa.float64()),
            ("obfuscated", pa.bool_()),
            ("attrs", pa.string()),  # JSON object
        ]
    ),
    "hits": pa.schema(
        [
            ("post_id", pa.string()),
            ("code", pa.string()),
            ("category", pa.string()),
            ("weight", pa.float64()),
            ("start", pa.int32()),
            ("end", pa.int32()),
            ("text", pa.string()),
            ("domain", pa.string()),
            ("language", pa.string()),
            ("source", pa.string()),
        ]
    ),
    "media": pa.schema(
        [
            ("post_id", pa.string()),
            ("ref", pa.string()),
            ("status", pa.string()),
            ("reason", pa.string()),
            ("sha256", pa.string()),
            ("md5", pa.string()),
            ("pdq", pa.string()),
            ("pdq_mirror", pa.string()),
            ("quality", pa.int32()),
            ("width", pa.int32()),
            ("height", pa.int32()),
            ("format", pa.string()),
            ("size", pa.int64()),
            ("restricted", pa.bool_()),
        ]
    ),
}


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def rows(results: Sequence[Outcome]) -> dict[str, list[dict[str, Any]]]:
    """The analysed posts of ``results`` as rows per table (quarantined records are in the run's quarantine)."""
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for result in results:
        if not isinstance(result, PostResult):  # quarantined, or passed over unanalysed (never by Spark)
            continue
        post, assessment = result.post, result.assessment
        out["posts"].append(
            {
                "post_id": post.id,
                "source": post.source,
                "position": post.position,
                "source_id": post.source_id,
                "kind": post.kind,
                "platform": post.platform,
                "url": post.url,
                "posted_at": post.posted_at,
                "location": post.location,
                "language": post.language,
                "title": post.title,
                "body": post.body,
                "images": list(post.images),
                "risk": assessment.risk,
                "model": assessment.model,
                "indicator_risk": assessment.indicator_risk,
                "classifier_risk": assessment.classifier_risk,
                "reasons": _json(
                    [
                        {
                            "code": r.code,
                            "contribution": r.contribution,
                            "detail": r.detail,
                            "start": r.start,
                            "end": r.end,
                        }
                        for r in assessment.reasons
                    ]
                ),
            }
        )
        for ident in result.identifiers:
            out["identifiers"].append(
                {
                    "post_id": post.id,
                    "type": ident.type,
                    "value": ident.value,
                    "start": ident.start,
                    "end": ident.end,
                    "confidence": ident.confidence,
                    "obfuscated": ident.obfuscated,
                    "attrs": _json(ident.attrs),
                }
            )
        for hit in result.hits:
            out["hits"].append(
                {
                    "post_id": post.id,
                    "code": hit.code,
                    "category": hit.category,
                    "weight": hit.weight,
                    "start": hit.start,
                    "end": hit.end,
                    "text": hit.text,
                    "domain": hit.domain,
                    "language": hit.language,
                    "source": hit.source,
                }
            )
        if result.media is not None:
            for item in result.media.items:
                row = {name: getattr(item, name) for name in SCHEMAS["media"].names if name != "post_id"}
                out["media"].append({"post_id": post.id, **row})
    return out


def filesystem(directory: str) -> tuple[fs.FileSystem, str]:
    """A local path or any URI pyarrow knows (file://, s3://, gs://, hdfs://), as a filesystem and a base path."""
    if "://" in directory:
        return fs.FileSystem.from_uri(directory)
    return fs.LocalFileSystem(), directory


def write_part(directory: str, part: int, results: Sequence[Outcome]) -> None:
    """Write one task's results as ``<table>/part-<part>.parquet`` (zero-row files too, so every table exists)."""
    filesys, base = filesystem(directory)
    for name, table_rows in rows(results).items():
        folder = f"{base.rstrip('/')}/{name}"
        filesys.create_dir(folder, recursive=True)
        table = pa.Table.from_pylist(table_rows, schema=SCHEMAS[name])
        pq.write_table(table, f"{folder}/part-{part:05d}.parquet", filesystem=filesys)
