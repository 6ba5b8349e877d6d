"""Media fixtures: Meta's PDQ reference images (../shared/data/pdq beside the repo) and a migrated store."""

from __future__ import annotations

from pathlib import Path

import pytest
from media_helpers import PDQ_DIR


@pytest.fixture(scope="session")
def pdq_dir() -> Path:
    if not (PDQ_DIR / "expected.csv").is_file():
        pytest.skip(f"PDQ reference data not found at {PDQ_DIR} (CI places shared/ beside the clone)")
    return PDQ_DIR
