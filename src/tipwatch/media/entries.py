"""A hash-bank entry as the list formats read and write it (tipwatch.media.formats, .threatexchange_format)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tipwatch.media.signal_types import signal_type


@dataclass(slots=True, frozen=True)
class EntryIn:
    signal_type: str
    value: str  # lower-case hex
    meta: dict[str, Any] = field(default_factory=dict)


def normalize_hash(name: str, value: str) -> str:
    """Lower-case hex of the right length for the signal type; ValueError with the reason otherwise."""
    return signal_type(name).normalize(value)


def meta_value(cell: str) -> Any:
    """A metadata value read from text. Only canonical integers become numbers, so "007" stays a string and
    round-trips unchanged."""
    text = cell.strip()
    if re.fullmatch(r"-?\d{1,18}", text) and str(int(text)) == text:
        return int(text)
    return text
