"""The face registry in the store (persons, enrolled faces) and the append-only, hash-chained search log.

Enrolment records who enrolled the person, the legal basis, consent and a retention date; expired persons are left
out of searches and removed by ``purge_expired``. A search requires who, why (purpose) and the legal basis, and is
logged with what it returned, whether or not anything was found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Connection, Engine, delete, insert, select, text

from tipwatch.media.faces.model import MODEL_NAME, Face
from tipwatch.media.faces.search import DEFAULT_MAX_DISTANCE, DEFAULT_TOP, Candidate, Registry, rank_candidates
from tipwatch.store.media_tables import face_embeddings, face_persons, face_search_log

GENESIS = "0" * 64


class FaceRegistryError(ValueError):
    """Missing accountability fields, unusable photos, unknown persons."""


def _required(**fields: str) -> None:
    missing = [name for name, value in fields.items() if not (value or "").strip()]
    if missing:
        raise FaceRegistryError(f"required for face search work: {', '.join(missing)}")


@dataclass(slots=True)
class EnrolPhoto:
    ref: str
    sha256: str
    faces: list[Face]  # as detected; exactly one is required


@dataclass(slots=True)
class EnrolResult:
    person_id: int
    enrolled: list[str] = field(default_factory=list)  # refs of photos whose face was stored
    refused: list[tuple[str, str]] = field(default_factory=list)  # (ref, reason)


def enrol_person(
    engine: Engine,
    *,
    case_ref: str,
    label: str,
    enrolled_by: str,
    legal_basis: str,
    consent: str,
    retention_until: date,
    photos: Sequence[EnrolPhoto],
    notes: str = "",
    today: date | None = None,
) -> EnrolResult:
    """Add a person and one face per photo. A photo with no face, or with several (whose is it?), is refused."""
    _required(case_ref=case_ref, enrolled_by=enrolled_by, legal_basis=legal_basis, consent=consent)
    if retention_until <= (today or datetime.now(UTC).date()):
        raise FaceRegistryError(f"retention date {retention_until} is not in the future")
    usable: list[tuple[EnrolPhoto, Face]] = []
    refused: list[tuple[str, str]] = []
    for photo in photos:
        if not photo.faces:
            refused.append((photo.ref, "no face found"))
        elif len(photo.faces) > 1:
            refused.append((photo.ref, f"{len(photo.faces)} faces found: crop the photo to the person"))
        else:
            usable.append((photo, photo.faces[0]))
    if not usable:
        reasons = "; ".join(f"{r}: {why}" for r, why in refused) or "no photos"
        raise FaceRegistryError(f"nothing to enrol ({reasons})")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        person_id = conn.execute(
            insert(face_persons)
            .values(
                case_ref=case_ref,
                label=label,
                enrolled_by=enrolled_by,
                legal_basis=legal_basis,
                consent=consent,
                retention_until=retention_until,
                notes=notes,
                created_at=now,
            )
            .returning(face_persons.c.id)
        ).scalar_one()
        conn.execute(
            insert(face_embeddings),
            [
                {
                    "person_id": person_id,
                    "photo_ref": photo.ref,
                    "photo_sha256": photo.sha256,
                    "box": list(face.box),
                    "embedding": np.asarray(face.embedding, dtype="<f4").tobytes(),
                    "model": MODEL_NAME,
                    "created_at": now,
                }
                for photo, face in usable
            ],
        )
    return EnrolResult(int(person_id), [p.ref for p, _ in usable], refused)


def add_embeddings(
    engine: Engine, person_id: int, faces: Sequence[tuple[str, str, np.ndarray]], *, model: str = MODEL_NAME
) -> int:
    """Store (photo ref, photo sha256, embedding) rows for an enrolled person (benchmarks and bulk loads)."""
    now = datetime.now(UTC)
    rows = [
        {
            "person_id": person_id,
            "photo_ref": ref,
            "photo_sha256": sha,
            "box": [],
            "embedding": np.asarray(emb, dtype="<f4").tobytes(),
            "model": model,
            "created_at": now,
        }
        for ref, sha, emb in faces
    ]
    with engine.begin() as conn:
        conn.execute(insert(face_embeddings), rows)
    return len(rows)


def load_registry(engine: Engine | Connection, *, today: date | None = None) -> Registry:
    """Every enrolled face of persons whose retention date has not passed."""
    day = today or datetime.now(UTC).date()
    stmt = (
        select(
            face_embeddings.c.id,
            face_embeddings.c.person_id,
            face_embeddings.c.embedding,
            face_persons.c.case_ref,
            face_persons.c.label,
        )
        .join(face_persons, face_persons.c.id == face_embeddings.c.person_id)
        .where(face_persons.c.retention_until >= day)
        .order_by(face_embeddings.c.id)
    )
    conn_or_engine = engine
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            rows = conn.execute(stmt).all()
    else:
        rows = conn_or_engine.execute(stmt).all()
    if not rows:
        return Registry(np.empty(0, np.int64), np.empty(0, np.int64), np.empty((0, 128), np.float32), {}, {})
    return Registry(
        np.array([r.id for r in rows], dtype=np.int64),
        np.array([r.person_id for r in rows], dtype=np.int64),
        np.frombuffer(b"".join(r.embedding for r in rows), dtype="<f4").reshape(-1, 128).astype(np.float32),
        {int(r.person_id): r.case_ref for r in rows},
        {int(r.person_id): r.label for r in rows},
    )


def purge_expired(engine: Engine, *, today: date | None = None) -> int:
    """Delete persons (and their faces) whose retention date has passed; returns how many persons."""
    day = today or datetime.now(UTC).date()
    with engine.begin() as conn:
        expired = list(conn.execute(select(face_persons.c.id).where(face_persons.c.retention_until < day)).scalars())
        if expired:
            conn.execute(delete(face_embeddings).where(face_embeddings.c.person_id.in_(expired)))
            conn.execute(delete(face_persons).where(face_persons.c.id.in_(expired)))
    return len(expired)


@dataclass(slots=True)
class SearchOutcome:
    log_id: int
    faces: list[dict[str, Any]]  # per query face: its box and ranked candidates


def search_and_log(
    engine: Engine,
    *,
    query_faces: Sequence[Face],
    query_ref: str,
    query_sha256: str,
    searched_by: str,
    purpose: str,
    legal_basis: str,
    case_ref: str = "",
    top: int = DEFAULT_TOP,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    registry: Registry | None = None,
    now: datetime | None = None,
) -> SearchOutcome:
    """Rank candidates for every face in the query photo and log the search (who, why, what came back).

    The log row is written in the same transaction that reads the registry, so no result leaves without its log.
    """
    _required(searched_by=searched_by, purpose=purpose, legal_basis=legal_basis)
    at = (now or datetime.now(UTC)).astimezone(UTC)
    with engine.begin() as conn:
        reg = registry if registry is not None else load_registry(conn, today=at.date())
        faces_out = []
        for face in query_faces:
            cands: list[Candidate] = rank_candidates(face.embedding, reg, top=top, max_distance=max_distance)
            faces_out.append({"box": list(face.box), "candidates": [c.as_json() for c in cands]})
        entry = {
            "searched_at": at,
            "searched_by": searched_by,
            "purpose": purpose,
            "legal_basis": legal_basis,
            "case_ref": case_ref,
            "query_ref": query_ref,
            "query_sha256": query_sha256,
            "faces_in_query": len(query_faces),
            "params": {"top": top, "max_distance": max_distance, "registry_faces": len(reg), "model": MODEL_NAME},
            "results": faces_out,
        }
        log_id = _append_log(conn, entry)
    return SearchOutcome(log_id, faces_out)


def _lock_log(conn: Connection) -> None:
    # Serialise appends so two searches cannot both chain onto the same previous entry.
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE face_search_log IN SHARE ROW EXCLUSIVE MODE"))


def _append_log(conn: Connection, entry: dict[str, Any]) -> int:
    _lock_log(conn)
    last = conn.execute(
        select(face_search_log.c.entry_hash).order_by(face_search_log.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev = last or GENESIS
    row = {**entry, "prev_hash": prev, "entry_hash": chain_hash(prev, entry)}
    return int(conn.execute(insert(face_search_log).values(**row).returning(face_search_log.c.id)).scalar_one())


_CHAINED = (
    "searched_at",
    "searched_by",
    "purpose",
    "legal_basis",
    "case_ref",
    "query_ref",
    "query_sha256",
    "faces_in_query",
    "params",
    "results",
)


def chain_hash(prev: str, entry: dict[str, Any]) -> str:
    body = {k: entry[k] for k in _CHAINED}
    at = body["searched_at"]
    if isinstance(at, datetime):
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        body["searched_at"] = at.isoformat()
    return hashlib.sha256(prev.encode() + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def search_log(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(face_search_log).order_by(face_search_log.c.id)).mappings().all()
    # str(): column names come back as a str subclass that orjson refuses as a key.
    return [{str(k): v for k, v in r.items()} for r in rows]


def verify_log(engine: Engine) -> list[str]:
    """Problems found in the hash chain (empty when intact): an edited, removed or inserted row breaks it."""
    problems = []
    prev = GENESIS
    for row in search_log(engine):
        if row["prev_hash"] != prev:
            problems.append(f"entry {row['id']}: previous-hash link broken (a row before it was removed or changed)")
        if chain_hash(row["prev_hash"], row) != row["entry_hash"]:
            problems.append(f"entry {row['id']}: content does not match its hash (edited)")
        prev = row["entry_hash"]
    return problems
