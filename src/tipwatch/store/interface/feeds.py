"""Feeds as stored: the pulls from partners' TAXII collections (with their counts), the indicators they brought in
(each tied to the watch it became) and the objects they refused."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class PullCounts:
    """``read`` = imported + already + skipped + rejected."""

    read: int = 0
    imported: int = 0
    already: int = 0
    skipped: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class FeedIndicatorRow:
    feed: str
    kind: str
    value: str
    stix_id: str
    watch_id: int
    pull_id: int
    tlp: str | None
    valid_until: datetime | None
    pulled_at: datetime
    modified: datetime | None = None  # the STIX version that set this state (None: not given)
    withdrawn_at: datetime | None = None  # revoked by the partner or expired: its watch is stopped
    withdrawn_why: str | None = None

    @property
    def live(self) -> bool:
        return self.withdrawn_at is None


class FeedStore(ABC):
    @abstractmethod
    def start_pull(
        self, feed: str, source: str, collection: str, added_after: str | None, actor: str, at: datetime
    ) -> int:
        """Record a pull as started; returns its id."""

    @abstractmethod
    def finish_pull(self, pull_id: int, counts: PullCounts, at: datetime) -> None:
        """Record a pull's counts."""

    @abstractmethod
    def indicator(self, feed: str, kind: str, value: str) -> FeedIndicatorRow | None:
        """What this feed brought in for this value (live or withdrawn), or None."""

    @abstractmethod
    def add_indicator(self, row: FeedIndicatorRow) -> None:
        """Keep a pulled indicator (the watch it became is made first). A withdrawn row of the same value is
        replaced: the value is live again, watched by ``row.watch_id``."""

    @abstractmethod
    def refresh(
        self,
        feed: str,
        kind: str,
        value: str,
        *,
        stix_id: str,
        tlp: str | None,
        valid_until: datetime | None,
        modified: datetime | None,
    ) -> None:
        """A live indicator sent again in a newer version: keep that version's id, marking and validity."""

    @abstractmethod
    def withdraw(self, feed: str, stix_id: str, modified: datetime | None, why: str, at: datetime) -> list[int]:
        """Withdraw this feed's live indicators of ``stix_id`` whose version is not newer than ``modified`` (all of
        them when either is unknown); returns their watch ids (the caller stops them)."""

    @abstractmethod
    def withdraw_expired(self, feed: str, at: datetime) -> list[int]:
        """Withdraw this feed's live indicators whose ``valid_until`` is not after ``at``; returns their watch ids."""

    @abstractmethod
    def add_reject(self, pull_id: int, object_id: str, reason: str, raw: str) -> None:
        """Quarantine an object a pull refused."""

    @abstractmethod
    def indicators(self, feed: str | None = None) -> list[FeedIndicatorRow]:
        """Pulled indicators (of one feed, or all), oldest first."""

    @abstractmethod
    def rejects(self, pull_id: int) -> list[dict[str, Any]]:
        """The objects a pull refused: object_id, reason, raw."""

    @abstractmethod
    def pulls(self) -> list[dict[str, Any]]:
        """Every pull with its counts, newest first."""
