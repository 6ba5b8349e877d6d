"""Partner exchange: keyed selectors exported for, and matched from, a sharing group (no plain values)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ExportIn(BaseModel):
    """Which posts' selectors (all when no scope is given), and why."""

    model_config = ConfigDict(extra="forbid")

    group: str = Field(min_length=1, max_length=100)
    purpose: str = Field(min_length=1, max_length=2000)
    legal_basis: str = Field(min_length=1, max_length=2000)
    case_id: int | None = Field(None, ge=1, le=2**62)
    network_id: str | None = Field(None, min_length=1, max_length=32)
    min_risk: float | None = Field(None, ge=0.0, le=1.0)


class MatchOut(BaseModel):
    """A selector of the uploaded file that this store holds."""

    type: str
    selector: str
    post_ids: list[str]
    network_ids: list[str]


class BadLine(BaseModel):
    line: int
    reason: str


class MatchResultOut(BaseModel):
    """``lines = selectors + bad``; ``errors`` lists the first bad lines with their reason."""

    lines: int
    selectors: int
    bad: int
    errors: list[BadLine]
    matches: list[MatchOut]
    audit_seq: int
