"""Accounts: users (argon2id password hashes, a role, the face-search permission), API tokens (keyed hashes only),
server-side web sessions (hashed ids) and login attempts (for rate limiting)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


class UserExists(ValueError):
    """A user of that name is already in the store."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    password_hash: str
    role: str
    face_search: bool
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class WebSession:
    id_hash: str
    user_id: int
    csrf_secret: str
    created_at: datetime
    expires_at: datetime


class AccountStore(ABC):
    # Users
    @abstractmethod
    def add_user(self, name: str, password_hash: str, role: str, *, face_search: bool, at: datetime) -> User:
        """Store a new user; raise ``UserExists`` when the name is taken."""

    @abstractmethod
    def user(self, name: str) -> User | None:
        """The user of that name, or None."""

    @abstractmethod
    def user_by_id(self, user_id: int) -> User | None:
        """The user of that id, or None."""

    @abstractmethod
    def users(self) -> list[User]:
        """Every user, by name."""

    @abstractmethod
    def update_user(
        self,
        user_id: int,
        *,
        password_hash: str | None = None,
        role: str | None = None,
        face_search: bool | None = None,
        disabled: bool | None = None,
        last_login_at: datetime | None = None,
    ) -> bool:
        """Change the given fields (None: unchanged); False when there is no such user."""

    # API tokens
    @abstractmethod
    def add_token(
        self, name: str, prefix: str, token_hash: str, scopes: Sequence[str], *, created_by: str, at: datetime
    ) -> ApiToken:
        """Store a token's keyed hash (never the token)."""

    @abstractmethod
    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The token with that keyed hash (revoked or not), or None."""

    @abstractmethod
    def tokens(self) -> list[ApiToken]:
        """Every token, by id."""

    @abstractmethod
    def touch_token(self, token_id: int, at: datetime) -> None:
        """Record that the token was used at ``at``."""

    @abstractmethod
    def revoke_token(self, token_id: int, at: datetime) -> bool:
        """Revoke a token for good; False when there is no such token or it was already revoked."""

    # Login attempts
    @abstractmethod
    def add_attempt(self, user_name: str, address: str, *, success: bool, at: datetime) -> None:
        """Record one login attempt."""

    @abstractmethod
    def failures(self, *, since: datetime, user_name: str | None = None, address: str | None = None) -> list[datetime]:
        """Times of failed attempts at or after ``since`` for that user name (after its last success, if later) or
        that address, oldest first."""

    @abstractmethod
    def prune_attempts(self, before: datetime) -> int:
        """Forget attempts older than ``before``; returns how many."""


class SessionStore(ABC):
    @abstractmethod
    def add(self, session: WebSession) -> None:
        """Store a new session."""

    @abstractmethod
    def get(self, id_hash: str) -> WebSession | None:
        """The session with that hashed id (expired or not), or None."""

    @abstractmethod
    def delete(self, id_hash: str) -> bool:
        """End one session; False when there was none."""

    @abstractmethod
    def delete_for_user(self, user_id: int) -> int:
        """End every session of a user; returns how many."""

    @abstractmethod
    def purge_expired(self, now: datetime) -> int:
        """Delete sessions that expired before ``now``; returns how many."""
