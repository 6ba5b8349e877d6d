"""LinkStore on SQLAlchemy: networks, memberships, links with evidence, shared entities, and the update token."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Engine,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
)

from tipwatch.store.interface.links import (
    EntityWrite,
    LinkSlice,
    LinkStore,
    LinkUpdate,
    LinkWrite,
    MemberOrder,
    NetworkHolding,
    StoredEntity,
    StoredLink,
    StoredNetwork,
)
from tipwatch.store.interface.posts import PostRecord
from tipwatch.store.link_tables import link_entities, link_meta, links, network_posts, networks
from tipwatch.store.media_tables import media_items
from tipwatch.store.sql.posts import POST_META, chunked
from tipwatch.store.tables import posts

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

    def member_ids(
        self, network_id: str, *, order: MemberOrder = "id", offset: int = 0, limit: int | None = None
    ) -> list[str]:
        if order != "id":
            return [p.id for p in self.member_posts(network_id, order=order, offset=offset, limit=limit)]
        np = network_posts
        stmt = select(np.c.post_id).where(np.c.network_id == network_id).order_by(np.c.post_id)
        with self._engine.connect() as conn:
            return [str(pid) for (pid,) in conn.execute(stmt.offset(offset).limit(limit))]

    def member_posts(
        self, network_id: str, *, order: MemberOrder = "risk", offset: int = 0, limit: int | None = None
    ) -> list[PostRecord]:
        np = network_posts
        stmt = select(*POST_META).select_from(np).join(posts, posts.c.id == np.c.post_id)
        stmt = stmt.where(np.c.network_id == network_id)
        if order == "risk":
            stmt = stmt.order_by(posts.c.risk.desc(), np.c.post_id)
        elif order == "posted":
            stmt = stmt.order_by(posts.c.posted_at.is_(None), posts.c.posted_at, np.c.post_id)
        else:
            stmt = stmt.order_by(np.c.post_id)
        with self._engine.connect() as conn:
            return [PostRecord(*row) for row in conn.execute(stmt.offset(offset).limit(limit))]

    def member_urls(self, network_id: str) -> dict[str | None, int]:
        np = network_posts
        stmt = (
            select(posts.c.url, func.count())
            .select_from(np)
            .join(posts, posts.c.id == np.c.post_id)
            .where(np.c.network_id == network_id)
            .group_by(posts.c.url)
        )
        with self._engine.connect() as conn:
            return {url: int(n) for url, n in conn.execute(stmt)}

    def count_members(self, network_id: str) -> int:
        stmt = select(func.count()).select_from(network_posts).where(network_posts.c.network_id == network_id)
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def network_links(self, network_id: str, *, offset: int = 0, limit: int | None = None) -> LinkSlice:
        # The total comes with the page (a window over the same rows): a second statement to count them cost as
        # much as the page itself on the largest networks.
        stmt = _network_links(network_id, *_LINK_COLUMNS, func.count().over()).order_by(*_STRONGEST_FIRST)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt.offset(offset).limit(limit)).all()
            if rows:
                total = int(rows[0][-1])
            elif offset:
                total = int(conn.execute(_network_links(network_id, func.count())).scalar_one())
            else:
                total = 0
        return LinkSlice(_stored_links([row[:-1] for row in rows]), total)

    def links_among(self, post_ids: Sequence[str], *, limit: int) -> list[StoredLink]:
        if not post_ids:
            return []
        ids = list(post_ids)
        stmt = (
            select(*_LINK_COLUMNS)
            .where(
                links.c.post_a.in_(ids),
                or_(
                    links.c.post_b.in_(ids),
                    and_(links.c.post_b.is_(None), _ENTITY_KNOWN),
                ),
            )
            .order_by(*_STRONGEST_FIRST)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return _stored_links(conn.execute(stmt).all())

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


_LINK_COLUMNS = (links.c.post_a, links.c.post_b, links.c.entity_key, links.c.signal, links.c.weight, links.c.evidence)
# The evidence's bits (what the API and the pages show), else the weight: computed in the database so that a page of
# the strongest links is cut there, not after reading thousands of rows.
_STRONGEST_FIRST = (func.coalesce(links.c.evidence["bits"].as_float(), links.c.weight).desc(), links.c.id)


# An entity link counts when its entity has a row: one primary-key probe per link (``IN (SELECT key ...)`` hashed
# every entity of the store first, 20 ms a view however small the network).
_ENTITY_KNOWN = select(link_entities.c.key).where(link_entities.c.key == links.c.entity_key).exists()


def _network_links(network_id: str, *columns: Any) -> Select[Any]:
    """``columns`` over the links inside ``network_id``: from a member to another member of the same network or to
    a shared entity that has a row. The members are read once through ix_network_posts_network_id (materialized:
    left to itself, PostgreSQL's planner hashed the whole of network_posts and link_entities), their links through
    ix_links_post_a."""
    members = (
        select(network_posts.c.post_id)
        .where(network_posts.c.network_id == network_id)
        .cte("members")
        .prefix_with("MATERIALIZED")
    )
    return (
        select(*columns)
        .select_from(members)
        .join(links, links.c.post_a == members.c.post_id)
        .where(
            or_(
                links.c.post_b.in_(select(members.c.post_id)),
                and_(links.c.post_b.is_(None), _ENTITY_KNOWN),
            )
        )
    )


def _stored_links(rows: Sequence[Any]) -> list[StoredLink]:
    return [
        StoredLink(a, b, None if key is None else unsigned(int(key)), signal, float(weight), evidence)
        for a, b, key, signal, weight, evidence in rows
    ]


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
