"""Batch ingest against the real ``tipwatch serve`` (two Uvicorn workers, SQLite store): the job's progress is read
from the store by whichever worker answers; a server killed in the middle of a job leaves it marked failed once the
server is started again (never "running" for ever), and the restarted server takes new batches."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from tipwatch.synth.generator import generate

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "TIPWATCH_DATA_DIR": str(tmp_path / "data"), "TIPWATCH_PLAIN_HTTP_LOOPBACK": "true"}
    env.pop("TIPWATCH_SECRET_KEY", None)
    return env


@contextmanager
def serving(tmp_path: Path, url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [TIPWATCH, "serve", "--port", str(port), "--workers", "2", "--db", url],
        env=_env(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the test can kill the server and its workers at once
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "tipwatch serve did not answer within 90 s"
            time.sleep(0.3)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(60)


def _job(base: str, location: str, headers: dict[str, str]) -> dict[str, Any]:
    got = httpx.get(base + location, headers=headers, timeout=10)
    assert got.status_code == 200, got.text
    return dict(got.json())


def test_a_job_cut_short_by_a_killed_server_is_failed_after_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    batch = b"".join(orjson.dumps(post) + b"\n" for post, _truth in generate(8000, 3))
    assert len(batch) < 10_000_000  # under the default body limit
    with serving(tmp_path, url) as (base, proc):
        made = subprocess.run(
            [TIPWATCH, "tokens", "create", "--name", "crawler", "--scope", "ingest", "--db", url],
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(tmp_path),
            cwd=tmp_path,
        )
        assert made.returncode == 0, made.stderr
        headers = {"Authorization": f"Bearer {made.stdout.strip()}"}
        sent = httpx.post(
            f"{base}/api/v1/ingest",
            content=batch,
            headers={**headers, "content-type": "application/x-ndjson"},
            timeout=60,
        )
        assert sent.status_code == 202, sent.text
        location = sent.headers["location"]
        # Progress shows while it runs (read from the store by either worker); then the server dies.
        deadline = time.monotonic() + 120
        while True:
            job = _job(base, location, headers)
            assert job["status"] in ("queued", "running"), f"finished before it could be interrupted: {job}"
            if job["status"] == "running" and job["counts"]["read"] > 0:
                break
            assert time.monotonic() < deadline, job
            time.sleep(0.05)
        counts = job["counts"]
        assert counts["read"] == counts["stored"] + counts["duplicates"] + counts["quarantined"] < 8000
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        assert (tmp_path / "data" / "jobs" / str(job["id"]) / "ingest.json").exists()
    with serving(tmp_path, url) as (base, _proc):
        job = _job(base, location, headers)
        assert job["status"] == "failed" and "interrupted" in job["error"] and job["finished_at"], job
        # The batch it was reading is not left in data_dir (its quarantine file stays).
        assert not (tmp_path / "data" / "jobs" / str(job["id"]) / "ingest.json").exists()
        shown = subprocess.run(
            [TIPWATCH, "jobs", "show", str(job["id"]), "--db", url],
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(tmp_path),
            cwd=tmp_path,
        )
        assert json.loads(shown.stdout)["status"] == "failed"
        # The restarted server takes the batch again: what was stored before the kill counts as duplicates.
        again = httpx.post(
            f"{base}/api/v1/ingest",
            content=batch,
            headers={**headers, "content-type": "application/x-ndjson"},
            timeout=60,
        )
        assert again.status_code == 202
        deadline = time.monotonic() + 600
        while (job := _job(base, again.headers["location"], headers))["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.5)
        assert job["status"] == "done", job["error"]
        assert job["counts"]["read"] == 8000 and job["counts"]["reconciles"] and job["linked"]
        assert job["counts"]["duplicates"] >= counts["stored"]
