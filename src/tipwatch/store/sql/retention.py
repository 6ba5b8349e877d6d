"""RetentionStore on SQLAlchemy. Ages: a post's age is when it was stored (its run's start), a face's when it was
enrolled, a log row's its own time. An enrolled person is on hold when flagged, or while the case its reference
names is open (``held_faces``; the face registry's own expiry purge honours it too). Deletes are explicit per table
(the counts go into the report) inside one transaction; the foreign keys' ON DELETE CASCADE takes anything else that
hangs off a post."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    String,
    Table,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    union,
    update,
)

from tipwatch.store.account_tables import login_attempts, web_sessions
from tipwatch.store.case_tables import case_networks, case_posts, cases
from tipwatch.store.feed_tables import feed_pulls, feed_rejects
from tipwatch.store.interface.retention import AREAS, AreaCount, RetentionStore
from tipwatch.store.link_tables import alerts, links, network_posts
from tipwatch.store.media_tables import face_embeddings, face_persons, mandatory_reports, media_items, media_matches
from tipwatch.store.review_tables import review_decisions, review_leases
from tipwatch.store.sql.posts import chunked
from tipwatch.store.sql.search import has_text_index
from tipwatch.store.tables import identifiers, indicator_hits, labels, posts, quarantine, runs

# Tables keyed by post_id, deleted before the posts themselves (links also by post_b below).
_POST_CHILDREN: tuple[Table, ...] = (
    identifiers,
    indicator_hits,
    media_matches,
    media_items,
    network_posts,
    alerts,
    labels,
    review_leases,
    review_decisions,
    case_posts,
    mandatory_reports,
)


def _held() -> Select[Any]:
    """Post ids on legal hold: in a case that is not closed (directly or through its networks), or with a pending
    mandatory report."""
    live = select(cases.c.id).where(cases.c.status != "closed")
    return select(
        union(
            select(case_posts.c.post_id).where(case_posts.c.case_id.in_(live)),
            select(network_posts.c.post_id).where(
                network_posts.c.network_id.in_(
                    select(case_networks.c.network_id).where(case_networks.c.case_id.in_(live))
                )
            ),
            select(mandatory_reports.c.post_id).where(mandatory_reports.c.status == "pending"),
        )
        .subquery()
        .c.post_id
    )


def held_faces() -> Select[Any]:
    """Enrolled persons on legal hold: flagged by hand, or whose case reference names a tipwatch case that is not
    closed (``case:12``, ``12`` or the case's exact title)."""
    live_case = (
        select(cases.c.id)
        .where(
            cases.c.status != "closed",
            or_(
                face_persons.c.case_ref == cast(cases.c.id, String),
                face_persons.c.case_ref == literal("case:") + cast(cases.c.id, String),
                face_persons.c.case_ref == cases.c.title,
            ),
        )
        .exists()
    )
    return select(face_persons.c.id).where(or_(face_persons.c.legal_hold.is_(True), live_case))


def _old_faces(cutoff: datetime) -> Select[Any]:
    return select(face_persons.c.id).where(face_persons.c.created_at < cutoff)


def _old_posts(cutoff: datetime) -> Select[Any]:
    return select(posts.c.id).join(runs, runs.c.id == posts.c.run_id).where(runs.c.started_at < cutoff)


def _due_posts(cutoff: datetime) -> Select[Any]:
    return _old_posts(cutoff).where(posts.c.id.not_in(_held()))


def _held_posts(cutoff: datetime) -> Select[Any]:
    return _old_posts(cutoff).where(posts.c.id.in_(_held()))


def _old_rejects(cutoff: datetime) -> Select[Any]:
    """Objects partners' feeds sent that a pull refused (kept as received): as old as their pull."""
    pulls = select(feed_pulls.c.id).where(feed_pulls.c.started_at < cutoff)
    return select(feed_rejects.c.id).where(feed_rejects.c.pull_id.in_(pulls))


def _count(conn: Connection, stmt: Select[Any]) -> int:
    return int(conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())


def _rows_of(table: Table, ids: Select[Any]) -> Select[Any]:
    return select(table.c.post_id).where(table.c.post_id.in_(ids))


class SqlRetention(RetentionStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _check(self, area: str) -> None:
        if area not in AREAS:
            raise ValueError(f"unknown retention area {area!r}: one of {', '.join(AREAS)}")

    def count(self, area: str, cutoff: datetime) -> AreaCount:
        self._check(area)
        with self._engine.connect() as conn:
            return self._count_area(conn, area, cutoff)

    def _count_area(self, conn: Connection, area: str, cutoff: datetime) -> AreaCount:
        if area == "posts":
            return AreaCount(area, _count(conn, _due_posts(cutoff)), _count(conn, _held_posts(cutoff)))
        if area in ("identifiers", "media"):
            table = identifiers if area == "identifiers" else media_items
            return AreaCount(
                area,
                _count(conn, _rows_of(table, _due_posts(cutoff))),
                _count(conn, _rows_of(table, _held_posts(cutoff))),
            )
        if area == "faces":
            old = _old_faces(cutoff)
            return AreaCount(
                area,
                _count(conn, old.where(face_persons.c.id.not_in(held_faces()))),
                _count(conn, old.where(face_persons.c.id.in_(held_faces()))),
            )
        logs = {
            "quarantine": _count(conn, select(quarantine.c.id).where(quarantine.c.created_at < cutoff)),
            "login_attempts": _count(conn, select(login_attempts.c.id).where(login_attempts.c.at < cutoff)),
            "web_sessions": _count(conn, select(web_sessions.c.id_hash).where(web_sessions.c.expires_at < cutoff)),
            "feed_rejects": _count(conn, _old_rejects(cutoff)),
        }
        return AreaCount(area, sum(logs.values()), 0, logs)

    def delete(self, area: str, cutoff: datetime) -> AreaCount:
        self._check(area)
        with self._engine.begin() as conn:
            counted = self._count_area(conn, area, cutoff)
            if area == "posts":
                ids = [r[0] for r in conn.execute(_due_posts(cutoff))]
                counted.tables = self._delete_posts(conn, ids)
            elif area == "identifiers":
                counted.tables = {
                    "identifiers": conn.execute(
                        delete(identifiers).where(identifiers.c.post_id.in_(_due_posts(cutoff)))
                    ).rowcount
                }
            elif area == "media":
                ids = [r[0] for r in conn.execute(_rows_of(media_items, _due_posts(cutoff)).distinct())]
                counted.tables = {"media_items": 0, "media_matches": 0, "posts.images": 0}
                for part in chunked(ids):
                    counted.tables["media_matches"] += conn.execute(
                        delete(media_matches).where(media_matches.c.post_id.in_(part))
                    ).rowcount
                    counted.tables["media_items"] += conn.execute(
                        delete(media_items).where(media_items.c.post_id.in_(part))
                    ).rowcount
                    # The image references go with their hashes: the post keeps no pointer to the picture.
                    counted.tables["posts.images"] += conn.execute(
                        update(posts).where(posts.c.id.in_(part)).values(images=[])
                    ).rowcount
            elif area == "faces":
                due = [r[0] for r in conn.execute(_old_faces(cutoff).where(face_persons.c.id.not_in(held_faces())))]
                counted.tables = {"face_embeddings": 0, "face_persons": 0}
                for part in chunked(due):
                    counted.tables["face_embeddings"] += conn.execute(
                        delete(face_embeddings).where(face_embeddings.c.person_id.in_(part))
                    ).rowcount
                    counted.tables["face_persons"] += conn.execute(
                        delete(face_persons).where(face_persons.c.id.in_(part))
                    ).rowcount
            else:
                conn.execute(delete(quarantine).where(quarantine.c.created_at < cutoff))
                conn.execute(delete(login_attempts).where(login_attempts.c.at < cutoff))
                conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < cutoff))
                conn.execute(delete(feed_rejects).where(feed_rejects.c.id.in_(_old_rejects(cutoff))))
        return counted

    def held(self, post_ids: Sequence[str]) -> set[str]:
        out: set[str] = set()
        with self._engine.connect() as conn:
            for part in chunked(list(dict.fromkeys(post_ids))):
                stmt = select(posts.c.id).where(posts.c.id.in_(part), posts.c.id.in_(_held()))
                out.update(r[0] for r in conn.execute(stmt))
        return out

    def delete_posts(self, post_ids: Sequence[str]) -> dict[str, int]:
        with self._engine.begin() as conn:
            return self._delete_posts(conn, list(dict.fromkeys(post_ids)))

    def _delete_posts(self, conn: Connection, ids: list[str]) -> dict[str, int]:
        removed = {str(t.name): 0 for t in _POST_CHILDREN} | {"links": 0, "posts": 0}
        fts = has_text_index(self._engine)
        for part in chunked(ids):
            for table in _POST_CHILDREN:
                removed[str(table.name)] += conn.execute(delete(table).where(table.c.post_id.in_(part))).rowcount
            removed["links"] += conn.execute(
                delete(links).where(or_(links.c.post_a.in_(part), links.c.post_b.in_(part)))
            ).rowcount
            if fts:  # the SQLite full-text index is a separate table the writer fills
                conn.execute(
                    text(
                        "DELETE FROM posts_fts WHERE post_id IN (" + ",".join(f":p{i}" for i in range(len(part))) + ")"
                    ),
                    {f"p{i}": pid for i, pid in enumerate(part)},
                )
            removed["posts"] += conn.execute(delete(posts).where(posts.c.id.in_(part))).rowcount
        return {k: v for k, v in removed.items() if v}
