"""FeedStore on SQLAlchemy: ``feed_pulls``, ``feed_indicators``, ``feed_rejects``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, exists, insert, select, update

from tipwatch.store.feed_tables import feed_indicators, feed_pulls, feed_rejects
from tipwatch.store.interface.audit import utc
from tipwatch.store.interface.feeds import FeedIndicatorRow, FeedStore, PullCounts


class SqlFeeds(FeedStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start_pull(
        self, feed: str, source: str, collection: str, added_after: str | None, actor: str, at: datetime
    ) -> int:
        with self._engine.begin() as conn:
            result = conn.execute(
                insert(feed_pulls).values(
                    feed=feed,
                    source=source,
                    collection=collection,
                    added_after=added_after,
                    actor=actor,
                    started_at=at,
                    read=0,
                    imported=0,
                    already=0,
                    skipped=0,
                    rejected=0,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_pull(self, pull_id: int, counts: PullCounts, at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(feed_pulls)
                .where(feed_pulls.c.id == pull_id)
                .values(
                    finished_at=at,
                    read=counts.read,
                    imported=counts.imported,
                    already=counts.already,
                    skipped=counts.skipped,
                    rejected=counts.rejected,
                )
            )

    def has_indicator(self, feed: str, kind: str, value: str) -> bool:
        c = feed_indicators.c
        stmt = select(exists().where(c.feed == feed, c.kind == kind, c.value == value))
        with self._engine.connect() as conn:
            return bool(conn.execute(stmt).scalar())

    def add_indicator(self, row: FeedIndicatorRow) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(feed_indicators).values(
                    feed=row.feed,
                    kind=row.kind,
                    value=row.value,
                    stix_id=row.stix_id,
                    watch_id=row.watch_id,
                    pull_id=row.pull_id,
                    tlp=row.tlp,
                    valid_until=row.valid_until,
                    pulled_at=row.pulled_at,
                )
            )

    def add_reject(self, pull_id: int, object_id: str, reason: str, raw: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(feed_rejects).values(pull_id=pull_id, object_id=object_id[:200], reason=reason[:500], raw=raw)
            )

    def indicators(self, feed: str | None = None) -> list[FeedIndicatorRow]:
        stmt = select(feed_indicators).order_by(feed_indicators.c.id)
        if feed is not None:
            stmt = stmt.where(feed_indicators.c.feed == feed)
        with self._engine.connect() as conn:
            return [
                FeedIndicatorRow(
                    r.feed,
                    r.kind,
                    r.value,
                    r.stix_id,
                    r.watch_id,
                    r.pull_id,
                    r.tlp,
                    utc(r.valid_until) if r.valid_until else None,
                    utc(r.pulled_at),
                )
                for r in conn.execute(stmt)
            ]

    def rejects(self, pull_id: int) -> list[dict[str, Any]]:
        stmt = select(feed_rejects).where(feed_rejects.c.pull_id == pull_id).order_by(feed_rejects.c.id)
        with self._engine.connect() as conn:
            return [{"object_id": r.object_id, "reason": r.reason, "raw": r.raw} for r in conn.execute(stmt)]

    def pulls(self) -> list[dict[str, Any]]:
        stmt = select(feed_pulls).order_by(feed_pulls.c.id.desc())
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]
