"""Property-based robustness of the REST API: schemathesis generates requests from the OpenAPI document for every
operation (valid and invalid bodies, parameters and paths) and sends them with an admin session, so every route is
reached past its access rule. No request may end in a server error (5xx)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from web_helpers import BASE, PASSWORD, SECRET

from tipwatch.config import Config
from tipwatch.services import accounts, sessions
from tipwatch.web.app import OPENAPI_URL, create_app
from tipwatch.web.auth import CSRF_HEADER, SESSION_COOKIE


@pytest.fixture
def fuzzed_app(sqlite_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    config = Config(
        database_url=sqlite_url,
        data_dir=tmp_path / "data",
        secret_key=SECRET,  # type: ignore[arg-type]
        max_request_bytes=65_536,
    )
    app = create_app(config)
    with TestClient(app, base_url=BASE) as client:  # runs the lifespan; one post so the post routes find one
        store = app.state.store
        token, _ = accounts.create_token(store, "seed", ["scan"], secret=SECRET.encode(), actor="test")
        seeded = client.post(
            "/api/v1/scan?store=true",
            json={"title": "seed", "body": "call 98765 43210", "platform": "site1", "id": "1"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert seeded.status_code == 200
        admin = accounts.add_user(store, "admin", PASSWORD, role="admin", face_search=True, actor="test")
        made = sessions.create_session(store, admin, secret=SECRET.encode(), lifetime=timedelta(hours=1))
        app.state.fuzz_auth = ({CSRF_HEADER: made.csrf_token}, {SESSION_COOKIE: made.session_id})
        yield app


SKIPPED = {("POST", "/api/v1/auth/logout")}  # would end the session the other requests use
EXAMPLES = 20


def _check_operation(operation: Any, mode: GenerationMode, headers: dict[str, str], cookies: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(base_url=BASE, headers=headers, cookies=cookies, checks=[not_a_server_error])

    run()


def test_no_request_ends_in_a_server_error(fuzzed_app: FastAPI) -> None:
    headers, cookies = fuzzed_app.state.fuzz_auth
    schema = schemathesis.openapi.from_asgi(OPENAPI_URL, fuzzed_app)
    checked, failures = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _check_operation(operation, mode, headers, cookies)
            except Unsatisfiable:  # no invalid input exists (an operation without parameters or body)
                assert mode == GenerationMode.NEGATIVE, operation.label
            except Exception as exc:  # a 5xx, or an exception the app raised: name the operation, go on
                failures.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {str(exc)[:600]}")
        checked += 1
    assert failures == []
    assert checked >= 30
