"""Cases as stored: a named set of posts and networks with status, assignee, priority, notes (append-only) and events
(every change: who, when, old and new value). Validation of values is the service's; the store checks that the case
exists (``NoSuchCase``) and writes each change with its events in one transaction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime


class NoSuchCase(LookupError):
    """No case with this id."""


@dataclass(slots=True)
class Case:
    id: int
    title: str
    status: str
    assignee: str | None
    priority: str
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class CaseMember:
    """A post or network in a case (``id`` is the post id or the network id)."""

    id: str
    added_by: str
    added_at: datetime


@dataclass(slots=True)
class CaseNote:
    id: int
    case_id: int
    author: str
    text: str
    created_at: datetime


@dataclass(slots=True)
class CaseEvent:
    id: int
    case_id: int
    actor: str
    kind: str
    old: str | None
    new: str | None
    created_at: datetime


class CaseStore(ABC):
    @abstractmethod
    def create(
        self, title: str, *, created_by: str, status: str, assignee: str | None, priority: str, at: datetime
    ) -> Case:
        """A new case, with its "created" event."""

    @abstractmethod
    def get(self, case_id: int) -> Case | None: ...

    @abstractmethod
    def page(self, *, status: str | None, assignee: str | None, offset: int, limit: int) -> tuple[list[Case], int]:
        """One page of cases (most recently updated first, ties by id descending) and how many match in all."""

    @abstractmethod
    def update(self, case_id: int, changes: Mapping[str, str | None], *, actor: str, at: datetime) -> Case:
        """Set the fields in ``changes`` (title, status, assignee, priority); one event per field whose value
        changes. Raises ``NoSuchCase``."""

    @abstractmethod
    def add_posts(self, case_id: int, post_ids: Sequence[str], *, actor: str, at: datetime) -> list[str]:
        """Add posts (known to exist) not yet in the case; returns those added, one event each. Raises NoSuchCase."""

    @abstractmethod
    def remove_posts(self, case_id: int, post_ids: Sequence[str], *, actor: str, at: datetime) -> list[str]:
        """Remove posts in the case; returns those removed, one event each. Raises NoSuchCase."""

    @abstractmethod
    def add_networks(self, case_id: int, network_ids: Sequence[str], *, actor: str, at: datetime) -> list[str]: ...

    @abstractmethod
    def remove_networks(self, case_id: int, network_ids: Sequence[str], *, actor: str, at: datetime) -> list[str]: ...

    @abstractmethod
    def add_note(self, case_id: int, *, author: str, text: str, at: datetime) -> CaseNote:
        """Append a note (notes are never changed or removed), with a "note" event. Raises NoSuchCase."""

    @abstractmethod
    def posts(self, case_id: int) -> list[CaseMember]:
        """The case's posts, in the order they were added."""

    @abstractmethod
    def networks(self, case_id: int) -> list[CaseMember]: ...

    @abstractmethod
    def notes(self, case_id: int) -> list[CaseNote]:
        """Oldest first."""

    @abstractmethod
    def events(self, case_id: int) -> list[CaseEvent]:
        """Oldest first."""

    @abstractmethod
    def cases_with_post(self, post_id: str) -> list[int]:
        """The ids of the cases holding the post."""
