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


class ThresholdIn(BaseModel):
    """A bank's new PDQ match threshold: the largest Hamming distance (of 256 bits) that counts as a match."""

    pdq_threshold: int = Field(ge=0, le=64, description="PDQ match threshold (Hamming distance, 0-64)")
    why: str = Field(default="", max_length=10_000)


class BankIn(BaseModel):
    """A new, empty bank (as ``tipwatch banks create``): where the hashes come from and on what terms."""

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^/\x00-\x1f]+$")
    source: str = Field(min_length=1, max_length=2_000, description="Organisation, list and date")
    licence: str = Field(min_length=1, max_length=2_000, description="Licence or terms of use of the list")
    description: str = Field(default="", max_length=10_000)
    signal_types: list[str] | None = Field(default=None, max_length=20, description="Default: every registered type")
    is_abuse_material: bool = Field(
        default=False, description="Known abuse material: matching pictures are restricted, never shown"
    )
    pdq_threshold: int = Field(default=31, ge=0, le=64, description="PDQ match threshold (Hamming distance)")
    enabled: bool = True
    why: str = Field(default="", max_length=10_000)


class BadLine(BaseModel):
    line: int
    reason: str


class RefusedEntry(BaseModel):
    entry: int = Field(description="The entry's number among the file's usable entries (1-based)")
    reason: str


class ImportOut(BaseModel):
    bank: BankOut
    format: str
    added: int
    duplicates: int
    refused: list[RefusedEntry] = Field(description="Entries of a signal type the bank does not hold (the first 200)")
    refused_total: int
    bad_lines: list[BadLine] = Field(description="Lines that hold no usable entry, with the reason (the first 200)")
    bad_lines_total: int
