"""The audit log, for supervisors and admins: pages of entries (newest first) and the chain check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from tipwatch.services import audit
from tipwatch.web.auth import Principal, require_role, store_of
from tipwatch.web.schemas.audit import AuditEntryOut, AuditPage, AuditVerdict

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Supervisor = Annotated[Principal, Depends(require_role("supervisor"))]


@router.get("", response_model=AuditPage)
def audit_page(
    supervisor: Supervisor,
    request: Request,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    actor: Annotated[str, Query(max_length=200, description='Only this actor ("user:ana", "token:3:name").')] = "",
    action: Annotated[str, Query(max_length=100, description='Only this action ("face.search").')] = "",
) -> AuditPage:
    entries = audit.page(store_of(request), before_seq=before_seq, limit=limit, actor=actor, action=action)
    out = [
        AuditEntryOut(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            target=e.target,
            why=e.why,
            details=e.details,
            prev_hash=e.prev_hash,
            hash=e.hash,
        )
        for e in entries
    ]
    return AuditPage(entries=out, next_before_seq=audit.next_before_seq(entries, limit))


@router.get("/verify", response_model=AuditVerdict)
def audit_verify(supervisor: Supervisor, request: Request) -> AuditVerdict:
    verdict = audit.verify(store_of(request))
    return AuditVerdict(
        ok=verdict.ok,
        entries=verdict.entries,
        bad_seq=verdict.bad_seq,
        reason=verdict.reason,
        message=verdict.message(),
    )
