"""Search, watch alerts and trends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class SearchHitOut(BaseModel):
    post_id: str
    title: str
    risk: float
    platform: str | None
    posted_at: datetime | None
    snippet: str
    matched: list[tuple[str, str]]


class SearchOut(BaseModel):
    query: str
    by: str
    identifiers: list[tuple[str, str]]
    terms: list[str]
    hits: list[SearchHitOut]
    limit: int
    offset: int
    next_offset: int | None


class AlertOut(BaseModel):
    id: int
    created_at: datetime
    reason: str
    seen: bool
    post_id: str
    watch_id: int
    kind: str
    value: str
    note: str | None
    title: str
    platform: str | None
    risk: float
    url: str | None


class TrendsOut(BaseModel):
    """Terms whose use grows (tipwatch trends); the fields are those of ``services.trends.trends``."""

    result: dict[str, Any]


class WatchIn(BaseModel):
    kind: str = Field(max_length=50, description="phone, email, handle, url, wallet, image, network, ...")
    value: str = Field(max_length=2000)
    note: str = Field(default="", max_length=2000)


class WatchAdded(BaseModel):
    id: int
    kind: str
    value: str
    note: str
    alerts: int = Field(description="Alerts raised at once for posts already stored.")
