"""The records of the media stage: what one post's images gave (hashes, bank matches, restricted flags) and the
searchable face registry.

Plain dataclasses, like ``tipwatch.model``: the media stage (``tipwatch.media``) produces them in the analyze process
pool, and the store (``tipwatch.store``) writes and reads them. This module imports neither, so the store never needs
media code to store a post's media.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tipwatch.model import Post, Quarantined


@dataclass(slots=True, frozen=True)
class BankMatch:
    """One hit: which bank and entry, how far (0 for exact), and for PDQ which dihedral variant of the query."""

    bank_id: int
    bank_name: str
    entry_id: int
    signal_type: str
    distance: int
    variant: str  # a PDQ dihedral name ("original", "flipy", ...) for pdq and other near types, "exact" for md5/sha256
    is_abuse_material: bool
    threshold: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "bank": self.bank_name,
            "bank_id": self.bank_id,
            "entry_id": self.entry_id,
            "signal_type": self.signal_type,
            "distance": self.distance,
            "variant": self.variant,
            "threshold": self.threshold,
            "is_abuse_material": self.is_abuse_material,
        }


@dataclass(slots=True)
class MediaRecord:
    ref: str
    status: str  # "ok" (hashed and decoded), "rejected" (bad file: reason), "skipped" (not read: reason)
    reason: str = ""
    sha256: str | None = None
    md5: str | None = None
    pdq: str | None = None
    pdq_mirror: str | None = None  # PDQ of the left-right mirror (dihedral "flipy"), for picture links
    quality: int | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    size: int | None = None
    restricted: bool = False
    # Hashes of registered signal types other than sha256/md5/pdq (name -> hex).
    signals: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class MediaMatch:
    ref: str
    sha256: str | None
    match: BankMatch
    frame_second: float | None = None  # for a video: the sampled frame that matched


@dataclass(slots=True)
class PostMedia:
    post_id: str
    items: list[MediaRecord] = field(default_factory=list)
    matches: list[MediaMatch] = field(default_factory=list)

    @property
    def restricted(self) -> bool:
        """True when an image of this post matched an abuse-material bank: never show or copy its images."""
        return any(m.match.is_abuse_material for m in self.matches)

    @property
    def rejected(self) -> list[MediaRecord]:
        return [item for item in self.items if item.status == "rejected"]

    def quarantine(self, post: Post) -> list[Quarantined]:
        """Quarantine entries for the rejected images (bad files, paths outside the input, failed downloads), so the
        run's quarantine names every image that could not be used and why. Skipped ones (not fetched) are not errors.
        """
        return [
            Quarantined(
                post.source, f"{post.position} image {item.ref}"[:200], f"image rejected: {item.reason}", item.ref
            )
            for item in self.rejected
        ]


@dataclass(slots=True)
class RestrictedImage:
    """An image (by SHA-256) that matched an abuse-material bank: its hash may be shown, the image never."""

    sha256: str
    first_post_id: str
    bank_id: int
    bank_name: str
    entry_id: int
    signal_type: str
    distance: int


@dataclass(slots=True)
class ReportEntry:
    """A post queued for the mandatory-reporting workflow."""

    post_id: str
    reason: str
    sha256s: list[str]


def abuse_flags(results: Iterable[PostMedia]) -> tuple[list[RestrictedImage], list[ReportEntry]]:
    """What abuse-material matches restrict: each matching file (first post wins) and each post to report."""
    images: dict[str, RestrictedImage] = {}
    reports: list[ReportEntry] = []
    for r in results:
        abuse = [m for m in r.matches if m.match.is_abuse_material]
        if not abuse:
            continue
        for m in abuse:
            if m.sha256 and m.sha256 not in images:
                images[m.sha256] = RestrictedImage(
                    m.sha256,
                    r.post_id,
                    m.match.bank_id,
                    m.match.bank_name,
                    m.match.entry_id,
                    m.match.signal_type,
                    m.match.distance,
                )
        banks = sorted({m.match.bank_name for m in abuse})
        reports.append(
            ReportEntry(
                r.post_id,
                f"image matched abuse-material bank(s): {', '.join(banks)}",
                sorted({m.sha256 for m in abuse if m.sha256}),
            )
        )
    return list(images.values()), reports


@dataclass(slots=True)
class Registry:
    """The searchable face registry: one row per enrolled face (of persons whose retention has not passed)."""

    embedding_ids: np.ndarray  # (n,) int64
    person_ids: np.ndarray  # (n,) int64
    embeddings: np.ndarray  # (n, 128) float32
    case_refs: dict[int, str]  # person id -> case reference
    labels: dict[int, str]  # person id -> label

    def __len__(self) -> int:
        return int(self.embedding_ids.shape[0])

    @classmethod
    def empty(cls) -> Registry:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty((0, 128), np.float32), {}, {})
