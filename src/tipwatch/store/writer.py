"""Write analysis results in batches, count them, and keep re-runs idempotent.

Every record read ends in exactly one of: stored, duplicate (its post id is already in the store or earlier in this
run), quarantined. The counts are kept on the run row, updated in each batch's transaction, so that
``read = stored + duplicates + quarantined`` can be checked later, also for a run that was killed.

Two runs may write the same store at once (issue 8): a post another run inserted between our look-up and our insert
is skipped by the insert itself (ON CONFLICT DO NOTHING ... RETURNING) and counted as a duplicate, so both runs finish
and their counts reconcile. A duplicate whose content differs from the stored post (same id, other title, body, url or
platform) is still a duplicate, but it is also written to the quarantine with the reason and counted apart
(``changed``), so an analyst sees that one id arrived with different content.
"""

from __future__ import annotations

import hashlib
import signal
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Connection, Engine, insert, select, text, update

from tipwatch.model import AlreadyStored, Outcome, Post, PostResult, Quarantined
from tipwatch.store.interface.runs import Counts, PostSink
from tipwatch.store.sql.bulk import can_copy, insert_new, insert_rows
from tipwatch.store.sql.media import write_post_media
from tipwatch.store.sql.search import has_text_index, index_posts
from tipwatch.store.tables import identifiers, indicator_hits, posts, quarantine, runs

# SQLite allows 32766 bound parameters per statement; stay well below for IN (...) look-ups.
_LOOKUP_CHUNK = 900
# A quarantined record keeps its raw text for inspection, up to this many characters.
QUARANTINE_RAW_LIMIT = 1_000_000


def storable(text: str) -> str:
    """Text any database accepts: lone surrogates (undecodable input bytes) and NUL become visible escapes."""
    if "\x00" not in text:
        try:
            text.encode("utf-8")  # strict: fails only on lone surrogates; far cheaper than always re-encoding
            return text
        except UnicodeEncodeError:
            pass
    out = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return out.replace("\x00", "\\x00")


class RunInterrupted(SystemExit):
    """SIGTERM during a run: unwinds like Ctrl-C so the run row is marked "interrupted" and workers are stopped."""


# Liveness of a "running" run row: its process holds a lock for as long as it lives (the OS drops the lock when the
# process dies, however it dies). A later start finds rows whose lock is free and marks them "interrupted".
# SQLite: a lock file beside the database; PostgreSQL: a session advisory lock (RUN_LOCK_CLASS, run id).
RUN_LOCK_CLASS = 0x7477  # "tw"
_held: dict[tuple[str, int], Any] = {}  # (database, run id) -> the lock this process holds
_previous_sigterm: dict[int, Any] = {}  # run id -> the SIGTERM handler to restore when it finishes


def _db_key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _run_lock_file(engine: Engine, run_id: int) -> str | None:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        return None
    return f"{database}.run-{run_id}.lock"


def _hold_run(engine: Engine, run_id: int) -> None:
    if engine.dialect.name == "postgresql":
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("SELECT pg_advisory_lock(:c, :r)"), {"c": RUN_LOCK_CLASS, "r": run_id})
        _held[(_db_key(engine), run_id)] = conn
        return
    path = _run_lock_file(engine, run_id)
    if path is not None:
        from filelock import FileLock

        lock = FileLock(path)
        lock.acquire(timeout=0)
        _held[(_db_key(engine), run_id)] = lock


def _release_run(engine: Engine, run_id: int) -> None:
    held = _held.pop((_db_key(engine), run_id), None)
    if held is None:
        return
    if isinstance(held, Connection):
        held.execute(text("SELECT pg_advisory_unlock(:c, :r)"), {"c": RUN_LOCK_CLASS, "r": run_id})
        held.close()
        return
    held.release()
    Path(held.lock_file).unlink(missing_ok=True)


