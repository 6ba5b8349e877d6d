"""Watchlists and alerts: an analyst follows a phone, email, handle, wallet, URL, picture, keyword or network; every
new post that matches raises an alert stored with the post and the reason.

Values are normalized the way the extractor normalizes posts (a phone written any way becomes E.164), so a watch
matches the identifiers stored for posts. Matching is a pure function of the watches and a batch of posts; the link
stage calls it for each new batch (and ``backfill`` checks the posts already stored).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, insert, select, update

from tipwatch.link.batch import PostInput, image_sha256
from tipwatch.store.link_tables import alerts, network_posts, watches
from tipwatch.store.tables import identifiers, posts

KINDS = ("phone", "email", "handle", "wallet", "url", "image", "keyword", "network")
IDENTIFIER_KINDS = ("phone", "email", "handle", "wallet", "url")
PDQ_MATCH = 31  # Meta's PDQ match threshold


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    kind: str
    value: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    watch_id: int
    post_id: str
    reason: str


def normalize(kind: str, value: str, region: str = "IN") -> str:
    """A watched value in the form the store holds: the extractor's normalization when it recognizes the value."""
    value = value.strip()
    if kind not in KINDS:
        raise ValueError(f"unknown watch kind {kind!r}: use one of {', '.join(KINDS)}")
    if kind in IDENTIFIER_KINDS:
        from tipwatch.extract import extract

        found = [i.value for i in extract(value, region) if i.type == kind]
        if found:
            return found[0]
        return value.lower() if kind in ("email", "handle") else value
    if kind == "image":
        sha = image_sha256(value)
        if sha is None:
            raise ValueError("an image watch is a SHA-256 or PDQ hash: 64 hexadecimal digits")
        return sha
    if kind == "keyword":
        return _fold(value)
    return value


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(slots=True)
class Matcher:
    """Watches compiled for matching a batch: value lookups, one keyword pattern, PDQ hashes as arrays."""

    by_value: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    keywords: dict[str, list[int]] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    pdq_ids: list[int] = field(default_factory=list)
    pdq: np.ndarray = field(default_factory=lambda: np.zeros((0, 32), np.uint8))
    networks: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, active: Iterable[Watch]) -> Matcher:
        m = cls()
        rows: list[bytes] = []
        for w in active:
            if w.kind == "keyword":
                m.keywords.setdefault(w.value, []).append(w.id)
            elif w.kind == "network":
                m.networks.setdefault(w.value, []).append(w.id)
            elif w.kind == "image":
                m.by_value.setdefault(("image", w.value), []).append(w.id)
                m.pdq_ids.append(w.id)
                rows.append(bytes.fromhex(w.value))
            else:
                m.by_value.setdefault((w.kind, w.value), []).append(w.id)
        if m.keywords:
            # Longest first, and never inside a longer word: "fresh" must not fire on "refreshments".
            alts = "|".join(re.escape(k) for k in sorted(m.keywords, key=len, reverse=True))
            m.pattern = re.compile(rf"(?<!\w)(?:{alts})(?!\w)")
        if rows:
            m.pdq = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(-1, 32)
        return m

    def match_posts(self, batch: Sequence[PostInput]) -> list[Hit]:
        hits: dict[tuple[int, str], str] = {}
        for post in batch:
            for typ, value, _s, _e in post.identifiers:
                for wid in self.by_value.get((typ, value), ()):
                    hits.setdefault((wid, post.id), f"{typ} {value}")
            for ref in post.images:
                sha = image_sha256(ref)
                for wid in self.by_value.get(("image", sha or ""), ()):
                    hits.setdefault((wid, post.id), f"picture SHA-256 {sha}")
            if len(self.pdq) and post.pdq:
                for hexhash in post.pdq:
                    q = np.frombuffer(bytes.fromhex(hexhash), dtype=np.uint8)
                    dist = np.unpackbits(self.pdq ^ q, axis=1).sum(axis=1)
                    for k in np.flatnonzero(dist <= PDQ_MATCH).tolist():
                        hits.setdefault((self.pdq_ids[k], post.id), f"picture within PDQ distance {int(dist[k])}")
            if self.pattern is not None:
                for found in dict.fromkeys(self.pattern.findall(_fold(post.text))):
                    for wid in self.keywords.get(found, ()):
                        hits.setdefault((wid, post.id), f"keyword {found!r}")
        return [Hit(w, p, r) for (w, p), r in hits.items()]

    def match_networks(self, post_network: Mapping[str, str]) -> list[Hit]:
        return [
            Hit(wid, pid, f"joined network {nid}")
            for pid, nid in post_network.items()
            for wid in self.networks.get(nid, ())
        ]


