"""Stored posts: one post as an analyst reviews it, and pages of posts by risk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class IdentifierSpan(BaseModel):
    type: str
    value: str
    start: int
    end: int
    confidence: float
    obfuscated: bool
    shared_posts: int | None = None
    shared_more: bool = False  # more posts than shared_posts carry it (counting stops at 10,000)


class HitSpan(BaseModel):
    code: str
    category: str
    domain: str
    weight: float
    start: int
    end: int
    text: str
    language: str


class MediaOut(BaseModel):
    """A picture's origin and hashes; ``restricted``: it matched an abuse-material bank (never shown)."""

    ref: str
    status: str
    reason: str
    sha256: str | None
    pdq: str | None
    quality: int | None
    width: int | None
    height: int | None
    format: str | None
    restricted: bool


class MatchOut(BaseModel):
    ref: str
    sha256: str | None
    bank: str
    is_abuse_material: bool
    signal_type: str
    distance: int
    variant: str


class NetworkRef(BaseModel):
    id: str
    score: float
    size: int
    reasons: list[str]


class LinkOut(BaseModel):
    signal: str
    value: str
    bits: float
    reason: str
    others: list[str]
    total_posts: int


class PostOut(BaseModel):
    id: str
    source: str
    position: str
    url: str | None
    platform: str | None
    kind: str
    language: str | None
    posted_at: datetime | None
    location: str | None
    images: list[str]
    risk: float
    indicator_risk: float | None
    classifier_risk: float | None
    model: str
    reasons: list[dict[str, Any]]
    title: str
    body: str
    text: str
    identifiers: list[IdentifierSpan]
    hits: list[HitSpan]
    media: list[MediaOut]
    matches: list[MatchOut]
    restricted: bool
    network: NetworkRef | None
    links: list[LinkOut]


class PostSummary(BaseModel):
    rank: int
    id: str
    title: str
    risk: float
    platform: str | None
    kind: str
    url: str | None
    posted_at: datetime | None
    reasons: list[dict[str, Any]]


class PostPage(BaseModel):
    items: list[PostSummary]
    limit: int
    offset: int
    next_offset: int | None
