"""BankStore and MediaStore on SQLAlchemy (SQLite and PostgreSQL).

``write_post_media(conn, results)`` and ``restricted_posts(conn, post_ids)`` also work inside a caller's transaction,
for the post writer and the report, which share a connection with other tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, literal, select, update

from tipwatch.media_model import PostMedia, abuse_flags
from tipwatch.store.interface.media import (
    AddCounts,
    Bank,
    BankEntry,
    BankStore,
    HashEntry,
    MatchRow,
    MediaRow,
    MediaStore,
    NewBank,
    PostImage,
    ReportItem,
)
from tipwatch.store.media_tables import (
    hash_bank_entries,
    hash_banks,
    mandatory_reports,
    media_items,
    media_matches,
    restricted_media,
)
from tipwatch.store.sql.bulk import insert_rows
from tipwatch.store.sql.dialect import insert_ignore
from tipwatch.store.tables import posts

# Rows per INSERT batch when adding bank entries: bounded memory for imports of millions of hashes.
_BATCH = 5000
# Values per IN (...): SQLite allows 32766 bound parameters per statement.
_CHUNK = 500


def _utc(ts: datetime) -> datetime:
    # SQLite drops the zone; everything is stored in UTC.
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def _bank(row: Any, entries: int) -> Bank:
    return Bank(
        id=row.id,
        name=row.name,
        source=row.source,
        licence=row.licence,
        description=row.description,
        signal_types=list(row.signal_types),
        enabled=bool(row.enabled),
        is_abuse_material=bool(row.is_abuse_material),
        pdq_threshold=int(row.pdq_threshold),
        created_by=row.created_by,
        created_at=_utc(row.created_at),
        entries=entries,
    )


class SqlBanks(BankStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def version(self) -> tuple[int, ...]:
        b = hash_banks
        cols = (b.c.id, b.c.enabled, b.c.pdq_threshold, b.c.is_abuse_material)
        with self._engine.connect() as conn:
            rows = conn.execute(select(*cols).order_by(b.c.id)).all()
            newest = conn.execute(select(func.max(hash_bank_entries.c.id))).scalar()
        return (int(newest or 0), *(int(v) for row in rows for v in row))

    def create_bank(self, bank: NewBank) -> Bank:
        with self._engine.begin() as conn:
            conn.execute(
                insert(hash_banks).values(
                    name=bank.name,
                    source=bank.source,
                    licence=bank.licence,
                    description=bank.description,
                    signal_types=list(bank.signal_types),
                    enabled=bank.enabled,
                    is_abuse_material=bank.is_abuse_material,
                    pdq_threshold=bank.pdq_threshold,
                    created_by=bank.created_by,
                    created_at=datetime.now(UTC),
                )
            )
        created = self.get_bank(bank.name)
        assert created is not None
        return created

    def get_bank(self, name: str) -> Bank | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(hash_banks).where(hash_banks.c.name == name)).first()
            if row is None:
                return None
            count = conn.execute(
                select(func.count()).select_from(hash_bank_entries).where(hash_bank_entries.c.bank_id == row.id)
            ).scalar_one()
        return _bank(row, int(count))

    def list_banks(self, *, enabled_only: bool = False, count_entries: bool = True) -> list[Bank]:
        t = hash_bank_entries
        if count_entries:
            counts = select(t.c.bank_id, func.count().label("n")).group_by(t.c.bank_id).subquery()
            stmt = select(hash_banks, func.coalesce(counts.c.n, 0).label("n")).outerjoin(
                counts, counts.c.bank_id == hash_banks.c.id
            )
        else:
            stmt = select(hash_banks, literal(0).label("n"))
        if enabled_only:
            stmt = stmt.where(hash_banks.c.enabled.is_(True))
        with self._engine.connect() as conn:
            return [_bank(row, int(row.n)) for row in conn.execute(stmt.order_by(hash_banks.c.name))]

    def update_bank(self, bank_id: int, *, enabled: bool | None = None, pdq_threshold: int | None = None) -> None:
        values: dict[str, Any] = {}
        if enabled is not None:
            values["enabled"] = enabled
        if pdq_threshold is not None:
            values["pdq_threshold"] = pdq_threshold
        if values:
            with self._engine.begin() as conn:
                conn.execute(update(hash_banks).where(hash_banks.c.id == bank_id).values(**values))

    def delete_bank(self, bank_id: int) -> None:
        with self._engine.begin() as conn:
            # Explicit: SQLite enforces ON DELETE CASCADE only with the foreign_keys pragma on.
            conn.execute(delete(hash_bank_entries).where(hash_bank_entries.c.bank_id == bank_id))
            conn.execute(delete(hash_banks).where(hash_banks.c.id == bank_id))

    def add_entries(self, bank_id: int, entries: Iterable[HashEntry]) -> AddCounts:
        stmt = insert_ignore(self._engine.dialect.name, hash_bank_entries).returning(hash_bank_entries.c.id)
        now = datetime.now(UTC)
        added = duplicates = 0
        batch: list[dict[str, Any]] = []
        # Duplicates within a batch are counted here; across batches the unique constraint counts them (memory
        # stays constant however large the import).
        seen: set[tuple[str, str]] = set()

        def flush() -> None:
            nonlocal added, duplicates
            if not batch:
                return
            with self._engine.begin() as conn:
                # RETURNING counts the rows really inserted (rowcount is unreliable for executemany).
                n = len(conn.execute(stmt, batch).all())
            added += n
            duplicates += len(batch) - n
            batch.clear()
            seen.clear()

        for entry in entries:
            key = (entry.signal_type, entry.value)
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            batch.append(
                {
                    "bank_id": bank_id,
                    "signal_type": entry.signal_type,
                    "value": entry.value,
                    "meta": dict(entry.meta),
                    "added_at": now,
                }
            )
            if len(batch) >= _BATCH:
                flush()
        flush()
        return AddCounts(added, duplicates)

    def iter_entries(self, bank_id: int, *, batch: int = 20000) -> Iterator[BankEntry]:
        # Keyset pages: constant memory, and no connection held open while the caller works on a page.
        last = 0
        t = hash_bank_entries
        while True:
            stmt = select(t.c.id, t.c.signal_type, t.c.value, t.c.meta).where(t.c.bank_id == bank_id, t.c.id > last)
            with self._engine.connect() as conn:
                rows = conn.execute(stmt.order_by(t.c.id).limit(batch)).all()
            if not rows:
                return
            for row in rows:
                yield BankEntry(row.id, bank_id, row.signal_type, row.value, dict(row.meta or {}))
            last = rows[-1].id

    def get_entry(self, entry_id: int) -> BankEntry | None:
        t = hash_bank_entries
        with self._engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == entry_id)).first()
        if row is None:
            return None
        return BankEntry(row.id, row.bank_id, row.signal_type, row.value, dict(row.meta or {}))

    def iter_signals(self, bank_ids: Sequence[int]) -> Iterator[tuple[int, int, str, str]]:
        if not bank_ids:
            return
        t = hash_bank_entries
        stmt = select(t.c.bank_id, t.c.id, t.c.signal_type, t.c.value).where(t.c.bank_id.in_(list(bank_ids)))
        with self._engine.connect() as conn:
            # Server-side cursor on PostgreSQL: 10M entries are never all in memory as rows. Rows one by one:
            # fetching lists of rows (partitions, fetchmany) measured 1.5x slower here.
            yield from conn.execution_options(stream_results=True, yield_per=50000).execute(stmt)


def write_post_media(
    conn: Connection, results: Sequence[PostMedia], *, now: datetime | None = None, copy: bool = False
) -> None:
    """Store media items and matches of posts already in ``posts``, inside the caller's transaction, and record
    their abuse-material matches. Re-writing a post replaces its earlier media rows, so re-runs stay idempotent.
    ``copy``: the item and match rows go by COPY (PostgreSQL, store.sql.bulk)."""
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
            "signals": dict(it.signals) or None,
        }
        for r in results
        for it in r.items
    ]
    insert_rows(conn, media_items, items, copy=copy)
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
    insert_rows(conn, media_matches, matches, copy=copy)
    _flag_restricted(conn, [r for r in results if r.restricted], at)


def _flag_restricted(conn: Connection, results: Sequence[PostMedia], at: datetime) -> None:
    images, reports = abuse_flags(results)
    if images:
        rows = [
            {
                "sha256": i.sha256,
                "first_post_id": i.first_post_id,
                "bank_id": i.bank_id,
                "bank_name": i.bank_name,
                "entry_id": i.entry_id,
                "signal_type": i.signal_type,
                "distance": i.distance,
                "flagged_at": at,
            }
            for i in images
        ]
        # Sticky and first-wins: a file restricted earlier keeps its first record.
        conn.execute(insert_ignore(conn.dialect.name, restricted_media), rows)
    if reports:
        rows = [
            {"post_id": r.post_id, "status": "pending", "reason": r.reason, "sha256s": r.sha256s, "flagged_at": at}
            for r in reports
        ]
        conn.execute(insert_ignore(conn.dialect.name, mandatory_reports), rows)


def restricted_posts(conn: Connection, post_ids: Iterable[str] | None = None) -> set[str]:
    """MediaStore.restricted_posts on the caller's connection."""
    q1 = select(mandatory_reports.c.post_id)
    q2 = select(media_items.c.post_id).join(restricted_media, restricted_media.c.sha256 == media_items.c.sha256)
    q2 = q2.distinct()
    if post_ids is None:
        return set(conn.execute(q1).scalars()) | set(conn.execute(q2).scalars())
    ids = sorted(set(post_ids))
    found: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        found.update(conn.execute(q1.where(mandatory_reports.c.post_id.in_(chunk))).scalars())
        found.update(conn.execute(q2.where(media_items.c.post_id.in_(chunk))).scalars())
    return found


