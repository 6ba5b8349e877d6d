"""The review queue: the post the analyst holds (services.review.next_for: two analysts never hold the same post),
their latest decisions, and the decision forms app.js drives from the keyboard (j/k move, e/d/n decide with a
reason, Enter submits). Decisions go through services.review.decide, audited."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipwatch.services import audit, review
from tipwatch.services.review import ReviewError
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render
from tipwatch.web.pages.posts import audited_view, highlighted

router = APIRouter(tags=["pages"])
RECENT = 15
_STATUS = {"unknown_post": 404, "held_by_other": 409, "not_held": 409}


def _audit_fn(request: Request, principal: Principal) -> review.AuditFn:
    store = store_of(request)

    def write(_name: str, action: str, target: str, why: str, details: dict[str, Any]) -> None:
        audit.append(store, principal.actor, action, target, why, details)

    return write


def _page(request: Request, principal: Principal, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    store = store_of(request)
    item = review.next_for(store, principal.name)
    view = audited_view(request, principal, item.post.id, "review") if item else None
    return render(
        request,
        "review.html",
        principal,
        status_code=status_code,
        item=item,
        v=view,
        text=highlighted(view) if view else None,
        recent=review.recent(store, principal.name, limit=RECENT),
        stats=review.stats(store),
        error=error,
    )


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, principal: Annotated[Principal, Depends(page_role("analyst"))]) -> HTMLResponse:
    return _page(request, principal)


@router.post("/review/decide")
def review_decide(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("analyst"))],
    post_id: Annotated[str, Form(max_length=1000)] = "",
    decision: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=20)] = "review",
) -> Response:
    """Record the decision with its reason (required), then back to the queue (or the post's page)."""
    try:
        review.decide(store_of(request), principal.name, post_id, decision, reason, audit=_audit_fn(request, principal))
    except ReviewError as exc:
        return _page(request, principal, error=str(exc), status_code=_STATUS.get(exc.reason, 400))
    target = f"/posts/{quote(post_id)}" if back == "post" else "/review"
    return RedirectResponse(target, status_code=303)


@router.post("/review/skip")
def review_skip(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("analyst"))],
    post_id: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Pass on the held post (it stays out of the pool until its lease ends); the next one is shown."""
    try:
        review.skip(store_of(request), principal.name, post_id, audit=_audit_fn(request, principal))
    except ReviewError as exc:
        return _page(request, principal, error=str(exc), status_code=_STATUS.get(exc.reason, 400))
    return RedirectResponse("/review", status_code=303)
