"""The audit log on both backends: append and verify; edits, deletions and reorderings (made by someone who removed
the append-only triggers) named by `tipwatch audit verify` (exit 1, the first bad seq); concurrent appends from
several processes keep one valid chain."""

from __future__ import annotations

import itertools
import multiprocessing as mp
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tipwatch.services import audit
from tipwatch.store.facade import Store, open_store

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened


def _verify_cli(db_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIPWATCH, "audit", "verify", "--db", db_url], capture_output=True, text=True, timeout=120)


def _fill(store: Store, n: int) -> None:
    for i in range(1, n + 1):
        audit.append(store, f"user:u{i}", "case.open", f"case:{i}", f"reason {i}", {"n": i, "tags": ["a", "b"]})


def _tamper(db_url: str, *statements: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
            conn.execute(sa.text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_append_only ON audit_log"))
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def test_append_page_and_verify(store: Store, db_url: str) -> None:
    assert audit.verify(store).message() == "audit chain OK: 0 entries"
    _fill(store, 5)
    newest = audit.page(store, limit=2)
    assert [e.seq for e in newest] == [5, 4] and newest[0].details == {"n": 5, "tags": ["a", "b"]}
    assert [e.seq for e in audit.page(store, before_seq=4, limit=10)] == [3, 2, 1]
    assert [e.seq for e in audit.entries(store, after_seq=3)] == [4, 5]
    entries = list(audit.entries(store))
    assert entries[0].prev_hash == "0" * 64 and all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[0].at.tzinfo is not None
    assert audit.verify(store).ok
    done = _verify_cli(db_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "audit chain OK: 5 entries\n"


def test_the_database_refuses_edits(store: Store, db_url: str) -> None:
    _fill(store, 2)
    engine = sa.create_engine(db_url)
    for statement in ("UPDATE audit_log SET why = 'x' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 2"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    engine.dispose()
    assert audit.verify(store).ok


@pytest.mark.parametrize(
    ("statements", "bad_seq", "why"),
    [
        (['UPDATE audit_log SET details = \'{"n": 99, "tags": ["a", "b"]}\' WHERE seq = 4'], 4, "edited"),
        (["UPDATE audit_log SET why = 'nothing to see' WHERE seq = 2"], 2, "edited"),
        (["DELETE FROM audit_log WHERE seq = 3"], 3, "missing (deleted"),
        (["DELETE FROM audit_log WHERE seq = 6"], 6, "missing (deleted from the end"),
        (
            [
                "UPDATE audit_log SET seq = -1 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 4",
                "UPDATE audit_log SET seq = 4 WHERE seq = -1",
            ],
            3,
            "reordered",
        ),
    ],
    ids=["edit-details", "edit-why", "delete", "delete-last", "swap"],
)
def test_tampering_is_named_by_the_cli(
    store: Store, db_url: str, statements: list[str], bad_seq: int, why: str
) -> None:
    _fill(store, 6)
    _tamper(db_url, *statements)
    verdict = audit.verify(store)
    assert not verdict.ok and verdict.bad_seq == bad_seq and verdict.reason.startswith(why)
    done = _verify_cli(db_url)
    assert done.returncode == 1
    assert f"audit chain BROKEN at entry {bad_seq}: {why}" in done.stderr
    assert done.stdout == ""


def test_a_rewritten_hash_names_the_edited_entry(store: Store, db_url: str) -> None:
    _fill(store, 4)
    _tamper(db_url, "UPDATE audit_log SET why = 'x', hash = '" + "f" * 64 + "' WHERE seq = 2")
    verdict = audit.verify(store)
    assert (verdict.ok, verdict.bad_seq) == (False, 2) and "edited" in verdict.reason


def _append_many(url: str, worker: int, n: int, barrier: mp.synchronize.Barrier) -> None:
    with open_store(url, migrate=False) as s:
        barrier.wait()
        for i in range(n):
            audit.append(s, f"worker:{worker}", "test.append", f"item:{i}", "", {"worker": worker, "i": i})


def test_concurrent_appends_from_processes_keep_one_chain(db_url: str) -> None:
    open_store(db_url).close()  # migrated once
    ctx = mp.get_context("spawn")
    workers, per = 4, 25
    barrier = ctx.Barrier(workers)
    procs = [ctx.Process(target=_append_many, args=(db_url, w, per, barrier)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert all(p.exitcode == 0 for p in procs)
    with open_store(db_url, migrate=False) as s:
        verdict = audit.verify(s)
        assert verdict.ok, verdict.message()
        assert verdict.entries == workers * per
        got = sorted((e.details["worker"], e.details["i"]) for e in audit.entries(s))
    assert got == [(w, i) for w in range(workers) for i in range(per)]


def test_concurrent_appends_from_threads_keep_one_chain(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: audit.append(store, "t", "test.append", str(i), "", {"i": i}), range(80)))
    verdict = audit.verify(store)
    assert verdict.ok and verdict.entries == 80
