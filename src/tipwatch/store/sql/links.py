"""LinkStore on SQLAlchemy: networks, memberships, links with evidence, shared entities, and the update token."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Column, Connection, Engine, Table, bindparam, delete, func, insert, or_, select

from tipwatch.store.interface.links import (
    EntityWrite,
    LinkStore,
    LinkUpdate,
    LinkWrite,
    NetworkHolding,
    StoredEntity,
    StoredLink,
    StoredNetwork,
)
from tipwatch.store.link_tables import link_entities, link_meta, links, network_posts, networks
from tipwatch.store.media_tables import media_items
from tipwatch.store.sql.posts import chunked

INSERT_BATCH = 5000
TOKEN_KEY = "state_token"


def signed(key: int) -> int:
    """A 64-bit unsigned entity key as the signed BIGINT the store holds."""
    return key - (1 << 64) if key >= 1 << 63 else key


def unsigned(key: int) -> int:
    return key + (1 << 64) if key < 0 else key


def _insert(conn: Connection, table: Table, rows: Iterable[Mapping[str, Any]]) -> int:
    n = 0
    buf: list[Mapping[str, Any]] = []
    for row in rows:
        buf.append(row)
        if len(buf) >= INSERT_BATCH:
            conn.execute(insert(table), buf)
            n += len(buf)
            buf = []
    if buf:
        conn.execute(insert(table), buf)
        n += len(buf)
    return n


def _insert_plain(conn: Connection, table: Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """``_insert`` for tables of plain columns (strings, numbers, booleans, JSON): the driver's executemany with
    tuples, JSON dumped once per row. SQLAlchemy's per-row parameter processing cost more than the database's work
    (links and entities are the bulk of a link update)."""
    cols = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
    as_json = [isinstance(c.type, JSON) for c in cols]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(conn.dialect.identifier_preparer.quote(c.name) for c in cols)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(cols))})"
    keys = [c.name for c in cols]
    n = 0
    buf: list[tuple[Any, ...]] = []
    for row in rows:
        buf.append(
            tuple(
                orjson.dumps(row[k]).decode() if j and row.get(k) is not None else row.get(k)
                for k, j in zip(keys, as_json, strict=True)
            )
        )
        if len(buf) >= INSERT_BATCH:
            conn.exec_driver_sql(sql, buf)
            n += len(buf)
            buf = []
    if buf:
        conn.exec_driver_sql(sql, buf)
        n += len(buf)
    return n


def _delete_in(conn: Connection, column: Column[Any], values: Sequence[Any]) -> None:
    for part in chunked(values):
        conn.execute(delete(column.table).where(column.in_(part)))


def _signed_entities(rows: Iterable[EntityWrite]) -> Iterator[EntityWrite]:
    # In place: the rows are built for this write only, and a copy per row costs at millions of rows.
    for row in rows:
        row["key"] = signed(row["key"])
        yield row


def _signed_links(rows: Iterable[LinkWrite]) -> Iterator[LinkWrite]:
    for row in rows:
        key = row["entity_key"]
        if key is not None:
            row["entity_key"] = signed(key)
        yield row


class SqlLinks(LinkStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def token(self) -> str | None:
        with self._engine.connect() as conn:
            stmt = select(link_meta.c.value).where(link_meta.c.key == TOKEN_KEY)
            return conn.execute(stmt).scalar_one_or_none()

    def write(self, update: LinkUpdate) -> str:
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            created: dict[str, datetime] = {}
            if update.full:
                created.update({nid: ts for nid, ts in conn.execute(select(networks.c.id, networks.c.created_at))})
                for table in (network_posts, networks, links, link_entities):
                    conn.execute(delete(table))
            else:
                for part in chunked(update.network_ids):
                    stmt = select(networks.c.id, networks.c.created_at).where(networks.c.id.in_(part))
                    created.update({nid: ts for nid, ts in conn.execute(stmt)})
                _delete_in(conn, network_posts.c.post_id, update.post_ids)
                _delete_in(conn, networks.c.id, update.network_ids)
                _delete_in(conn, links.c.post_a, update.post_ids)
                _delete_in(conn, links.c.post_b, update.post_ids)
                _delete_in(conn, link_entities.c.key, [signed(k) for k in update.entity_keys])
            _insert_plain(conn, link_entities, _signed_entities(update.entities))
            _insert_plain(conn, links, _signed_links(update.links))
            _insert(
                conn,
                networks,
                ({**row, "created_at": created.get(row["id"], now), "updated_at": now} for row in update.networks),
            )
            _insert(conn, network_posts, update.members)
            token = uuid.uuid4().hex
            meta = {TOKEN_KEY: token, "fingerprint": update.fingerprint, "updated_at": now.isoformat()}
            _delete_in(conn, link_meta.c.key, list(meta))
            conn.execute(insert(link_meta), [{"key": k, "value": v} for k, v in meta.items()])
        return token

    def membership(self, network_ids: Sequence[str] | None = None) -> dict[str, str]:
        stmt = select(network_posts.c.post_id, network_posts.c.network_id)
        with self._engine.connect() as conn:
            if network_ids is None:
                return {pid: nid for pid, nid in conn.execute(stmt)}
            out: dict[str, str] = {}
            for part in chunked(network_ids):
                out.update({pid: nid for pid, nid in conn.execute(stmt.where(network_posts.c.network_id.in_(part)))})
            return out

    def networks(
        self,
        *,
        ids: Sequence[str] | None = None,
        min_score: float | None = None,
        limit: int | None = None,
        with_profile: bool = False,
    ) -> list[StoredNetwork]:
        cols = [networks.c.id, networks.c.score, networks.c.size, networks.c.reasons]
        if with_profile:
            cols.append(networks.c.profile)
        stmt = select(*cols)
        if min_score is not None:
            stmt = stmt.where(networks.c.score >= min_score)
        if ids is not None:
            stmt = stmt.where(networks.c.id.in_(list(ids)))
        stmt = stmt.order_by(networks.c.score.desc(), networks.c.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            StoredNetwork(r[0], float(r[1]), int(r[2]), list(r[3] or []), dict(r[4] or {}) if with_profile else {})
            for r in rows
        ]

    def count_networks(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(networks)).scalar_one())

    def links_from(self, post_ids: Sequence[str]) -> Iterator[StoredLink]:
        stmt = select(
            links.c.post_a, links.c.post_b, links.c.entity_key, links.c.signal, links.c.weight, links.c.evidence
        )
        for part in chunked(post_ids):
            with self._engine.connect() as conn:
                rows = conn.execute(stmt.where(links.c.post_a.in_(part))).all()
            for a, b, key, signal, weight, evidence in rows:
                yield StoredLink(a, b, None if key is None else unsigned(int(key)), signal, float(weight), evidence)

    def entities(self, keys: Sequence[int]) -> Iterator[StoredEntity]:
        e = link_entities
        stmt = select(e.c.key, e.c.type, e.c.value, e.c.n_posts)
        # In the store's key order, as the rows are indexed.
        for part in chunked(sorted(signed(k) for k in keys)):
            with self._engine.connect() as conn:
                rows = conn.execute(stmt.where(e.c.key.in_(part))).all()
            for key, etype, value, n_posts in rows:
                yield StoredEntity(unsigned(int(key)), etype, value, int(n_posts))

    def links_of(self, post_id: str) -> list[StoredLink]:
        stmt = select(
            links.c.post_a, links.c.post_b, links.c.entity_key, links.c.signal, links.c.weight, links.c.evidence
        ).where(or_(links.c.post_a == post_id, links.c.post_b == post_id))
        with self._engine.connect() as conn:
            rows = conn.execute(stmt.order_by(links.c.id)).all()
        return [
            StoredLink(a, b, None if key is None else unsigned(int(key)), signal, float(weight), evidence)
            for a, b, key, signal, weight, evidence in rows
        ]

    def posts_sharing(self, keys: Sequence[int], *, limit: int = 50) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        with self._engine.connect() as conn:
            # One bounded query per key (a page shows a handful of keys): each walks ix_links_entity_key.
            for key in keys:
                stmt = (
                    select(links.c.post_a)
                    .where(links.c.entity_key == signed(key), links.c.post_b.is_(None))
                    .order_by(links.c.post_a)
                    .limit(limit)
                )
                out.extend((key, pid) for (pid,) in conn.execute(stmt))
        return out

    def networks_of(self, post_ids: Sequence[str]) -> dict[str, str]:
        stmt = select(network_posts.c.post_id, network_posts.c.network_id)
        out: dict[str, str] = {}
        with self._engine.connect() as conn:
            for part in chunked(post_ids):
                out.update({pid: nid for pid, nid in conn.execute(stmt.where(network_posts.c.post_id.in_(part)))})
        return out

    def networks_holding(
        self, identifiers: Sequence[tuple[str, str]], sha256s: Sequence[str] = (), *, limit: int = 20
    ) -> list[NetworkHolding]:
        found: dict[str, NetworkHolding] = {}
        pairs = set(identifiers)
        hashes = list(dict.fromkeys(sha256s))
        with self._engine.connect() as conn:
            if pairs:
                # Types x values reach the rows through ix_identifiers_type_value_post; the pairs are then kept exactly.
                # Plain driver SQL: a scan calls this per request, and building and compiling an expression costs
                # more than the look-up itself.
                mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
                types = sorted({t for t, _ in pairs})
                values = sorted({v for _, v in pairs})
                for part in chunked(values, 500):
                    sql = _BY_IDENTIFIER_SQL.format(
                        types=", ".join([mark] * len(types)), values=", ".join([mark] * len(part))
                    )
                    for row in conn.exec_driver_sql(sql, (*types, *part)):
                        nid, typ, value = str(row[0]), str(row[1]), str(row[2])
                        if (typ, value) in pairs:
                            found.setdefault(nid, NetworkHolding(nid, 0.0, 0)).via.append(f"{typ} {value}")
            for hpart in chunked(hashes):
                for hit in conn.execute(_BY_SHA256, {"hashes": list(hpart)}):
                    nid = str(hit[0])
                    found.setdefault(nid, NetworkHolding(nid, 0.0, 0)).via.append(f"image {hit[1]}")
            if not found:
                return []
            rows = conn.execute(
                select(networks.c.id, networks.c.score, networks.c.size).where(networks.c.id.in_(list(found)))
            ).all()
        for nid, score, size in rows:
            found[nid].score, found[nid].size = float(score), int(size)
            found[nid].via.sort()
        ranked = sorted(found.values(), key=lambda n: (-n.score, n.id))
        return ranked[:limit]


_BY_IDENTIFIER_SQL = (
    "SELECT DISTINCT np.network_id, i.type, i.value FROM identifiers AS i "
    "JOIN network_posts AS np ON np.post_id = i.post_id WHERE i.type IN ({types}) AND i.value IN ({values})"
)
_BY_SHA256 = (
    select(network_posts.c.network_id, media_items.c.sha256)
    .join(network_posts, network_posts.c.post_id == media_items.c.post_id)
    .where(media_items.c.sha256.in_(bindparam("hashes", expanding=True)))
    .distinct()
)
