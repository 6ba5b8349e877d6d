"""Storage of hash banks and of what posts' images gave: bank settings and entries, post media items and their bank
matches, restricted images and the mandatory-reporting queue.

Banks hold hashes and per-entry metadata only: no record here can carry an image. Restriction is by the file's
SHA-256 and sticky: disabling or deleting a bank later does not lift it. Reports, the web UI and exports ask
``MediaStore.restricted_posts`` / ``restricted_images`` before showing, copying or serving any image.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from tipwatch.media_model import PostMedia


@dataclass(slots=True)
class Bank:
    id: int
    name: str
    source: str
    licence: str
    description: str
    signal_types: list[str]
    enabled: bool
    is_abuse_material: bool
    pdq_threshold: int
    created_by: str
    created_at: datetime
    entries: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "licence": self.licence,
            "description": self.description,
            "signal_types": self.signal_types,
            "enabled": self.enabled,
            "is_abuse_material": self.is_abuse_material,
            "pdq_threshold": self.pdq_threshold,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "entries": self.entries,
        }


@dataclass(slots=True, frozen=True)
class NewBank:
    """The settings of a bank to create (validated by the caller)."""

    name: str
    source: str
    licence: str
    description: str = ""
    signal_types: list[str] = field(default_factory=list)
    enabled: bool = True
    is_abuse_material: bool = False
    pdq_threshold: int = 31  # Meta's recommendation, as tipwatch.media.pdq.DEFAULT_THRESHOLD (the table's default)
    created_by: str = ""


@dataclass(slots=True, frozen=True)
class BankEntry:
    id: int
    bank_id: int
    signal_type: str
    value: str
    meta: dict[str, Any]


class HashEntry(Protocol):
    """An entry to add: a signal type, its lower-case hex value and metadata (tipwatch.media.formats.EntryIn)."""

    @property
    def signal_type(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def meta(self) -> Mapping[str, Any]: ...


class AddCounts(NamedTuple):
    added: int
    duplicates: int  # already in the bank, or repeated in the input


@dataclass(slots=True)
class ReportItem:
    post_id: str
    status: str  # pending | reported | dismissed
    reason: str
    sha256s: list[str]
    flagged_at: datetime
    reported_at: datetime | None
    reported_by: str | None
    report_reference: str | None


@dataclass(slots=True, frozen=True)
class PostImage:
    """A decoded image of a stored post, with where the post came from (to resolve the image reference again)."""

    post_id: str
    ref: str
    source: str
    position: str


@dataclass(slots=True, frozen=True)
class MediaRow:
    """One stored picture of a post as a page shows it: where it came from, its hashes and whether it may be shown
    (``restricted``: it matched an abuse-material bank, here or through another post; show the hash only)."""

    ref: str
    status: str  # ok | rejected | skipped
    reason: str
    sha256: str | None
    pdq: str | None
    quality: int | None
    width: int | None
    height: int | None
    format: str | None
    restricted: bool


@dataclass(slots=True, frozen=True)
class MatchRow:
    """A bank match of one of a post's pictures."""

    ref: str
    sha256: str | None
    bank: str
    is_abuse_material: bool
    signal_type: str
    distance: int
    variant: str


class BankStore(ABC):
    """Named hash banks and their entries."""

    @abstractmethod
    def create_bank(self, bank: NewBank) -> Bank: ...

    @abstractmethod
    def version(self) -> tuple[int, ...]:
        """A cheap fingerprint of what matching depends on (the banks, their settings, their newest entry): it
        changes when a bank is created, deleted, enabled, disabled, re-thresholded or given entries."""

    @abstractmethod
    def get_bank(self, name: str) -> Bank | None:
        """The bank of this name, with its entry count."""

    @abstractmethod
    def list_banks(self, *, enabled_only: bool = False, count_entries: bool = True) -> list[Bank]:
        """Every bank (or the enabled ones) by name, with entry counts unless ``count_entries`` is False (then
        ``entries`` is 0: counting a 10M-entry bank is not free)."""

    @abstractmethod
    def update_bank(self, bank_id: int, *, enabled: bool | None = None, pdq_threshold: int | None = None) -> None:
        """Change the settings given (None: leave as is)."""

    @abstractmethod
    def delete_bank(self, bank_id: int) -> None:
        """Delete a bank and its entries (restrictions recorded through it stay)."""

    @abstractmethod
    def add_entries(self, bank_id: int, entries: Iterable[HashEntry]) -> AddCounts:
        """Add entries in batches (constant memory); an entry already in the bank counts as a duplicate."""

    @abstractmethod
    def iter_entries(self, bank_id: int, *, batch: int = 20000) -> Iterator[BankEntry]:
        """Every entry of a bank in insertion order, streamed."""

    @abstractmethod
    def get_entry(self, entry_id: int) -> BankEntry | None: ...

    @abstractmethod
    def iter_signals(self, bank_ids: Sequence[int]) -> Iterator[tuple[int, int, str, str]]:
        """(bank id, entry id, signal type, hex value) of every entry of these banks, streamed: what the match
        index is built from."""


class MediaStore(ABC):
    """Posts' images and matches, restricted images, and the mandatory-reporting queue."""

    @abstractmethod
    def write_post_media(self, results: Sequence[PostMedia], *, now: datetime | None = None) -> None:
        """Store media items and matches of posts already stored, and record their abuse-material matches
        (restricted images, posts queued for reporting). Re-writing a post replaces its earlier media rows."""

    @abstractmethod
    def restricted_images(self, sha256s: Iterable[str]) -> set[str]:
        """Those of the SHA-256s that ever matched an abuse-material bank."""

    @abstractmethod
    def posts_with_sha256(self, sha256: str) -> list[str]:
        """The posts holding an image file of this SHA-256 (sorted)."""

    def is_restricted_image(self, sha256: str) -> bool:
        """True when this file ever matched an abuse-material bank: show its hash only, never the image."""
        return bool(self.restricted_images([sha256]))

    @abstractmethod
    def restricted_posts(self, post_ids: Iterable[str] | None = None) -> set[str]:
        """Posts (of ``post_ids``, or all) whose images must not be shown: queued for mandatory reporting, or holding
        an image that is restricted anywhere (the same file may have been flagged through another post)."""

    def is_restricted_post(self, post_id: str) -> bool:
        return bool(self.restricted_posts([post_id]))

    @abstractmethod
    def report_queue(self, *, status: str | None = "pending") -> list[ReportItem]:
        """The mandatory-reporting queue (of one status, or all when None), oldest first."""

    @abstractmethod
    def mark_reported(self, post_id: str, *, by: str, reference: str, at: datetime | None = None) -> bool:
        """Record that a queued post was reported; False when the post is not in the queue."""

    @abstractmethod
    def post_media(self, post_id: str) -> tuple[list[MediaRow], list[MatchRow]]:
        """The pictures of one post (in stored order) and their bank matches."""

    @abstractmethod
    def post_images(self, *, min_risk: float = 0.0, post_ids: Sequence[str] = ()) -> list[PostImage]:
        """Decoded images of stored posts at or above ``min_risk`` (of ``post_ids`` only, when given), riskiest
        post first, then by post id and image reference."""
