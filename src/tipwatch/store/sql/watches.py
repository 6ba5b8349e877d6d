"""WatchStore on SQLAlchemy: the watches and alerts tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from tipwatch.store.interface.watches import Hit, Watch, WatchStore
from tipwatch.store.link_tables import alerts, watches
from tipwatch.store.sql.posts import chunked
from tipwatch.store.tables import posts


class SqlWatches(WatchStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, kind: str, value: str, *, note: str = "", by: str = "") -> Watch:
        with self._engine.begin() as conn:
            res = conn.execute(
                insert(watches).values(
                    kind=kind, value=value, note=note, created_by=by, created_at=datetime.now(UTC), active=True
                )
            )
            key = res.inserted_primary_key
            assert key is not None
        return Watch(int(key[0]), kind, value, note)

    def version(self) -> tuple[int, ...]:
        w = watches
        stmt = select(func.count(), func.coalesce(func.sum(w.c.id), 0), func.coalesce(func.max(w.c.id), 0))
        with self._engine.connect() as conn:
            row = conn.execute(stmt.where(w.c.active.is_(True))).one()
            newest = conn.execute(select(func.max(w.c.id))).scalar()
        return (int(row[0]), int(row[1]), int(row[2]), int(newest or 0))

    def active(self) -> list[Watch]:
        stmt = select(watches.c.id, watches.c.kind, watches.c.value, watches.c.note).where(watches.c.active.is_(True))
        with self._engine.connect() as conn:
            return [Watch(int(i), k, v, n) for i, k, v, n in conn.execute(stmt)]

    def all(self) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(watches).order_by(watches.c.id)).mappings()]

    def deactivate(self, watch_id: int) -> bool:
        with self._engine.begin() as conn:
            return bool(conn.execute(update(watches).where(watches.c.id == watch_id).values(active=False)).rowcount)

    def raise_alerts(self, hits: Sequence[Hit]) -> int:
        if not hits:
            return 0
        with self._engine.begin() as conn:
            stmt = select(alerts.c.watch_id, alerts.c.post_id)
            seen: set[tuple[int, str]] = set()
            for part in chunked(sorted({h.post_id for h in hits})):
                seen.update((w, p) for w, p in conn.execute(stmt.where(alerts.c.post_id.in_(part))))
            now = datetime.now(UTC)
            rows = [
                {"watch_id": h.watch_id, "post_id": h.post_id, "reason": h.reason, "created_at": now, "seen": False}
                for h in {(h.watch_id, h.post_id): h for h in hits}.values()
                if (h.watch_id, h.post_id) not in seen
            ]
            if rows:
                conn.execute(insert(alerts), rows)
        return len(rows)

    def alerts(
        self, *, unseen_only: bool = True, mark_seen: bool = False, limit: int | None = None
    ) -> list[dict[str, Any]]:
        cols = (
            alerts.c.id,
            alerts.c.created_at,
            alerts.c.reason,
            alerts.c.seen,
            alerts.c.post_id,
            watches.c.id.label("watch_id"),
            watches.c.kind,
            watches.c.value,
            watches.c.note,
            posts.c.title,
            posts.c.platform,
            posts.c.risk,
            posts.c.url,
        )
        stmt = (
            select(*cols).join(watches, watches.c.id == alerts.c.watch_id).join(posts, posts.c.id == alerts.c.post_id)
        )
        if unseen_only:
            stmt = stmt.where(alerts.c.seen.is_(False))
        with self._engine.begin() as conn:
            order = (alerts.c.created_at.desc(), alerts.c.id.desc())
            # Newest first through ix_alerts_created_id, cut at ``limit`` in the database.
            out = [dict(r) for r in conn.execute(stmt.order_by(*order).limit(limit)).mappings()]
            if mark_seen and out:
                conn.execute(update(alerts).where(alerts.c.id.in_([r["id"] for r in out])).values(seen=True))
        return out
