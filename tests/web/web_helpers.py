"""Constants and helpers shared by the web tests."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

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
