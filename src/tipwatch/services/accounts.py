"""Users, roles and API tokens: add and change users, sign in with rate limiting, create, list, revoke and verify
tokens. Every change is written to the audit log here (whatever front door asked for it).

Passwords: argon2id (argon2-cffi's RFC 9106 defaults), rehashed at the next login when the parameters change.
Tokens: ``tw_`` + 32 random bytes (urlsafe base64), shown once; only HMAC-SHA256(server secret, token) is stored.
Roles are ordered viewer < analyst < supervisor < admin; face search is a separate permission.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tipwatch.services import audit
from tipwatch.store.facade import Store
from tipwatch.store.interface.accounts import ApiToken, User
from tipwatch.store.interface.accounts import UserExists as _StoredUserExists

__all__ = [
    "ROLES",
    "SCOPES",
    "AccountError",
    "ApiToken",
    "LockedOut",
    "LoginFailed",
    "LoginLimits",
    "User",
    "UserExists",
    "add_user",
    "authenticate",
    "create_token",
    "disable_user",
    "has_role",
    "list_tokens",
    "list_users",
    "revoke_token",
    "role_scopes",
    "set_password",
    "set_role",
    "verify_token",
]

ROLES = ("viewer", "analyst", "supervisor", "admin")
SCOPES = ("read", "scan", "ingest")
TOKEN_PREFIX = "tw_"
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
ATTEMPTS_KEPT = timedelta(days=1)
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,199}")

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
# Verified against when the user name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why (shown to the user)."""


class UserExists(AccountError):
    """A user of that name already exists."""


class LoginFailed(AccountError):
    """Wrong user name or password, or a disabled user (the message does not say which)."""


class LockedOut(AccountError):
    """Too many failed logins lately for this user name or address."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_user: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def has_role(role: str | None, minimum: str) -> bool:
    """Whether ``role`` is ``minimum`` or above it (viewer < analyst < supervisor < admin)."""
    if minimum not in ROLES:
        raise ValueError(f"unknown role {minimum!r}")
    return role in ROLES and ROLES.index(role) >= ROLES.index(minimum)


def role_scopes(role: str) -> frozenset[str]:
    """The API scopes a signed-in user's role implies: viewers read; analysts and above also scan and ingest."""
    return frozenset(SCOPES) if has_role(role, "analyst") else frozenset({"read"}) if role in ROLES else frozenset()


