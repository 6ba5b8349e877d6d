"""Network and case exports at a level (tipwatch.redact): selectors, redacted or full."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["selectors", "redacted", "full"]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text (the audit entry keeps these fields)
NetworkId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
NetworkFormat = Literal["graphml", "gexf", "csv", "ftm", "stix"]


class ExportLevelIn(BaseModel):
    """How much goes out: viewers up to ``redacted``; analysts and above ``full`` with a purpose. ``selectors``
    needs the sharing group whose key makes them."""

    model_config = ConfigDict(extra="forbid")

    level: Level = "redacted"
    purpose: str = Field(default="", max_length=2000, pattern=NO_NUL, description="Why (audited; required for full)")
    group: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=NO_NUL, description="For level selectors"
    )


class NetworksExportIn(ExportLevelIn):
    format: NetworkFormat
    network_ids: list[NetworkId] = Field(default_factory=list, max_length=100, description="Empty: every network")
    min_score: float = Field(default=0.0, ge=0.0, le=1e6)


class CaseExportIn(ExportLevelIn):
    referred_to: str | None = Field(default=None, max_length=500, pattern=NO_NUL)
    details: str = Field(default="", max_length=10_000, pattern=NO_NUL)
