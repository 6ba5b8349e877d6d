"""The notices page: every takedown notice with its state, platform, URLs and time to removal (overdue ones first),
and for supervisors an approve button on drafts they did not write (the service refuses the drafter anyway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipwatch.services import notices
from tipwatch.services.accounts import has_role
from tipwatch.services.notices import NoticeError
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render

router = APIRouter(tags=["pages"])
_STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409}


def _page(request: Request, principal: Principal, *, error: str = "", status_code: int = 200) -> HTMLResponse:
    items = notices.list_notices(store_of(request))
    items.sort(key=lambda n: n.state != "overdue")  # stable: overdue first, then newest first
    hours = {}
    for n in items:
        ttr = notices.time_to_removal(n)
        hours[n.id] = None if ttr is None else round(ttr.total_seconds() / 3600, 1)
    return render(
        request,
        "notices.html",
        principal,
        status_code=status_code,
        items=items,
        hours=hours,
        supervisor=has_role(principal.role, "supervisor"),
        error=error,
    )


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, principal: Annotated[Principal, Depends(page_role("analyst"))]) -> HTMLResponse:
    return _page(request, principal)


@router.post("/notices/{notice_id}/approve")
def notices_approve(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("supervisor"))],
    notice_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    try:
        notices.approve(
            store_of(request),
            notice_id,
            approver=principal.name,
            approver_role=principal.role or "",
            audit_as=principal.actor,
        )
    except NoticeError as exc:
        return _page(request, principal, error=str(exc), status_code=_STATUS.get(exc.reason, 400))
    return RedirectResponse("/notices", status_code=303)
