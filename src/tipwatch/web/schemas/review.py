"""The review queue: filters, the post handed out with its lease, decisions and the queue's figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tipwatch.services.review import DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS


class QueueFiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_risk: float | None = Field(default=None, ge=0.0, le=1.0)
    platform: str | None = Field(default=None, max_length=200)
    run: int | None = Field(default=None, ge=1, le=2**62)
    lease_seconds: int = Field(default=DEFAULT_LEASE_SECONDS, ge=1, le=MAX_LEASE_SECONDS)


class ReviewPostOut(BaseModel):
    id: str
    title: str
    body: str
    platform: str | None
    kind: str
    url: str | None
    posted_at: datetime | None
    risk: float
    reasons: list[Any]
    run_id: int | None


class LeaseOut(BaseModel):
    post_id: str
    reviewer: str
    leased_at: datetime
    expires_at: datetime
    skipped: bool


class ReviewItemOut(BaseModel):
    post: ReviewPostOut
    lease: LeaseOut
    resumed: bool


class ReviewNextOut(BaseModel):
    item: ReviewItemOut | None = Field(description="None when the queue holds nothing for you.")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(max_length=50, description="escalate, dismiss or needs_info (or e, d, n)")
    reason: str = Field(max_length=10_000)


class DecisionOut(BaseModel):
    id: int
    post_id: str
    reviewer: str
    decision: str
    reason: str
    label: int | None
    decided_at: datetime


class QueueStatsOut(BaseModel):
    total: int
    undecided: int
    held: int
    decided: dict[str, int]
