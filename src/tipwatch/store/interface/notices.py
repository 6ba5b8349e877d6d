"""Takedown notices as stored: the notice (its text as approved, state and the time of each step), its URLs (each
with the last removal check) and its events. The service decides which transitions are allowed; the store makes
each one atomic (``transition`` changes the state only if it is still one of the expected states)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class NoSuchNotice(LookupError):
    """No notice with this id."""


class StateChanged(RuntimeError):
    """The notice is no longer in the state the change expected (another person or job moved it first)."""


@dataclass(slots=True)
class NoticeUrl:
    position: int
    post_id: str
    url: str
    checked_at: datetime | None = None
    check_result: str | None = None
    removed_at: datetime | None = None


@dataclass(slots=True)
class NoticeDraft:
    platform: str
    platform_name: str
    channel: str
    recipient: str
    trusted_flagger: bool
    csam: bool
    notifier_name: str | None
    notifier_email: str | None
    subject: str
    body: str
    origin: str
    drafted_by: str
    urls: list[tuple[str, str]]  # (post id, url)


@dataclass(slots=True)
class Notice:
    id: int
    platform: str
    platform_name: str
    channel: str
    recipient: str
    trusted_flagger: bool
    csam: bool
    notifier_name: str | None
    notifier_email: str | None
    subject: str
    body: str
    origin: str
    state: str
    drafted_by: str
    approved_by: str | None
    sent_by: str | None
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    overdue_at: datetime | None
    receipt: dict[str, Any] | None
    urls: list[NoticeUrl] = field(default_factory=list)


@dataclass(slots=True)
class NoticeEvent:
    id: int
    notice_id: int
    actor: str
    old: str | None
    new: str
    why: str
    created_at: datetime


class NoticeStore(ABC):
    @abstractmethod
    def create(self, draft: NoticeDraft, *, at: datetime) -> Notice:
        """A new notice in state ``draft``, with its URLs and a "draft" event."""

    @abstractmethod
    def get(self, notice_id: int) -> Notice | None:
        """The notice with its URLs."""

    @abstractmethod
    def find(
        self,
        *,
        states: Sequence[str] | None = None,
        platform: str | None = None,
        post_ids: Sequence[str] | None = None,
        limit: int = 500,
    ) -> list[Notice]:
        """Notices with their URLs, newest first (by id); with ``post_ids``, only those naming one of these posts."""

    @abstractmethod
    def transition(
        self,
        notice_id: int,
        *,
        expected: Sequence[str],
        new: str,
        actor: str,
        why: str,
        at: datetime,
        fields: Mapping[str, Any] | None = None,
    ) -> Notice:
        """Move the notice to ``new`` (and set ``fields``: approved_by, sent_at, receipt...) only if its state is one
        of ``expected``; one event. Raises NoSuchNotice or StateChanged."""

    @abstractmethod
    def claim_send(self, notice_id: int, *, at: datetime, stale_before: datetime) -> bool:
        """Claim an approved notice for sending: True for exactly one of several senders (a claim older than
        ``stale_before``, left by a sender that died, can be taken over). Sending it clears the claim."""

    @abstractmethod
    def release_send(self, notice_id: int) -> None:
        """Give up a claim (the send failed: the notice stays approved)."""

    @abstractmethod
    def record_check(self, notice_id: int, position: int, *, result: str, at: datetime, removed: bool) -> None:
        """Keep the last check of one URL (and its removal time, the first time it is seen gone)."""

    @abstractmethod
    def events(self, notice_id: int) -> list[NoticeEvent]:
        """Oldest first."""

    @abstractmethod
    def sent_between(self, start: datetime, end: datetime) -> list[Notice]:
        """Notices sent in [start, end), with their URLs (for the transparency report)."""
