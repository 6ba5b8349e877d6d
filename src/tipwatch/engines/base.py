"""What an engine is: given the inputs and one run's settings, the analysed records in input order.

services/analyze.py picks an engine and writes what it yields through the store's sink; front doors never see which
engine ran. Engines run the same per-process pieces (engines/workers.py: one Analyzer per process, ``process``
per chunk); they differ only in where those run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tipwatch.model import Outcome
from tipwatch.pipeline import Settings
from tipwatch.sources import ReadStats

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(value: Path | str) -> bool:
    """True for an input named by a URL (``hdfs://nn/ads/``, ``s3a://bucket/x.jsonl``, ``file:///data/``): read by
    Spark's Hadoop filesystems, not by this machine (only ``--engine spark`` takes them)."""
    return isinstance(value, str) and bool(_URL.match(value))


class EngineUnavailable(RuntimeError):
    """The engine cannot run here (a missing extra, no Java, a cluster that cannot be reached); says why."""


@dataclass(frozen=True, slots=True)
class Job:
    """One run's reading and analysis settings, small and picklable (sent once to every worker or executor)."""

    settings: Settings
    media_index: Any = None  # tipwatch.media.index.MatchIndex over the enabled hash banks, or None
    columns: Mapping[str, str] | None = None
    fmt: str | None = None
    batch: int = 500  # records per chunk handed to the Analyzer and to the store


class Engine(Protocol):
    def run(self, inputs: Sequence[Path | str], job: Job, stats: ReadStats) -> Iterator[list[Outcome]]:
        """Yield the results of every record of ``inputs``, chunk by chunk, in input order (records that could not
        be read come as Quarantined at their place; the local engine passes over posts the store holds as
        AlreadyStored). Inputs passed over on purpose are counted in ``stats``."""
        ...
