"""Shared pieces of the pages: the template environment, the page access rules (303 to /login for anonymous
browsers instead of 401 JSON), the login form's CSRF token, and rendering."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from tipwatch.services.accounts import ROLES, has_role
from tipwatch.services.sessions import lookup_session
from tipwatch.web.auth import SESSION_COOKIE, Principal, current_principal, secret_of, store_of

WEB = Path(__file__).resolve().parent.parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
LOGIN_COOKIE = "tipwatch_login"

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True)
env.globals["has_role"] = has_role  # the nav shows a page only to the roles its route admits
PageDependency = Callable[[Request], Awaitable[Principal]]


def static_files() -> StaticFiles:
    """The app's own script, style and vendored packages (htmx, Cytoscape.js, Noto Sans fonts), served at /static."""
    return StaticFiles(directory=STATIC)


def login_redirect(request: Request) -> HTTPException:
    """303 to /login, coming back to this page (a GET page; after a form post, back to the page itself)."""
    target = request.url.path if request.method == "GET" else "/"
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return HTTPException(status_code=303, detail="sign in first", headers={"Location": "/login?next=" + quote(target)})


async def _principal(request: Request) -> Principal:
    try:
        return await current_principal(request)
    except HTTPException as exc:
        if exc.status_code == 401:
            raise login_redirect(request) from None
        raise


async def page_principal(request: Request) -> Principal:
    """Any signed-in user (pages need a session, not an API token); anonymous browsers go to /login."""
    principal = await _principal(request)
    if principal.kind != "user":
        raise HTTPException(status_code=403, detail="pages need a signed-in user")
    info = await run_in_threadpool(
        lookup_session, store_of(request), request.cookies.get(SESSION_COOKIE, ""), secret=secret_of(request)
    )
    request.state.csrf_token = info.csrf_token if info else ""
    return principal


page_principal.rule = ("authenticated", "")  # type: ignore[attr-defined]


def page_role(minimum: str) -> PageDependency:
    """A signed-in user with role ``minimum`` or above (403 otherwise); anonymous browsers go to /login."""
    if minimum not in ROLES:
        raise ValueError(f"unknown role {minimum!r}")

    async def dependency(request: Request) -> Principal:
        principal = await page_principal(request)
        if not has_role(principal.role, minimum):
            raise HTTPException(status_code=403, detail=f"needs role {minimum} or above")
        return principal

    dependency.__name__ = f"page_role_{minimum}"
    dependency.rule = ("role", minimum)  # type: ignore[attr-defined]
    return dependency


async def page_face_search(request: Request) -> Principal:
    """A signed-in user holding the face-search permission (403 otherwise, whatever the role)."""
    principal = await page_principal(request)
    if not principal.face_search:
        raise HTTPException(status_code=403, detail="needs the face-search permission")
    return principal


page_face_search.rule = ("face_search", "")  # type: ignore[attr-defined]


def login_nonce() -> str:
    return secrets.token_urlsafe(32)


def login_token(request: Request, nonce: str) -> str:
    """The login form's CSRF token: keyed by the server secret over the nonce in the login cookie, so a page on
    another site can neither read nor forge it (and SameSite=Strict keeps the cookie off its requests)."""
    return hmac.new(secret_of(request), b"login-form:" + nonce.encode(), hashlib.sha256).hexdigest()


def check_login_token(request: Request, token: str) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not token or len(nonce) > 100:
        return False
    return hmac.compare_digest(login_token(request, nonce).encode(), token.encode())


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (another origin, //host, backslashes) gives /."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def json_block(element_id: str, data: Any) -> Markup:
    """Data for app.js as ``<script type="application/json">`` (not executed; the CSP would refuse it anyway).
    ``<``, ``>`` and ``&`` are written as \\u escapes so no value can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup('<script type="application/json" id="{}">').format(element_id) + Markup(text) + Markup("</script>")


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    html = env.get_template(template).render(request=request, principal=principal, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
