"""The audit log: who did what to which thing, and why; hash-chained so that an edit, a deletion or a reordering
shows (``verify``). Every admin act, login and sensitive read goes through ``append``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tipwatch.store.facade import Store
from tipwatch.store.interface.audit import GENESIS, AuditEntry, recompute

__all__ = ["AuditEntry", "Verdict", "append", "entries", "next_before_seq", "page", "verify"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of ``verify``: ``ok`` with the number of entries checked, or the first bad entry and why."""

    ok: bool
    entries: int
    bad_seq: int | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"audit chain OK: {self.entries} entries"
        return f"audit chain BROKEN at entry {self.bad_seq}: {self.reason}"


def append(
    store: Store,
    actor: str,
    action: str,
    target: str = "",
    why: str = "",
    details: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry (time: now, UTC). ``details`` must be JSON-able (str keys)."""
    return store.audit.append(
        at=at or datetime.now(UTC), actor=actor, action=action, target=target, why=why, details=details or {}
    )


def entries(store: Store, *, after_seq: int = 0) -> Iterator[AuditEntry]:
    """Every entry after ``after_seq``, oldest first (streamed)."""
    return store.audit.entries(after_seq=after_seq)


def page(
    store: Store, *, before_seq: int | None = None, limit: int = 50, actor: str = "", action: str = ""
) -> list[AuditEntry]:
    """One page for the supervisor view: up to ``limit`` (1..500) entries before ``before_seq``, newest first;
    only ``actor``'s and only ``action`` entries when given (exact values, e.g. "user:ana", "face.search")."""
    return store.audit.page(before_seq=before_seq, limit=max(1, min(limit, 500)), actor=actor, action=action)


def next_before_seq(entries: list[AuditEntry], limit: int) -> int | None:
    """Where the next (older) page of a ``page`` result starts, or None when this page was the last."""
    return entries[-1].seq if len(entries) == limit and entries[-1].seq > 1 else None


def verify(store: Store) -> Verdict:
    """Walk the chain from the first entry; the first entry that is missing, moved or changed is named.

    - a missing seq (1, 2, 4): entries deleted (a gap);
    - an entry whose previous-hash is the hash of another stored entry: entries reordered (moved or swapped);
    - an entry whose previous-hash matches nothing: the entry before it was edited and its hash rewritten;
    - an entry whose hash does not match its content: edited;
    - the chain head (kept by the writer) ahead of the last entry: entries deleted from the end.
    """
    expected, prev, n = 1, GENESIS, 0
    for entry in store.audit.entries():
        if entry.seq != expected:
            missing = f"{expected}" if entry.seq == expected + 1 else f"{expected}-{entry.seq - 1}"
            return Verdict(False, n, expected, f"missing (deleted: entries {missing} are gone, next is {entry.seq})")
        if entry.prev_hash != prev:
            other = store.audit.seq_of_hash(entry.prev_hash)
            if other is not None:
                return Verdict(
                    False, n, entry.seq, f"reordered (it follows entry {other}'s hash, not entry {entry.seq - 1}'s)"
                )
            return Verdict(
                False,
                n,
                entry.seq - 1,
                f"edited (entry {entry.seq} was chained to a different hash: content and hash were rewritten)",
            )
        if recompute(entry) != entry.hash:
            return Verdict(False, n, entry.seq, "edited (its content does not match its hash)")
        prev, expected, n = entry.hash, expected + 1, n + 1
    head_seq, head_hash = store.audit.head()
    if head_seq > n:
        return Verdict(False, n, n + 1, f"missing (deleted from the end: the chain head is entry {head_seq})")
    if head_seq != n or head_hash != prev:
        return Verdict(False, n, n, "the chain head does not match the last entry (an entry was added or edited)")
    return Verdict(True, n)
