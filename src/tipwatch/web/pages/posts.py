"""One post's page: its text with indicator and identifier spans highlighted (escaped by report.highlight), the
reasons for its score, identifiers, pictures (placeholders, loaded only when clicked; restricted ones as hashes
only, never an <img> nor an address), bank matches, linked posts with the reason of each link, and its network.
Every view is audited ("post.view"); every picture served by ``/media/{post}/{index}`` too ("media.view",
services.media_view)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from tipwatch.report.highlight import Highlighted, Span, highlight
from tipwatch.services.accounts import has_role
from tipwatch.services.evidence import items_for_post
from tipwatch.services.media_view import MediaViewError, view_image
from tipwatch.services.posts import PostView, view_post
from tipwatch.store.interface.reports import RankedPost
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.cases import add_to_case_context
from tipwatch.web.pages.common import page_role, render

router = APIRouter(tags=["pages"])
MAX_CHARS = 20_000


def post_spans(p: RankedPost) -> list[Span]:
    """Indicator hits and identifiers as highlight spans (the labels are shown as tooltips, escaped)."""
    spans = [
        Span(h.start, h.end, "ind", f"i{n}", f"indicator {h.code} — {h.category} (weight {h.weight:+.2f})")
        for n, h in enumerate(p.hits)
    ]
    spans += [
        Span(i.start, i.end, "id", f"d{n}", f"{i.type}: {i.value}" + (" — obfuscated" if i.obfuscated else ""))
        for n, i in enumerate(p.identifiers)
    ]
    return spans


def highlighted(view: PostView) -> Highlighted:
    return highlight(view.post.text, post_spans(view.post), max_chars=MAX_CHARS)


def audited_view(request: Request, principal: Principal, post_id: str, via: str) -> PostView | None:
    """The post's view, with a "post.view" audit entry (also when the post is not found: the attempt counts)."""
    return view_post(store_of(request), post_id, actor=principal.actor, via=via)


@router.get("/posts/{post_id:path}", response_class=HTMLResponse)
def post_page(
    post_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(page_role("viewer"))],
    added_to: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    view = audited_view(request, principal, post_id, "post page")
    if view is None:
        raise HTTPException(status_code=404, detail="no such post")
    return render_post(request, principal, view, added_to=added_to)


def render_post(
    request: Request,
    principal: Principal,
    view: PostView,
    *,
    added_to: int | None = None,
    capture_error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """The post's page (``added_to``: the case it was just added to; ``capture_error``: why a capture from this
    page failed)."""
    return render(
        request,
        "post.html",
        principal,
        status_code=status_code,
        v=view,
        text=highlighted(view),
        can_decide=has_role(principal.role, "analyst"),
        evidence=items_for_post(store_of(request), view.post.id),
        capture_error=capture_error,
        **add_to_case_context(request, principal, added_to),
    )


@router.get("/media/{post_id:path}/{index:int}")
async def post_picture(
    post_id: str, index: int, request: Request, principal: Annotated[Principal, Depends(page_role("viewer"))]
) -> Response:
    """One picture's bytes, only if services.media_view allows it (never a restricted one; 403/404/409/415 with the
    reason and no bytes otherwise)."""
    roots = list(request.app.state.config.image_roots)
    try:
        data, content_type = await run_in_threadpool(
            view_image, store_of(request), principal.actor, post_id, index, roots, why="post page"
        )
    except MediaViewError as exc:
        raise HTTPException(status_code=exc.status, detail=exc.reason) from None
    return Response(
        data,
        media_type=content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Disposition": "inline",
        },
    )
