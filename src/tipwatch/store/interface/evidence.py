"""Evidence as stored: captured items (one URL captured once, in a case), their artifacts (files kept elsewhere,
content-addressed by SHA-256: only the hashes and metadata are here) and each item's chain of custody
(``tipwatch.evidence.custody``: append-only, hash-chained, signed). Nothing here is ever updated or deleted."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tipwatch.evidence.custody import CustodyEvent, Signer


class NoSuchItem(LookupError):
    """No evidence item with this id."""


@dataclass(slots=True)
class Artifact:
    position: int
    kind: str  # warc, screenshot, html, image, metadata
    sha256: str
    size: int
    media_type: str
    source_url: str | None = None


@dataclass(slots=True)
class NewItem:
    case_id: int
    url: str
    final_url: str
    post_id: str | None
    http_status: int
    ip: str | None
    title: str
    captured_at: datetime
    captured_by: str
    purpose: str
    tool_version: str


@dataclass(slots=True)
class EvidenceItem(NewItem):
    id: int = 0


class EvidenceStore(ABC):
    @abstractmethod
    def add_item(
        self, item: NewItem, artifacts: Sequence[Artifact], *, details: Mapping[str, Any], sign: Signer
    ) -> tuple[EvidenceItem, CustodyEvent]:
        """Store a captured item with its artifacts and its first custody event ("captured", by the capturer, with
        ``details``), in one transaction."""

    @abstractmethod
    def get(self, item_id: int) -> EvidenceItem | None: ...

    @abstractmethod
    def items(self, case_id: int) -> list[EvidenceItem]:
        """The case's items, oldest first."""

    @abstractmethod
    def artifacts(self, item_id: int) -> list[Artifact]: ...

    @abstractmethod
    def append_event(
        self,
        item_id: int,
        *,
        at: datetime,
        actor: str,
        action: str,
        why: str,
        details: Mapping[str, Any],
        sign: Signer,
    ) -> CustodyEvent:
        """Chain a signed event onto the item's custody log (appends to one item are serialised). Raises
        NoSuchItem."""

    @abstractmethod
    def events(self, item_id: int) -> list[CustodyEvent]:
        """Oldest first."""

    @abstractmethod
    def items_for_post(self, post_id: str) -> list[EvidenceItem]:
        """Items captured from the post's URL, oldest first."""

    @abstractmethod
    def posts_with_url(self, url: str) -> list[str]:
        """Ids of stored posts whose URL is exactly ``url``."""
