"""Feeds: a network's or case's indicators as a STIX 2.1 bundle, and a partner's bundle read into watches."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TlpLevel = Literal["clear", "green", "amber", "amber+strict", "red"]


class FeedExportIn(BaseModel):
    """One network or one case, the TLP 2.0 marking (default amber+strict), and why. ``include_text`` adds the
    posts' ad text and is for supervisors only."""

    model_config = ConfigDict(extra="forbid")

    network_id: str | None = Field(None, min_length=1, max_length=32)
    case_id: int | None = Field(None, ge=1, le=2**62)
    tlp: TlpLevel | None = None
    include_text: bool = False
    purpose: str = Field(min_length=1, max_length=2000)
    legal_basis: str = Field(min_length=1, max_length=2000)


class Rejected(BaseModel):
    object_id: str
    reason: str


class PullOut(BaseModel):
    """``read = imported + already + skipped + rejected``; rejected objects are quarantined, the first listed."""

    pull_id: int
    read: int
    imported: int
    already: int
    skipped: int
    rejected: int
    skipped_by_reason: dict[str, int]
    errors: list[Rejected]
    alerts: int
    withdrawn: int = Field(description="Watches stopped: the partner revoked their indicators or let them expire.")
    audit_seq: int
