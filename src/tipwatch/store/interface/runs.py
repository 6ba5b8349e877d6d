"""Runs, the posts a run writes, and its quarantine: the write side of ``analyze``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tipwatch.model import Outcome


@dataclass(slots=True)
class Counts:
    """Every record read ends in exactly one of: stored, duplicate, quarantined."""

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0

    @property
    def reconciles(self) -> bool:
        return self.read == self.stored + self.duplicates + self.quarantined


class PostSink(ABC):
    """Writes one run's results batch by batch and counts them."""

    counts: Counts
    images_seen: int
    images_rejected: int
    changed: int  # duplicates whose content differs from the stored post (noted in the quarantine)

    @abstractmethod
    def write(self, batch: Sequence[Outcome]) -> None:
        """Store new posts with their identifiers, hits and media; count duplicates; quarantine rejects."""


class RunStore(ABC):
    @abstractmethod
    def start(self, command: str, inputs: Sequence[str], model: str | None) -> int:
        """Record a run as running; returns its id."""

    @abstractmethod
    def finish(self, run_id: int, counts: Counts, status: str) -> None:
        """Record how a run ended (ok, failed) with its counts."""

    @abstractmethod
    def sink(self, run_id: int, quarantine_file: IO[bytes] | None = None) -> PostSink:
        """A writer for the results of run ``run_id``; rejects also go to ``quarantine_file`` as JSON lines."""


def open_quarantine_file(path: Path) -> IO[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("wb")
