"""Background jobs: who owns one, its heartbeat, and the jobs left unfinished by a process that stopped.

A job's state lives in the store (``store.jobs``) so every server process and the CLI read it; the work runs in the
process that accepted it, on one ``JobRunner`` thread (jobs of a process run one after another, so two batches of
one worker never link at the same time). While a job is queued or running its owner refreshes ``heartbeat_at``; a
job whose owner stopped (server restart, crash) is marked failed by ``fail_abandoned``, which the server calls when
it starts and whenever jobs are read, so no job stays "running" for ever.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from tipwatch.store.facade import Store
from tipwatch.store.interface.jobs import Job

__all__ = [
    "HEARTBEAT_SECONDS",
    "STALE_AFTER",
    "Job",
    "JobRunner",
    "fail_abandoned",
    "get_job",
    "job_json",
    "list_jobs",
    "owner_id",
]

HEARTBEAT_SECONDS = 10.0
# A heartbeat this old means the owner is gone (several missed beats, so a busy database does not fail live jobs).
STALE_AFTER = timedelta(seconds=90)
ABANDONED = "interrupted: the server process running it stopped (restart or crash) before it finished; submit again"

_owner: tuple[int, str] | None = None
_owner_lock = threading.Lock()


def owner_id() -> str:
    """This process's name as a job owner: host, pid and a random token (a reused pid is another owner)."""
    global _owner
    with _owner_lock:
        if _owner is None or _owner[0] != os.getpid():  # a forked worker gets its own
            _owner = (os.getpid(), f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}")
        return _owner[1]


def _owner_gone(owner: str) -> bool:
    """Whether ``owner`` was a process of this host that no longer runs (other hosts: the heartbeat tells)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if owner == owner_id() or host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def fail_abandoned(store: Store, *, now: datetime | None = None) -> list[int]:
    """Mark failed every unfinished job whose owner stopped or whose heartbeat is stale; their ids."""
    now = now or datetime.now(UTC)
    abandoned = [
        job.id
        for job in store.jobs.unfinished()
        if job.owner != owner_id() and (_owner_gone(job.owner) or job.heartbeat_at < now - STALE_AFTER)
    ]
    if abandoned:
        store.jobs.fail(abandoned, error=ABANDONED, at=now)
    return abandoned


def list_jobs(store: Store, *, submitted_by: str | None, offset: int = 0, limit: int = 50) -> tuple[list[Job], int]:
    """Newest first; one submitter's (None: everyone's)."""
    fail_abandoned(store)
    return store.jobs.page(submitted_by=submitted_by, offset=max(0, offset), limit=max(1, min(limit, 500)))


def get_job(store: Store, job_id: int) -> Job | None:
    fail_abandoned(store)
    return store.jobs.get(job_id)


def job_json(job: Job) -> dict[str, Any]:
    """A job as plain JSON values (for the CLI)."""
    c = job.counts

    def iso(ts: datetime | None) -> str | None:
        return None if ts is None else ts.isoformat()

    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "phase": job.phase,
        "submitted_by": job.submitted_by,
        "submitted_at": iso(job.submitted_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "counts": {"read": c.read, "stored": c.stored, "duplicates": c.duplicates, "quarantined": c.quarantined},
        "reconciles": c.read == c.stored + c.duplicates + c.quarantined,
        "run_id": job.run_id,
        "details": job.details,
        "error": job.error,
    }


class JobRunner:
    """Runs this process's jobs one at a time on a thread, and beats their heart while any is unfinished."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tipwatch-job")
        self._pending: dict[int, Future[None]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, name="tipwatch-job-heartbeat", daemon=True)
        self._beat.start()

    def submit(self, job_id: int, work: Callable[[], None]) -> Future[None]:
        with self._lock:
            future = self._pool.submit(work)
            self._pending[job_id] = future
        future.add_done_callback(lambda done: self._finished(job_id, done))
        return future

    def _finished(self, job_id: int, future: Future[None]) -> None:
        with self._lock:
            self._pending.pop(job_id, None)
        if future.cancelled():
            return
        # The work ends its job itself; this only catches a job it left unfinished (an error before it could say
        # so), which the heartbeat would otherwise keep "running" as long as this process lives.
        exc = future.exception()
        why = f"the job stopped unexpectedly ({type(exc).__name__})" if exc else "the job ended without a result"
        try:
            self._store.jobs.fail([job_id], error=why, at=datetime.now(UTC))
        except Exception:  # the database is away: a stale heartbeat will tell after this process stops
            return

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self._store.jobs.heartbeat(owner_id(), datetime.now(UTC))
            except Exception:  # the database is away for a moment: the next beat tries again
                continue

    def close(self) -> None:
        """Let the running job finish; jobs still queued are failed now (their batch is not run)."""
        with self._lock:
            pending = list(self._pending.items())
        # Cancelling runs the done callback, which takes the lock: outside it.
        cancelled = [job_id for job_id, future in pending if future.cancel()]
        if cancelled:
            self._store.jobs.fail(
                cancelled, error="the server stopped before the job started; submit again", at=datetime.now(UTC)
            )
        self._pool.shutdown(wait=True)
        self._stop.set()
