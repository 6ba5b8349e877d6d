"""CaseStore on SQLAlchemy: cases, case_posts, case_networks, case_notes, case_events.

Every change starts by touching the case row (``UPDATE cases SET updated_at``): it finds a missing case, serializes
changes to one case (a row lock on PostgreSQL, the write lock on SQLite), and the events written after it are in
the order the changes happened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, delete, func, insert, select, update

from tipwatch.store.case_tables import case_events, case_networks, case_notes, case_posts, cases
from tipwatch.store.interface.cases import Case, CaseEvent, CaseMember, CaseNote, CaseStore, NoSuchCase
from tipwatch.store.sql.posts import chunked

FIELDS = ("title", "status", "assignee", "priority")


def _utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _case(row: Any) -> Case:
    return Case(
        int(row.id),
        row.title,
        row.status,
        row.assignee,
        row.priority,
        row.created_by,
        _utc(row.created_at),
        _utc(row.updated_at),
    )


def _event(
    conn: Connection, case_id: int, actor: str, kind: str, old: str | None, new: str | None, at: datetime
) -> None:
    conn.execute(insert(case_events).values(case_id=case_id, actor=actor, kind=kind, old=old, new=new, created_at=at))


def _touch(conn: Connection, case_id: int, at: datetime) -> None:
    if not conn.execute(update(cases).where(cases.c.id == case_id).values(updated_at=at)).rowcount:
        raise NoSuchCase(f"no case {case_id}")


class SqlCases(CaseStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self, title: str, *, created_by: str, status: str, assignee: str | None, priority: str, at: datetime
    ) -> Case:
        with self._engine.begin() as conn:
            row = conn.execute(
                insert(cases)
                .values(
                    title=title,
                    status=status,
                    assignee=assignee,
                    priority=priority,
                    created_by=created_by,
                    created_at=at,
                    updated_at=at,
                )
                .returning(*cases.c)
            ).one()
            _event(conn, int(row.id), created_by, "created", None, title, at)
        return _case(row)

    def get(self, case_id: int) -> Case | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
        return None if row is None else _case(row)

    def page(self, *, status: str | None, assignee: str | None, offset: int, limit: int) -> tuple[list[Case], int]:
        conds = []
        if status is not None:
            conds.append(cases.c.status == status)
        if assignee is not None:
            conds.append(cases.c.assignee == assignee)
        page = (
            select(cases)
            .where(*conds)
            .order_by(cases.c.updated_at.desc(), cases.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(cases).where(*conds)).scalar_one()
            return [_case(r) for r in conn.execute(page)], int(total)

    def update(self, case_id: int, changes: Mapping[str, str | None], *, actor: str, at: datetime) -> Case:
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise ValueError(f"not case fields: {sorted(unknown)}")
        with self._engine.begin() as conn:
            _touch(conn, case_id, at)
            current = conn.execute(select(cases).where(cases.c.id == case_id)).one()
            changed = {k: v for k, v in changes.items() if getattr(current, k) != v}
            if changed:
                conn.execute(update(cases).where(cases.c.id == case_id).values(**changed))
                for field in FIELDS:  # a fixed order, whatever the caller's
                    if field in changed:
                        _event(conn, case_id, actor, field, getattr(current, field), changed[field], at)
            row = conn.execute(select(cases).where(cases.c.id == case_id)).one()
        return _case(row)

    def _add(
        self, table: Table, col: Column[Any], kind: str, case_id: int, ids: Sequence[str], actor: str, at: datetime
    ) -> list[str]:
        wanted = list(dict.fromkeys(ids))
        with self._engine.begin() as conn:
            _touch(conn, case_id, at)
            have: set[str] = set()
            for part in chunked(wanted):
                have.update(r[0] for r in conn.execute(select(col).where(table.c.case_id == case_id, col.in_(part))))
            new = [i for i in wanted if i not in have]
            if new:
                conn.execute(
                    insert(table), [{"case_id": case_id, col.name: i, "added_by": actor, "added_at": at} for i in new]
                )
                conn.execute(
                    insert(case_events),
                    [
                        {"case_id": case_id, "actor": actor, "kind": kind, "old": None, "new": i, "created_at": at}
                        for i in new
                    ],
                )
        return new

    def _remove(
        self, table: Table, col: Column[Any], kind: str, case_id: int, ids: Sequence[str], actor: str, at: datetime
    ) -> list[str]:
        wanted = list(dict.fromkeys(ids))
        with self._engine.begin() as conn:
            _touch(conn, case_id, at)
            gone: list[str] = []
            for i in wanted:
                if conn.execute(delete(table).where(table.c.case_id == case_id, col == i)).rowcount:
                    gone.append(i)
                    _event(conn, case_id, actor, kind, i, None, at)
        return gone

    def add_posts(self, case_id: int, post_ids: Sequence[str], *, actor: str, at: datetime) -> list[str]:
        return self._add(case_posts, case_posts.c.post_id, "post_added", case_id, post_ids, actor, at)

    def remove_posts(self, case_id: int, post_ids: Sequence[str], *, actor: str, at: datetime) -> list[str]:
        return self._remove(case_posts, case_posts.c.post_id, "post_removed", case_id, post_ids, actor, at)

    def add_networks(self, case_id: int, network_ids: Sequence[str], *, actor: str, at: datetime) -> list[str]:
        return self._add(case_networks, case_networks.c.network_id, "network_added", case_id, network_ids, actor, at)

    def remove_networks(self, case_id: int, network_ids: Sequence[str], *, actor: str, at: datetime) -> list[str]:
        col = case_networks.c.network_id
        return self._remove(case_networks, col, "network_removed", case_id, network_ids, actor, at)

    def add_note(self, case_id: int, *, author: str, text: str, at: datetime) -> CaseNote:
        with self._engine.begin() as conn:
            _touch(conn, case_id, at)
            row = conn.execute(
                insert(case_notes)
                .values(case_id=case_id, author=author, text=text, created_at=at)
                .returning(*case_notes.c)
            ).one()
            _event(conn, case_id, author, "note", None, str(row.id), at)
        return CaseNote(int(row.id), case_id, row.author, row.text, _utc(row.created_at))

    def _members(self, table: Table, col: Column[Any], case_id: int) -> list[CaseMember]:
        stmt = (
            select(col, table.c.added_by, table.c.added_at)
            .where(table.c.case_id == case_id)
            .order_by(table.c.added_at, col)
        )
        with self._engine.connect() as conn:
            return [CaseMember(i, by, _utc(at)) for i, by, at in conn.execute(stmt)]

    def posts(self, case_id: int) -> list[CaseMember]:
        return self._members(case_posts, case_posts.c.post_id, case_id)

    def networks(self, case_id: int) -> list[CaseMember]:
        return self._members(case_networks, case_networks.c.network_id, case_id)

    def notes(self, case_id: int) -> list[CaseNote]:
        stmt = select(case_notes).where(case_notes.c.case_id == case_id).order_by(case_notes.c.id)
        with self._engine.connect() as conn:
            return [
                CaseNote(int(r.id), int(r.case_id), r.author, r.text, _utc(r.created_at)) for r in conn.execute(stmt)
            ]

    def events(self, case_id: int) -> list[CaseEvent]:
        stmt = select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.id)
        with self._engine.connect() as conn:
            return [
                CaseEvent(int(r.id), int(r.case_id), r.actor, r.kind, r.old, r.new, _utc(r.created_at))
                for r in conn.execute(stmt)
            ]

    def cases_with_post(self, post_id: str) -> list[int]:
        stmt = select(case_posts.c.case_id).where(case_posts.c.post_id == post_id).order_by(case_posts.c.case_id)
        with self._engine.connect() as conn:
            return [int(r[0]) for r in conn.execute(stmt)]
