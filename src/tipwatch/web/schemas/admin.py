"""Users and API tokens, for administrators."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class UserOut(BaseModel):
    id: int
    name: str
    role: str
    face_search: bool
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    role: str
    face_search: bool = False
    why: str = Field("", max_length=2000)


class RoleChange(BaseModel):
    role: str
    face_search: bool | None = None
    why: str = Field("", max_length=2000)


class Why(BaseModel):
    why: str = Field("", max_length=2000)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewToken(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1, max_length=10)
    why: str = Field("", max_length=2000)


class CreatedToken(BaseModel):
    token: str = Field(description="Shown once: only its keyed hash is stored.")
    record: TokenOut
