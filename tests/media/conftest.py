"""Media fixtures: Meta's PDQ reference images (tests/data/pdq, BSD licence) and a migrated store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from media_helpers import PDQ_DIR

from tipwatch.store.facade import Store, open_store


@pytest.fixture(scope="session")
def pdq_dir() -> Path:
    if not (PDQ_DIR / "expected.csv").is_file():
        pytest.skip(f"PDQ reference data not found at {PDQ_DIR} (tests/data/pdq, copied from Meta's ThreatExchange)")
    return PDQ_DIR


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """The store over the same database as ``engine`` (SQLite, and PostgreSQL when TIPWATCH_TEST_PG_URL is set)."""
    with open_store(db_url) as opened:
        yield opened
