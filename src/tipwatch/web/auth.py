"""Who is asking, and may they: FastAPI dependencies for every route.

- ``current_principal``: a browser's session cookie (``tipwatch_session``), or an API token in
  ``Authorization: Bearer``. Anonymous requests get 401. Unsafe methods (POST, PUT, PATCH, DELETE) authenticated by
  the cookie must carry the session's CSRF token in the ``X-CSRF-Token`` header or a ``csrf_token`` form field
  (403 otherwise); bearer-token requests cannot be forged by another site and need none.
- ``require_role("analyst")``: a signed-in user with that role or above (viewer < analyst < supervisor < admin);
  tokens have no role and are refused.
- ``require_scope("scan")``: a token with that scope, or a user whose role implies it (viewers read; analysts and
  above read, scan and ingest).
- ``require_face_search``: a signed-in user holding the separate face-search permission.

Each dependency made by ``require_role``/``require_scope`` carries its rule (``.rule``), which the route access
test reads back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from tipwatch.services.accounts import ROLES, SCOPES, has_role, role_scopes, verify_token
from tipwatch.services.sessions import SessionInfo, check_csrf, lookup_session

if TYPE_CHECKING:
    from tipwatch.config import Config
    from tipwatch.store.facade import Store

SESSION_COOKIE = "tipwatch_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made the request: a signed-in user (with a role) or an API token (with scopes)."""

    kind: Literal["user", "token"]
    id: int
    name: str
    role: str | None
    scopes: frozenset[str]
    face_search: bool

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return f"user:{self.name}" if self.kind == "user" else f"token:{self.id}:{self.name}"


def store_of(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def config_of(request: Request) -> Config:
    return request.app.state.config  # type: ignore[no-any-return]


def secret_of(request: Request) -> bytes:
    return request.app.state.secret  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


async def _csrf_token(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in _FORMS:
        try:
            form = await request.form()  # cached by Starlette: the route can still read it
        except ClientDisconnect:  # the body limit cut an upload short (its 413 is already sent)
            return None
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def current_principal(request: Request) -> Principal:
    """The request's principal (see the module docstring); 401 when there is none, 403 on a CSRF failure."""
    store, secret = store_of(request), secret_of(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _unauthorized("Authorization must be 'Bearer <token>'")
        record = await run_in_threadpool(verify_token, store, value.strip(), secret=secret)
        if record is None:
            raise _unauthorized("unknown or revoked API token")
        return Principal("token", record.id, record.name, None, frozenset(record.scopes), False)
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise _unauthorized("sign in first (or send an API token)")
    info: SessionInfo | None = await run_in_threadpool(lookup_session, store, session_id, secret=secret)
    if info is None:
        raise _unauthorized("session expired or ended: sign in again")
    if request.method not in SAFE_METHODS and not check_csrf(info, await _csrf_token(request)):
        raise HTTPException(status_code=403, detail=f"CSRF token missing or wrong (send the {CSRF_HEADER} header)")
    request.state.session_id = session_id
    user = info.user
    return Principal("user", user.id, user.name, user.role, role_scopes(user.role), user.face_search)


current_principal.rule = ("authenticated", "")  # type: ignore[attr-defined]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Dependency = Callable[..., Awaitable[Principal]]


def require_role(minimum: str) -> Dependency:
    """A dependency admitting signed-in users whose role is ``minimum`` or above (403 otherwise)."""
    if minimum not in ROLES:
        raise ValueError(f"unknown role {minimum!r}: one of {', '.join(ROLES)}")

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.kind != "user":
            raise HTTPException(status_code=403, detail=f"needs a signed-in user with role {minimum} or above")
        if not has_role(principal.role, minimum):
            raise HTTPException(status_code=403, detail=f"needs role {minimum} or above")
        return principal

    dependency.__name__ = f"require_role_{minimum}"
    dependency.rule = ("role", minimum)  # type: ignore[attr-defined]
    return dependency


def require_scope(scope: str) -> Dependency:
    """A dependency admitting tokens with ``scope`` and users whose role implies it (403 otherwise)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}: one of {', '.join(SCOPES)}")

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if scope not in principal.scopes:
            raise HTTPException(status_code=403, detail=f"needs the {scope!r} scope")
        return principal

    dependency.__name__ = f"require_scope_{scope}"
    dependency.rule = ("scope", scope)  # type: ignore[attr-defined]
    return dependency


async def require_face_search(principal: CurrentPrincipal) -> Principal:
    """A signed-in user with the face-search permission (403 otherwise)."""
    if principal.kind != "user" or not principal.face_search:
        raise HTTPException(status_code=403, detail="needs the face-search permission")
    return principal


require_face_search.rule = ("face_search", "")  # type: ignore[attr-defined]


def set_session_cookie(response: Response, request: Request, session_id: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=not config_of(request).plain_http_loopback,
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=not config_of(request).plain_http_loopback,
    )


def dependency_rules(dependant: Any) -> set[tuple[str, str]]:
    """The rules (role, scope, face_search) of a route's dependencies, found recursively (for tests and docs)."""
    found: set[tuple[str, str]] = set()
    for sub in getattr(dependant, "dependencies", []):
        rule = getattr(sub.call, "rule", None)
        if rule is not None:
            found.add(rule)
        found |= dependency_rules(sub)
    return found
