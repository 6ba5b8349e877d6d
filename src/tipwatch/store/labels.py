"""Reviewer decisions kept as training labels: who said what about which post, and when."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from tipwatch.store.tables import labels, posts


class UnknownPosts(ValueError):
    """Some post ids are not in the store."""


def add_labels(engine: Engine, post_ids: Sequence[str], label: int, *, author: str, origin: str, note: str = "") -> int:
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        known = {r[0] for r in conn.execute(select(posts.c.id).where(posts.c.id.in_(list(post_ids))))}
        missing = [p for p in post_ids if p not in known]
        if missing:
            raise UnknownPosts(f"not in the store: {', '.join(missing[:10])}")
        conn.execute(
            insert(labels),
            [
                {"post_id": p, "label": label, "origin": origin, "author": author, "note": note, "created_at": now}
                for p in post_ids
            ],
        )
    return len(post_ids)


def iter_training_rows(engine: Engine) -> Iterator[dict[str, Any]]:
    """Each labelled post once, with its latest label (a later decision overrides an earlier one)."""
    latest = select(labels.c.post_id, func.max(labels.c.id).label("last_id")).group_by(labels.c.post_id).subquery()
    query = (
        select(posts.c.id, posts.c.kind, posts.c.title, posts.c.body, labels.c.label, labels.c.author)
        .join(latest, latest.c.post_id == posts.c.id)
        .join(labels, labels.c.id == latest.c.last_id)
        .order_by(posts.c.id)
    )
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(query).mappings():
            yield dict(row)
