"""Takedown notices: analysts list and draft; supervisors approve (never their own draft: the service refuses),
send and run the re-check. Every transition is audited by the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from tipwatch.services import notices
from tipwatch.services.notices import NoticeError
from tipwatch.web.auth import Principal, config_of, require_role, store_of
from tipwatch.web.schemas.notices import DraftIn, DraftOut, NoticeOut, RecheckOut, State, WhyIn

router = APIRouter(prefix="/api/v1/notices", tags=["notices"])
Analyst = Annotated[Principal, Depends(require_role("analyst"))]
Supervisor = Annotated[Principal, Depends(require_role("supervisor"))]
NoticeId = Annotated[int, Path(ge=1, le=2**62)]
# A failed send is the platform's server failing, not ours: 424 (failed dependency), never a 5xx.
STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409, "send_failed": 424}


def refused(exc: NoticeError) -> HTTPException:
    return HTTPException(status_code=STATUS.get(exc.reason, 422), detail={"code": exc.reason, "reason": str(exc)})


def notice_out(n: notices.Notice) -> NoticeOut:
    out = NoticeOut.model_validate(n, from_attributes=True)
    ttr = notices.time_to_removal(n)
    out.hours_to_removal = None if ttr is None else round(ttr.total_seconds() / 3600, 3)
    return out


@router.get("", response_model=list[NoticeOut], summary="Notices, newest first")
def list_notices(
    analyst: Analyst,
    request: Request,
    state: State | None = None,
    platform: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NoticeOut]:
    try:
        items = notices.list_notices(store_of(request), state=state, platform=platform, limit=limit)
    except NoticeError as exc:
        raise refused(exc) from None
    return [notice_out(n) for n in items]


@router.post("", response_model=DraftOut, status_code=201, summary="Draft one notice per hosting platform")
def draft(analyst: Analyst, request: Request, body: DraftIn) -> DraftOut:
    try:
        result = notices.draft(
            store_of(request),
            post_id=body.post_id,
            network_id=body.network_id,
            drafted_by=analyst.name,
            settings=config_of(request).notices,
            audit_as=analyst.actor,
        )
    except NoticeError as exc:
        raise refused(exc) from None
    return DraftOut(
        notices=[notice_out(n) for n in result.notices],
        skipped=[{"post_id": p, "reason": r} for p, r in result.skipped],
    )


@router.get("/{notice_id}", response_model=NoticeOut, summary="A notice with its URLs and their last check")
def show(analyst: Analyst, request: Request, notice_id: NoticeId) -> NoticeOut:
    try:
        return notice_out(notices.get_notice(store_of(request), notice_id))
    except NoticeError as exc:
        raise refused(exc) from None


@router.post("/{notice_id}/approve", response_model=NoticeOut, summary="Approve a draft (not one's own)")
def approve(supervisor: Supervisor, request: Request, notice_id: NoticeId, body: WhyIn) -> NoticeOut:
    try:
        n = notices.approve(
            store_of(request),
            notice_id,
            approver=supervisor.name,
            approver_role=supervisor.role or "",
            why=body.why,
            audit_as=supervisor.actor,
        )
    except NoticeError as exc:
        raise refused(exc) from None
    return notice_out(n)


@router.post("/{notice_id}/send", response_model=NoticeOut, summary="Send an approved notice (e-mail or webhook)")
async def send(supervisor: Supervisor, request: Request, notice_id: NoticeId) -> NoticeOut:
    try:
        n = await run_in_threadpool(
            notices.send,
            store_of(request),
            notice_id,
            actor=supervisor.name,
            settings=config_of(request).notices,
            audit_as=supervisor.actor,
        )
    except NoticeError as exc:
        raise refused(exc) from None
    return notice_out(n)


@router.post("/recheck", response_model=RecheckOut, summary="Re-check every sent URL; escalate overdue notices")
async def recheck(supervisor: Supervisor, request: Request) -> RecheckOut:
    try:
        r = await run_in_threadpool(
            notices.recheck, store_of(request), settings=config_of(request).notices, actor=supervisor.actor
        )
    except NoticeError as exc:
        raise refused(exc) from None
    return RecheckOut(
        checked=r.checked,
        removed=r.removed,
        overdue=r.overdue,
        errors=[{"notice_id": i, "url": u, "reason": w} for i, u, w in r.errors],
    )
