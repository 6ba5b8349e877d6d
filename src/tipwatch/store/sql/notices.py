"""NoticeStore on SQLAlchemy: notices, notice_urls, notice_events.

A transition is one ``UPDATE notices SET state = new ... WHERE id = ? AND state IN (expected)``: of two people (or
a person and the re-check job) moving the same notice, exactly one wins; the other gets StateChanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, false, insert, or_, select, update

from tipwatch.store.interface.notices import (
    NoSuchNotice,
    Notice,
    NoticeDraft,
    NoticeEvent,
    NoticeStore,
    NoticeUrl,
    StateChanged,
)
from tipwatch.store.notice_tables import notice_events, notice_urls, notices
from tipwatch.store.sql.posts import chunked

SETTABLE = frozenset(
    {
        "approved_by",
        "approved_at",
        "sent_by",
        "sent_at",
        "acknowledged_at",
        "closed_at",
        "overdue_at",
        "receipt",
        "send_claimed_at",
    }
)


def _utc(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _notice(row: Any, urls: list[NoticeUrl]) -> Notice:
    return Notice(
        id=int(row.id),
        platform=row.platform,
        platform_name=row.platform_name,
        channel=row.channel,
        recipient=row.recipient,
        trusted_flagger=bool(row.trusted_flagger),
        csam=bool(row.csam),
        notifier_name=row.notifier_name,
        notifier_email=row.notifier_email,
        subject=row.subject,
        body=row.body,
        origin=row.origin,
        state=row.state,
        drafted_by=row.drafted_by,
        approved_by=row.approved_by,
        sent_by=row.sent_by,
        created_at=_utc(row.created_at) or row.created_at,
        approved_at=_utc(row.approved_at),
        sent_at=_utc(row.sent_at),
        acknowledged_at=_utc(row.acknowledged_at),
        closed_at=_utc(row.closed_at),
        overdue_at=_utc(row.overdue_at),
        receipt=row.receipt,
        urls=urls,
    )


def _with_urls(conn: Connection, rows: list[Any]) -> list[Notice]:
    by_id: dict[int, list[NoticeUrl]] = {int(r.id): [] for r in rows}
    for part in chunked(list(by_id)):
        stmt = (
            select(notice_urls)
            .where(notice_urls.c.notice_id.in_(part))
            .order_by(notice_urls.c.notice_id, notice_urls.c.position)
        )
        for u in conn.execute(stmt):
            by_id[int(u.notice_id)].append(
                NoticeUrl(int(u.position), u.post_id, u.url, _utc(u.checked_at), u.check_result, _utc(u.removed_at))
            )
    return [_notice(r, by_id[int(r.id)]) for r in rows]


class SqlNotices(NoticeStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, draft: NoticeDraft, *, at: datetime) -> Notice:
        values = {k: getattr(draft, k) for k in draft.__slots__ if k != "urls"}  # type: ignore[attr-defined]
        with self._engine.begin() as conn:
            row = conn.execute(
                insert(notices).values(**values, state="draft", created_at=at).returning(*notices.c)
            ).one()
            nid = int(row.id)
            conn.execute(
                insert(notice_urls),
                [
                    {"notice_id": nid, "position": n, "post_id": pid, "url": url}
                    for n, (pid, url) in enumerate(draft.urls, start=1)
                ],
            )
            conn.execute(
                insert(notice_events).values(
                    notice_id=nid, actor=draft.drafted_by, old=None, new="draft", why="", created_at=at
                )
            )
            return _with_urls(conn, [row])[0]

    def get(self, notice_id: int) -> Notice | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(notices).where(notices.c.id == notice_id)).first()
            return None if row is None else _with_urls(conn, [row])[0]

    def find(
        self,
        *,
        states: Sequence[str] | None = None,
        platform: str | None = None,
        post_ids: Sequence[str] | None = None,
        limit: int = 500,
    ) -> list[Notice]:
        stmt = select(notices)
        if states is not None:
            stmt = stmt.where(notices.c.state.in_(list(states)))
        if platform is not None:
            stmt = stmt.where(notices.c.platform == platform)
        with self._engine.connect() as conn:
            if post_ids is not None:
                # One semi-join: the posts go in as bound chunks, the notices naming them never round-trip.
                naming = or_(false(), *(notice_urls.c.post_id.in_(part) for part in chunked(list(post_ids))))
                stmt = stmt.where(notices.c.id.in_(select(notice_urls.c.notice_id).where(naming)))
            rows = list(conn.execute(stmt.order_by(notices.c.id.desc()).limit(limit)))
            return _with_urls(conn, rows)

    def transition(
        self,
        notice_id: int,
        *,
        expected: Sequence[str],
        new: str,
        actor: str,
        why: str,
        at: datetime,
        fields: Mapping[str, Any] | None = None,
    ) -> Notice:
        extra = dict(fields or {})
        bad = set(extra) - SETTABLE
        if bad:
            raise ValueError(f"not settable on a notice: {sorted(bad)}")
        with self._engine.begin() as conn:
            current = conn.execute(select(notices.c.state).where(notices.c.id == notice_id)).first()
            if current is None:
                raise NoSuchNotice(f"no notice {notice_id}")
            done = conn.execute(
                update(notices)
                .where(notices.c.id == notice_id, notices.c.state.in_(list(expected)))
                .values(state=new, **extra)
            ).rowcount
            if not done:
                raise StateChanged(f"notice {notice_id} is {current.state}, not {' or '.join(expected)}")
            conn.execute(
                insert(notice_events).values(
                    notice_id=notice_id, actor=actor, old=current.state, new=new, why=why, created_at=at
                )
            )
            row = conn.execute(select(notices).where(notices.c.id == notice_id)).one()
            return _with_urls(conn, [row])[0]

    def claim_send(self, notice_id: int, *, at: datetime, stale_before: datetime) -> bool:
        free = or_(notices.c.send_claimed_at.is_(None), notices.c.send_claimed_at < stale_before)
        stmt = update(notices).where(notices.c.id == notice_id, notices.c.state == "approved", free)
        with self._engine.begin() as conn:
            return bool(conn.execute(stmt.values(send_claimed_at=at)).rowcount)

    def release_send(self, notice_id: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(notices).where(notices.c.id == notice_id).values(send_claimed_at=None))

    def record_check(self, notice_id: int, position: int, *, result: str, at: datetime, removed: bool) -> None:
        where = (notice_urls.c.notice_id == notice_id, notice_urls.c.position == position)
        with self._engine.begin() as conn:
            conn.execute(update(notice_urls).where(*where).values(checked_at=at, check_result=result[:300]))
            if removed:
                conn.execute(
                    update(notice_urls).where(*where, notice_urls.c.removed_at.is_(None)).values(removed_at=at)
                )

    def events(self, notice_id: int) -> list[NoticeEvent]:
        stmt = select(notice_events).where(notice_events.c.notice_id == notice_id).order_by(notice_events.c.id)
        with self._engine.connect() as conn:
            return [
                NoticeEvent(
                    int(r.id), int(r.notice_id), r.actor, r.old, r.new, r.why, _utc(r.created_at) or r.created_at
                )
                for r in conn.execute(stmt)
            ]

    def sent_between(self, start: datetime, end: datetime) -> list[Notice]:
        stmt = (
            select(notices)
            .where(notices.c.sent_at.is_not(None), notices.c.sent_at >= start, notices.c.sent_at < end)
            .order_by(notices.c.id)
        )
        with self._engine.connect() as conn:
            return _with_urls(conn, list(conn.execute(stmt)))
