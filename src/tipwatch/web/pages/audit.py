"""The audit log for supervisors: entries newest first, paged, filtered by actor and action (exact values), and on
request the chain check (services.audit.verify: intact, or the first bad entry and why). Reading the log is not
itself audited, as with the API's ``GET /api/v1/audit``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from tipwatch.services import audit
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render

router = APIRouter(tags=["pages"])
PAGE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("supervisor"))],
    actor: Annotated[str, Query(max_length=200)] = "",
    action: Annotated[str, Query(max_length=100)] = "",
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    verify: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    store = store_of(request)
    actor, action = actor.strip(), action.strip()
    entries = audit.page(store, before_seq=before_seq, limit=PAGE, actor=actor, action=action)
    # The chain check reads every entry: run on request, not on each page view.
    verdict = audit.verify(store) if verify else None
    return render(
        request,
        "audit.html",
        principal,
        entries=entries,
        actor=actor,
        action=action,
        next_before_seq=audit.next_before_seq(entries, PAGE),
        verdict=verdict,
    )
