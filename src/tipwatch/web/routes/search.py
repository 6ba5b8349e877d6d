"""Search stored posts by words or by an identifier written any way (scope "read"). Every search is audited: a
phone number searched for is itself personal data."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from tipwatch.services import audit
from tipwatch.services.search import MAX_LIMIT, MAX_QUERY_CHARS, SearchError, search
from tipwatch.web.auth import Principal, require_scope, store_of
from tipwatch.web.schemas.search import SearchHitOut, SearchOut

router = APIRouter(prefix="/api/v1", tags=["search"])
Reader = Annotated[Principal, Depends(require_scope("read"))]


@router.get("/search", response_model=SearchOut, summary="Search posts by text or identifier")
def search_posts(
    reader: Reader,
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    by: Literal["auto", "text", "identifier"] = "auto",
    order: Literal["newest", "risk"] = "newest",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    reason: Annotated[str, Query(max_length=2000, description="Why you search (kept in the audit log).")] = "",
) -> SearchOut:
    store = store_of(request)
    try:
        result = search(store, q, by=by, order=order, limit=limit, offset=offset)
    except SearchError as exc:
        raise HTTPException(status_code=422, detail=exc.reason) from None
    audit.append(store, reader.actor, "search", f"search:{result.by}", reason, {"query": q, "hits": len(result.hits)})
    hits = [SearchHitOut.model_validate(h, from_attributes=True) for h in result.hits]
    return SearchOut(
        query=result.query,
        by=result.by,
        identifiers=result.identifiers,
        terms=result.terms,
        hits=hits,
        limit=result.limit,
        offset=result.offset,
        next_offset=result.next_offset,
    )
