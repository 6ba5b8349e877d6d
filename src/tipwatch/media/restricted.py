"""Storing media results, and the never-shown rule for abuse material.

When an image matches a bank marked ``is_abuse_material``: its SHA-256 goes into ``restricted_media`` (sticky:
disabling the bank later does not lift it), the post is queued in ``mandatory_reports`` for the reporting workflow,
and ``media_items.restricted`` is set. Reports, the web UI and exports must ask ``is_restricted_post`` /
``restricted_posts`` / ``is_restricted_image`` before showing, copying or serving any image; for a restricted one
they show only the hash and the match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tipwatch.media.post_media import PostMedia
from tipwatch.store.media_tables import mandatory_reports, media_items, media_matches, restricted_media

_CHUNK = 500


def _upsert_ignore(conn: Connection, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def write_post_media(conn: Connection, results: Sequence[PostMedia], *, now: datetime | None = None) -> None:
    """Store media records and matches for posts already in ``posts`` (inside the caller's transaction).

    Re-writing a post replaces its earlier media rows, so re-runs stay idempotent.
    """
    if not results:
        return
    at = now or datetime.now(UTC)
    post_ids = [r.post_id for r in results]
    for i in range(0, len(post_ids), _CHUNK):
        chunk = post_ids[i : i + _CHUNK]
        conn.execute(delete(media_matches).where(media_matches.c.post_id.in_(chunk)))
        conn.execute(delete(media_items).where(media_items.c.post_id.in_(chunk)))
    items = [
        {
            "post_id": r.post_id,
            "ref": it.ref,
            "status": it.status,
            "reason": it.reason,
            "sha256": it.sha256,
            "md5": it.md5,
            "pdq": it.pdq,
            "pdq_mirror": it.pdq_mirror,
            "quality": it.quality,
            "width": it.width,
            "height": it.height,
            "format": it.format,
            "size": it.size,
            "restricted": it.restricted,
        }
        for r in results
        for it in r.items
    ]
    if items:
        conn.execute(insert(media_items), items)
    matches = [
        {
            "post_id": r.post_id,
            "ref": m.ref,
            "sha256": m.sha256,
            "bank_id": m.match.bank_id,
            "entry_id": m.match.entry_id,
            "signal_type": m.match.signal_type,
            "distance": m.match.distance,
            "variant": m.match.variant,
            "frame_second": m.frame_second,
            "matched_at": at,
        }
        for r in results
        for m in r.matches
    ]
    if matches:
        conn.execute(insert(media_matches), matches)
    flag_restricted(conn, [r for r in results if r.restricted], now=at)


def flag_restricted(conn: Connection, results: Iterable[PostMedia], *, now: datetime | None = None) -> None:
    """Record abuse-material matches: restricted images by SHA-256, and posts queued for mandatory reporting."""
    at = now or datetime.now(UTC)
    images: dict[str, dict[str, Any]] = {}
    reports: list[dict[str, Any]] = []
    for r in results:
        abuse = [m for m in r.matches if m.match.is_abuse_material]
        if not abuse:
            continue
        for m in abuse:
            if m.sha256 and m.sha256 not in images:
                images[m.sha256] = {
                    "sha256": m.sha256,
                    "first_post_id": r.post_id,
                    "bank_id": m.match.bank_id,
                    "bank_name": m.match.bank_name,
                    "entry_id": m.match.entry_id,
                    "signal_type": m.match.signal_type,
                    "distance": m.match.distance,
                    "flagged_at": at,
                }
        banks = sorted({m.match.bank_name for m in abuse})
        reports.append(
            {
                "post_id": r.post_id,
                "status": "pending",
                "reason": f"image matched abuse-material bank(s): {', '.join(banks)}",
                "sha256s": sorted({m.sha256 for m in abuse if m.sha256}),
                "flagged_at": at,
            }
        )
    if images:
        conn.execute(_upsert_ignore(conn, restricted_media), list(images.values()))
    if reports:
        conn.execute(_upsert_ignore(conn, mandatory_reports), reports)


def is_restricted_image(engine: Engine | Connection, sha256: str) -> bool:
    """True when this file (by SHA-256) ever matched an abuse-material bank: show its hash only, never the image."""
    return bool(restricted_images(engine, [sha256]))


def restricted_images(engine: Engine | Connection, sha256s: Iterable[str]) -> set[str]:
    wanted = sorted({s.lower() for s in sha256s if s})
    found: set[str] = set()
    with _connect(engine) as conn:
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            found.update(
                conn.execute(select(restricted_media.c.sha256).where(restricted_media.c.sha256.in_(chunk))).scalars()
            )
    return found


def is_restricted_post(engine: Engine | Connection, post_id: str) -> bool:
    return bool(restricted_posts(engine, [post_id]))


def restricted_posts(engine: Engine | Connection, post_ids: Iterable[str] | None = None) -> set[str]:
    """Posts (of ``post_ids``, or all) whose images must not be shown: queued for mandatory reporting, or holding an
    image that is restricted anywhere (the same file may have been flagged through another post)."""
    with _connect(engine) as conn:
        q1 = select(mandatory_reports.c.post_id)
        q2 = (
            select(media_items.c.post_id)
            .join(restricted_media, restricted_media.c.sha256 == media_items.c.sha256)
            .distinct()
        )
        if post_ids is None:
            return set(conn.execute(q1).scalars()) | set(conn.execute(q2).scalars())
        ids = sorted(set(post_ids))
        found: set[str] = set()
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            found.update(conn.execute(q1.where(mandatory_reports.c.post_id.in_(chunk))).scalars())
            found.update(conn.execute(q2.where(media_items.c.post_id.in_(chunk))).scalars())
        return found


@dataclass(slots=True)
class ReportItem:
    post_id: str
    status: str
    reason: str
    sha256s: list[str]
    flagged_at: datetime
    reported_at: datetime | None
    reported_by: str | None
    report_reference: str | None


def mandatory_report_queue(engine: Engine, *, status: str | None = "pending") -> list[ReportItem]:
    stmt = select(mandatory_reports).order_by(mandatory_reports.c.flagged_at, mandatory_reports.c.post_id)
    if status is not None:
        stmt = stmt.where(mandatory_reports.c.status == status)
    with engine.connect() as conn:
        return [
            ReportItem(
                r.post_id,
                r.status,
                r.reason,
                list(r.sha256s),
                r.flagged_at,
                r.reported_at,
                r.reported_by,
                r.report_reference,
            )
            for r in conn.execute(stmt)
        ]


def mark_reported(engine: Engine, post_id: str, *, by: str, reference: str) -> None:
    """Record that the post was reported (e.g. to NCMEC or the national hotline); the restriction stays."""
    if not by.strip() or not reference.strip():
        raise ValueError("who reported and the report's reference are both required")
    with engine.begin() as conn:
        done = conn.execute(
            update(mandatory_reports)
            .where(mandatory_reports.c.post_id == post_id)
            .values(status="reported", reported_at=datetime.now(UTC), reported_by=by, report_reference=reference)
        )
        if done.rowcount == 0:
            raise ValueError(f"post {post_id!r} is not in the mandatory-reporting queue")


class _connect:
    """Use a given Connection as is, or open one from an Engine for the duration of the block."""

    def __init__(self, target: Engine | Connection) -> None:
        self.target = target
        self.own: Connection | None = None

    def __enter__(self) -> Connection:
        if isinstance(self.target, Connection):
            return self.target
        self.own = self.target.connect()
        return self.own

    def __exit__(self, *exc: object) -> None:
        if self.own is not None:
            self.own.close()
