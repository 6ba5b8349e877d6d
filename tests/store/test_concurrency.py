"""Concurrent analysts (issue 8 item 6): migrations under a lock; duplicates inserted by another run meanwhile are
counted as duplicates, not errors; both runs finish and reconcile."""

from __future__ import annotations

import multiprocessing as mp
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.store import writer as writer_module
from tipwatch.store.db import open_engine
from tipwatch.store.tables import posts, runs
from tipwatch.store.writer import PostWriter, finish_run, start_run

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


def _open_at_once(url: str, barrier: mp.synchronize.Barrier, errors: mp.Queue[str]) -> None:
    barrier.wait()
    try:
        open_engine(url).dispose()
    except Exception as exc:
        errors.put(f"{type(exc).__name__}: {exc}")


def test_commands_starting_together_on_a_new_store_all_migrate(db_url: str) -> None:
    ctx = mp.get_context("spawn")  # a fresh interpreter each, like separate commands
    barrier = ctx.Barrier(4)
    errors: mp.Queue[str] = ctx.Queue()
    procs = [ctx.Process(target=_open_at_once, args=(db_url, barrier, errors)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == [] and all(p.exitcode == 0 for p in procs)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(runs)).scalar_one() == 0
    engine.dispose()


def _result(pid: str, body: str = "body") -> PostResult:
    post = Post(id=pid, source="in.jsonl", position=f"line {pid}", body=body, raw=body, source_id=pid)
    return PostResult(post, [], [], Assessment(0.1))


def test_a_post_inserted_by_another_run_meanwhile_is_a_duplicate(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = start_run(engine, "analyze", ["b.jsonl"], None)
    ours = start_run(engine, "analyze", ["a.jsonl"], None)
    # Our look-up ran before the other run committed: it saw none of these ids.
    monkeypatch.setattr(writer_module, "_existing", lambda *a, **k: set())
    theirs = PostWriter(engine, other)
    theirs.write([_result("x/1"), _result("x/2")])
    mine = PostWriter(engine, ours)
    mine.write([_result("x/1"), _result("x/2", "other words"), _result("x/3")])
    for run_id, w in ((other, theirs), (ours, mine)):
        finish_run(engine, run_id, w.counts, "ok")
    c = mine.counts
    assert (c.read, c.stored, c.duplicates, c.quarantined) == (3, 1, 2, 0) and c.reconciles
    assert mine.changed == 1  # x/2 arrived with different content
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(posts)).scalar_one() == 3
        owners = dict(conn.execute(sa.select(posts.c.id, posts.c.run_id)).all())
    assert owners == {"x/1": other, "x/2": other, "x/3": ours}


def test_two_analyze_runs_on_the_same_input_and_a_new_store_both_finish(tmp_path: Path, db_url: str) -> None:
    posts_file = tmp_path / "posts.jsonl"
    done = subprocess.run(
        [TIPWATCH, "synth", "--n", "600", "--seed", "4", "--out", str(posts_file), "--truth", str(tmp_path / "t")],
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    url = db_url
    procs = [
        subprocess.Popen(
            [TIPWATCH, "analyze", str(posts_file), "--db", url, "--workers", "1", "--batch", "20", "--no-link",
             "--no-media", "--quarantine", str(tmp_path / f"q{i}.jsonl")],
            stderr=subprocess.PIPE,
        )
        for i in range(2)
    ]  # fmt: skip
    errs = [p.communicate(timeout=900)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(runs)).mappings()]
        stored = conn.execute(sa.select(sa.func.count()).select_from(posts)).scalar_one()
    engine.dispose()
    assert [r["status"] for r in rows] == ["ok", "ok"]
    n = len(posts_file.read_text(encoding="utf-8").splitlines())  # synthetic ids are unique, nothing is rejected
    for r in rows:
        assert (r["read"], r["quarantined"]) == (n, 0)
        assert r["stored"] + r["duplicates"] == n  # type: ignore[operator]
    assert sum(int(str(r["stored"])) for r in rows) == stored == n  # each post stored once, by one of the runs
