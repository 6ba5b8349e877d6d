"""Background jobs on a real store (SQLite and PostgreSQL): the runner runs jobs one at a time, a job whose work
broke before it could end itself is failed (not kept "running" by the heartbeat), queued jobs are failed when the
runner closes, and abandoned jobs are found by owner or stale heartbeat."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tipwatch.services.jobs import ABANDONED, STALE_AFTER, JobRunner, fail_abandoned, owner_id
from tipwatch.store.facade import Store, open_store


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as s:
        yield s


def _job(store: Store, owner: str | None = None) -> int:
    return store.jobs.create("ingest", submitted_by="t", owner=owner or owner_id(), details={}, at=datetime.now(UTC)).id


def test_broken_work_fails_its_job_and_close_fails_the_queued(store: Store) -> None:
    runner = JobRunner(store)
    broken, blocked, queued = _job(store), _job(store), _job(store)

    def boom() -> None:
        store.jobs.update(broken, at=datetime.now(UTC), status="running")
        raise RuntimeError("database went away")

    release = threading.Event()
    runner.submit(broken, boom).exception(timeout=30)
    deadline = time.monotonic() + 30
    while (job := store.jobs.get(broken)) is not None and job.status == "running":  # the done callback is racing
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert job is not None and job.status == "failed" and "stopped unexpectedly (RuntimeError)" in (job.error or "")
    running = runner.submit(blocked, lambda: release.wait(30) and None)
    runner.submit(queued, lambda: None)
    threading.Timer(0.5, release.set).start()
    runner.close()  # waits for the running one, fails the queued one
    assert running.done()
    assert store.jobs.get(queued).status == "failed"  # type: ignore[union-attr]
    assert "before the job started" in (store.jobs.get(queued).error or "")  # type: ignore[union-attr]


def test_abandoned_by_stale_heartbeat_only(store: Store) -> None:
    now = datetime.now(UTC)
    stale, fresh, mine = _job(store, "far-host:1:a"), _job(store, "far-host:2:b"), _job(store)
    store.jobs.update(stale, at=now - STALE_AFTER - timedelta(seconds=5), status="running")
    store.jobs.update(mine, at=now - timedelta(hours=2), status="running")  # this process's own: never abandoned
    assert fail_abandoned(store, now=now) == [stale]
    assert store.jobs.get(stale).error == ABANDONED  # type: ignore[union-attr]
    assert {store.jobs.get(i).status for i in (fresh, mine)} == {"queued", "running"}  # type: ignore[union-attr]
    assert store.jobs.heartbeat(owner_id(), now) == 1