def _owner_alive(engine: Engine, conn: Connection, run_id: int) -> bool:
    if (_db_key(engine), run_id) in _held:
        return True
    if engine.dialect.name == "postgresql":
        got = conn.execute(text("SELECT pg_try_advisory_lock(:c, :r)"), {"c": RUN_LOCK_CLASS, "r": run_id}).scalar()
        if got:
            conn.execute(text("SELECT pg_advisory_unlock(:c, :r)"), {"c": RUN_LOCK_CLASS, "r": run_id})
        return not got
    path = _run_lock_file(engine, run_id)
    if path is None or not Path(path).exists():
        return False  # no lock was ever taken (an older tipwatch) or it was cleaned up: nobody runs it
    from filelock import FileLock, Timeout

    lock = FileLock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    Path(path).unlink(missing_ok=True)
    return False


def mark_interrupted(engine: Engine) -> list[int]:
    """Mark "running" runs whose process is gone (killed, crashed, machine restarted) as "interrupted"."""
    done: list[int] = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        running = [int(r[0]) for r in conn.execute(select(runs.c.id).where(runs.c.status == "running"))]
        for run_id in running:
            if not _owner_alive(engine, conn, run_id):
                conn.execute(
                    update(runs)
                    .where(runs.c.id == run_id, runs.c.status == "running")
                    .values(status="interrupted", finished_at=datetime.now(UTC))
                )
                done.append(run_id)
    return done


def _raise_interrupted(signum: int, _frame: Any) -> None:
    raise RunInterrupted(128 + signum)


def start_run(engine: Engine, command: str, inputs: Sequence[str], model: str | None) -> int:
    """Insert a "running" run row, after marking stale ones "interrupted"; hold this run's liveness lock; and make
    SIGTERM unwind the run like Ctrl-C (so finish_run records it as "interrupted")."""
    mark_interrupted(engine)
    with engine.begin() as conn:
        result = conn.execute(
            insert(runs).values(
                started_at=datetime.now(UTC),
                command=command,
                inputs=list(inputs),
                model=model,
                status="running",
                read=0,
                stored=0,
                duplicates=0,
                quarantined=0,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        run_id = int(key[0])
    _hold_run(engine, run_id)
    if threading.current_thread() is threading.main_thread():
        _previous_sigterm[run_id] = signal.signal(signal.SIGTERM, _raise_interrupted)
    return run_id


def finish_run(engine: Engine, run_id: int, counts: Counts, status: str) -> None:
    """Record the outcome. A run unwinding from Ctrl-C or SIGTERM is recorded as "interrupted", whatever the caller
    passed (it cannot tell)."""
    in_flight = sys.exc_info()[1]
    if status != "ok" and isinstance(in_flight, KeyboardInterrupt | RunInterrupted):
        status = "interrupted"
    try:
        with engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(finished_at=datetime.now(UTC), status=status, **asdict(counts))
            )
    finally:
        _release_run(engine, run_id)
        previous = _previous_sigterm.pop(run_id, None)
        if previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def quarantine_key(item: Quarantined) -> str:
    return hashlib.sha256(f"{item.source}\x00{item.position}\x00{item.reason}".encode("utf-8", "replace")).hexdigest()


def _existing(conn: Connection, column: Any, values: Iterable[str]) -> set[str]:
    found: set[str] = set()
    todo = list(values)
    for i in range(0, len(todo), _LOOKUP_CHUNK):
        part = todo[i : i + _LOOKUP_CHUNK]
        found.update(row[0] for row in conn.execute(select(column).where(column.in_(part))))
    return found


def _post_row(result: PostResult, run_id: int) -> dict[str, Any]:
    post, a = result.post, result.assessment
    return {
        "id": post.id,
        "run_id": run_id,
        "source": storable(post.source),
        "position": storable(post.position)[:200],
        "url": storable(post.url) if post.url else None,
        "platform": storable(post.platform)[:100] if post.platform else None,
        "kind": post.kind,
        "title": storable(post.title),
        "body": storable(post.body),
        "posted_at": post.posted_at,
        "location": storable(post.location) if post.location else None,
        "images": [storable(i) for i in post.images],
        "language": post.language,
        "raw": storable(post.raw),
        "risk": a.risk,
        "indicator_risk": a.indicator_risk,
        "classifier_risk": a.classifier_risk,
        "model": a.model,
        "reasons": [
            {"code": r.code, "contribution": r.contribution, "detail": r.detail, "start": r.start, "end": r.end}
            for r in a.reasons
        ],
    }


_CONTENT_COLUMNS = ("title", "body", "url", "platform")


def _content(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c] for c in _CONTENT_COLUMNS)


