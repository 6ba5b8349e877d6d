"""The audit log: append-only entries, each chained to the one before it by SHA-256.

``entry_hash(prev_hash, entry)`` is SHA-256 over the previous entry's hash, a newline, and the canonical JSON (sorted
keys, UTC ISO time) of the entry's seq, time, actor, action, target, why and details. Editing, deleting or moving an
entry breaks the chain from that entry on; ``services.audit.verify`` names the first one.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    why: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


def utc(at: datetime) -> datetime:
    """``at`` as an aware UTC time (SQLite gives back naive times, which are UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def canonical(
    seq: int, at: datetime, actor: str, action: str, target: str, why: str, details: Mapping[str, Any]
) -> bytes:
    body = {
        "seq": seq,
        "at": utc(at).isoformat(),
        "actor": actor,
        "action": action,
        "target": target,
        "why": why,
        "details": details,
    }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def entry_hash(
    prev_hash: str, seq: int, at: datetime, actor: str, action: str, target: str, why: str, details: Mapping[str, Any]
) -> str:
    data = canonical(seq, at, actor, action, target, why, details)
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + data).hexdigest()


def recompute(entry: AuditEntry) -> str:
    """The hash ``entry`` should carry, from its content and its stored previous hash."""
    return entry_hash(
        entry.prev_hash, entry.seq, entry.at, entry.actor, entry.action, entry.target, entry.why, entry.details
    )


class AuditStore(ABC):
    @abstractmethod
    def append(
        self, *, at: datetime, actor: str, action: str, target: str, why: str, details: Mapping[str, Any]
    ) -> AuditEntry:
        """Add an entry at the end of the chain. Safe with many writers (threads, processes, machines): appends are
        serialised by the database, so no two entries chain onto the same previous one."""

    @abstractmethod
    def entries(self, *, after_seq: int = 0, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every entry after ``after_seq``, oldest first, read ``batch`` at a time."""

    @abstractmethod
    def page(
        self, *, before_seq: int | None = None, limit: int = 50, actor: str = "", action: str = ""
    ) -> list[AuditEntry]:
        """Up to ``limit`` entries before ``before_seq`` (None: the newest), newest first; only those of ``actor``
        and of ``action`` when given (exact values)."""

    @abstractmethod
    def head(self) -> tuple[int, str]:
        """The chain head: the newest entry's seq and hash as the writer recorded them ((0, GENESIS) when empty)."""

    @abstractmethod
    def seq_of_hash(self, hash_: str) -> int | None:
        """The seq of the entry carrying that hash, or None."""

    @abstractmethod
    def count(self) -> int:
        """How many entries are stored."""
