"""Server-side web sessions: a random id in the cookie, only its keyed hash in the store, an absolute expiry, and a
per-session CSRF secret that unsafe requests must echo (header ``X-CSRF-Token`` or form field ``csrf_token``)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tipwatch.services import audit
from tipwatch.store.facade import Store
from tipwatch.store.interface.accounts import User, WebSession

__all__ = ["NewSession", "SessionInfo", "check_csrf", "create_session", "logout", "lookup_session", "purge_expired"]


@dataclass(frozen=True, slots=True)
class NewSession:
    session_id: str  # for the cookie; never stored
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionInfo:
    user: User
    csrf_token: str
    expires_at: datetime


def _id_hash(session_id: str, secret: bytes) -> str:
    return hmac.new(secret, b"session:" + session_id.encode("utf-8"), hashlib.sha256).hexdigest()


def create_session(
    store: Store, user: User, *, secret: bytes, lifetime: timedelta, now: datetime | None = None
) -> NewSession:
    now = now or datetime.now(UTC)
    store.sessions.purge_expired(now)  # expired rows go at the next sign-in, whoever signs in
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    store.sessions.add(WebSession(_id_hash(session_id, secret), user.id, csrf, now, now + lifetime))
    return NewSession(session_id, csrf, now + lifetime)


def lookup_session(store: Store, session_id: str, *, secret: bytes, now: datetime | None = None) -> SessionInfo | None:
    """The live session's user (not disabled) and CSRF token; an expired session is deleted and gives None."""
    if not session_id or len(session_id) > 200:
        return None
    now = now or datetime.now(UTC)
    id_hash = _id_hash(session_id, secret)
    session = store.sessions.get(id_hash)
    if session is None:
        return None
    if session.expires_at <= now:
        store.sessions.delete(id_hash)
        return None
    user = store.accounts.user_by_id(session.user_id)
    if user is None or user.disabled:
        store.sessions.delete(id_hash)
        return None
    return SessionInfo(user, session.csrf_secret, session.expires_at)


def check_csrf(info: SessionInfo, token: str | None) -> bool:
    """Whether ``token`` is this session's CSRF token (constant-time comparison)."""
    return bool(token) and hmac.compare_digest(info.csrf_token.encode(), (token or "").encode())


def logout(store: Store, session_id: str, *, secret: bytes, actor: str) -> bool:
    """End a session; audited. False when there was no such session."""
    ended = store.sessions.delete(_id_hash(session_id, secret))
    if ended:
        audit.append(store, actor, "auth.logout", actor)
    return ended


def purge_expired(store: Store, now: datetime | None = None) -> int:
    return store.sessions.purge_expired(now or datetime.now(UTC))
