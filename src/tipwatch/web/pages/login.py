"""Sign in with a form (rate limited and audited by services.accounts, CSRF-protected by a keyed token over a
pre-session cookie), sign out with a form."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipwatch.services.accounts import LockedOut, LoginFailed, LoginLimits, authenticate
from tipwatch.services.sessions import create_session, logout
from tipwatch.web.auth import (
    Principal,
    clear_session_cookie,
    client_address,
    config_of,
    secret_of,
    set_session_cookie,
    store_of,
)
from tipwatch.web.pages.common import (
    LOGIN_COOKIE,
    check_login_token,
    login_nonce,
    login_token,
    page_principal,
    render,
    safe_next,
)

router = APIRouter(tags=["pages"])
NONCE_SECONDS = 3600


def _form(request: Request, *, next_url: str, error: str = "", status_code: int = 200, name: str = "") -> HTMLResponse:
    nonce = login_nonce()
    response = render(
        request,
        "login.html",
        None,
        status_code=status_code,
        csrf_token=login_token(request, nonce),
        next_url=safe_next(next_url),
        error=error,
        name=name,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=NONCE_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=not config_of(request).plain_http_loopback,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return _form(request, next_url=next)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the form token, then name and password (rate limited per name and address, audited); on success set
    the session cookie and go to ``next`` (a local path)."""
    if not check_login_token(request, csrf_token):
        return _form(request, next_url=next, error="The form expired: please sign in again.", status_code=403)
    cfg = config_of(request)
    store = store_of(request)
    limits = LoginLimits(
        cfg.login_failures_per_user, cfg.login_failures_per_address, timedelta(minutes=cfg.login_window_minutes)
    )
    try:
        user = authenticate(store, name, password, address=client_address(request), limits=limits)
    except LockedOut as exc:
        response = _form(request, next_url=next, error=str(exc), status_code=429, name=name)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except LoginFailed as exc:
        return _form(request, next_url=next, error=str(exc), status_code=401, name=name)
    lifetime = timedelta(minutes=cfg.session_minutes)
    new = create_session(store, user, secret=secret_of(request), lifetime=lifetime)
    redirect = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(redirect, request, new.session_id, int(lifetime.total_seconds()))
    redirect.delete_cookie(LOGIN_COOKIE, path="/login")
    return redirect


@router.post("/logout")
def logout_submit(request: Request, principal: Annotated[Principal, Depends(page_principal)]) -> Response:
    """End this browser session (the form carries the session's CSRF token); back to the sign-in form."""
    session_id = getattr(request.state, "session_id", None)
    if session_id is not None:
        logout(store_of(request), session_id, secret=secret_of(request), actor=principal.actor)
    redirect = RedirectResponse("/login", status_code=303)
    clear_session_cookie(redirect, request)
    return redirect