# --- store ------------------------------------------------------------------------------------------------------


def add_watch(engine: Engine, kind: str, value: str, *, note: str = "", by: str = "", region: str = "IN") -> Watch:
    norm = normalize(kind, value, region)
    with engine.begin() as conn:
        res = conn.execute(
            insert(watches).values(
                kind=kind, value=norm, note=note, created_by=by, created_at=datetime.now(UTC), active=True
            )
        )
        key = res.inserted_primary_key
        assert key is not None
    return Watch(int(key[0]), kind, norm, note)


def active_watches(conn: Connection) -> list[Watch]:
    rows = conn.execute(
        select(watches.c.id, watches.c.kind, watches.c.value, watches.c.note).where(watches.c.active.is_(True))
    )
    return [Watch(int(i), k, v, n) for i, k, v, n in rows]


def list_watches(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(watches).order_by(watches.c.id)).mappings()]


def remove_watch(engine: Engine, watch_id: int) -> bool:
    """Deactivate a watch (its alerts stay, with their history)."""
    with engine.begin() as conn:
        return bool(conn.execute(update(watches).where(watches.c.id == watch_id).values(active=False)).rowcount)


def store_hits(conn: Connection, hits: Sequence[Hit]) -> int:
    """Store new alerts (a (watch, post) pair already alerted is not raised again); returns how many were new."""
    if not hits:
        return 0
    seen = {
        (w, p)
        for w, p in conn.execute(
            select(alerts.c.watch_id, alerts.c.post_id).where(alerts.c.post_id.in_(sorted({h.post_id for h in hits})))
        )
    }
    now = datetime.now(UTC)
    rows = [
        {"watch_id": h.watch_id, "post_id": h.post_id, "reason": h.reason, "created_at": now, "seen": False}
        for h in {(h.watch_id, h.post_id): h for h in hits}.values()
        if (h.watch_id, h.post_id) not in seen
    ]
    if rows:
        conn.execute(insert(alerts), rows)
    return len(rows)


def backfill(engine: Engine, watch: Watch) -> int:
    """Alerts for posts already stored that match ``watch`` (identifier and network watches)."""
    with engine.begin() as conn:
        if watch.kind in IDENTIFIER_KINDS:
            stmt = select(identifiers.c.post_id).where(
                identifiers.c.type == watch.kind, identifiers.c.value == watch.value
            )
            reason = f"{watch.kind} {watch.value}"
        elif watch.kind == "network":
            stmt = select(network_posts.c.post_id).where(network_posts.c.network_id == watch.value)
            reason = f"in network {watch.value}"
        else:
            return 0
        pids = sorted(set(conn.execute(stmt).scalars()))
        return store_hits(conn, [Hit(watch.id, pid, reason) for pid in pids])


def list_alerts(engine: Engine, *, unseen_only: bool = True, mark_seen: bool = False) -> list[dict[str, Any]]:
    """Alerts, newest first, with the watch and the post's title, platform and risk."""
    cols = (
        alerts.c.id,
        alerts.c.created_at,
        alerts.c.reason,
        alerts.c.seen,
        alerts.c.post_id,
        watches.c.id.label("watch_id"),
        watches.c.kind,
        watches.c.value,
        watches.c.note,
        posts.c.title,
        posts.c.platform,
        posts.c.risk,
        posts.c.url,
    )
    stmt = select(*cols).join(watches, watches.c.id == alerts.c.watch_id).join(posts, posts.c.id == alerts.c.post_id)
    if unseen_only:
        stmt = stmt.where(alerts.c.seen.is_(False))
    with engine.begin() as conn:
        out = [dict(r) for r in conn.execute(stmt.order_by(alerts.c.created_at.desc(), alerts.c.id.desc())).mappings()]
        if mark_seen and out:
            conn.execute(update(alerts).where(alerts.c.id.in_([r["id"] for r in out])).values(seen=True))
    return out
