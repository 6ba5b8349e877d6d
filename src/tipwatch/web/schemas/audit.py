"""The audit log, for supervisors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    why: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_before_seq: int | None


class AuditVerdict(BaseModel):
    ok: bool
    entries: int
    bad_seq: int | None
    reason: str
    message: str
