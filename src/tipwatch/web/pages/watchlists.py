"""Watchlists and alerts: every watch (active or stopped) and the alerts they raised, newest first, for viewers;
analysts add a watch (the value normalized as the extractor does, so "98765 43210" watches +919876543210, and posts
already stored raise alerts at once) and stop one. Adding and stopping are audited ("watch.add", "watch.remove")
through the same service calls as the API; reading the lists is not, as with ``GET /api/v1/alerts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipwatch.services import watches
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render

router = APIRouter(tags=["pages"])
ALERTS_SHOWN = 200


def _page(
    request: Request, principal: Principal, *, error: str = "", added: str = "", status_code: int = 200
) -> HTMLResponse:
    store = store_of(request)
    found = watches.alerts(store, unseen_only=False)
    return render(
        request,
        "watchlists.html",
        principal,
        status_code=status_code,
        watches=list(reversed(watches.list_watches(store))),
        alerts=found[:ALERTS_SHOWN],
        more_alerts=max(0, len(found) - ALERTS_SHOWN),
        kinds=watches.kinds(),
        error=error,
        added=added,
    )


@router.get("/watchlists", response_class=HTMLResponse)
def watchlists_page(request: Request, principal: Annotated[Principal, Depends(page_role("viewer"))]) -> HTMLResponse:
    return _page(request, principal)


@router.post("/watchlists", response_class=HTMLResponse)
def watchlists_add(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("analyst"))],
    kind: Annotated[str, Form(max_length=50)] = "",
    value: Annotated[str, Form(max_length=2000)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse:
    """Watch a value; the page comes back with the new watch and the alerts it raised for stored posts."""
    if not value.strip():
        return _page(request, principal, error="a value to watch is required", status_code=422)
    try:
        watch, raised = watches.add_audited(
            store_of(request), kind, value, note=note.strip(), by=principal.name, actor=principal.actor
        )
    except ValueError as exc:
        return _page(request, principal, error=str(exc), status_code=422)
    return _page(request, principal, added=f"watching {watch.kind} {watch.value}: {raised} alert(s) for stored posts")


@router.post("/watchlists/{watch_id}/stop")
def watchlists_stop(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("analyst"))],
    watch_id: Annotated[int, Path(ge=1, le=2**62)],
) -> Response:
    """Stop a watch (its alerts stay), then back to the list."""
    if not watches.remove_audited(store_of(request), watch_id, actor=principal.actor):
        return _page(request, principal, error=f"no watch {watch_id}", status_code=404)
    return RedirectResponse("/watchlists", status_code=303)
