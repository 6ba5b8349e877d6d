"""Cases: a named set of posts and networks with status, assignee, priority, notes and history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["open", "in_progress", "closed", "referred"]
Priority = Literal["low", "normal", "high", "urgent"]


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=300)
    assignee: str | None = Field(None, max_length=200)
    priority: Priority = "normal"


class CaseChange(BaseModel):
    """Only the fields sent change; ``assignee: null`` unassigns."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=300)
    status: Status | None = None
    assignee: str | None = Field(None, max_length=200)
    priority: Priority | None = None
    why: str = Field("", max_length=10_000)


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    post_ids: list[str] = Field(default_factory=list, max_length=10_000)
    network_ids: list[str] = Field(default_factory=list, max_length=10_000)


class MembersAdded(BaseModel):
    post_ids: list[str]
    network_ids: list[str]


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=100_000)


class CaseOut(BaseModel):
    id: int
    title: str
    status: str
    assignee: str | None
    priority: str
    created_by: str
    created_at: datetime
    updated_at: datetime


class CasePageOut(BaseModel):
    items: list[CaseOut]
    total: int
    offset: int
    limit: int


class MemberOut(BaseModel):
    id: str
    added_by: str
    added_at: datetime


class NoteOut(BaseModel):
    id: int
    case_id: int
    author: str
    text: str
    created_at: datetime


class EventOut(BaseModel):
    id: int
    case_id: int
    actor: str
    kind: str
    old: str | None
    new: str | None
    created_at: datetime


class CaseDetailOut(BaseModel):
    case: CaseOut
    posts: list[MemberOut]
    networks: list[MemberOut]
    notes: list[NoteOut]
    events: list[EventOut]
    gone_networks: list[str]
