"""AccountStore and SessionStore on SQLAlchemy: users, api_tokens, login_attempts and web_sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tipwatch.store.account_tables import api_tokens, login_attempts, users, web_sessions
from tipwatch.store.interface.accounts import AccountStore, ApiToken, SessionStore, User, UserExists, WebSession
from tipwatch.store.interface.audit import utc


def _opt(at: datetime | None) -> datetime | None:
    return utc(at) if at is not None else None


def _user(row: Row[Any]) -> User:
    m = row._mapping
    return User(
        id=int(m["id"]),
        name=m["name"],
        password_hash=m["password_hash"],
        role=m["role"],
        face_search=bool(m["face_search"]),
        disabled=bool(m["disabled"]),
        created_at=utc(m["created_at"]),
        last_login_at=_opt(m["last_login_at"]),
    )


def _token(row: Row[Any]) -> ApiToken:
    m = row._mapping
    return ApiToken(
        id=int(m["id"]),
        name=m["name"],
        prefix=m["prefix"],
        scopes=tuple(m["scopes"]),
        created_by=m["created_by"],
        created_at=utc(m["created_at"]),
        last_used_at=_opt(m["last_used_at"]),
        revoked_at=_opt(m["revoked_at"]),
    )


class SqlAccounts(AccountStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add_user(self, name: str, password_hash: str, role: str, *, face_search: bool, at: datetime) -> User:
        try:
            with self._engine.begin() as conn:
                uid = conn.execute(
                    insert(users)
                    .values(
                        name=name,
                        password_hash=password_hash,
                        role=role,
                        face_search=face_search,
                        disabled=False,
                        created_at=at,
                    )
                    .returning(users.c.id)
                ).scalar_one()
        except IntegrityError:
            raise UserExists(f"user {name!r} already exists") from None
        return User(int(uid), name, password_hash, role, face_search, False, utc(at), None)

    def user(self, name: str) -> User | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row is not None else None

    def user_by_id(self, user_id: int) -> User | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row is not None else None

    def users(self) -> list[User]:
        with self._engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.name))]

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
        given = {
            "password_hash": password_hash,
            "role": role,
            "face_search": face_search,
            "disabled": disabled,
            "last_login_at": last_login_at,
        }
        values = {k: v for k, v in given.items() if v is not None}
        if not values:
            return self.user_by_id(user_id) is not None
        with self._engine.begin() as conn:
            return conn.execute(update(users).where(users.c.id == user_id).values(**values)).rowcount == 1

    def add_token(
        self, name: str, prefix: str, token_hash: str, scopes: Sequence[str], *, created_by: str, at: datetime
    ) -> ApiToken:
        with self._engine.begin() as conn:
            tid = conn.execute(
                insert(api_tokens)
                .values(
                    name=name,
                    prefix=prefix,
                    token_hash=token_hash,
                    scopes=list(scopes),
                    created_by=created_by,
                    created_at=at,
                )
                .returning(api_tokens.c.id)
            ).scalar_one()
        return ApiToken(int(tid), name, prefix, tuple(scopes), created_by, utc(at), None, None)

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return _token(row) if row is not None else None

    def tokens(self) -> list[ApiToken]:
        with self._engine.connect() as conn:
            return [_token(r) for r in conn.execute(select(api_tokens).order_by(api_tokens.c.id))]

    def touch_token(self, token_id: int, at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at))

    def revoke_token(self, token_id: int, at: datetime) -> bool:
        with self._engine.begin() as conn:
            done = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
            return done.rowcount == 1

    def add_attempt(self, user_name: str, address: str, *, success: bool, at: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(login_attempts).values(user_name=user_name, address=address[:64], success=success, at=at)
            )

    def failures(self, *, since: datetime, user_name: str | None = None, address: str | None = None) -> list[datetime]:
        if (user_name is None) == (address is None):
            raise ValueError("give exactly one of user_name and address")
        with self._engine.connect() as conn:
            if user_name is not None:
                who = login_attempts.c.user_name == user_name
                last_ok = conn.execute(
                    select(func.max(login_attempts.c.at)).where(who, login_attempts.c.success.is_(True))
                ).scalar()
                if last_ok is not None and utc(last_ok) > utc(since):
                    since = last_ok
                    cond = login_attempts.c.at > since
                else:
                    cond = login_attempts.c.at >= since
            else:
                who = login_attempts.c.address == (address or "")[:64]
                cond = login_attempts.c.at >= since
            rows = conn.execute(
                select(login_attempts.c.at)
                .where(who, cond, login_attempts.c.success.is_(False))
                .order_by(login_attempts.c.at)
            ).scalars()
            return [utc(r) for r in rows]

    def prune_attempts(self, before: datetime) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(delete(login_attempts).where(login_attempts.c.at < before)).rowcount)


def _session(row: Row[Any]) -> WebSession:
    m = row._mapping
    return WebSession(
        id_hash=m["id_hash"],
        user_id=int(m["user_id"]),
        csrf_secret=m["csrf_secret"],
        created_at=utc(m["created_at"]),
        expires_at=utc(m["expires_at"]),
    )


class SqlSessions(SessionStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, session: WebSession) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(web_sessions).values(
                    id_hash=session.id_hash,
                    user_id=session.user_id,
                    csrf_secret=session.csrf_secret,
                    created_at=session.created_at,
                    expires_at=session.expires_at,
                )
            )

    def get(self, id_hash: str) -> WebSession | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(web_sessions).where(web_sessions.c.id_hash == id_hash)).first()
        return _session(row) if row is not None else None

    def delete(self, id_hash: str) -> bool:
        with self._engine.begin() as conn:
            return conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash)).rowcount == 1

    def delete_for_user(self, user_id: int) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount)

    def purge_expired(self, now: datetime) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now)).rowcount)
