"""Watchlists and alerts: an analyst follows a phone, email, handle, wallet, URL, picture, keyword or network; every
new post that matches raises an alert stored with the post and the reason.

Values are normalized the way the extractor normalizes posts (a phone written any way becomes E.164), so a watch
matches the identifiers stored for posts. Matching is a pure function of the watches and a batch of posts; the
networks service calls it for each new batch (and ``tipwatch.services.watches.backfill`` checks the posts already
stored).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from tipwatch.extract.registry import identifier_types
from tipwatch.link.batch import PostInput, image_sha256
from tipwatch.media.hamming import distances
from tipwatch.store.interface.watches import Hit, Watch

# Watch kinds: every identifier type that links posts (extract/registry.py), and pictures, keywords, networks.
OTHER_KINDS = ("image", "keyword", "network")
PDQ_MATCH = 31  # Meta's PDQ match threshold


def identifier_kinds() -> tuple[str, ...]:
    return tuple(t.name for t in identifier_types() if t.links)


def kinds() -> tuple[str, ...]:
    return identifier_kinds() + OTHER_KINDS


def normalize(kind: str, value: str, region: str = "IN") -> str:
    """A watched value in the form the store holds: the extractor's normalization when it recognizes the value."""
    value = value.strip()
    if kind not in kinds():
        raise ValueError(f"unknown watch kind {kind!r}: use one of {', '.join(kinds())}")
    if kind in identifier_kinds():
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
                    dist = distances(self.pdq, q)
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


__all__ = ["PDQ_MATCH", "Hit", "Matcher", "Watch", "identifier_kinds", "kinds", "normalize"]
