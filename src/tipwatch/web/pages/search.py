"""Search stored posts by words or by an identifier (services.search: "98765 43210" and "+919876543210" find the
same post); every search is audited ("search")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from tipwatch.services import audit
from tipwatch.services.search import SearchError, SearchResult, search
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render

router = APIRouter(tags=["pages"])
PAGE = 25


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("viewer"))],
    q: Annotated[str, Query(max_length=500)] = "",
    order: Annotated[str, Query(pattern="^(newest|risk)$")] = "newest",
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> HTMLResponse:
    store = store_of(request)
    result: SearchResult | None = None
    error = ""
    if q.strip():
        try:
            result = search(store, q, order=order, limit=PAGE, offset=offset)  # type: ignore[arg-type]
        except SearchError as exc:
            error = str(exc)
        details = {
            "order": order,
            "offset": offset,
            "by": result.by if result else "",
            "hits": len(result.hits) if result else 0,
        }
        audit.append(store, principal.actor, "search", q[:500], "", details)
    return render(
        request,
        "search.html",
        principal,
        status_code=400 if error else 200,
        query=q,
        order=order,
        result=result,
        error=error,
    )
