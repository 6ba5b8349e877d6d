"""The review queue (analysts and above): the next post under a lease, decisions with a reason, skips, figures.
Every decision and skip is audited (through the service's audit callback)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request

from tipwatch.services import audit, review
from tipwatch.services.review import ReviewError, ReviewItem
from tipwatch.store.facade import Store
from tipwatch.store.interface.review import QueueFilters
from tipwatch.web.auth import Principal, require_role, store_of
from tipwatch.web.schemas.review import (
    DecisionIn,
    DecisionOut,
    LeaseOut,
    QueueFiltersIn,
    QueueStatsOut,
    ReviewItemOut,
    ReviewNextOut,
    ReviewPostOut,
)

router = APIRouter(prefix="/api/v1/review", tags=["review"])
Analyst = Annotated[Principal, Depends(require_role("analyst"))]
PostId = Annotated[str, Path(min_length=1, max_length=2000)]
STATUS = {"unknown_post": 404, "held_by_other": 409, "not_held": 409}


def audit_for(store: Store, principal: Principal) -> review.AuditFn:
    """The services' audit callback, naming the principal as the audit log does."""

    def append(_actor: str, action: str, target: str, why: str, details: dict[str, Any]) -> None:
        audit.append(store, principal.actor, action, target, why, details)

    return append


def refused(exc: ReviewError) -> HTTPException:
    return HTTPException(status_code=STATUS.get(exc.reason, 422), detail={"code": exc.reason, "reason": str(exc)})


def _filters(body: QueueFiltersIn) -> QueueFilters:
    return QueueFilters(min_risk=body.min_risk, platform=body.platform, run=body.run)


def _item(item: ReviewItem | None) -> ReviewNextOut:
    if item is None:
        return ReviewNextOut(item=None)
    return ReviewNextOut(
        item=ReviewItemOut(
            post=ReviewPostOut.model_validate(item.post, from_attributes=True),
            lease=LeaseOut.model_validate(item.lease, from_attributes=True),
            resumed=item.resumed,
        )
    )


@router.post("/next", response_model=ReviewNextOut, summary="The post to review now (held under a lease)")
def next_post(
    analyst: Analyst, request: Request, body: Annotated[QueueFiltersIn | None, Body()] = None
) -> ReviewNextOut:
    f = body or QueueFiltersIn()
    try:
        item = review.next_for(store_of(request), analyst.name, filters=_filters(f), lease_seconds=f.lease_seconds)
    except ReviewError as exc:
        raise refused(exc) from None
    return _item(item)


@router.post("/{post_id:path}/decision", response_model=DecisionOut, summary="Decide on a post, with a reason")
def decide(analyst: Analyst, request: Request, post_id: PostId, body: DecisionIn) -> DecisionOut:
    store = store_of(request)
    try:
        got = review.decide(store, analyst.name, post_id, body.decision, body.reason, audit=audit_for(store, analyst))
    except ReviewError as exc:
        raise refused(exc) from None
    return DecisionOut.model_validate(got, from_attributes=True)


@router.post("/{post_id:path}/skip", response_model=ReviewNextOut, summary="Pass on a held post; get the next")
def skip(
    analyst: Analyst, request: Request, post_id: PostId, body: Annotated[QueueFiltersIn | None, Body()] = None
) -> ReviewNextOut:
    store = store_of(request)
    f = body or QueueFiltersIn()
    try:
        item = review.skip(
            store,
            analyst.name,
            post_id,
            filters=_filters(f),
            lease_seconds=f.lease_seconds,
            audit=audit_for(store, analyst),
        )
    except ReviewError as exc:
        raise refused(exc) from None
    return _item(item)


@router.get("/stats", response_model=QueueStatsOut, summary="Posts in the queue, undecided, held, per decision")
def stats(
    analyst: Analyst,
    request: Request,
    min_risk: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    platform: Annotated[str | None, Query(max_length=200)] = None,
    run: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> QueueStatsOut:
    got = review.stats(store_of(request), filters=QueueFilters(min_risk=min_risk, platform=platform, run=run))
    return QueueStatsOut(total=got.total, undecided=got.undecided, held=got.held, decided=got.decided)
