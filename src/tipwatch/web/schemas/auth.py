"""Sign in, sign out, who am I."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LoginRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    kind: str
    id: int
    name: str
    role: str | None
    scopes: list[str]
    face_search: bool


class LoginResponse(BaseModel):
    user: Me
    csrf_token: str = Field(description="Send back in the X-CSRF-Token header on every unsafe request.")
    expires_at: datetime


class Message(BaseModel):
    detail: str
