"""Constants and helpers shared by the web tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tipwatch.services import accounts
from tipwatch.store.facade import Store
from tipwatch.web.auth import CSRF_HEADER, SESSION_COOKIE

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


def signed_in(app: FastAPI, session_for: SessionFor, name: str) -> TestClient:
    """A client signed in as that user, sending the session's CSRF token on every request."""
    session_id, csrf = session_for(name)
    c = cookie_client(app, session_id)
    c.headers[CSRF_HEADER] = csrf
    return c


def scan_and_store(client: TestClient, store: Store, bodies: tuple[str, ...], platform: str = "site1") -> None:
    """Store posts with these bodies through ``POST /api/v1/scan?store=true`` (ids "0", "1", ...)."""
    token, _ = accounts.create_token(store, "s", ["scan"], secret=SECRET.encode(), actor="test")
    for i, body in enumerate(bodies):
        got = client.post(
            "/api/v1/scan?store=true",
            json={"body": body, "platform": platform, "id": str(i)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert got.json()["stored"], got.text


# Two posts for the exchange tests (scan_and_store), and the values they hold as stored.
EXCHANGE_BODIES = ("new girls, call 98765 43210", "jobs abroad, mail rani.x@example.org")
EXCHANGE_VALUES = (("phone", "+919876543210"), ("email", "rani.x@example.org"))


def checked_selector_file(response: Any, key: bytes) -> list[dict[str, Any]]:
    """The lines of a selector file downloaded for EXCHANGE_BODIES under ``key``: exactly their selectors, and no
    plain value."""
    from tipwatch.services.exchange import selector

    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    rows = [orjson.loads(x) for x in response.content.splitlines()]
    assert {(r["type"], r["selector"]) for r in rows} == {(t, selector(key, t, v)) for t, v in EXCHANGE_VALUES}
    assert b"9876543210" not in response.content and b"rani" not in response.content
    return rows


def astronaut_photos() -> tuple[bytes, bytes]:
    """A real face: scikit-image's astronaut (a public-domain NASA portrait shipped with the package), as tests/media
    uses it. Returns (the face cropped, as PNG: to enrol; the whole photo mirrored, shrunk and JPEG-compressed: to
    search)."""
    import io

    import numpy as np
    import pytest
    from PIL import Image

    skimage_data = pytest.importorskip("skimage.data")
    img = np.asarray(skimage_data.astronaut())
    enrol, query = io.BytesIO(), io.BytesIO()
    Image.fromarray(img[0:300, 100:350]).save(enrol, "PNG")
    Image.fromarray(np.ascontiguousarray(img[:, ::-1])).resize((400, 400)).save(query, "JPEG", quality=60)
    return enrol.getvalue(), query.getvalue()


def as_role(app: FastAPI, session_for: SessionFor, role: str) -> TestClient:
    """A client signed in as the test user of ``role``, sending its CSRF token."""
    session_id, csrf = session_for(role)
    c = cookie_client(app, session_id)
    c.headers[CSRF_HEADER] = csrf
    return c
