"""Users and API tokens (administrators only). Every change is audited by the services, naming the admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from tipwatch.services import accounts
from tipwatch.services.accounts import AccountError, ApiToken, User, UserExists
from tipwatch.web.auth import Principal, require_role, secret_of, store_of
from tipwatch.web.schemas.admin import CreatedToken, NewToken, NewUser, RoleChange, TokenOut, UserOut, Why

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
Admin = Annotated[Principal, Depends(require_role("admin"))]


def user_out(u: User) -> UserOut:
    return UserOut(
        id=u.id,
        name=u.name,
        role=u.role,
        face_search=u.face_search,
        disabled=u.disabled,
        created_at=u.created_at,
        last_login_at=u.last_login_at,
    )


def token_out(t: ApiToken) -> TokenOut:
    return TokenOut(
        id=t.id,
        name=t.name,
        prefix=t.prefix,
        scopes=list(t.scopes),
        created_by=t.created_by,
        created_at=t.created_at,
        last_used_at=t.last_used_at,
        revoked_at=t.revoked_at,
    )


def _refused(exc: AccountError) -> HTTPException:
    missing = str(exc).startswith(("no user", "no live token"))
    return HTTPException(status_code=404 if missing else 409 if isinstance(exc, UserExists) else 422, detail=str(exc))


@router.get("/users", response_model=list[UserOut])
def list_users(admin: Admin, request: Request) -> list[UserOut]:
    return [user_out(u) for u in accounts.list_users(store_of(request))]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: NewUser, admin: Admin, request: Request) -> UserOut:
    try:
        user = accounts.add_user(
            store_of(request),
            body.name,
            body.password,
            role=body.role,
            face_search=body.face_search,
            actor=admin.actor,
            why=body.why,
        )
    except AccountError as exc:
        raise _refused(exc) from None
    return user_out(user)


@router.post("/users/{name}/role", response_model=UserOut)
def set_role(name: str, body: RoleChange, admin: Admin, request: Request) -> UserOut:
    try:
        user = accounts.set_role(
            store_of(request), name, body.role, face_search=body.face_search, actor=admin.actor, why=body.why
        )
    except AccountError as exc:
        raise _refused(exc) from None
    return user_out(user)


@router.post("/users/{name}/disable", response_model=UserOut)
def disable_user(name: str, body: Why, admin: Admin, request: Request) -> UserOut:
    store = store_of(request)
    try:
        accounts.disable_user(store, name, actor=admin.actor, why=body.why)
    except AccountError as exc:
        raise _refused(exc) from None
    user = store.accounts.user(name)
    if user is None:
        raise HTTPException(status_code=404, detail=f"no user {name!r}")
    return user_out(user)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(admin: Admin, request: Request) -> list[TokenOut]:
    return [token_out(t) for t in accounts.list_tokens(store_of(request))]


@router.post("/tokens", response_model=CreatedToken, status_code=201)
def create_token(body: NewToken, admin: Admin, request: Request) -> CreatedToken:
    try:
        token, record = accounts.create_token(
            store_of(request), body.name, body.scopes, secret=secret_of(request), actor=admin.actor, why=body.why
        )
    except AccountError as exc:
        raise _refused(exc) from None
    return CreatedToken(token=token, record=token_out(record))


@router.post("/tokens/{token_id}/revoke", response_model=TokenOut)
def revoke_token(token_id: Annotated[int, Path(ge=1, le=2**62)], body: Why, admin: Admin, request: Request) -> TokenOut:
    store = store_of(request)
    try:
        accounts.revoke_token(store, token_id, actor=admin.actor, why=body.why)
    except AccountError as exc:
        raise _refused(exc) from None
    return next(token_out(t) for t in accounts.list_tokens(store) if t.id == token_id)
