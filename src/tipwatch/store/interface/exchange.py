"""Partner exchange as stored: sealed group keys, and the values selectors are made from (identifier values and
image hashes of stored posts, with when each post was seen). The store never sees a selector or a plain key: the
service seals keys and computes selectors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class SealedKey:
    group: str
    key_id: str
    sealed: bytes
    origin: str  # created | imported
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ValueScope:
    """Which posts' values: those of a case (its posts and the posts of its networks), of a network, or of posts at
    or above a risk; all posts when nothing is set."""

    case_id: int | None = None
    network_id: str | None = None
    min_risk: float | None = None


class ValueRow(NamedTuple):
    """One value held by one post. ``type``: an identifier type (phone, email, handle, wallet) or ``image_sha256`` /
    ``image_pdq`` for a stored image's hash. ``seen``: the post's date, else when it was stored."""

    type: str
    value: str
    post_id: str
    seen: datetime | None


class ExchangeStore(ABC):
    @abstractmethod
    def add_key(self, key: SealedKey) -> bool:
        """Keep a sealed key; False (nothing written) when the group already has a key with this id."""

    @abstractmethod
    def keys(self, group: str) -> list[SealedKey]:
        """The group's keys, newest first (the first is the one exports use)."""

    @abstractmethod
    def all_keys(self) -> list[SealedKey]:
        """Every group's keys, by group name and newest first within a group."""

    @abstractmethod
    def values(self, identifier_types: Sequence[str], scope: ValueScope = ValueScope()) -> Iterator[ValueRow]:
        """Identifier values of those types and hashes of readable images (streamed) of the posts in ``scope``."""

    @abstractmethod
    def networks_of(self, post_ids: Sequence[str]) -> dict[str, str]:
        """The network of each of these posts that is in one."""
