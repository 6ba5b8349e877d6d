"""Evidence: captures of web pages into a case, with their chain of custody (services.capture, services.evidence)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CaptureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, description="The page to capture (http or https).")
    case_id: int = Field(ge=1, le=2**62, description="The case the capture belongs to.")
    purpose: str = Field("", max_length=2000, description="Why the page is captured (kept with the item).")


class EvidenceItemOut(BaseModel):
    id: int
    case_id: int
    url: str
    final_url: str
    post_id: str | None
    http_status: int
    ip: str | None
    title: str
    captured_at: datetime
    captured_by: str
    purpose: str
    tool_version: str


class EvidenceListOut(BaseModel):
    items: list[EvidenceItemOut]
