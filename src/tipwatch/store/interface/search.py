"""Search over stored posts: full text (title and body) and identifiers (as the identifiers table keys them).

Queries arrive already parsed into plain terms (``SearchTerm``: letters, marks and digits only, never query syntax),
so a backend builds its own query language from data it can quote safely; nothing a user typed reaches an FTS5
MATCH or a tsquery as syntax.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SearchOrder = Literal["newest", "risk"]
ORDERS: tuple[str, ...] = ("newest", "risk")


@dataclass(frozen=True, slots=True)
class SearchTerm:
    """One word to find: letters, combining marks and digits only. ``prefix``: words starting with it."""

    text: str
    prefix: bool = False


@dataclass(slots=True)
class SearchHit:
    post_id: str
    title: str
    risk: float
    platform: str | None
    posted_at: datetime | None
    snippet: str = ""  # text search: a short excerpt of the body around the match
    matched: list[tuple[str, str]] = field(default_factory=list)  # identifier search: the (type, value) found


class SearchStore(ABC):
    @abstractmethod
    def text(
        self, terms: Sequence[SearchTerm], *, order: SearchOrder = "newest", limit: int = 20, offset: int = 0
    ) -> list[SearchHit]:
        """Posts whose title or body holds every term (a prefix term: a word starting with it), ``order``ed,
        the page ``offset``..``offset + limit``."""

    @abstractmethod
    def identifiers(
        self,
        keys: Sequence[tuple[str, str]],
        *,
        order: SearchOrder = "newest",
        limit: int = 20,
        offset: int = 0,
    ) -> list[SearchHit]:
        """Posts holding any of ``keys`` ((type, normalized value)), each with the keys it holds."""

    @abstractmethod
    def reindex(self) -> int:
        """Rebuild the full-text index from the posts table; returns how many posts it holds afterwards."""

    @abstractmethod
    def indexed(self) -> int:
        """How many posts the full-text index holds."""
