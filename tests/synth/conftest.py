"""One medium corpus shared by the synth tests (generating it takes well under a second)."""

from __future__ import annotations

from typing import Any

import pytest

from tipwatch.synth import generate

Pairs = list[tuple[dict[str, Any], dict[str, Any]]]


@pytest.fixture(scope="session")
def corpus() -> Pairs:
    return list(generate(8000, 21))


@pytest.fixture(scope="session")
def networks(corpus: Pairs) -> dict[str, Pairs]:
    out: dict[str, Pairs] = {}
    for post, truth in corpus:
        if truth["network_id"]:
            out.setdefault(truth["network_id"], []).append((post, truth))
    return out
