"""The review queue: analysts take posts by risk, decide them (escalate, dismiss, needs more information) with a
reason, and their decisions become training labels.

A lease (reviewer, post, expiry) keeps two analysts from ever being handed the same post at once; the store claims
atomically (see ``tipwatch.store.sql.review``). ``next_for`` hands the reviewer the post they already hold (so a
reload shows the same post) or the highest-risk free undecided post. ``skip`` keeps the post out of the pool until
its lease ends and hands the next one; ``release`` puts it back at once. ``decide`` records who, when, what and why,
ends the lease, and records a label through ``services.labels`` (escalate -> 1, dismiss -> 0, needs_info -> none:
it withdraws the labels earlier decisions on the post gave, so the training data follows the decision in force).
A post can be decided again later: every decision is kept, the latest is in force.

Every change can be reported to an audit callback ``audit(actor, action, target, why, details)`` (the web layer
passes its audit service); nothing here writes an audit log itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tipwatch.services.labels import add_labels
from tipwatch.store.facade import Store
from tipwatch.store.interface.review import (
    Decision,
    HeldByOther,
    Lease,
    QueueFilters,
    QueueStats,
    ReviewPost,
    UnknownPost,
)

__all__ = [
    "DECISIONS",
    "KEYS",
    "LABELS",
    "AuditFn",
    "Decision",
    "Lease",
    "QueueFilters",
    "QueueStats",
    "ReviewError",
    "ReviewItem",
    "ReviewPost",
    "decide",
    "history",
    "next_for",
    "parse_decision",
    "recent",
    "release",
    "skip",
    "stats",
]

# actor, action, target, why, details
AuditFn = Callable[[str, str, str, str, dict[str, Any]], None]

DECISIONS = ("escalate", "dismiss", "needs_info")
# Keyboard shortcuts of the review screen.
KEYS = {"e": "escalate", "d": "dismiss", "n": "needs_info"}
# The training label each decision gives (labels: 1 trafficking-indicative, 0 not); needs_info gives none.
LABELS: dict[str, int | None] = {"escalate": 1, "dismiss": 0, "needs_info": None}
LABEL_ORIGIN = "review"
DEFAULT_LEASE_SECONDS = 600
MAX_LEASE_SECONDS = 24 * 3600


class ReviewError(ValueError):
    """A request the queue refuses. ``reason`` is one of: bad_reviewer, bad_decision, missing_reason, bad_lease,
    unknown_post, held_by_other, not_held (a web layer maps unknown_post to 404, held_by_other to 409, the rest
    to 400/422)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(slots=True)
class ReviewItem:
    """A post handed to a reviewer, with the lease that keeps it theirs; ``resumed`` when they already held it."""

    post: ReviewPost
    lease: Lease
    resumed: bool


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _reviewer(reviewer: str) -> str:
    name = reviewer.strip()
    if not name:
        raise ReviewError("bad_reviewer", "a reviewer name is required")
    if len(name) > 200:
        raise ReviewError("bad_reviewer", "a reviewer name has at most 200 characters")
    return name


def parse_decision(value: str) -> str:
    """``escalate``, ``dismiss`` or ``needs_info``, also as its key (e, d, n); raises ReviewError otherwise."""
    v = value.strip().lower().replace("-", "_")
    v = KEYS.get(v, v)
    if v not in DECISIONS:
        raise ReviewError(
            "bad_decision", f"decision must be one of {', '.join(DECISIONS)} (keys e, d, n), got {value!r}"
        )
    return v


def next_for(
    store: Store,
    reviewer: str,
    *,
    filters: QueueFilters | None = None,
    lease_seconds: int = DEFAULT_LEASE_SECONDS,
    now: datetime | None = None,
) -> ReviewItem | None:
    """The post ``reviewer`` should review now: the one they hold (lease renewed), else the highest-risk undecided
    post matching ``filters`` that nobody else holds (an expired lease is taken over). None when the queue is empty."""
    name = _reviewer(reviewer)
    if not 0 < lease_seconds <= MAX_LEASE_SECONDS:
        raise ReviewError("bad_lease", f"lease_seconds must be between 1 and {MAX_LEASE_SECONDS}")
    at = _now(now)
    f = filters or QueueFilters()
    while True:
        got = store.review.next_lease(name, f, now=at, expires_at=at + timedelta(seconds=lease_seconds))
        if got is None:
            return None
        lease, resumed = got
        post = store.review.post(lease.post_id)
        if post is not None:
            return ReviewItem(post, lease, resumed)
        # The post vanished between the claim and the read (its lease went with it): take the next one.


