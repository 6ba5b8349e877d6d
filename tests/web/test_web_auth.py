"""The web security layer through real HTTP requests on a real store: login (cookie flags, CSRF token, rate limit,
audit), sessions (expiry, logout), CSRF on unsafe methods, API tokens (shown once, revocation, scopes), security
headers, the body size limit, health and readiness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from web_helpers import BASE, PASSWORD, SECRET, SessionFor, cookie_client

from tipwatch.services import accounts, audit, sessions
from tipwatch.store.facade import Store
from tipwatch.web.auth import CSRF_HEADER, SESSION_COOKIE, Principal, require_face_search, require_scope
from tipwatch.web.middleware import CSP


def _login(client: TestClient, name: str, password: str = PASSWORD) -> tuple[int, dict[str, object], str]:
    r = client.post("/api/v1/auth/login", json={"name": name, "password": password})
    return r.status_code, r.json(), r.headers.get("set-cookie", "")


def test_login_sets_a_secure_session_cookie_and_returns_a_csrf_token(
    client: TestClient, store: Store, users: dict[str, accounts.User]
) -> None:
    status, body, cookie = _login(client, "analyst")
    assert status == 200, body
    assert body["user"] == {  # type: ignore[comparison-overlap]
        "kind": "user",
        "id": users["analyst"].id,
        "name": "analyst",
        "role": "analyst",
        "scopes": ["ingest", "read", "scan"],
        "face_search": False,
    }
    assert isinstance(body["csrf_token"], str) and len(body["csrf_token"]) >= 40
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert cookie.startswith(f"{SESSION_COOKIE}=") and {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["name"] == "analyst"
    # Logout is an unsafe method: refused without the CSRF token, done with it.
    assert client.post("/api/v1/auth/logout").status_code == 403
    assert client.post("/api/v1/auth/logout", headers={CSRF_HEADER: str(body["csrf_token"])}).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401
    actions = [(e.action, e.actor) for e in audit.entries(store) if e.action.startswith("auth.")]
    assert actions == [("auth.login", "user:analyst"), ("auth.logout", "user:analyst")]


def test_wrong_passwords_are_refused_then_locked_out(client: TestClient, store: Store, users: object) -> None:
    for _ in range(3):
        status, body, cookie = _login(client, "viewer", "not the password at all")
        assert status == 401 and body == {"detail": "wrong user name or password"} and cookie == ""
    r = client.post("/api/v1/auth/login", json={"name": "viewer", "password": PASSWORD})
    assert r.status_code == 429 and "locked out" in r.json()["detail"]
    assert 0 < int(r.headers["retry-after"]) <= 15 * 60 + 1
    # Unknown names count against the address: 6 failures from one address lock out every name.
    for n in range(3):
        assert _login(client, f"ghost{n}", "whatever it may be")[0] == 401
    assert _login(client, "admin")[0] == 429
    failed = [e for e in audit.entries(store) if e.action == "auth.login_failed"]
    assert len(failed) == 6 and failed[0].details == {"reason": "wrong password"}


def test_expired_or_forged_sessions_are_refused(
    app: FastAPI, client: TestClient, store: Store, users: dict[str, accounts.User]
) -> None:
    old = sessions.create_session(
        store,
        users["admin"],
        secret=SECRET.encode(),
        lifetime=timedelta(minutes=30),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    r = cookie_client(app, old.session_id).get("/api/v1/auth/me")
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    assert cookie_client(app, "x" * 43).get("/api/v1/auth/me").status_code == 401


def test_csrf_is_required_on_unsafe_cookie_requests(app: FastAPI, client: TestClient, session_for: SessionFor) -> None:
    session_id, csrf = session_for("admin")
    c = cookie_client(app, session_id)
    new_user = {"name": "newbie", "password": PASSWORD, "role": "viewer"}
    r = c.post("/api/v1/admin/users", json=new_user)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert c.post("/api/v1/admin/users", json=new_user, headers={CSRF_HEADER: csrf[:-2] + "xx"}).status_code == 403
    _, other_csrf = session_for("admin")  # another session's token does not fit this one
    assert c.post("/api/v1/admin/users", json=new_user, headers={CSRF_HEADER: other_csrf}).status_code == 403
    assert c.post("/api/v1/admin/users", json=new_user, headers={CSRF_HEADER: csrf}).status_code == 201
    # The form field is accepted too: the request gets past CSRF (and fails later, on its form body).
    assert c.post("/api/v1/admin/users/newbie/disable", data={"csrf_token": csrf}).status_code == 422
    assert c.post("/api/v1/admin/users/newbie/disable", data={"csrf_token": "wrong"}).status_code == 403
    # Safe methods need none.
    assert c.get("/api/v1/admin/users").status_code == 200


def test_admin_api_tokens_are_shown_once_revocable_and_scoped(
    app: FastAPI, client: TestClient, session_for: SessionFor, store: Store
) -> None:
    # A route needing a scope, mounted for this test only.
    extra = APIRouter()

    @extra.post("/test/scan")
    def scan(p: Annotated[Principal, Depends(require_scope("scan"))]) -> dict[str, str]:
        return {"actor": p.actor}

    @extra.get("/test/faces")
    def faces(p: Annotated[Principal, Depends(require_face_search)]) -> dict[str, str]:
        return {"actor": p.actor}

    app.include_router(extra)
    session_id, csrf = session_for("admin")
    admin = cookie_client(app, session_id)
    r = admin.post("/api/v1/admin/tokens", json={"name": "reader", "scopes": ["read"]}, headers={CSRF_HEADER: csrf})
    assert r.status_code == 201
    token, record = r.json()["token"], r.json()["record"]
    assert token.startswith(record["prefix"]) and record["scopes"] == ["read"]
    listed = admin.get("/api/v1/admin/tokens").json()
    assert [t["id"] for t in listed] == [record["id"]] and token not in str(listed)
    bearer = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/auth/me", headers=bearer).json()
    assert (me["kind"], me["name"], me["scopes"]) == ("token", "reader", ["read"])
    # No CSRF needed with a bearer token; the scope is enforced.
    assert client.post("/test/scan", headers=bearer).status_code == 403
    scanner, _ = accounts.create_token(store, "scanner", ["scan"], secret=SECRET.encode(), actor="t")
    ok = client.post("/test/scan", headers={"Authorization": f"Bearer {scanner}"})
    assert ok.status_code == 200 and ok.json()["actor"].startswith("token:")
    # Users get scopes from their role: viewers read only.
    viewer_id, viewer_csrf = session_for("viewer")
    assert cookie_client(app, viewer_id).post("/test/scan", headers={CSRF_HEADER: viewer_csrf}).status_code == 403
    analyst_id, analyst_csrf = session_for("analyst")
    assert cookie_client(app, analyst_id).post("/test/scan", headers={CSRF_HEADER: analyst_csrf}).status_code == 200
    # Face search is its own permission, whatever the role.
    assert cookie_client(app, session_for("admin")[0]).get("/test/faces").status_code == 403
    assert cookie_client(app, session_for("faces")[0]).get("/test/faces").status_code == 200
    assert client.get("/test/faces", headers={"Authorization": f"Bearer {scanner}"}).status_code == 403
    revoked = admin.post(
        f"/api/v1/admin/tokens/{record['id']}/revoke", json={"why": "leaked"}, headers={CSRF_HEADER: csrf}
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"}).status_code == 401
    acts = [(e.action, e.actor, e.why) for e in audit.entries(store) if e.action.startswith("token.")]
    assert ("token.revoke", "user:admin", "leaked") in acts and acts[0][:2] == ("token.create", "user:admin")


def test_admin_user_changes_and_audit_pages(app: FastAPI, session_for: SessionFor, store: Store) -> None:
    session_id, csrf = session_for("admin")
    admin = cookie_client(app, session_id)
    h = {CSRF_HEADER: csrf}
    assert (
        admin.post(
            "/api/v1/admin/users", json={"name": "x", "password": "short", "role": "viewer"}, headers=h
        ).status_code
        == 422
    )
    assert (
        admin.post(
            "/api/v1/admin/users", json={"name": "viewer", "password": PASSWORD, "role": "viewer"}, headers=h
        ).status_code
        == 409
    )
    r = admin.post(
        "/api/v1/admin/users/viewer/role", json={"role": "analyst", "face_search": True, "why": "case 7"}, headers=h
    )
    assert r.status_code == 200 and (r.json()["role"], r.json()["face_search"]) == ("analyst", True)
    assert admin.post("/api/v1/admin/users/nobody/role", json={"role": "analyst"}, headers=h).status_code == 404
    victim_id, _ = session_for("supervisor")
    assert admin.post("/api/v1/admin/users/supervisor/disable", json={"why": "left"}, headers=h).json()["disabled"]
    assert cookie_client(app, victim_id).get("/api/v1/auth/me").status_code == 401  # sessions ended
    page = admin.get("/api/v1/audit", params={"limit": 2}).json()
    assert [e["action"] for e in page["entries"]] == ["user.disable", "user.set_role"]
    assert page["entries"][1]["why"] == "case 7" and page["entries"][1]["actor"] == "user:admin"
    rest = admin.get("/api/v1/audit", params={"before_seq": page["next_before_seq"], "limit": 500}).json()
    assert rest["next_before_seq"] is None and rest["entries"][-1]["seq"] == 1
    verdict = admin.get("/api/v1/audit/verify").json()
    assert verdict["ok"] and verdict["message"] == f"audit chain OK: {store.audit.count()} entries"


def test_security_headers_on_every_response(client: TestClient) -> None:
    for r in (client.get("/health"), client.get("/api/v1/auth/me"), client.get("/nowhere")):
        assert r.headers["content-security-policy"] == CSP
        assert "'unsafe-inline'" not in CSP and "script-src 'self';" in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    assert client.get("/api/v1/auth/me").headers["cache-control"] == "no-store"
    assert client.get("/docs").status_code == 404  # no inline-script documentation pages


def test_request_bodies_over_the_limit_are_refused(client: TestClient) -> None:
    big = {"name": "x", "password": "y" * 5000}
    r = client.post("/api/v1/auth/login", json=big)
    assert r.status_code == 413 and "4096 bytes" in r.json()["detail"]

    def chunks() -> object:
        yield b'{"name": "x", "password": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    r = client.post("/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"})  # type: ignore[arg-type]
    assert r.status_code == 413


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    r = client.get("/ready")
    assert r.status_code == 200 and r.json() == {"status": "ready"}


def test_plain_http_cookie_only_when_configured(db_url: str, tmp_path: object, users: object) -> None:
    from pathlib import Path

    from tipwatch.config import Config
    from tipwatch.web.app import create_app

    app = create_app(
        Config(database_url=db_url, data_dir=Path(str(tmp_path)) / "d2", secret_key=SECRET, plain_http_loopback=True)  # type: ignore[arg-type]
    )
    with TestClient(app, base_url="http://127.0.0.1") as c:
        r = c.post("/api/v1/auth/login", json={"name": "viewer", "password": PASSWORD})
        assert r.status_code == 200 and "secure" not in r.headers["set-cookie"].lower()
        assert c.get("/api/v1/auth/me").status_code == 200
    assert BASE.startswith("https://")
