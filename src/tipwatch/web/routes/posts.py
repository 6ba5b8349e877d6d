"""Stored posts (scope "read": viewers and above, or a read token). Viewing one post is a view of personal data:
each view is appended to the audit log with who asked and why (the optional ``reason``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from tipwatch.services.posts import view_post
from tipwatch.web.auth import Principal, require_scope, store_of
from tipwatch.web.schemas.posts import (
    HitSpan,
    IdentifierSpan,
    LinkOut,
    MatchOut,
    MediaOut,
    NetworkRef,
    PostOut,
    PostPage,
    PostSummary,
)

router = APIRouter(prefix="/api/v1/posts", tags=["posts"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
MAX_PAGE = 500


@router.get("", response_model=PostPage, summary="Posts by risk, highest first")
def list_posts(
    reader: Reader,
    request: Request,
    min_risk: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    platform: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PostPage:
    found = store_of(request).reports.top_posts(limit, min_risk, platform=platform, offset=offset)
    items = [
        PostSummary(
            rank=p.rank,
            id=p.id,
            title=p.title,
            risk=p.risk,
            platform=p.platform,
            kind=p.kind,
            url=p.url,
            posted_at=p.posted_at,
            reasons=p.reasons,
        )
        for p in found
    ]
    return PostPage(
        items=items, limit=limit, offset=offset, next_offset=offset + limit if len(found) == limit else None
    )


@router.get("/{post_id:path}", response_model=PostOut, summary="One post, with spans, pictures' hashes and links")
def get_post(
    reader: Reader,
    request: Request,
    post_id: Annotated[str, Path(min_length=1, max_length=2000)],
    reason: Annotated[str, Query(max_length=2000, description="Why you open this post (kept in the audit log).")] = "",
) -> PostOut:
    store = store_of(request)
    view = view_post(store, post_id, actor=reader.actor, why=reason, via="api")
    if view is None:
        raise HTTPException(status_code=404, detail=f"no post {post_id!r}")
    p = view.post
    net = view.network
    return PostOut(
        id=p.id,
        source=p.source,
        position=p.position,
        url=p.url,
        platform=p.platform,
        kind=p.kind,
        language=p.language,
        posted_at=p.posted_at,
        location=p.location,
        images=p.images,
        risk=p.risk,
        indicator_risk=p.indicator_risk,
        classifier_risk=p.classifier_risk,
        model=p.model,
        reasons=p.reasons,
        title=p.title,
        body=p.body,
        text=p.text,
        identifiers=[IdentifierSpan.model_validate(i, from_attributes=True) for i in p.identifiers],
        hits=[HitSpan.model_validate(h, from_attributes=True) for h in p.hits],
        media=[MediaOut.model_validate(m, from_attributes=True) for m in view.media],
        matches=[MatchOut.model_validate(m, from_attributes=True) for m in view.matches],
        restricted=view.restricted,
        network=NetworkRef(id=net.id, score=net.score, size=net.size, reasons=net.reasons) if net else None,
        links=[LinkOut.model_validate(link, from_attributes=True) for link in view.links],
    )
