"""Takedown notices (DSA Art. 16): drafts, approval, sending and tracking."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["draft", "approved", "sent", "acknowledged", "removed", "refused", "overdue"]


class DraftIn(BaseModel):
    """One of ``post_id`` or ``network_id``."""

    model_config = ConfigDict(extra="forbid")

    post_id: str | None = Field(None, min_length=1, max_length=2000)
    network_id: str | None = Field(None, min_length=1, max_length=64)


class WhyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    why: str = Field("", max_length=10_000)


class NoticeUrlOut(BaseModel):
    position: int
    post_id: str
    url: str
    checked_at: datetime | None
    check_result: str | None
    removed_at: datetime | None


class NoticeOut(BaseModel):
    id: int
    platform: str
    platform_name: str
    channel: str
    recipient: str
    trusted_flagger: bool
    csam: bool
    notifier_name: str | None
    notifier_email: str | None
    subject: str
    body: str
    origin: str
    state: str
    drafted_by: str
    approved_by: str | None
    sent_by: str | None
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    overdue_at: datetime | None
    hours_to_removal: float | None = None
    urls: list[NoticeUrlOut]


class DraftOut(BaseModel):
    notices: list[NoticeOut]
    skipped: list[dict[str, str]]  # {"post_id", "reason"}


class RecheckOut(BaseModel):
    checked: int
    removed: list[int]
    overdue: list[int]
    errors: list[dict[str, Any]]
