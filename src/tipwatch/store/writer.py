"""Write analysis results in batches, count them, and keep re-runs idempotent.

Every record read ends in exactly one of: stored, duplicate (its post id is already in the store or earlier in this
run), quarantined. The counts are kept on the run row so that ``read = stored + duplicates + quarantined`` can be
checked later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import IO, Any

import orjson
from sqlalchemy import Connection, Engine, insert, select, update

from tipwatch.model import PostResult, Quarantined
from tipwatch.store.interface.runs import Counts, PostSink
from tipwatch.store.sql.media import write_post_media
from tipwatch.store.tables import identifiers, indicator_hits, posts, quarantine, runs

# SQLite allows 32766 bound parameters per statement; stay well below for IN (...) look-ups.
_LOOKUP_CHUNK = 900
# A quarantined record keeps its raw text for inspection, up to this many characters.
QUARANTINE_RAW_LIMIT = 1_000_000


def storable(text: str) -> str:
    """Text any database accepts: lone surrogates (undecodable input bytes) and NUL become visible escapes."""
    if "\x00" not in text:
        try:
            text.encode("utf-8")  # strict: fails only on lone surrogates; far cheaper than always re-encoding
            return text
        except UnicodeEncodeError:
            pass
    out = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return out.replace("\x00", "\\x00")


def start_run(engine: Engine, command: str, inputs: Sequence[str], model: str | None) -> int:
    with engine.begin() as conn:
        result = conn.execute(
            insert(runs).values(
                started_at=datetime.now(UTC),
                command=command,
                inputs=list(inputs),
                model=model,
                status="running",
                read=0,
                stored=0,
                duplicates=0,
                quarantined=0,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def finish_run(engine: Engine, run_id: int, counts: Counts, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(finished_at=datetime.now(UTC), status=status, **asdict(counts))
        )


def quarantine_key(item: Quarantined) -> str:
    return hashlib.sha256(f"{item.source}\x00{item.position}\x00{item.reason}".encode("utf-8", "replace")).hexdigest()


def _existing(conn: Connection, column: Any, values: Iterable[str]) -> set[str]:
    found: set[str] = set()
    todo = list(values)
    for i in range(0, len(todo), _LOOKUP_CHUNK):
        part = todo[i : i + _LOOKUP_CHUNK]
        found.update(row[0] for row in conn.execute(select(column).where(column.in_(part))))
    return found


def _post_row(result: PostResult, run_id: int) -> dict[str, Any]:
    post, a = result.post, result.assessment
    return {
        "id": post.id,
        "run_id": run_id,
        "source": storable(post.source),
        "position": storable(post.position)[:200],
        "url": storable(post.url) if post.url else None,
        "platform": storable(post.platform)[:100] if post.platform else None,
        "kind": post.kind,
        "title": storable(post.title),
        "body": storable(post.body),
        "posted_at": post.posted_at,
        "location": storable(post.location) if post.location else None,
        "images": [storable(i) for i in post.images],
        "language": post.language,
        "raw": storable(post.raw),
        "risk": a.risk,
        "indicator_risk": a.indicator_risk,
        "classifier_risk": a.classifier_risk,
        "model": a.model,
        "reasons": [
            {"code": r.code, "contribution": r.contribution, "detail": r.detail, "start": r.start, "end": r.end}
            for r in a.reasons
        ],
    }


class PostWriter(PostSink):
    """Writes one run's results; call ``write`` per batch, then read ``counts``."""

    def __init__(self, engine: Engine, run_id: int, quarantine_file: IO[bytes] | None = None) -> None:
        self.engine = engine
        self.run_id = run_id
        self.quarantine_file = quarantine_file
        self.counts = Counts()
        # Images are not records: their rejects are quarantined with reasons but counted apart from `counts`.
        self.images_seen = 0
        self.images_rejected = 0

    def write(self, batch: Sequence[PostResult | Quarantined]) -> None:
        results = [r for r in batch if isinstance(r, PostResult)]
        rejected = [r for r in batch if isinstance(r, Quarantined)]
        self.counts.read += len(batch)
        with self.engine.begin() as conn:
            known = _existing(conn, posts.c.id, {r.post.id for r in results})
            new: list[PostResult] = []
            for r in results:
                if r.post.id in known:
                    self.counts.duplicates += 1
                else:
                    known.add(r.post.id)
                    new.append(r)
            if new:
                conn.execute(insert(posts), [_post_row(r, self.run_id) for r in new])
                id_rows = [
                    {
                        "post_id": r.post.id,
                        "type": i.type,
                        "value": storable(i.value)[:512],
                        "start": i.start,
                        "end": i.end,
                        "confidence": i.confidence,
                        "obfuscated": i.obfuscated,
                        "attrs": i.attrs,
                    }
                    for r in new
                    for i in r.identifiers
                ]
                if id_rows:
                    conn.execute(insert(identifiers), id_rows)
                hit_rows = [
                    {
                        "post_id": r.post.id,
                        "code": h.code,
                        "category": h.category,
                        "domain": h.domain,
                        "weight": h.weight,
                        "start": h.start,
                        "end": h.end,
                        "text": storable(h.text),
                        "language": h.language,
                        "source": h.source[:200],
                    }
                    for r in new
                    for h in r.hits
                ]
                if hit_rows:
                    conn.execute(insert(indicator_hits), hit_rows)
            self.counts.stored += len(new)
            self.counts.quarantined += len(rejected)
            with_media = [r for r in new if r.media is not None]
            if with_media:
                rejected = [*rejected, *self._media(conn, with_media)]
            if rejected:
                self._quarantine(conn, rejected)

    def _media(self, conn: Connection, results: Sequence[PostResult]) -> list[Quarantined]:
        media = [r.media for r in results if r.media is not None]
        write_post_media(conn, media)
        bad = [q for r in results if r.media is not None for q in r.media.quarantine(r.post)]
        self.images_seen += sum(len(m.items) for m in media)
        self.images_rejected += len(bad)
        return bad

    def _quarantine(self, conn: Connection, rejected: Sequence[Quarantined]) -> None:
        keyed = {quarantine_key(q): q for q in rejected}
        seen = _existing(conn, quarantine.c.key, keyed)
        now = datetime.now(UTC)
        rows = [
            {
                "key": key,
                "run_id": self.run_id,
                "source": storable(q.source),
                "position": storable(q.position)[:200],
                "reason": storable(q.reason),
                "raw": storable(q.raw[:QUARANTINE_RAW_LIMIT]),
                "created_at": now,
            }
            for key, q in keyed.items()
            if key not in seen
        ]
        if rows:
            conn.execute(insert(quarantine), rows)
        if self.quarantine_file is not None:
            for q in rejected:
                line = {
                    "source": storable(q.source),
                    "position": storable(q.position),
                    "reason": storable(q.reason),
                    "raw": storable(q.raw[:10_000]),
                }
                self.quarantine_file.write(orjson.dumps(line, default=str) + b"\n")
