"""Batch ingest through the REST API on a real store (SQLite and PostgreSQL): a background job whose counts
reconcile as ``tipwatch analyze``'s do, bad records quarantined with their position and reason, posts searchable and
readable afterwards and linked into networks; scope rules, size limit, malformed bodies; a job left running by a
stopped server is marked failed when the next one starts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_helpers import BASE, SECRET, SessionFor, cookie_client

from tipwatch.cli.main import app as cli
from tipwatch.services import accounts, audit
from tipwatch.services.jobs import ABANDONED
from tipwatch.store.facade import Store
from tipwatch.web.auth import CSRF_HEADER

NDJSON = {"content-type": "application/x-ndjson"}

GOOD = [
    {"id": "a1", "platform": "site9", "title": "Fresh girls", "body": "new girls in town, call 98765 43210"},
    {"id": "a2", "platform": "site9", "title": "Massage", "body": "relaxing massage, call +91 98765-43210 now"},
]
LINES = [
    orjson.dumps(GOOD[0]),
    orjson.dumps(GOOD[1]),
    b'{"id": "a3", "title": "broken',  # line 3: not JSON
    b'{"id": "a4", "platform": "site9", "title": "", "body": ""}',  # line 4: no text
    orjson.dumps(GOOD[0]),  # line 5: the same post again
    b"[1, 2]",  # line 6: not an object
]


def bearer(store: Store, *scopes: str) -> dict[str, str]:
    token, _ = accounts.create_token(store, "-".join(scopes) or "none", list(scopes), secret=SECRET.encode(), actor="t")
    return {"Authorization": f"Bearer {token}"}


def wait_done(client: TestClient, location: str, headers: dict[str, str], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        got = client.get(location, headers=headers)
        assert got.status_code == 200, got.text
        job: dict[str, Any] = got.json()
        if job["status"] in ("done", "failed"):
            return job
        assert job["counts"]["read"] <= len(LINES)
        assert time.monotonic() < deadline, f"job still {job['status']} ({job['phase']})"
        time.sleep(0.1)


def test_a_batch_is_stored_linked_and_reconciled(client: TestClient, store: Store) -> None:
    headers = bearer(store, "ingest")
    sent = client.post("/api/v1/ingest", content=b"\n".join(LINES) + b"\n", headers={**headers, **NDJSON})
    assert sent.status_code == 202, sent.text
    location = sent.headers["location"]
    assert location == sent.json()["location"] == f"/api/v1/jobs/{sent.json()['job']['id']}"
    assert sent.json()["job"]["status"] in ("queued", "running", "done")
    job = wait_done(client, location, headers)
    assert job["status"] == "done", job["error"]
    assert job["counts"] == {"read": 6, "stored": 2, "duplicates": 1, "quarantined": 3, "reconciles": True}
    reasons = {q["position"]: q["reason"] for q in job["quarantined"]}
    assert set(reasons) == {"line 3", "line 4", "line 6"} and job["quarantine_total"] == 3
    assert "invalid JSON" in reasons["line 3"]
    assert "no text" in reasons["line 4"]
    assert "not a JSON object" in reasons["line 6"]
    assert job["phase"] == "finished" and job["linked"] is True and job["link"]["posts"] >= 2
    assert job["submitted_by"].startswith("token:") and job["finished_at"] >= job["started_at"]
    assert job["format"] == "jsonl" and job["run_id"] is not None
    # The posts are readable and searchable, by words and by the phone written another way.
    read = bearer(store, "read")
    found = client.get("/api/v1/search", params={"q": "98765 43210"}, headers=read).json()
    assert {h["post_id"] for h in found["hits"]} == {"site9/a1", "site9/a2"}
    post = client.get("/api/v1/posts/site9/a2", headers=read)
    assert post.status_code == 200 and post.json()["title"] == "Massage"
    # The two posts share a phone: the link stage put them in one network.
    networks = client.get("/api/v1/networks", headers=read).json()["items"]
    assert len(networks) == 1 and networks[0]["size"] == 2 and job["link"]["networks"] == 1
    network = client.get(f"/api/v1/networks/{networks[0]['id']}", headers=read).json()
    assert set(network["members"]) == {"site9/a1", "site9/a2"}
    # Audited: who submitted and how many.
    done = [e for e in audit.entries(store) if e.action.startswith("ingest")]
    assert [e.action for e in done] == ["ingest.submit", "ingest"]
    assert done[1].actor == job["submitted_by"] and done[1].target == f"job:{job['id']}"
    assert (done[1].details["read"], done[1].details["stored"], done[1].details["quarantined"]) == (6, 2, 3)
    # Sending the same batch again adds nothing.
    again = client.post("/api/v1/ingest", content=b"\n".join(LINES), headers={**headers, **NDJSON})
    second = wait_done(client, again.headers["location"], headers)
    assert second["counts"] == {"read": 6, "stored": 0, "duplicates": 3, "quarantined": 3, "reconciles": True}


def test_a_json_array_with_a_default_platform(client: TestClient, store: Store) -> None:
    headers = bearer(store, "ingest")
    batch = [{"id": "7", "title": "Room", "body": "quiet room near station"}, 42]
    sent = client.post("/api/v1/ingest?platform=Site4", json=batch, headers=headers)
    assert sent.status_code == 202, sent.text
    job = wait_done(client, sent.headers["location"], headers)
    assert job["status"] == "done" and job["format"] == "json"
    assert job["counts"] == {"read": 2, "stored": 1, "duplicates": 0, "quarantined": 1, "reconciles": True}
    assert job["quarantined"][0]["position"] == "item 2"
    assert client.get("/api/v1/posts/site4/7", headers=bearer(store, "read")).status_code == 200
    # The CLI reads the same job from the store.
    shown = CliRunner().invoke(cli, ["jobs", "show", str(job["id"]), "--db", store.url])
    assert shown.exit_code == 0, shown.output
    assert {"status": "done", "reconciles": True, "id": job["id"]}.items() <= orjson.loads(shown.stdout).items()
    listed = CliRunner().invoke(cli, ["jobs", "list", "--db", store.url])
    assert [orjson.loads(line)["id"] for line in listed.stdout.splitlines()] == [job["id"]]


def test_scopes_and_who_sees_which_job(app: FastAPI, client: TestClient, store: Store, session_for: SessionFor) -> None:
    body = orjson.dumps(GOOD[0])
    for scopes in (("read",), ("scan",), ("read", "scan")):
        refused = client.post("/api/v1/ingest", content=body, headers={**bearer(store, *scopes), **NDJSON})
        assert refused.status_code == 403 and "ingest" in refused.json()["detail"]
    session_id, csrf = session_for("viewer")
    viewer = cookie_client(app, session_id)
    assert viewer.post("/api/v1/ingest", content=body, headers={CSRF_HEADER: csrf, **NDJSON}).status_code == 403
    assert viewer.get("/api/v1/jobs").status_code == 403
    session_id, csrf = session_for("analyst")
    analyst = cookie_client(app, session_id)
    assert analyst.post("/api/v1/ingest", content=body, headers=NDJSON).status_code == 403  # no CSRF token
    sent = analyst.post("/api/v1/ingest", content=body, headers={CSRF_HEADER: csrf, **NDJSON})
    assert sent.status_code == 202, sent.text
    job = wait_done(analyst, sent.headers["location"], {})
    assert job["submitted_by"] == "user:analyst" and job["counts"]["stored"] == 1
    token = bearer(store, "ingest")
    # Another caller neither sees nor lists it; an admin sees everyone's.
    assert client.get(sent.headers["location"], headers=token).status_code == 404
    assert client.get("/api/v1/jobs", headers=token).json()["total"] == 0
    assert [j["id"] for j in analyst.get("/api/v1/jobs").json()["items"]] == [job["id"]]
    admin = cookie_client(app, session_for("admin")[0])
    assert admin.get(sent.headers["location"]).json()["id"] == job["id"]
    assert admin.get("/api/v1/jobs").json()["total"] == 1
    assert client.get("/api/v1/jobs/12345", headers=token).status_code == 404


def test_size_limit_and_malformed_bodies(client: TestClient, store: Store) -> None:
    headers = bearer(store, "ingest")
    big = b"\n".join(orjson.dumps({"id": str(i), "body": "x" * 100}) for i in range(100))  # over the app's 4096
    too_big = client.post("/api/v1/ingest", content=big, headers={**headers, **NDJSON})
    assert too_big.status_code == 413 and "over" in too_big.json()["detail"]
    cases = [
        (b'{"id": "1", "body": "x"', "application/json", 400, "not valid JSON"),
        (b'{"id": "1", "body": "x"}', "application/json", 400, "expected a JSON array"),
        (b"[]", "application/json", 400, "empty array"),
        (b"  \n\n", "application/x-ndjson", 400, "empty body"),
        (b'[{"id": "1"}]', "application/x-ndjson", 400, "send it as application/json"),
        (b'{"id": "1", "body": "x"}', "text/plain", 415, "x-ndjson"),
    ]
    for content, kind, status, message in cases:
        got = client.post("/api/v1/ingest", content=content, headers={**headers, "content-type": kind})
        assert got.status_code == status and message in got.json()["detail"], (content, got.text)
    control = client.post("/api/v1/ingest?platform=a%00b", content=b'{"body": "x"}', headers={**headers, **NDJSON})
    assert control.status_code == 422
    assert client.get("/api/v1/jobs", headers=headers).json()["total"] == 0  # nothing was queued


def test_a_job_left_running_by_a_stopped_server_is_failed_on_start(app: FastAPI, store: Store) -> None:
    now = datetime.now(UTC)
    dead = store.jobs.create("ingest", submitted_by="token:1:x", owner="gone-host:1:abcd", details={}, at=now)
    store.jobs.update(dead.id, at=now - timedelta(hours=1), status="running", phase="storing")
    import socket

    crashed = store.jobs.create(
        "ingest", submitted_by="token:1:x", owner=f"{socket.gethostname()}:999999999:ab", details={}, at=now
    )
    live = store.jobs.create("ingest", submitted_by="token:1:x", owner="other-host:1:live", details={}, at=now)
    batches = {}
    for job_id in (dead.id, live.id):
        batches[job_id] = app.state.config.data_dir / "jobs" / str(job_id) / "ingest.json"
        batches[job_id].parent.mkdir(parents=True)
        batches[job_id].write_bytes(b'{"body": "personal data"}')
    with TestClient(app, base_url=BASE) as client:  # the lifespan: a server starting
        headers = bearer(store, "ingest")
        assert client.get("/api/v1/jobs", headers=headers).status_code == 200
    for job_id in (dead.id, crashed.id):
        job = store.jobs.get(job_id)
        assert job is not None and job.status == "failed" and job.error == ABANDONED and job.finished_at
    # A fresh heartbeat from a process this host cannot check: still queued (its owner may be alive elsewhere).
    assert store.jobs.get(live.id).status == "queued"  # type: ignore[union-attr]
    # The failed job's batch file is removed; the live one's is kept.
    assert not batches[dead.id].exists() and batches[live.id].exists()
    # A finished job stays as it ended.
    assert not store.jobs.update(dead.id, at=now, status="done")
