"""ExchangeStore on SQLAlchemy: ``exchange_keys``, and the identifier values and image hashes of stored posts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, Select, insert, select, union
from sqlalchemy.exc import IntegrityError

from tipwatch.store.case_tables import case_networks, case_posts
from tipwatch.store.exchange_tables import exchange_keys
from tipwatch.store.interface.audit import utc
from tipwatch.store.interface.exchange import ExchangeStore, SealedKey, ValueRow, ValueScope
from tipwatch.store.link_tables import network_posts
from tipwatch.store.media_tables import media_items
from tipwatch.store.sql.posts import chunked
from tipwatch.store.tables import identifiers, posts, runs


def _key(row: Any) -> SealedKey:
    return SealedKey(row.group_name, row.key_id, bytes(row.sealed), row.origin, row.created_by, utc(row.created_at))


def _scoped(stmt: Select[Any], scope: ValueScope) -> Select[Any]:
    """``stmt`` (which selects from posts) limited to the posts in ``scope``."""
    if scope.case_id is not None:
        of_case = union(
            select(case_posts.c.post_id).where(case_posts.c.case_id == scope.case_id),
            select(network_posts.c.post_id).where(
                network_posts.c.network_id.in_(
                    select(case_networks.c.network_id).where(case_networks.c.case_id == scope.case_id)
                )
            ),
        )
        stmt = stmt.where(posts.c.id.in_(select(of_case.subquery().c.post_id)))
    if scope.network_id is not None:
        stmt = stmt.where(
            posts.c.id.in_(select(network_posts.c.post_id).where(network_posts.c.network_id == scope.network_id))
        )
    if scope.min_risk is not None:
        stmt = stmt.where(posts.c.risk >= scope.min_risk)
    return stmt


class SqlExchange(ExchangeStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add_key(self, key: SealedKey) -> bool:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(exchange_keys).values(
                        group_name=key.group,
                        key_id=key.key_id,
                        sealed=key.sealed,
                        origin=key.origin,
                        created_by=key.created_by,
                        created_at=key.created_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    def keys(self, group: str) -> list[SealedKey]:
        stmt = (
            select(exchange_keys)
            .where(exchange_keys.c.group_name == group)
            .order_by(exchange_keys.c.created_at.desc(), exchange_keys.c.key_id)
        )
        with self._engine.connect() as conn:
            return [_key(r) for r in conn.execute(stmt)]

    def all_keys(self) -> list[SealedKey]:
        stmt = select(exchange_keys).order_by(
            exchange_keys.c.group_name, exchange_keys.c.created_at.desc(), exchange_keys.c.key_id
        )
        with self._engine.connect() as conn:
            return [_key(r) for r in conn.execute(stmt)]

    def values(self, identifier_types: Sequence[str], scope: ValueScope = ValueScope()) -> Iterator[ValueRow]:
        ident = _scoped(
            select(identifiers.c.type, identifiers.c.value, posts.c.id, posts.c.posted_at, runs.c.started_at)
            .select_from(identifiers.join(posts, posts.c.id == identifiers.c.post_id))
            .join(runs, runs.c.id == posts.c.run_id)
            .where(identifiers.c.type.in_(list(identifier_types))),
            scope,
        )
        media = _scoped(
            select(media_items.c.sha256, media_items.c.pdq, posts.c.id, posts.c.posted_at, runs.c.started_at)
            .select_from(media_items.join(posts, posts.c.id == media_items.c.post_id))
            .join(runs, runs.c.id == posts.c.run_id)
            .where(media_items.c.status == "ok"),
            scope,
        )
        with self._engine.connect() as conn:
            for kind, value, pid, posted, stored in conn.execution_options(stream_results=True).execute(ident):
                yield ValueRow(kind, value, pid, utc(posted or stored))
            for sha, pdq, pid, posted, stored in conn.execution_options(stream_results=True).execute(media):
                seen = utc(posted or stored)
                if sha:
                    yield ValueRow("image_sha256", sha, pid, seen)
                if pdq:
                    yield ValueRow("image_pdq", pdq, pid, seen)

    def networks_of(self, post_ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = list(dict.fromkeys(post_ids))
        with self._engine.connect() as conn:
            for part in chunked(ids):
                stmt = select(network_posts.c.post_id, network_posts.c.network_id).where(
                    network_posts.c.post_id.in_(part)
                )
                out.update({pid: nid for pid, nid in conn.execute(stmt)})
        return out
