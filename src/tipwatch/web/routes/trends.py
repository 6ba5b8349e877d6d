"""Trends (scope "read"): terms whose use grows in recent weeks (as ``tipwatch trends``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from tipwatch.services.trends import trends
from tipwatch.web.auth import Principal, require_scope, store_of
from tipwatch.web.schemas.search import TrendsOut

router = APIRouter(prefix="/api/v1", tags=["trends"])
Reader = Annotated[Principal, Depends(require_scope("read"))]


@router.get("/trends", response_model=TrendsOut, summary="Growing terms")
def get_trends(reader: Reader, request: Request) -> TrendsOut:
    return TrendsOut(result=trends(store_of(request)))
