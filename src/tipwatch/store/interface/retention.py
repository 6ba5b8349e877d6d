"""Retention as stored: what is older than a cut-off, what is on legal hold, and deleting it.

The areas (``AREAS``): posts (whole posts with everything hanging off them), identifiers (the structured values
extracted from posts), media (image references, hashes and bank matches of posts), faces (enrolled persons; their
own retention date applies too) and logs (quarantined records, login attempts, expired sessions, objects that
feed pulls refused). The audit log and
the face-search log are append-only hash chains and are never touched here (docs/dpia.md says how they are kept).

A post is on **legal hold** while it is in a case that is not closed (directly, or through one of the case's
networks) or has a pending mandatory report. Held posts, and their identifiers and media, are never deleted. An
enrolled person (face registry) is on hold while flagged (``legal_hold``) or while the tipwatch case that its case
reference names (``case:12``, ``12`` or the case's title) is not closed; a held person is never deleted either.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

AREAS: tuple[str, ...] = ("posts", "identifiers", "media", "faces", "logs")


@dataclass(slots=True)
class AreaCount:
    """For one area: rows due (older than the cut-off and not held) and rows kept only because of a hold."""

    area: str
    due: int = 0
    held: int = 0
    # Per table, rows removed (or that would be) with the due rows: e.g. posts -> identifiers, links, ...
    tables: dict[str, int] = field(default_factory=dict)


class RetentionStore(ABC):
    @abstractmethod
    def count(self, area: str, cutoff: datetime) -> AreaCount:
        """What is older than ``cutoff`` in ``area``: due and held."""

    @abstractmethod
    def delete(self, area: str, cutoff: datetime) -> AreaCount:
        """Delete what is due in ``area`` (one transaction); the counts of what went and what was held."""

    @abstractmethod
    def held(self, post_ids: Sequence[str]) -> set[str]:
        """Those of these posts on legal hold."""

    @abstractmethod
    def delete_posts(self, post_ids: Sequence[str]) -> dict[str, int]:
        """Delete these posts with everything that hangs off them (one transaction); rows removed per table."""
