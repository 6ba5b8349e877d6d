"""`tipwatch users`, `tipwatch tokens` and `tipwatch audit` through the real command: passwords from stdin, the
token alone on stdout, every admin act audited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tipwatch.services import accounts, audit
from tipwatch.store.account_tables import api_tokens
from tipwatch.store.facade import open_store

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
PASSWORD = "a long enough password"


def tw(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIPWATCH_DATA_DIR": str(tmp_path / "data")}
    env.pop("TIPWATCH_SECRET_KEY", None)
    return subprocess.run(
        [TIPWATCH, *args], input=stdin, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path
    )


def test_users_add_list_set_role_disable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    done = tw(
        tmp_path, "users", "add", "alice", "--role", "analyst", "--face-search", "--db", url, stdin=PASSWORD + "\n"
    )
    assert done.returncode == 0, done.stderr
    assert "user 'alice' added (analyst, face search)" in done.stderr and done.stdout == ""
    with open_store(url) as store:
        assert accounts.authenticate(store, "alice", PASSWORD, address="cli-test").name == "alice"
    done = tw(tmp_path, "users", "add", "alice", "--role", "viewer", "--db", url, stdin=PASSWORD + "\n")
    assert done.returncode == 1 and done.stderr == "error: user 'alice' already exists\n"
    done = tw(tmp_path, "users", "add", "bob", "--role", "king", "--db", url, stdin=PASSWORD + "\n")
    assert done.returncode == 1 and "unknown role 'king'" in done.stderr
    done = tw(tmp_path, "users", "add", "bob", "--role", "viewer", "--db", url, stdin="")
    assert done.returncode == 1 and "no password" in done.stderr
    assert tw(tmp_path, "users", "set-role", "alice", "--role", "supervisor", "--db", url).returncode == 0
    assert tw(tmp_path, "users", "disable", "alice", "--why", "left the unit", "--db", url).returncode == 0
    done = tw(tmp_path, "users", "list", "--db", url)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["name"], r["role"], r["face_search"], r["disabled"]) for r in rows] == [
        ("alice", "supervisor", True, True)
    ]
    assert "password" not in done.stdout
    with open_store(url) as store:
        acts = [(e.action, e.target, e.why) for e in audit.entries(store) if e.action.startswith("user.")]
        assert acts == [
            ("user.add", "user:alice", ""),
            ("user.set_role", "user:alice", ""),
            ("user.disable", "user:alice", "left the unit"),
        ]
        assert all(e.actor.startswith("cli:") for e in audit.entries(store) if e.action.startswith("user."))


def test_tokens_create_prints_exactly_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    done = tw(tmp_path, "tokens", "create", "--name", "scanner", "--scope", "scan", "--scope", "read", "--db", url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and done.stdout == lines[0] + "\n" and lines[0].startswith("tw_")
    token = lines[0]
    secret_file = tmp_path / "data" / "secret_key"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(api_tokens)).mappings().one()
    engine.dispose()
    assert token not in json.dumps({k: str(v) for k, v in stored.items()})
    listed = [json.loads(x) for x in tw(tmp_path, "tokens", "list", "--db", url).stdout.splitlines()]
    assert [(t["id"], t["name"], t["scopes"], t["revoked_at"]) for t in listed] == [
        (1, "scanner", ["scan", "read"], None)
    ]
    assert token not in tw(tmp_path, "tokens", "list", "--db", url).stdout
    secret = secret_file.read_text().strip().encode()
    with open_store(url) as store:
        assert accounts.verify_token(store, token, secret=secret) is not None
    assert tw(tmp_path, "tokens", "revoke", "1", "--db", url).returncode == 0
    again = tw(tmp_path, "tokens", "revoke", "1", "--db", url)
    assert again.returncode == 1 and "no live token 1" in again.stderr
    # Revoked by another process: a process that verified the token trusts that check for TOKEN_RECHECK (5 s).
    monkeypatch.setattr(accounts, "TOKEN_RECHECK", timedelta(0))
    with open_store(url) as store:
        assert accounts.verify_token(store, token, secret=secret) is None
        assert [e.action for e in audit.entries(store)] == ["token.create", "token.revoke"]
    bad = tw(tmp_path, "tokens", "create", "--name", "x", "--scope", "everything", "--db", url)
    assert bad.returncode == 1 and bad.stdout == "" and "scopes must be among" in bad.stderr
    done = tw(tmp_path, "audit", "verify", "--db", url)
    assert (done.returncode, done.stdout) == (0, "audit chain OK: 2 entries\n")


def test_a_short_configured_secret_is_a_clear_usage_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    env = {**os.environ, "TIPWATCH_SECRET_KEY": "too-short"}
    done = subprocess.run(
        [TIPWATCH, "tokens", "create", "--name", "x", "--scope", "read", "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2 and "secret_key must be at least 32 characters" in done.stderr and done.stdout == ""


def test_serve_runs_workers_that_answer(tmp_path: Path) -> None:
    import socket
    import time

    import httpx

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TIPWATCH_DATA_DIR": str(tmp_path / "data"), "TIPWATCH_PLAIN_HTTP_LOOPBACK": "true"}
    refused = subprocess.run(
        [TIPWATCH, "serve", "--host", "0.0.0.0", "--db", url], capture_output=True, text=True, timeout=60, env=env
    )
    assert refused.returncode == 1 and "not a loopback address" in refused.stderr
    proc = subprocess.Popen(
        [TIPWATCH, "serve", "--port", str(port), "--workers", "2", "--db", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "tipwatch serve did not answer within 60 s"
                time.sleep(0.3)
        assert r.status_code == 200 and r.json() == {"status": "ready"}
        assert r.headers["x-content-type-options"] == "nosniff" and "server" not in r.headers
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/auth/me", timeout=5).status_code == 401
    finally:
        proc.terminate()
        proc.wait(30)
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600
