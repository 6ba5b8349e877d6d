"""Background jobs (the batch ingest): status, progress counts that reconcile, the quarantined records' positions
and reasons, the link stage, timestamps and who submitted it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class JobCountsOut(BaseModel):
    read: int
    stored: int
    duplicates: int
    quarantined: int
    reconciles: bool = Field(description="read = stored + duplicates + quarantined (always, once the job is done)")


class QuarantinedOut(BaseModel):
    position: str = Field(description='Where in the batch: "line 3" (JSON lines) or "item 3" (array)')
    reason: str


class JobOut(BaseModel):
    id: int
    kind: str
    status: str = Field(description="queued, running, done or failed")
    phase: str = Field(description="queued, storing, linking (networks are updated with the new posts), finished")
    submitted_by: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    counts: JobCountsOut
    run_id: int | None
    format: str | None
    bytes: int | None
    linked: bool = Field(description="the link stage ran after storing, so networks include the new posts")
    link: dict[str, Any] | None = Field(description="what the link stage changed (posts, networks, alerts)")
    quarantined: list[QuarantinedOut] = Field(description="the first 1000 quarantined records")
    quarantine_total: int
    error: str | None


class JobPageOut(BaseModel):
    items: list[JobOut]
    total: int
    offset: int
    limit: int


class IngestAccepted(BaseModel):
    job: JobOut
    location: str
