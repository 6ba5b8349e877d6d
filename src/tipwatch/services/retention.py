"""Data protection: retention per area (configuration ``retention_days``), legal hold, and erasure on request.

``run`` counts, per area with a policy, what is older than its limit (due) and what is kept only because it is on
legal hold (a post in a case that is not closed, directly or through one of the case's networks, or with a pending
mandatory report); with ``apply`` it deletes what is due. Both a dry run and a deletion are audited with the counts.
After posts, identifiers or pictures go, links and networks are rebuilt (``services.networks.update_networks``) so
that no network keeps a link made of deleted data.

``erase`` removes the posts in which one identifier (a person's phone, e-mail, ...) appears, except posts on hold
(reported, not removed), with an audit entry that names the identifier only by a keyed hash, and a report.

The audit log and the face-search log are append-only hash chains: retention never deletes from them (docs/dpia.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tipwatch.services import audit
from tipwatch.store.facade import Store
from tipwatch.store.interface.retention import AREAS, AreaCount

__all__ = ["AREAS", "ErasureReport", "RetentionError", "RetentionReport", "erase", "parse_identifier", "run"]

# Which areas, once deleted from, change what links posts (the link state must be rebuilt).
_LINKING = frozenset({"posts", "identifiers", "media"})


class RetentionError(ValueError):
    """A request refused (unknown area, bad identifier)."""


@dataclass(slots=True)
class RetentionReport:
    applied: bool
    at: datetime
    areas: list[AreaCount]
    relinked: bool = False
    audit_seq: int = 0


@dataclass(slots=True)
class ErasureReport:
    identifier_type: str
    removed_posts: list[str]
    held_posts: list[str]
    tables: dict[str, int] = field(default_factory=dict)
    relinked: bool = False
    audit_seq: int = 0


Relink = Callable[[Store], object]


def _relink(store: Store) -> object:
    from tipwatch.services.networks import update_networks

    return update_networks(store, rebuild=True)


def run(
    store: Store,
    policy: Mapping[str, int],
    *,
    actor: str,
    apply: bool = False,
    now: datetime | None = None,
    relink: Relink | None = _relink,
) -> RetentionReport:
    """Count (dry run) or delete (``apply``) what each area's policy (days) says is due. Areas without a policy
    keep everything. ``relink`` (default: a link rebuild with the default link state) runs when linking data went."""
    unknown = sorted(set(policy) - set(AREAS))
    if unknown:
        raise RetentionError(f"unknown retention area(s) {', '.join(unknown)}: one of {', '.join(AREAS)}")
    at = now or datetime.now(UTC)
    counts = []
    # Posts first: identifiers and pictures of posts that go anyway are then not counted twice.
    for area in AREAS:
        if area not in policy:
            continue
        cutoff = at - timedelta(days=policy[area])
        counts.append(store.retention.delete(area, cutoff) if apply else store.retention.count(area, cutoff))
    relinked = False
    if apply and relink is not None and any(c.area in _LINKING and c.due for c in counts):
        relink(store)
        relinked = True
    entry = audit.append(
        store,
        actor,
        "retention.apply" if apply else "retention.dry_run",
        "store",
        "retention policy",
        {
            "policy_days": dict(policy),
            "due": {c.area: c.due for c in counts},
            "held": {c.area: c.held for c in counts},
            "removed": {c.area: c.tables for c in counts} if apply else {},
            "relinked": relinked,
        },
        at=at,
    )
    return RetentionReport(apply, at, counts, relinked, entry.seq)


def parse_identifier(text: str) -> tuple[str, str]:
    """``type:value`` (e.g. ``phone:+919876543210``) to the (type, value) stored for posts, normalized by the
    extractor as search does; RetentionError when the extractor finds no such identifier in the value."""
    from tipwatch.services.search import identifier_keys

    type_, sep, value = text.partition(":")
    if not sep or not value.strip():
        raise RetentionError("give the identifier as TYPE:VALUE, e.g. phone:+919876543210 or email:x@example.org")
    keys = [k for k in identifier_keys(value) if k[0] == type_]
    if len(keys) != 1:
        raise RetentionError(f"no single {type_} found in the value given")
    return keys[0]


def erase(
    store: Store,
    identifier: str,
    *,
    actor: str,
    secret: bytes,
    why: str,
    relink: Relink | None = _relink,
) -> ErasureReport:
    """Remove every post in which the identifier appears (with its identifiers, pictures' hashes, hits, links),
    except posts on legal hold, which are reported. The audit entry holds a keyed hash of the identifier (so the log
    does not keep what was erased) with the posts removed and held."""
    type_, value = parse_identifier(identifier)
    if not why.strip():
        raise RetentionError("give the reason for the erasure (e.g. the request's reference)")
    post_ids = store.posts.ids_with_identifier(type_, value)
    held = store.retention.held(post_ids)
    removed = sorted(p for p in post_ids if p not in held)
    tables = store.retention.delete_posts(removed) if removed else {}
    relinked = False
    if removed and relink is not None:
        relink(store)
        relinked = True
    pseudonym = hmac.new(secret, f"erasure\x1f{type_}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    entry = audit.append(
        store,
        actor,
        "retention.erase",
        f"{type_}:{pseudonym[:32]}",
        why.strip(),
        {"removed_posts": removed, "held_posts": sorted(held), "tables": tables, "relinked": relinked},
    )
    return ErasureReport(type_, removed, sorted(held), tables, relinked, entry.seq)