def _post_content(post: Post) -> tuple[Any, ...]:
    """The content columns of ``post`` as ``_post_row`` stores them."""
    return (
        storable(post.title),
        storable(post.body),
        storable(post.url) if post.url else None,
        storable(post.platform)[:100] if post.platform else None,
    )


def _note(post: Post, why: str) -> Quarantined:
    """``post`` in the quarantine, named by its own id, with ``why``."""
    shown = post.source_id if post.source_id is not None else post.id
    return Quarantined(post.source, post.position, f"id {shown!r} {why}", post.raw)


def _changed_note(post: Post) -> Quarantined:
    return _note(
        post,
        "arrived before with different content (title, body, url or platform differ): counted as a duplicate and "
        "not stored; this version is kept here for review",
    )


def _gone_note(post: Post) -> Quarantined:
    return _note(
        post,
        "was in the store when this run read it, so it was not analysed, and was deleted before the run wrote its "
        "batch: run the input again to analyse and store it",
    )


def _changed_against_store(conn: Connection, dups: Sequence[Post]) -> list[Quarantined]:
    """Notes for the duplicates whose content differs from the post stored under their id."""
    if not dups:
        return []
    stored: dict[str, tuple[Any, ...]] = {}
    ids = list({p.id for p in dups})
    for i in range(0, len(ids), _LOOKUP_CHUNK):
        part = ids[i : i + _LOOKUP_CHUNK]
        cols = [posts.c.id, *(posts.c[c] for c in _CONTENT_COLUMNS)]
        for row in conn.execute(select(*cols).where(posts.c.id.in_(part))):
            stored[row[0]] = tuple(row[1:])
    return [_changed_note(p) for p in dups if p.id in stored and stored[p.id] != _post_content(p)]


