"""Faults (issue 8 item 6): workers end with their parent; SIGTERM marks the run; stale runs are marked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa

from tipwatch.store.tables import runs

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")

_PARENT = textwrap.dedent(
    """
    import os, sys, time
    from tipwatch.engines.local import map_ordered

    def slow(chunk):
        time.sleep(600)
        return chunk

    print(os.getpid(), flush=True)
    for _ in map_ordered(slow, range(100), workers=2, chunk_size=1):
        pass
    """
)


def _wait_for(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_their_parent_dies(sig: signal.Signals) -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        proc = psutil.Process(pid)
        assert _wait_for(lambda: len(proc.children()) == 2, 30), "workers did not start"
        workers = proc.children()
        os.kill(pid, sig)
        parent.wait(timeout=30)
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert alive == [], f"workers outlived their parent: {alive}"
    finally:
        if parent.poll() is None:
            parent.kill()


def _runs(url: str) -> list[dict[str, object]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(runs).order_by(runs.c.id)).mappings()]
    finally:
        engine.dispose()


def test_sigterm_marks_the_run_interrupted_and_stops_the_workers(tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    done = subprocess.run(
        [TIPWATCH, "synth", "--n", "6000", "--seed", "3", "--out", str(posts), "--truth", str(tmp_path / "t.jsonl")],
        capture_output=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    url = f"sqlite:///{tmp_path / 'store.db'}"
    args = [TIPWATCH, "analyze", str(posts), "--db", url, "--workers", "2", "--batch", "50", "--no-link"]
    proc = subprocess.Popen([*args, "--quarantine", str(tmp_path / "q.jsonl")], stderr=subprocess.PIPE)
    try:
        ps = psutil.Process(proc.pid)
        assert _wait_for(lambda: len(ps.children()) == 2, 120), "workers did not start"
        workers = ps.children()
        time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        _, alive = psutil.wait_procs(workers, timeout=10)
        assert alive == []
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    (run,) = _runs(url)
    assert run["status"] == "interrupted", err
    assert run["status"] == "interrupted" and run["finished_at"] is not None


def test_a_killed_run_is_marked_interrupted_on_the_next_start(db_url: str) -> None:
    from tipwatch.store.db import open_engine
    from tipwatch.store.writer import Counts, finish_run, mark_interrupted, start_run

    url = db_url
    engine = open_engine(url)
    # A run whose process was SIGKILLed: its row says "running", its liveness lock is gone with the process.
    killed = subprocess.run(
        [sys.executable, "-c", f"from tipwatch.store.db import open_engine; from tipwatch.store.writer import "
         f"start_run; import os; start_run(open_engine({url!r}), 'analyze', [], None); os._exit(9)"],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr
    assert [r["status"] for r in _runs(url)] == ["running"]
    live = start_run(engine, "analyze", ["x"], None)  # a live run in this process is never marked
    statuses = {r["id"]: r["status"] for r in _runs(url)}
    assert statuses == {1: "interrupted", live: "running"}
    assert mark_interrupted(engine) == []
    finish_run(engine, live, Counts(), "ok")
    assert _runs(url)[-1]["status"] == "ok"
    engine.dispose()
