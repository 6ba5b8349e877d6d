"""Reviewer decisions kept as training labels: who said what about which post, and when."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypedDict


class UnknownPosts(ValueError):
    """Some post ids are not in the store."""


class TrainingRow(TypedDict):
    """A labelled post with its latest decision (keys in the order the training export writes them)."""

    id: str
    kind: str
    title: str
    body: str
    label: int
    author: str


class LabelStore(ABC):
    @abstractmethod
    def add(self, post_ids: Sequence[str], label: int, *, author: str, origin: str, note: str, at: datetime) -> int:
        """Record one decision for each post, all or none; raise ``UnknownPosts`` naming ids not in the store.
        Returns how many labels were recorded."""

    @abstractmethod
    def iter_training_rows(self) -> Iterator[TrainingRow]:
        """Each labelled post once (by id), with its latest label (a later decision overrides an earlier one)."""

    @abstractmethod
    def withdraw(self, post_id: str, *, origin: str) -> int:
        """Remove the post's labels of that origin (e.g. "review": the labels its decisions gave, when the decision
        now in force gives none); returns how many were removed. Labels of other origins stay."""
