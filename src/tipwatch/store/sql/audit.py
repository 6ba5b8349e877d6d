"""AuditStore on SQLAlchemy: the audit_log table (append-only: the 0007 migration's triggers refuse UPDATE and
DELETE) and its one-row chain head.

An append first updates the head row (``seq = seq + 1 ... RETURNING``). That write is the lock: on PostgreSQL the
row lock makes a second writer wait until the first commits, then it reads the new head; on SQLite the first write
takes the database's write lock (a second writer waits up to the busy timeout), and since nothing was read before
it in the transaction there is no lock upgrade to deadlock on. Either way no two entries chain onto the same one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Row, func, insert, select, update

from tipwatch.store.account_tables import audit_head, audit_log
from tipwatch.store.interface.audit import GENESIS, AuditEntry, AuditStore, entry_hash, utc
from tipwatch.store.sql.dialect import insert_ignore

HEAD_ID = 1


def _entry(row: Row[Any]) -> AuditEntry:
    m = row._mapping
    return AuditEntry(
        seq=int(m["seq"]),
        at=utc(m["at"]),
        actor=m["actor"],
        action=m["action"],
        target=m["target"],
        why=m["why"],
        details=dict(m["details"]),
        prev_hash=m["prev_hash"],
        hash=m["hash"],
    )


class SqlAudit(AuditStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _advance_head(self, conn: Connection) -> tuple[int, str]:
        bump = (
            update(audit_head)
            .where(audit_head.c.id == HEAD_ID)
            .values(seq=audit_head.c.seq + 1)
            .returning(audit_head.c.seq, audit_head.c.hash)
        )
        row = conn.execute(bump).first()
        if row is None:  # the migration creates the head; recreate it if someone removed it
            conn.execute(
                insert_ignore(conn.dialect.name, audit_head, [audit_head.c.id]).values(id=HEAD_ID, seq=0, hash=GENESIS)
            )
            row = conn.execute(bump).one()
        return int(row[0]), str(row[1])

    def append(
        self, *, at: datetime, actor: str, action: str, target: str, why: str, details: Mapping[str, Any]
    ) -> AuditEntry:
        # What is hashed is what the JSON column gives back (tuples become lists, keys stay strings).
        stored: dict[str, Any] = orjson.loads(orjson.dumps(dict(details)))
        at = utc(at)
        with self._engine.begin() as conn:
            seq, prev = self._advance_head(conn)
            digest = entry_hash(prev, seq, at, actor, action, target, why, stored)
            conn.execute(
                insert(audit_log).values(
                    seq=seq,
                    at=at,
                    actor=actor,
                    action=action,
                    target=target,
                    why=why,
                    details=stored,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            conn.execute(update(audit_head).where(audit_head.c.id == HEAD_ID).values(hash=digest))
        return AuditEntry(seq, at, actor, action, target, why, stored, prev, digest)

    def entries(self, *, after_seq: int = 0, batch: int = 1000) -> Iterator[AuditEntry]:
        last = after_seq
        while True:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(batch)
                ).all()
            for row in rows:
                entry = _entry(row)
                last = entry.seq
                yield entry
            if len(rows) < batch:
                return

    def page(
        self, *, before_seq: int | None = None, limit: int = 50, actor: str = "", action: str = ""
    ) -> list[AuditEntry]:
        # Walks the primary key backwards: a filter costs a longer walk, not an index per column.
        query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        if before_seq is not None:
            query = query.where(audit_log.c.seq < before_seq)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        if action:
            query = query.where(audit_log.c.action == action)
        with self._engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def head(self) -> tuple[int, str]:
        with self._engine.connect() as conn:
            row = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == HEAD_ID)).first()
        return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)

    def seq_of_hash(self, hash_: str) -> int | None:
        with self._engine.connect() as conn:
            found = conn.execute(select(audit_log.c.seq).where(audit_log.c.hash == hash_).limit(1)).scalar()
        return int(found) if found is not None else None

    def count(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())
