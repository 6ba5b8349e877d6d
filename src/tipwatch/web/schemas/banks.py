"""Hash banks: their settings and size. Never an image: banks hold hashes only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class BankOut(BaseModel):
    id: int
    name: str
    source: str
    licence: str
    description: str
    signal_types: list[str]
    enabled: bool
    is_abuse_material: bool
    pdq_threshold: int
    created_by: str
    created_at: datetime
    entries: int


class BankChange(BaseModel):
    why: str = Field(default="", max_length=10_000)
