"""Report fixtures: a migrated store (SQLite, or PostgreSQL when TIPWATCH_TEST_PG_URL is set) and an output folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from report_helpers import Store, pg_database

from tipwatch.store.db import open_engine
from tipwatch.store.facade import open_store


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store: SQLite by default; ``@pytest.mark.parametrize("store", [...], indirect=True)`` with
    "postgresql" runs the test on the PostgreSQL server named by TIPWATCH_TEST_PG_URL (skipped without it)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        engine = open_engine(url)
        facade = open_store(url, migrate=False)
        yield Store(engine, facade)
        facade.close()
        engine.dispose()
        return
    with pg_database() as url:
        engine = open_engine(url)
        facade = open_store(url, migrate=False)
        try:
            yield Store(engine, facade)
        finally:
            facade.close()
            engine.dispose()


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "report"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's Chromium (/usr/bin/chromium) through Playwright")
