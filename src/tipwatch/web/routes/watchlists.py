"""Watchlists (analysts and above: list, add, remove; each change audited) and their alerts (scope "read"): new
posts that matched a watched identifier, picture or network."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from tipwatch.services import watches
from tipwatch.web.auth import Principal, require_role, require_scope, store_of
from tipwatch.web.schemas.search import AlertOut, WatchAdded, WatchIn

router = APIRouter(prefix="/api/v1", tags=["watchlists"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
Analyst = Annotated[Principal, Depends(require_role("analyst"))]


@router.get("/alerts", response_model=list[AlertOut], summary="Watch alerts, newest first")
def list_alerts(
    reader: Reader,
    request: Request,
    unseen_only: Annotated[bool, Query()] = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertOut]:
    found = watches.alerts(store_of(request), unseen_only=unseen_only, limit=limit)
    return [AlertOut.model_validate(a) for a in found]


@router.get("/watches", response_model=list[dict[str, Any]], summary="Every watch, active or stopped")
def list_watches(analyst: Analyst, request: Request) -> list[dict[str, Any]]:
    return watches.list_watches(store_of(request))


@router.post("/watches", response_model=WatchAdded, status_code=201, summary="Watch a value")
def add_watch(analyst: Analyst, request: Request, body: WatchIn) -> WatchAdded:
    try:
        watch, raised = watches.add_audited(
            store_of(request), body.kind, body.value, note=body.note, by=analyst.name, actor=analyst.actor
        )
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return WatchAdded(id=watch.id, kind=watch.kind, value=watch.value, note=watch.note, alerts=raised)


@router.delete("/watches/{watch_id}", status_code=204, summary="Stop watching (alerts are kept)")
def remove_watch(analyst: Analyst, request: Request, watch_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    if not watches.remove_audited(store_of(request), watch_id, actor=analyst.actor):
        raise HTTPException(status_code=404, detail=f"no watch {watch_id}")
    return Response(status_code=204)
