"""PostStore on SQLAlchemy: the read-side post, identifier, hit and image-hash queries, by post id in chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Engine, func, select

from tipwatch.store.interface.posts import CHUNK, HitRow, IdentifierRow, ImageHashRow, PostRecord, PostStore
from tipwatch.store.media_tables import media_items
from tipwatch.store.tables import identifiers, indicator_hits, posts

T = TypeVar("T")


def chunked(ids: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


_META = (
    posts.c.id,
    posts.c.title,
    posts.c.platform,
    posts.c.kind,
    posts.c.posted_at,
    posts.c.location,
    posts.c.language,
    posts.c.risk,
    posts.c.url,
)


class SqlPosts(PostStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def all_ids(self) -> list[str]:
        with self._engine.connect() as conn:
            return list(conn.execute(select(posts.c.id)).scalars())

    def dated_ids(self) -> list[str]:
        with self._engine.connect() as conn:
            return list(conn.execute(select(posts.c.id).where(posts.c.posted_at.is_not(None))).scalars())

    def posts(self, ids: Sequence[str], *, text: bool = False, images: bool = False) -> Iterator[PostRecord]:
        cols = [*_META]
        if text:
            cols.append(posts.c.body)
        if images:
            cols.append(posts.c.images)
        for part in chunked(ids):
            with self._engine.connect() as conn:
                rows = conn.execute(select(*cols).where(posts.c.id.in_(part))).all()
            for row in rows:
                rec = PostRecord(
                    row[0], row[1] or "", row[2], row[3], row[4], row[5], row[6], float(row[7] or 0.0), row[8]
                )
                if text:
                    rec.body = row[9] or ""
                if images:
                    rec.images = list(row[-1] or [])
                yield rec

    def identifiers(self, ids: Sequence[str]) -> Iterator[IdentifierRow]:
        ident = identifiers
        # By post id only: with a type condition SQLite picks the (type, value) index and scans every identifier of
        # those types for each chunk (quadratic); by post id alone it uses the post_id index.
        stmt = select(ident.c.post_id, ident.c.type, ident.c.value, ident.c.start, ident.c.end)
        for part in chunked(ids):
            with self._engine.connect() as conn:
                rows = conn.execute(stmt.where(ident.c.post_id.in_(part))).all()
            for r in rows:
                yield IdentifierRow(r[0], r[1], r[2], r[3], r[4])

    def indicator_hits(self, ids: Sequence[str]) -> Iterator[HitRow]:
        hits = indicator_hits
        stmt = select(hits.c.post_id, hits.c.category, hits.c.domain)
        for part in chunked(ids):
            with self._engine.connect() as conn:
                rows = conn.execute(stmt.where(hits.c.post_id.in_(part))).all()
            for r in rows:
                yield HitRow(r[0], r[1], r[2])

    def hit_counts(self, ids: Sequence[str]) -> dict[str, int]:
        hits = indicator_hits
        out: dict[str, int] = {}
        with self._engine.connect() as conn:
            for part in chunked(ids):
                stmt = select(hits.c.post_id, func.count()).where(hits.c.post_id.in_(part)).group_by(hits.c.post_id)
                out.update({pid: int(n) for pid, n in conn.execute(stmt)})
        return out

    def image_hashes(self, ids: Sequence[str]) -> Iterator[ImageHashRow]:
        media = media_items
        # Only the post id in SQL: a condition on sha256 can make SQLite walk the sha256 index for each chunk.
        stmt = select(media.c.post_id, media.c.sha256, media.c.pdq, media.c.pdq_mirror, media.c.quality)
        for part in chunked(ids):
            with self._engine.connect() as conn:
                rows = conn.execute(stmt.where(media.c.post_id.in_(part))).all()
            for r in rows:
                yield ImageHashRow(r[0], r[1], r[2], r[3], r[4])

    def ids_with_identifier(self, type: str, value: str) -> list[str]:
        stmt = select(identifiers.c.post_id).where(identifiers.c.type == type, identifiers.c.value == value)
        with self._engine.connect() as conn:
            return sorted(set(conn.execute(stmt).scalars()))