def _restricted_sha256s(conn: Connection, sha256s: Iterable[str]) -> set[str]:
    wanted = sorted({s.lower() for s in sha256s if s})
    found: set[str] = set()
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        found.update(
            conn.execute(select(restricted_media.c.sha256).where(restricted_media.c.sha256.in_(chunk))).scalars()
        )
    return found


class SqlMedia(MediaStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def write_post_media(
        self, results: Sequence[PostMedia], *, now: datetime | None = None, conn: Connection | None = None
    ) -> None:
        """See MediaStore; with ``conn``, inside that transaction (the post writer's), else in one of its own."""
        if conn is not None:
            write_post_media(conn, results, now=now)
            return
        with self._engine.begin() as own:
            write_post_media(own, results, now=now)

    def restricted_images(self, sha256s: Iterable[str]) -> set[str]:
        with self._engine.connect() as conn:
            return _restricted_sha256s(conn, sha256s)

    def posts_with_sha256(self, sha256: str) -> list[str]:
        stmt = select(media_items.c.post_id).where(media_items.c.sha256 == sha256).distinct()
        with self._engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(stmt))

    def restricted_posts(self, post_ids: Iterable[str] | None = None) -> set[str]:
        with self._engine.connect() as conn:
            return restricted_posts(conn, post_ids)

    def report_queue(self, *, status: str | None = "pending") -> list[ReportItem]:
        t = mandatory_reports
        stmt = select(t).order_by(t.c.flagged_at, t.c.post_id)
        if status is not None:
            stmt = stmt.where(t.c.status == status)
        with self._engine.connect() as conn:
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

    def mark_reported(self, post_id: str, *, by: str, reference: str, at: datetime | None = None) -> bool:
        t = mandatory_reports
        with self._engine.begin() as conn:
            done = conn.execute(
                update(t)
                .where(t.c.post_id == post_id)
                .values(
                    status="reported", reported_at=at or datetime.now(UTC), reported_by=by, report_reference=reference
                )
            )
        return bool(done.rowcount)

    def post_media(self, post_id: str) -> tuple[list[MediaRow], list[MatchRow]]:
        m = media_items
        items_q = (
            select(m.c.ref, m.c.status, m.c.reason, m.c.sha256, m.c.pdq, m.c.quality, m.c.width, m.c.height, m.c.format)
            .where(m.c.post_id == post_id)
            .order_by(m.c.id)
        )
        x = media_matches
        matches_q = (
            select(
                x.c.ref,
                x.c.sha256,
                hash_banks.c.name,
                hash_banks.c.is_abuse_material,
                x.c.signal_type,
                x.c.distance,
                x.c.variant,
            )
            .join(hash_banks, hash_banks.c.id == x.c.bank_id)
            .where(x.c.post_id == post_id)
            .order_by(x.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(items_q).all()
            matches = [MatchRow(r[0], r[1], r[2], bool(r[3]), r[4], int(r[5]), r[6]) for r in conn.execute(matches_q)]
            # Restricted here, through this post's own abuse-material match, or through the same file elsewhere.
            post_blocked = bool(restricted_posts(conn, [post_id]))
            flagged = _restricted_sha256s(conn, [r[3] for r in rows if r[3]])
        items = [
            MediaRow(
                ref=r[0],
                status=r[1],
                reason=r[2] or "",
                sha256=r[3],
                pdq=r[4],
                quality=r[5],
                width=r[6],
                height=r[7],
                format=r[8],
                restricted=post_blocked or (r[3] or "").lower() in flagged,
            )
            for r in rows
        ]
        return items, matches

    def post_images(self, *, min_risk: float = 0.0, post_ids: Sequence[str] = ()) -> list[PostImage]:
        stmt = (
            select(media_items.c.post_id, media_items.c.ref, posts.c.source, posts.c.position)
            .join(posts, posts.c.id == media_items.c.post_id)
            .where(media_items.c.status == "ok", posts.c.risk >= min_risk)
            .order_by(posts.c.risk.desc(), media_items.c.post_id, media_items.c.ref)
        )
        if post_ids:
            stmt = stmt.where(media_items.c.post_id.in_(list(post_ids)))
        with self._engine.connect() as conn:
            return [PostImage(*row) for row in conn.execute(stmt)]
