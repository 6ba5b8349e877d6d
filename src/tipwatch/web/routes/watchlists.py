"""Watch alerts (scope "read"): new posts that matched a watched identifier, picture or network."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from tipwatch.services import watches
from tipwatch.web.auth import Principal, require_scope, store_of
from tipwatch.web.schemas.search import AlertOut

router = APIRouter(prefix="/api/v1", tags=["watchlists"])
Reader = Annotated[Principal, Depends(require_scope("read"))]


@router.get("/alerts", response_model=list[AlertOut], summary="Watch alerts, newest first")
def list_alerts(
    reader: Reader,
    request: Request,
    unseen_only: Annotated[bool, Query()] = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertOut]:
    found = watches.alerts(store_of(request), unseen_only=unseen_only)
    return [AlertOut.model_validate(a) for a in found[:limit]]
