"""A web app on a real store (SQLite file, and PostgreSQL when TIPWATCH_TEST_PG_URL is set), users of every role,
and sessions made through the sessions service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import BASE, PASSWORD, SECRET, SessionFor

from tipwatch.config import Config
from tipwatch.services import accounts, sessions
from tipwatch.services.accounts import ROLES
from tipwatch.store.facade import Store
from tipwatch.web.app import create_app


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> FastAPI:
    config = Config(
        database_url=db_url,
        data_dir=tmp_path / "data",
        secret_key=SECRET,  # type: ignore[arg-type]
        login_failures_per_user=3,
        login_failures_per_address=6,
        max_request_bytes=4096,
    )
    return create_app(config)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as c:
        yield c


@pytest.fixture
def store(app: FastAPI) -> Store:
    return app.state.store  # type: ignore[no-any-return]


@pytest.fixture
def users(store: Store) -> dict[str, accounts.User]:
    """One user per role (named after it), and "faces": an analyst with the face-search permission."""
    made = {role: accounts.add_user(store, role, PASSWORD, role=role, actor="test") for role in ROLES}
    made["faces"] = accounts.add_user(store, "faces", PASSWORD, role="analyst", face_search=True, actor="test")
    return made


@pytest.fixture
def session_for(store: Store, users: dict[str, accounts.User]) -> SessionFor:
    """A fresh session of that user: (cookie value, CSRF token)."""

    def make(name: str) -> tuple[str, str]:
        new = sessions.create_session(store, users[name], secret=SECRET.encode(), lifetime=timedelta(minutes=30))
        return new.session_id, new.csrf_token

    return make
