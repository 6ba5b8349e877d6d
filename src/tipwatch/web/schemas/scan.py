"""Scanning one post: the request (JSON, or multipart with an image file) and the answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tipwatch.services.scan import ScanErrorCode

MAX_FIELD = 2_000_000  # characters; the service applies its own text limit (413 with its reason)


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field("", max_length=MAX_FIELD)
    body: str = Field("", max_length=MAX_FIELD)
    platform: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=4000)
    posted_at: datetime | None = None
    location: str | None = Field(None, max_length=1000)
    kind: str | None = Field(None, max_length=50)
    id: str | None = Field(None, max_length=1000, description="The platform's own id of the post.")
    image: str | None = Field(None, description="The picture, base64-encoded (not with image_url).")
    image_url: str | None = Field(None, max_length=4000, description="Fetched from public addresses only.")


class IndicatorOut(BaseModel):
    code: str
    category: str
    weight: float
    start: int
    end: int
    text: str


class ReasonOut(BaseModel):
    code: str
    contribution: float
    detail: str = ""
    start: int | None = None
    end: int | None = None


class IdentifierOut(BaseModel):
    type: str
    value: str
    start: int
    end: int
    raw: str
    obfuscated: bool = False


class WatchHitOut(BaseModel):
    watch_id: int
    kind: str
    value: str
    reason: str


class BankMatchOut(BaseModel):
    bank: str
    bank_id: int
    entry_id: int
    signal_type: str
    distance: int
    variant: str
    threshold: int | None
    is_abuse_material: bool


class ImageOut(BaseModel):
    """The picture's hashes: the picture itself is never returned."""

    ref: str
    status: str
    reason: str = ""
    sha256: str | None = None
    md5: str | None = None
    pdq: str | None = None
    quality: int | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    restricted: bool = False


class NetworkHitOut(BaseModel):
    id: str
    score: float
    size: int
    via: list[str]


class ScanOut(BaseModel):
    post_id: str
    text: str = Field(description="What the spans index: title, a newline, body, as analyzed.")
    risk: float
    model: str
    reasons: list[ReasonOut]
    indicators: list[IndicatorOut]
    identifiers: list[IdentifierOut]
    watch_hits: list[WatchHitOut]
    bank_matches: list[BankMatchOut]
    image: ImageOut | None
    restricted: bool
    networks: list[NetworkHitOut]
    stored: bool
    duplicate: bool
    run_id: int | None
    language: str | None


class ScanErrorOut(BaseModel):
    code: ScanErrorCode  # the service's own list of refusals
    reason: str


class ScanErrorBody(BaseModel):
    detail: ScanErrorOut
