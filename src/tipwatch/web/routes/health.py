"""Liveness and readiness (public: no data, no versions)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tipwatch.web.auth import store_of

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    """The store answers and its schema is at the newest migration (503 otherwise)."""
    problem = store_of(request).ready()
    if problem is not None:
        return JSONResponse({"status": "not ready", "detail": problem}, status_code=503)
    return JSONResponse({"status": "ready"})
