"""The sign-in form: its CSRF token, the rate limit and audit it shares with the API, safe redirects, pages sending
anonymous browsers to /login, and sign-out."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import BASE, PASSWORD

from tipwatch.services import accounts
from tipwatch.store.facade import Store
from tipwatch.web.auth import SESSION_COOKIE


def _form_token(client: TestClient, url: str = "/login") -> str:
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _login(client: TestClient, name: str, password: str, token: str, next_url: str = "/") -> object:
    data = {"name": name, "password": password, "csrf_token": token, "next": next_url}
    return client.post("/login", data=data, follow_redirects=False)


def test_a_page_sends_an_anonymous_browser_to_login_and_back(
    client: TestClient, users: dict[str, accounts.User]
) -> None:
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=/"
    token = _form_token(client, first.headers["location"])
    done = _login(client, "analyst", PASSWORD, token, "/")
    assert done.status_code == 303 and done.headers["location"] == "/"  # type: ignore[attr-defined]
    assert SESSION_COOKIE in client.cookies
    page = client.get("/")
    assert page.status_code == 200 and "Dashboard" in page.text and "analyst" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_the_login_form_needs_its_token_and_cookie(app: FastAPI, users: dict[str, accounts.User]) -> None:
    with TestClient(app, base_url=BASE) as c:
        assert _login(c, "analyst", PASSWORD, "made-up").status_code == 403  # type: ignore[attr-defined]
        token = _form_token(c)
    # The token without the cookie it belongs to (another browser, or a cross-site form) is refused.
    with TestClient(app, base_url=BASE) as other:
        assert _login(other, "analyst", PASSWORD, token).status_code == 403  # type: ignore[attr-defined]
        assert SESSION_COOKIE not in other.cookies


def test_wrong_passwords_are_limited_and_audited(
    client: TestClient, store: Store, users: dict[str, accounts.User]
) -> None:
    statuses = [
        _login(client, "analyst", "wrong password!!", _form_token(client)).status_code  # type: ignore[attr-defined]
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]  # the app fixture allows 3 failures per name
    actions = [e.action for e in store.audit.entries()]
    assert actions.count("auth.login_failed") == 3 and "auth.locked_out" in actions


def test_next_never_leaves_the_site(client: TestClient, users: dict[str, accounts.User]) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        done = _login(client, "viewer", PASSWORD, _form_token(client), target)
        assert done.headers["location"] == "/"  # type: ignore[attr-defined]


def test_sign_out_ends_the_session(client: TestClient, users: dict[str, accounts.User]) -> None:
    _login(client, "viewer", PASSWORD, _form_token(client))
    page = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403  # no CSRF token
    out = client.post("/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
