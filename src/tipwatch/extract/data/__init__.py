"""Knowledge files (YAML, one cited ``source`` per entry) for the extractors, loaded once by their users."""

from __future__ import annotations

from typing import Any

from tipwatch.text.data import load_yaml


def load(name: str) -> Any:
    return load_yaml(__name__, name)
