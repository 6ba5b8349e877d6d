"""The review queue as stored: leases (one live holder per post) and decisions (history kept, latest wins).

Times are passed in by the caller (the service), so every process of a deployment compares leases on the same terms
and tests can move the clock.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class UnknownPost(LookupError):
    """The post is not in the store."""


class HeldByOther(RuntimeError):
    """Another reviewer holds a live lease on the post."""

    def __init__(self, post_id: str, holder: str) -> None:
        super().__init__(f"post {post_id} is held by {holder}")
        self.post_id = post_id
        self.holder = holder


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """Which posts the queue hands out: at least ``min_risk``, from ``platform``, stored by run ``run``."""

    min_risk: float | None = None
    platform: str | None = None
    run: int | None = None


@dataclass(slots=True)
class Lease:
    post_id: str
    reviewer: str
    leased_at: datetime
    expires_at: datetime
    skipped: bool = False


@dataclass(slots=True)
class ReviewPost:
    """What a reviewer sees of a post."""

    id: str
    title: str
    body: str
    platform: str | None
    kind: str
    url: str | None
    posted_at: datetime | None
    risk: float
    reasons: list[Any] = field(default_factory=list)
    run_id: int | None = None


@dataclass(slots=True)
class Decision:
    id: int
    post_id: str
    reviewer: str
    decision: str
    reason: str
    label: int | None
    decided_at: datetime


@dataclass(slots=True)
class QueueStats:
    """Posts matching the filters: all of them, those without a decision, live leases, and the posts per latest
    decision."""

    total: int
    undecided: int
    held: int
    decided: dict[str, int]


class ReviewStore(ABC):
    @abstractmethod
    def next_lease(
        self, reviewer: str, filters: QueueFilters, *, now: datetime, expires_at: datetime
    ) -> tuple[Lease, bool] | None:
        """The reviewer's lease to work on, and whether it is one they already held.

        A live, not skipped lease of the reviewer on a post matching ``filters`` is resumed (its expiry moved to
        ``expires_at``); the reviewer's other live, not skipped leases are released (they moved on). Otherwise the
        highest-risk post matching ``filters`` with no decision and no live lease is claimed atomically (an expired
        lease is taken over). None when nothing is left."""

    @abstractmethod
    def release(self, reviewer: str, post_id: str) -> bool:
        """End the reviewer's lease on the post (back to the pool at once); False if they held none."""

    @abstractmethod
    def skip(self, reviewer: str, post_id: str, *, now: datetime) -> bool:
        """Mark the reviewer's live, not yet skipped lease skipped: out of the pool until it expires, not resumed by
        them. False if they hold no such lease."""

    @abstractmethod
    def lease(self, post_id: str) -> Lease | None:
        """The post's lease row (live or expired), if any."""

    @abstractmethod
    def post(self, post_id: str) -> ReviewPost | None: ...

    @abstractmethod
    def record_decision(
        self, post_id: str, reviewer: str, decision: str, reason: str, label: int | None, *, at: datetime
    ) -> Decision:
        """Store a decision and end any lease on the post, in one transaction. Raises ``UnknownPost``, or
        ``HeldByOther`` when another reviewer holds a live lease on it."""

    @abstractmethod
    def history(self, post_id: str) -> list[Decision]:
        """The post's decisions, oldest first (the last one is in force)."""

    @abstractmethod
    def recent_by(self, reviewer: str, *, limit: int = 20) -> list[Decision]:
        """The reviewer's latest decisions, newest first (for the review screen's list)."""

    @abstractmethod
    def stats(self, filters: QueueFilters, *, now: datetime) -> QueueStats: ...
