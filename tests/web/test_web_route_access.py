"""Every route's access rule, checked by enumerating ``app.routes``: a route missing from ACCESS fails the test;
every non-public route refuses an anonymous request (401); every role rule is declared in the route's dependencies
and enforced for each role (403 below it, admitted at or above it); API tokens never pass a role rule.

Adding a router: give each route a rule in code (``Depends(require_role(...))``, ``require_scope``,
``require_face_search``, or ``CurrentPrincipal`` for any signed-in principal) and a line in ACCESS."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from web_helpers import BASE, SECRET, SessionFor, cookie_client

from tipwatch.services import accounts
from tipwatch.services.accounts import ROLES, has_role, role_scopes
from tipwatch.store.facade import Store
from tipwatch.web.auth import CSRF_HEADER, dependency_rules

PUBLIC = "public"
ANY = "authenticated"  # any user session or API token
SCOPE = "scope:"  # "scope:scan": a token with that scope, or a user whose role implies it
FACES = "face_search"  # a signed-in user holding the face-search permission, whatever the role

ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): ANY,
    ("GET", "/api/v1/auth/me"): ANY,
    ("GET", "/api/v1/admin/users"): "admin",
    ("POST", "/api/v1/admin/users"): "admin",
    ("POST", "/api/v1/admin/users/{name}/role"): "admin",
    ("POST", "/api/v1/admin/users/{name}/disable"): "admin",
    ("GET", "/api/v1/admin/tokens"): "admin",
    ("POST", "/api/v1/admin/tokens"): "admin",
    ("POST", "/api/v1/admin/tokens/{token_id}/revoke"): "admin",
    ("GET", "/api/v1/audit"): "supervisor",
    ("GET", "/api/v1/audit/verify"): "supervisor",
    # The analyst's pages (web/pages/): anonymous browsers are sent to /login (303) instead of a 401.
    ("*", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): ANY,
    ("GET", "/"): "viewer",
    ("GET", "/review"): "analyst",
    ("POST", "/review/decide"): "analyst",
    ("POST", "/review/skip"): "analyst",
    ("GET", "/posts/{post_id:path}"): "viewer",
    ("GET", "/media/{post_id:path}/{index:int}"): "viewer",
    ("GET", "/networks/{network_id}"): "viewer",
    ("GET", "/networks/{network_id}/members"): "viewer",
    ("GET", "/search"): "viewer",
    ("POST", "/evidence/capture"): "analyst",
    ("POST", "/api/v1/capture"): "analyst",
    ("GET", "/api/v1/cases/{case_id}/evidence"): "analyst",
    ("POST", "/api/v1/cases/{case_id}/evidence/export"): "analyst",
    ("POST", "/cases/{case_id}/evidence/export"): "analyst",
    ("POST", "/cases/{case_id}/export"): "analyst",
    ("GET", "/evidence/verify"): "analyst",
    ("POST", "/evidence/verify"): "analyst",
    ("GET", "/cases"): "viewer",
    ("POST", "/cases"): "analyst",
    ("GET", "/cases/{case_id}"): "viewer",
    ("POST", "/cases/{case_id}/change"): "analyst",
    ("POST", "/cases/{case_id}/notes"): "analyst",
    ("POST", "/cases/{case_id}/remove"): "analyst",
    ("POST", "/cases/add"): "analyst",
    ("GET", "/banks"): "analyst",
    ("POST", "/banks"): "supervisor",
    ("POST", "/banks/{name}/import"): "supervisor",
    ("POST", "/banks/{name}/enable"): "supervisor",
    ("POST", "/banks/{name}/disable"): "supervisor",
    ("POST", "/banks/{name}/threshold"): "supervisor",
    ("GET", "/notices"): "analyst",
    ("POST", "/notices/{notice_id}/approve"): "supervisor",
    ("POST", "/notices/draft"): "analyst",
    ("POST", "/notices/{notice_id}/send"): "supervisor",
    ("POST", "/notices/{notice_id}/mark"): "analyst",
    ("POST", "/notices/recheck"): "supervisor",
    ("POST", "/api/v1/scan"): "scope:scan",
    ("GET", "/api/v1/posts"): "scope:read",
    ("GET", "/api/v1/posts/{post_id:path}"): "scope:read",
    ("GET", "/api/v1/networks"): "scope:read",
    ("GET", "/api/v1/networks/{network_id}"): "scope:read",
    ("GET", "/api/v1/search"): "scope:read",
    ("GET", "/api/v1/alerts"): "scope:read",
    ("GET", "/api/v1/watches"): "analyst",
    ("POST", "/api/v1/watches"): "analyst",
    ("DELETE", "/api/v1/watches/{watch_id}"): "analyst",
    ("GET", "/api/v1/trends"): "scope:read",
    ("POST", "/api/v1/review/next"): "analyst",
    ("POST", "/api/v1/review/{post_id:path}/decision"): "analyst",
    ("POST", "/api/v1/review/{post_id:path}/skip"): "analyst",
    ("GET", "/api/v1/review/stats"): "analyst",
    ("GET", "/api/v1/cases"): "viewer",
    ("POST", "/api/v1/cases"): "analyst",
    ("GET", "/api/v1/cases/{case_id}"): "viewer",
    ("PATCH", "/api/v1/cases/{case_id}"): "analyst",
    ("POST", "/api/v1/cases/{case_id}/members"): "analyst",
    ("POST", "/api/v1/cases/{case_id}/members/remove"): "analyst",
    ("POST", "/api/v1/cases/{case_id}/notes"): "analyst",
    ("GET", "/api/v1/notices"): "analyst",
    ("POST", "/api/v1/notices"): "analyst",
    ("GET", "/api/v1/notices/{notice_id}"): "analyst",
    ("POST", "/api/v1/notices/{notice_id}/approve"): "supervisor",
    ("POST", "/api/v1/notices/{notice_id}/send"): "supervisor",
    ("POST", "/api/v1/notices/recheck"): "supervisor",
    ("GET", "/api/v1/banks"): "analyst",
    ("POST", "/api/v1/banks"): "supervisor",
    ("POST", "/api/v1/banks/{name}/import"): "supervisor",
    ("GET", "/api/v1/banks/{name}/export"): "supervisor",
    ("POST", "/api/v1/exchange/export"): "analyst",
    ("POST", "/api/v1/exchange/match"): "analyst",
    ("GET", "/exchange"): "supervisor",
    ("POST", "/exchange/keys"): "supervisor",
    ("POST", "/exchange/keys/import"): "supervisor",
    ("POST", "/exchange/export"): "supervisor",
    ("POST", "/exchange/match"): "supervisor",
    ("POST", "/api/v1/exports/networks"): "viewer",
    ("POST", "/api/v1/exports/cases/{case_id}"): "viewer",
    ("GET", "/exports"): "viewer",
    ("POST", "/exports/networks"): "viewer",
    ("POST", "/exports/case"): "viewer",
    ("POST", "/api/v1/feeds/export"): "analyst",
    ("POST", "/api/v1/feeds/import"): "supervisor",
    ("POST", "/api/v1/banks/{name}/enable"): "supervisor",
    ("POST", "/api/v1/banks/{name}/disable"): "supervisor",
    ("POST", "/api/v1/banks/{name}/threshold"): "supervisor",
    # Audit, watchlists and face search (pages and API).
    ("GET", "/audit"): "supervisor",
    ("GET", "/watchlists"): "viewer",
    ("POST", "/watchlists"): "analyst",
    ("POST", "/watchlists/{watch_id}/stop"): "analyst",
    ("GET", "/faces"): FACES,
    ("POST", "/faces"): FACES,
    ("POST", "/api/v1/faces/search"): FACES,
    ("GET", "/api/v1/faces/log"): "supervisor",
    ("GET", "/faces/log"): "supervisor",
    ("POST", "/api/v1/ingest"): "scope:ingest",
    ("GET", "/api/v1/jobs"): "scope:ingest",
    ("GET", "/api/v1/jobs/{job_id}"): "scope:ingest",
}
# Routes that are HTML pages: an anonymous or forged-session request is answered 303 to /login.
PAGES = {(m, p) for m, p in ACCESS if not p.startswith(("/api/", "/health", "/ready", "/static"))}


def _routes(app: FastAPI) -> list[tuple[str, str, Any]]:
    """(method, path, route) of every effective route, included routers flattened; a mount counts as method "*"."""
    found = []
    for route in iter_route_contexts(app.routes):
        assert route.path, f"a route without a path: {route!r}"
        for method in sorted(route.methods or {"*"}):
            if method != "HEAD":
                found.append((method, route.path, route))
    return found


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


def _response(client: TestClient, method: str, path: str, csrf: str | None = None) -> Any:
    headers = {CSRF_HEADER: csrf} if csrf else {}
    if method in ("POST", "PUT", "PATCH"):
        return client.request(method, _url(path), json={}, headers=headers, follow_redirects=False)
    return client.request(method, _url(path), headers=headers, follow_redirects=False)


def _call(client: TestClient, method: str, path: str, csrf: str | None = None) -> int:
    return int(_response(client, method, path, csrf).status_code)


def _refused_anonymous(client: TestClient, method: str, path: str) -> bool:
    """401 for the API; for a page, 303 to the sign-in form (and nothing else)."""
    response = _response(client, method, path)
    if (method, path) in PAGES:
        return response.status_code == 303 and response.headers.get("location", "").startswith("/login?next=")
    return response.status_code == 401


def test_every_route_has_an_access_rule(app: FastAPI) -> None:
    declared = {(m, p) for m, p, _ in _routes(app)}
    missing = sorted(declared - ACCESS.keys())
    stale = sorted(ACCESS.keys() - declared)
    assert missing == [], f"routes without an access rule in ACCESS: {missing}"
    assert stale == [], f"ACCESS lists routes that do not exist: {stale}"


def test_role_rules_are_declared_on_the_routes(app: FastAPI) -> None:
    for method, path, route in _routes(app):
        need = ACCESS[(method, path)]
        rules = dependency_rules(getattr(route, "dependant", None))
        if need in ROLES:
            assert ("role", need) in rules, f"{method} {path} lacks require_role({need!r})"
        elif need == ANY:
            assert ("authenticated", "") in rules, f"{method} {path} lacks current_principal"
        elif need.startswith(SCOPE):
            assert ("scope", need[len(SCOPE) :]) in rules, f"{method} {path} lacks require_scope({need!r})"
        elif need == FACES:
            assert ("face_search", "") in rules, f"{method} {path} lacks require_face_search"
        else:
            assert need == PUBLIC and not rules, f"{method} {path} is listed public but has rules {rules}"


def test_every_non_public_route_refuses_anonymous_requests(client: TestClient) -> None:
    checked = 0
    for (method, path), need in ACCESS.items():
        if need == PUBLIC:
            continue
        assert _refused_anonymous(client, method, path), f"{method} {path} answered an anonymous request"
        bogus = TestClient(client.app, base_url=BASE, cookies={"tipwatch_session": "forged"})
        assert _refused_anonymous(bogus, method, path), f"{method} {path} accepted a forged session"
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("role", ROLES)
def test_role_rules_hold_for_each_role(app: FastAPI, client: TestClient, session_for: SessionFor, role: str) -> None:
    for (method, path), need in ACCESS.items():
        if need == PUBLIC:
            continue
        session_id, csrf = session_for(role)
        status = _call(cookie_client(app, session_id), method, path, csrf)
        if need.startswith(SCOPE):
            admitted = need[len(SCOPE) :] in role_scopes(role)
        elif need == FACES:
            admitted = False  # the role users lack the permission (test_face_search_needs_the_permission)
        else:
            admitted = need == ANY or has_role(role, need)
        if admitted:
            assert status not in (401, 403), f"{role} refused on {method} {path} ({status})"
        else:
            assert status == 403, f"{role} admitted to {method} {path} needing {need} ({status})"


def test_face_search_needs_the_permission(app: FastAPI, session_for: SessionFor) -> None:
    """The "faces" user (an analyst holding the permission) is admitted where analysts without it are refused."""
    session_id, csrf = session_for("faces")
    face_routes = [(m, p) for (m, p), need in ACCESS.items() if need == FACES]
    assert len(face_routes) >= 3
    for method, path in face_routes:
        status = _call(cookie_client(app, session_id), method, path, csrf)
        assert status not in (401, 403), f"the face-search user was refused on {method} {path} ({status})"


def test_tokens_never_pass_a_role_rule(client: TestClient, store: Store) -> None:
    token, _ = accounts.create_token(store, "all scopes", ["read", "scan", "ingest"], secret=SECRET.encode(), actor="t")
    bearer = {"Authorization": f"Bearer {token}"}
    for (method, path), need in ACCESS.items():
        if need in ROLES or need == FACES:
            status = client.request(method, _url(path), headers=bearer, json={} if method == "POST" else None)
            assert status.status_code == 403, f"a token passed {method} {path}"
