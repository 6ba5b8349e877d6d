"""Storage of the face registry (enrolled persons and their face embeddings) and of the face search log.

The log is append-only and hash-chained: each entry's ``entry_hash`` is ``chain_hash(prev_hash, entry)`` over the
previous entry's hash, so an edited, removed or inserted row shows (``verify_chain``). Every implementation appends
with this rule and serialises appends so that two searches never chain onto the same entry.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import orjson

from tipwatch.media_model import Registry

GENESIS = "0" * 64

# The fields of a log entry its hash covers (the row's id and the hashes themselves are not).
CHAINED = (
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


def chain_hash(prev: str, entry: Mapping[str, Any]) -> str:
    body = {k: entry[k] for k in CHAINED}
    at = body["searched_at"]
    if isinstance(at, datetime):
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        body["searched_at"] = at.isoformat()
    return hashlib.sha256(prev.encode() + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def verify_chain(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Problems found in the hash chain of log rows in id order (empty when intact)."""
    problems = []
    prev = GENESIS
    for row in rows:
        if row["prev_hash"] != prev:
            problems.append(f"entry {row['id']}: previous-hash link broken (a row before it was removed or changed)")
        if chain_hash(row["prev_hash"], row) != row["entry_hash"]:
            problems.append(f"entry {row['id']}: content does not match its hash (edited)")
        prev = row["entry_hash"]
    return problems


@dataclass(slots=True, frozen=True)
class NewPerson:
    case_ref: str
    label: str
    enrolled_by: str
    legal_basis: str
    consent: str
    retention_until: date
    notes: str = ""


@dataclass(slots=True, frozen=True)
class Person:
    id: int
    case_ref: str
    label: str
    enrolled_by: str
    legal_basis: str
    consent: str
    retention_until: date
    notes: str
    created_at: datetime
    faces: int
    legal_hold: bool = False  # flagged by hand; an open case named by case_ref holds the person too


@dataclass(slots=True, frozen=True)
class NewFace:
    photo_ref: str
    photo_sha256: str
    box: list[int]  # [top, right, bottom, left] in the photo's upright pixels; empty when unknown
    embedding: np.ndarray  # (128,) float32
    model: str


class FaceStore(ABC):
    @abstractmethod
    def add_person(self, person: NewPerson, faces: Sequence[NewFace]) -> int:
        """Store a person with their faces in one transaction; returns the person id."""

    @abstractmethod
    def add_faces(self, person_id: int, faces: Sequence[NewFace]) -> int:
        """Store more faces of an enrolled person; returns how many."""

    @abstractmethod
    def list_persons(self) -> list[Person]:
        """Every enrolled person (expired ones too, until purged), by id."""

    @abstractmethod
    def delete_person(self, person_id: int) -> bool:
        """Remove a person and their faces (the search log stays); False when there is no such person."""

    @abstractmethod
    def set_hold(self, person_id: int, hold: bool) -> bool:
        """Set or clear a person's legal hold flag; False when there is no such person."""

    @abstractmethod
    def load_registry(self, today: date) -> Registry:
        """Every enrolled face of persons whose retention date is not before ``today``."""

    @abstractmethod
    def purge_expired(self, today: date) -> int:
        """Delete persons (and their faces) whose retention date is before ``today``; returns how many persons."""

    @abstractmethod
    def append_search_log(self, entry: Mapping[str, Any]) -> int:
        """Append a search (the ``CHAINED`` fields) chained onto the last entry; returns its id."""

    @abstractmethod
    def search_log(self) -> list[dict[str, Any]]:
        """Every log row in id order, with ``id``, ``prev_hash`` and ``entry_hash``."""
