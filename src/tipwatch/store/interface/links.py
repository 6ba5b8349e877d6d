"""Links and networks as stored, and the link state the incremental linker keeps between updates.

Entity keys are the linker's unsigned 64-bit keys here; how a backend holds them (a signed BIGINT) is its own affair.
An update is written as one ``LinkUpdate`` in one transaction, so a reader sees the networks before or after an
update, never half of one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple, TypedDict

import numpy.typing as npt

from tipwatch.store.interface.posts import PostRecord

# How a network's members are ordered when read a page at a time: by post id, by risk (highest first), or by time
# posted (undated last); ties by post id, so pages never overlap.
MemberOrder = Literal["id", "risk", "posted"]

# --- rows an update writes (plain dicts: a full build writes millions of them) ----------------------------------


class EntityWrite(TypedDict):
    key: int
    type: str
    value: str
    n_posts: int
    n_platforms: int
    n_kinds: int
    weight: float
    strong: bool
    hub: bool
    hub_reason: str


class LinkWrite(TypedDict):
    post_a: str
    post_b: str | None
    entity_key: int | None
    signal: str
    weight: float
    strong: bool
    evidence: dict[str, Any]


class NetworkWrite(TypedDict):
    id: str
    size: int
    score: float
    reasons: list[str]
    profile: dict[str, Any]
    first_posted_at: datetime | None
    last_posted_at: datetime | None


class MemberWrite(TypedDict):
    post_id: str
    network_id: str


@dataclass(slots=True)
class LinkUpdate:
    """What one update changed. On ``full`` every link table is replaced; otherwise the rows of ``post_ids``
    (links and memberships), ``network_ids`` (changed and removed networks) and ``entity_keys`` are replaced."""

    full: bool
    fingerprint: str
    post_ids: Sequence[str]
    network_ids: Sequence[str]
    entity_keys: Sequence[int]
    entities: Iterable[EntityWrite]
    links: Iterable[LinkWrite]
    networks: Sequence[NetworkWrite]
    members: Iterable[MemberWrite]


# --- rows read back -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class StoredNetwork:
    id: str
    score: float
    size: int
    reasons: list[str]
    profile: dict[str, Any] = field(default_factory=dict)  # filled when asked for


class StoredLink(NamedTuple):
    post_a: str
    post_b: str | None
    entity_key: int | None
    signal: str
    weight: float
    evidence: dict[str, Any]


class StoredEntity(NamedTuple):
    key: int
    type: str
    value: str
    n_posts: int


class LinkSlice(NamedTuple):
    links: list[StoredLink]
    total: int  # links in all, not only in this slice


@dataclass(slots=True)
class NetworkHolding:
    """A stored network holding some of the given values: which ones (``"phone +91..."``, ``"image <sha256>"``)."""

    id: str
    score: float
    size: int
    via: list[str] = field(default_factory=list)


class LinkStore(ABC):
    @abstractmethod
    def token(self) -> str | None:
        """The token of the last update written (None before the first): ties a link state to this database."""

    @abstractmethod
    def write(self, update: LinkUpdate) -> str:
        """Store an update's changes in one transaction; returns the new token."""

    @abstractmethod
    def membership(self, network_ids: Sequence[str] | None = None) -> dict[str, str]:
        """post id -> network id, for every networked post or for the members of ``network_ids``."""

    @abstractmethod
    def networks(
        self,
        *,
        ids: Sequence[str] | None = None,
        min_score: float | None = None,
        limit: int | None = None,
        with_profile: bool = False,
    ) -> list[StoredNetwork]:
        """Networks (all, or ``ids``; scoring at least ``min_score``), highest score first (ties by id)."""

    @abstractmethod
    def count_networks(self) -> int: ...

    @abstractmethod
    def links_from(self, post_ids: Sequence[str]) -> Iterator[StoredLink]:
        """The stored links whose ``post_a`` is one of ``post_ids``."""

    @abstractmethod
    def entities(self, keys: Sequence[int]) -> Iterator[StoredEntity]:
        """The shared entities with keys ``keys`` (keys without a row are skipped)."""

    @abstractmethod
    def member_ids(
        self, network_id: str, *, order: MemberOrder = "id", offset: int = 0, limit: int | None = None
    ) -> list[str]:
        """A page of the member post ids of ``network_id`` in ``order`` (limited in the database: a network can hold
        thousands of posts)."""

    @abstractmethod
    def member_posts(
        self, network_id: str, *, order: MemberOrder = "risk", offset: int = 0, limit: int | None = None
    ) -> list[PostRecord]:
        """A page of the member posts of ``network_id`` in ``order``, without their text: what a graph or a member
        list shows, in one statement."""

    @abstractmethod
    def member_urls(self, network_id: str) -> dict[str | None, int]:
        """How many member posts of ``network_id`` have each URL (None: no URL), counted by the database: the
        network page groups them by hosting platform without reading each post."""

    @abstractmethod
    def count_members(self, network_id: str) -> int:
        """How many posts ``network_id`` holds."""

    @abstractmethod
    def network_links(self, network_id: str, *, offset: int = 0, limit: int | None = None) -> LinkSlice:
        """A page of the links inside ``network_id``: from a member to another member or to a shared entity (one
        with a ``link_entities`` row), strongest first (evidence bits, else weight; ties by link id); with how many
        there are in all."""

    @abstractmethod
    def links_among(self, post_ids: Sequence[str], *, limit: int) -> list[StoredLink]:
        """At most ``limit`` links from one of ``post_ids`` to another of them or to a shared entity, strongest first
        (as ``network_links``): the edges of a graph drawn over a chosen set of posts."""

    @abstractmethod
    def links_of(self, post_id: str) -> list[StoredLink]:
        """Every stored link that names ``post_id`` on either side (pair links are stored once, lower id first)."""

    @abstractmethod
    def posts_sharing(self, keys: Sequence[int], *, limit: int = 50) -> list[tuple[int, str]]:
        """(entity key, post id) of posts linked to the entities ``keys``, at most ``limit`` posts per key, by post
        id: the other posts a shared phone or template ties a post to."""

    @abstractmethod
    def networks_of(self, post_ids: Sequence[str]) -> dict[str, str]:
        """post id -> network id, for those of ``post_ids`` that are in a network."""

    @abstractmethod
    def networks_holding(
        self, identifiers: Sequence[tuple[str, str]], sha256s: Sequence[str] = (), *, limit: int = 20
    ) -> list[NetworkHolding]:
        """The networks with a member post holding one of ``identifiers`` ((type, normalized value), as the
        identifiers table keys them) or an image of SHA-256 ``sha256s``; highest score first, at most ``limit``."""


# --- the link state -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class StateSnapshot:
    """A link state in storable parts: small JSON-able facts, serialized blobs, and named numpy arrays. The link
    stage converts its state to and from this (tipwatch.link.state); a state store only keeps it."""

    meta: dict[str, Any]
    blobs: dict[str, bytes]
    arrays: dict[str, npt.NDArray[Any]]


class LinkStateStore(ABC):
    """Where the link state lives between updates. It is a cache derived from the store: losing it costs one full
    rebuild, never data."""

    @abstractmethod
    def load(self) -> StateSnapshot | None:
        """The saved snapshot, or None when there is none or it is unreadable."""

    @abstractmethod
    def save(self, snapshot: StateSnapshot) -> None:
        """Replace the saved snapshot atomically (a reader sees the old or the new one, never half)."""

    @abstractmethod
    def lock(self) -> AbstractContextManager[None]:
        """Held for a whole update: one update at a time per state (a second one waits)."""
