"""FaceStore on SQLAlchemy (SQLite and PostgreSQL): persons, face embeddings, and the hash-chained search log
(append-only: the 0002 migration's triggers refuse UPDATE and DELETE on it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from tipwatch.media_model import Registry
from tipwatch.store.interface.faces import CHAINED, GENESIS, FaceStore, NewFace, NewPerson, Person, chain_hash
from tipwatch.store.media_tables import face_embeddings, face_persons, face_search_log
from tipwatch.store.sql.retention import held_faces


def _face_rows(person_id: int, faces: Sequence[NewFace], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "person_id": person_id,
            "photo_ref": f.photo_ref,
            "photo_sha256": f.photo_sha256,
            "box": list(f.box),
            # 128 float32, little-endian: the same bytes on every machine.
            "embedding": np.asarray(f.embedding, dtype="<f4").tobytes(),
            "model": f.model,
            "created_at": now,
        }
        for f in faces
    ]


class SqlFaces(FaceStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add_person(self, person: NewPerson, faces: Sequence[NewFace]) -> int:
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            person_id = conn.execute(
                insert(face_persons)
                .values(
                    case_ref=person.case_ref,
                    label=person.label,
                    enrolled_by=person.enrolled_by,
                    legal_basis=person.legal_basis,
                    consent=person.consent,
                    retention_until=person.retention_until,
                    notes=person.notes,
                    created_at=now,
                )
                .returning(face_persons.c.id)
            ).scalar_one()
            if faces:
                conn.execute(insert(face_embeddings), _face_rows(int(person_id), faces, now))
        return int(person_id)

    def add_faces(self, person_id: int, faces: Sequence[NewFace]) -> int:
        if faces:
            with self._engine.begin() as conn:
                conn.execute(insert(face_embeddings), _face_rows(person_id, faces, datetime.now(UTC)))
        return len(faces)

    def list_persons(self) -> list[Person]:
        counts = (
            select(face_embeddings.c.person_id, func.count().label("n"))
            .group_by(face_embeddings.c.person_id)
            .subquery()
        )
        stmt = (
            select(face_persons, func.coalesce(counts.c.n, 0).label("n"))
            .outerjoin(counts, counts.c.person_id == face_persons.c.id)
            .order_by(face_persons.c.id)
        )
        with self._engine.connect() as conn:
            return [
                Person(
                    r.id,
                    r.case_ref,
                    r.label,
                    r.enrolled_by,
                    r.legal_basis,
                    r.consent,
                    r.retention_until,
                    r.notes,
                    r.created_at.replace(tzinfo=UTC) if r.created_at.tzinfo is None else r.created_at,
                    int(r.n),
                    bool(r.legal_hold),
                )
                for r in conn.execute(stmt)
            ]

    def delete_person(self, person_id: int) -> bool:
        with self._engine.begin() as conn:
            # Explicit: SQLite enforces ON DELETE CASCADE only with the foreign_keys pragma on.
            conn.execute(delete(face_embeddings).where(face_embeddings.c.person_id == person_id))
            done = conn.execute(delete(face_persons).where(face_persons.c.id == person_id))
        return bool(done.rowcount)

    def load_registry(self, today: date) -> Registry:
        stmt = (
            select(
                face_embeddings.c.id,
                face_embeddings.c.person_id,
                face_embeddings.c.embedding,
                face_persons.c.case_ref,
                face_persons.c.label,
            )
            .join(face_persons, face_persons.c.id == face_embeddings.c.person_id)
            .where(face_persons.c.retention_until >= today)
            .order_by(face_embeddings.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if not rows:
            return Registry.empty()
        return Registry(
            np.array([r.id for r in rows], dtype=np.int64),
            np.array([r.person_id for r in rows], dtype=np.int64),
            np.frombuffer(b"".join(r.embedding for r in rows), dtype="<f4").reshape(-1, 128).astype(np.float32),
            {int(r.person_id): r.case_ref for r in rows},
            {int(r.person_id): r.label for r in rows},
        )

    def purge_expired(self, today: date) -> int:
        with self._engine.begin() as conn:
            # A person on legal hold stays past their retention date (store.sql.retention.held_faces).
            stmt = select(face_persons.c.id).where(
                face_persons.c.retention_until < today, face_persons.c.id.not_in(held_faces())
            )
            expired = list(conn.execute(stmt).scalars())
            if expired:
                conn.execute(delete(face_embeddings).where(face_embeddings.c.person_id.in_(expired)))
                conn.execute(delete(face_persons).where(face_persons.c.id.in_(expired)))
        return len(expired)

    def set_hold(self, person_id: int, hold: bool) -> bool:
        with self._engine.begin() as conn:
            done = conn.execute(update(face_persons).where(face_persons.c.id == person_id).values(legal_hold=hold))
        return bool(done.rowcount)

    def append_search_log(self, entry: Mapping[str, Any]) -> int:
        body = {k: entry[k] for k in CHAINED}
        with self._engine.begin() as conn:
            _lock_log(conn)
            last = conn.execute(
                select(face_search_log.c.entry_hash).order_by(face_search_log.c.id.desc()).limit(1)
            ).scalar_one_or_none()
            prev = last or GENESIS
            row = {**body, "prev_hash": prev, "entry_hash": chain_hash(prev, body)}
            return int(conn.execute(insert(face_search_log).values(**row).returning(face_search_log.c.id)).scalar_one())

    def search_log(self) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(face_search_log).order_by(face_search_log.c.id)).mappings().all()
        # str(): column names come back as a str subclass that orjson refuses as a key.
        return [{str(k): v for k, v in r.items()} for r in rows]


def _lock_log(conn: Connection) -> None:
    # Serialise appends so two searches cannot both chain onto the same previous entry. On SQLite the database lock
    # does it: a second writer waits or fails, it never forks the chain.
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE face_search_log IN SHARE ROW EXCLUSIVE MODE"))
