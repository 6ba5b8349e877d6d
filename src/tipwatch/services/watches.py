"""Watches and alerts: follow a value, stop following it, raise alerts for posts already stored, list alerts.

New posts raise alerts as they are linked (tipwatch.services.networks.update_networks); matching is tipwatch.link.watch.
"""

from __future__ import annotations

from typing import Any

from tipwatch.link.watch import Hit, Watch, identifier_kinds, kinds, normalize
from tipwatch.services import audit
from tipwatch.store.facade import Store

__all__ = [
    "MAX_VALUE_CHARS",
    "add",
    "add_audited",
    "alerts",
    "backfill",
    "kinds",
    "list_watches",
    "remove",
    "remove_audited",
]


# The longest watched value the store keeps (watches.value); a longer one is refused, not cut (PostgreSQL would fail).
MAX_VALUE_CHARS = 512


def add(store: Store, kind: str, value: str, *, note: str = "", by: str = "", region: str = "IN") -> Watch:
    """Watch ``value`` as the extractor would normalize it. Raises ValueError for an unknown kind or a bad value."""
    normalized = normalize(kind, value, region)
    if not normalized:
        raise ValueError("a value to watch is required")
    if len(normalized) > MAX_VALUE_CHARS:
        raise ValueError(f"the value is too long: at most {MAX_VALUE_CHARS} characters")
    return store.watches.add(kind, normalized, note=note, by=by)


def list_watches(store: Store) -> list[dict[str, Any]]:
    """Every watch, active or stopped, by id."""
    return store.watches.all()


def remove(store: Store, watch_id: int) -> bool:
    """Deactivate a watch (its alerts stay, with their history); False when there is no such watch."""
    return store.watches.deactivate(watch_id)


def backfill(store: Store, watch: Watch) -> int:
    """Alerts for posts already stored that match ``watch`` (identifier, network and picture-file watches); returns
    how many."""
    if watch.kind in identifier_kinds():
        pids = store.posts.ids_with_identifier(watch.kind, watch.value)
        reason = f"{watch.kind} {watch.value}"
    elif watch.kind == "network":
        pids = sorted(store.links.membership([watch.value]))
        reason = f"in network {watch.value}"
    elif watch.kind == "image":
        # The same file (SHA-256, indexed); PDQ near-copies are found as new posts come (link.watch.Matcher).
        pids = store.media.posts_with_sha256(watch.value)
        reason = f"picture SHA-256 {watch.value}"
    else:
        return 0
    return store.watches.raise_alerts([Hit(watch.id, pid, reason) for pid in pids])


def add_audited(
    store: Store, kind: str, value: str, *, note: str, by: str, actor: str, region: str = "IN"
) -> tuple[Watch, int]:
    """What the API and the page do: add the watch, raise alerts for posts already stored, audit ("watch.add").
    Returns the watch and how many alerts the backfill raised. ValueError as ``add``."""
    watch = add(store, kind, value, note=note, by=by, region=region)
    raised = backfill(store, watch)
    audit.append(store, actor, "watch.add", f"watch:{watch.id}", note, {"kind": watch.kind})
    return watch, raised


def remove_audited(store: Store, watch_id: int, *, actor: str) -> bool:
    """Stop a watch and audit it ("watch.remove"); False (nothing audited) when there is no such watch."""
    if not remove(store, watch_id):
        return False
    audit.append(store, actor, "watch.remove", f"watch:{watch_id}", "", {})
    return True


def alerts(
    store: Store, *, unseen_only: bool = True, mark_seen: bool = False, limit: int | None = None
) -> list[dict[str, Any]]:
    """Alerts, newest first (at most ``limit``), with the watch and the post's title, platform, risk and URL."""
    return store.watches.alerts(unseen_only=unseen_only, mark_seen=mark_seen, limit=limit)
