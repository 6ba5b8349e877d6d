"""Background jobs as stored: kind, status (queued, running, done, failed), phase, who submitted it, the progress
counts (read = stored + duplicates + quarantined once it has finished), JSON details and the error of a failed job.

The store keeps the state only; running a job, and deciding that one was abandoned, is ``services.jobs``'s."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

UNFINISHED = ("queued", "running")


@dataclass(slots=True)
class JobCounts:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0


@dataclass(slots=True)
class Job:
    id: int
    kind: str
    status: str
    phase: str
    submitted_by: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime
    owner: str
    run_id: int | None
    counts: JobCounts
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class JobStore(ABC):
    @abstractmethod
    def create(self, kind: str, *, submitted_by: str, owner: str, details: Mapping[str, Any], at: datetime) -> Job:
        """A new job, queued, owned by ``owner`` (the process that will run it)."""

    @abstractmethod
    def get(self, job_id: int) -> Job | None: ...

    @abstractmethod
    def page(self, *, submitted_by: str | None, offset: int, limit: int) -> tuple[list[Job], int]:
        """Newest first (by id); only ``submitted_by``'s when given; and how many match in all."""

    @abstractmethod
    def update(
        self,
        job_id: int,
        *,
        at: datetime,
        status: str | None = None,
        phase: str | None = None,
        counts: JobCounts | None = None,
        run_id: int | None = None,
        details: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        """Change an unfinished job (the given fields; heartbeat set to ``at``; ``started_at`` when it becomes
        running, ``finished_at`` when done or failed). False when the job is missing or already finished (a job
        marked failed as abandoned stays failed)."""

    @abstractmethod
    def heartbeat(self, owner: str, at: datetime) -> int:
        """Refresh the heartbeat of ``owner``'s unfinished jobs; how many."""

    @abstractmethod
    def unfinished(self) -> list[Job]:
        """Every queued or running job."""

    @abstractmethod
    def fail(self, job_ids: Sequence[int], *, error: str, at: datetime) -> int:
        """Mark those jobs failed with ``error`` if they are still unfinished; how many were."""
