"""Sign in (session cookie + CSRF token), sign out, who am I."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response

from tipwatch.services.accounts import LockedOut, LoginFailed, LoginLimits, authenticate, role_scopes
from tipwatch.services.sessions import create_session, logout
from tipwatch.web.auth import (
    CurrentPrincipal,
    Principal,
    clear_session_cookie,
    client_address,
    config_of,
    secret_of,
    set_session_cookie,
    store_of,
)
from tipwatch.web.schemas.auth import LoginRequest, LoginResponse, Me, Message

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def me_of(principal: Principal) -> Me:
    return Me(
        kind=principal.kind,
        id=principal.id,
        name=principal.name,
        role=principal.role,
        scopes=sorted(principal.scopes),
        face_search=principal.face_search,
    )


@router.post("/login", response_model=LoginResponse, responses={401: {"model": Message}, 429: {"model": Message}})
def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
    """Check name and password (rate limited per name and per address); set the session cookie."""
    cfg = config_of(request)
    store = store_of(request)
    limits = LoginLimits(
        cfg.login_failures_per_user, cfg.login_failures_per_address, timedelta(minutes=cfg.login_window_minutes)
    )
    try:
        user = authenticate(store, body.name, body.password, address=client_address(request), limits=limits)
    except LockedOut as exc:
        raise HTTPException(status_code=429, detail=str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    except LoginFailed as exc:
        raise HTTPException(status_code=401, detail=str(exc)) from None
    lifetime = timedelta(minutes=cfg.session_minutes)
    new = create_session(store, user, secret=secret_of(request), lifetime=lifetime)
    set_session_cookie(response, request, new.session_id, int(lifetime.total_seconds()))
    me = me_of(Principal("user", user.id, user.name, user.role, role_scopes(user.role), user.face_search))
    return LoginResponse(user=me, csrf_token=new.csrf_token, expires_at=new.expires_at)


@router.post("/logout", response_model=Message)
def sign_out(principal: CurrentPrincipal, request: Request, response: Response) -> Message:
    """End this browser session (an API token is revoked by an administrator instead)."""
    session_id = getattr(request.state, "session_id", None)
    if principal.kind != "user" or session_id is None:
        raise HTTPException(status_code=400, detail="not signed in with a session")
    logout(store_of(request), session_id, secret=secret_of(request), actor=principal.actor)
    clear_session_cookie(response, request)
    return Message(detail="signed out")


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    """Who the request is from."""
    return me_of(principal)