def release(store: Store, reviewer: str, post_id: str, *, audit: AuditFn | None = None) -> bool:
    """Give the post back to the pool at once; False if ``reviewer`` held no lease on it."""
    name = _reviewer(reviewer)
    done = store.review.release(name, post_id)
    if done and audit is not None:
        audit(name, "review.release", f"post:{post_id}", "", {})
    return done


def skip(
    store: Store,
    reviewer: str,
    post_id: str,
    *,
    filters: QueueFilters | None = None,
    lease_seconds: int = DEFAULT_LEASE_SECONDS,
    now: datetime | None = None,
    audit: AuditFn | None = None,
) -> ReviewItem | None:
    """Pass on a held post (it stays out of the pool until its lease ends, then anyone may get it) and return the
    reviewer's next post. Raises ReviewError ``not_held`` if they hold no live lease on it."""
    name = _reviewer(reviewer)
    at = _now(now)
    if not store.review.skip(name, post_id, now=at):
        raise ReviewError("not_held", f"{name} holds no lease on post {post_id}")
    if audit is not None:
        audit(name, "review.skip", f"post:{post_id}", "", {})
    return next_for(store, name, filters=filters, lease_seconds=lease_seconds, now=at)


def decide(
    store: Store,
    reviewer: str,
    post_id: str,
    decision: str,
    reason: str,
    *,
    now: datetime | None = None,
    audit: AuditFn | None = None,
) -> Decision:
    """Record ``reviewer``'s decision on a post with its (required) reason, end the lease on it, and record the
    training label it gives. The reviewer need not hold the post (a re-decision later), but no other reviewer may
    hold a live lease on it. Raises ReviewError: bad_decision, missing_reason, unknown_post, held_by_other."""
    name = _reviewer(reviewer)
    what = parse_decision(decision)
    why = reason.strip()
    if not why:
        raise ReviewError("missing_reason", "a decision needs a reason")
    label = LABELS[what]
    try:
        recorded = store.review.record_decision(post_id, name, what, why, label, at=_now(now))
    except UnknownPost as exc:
        raise ReviewError("unknown_post", str(exc)) from None
    except HeldByOther as exc:
        raise ReviewError("held_by_other", str(exc)) from None
    details: dict[str, Any] = {"decision": what, "label": label, "id": recorded.id}
    if label is not None:
        add_labels(store, [post_id], label, author=name, origin=LABEL_ORIGIN, note=f"{what}: {why}")
    else:
        # The decision in force gives no label: the labels earlier decisions gave would otherwise stay in the
        # training data (the latest label wins there). Labels imported from elsewhere are not the queue's to remove.
        withdrawn = store.labels.withdraw(post_id, origin=LABEL_ORIGIN)
        if withdrawn:
            details["labels_withdrawn"] = withdrawn
    if audit is not None:
        audit(name, "review.decide", f"post:{post_id}", why, details)
    return recorded


def history(store: Store, post_id: str) -> list[Decision]:
    """Every decision on the post, oldest first; the last one is in force."""
    return store.review.history(post_id)


def recent(store: Store, reviewer: str, *, limit: int = 20) -> list[Decision]:
    """The reviewer's latest decisions, newest first."""
    return store.review.recent_by(_reviewer(reviewer), limit=limit)


def stats(store: Store, *, filters: QueueFilters | None = None, now: datetime | None = None) -> QueueStats:
    """For the dashboard: posts matching ``filters``, undecided, held now, and posts per latest decision."""
    return store.review.stats(filters or QueueFilters(), now=_now(now))
