"""Constants and helpers shared by the web tests."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tipwatch.web.auth import SESSION_COOKIE

PASSWORD = "a long enough password"
SECRET = "s" * 40
BASE = "https://testserver"  # the session cookie is Secure: sent over https only


def cookie_client(app: FastAPI, session_id: str) -> TestClient:
    """A client sending that session cookie (no lifespan: the app fixture's client runs it)."""
    c = TestClient(app, base_url=BASE)
    c.cookies.set(SESSION_COOKIE, session_id)
    return c


# A fixture (tests/web/conftest.py) that makes a fresh session of a user: (cookie value, CSRF token).
SessionFor = Callable[[str], tuple[str, str]]
