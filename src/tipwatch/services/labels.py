"""Reviewer labels: record decisions on posts, and export the labelled posts as training data."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import orjson

from tipwatch.store.facade import Store
from tipwatch.store.interface.labels import TrainingRow, UnknownPosts

__all__ = ["UnknownPosts", "add_labels", "export_training_rows", "iter_training_rows"]


def add_labels(
    store: Store, post_ids: Sequence[str], label: int, *, author: str, origin: str = "reviewer", note: str = ""
) -> int:
    """Record ``label`` (1: trafficking-indicative, 0: not) by ``author`` for every post, all or none.

    Raises ``ValueError`` for another label value and ``UnknownPosts`` (a ValueError) naming ids not in the store.
    Returns how many labels were recorded.
    """
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    return store.labels.add(post_ids, label, author=author, origin=origin, note=note, at=datetime.now(UTC))


def iter_training_rows(store: Store) -> Iterator[TrainingRow]:
    """Each labelled post once, with its latest label (a later decision overrides an earlier one)."""
    return store.labels.iter_training_rows()


def export_training_rows(store: Store, out: Path) -> int:
    """Write every labelled post (latest decision) to ``out`` as JSON lines (id, kind, title, body, label, author);
    returns how many were written."""
    n = 0
    with out.open("wb") as fh:
        for row in store.labels.iter_training_rows():
            fh.write(orjson.dumps(row) + b"\n")
            n += 1
    return n
