"""The post page's "Capture" form (analysts and above): captures the post's URL into a case through the capture
service (in the thread pool: a plain ``def`` route), then back to the post, whose page lists its evidence."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from tipwatch.web.auth import Principal
from tipwatch.web.pages.common import page_role
from tipwatch.web.pages.posts import audited_view, render_post
from tipwatch.web.routes.evidence import run_capture

router = APIRouter(tags=["pages"])


@router.post("/evidence/capture")
def capture_post(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("analyst"))],
    case_id: Annotated[int, Form(ge=1, le=2**62)],
    post_id: Annotated[str, Form(max_length=1000)] = "",
    purpose: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    view = audited_view(request, principal, post_id, "capture")
    if view is None:
        raise HTTPException(status_code=404, detail="no such post")
    if not view.post.url:
        return render_post(request, principal, view, capture_error="this post has no URL to capture", status_code=422)
    try:
        run_capture(request, principal, view.post.url, case_id, purpose)
    except HTTPException as exc:
        reason = exc.detail["reason"] if isinstance(exc.detail, dict) else str(exc.detail)
        return render_post(request, principal, view, capture_error=reason, status_code=exc.status_code)
    return RedirectResponse(f"/posts/{quote(post_id)}", status_code=303)
