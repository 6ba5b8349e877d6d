"""Evidence (analysts and above): capture a page into a case, list a case's evidence. A capture runs the capture
service in the thread pool (a plain ``def`` route) and can take up to its time limit; private and loopback
addresses are refused unless the configuration's ``capture_allow_private`` is set."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from tipwatch.services import evidence
from tipwatch.services.capture import CaptureError, CaptureOptions, capture
from tipwatch.services.cases import CaseError
from tipwatch.web.auth import Principal, config_of, require_role, store_of
from tipwatch.web.schemas.evidence import CaptureIn, EvidenceItemOut, EvidenceListOut

router = APIRouter(prefix="/api/v1", tags=["evidence"])
Analyst = Annotated[Principal, Depends(require_role("analyst"))]
CaseId = Annotated[int, Path(ge=1, le=2**62)]


def _out(item: evidence.EvidenceItem) -> EvidenceItemOut:
    return EvidenceItemOut.model_validate(item, from_attributes=True)


def run_capture(request: Request, principal: Principal, url: str, case_id: int, purpose: str) -> evidence.EvidenceItem:
    """The capture as the web app makes it (API and post page): the principal as operator, the configured address
    rule. Raises HTTPException 404 (no case) or 422 (not captured, with the reason)."""
    config = config_of(request)
    try:
        return capture(
            store_of(request),
            config.data_dir,
            url,
            case_id=case_id,
            actor=principal.actor,
            purpose=purpose,
            options=CaptureOptions(allow_private=config.capture_allow_private),
        )
    except CaseError as exc:
        raise HTTPException(status_code=404, detail={"code": exc.reason, "reason": str(exc)}) from None
    except CaptureError as exc:
        raise HTTPException(status_code=422, detail={"code": "not_captured", "reason": str(exc)}) from None


@router.post("/capture", response_model=EvidenceItemOut, status_code=201, summary="Capture a web page into a case")
def capture_page(analyst: Analyst, request: Request, body: CaptureIn) -> EvidenceItemOut:
    return _out(run_capture(request, analyst, body.url, body.case_id, body.purpose))


@router.get("/cases/{case_id}/evidence", response_model=EvidenceListOut, summary="A case's evidence items")
def case_evidence(analyst: Analyst, request: Request, case_id: CaseId) -> EvidenceListOut:
    try:
        items = evidence.list_items(store_of(request), case_id)
    except CaseError as exc:
        raise HTTPException(status_code=404, detail={"code": exc.reason, "reason": str(exc)}) from None
    return EvidenceListOut(items=[_out(i) for i in items])
