"""Read-side queries over stored posts: their fields, identifiers, indicator hits and image hashes, by post id.

Several stages read the same things (the linker, network profiles, exports, the report's networks section, trends,
watch backfills); each query is written once here. Methods that take post ids accept any number of them (the
implementation splits long lists) and stream their rows in the order of the ids' chunks, so a caller that wants to
bound memory passes one chunk at a time (see ``CHUNK``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

CHUNK = 900  # ids per IN (...) query: under SQLite's bound-parameter limit


@dataclass(slots=True)
class PostRecord:
    """A stored post's fields. ``body`` and ``images`` are filled only when asked for (they are the big columns)."""

    id: str
    title: str
    platform: str | None
    kind: str
    posted_at: datetime | None
    location: str | None
    language: str | None
    risk: float
    url: str | None
    body: str = ""
    images: list[str] = field(default_factory=list)


class IdentifierRow(NamedTuple):
    post_id: str
    type: str
    value: str
    start: int
    end: int


class HitRow(NamedTuple):
    post_id: str
    category: str
    domain: str


class ImageHashRow(NamedTuple):
    """A picture the media stage stored for a post (``sha256`` is None when it was not hashed)."""

    post_id: str
    sha256: str | None
    pdq: str | None
    pdq_mirror: str | None
    quality: int | None


class PostStore(ABC):
    @abstractmethod
    def stored(self, ids: Collection[str]) -> set[str]:
        """Those of ``ids`` the store holds (any number of ids: looked up by primary key in chunks)."""

    @abstractmethod
    def all_ids(self) -> list[str]:
        """Every stored post id."""

    @abstractmethod
    def dated_ids(self) -> list[str]:
        """The ids of posts with a posting time."""

    @abstractmethod
    def posts(self, ids: Sequence[str], *, text: bool = False, images: bool = False) -> Iterator[PostRecord]:
        """Posts ``ids`` (unknown ids are skipped); with ``text`` their body, with ``images`` their image refs."""

    @abstractmethod
    def identifiers(self, ids: Sequence[str]) -> Iterator[IdentifierRow]:
        """Every identifier of posts ``ids``. Filter types in the caller: see the implementation for why."""

    @abstractmethod
    def indicator_hits(self, ids: Sequence[str]) -> Iterator[HitRow]:
        """Every indicator hit of posts ``ids``."""

    @abstractmethod
    def hit_counts(self, ids: Sequence[str]) -> dict[str, int]:
        """post id -> number of indicator hits, for posts ``ids`` with at least one."""

    @abstractmethod
    def image_hashes(self, ids: Sequence[str]) -> Iterator[ImageHashRow]:
        """The pictures the media stage stored for posts ``ids``."""

    @abstractmethod
    def ids_with_identifier(self, type: str, value: str) -> list[str]:
        """Sorted ids of the posts holding identifier ``type`` ``value``."""
