"""FeedStore on SQLAlchemy: ``feed_pulls``, ``feed_indicators``, ``feed_rejects``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, insert, or_, select, update

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

    def indicator(self, feed: str, kind: str, value: str) -> FeedIndicatorRow | None:
        c = feed_indicators.c
        stmt = select(feed_indicators).where(c.feed == feed, c.kind == kind, c.value == value)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else _row(row)

    def add_indicator(self, row: FeedIndicatorRow) -> None:
        c = feed_indicators.c
        values = {
            "feed": row.feed,
            "kind": row.kind,
            "value": row.value,
            "stix_id": row.stix_id,
            "watch_id": row.watch_id,
            "pull_id": row.pull_id,
            "tlp": row.tlp,
            "valid_until": row.valid_until,
            "pulled_at": row.pulled_at,
            "modified": row.modified,
            "withdrawn_at": None,
            "withdrawn_why": None,
        }
        with self._engine.begin() as conn:
            # A value withdrawn earlier and sent live again: the same row, with its new watch.
            same = (c.feed == row.feed, c.kind == row.kind, c.value == row.value, c.withdrawn_at.is_not(None))
            if not conn.execute(update(feed_indicators).where(*same).values(**values)).rowcount:
                conn.execute(insert(feed_indicators).values(**values))

    def refresh(
        self,
        feed: str,
        kind: str,
        value: str,
        *,
        stix_id: str,
        tlp: str | None,
        valid_until: datetime | None,
        modified: datetime | None,
    ) -> None:
        c = feed_indicators.c
        stmt = (
            update(feed_indicators)
            .where(c.feed == feed, c.kind == kind, c.value == value, c.withdrawn_at.is_(None))
            .values(stix_id=stix_id, tlp=tlp, valid_until=valid_until, modified=modified)
        )
        with self._engine.begin() as conn:
            conn.execute(stmt)

    def withdraw(self, feed: str, stix_id: str, modified: datetime | None, why: str, at: datetime) -> list[int]:
        c = feed_indicators.c
        where = [c.feed == feed, c.stix_id == stix_id, c.withdrawn_at.is_(None)]
        if modified is not None:
            where.append(or_(c.modified.is_(None), c.modified <= modified))
        return self._withdraw(where, at, why[:200], modified)

    def withdraw_expired(self, feed: str, at: datetime) -> list[int]:
        c = feed_indicators.c
        where = [c.feed == feed, c.withdrawn_at.is_(None), c.valid_until.is_not(None), c.valid_until <= at]
        return self._withdraw(where, at, "expired (valid_until has passed)", None)

    def _withdraw(self, where: list[Any], at: datetime, why: str, modified: datetime | None) -> list[int]:
        c = feed_indicators.c
        values: dict[str, Any] = {"withdrawn_at": at, "withdrawn_why": why}
        if modified is not None:
            values["modified"] = modified
        with self._engine.begin() as conn:
            ids = [int(r.id) for r in conn.execute(select(c.id).where(*where).with_for_update())]
            if not ids:
                return []
            conn.execute(update(feed_indicators).where(c.id.in_(ids)).values(**values))
            return [int(w) for w in conn.execute(select(c.watch_id).where(c.id.in_(ids)).order_by(c.id)).scalars()]

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
            return [_row(r) for r in conn.execute(stmt)]

    def rejects(self, pull_id: int) -> list[dict[str, Any]]:
        stmt = select(feed_rejects).where(feed_rejects.c.pull_id == pull_id).order_by(feed_rejects.c.id)
        with self._engine.connect() as conn:
            return [{"object_id": r.object_id, "reason": r.reason, "raw": r.raw} for r in conn.execute(stmt)]

    def pulls(self) -> list[dict[str, Any]]:
        stmt = select(feed_pulls).order_by(feed_pulls.c.id.desc())
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]


def _row(r: Row[Any]) -> FeedIndicatorRow:
    return FeedIndicatorRow(
        r.feed,
        r.kind,
        r.value,
        r.stix_id,
        r.watch_id,
        r.pull_id,
        r.tlp,
        utc(r.valid_until) if r.valid_until else None,
        utc(r.pulled_at),
        utc(r.modified) if r.modified else None,
        utc(r.withdrawn_at) if r.withdrawn_at else None,
        r.withdrawn_why,
    )
