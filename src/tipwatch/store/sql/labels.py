"""LabelStore on SQLAlchemy: the labels table."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Engine, delete, func, insert, select

from tipwatch.store.interface.labels import LabelStore, TrainingRow, UnknownPosts
from tipwatch.store.tables import labels, posts


class SqlLabels(LabelStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, post_ids: Sequence[str], label: int, *, author: str, origin: str, note: str, at: datetime) -> int:
        with self._engine.begin() as conn:
            known = {r[0] for r in conn.execute(select(posts.c.id).where(posts.c.id.in_(list(post_ids))))}
            missing = [p for p in post_ids if p not in known]
            if missing:
                raise UnknownPosts(f"not in the store: {', '.join(missing[:10])}")
            conn.execute(
                insert(labels),
                [
                    {"post_id": p, "label": label, "origin": origin, "author": author, "note": note, "created_at": at}
                    for p in post_ids
                ],
            )
        return len(post_ids)

    def withdraw(self, post_id: str, *, origin: str) -> int:
        stmt = delete(labels).where(labels.c.post_id == post_id, labels.c.origin == origin)
        with self._engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)

    def iter_training_rows(self) -> Iterator[TrainingRow]:
        latest = select(labels.c.post_id, func.max(labels.c.id).label("last_id")).group_by(labels.c.post_id).subquery()
        query = (
            select(posts.c.id, posts.c.kind, posts.c.title, posts.c.body, labels.c.label, labels.c.author)
            .join(latest, latest.c.post_id == posts.c.id)
            .join(labels, labels.c.id == latest.c.last_id)
            .order_by(posts.c.id)
        )
        with self._engine.connect() as conn:
            for pid, kind, title, body, label, author in conn.execution_options(yield_per=1000).execute(query):
                # Plain str keys: a row mapping's keys are str subclasses, which orjson refuses as dict keys.
                yield {"id": pid, "kind": kind, "title": title, "body": body, "label": label, "author": author}