class PostWriter(PostSink):
    """Writes one run's results; call ``write`` per batch, then read ``counts``."""

    def __init__(
        self, engine: Engine, run_id: int, quarantine_file: IO[bytes] | None = None, *, copy: bool | None = None
    ) -> None:
        """``copy``: write the rows with PostgreSQL's COPY (store.sql.bulk); by default wherever it can (psycopg on
        PostgreSQL). ``copy=False`` keeps the INSERT statements SQLite uses (for comparisons)."""
        self.engine = engine
        self.copy = engine.dialect.name == "postgresql" if copy is None else copy
        self.run_id = run_id
        self.quarantine_file = quarantine_file
        self.counts = Counts()
        # Images are not records: their rejects are quarantined with reasons but counted apart from `counts`.
        self.images_seen = 0
        self.images_rejected = 0
        # Duplicates whose content differs from the stored post: noted in the quarantine, counted apart.
        self.changed = 0
        # SQLite's full-text table is filled here, in the posts' transaction (PostgreSQL's fills itself).
        self._text_index = has_text_index(engine)

    def write(self, batch: Sequence[Outcome]) -> None:
        results = [r for r in batch if isinstance(r, PostResult)]
        rejected = [r for r in batch if isinstance(r, Quarantined)]
        passed_over = [r.post for r in batch if isinstance(r, AlreadyStored)]  # not analysed: held by the store
        self.counts.read += len(batch)
        with self.engine.begin() as conn:
            known = _existing(conn, posts.c.id, {r.post.id for r in results} | {p.id for p in passed_over})
            new: list[PostResult] = []
            first: dict[str, dict[str, Any]] = {}  # id -> row of its first occurrence in this batch
            stored_dups: list[Post] = []
            notes: list[Quarantined] = []
            for post in passed_over:
                if post.id in known:
                    self.counts.duplicates += 1
                    stored_dups.append(post)
                else:  # deleted (retention, erasure) since the worker looked: not analysed, so kept for a re-run
                    rejected.append(_gone_note(post))
            for r in results:
                pid = r.post.id
                if pid in first:
                    self.counts.duplicates += 1
                    if _content(_post_row(r, self.run_id)) != _content(first[pid]):
                        notes.append(_changed_note(r.post))
                elif pid in known:
                    self.counts.duplicates += 1
                    stored_dups.append(r.post)
                else:
                    first[pid] = _post_row(r, self.run_id)
                    new.append(r)
            notes.extend(_changed_against_store(conn, stored_dups))
            if new:
                # Skipping ids inserted by now (another run's insert): the ids actually inserted.
                inserted = insert_new(conn, posts, "id", [first[r.post.id] for r in new], copy=self._copies(conn))
                raced = [r for r in new if r.post.id not in inserted]
                if raced:  # inserted by a concurrent run after our look-up: duplicates, not errors
                    self.counts.duplicates += len(raced)
                    notes.extend(_changed_against_store(conn, [r.post for r in raced]))
                    new = [r for r in new if r.post.id in inserted]
            if new:
                if self._text_index:
                    index_posts(conn, [first[r.post.id] for r in new])
                id_rows = [
                    {
                        "post_id": r.post.id,
                        "type": i.type,
                        "value": storable(i.value)[:512],
                        "start": i.start,
                        "end": i.end,
                        "confidence": i.confidence,
                        "obfuscated": i.obfuscated,
                        "attrs": i.attrs,
                    }
                    for r in new
                    for i in r.identifiers
                ]
                insert_rows(conn, identifiers, id_rows, copy=self._copies(conn))
                hit_rows = [
                    {
                        "post_id": r.post.id,
                        "code": h.code,
                        "category": h.category,
                        "domain": h.domain,
                        "weight": h.weight,
                        "start": h.start,
                        "end": h.end,
                        "text": storable(h.text),
                        "language": h.language,
                        "source": h.source[:200],
                    }
                    for r in new
                    for h in r.hits
                ]
                insert_rows(conn, indicator_hits, hit_rows, copy=self._copies(conn))
            self.counts.stored += len(new)
            self.counts.quarantined += len(rejected)
            self.changed += len(notes)
            with_media = [r for r in new if r.media is not None]
            if with_media:
                rejected = [*rejected, *self._media(conn, with_media)]
            rejected = [*rejected, *notes]
            if rejected:
                self._quarantine(conn, rejected)
            # The run row's counts commit with the rows they count: a run killed half-way (and later marked
            # "interrupted") still says what it read and stored, and reconciles.
            conn.execute(update(runs).where(runs.c.id == self.run_id).values(**asdict(self.counts)))

    def _media(self, conn: Connection, results: Sequence[PostResult]) -> list[Quarantined]:
        media = [r.media for r in results if r.media is not None]
        write_post_media(conn, media, copy=self._copies(conn))
        bad = [q for r in results if r.media is not None for q in r.media.quarantine(r.post)]
        self.images_seen += sum(len(m.items) for m in media)
        self.images_rejected += len(bad)
        return bad

    def _copies(self, conn: Connection) -> bool:
        return self.copy and can_copy(conn)

    def _quarantine(self, conn: Connection, rejected: Sequence[Quarantined]) -> None:
        keyed = {quarantine_key(q): q for q in rejected}
        seen = _existing(conn, quarantine.c.key, keyed)
        now = datetime.now(UTC)
        rows = [
            {
                "key": key,
                "run_id": self.run_id,
                "source": storable(q.source),
                "position": storable(q.position)[:200],
                "reason": storable(q.reason),
                "raw": storable(q.raw[:QUARANTINE_RAW_LIMIT]),
                "created_at": now,
            }
            for key, q in keyed.items()
            if key not in seen
        ]
        if rows:
            conn.execute(insert(quarantine), rows)
        if self.quarantine_file is not None:
            for q in rejected:
                line = {
                    "source": storable(q.source),
                    "position": storable(q.position),
                    "reason": storable(q.reason),
                    "raw": storable(q.raw[:10_000]),
                }
                self.quarantine_file.write(orjson.dumps(line, default=str) + b"\n")
