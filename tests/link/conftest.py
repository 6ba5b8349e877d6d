from __future__ import annotations

import pytest
from link_helpers import small_config

from tipwatch.link.config import LinkConfig


@pytest.fixture
def cfg() -> LinkConfig:
    return small_config()