def _now() -> datetime:
    return datetime.now(UTC)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: one of {', '.join(ROLES)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password too long: at most {MAX_PASSWORD} characters")


def _user(store: Store, name: str) -> User:
    user = store.accounts.user(name)
    if user is None:
        raise AccountError(f"no user {name!r}")
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def add_user(
    store: Store, name: str, password: str, *, role: str, face_search: bool = False, actor: str, why: str = ""
) -> User:
    """Create a user (names: letters, digits and ``._@-``, at most 200); raises AccountError (or UserExists)."""
    if not _NAME.fullmatch(name):
        raise AccountError(f"bad user name {name!r}: letters, digits and . _ @ - (at most 200, first a letter/digit)")
    _check_role(role)
    _check_password(password)
    try:
        user = store.accounts.add_user(name, hash_password(password), role, face_search=face_search, at=_now())
    except _StoredUserExists as exc:
        raise UserExists(str(exc)) from None
    audit.append(store, actor, "user.add", f"user:{name}", why, {"role": role, "face_search": face_search})
    return user


def set_password(store: Store, name: str, password: str, *, actor: str, why: str = "") -> None:
    """Give a user a new password; their open sessions end."""
    _check_password(password)
    user = _user(store, name)
    store.accounts.update_user(user.id, password_hash=hash_password(password))
    store.sessions.delete_for_user(user.id)
    audit.append(store, actor, "user.set_password", f"user:{name}", why)


def set_role(store: Store, name: str, role: str, *, face_search: bool | None = None, actor: str, why: str = "") -> User:
    """Change a user's role (and, when given, the face-search permission)."""
    _check_role(role)
    user = _user(store, name)
    store.accounts.update_user(user.id, role=role, face_search=face_search)
    details: dict[str, object] = {"role": role, "previous_role": user.role}
    if face_search is not None:
        details.update(face_search=face_search, previous_face_search=user.face_search)
    audit.append(store, actor, "user.set_role", f"user:{name}", why, details)
    return _user(store, name)


def disable_user(store: Store, name: str, *, actor: str, why: str = "") -> None:
    """Disable a user for good: no more logins, and their open sessions end."""
    user = _user(store, name)
    store.accounts.update_user(user.id, disabled=True)
    ended = store.sessions.delete_for_user(user.id)
    audit.append(store, actor, "user.disable", f"user:{name}", why, {"sessions_ended": ended})


def list_users(store: Store) -> list[User]:
    return store.accounts.users()


def _retry_after(times: Sequence[datetime], limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until fewer than ``limit`` of ``times`` are in the window, or None if fewer already are."""
    if len(times) < limit:
        return None
    # The window slides: the block lifts when the oldest failure that keeps us at the limit leaves it.
    pivot = times[len(times) - limit]
    return max(1, int((pivot + window - now).total_seconds()) + 1)


def authenticate(store: Store, name: str, password: str, *, address: str, limits: LoginLimits | None = None) -> User:
    """The user, when ``name`` and ``password`` are right, the user is not disabled and neither the name nor the
    address is locked out. Raises LockedOut (with retry_after seconds) or LoginFailed. Audited either way."""
    limits = limits or LoginLimits()
    now = _now()
    since = now - limits.window
    name = name[:200]
    waits = [
        w
        for w in (
            _retry_after(store.accounts.failures(since=since, user_name=name), limits.per_user, limits.window, now),
            _retry_after(store.accounts.failures(since=since, address=address), limits.per_address, limits.window, now),
        )
        if w is not None
    ]
    if waits:
        wait = max(waits)
        audit.append(store, f"address:{address}", "auth.locked_out", f"user:{name}", "", {"retry_after": wait})
        minutes = (wait + 59) // 60
        raise LockedOut(f"too many failed logins: locked out, try again in {minutes} minute(s)", wait)
    user = store.accounts.user(name)
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if user is None or not ok or user.disabled:
        store.accounts.add_attempt(name, address, success=False, at=now)
        why = "unknown user" if user is None else "disabled user" if user.disabled else "wrong password"
        audit.append(store, f"address:{address}", "auth.login_failed", f"user:{name}", "", {"reason": why})
        raise LoginFailed("wrong user name or password")
    store.accounts.add_attempt(name, address, success=True, at=now)
    # Attempts are kept a day at least (for the audit of an incident), never longer than needed for the limits.
    store.accounts.prune_attempts(now - max(limits.window, ATTEMPTS_KEPT))
    new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(user.password_hash) else None
    store.accounts.update_user(user.id, password_hash=new_hash, last_login_at=now)
    audit.append(
        store, f"user:{name}", "auth.login", f"user:{name}", "", {"address": address, "rehashed": bool(new_hash)}
    )
    return store.accounts.user_by_id(user.id) or user


# API tokens


def _token_hash(token: str, secret: bytes) -> str:
    return hmac.new(secret, token.encode("utf-8"), hashlib.sha256).hexdigest()


def create_token(
    store: Store, name: str, scopes: Sequence[str], *, secret: bytes, actor: str, why: str = ""
) -> tuple[str, ApiToken]:
    """A new API token: returns (the token, shown once and never stored, its record)."""
    wanted = list(dict.fromkeys(scopes))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise AccountError(f"scopes must be among {', '.join(SCOPES)} (got {', '.join(unknown) or 'none'})")
    if not name.strip() or len(name) > 200:
        raise AccountError("a token needs a name (at most 200 characters)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = token[: len(TOKEN_PREFIX) + 6]
    record = store.accounts.add_token(name, prefix, _token_hash(token, secret), wanted, created_by=actor, at=_now())
    audit.append(
        store, actor, "token.create", f"token:{record.id}", why, {"name": name, "scopes": wanted, "prefix": prefix}
    )
    return token, record


def list_tokens(store: Store) -> list[ApiToken]:
    return store.accounts.tokens()


def revoke_token(store: Store, token_id: int, *, actor: str, why: str = "") -> None:
    """Revoke a token for good; raises AccountError when there is no such live token."""
    if not store.accounts.revoke_token(token_id, _now()):
        raise AccountError(f"no live token {token_id}")
    audit.append(store, actor, "token.revoke", f"token:{token_id}", why)


def verify_token(store: Store, token: str, *, secret: bytes) -> ApiToken | None:
    """The live token record for ``token`` (its last use updated, to the minute), or None (unknown, malformed or
    revoked). The last use is written at most once a minute per token: a write per request would serialise a busy
    scanning client's requests on the database's write lock."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    record = store.accounts.token_by_hash(_token_hash(token, secret))
    if record is None or record.revoked_at is not None:
        return None
    now = _now()
    last = record.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    if last is None or now - last >= TOKEN_TOUCH_INTERVAL:
        store.accounts.touch_token(record.id, now)
    return record
