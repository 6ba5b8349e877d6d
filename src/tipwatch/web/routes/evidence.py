"""Evidence (analysts and above): capture a page into a case, list a case's evidence, download its signed bundle.
A capture runs the capture service in the thread pool (a plain ``def`` route) and can take up to its time limit;
private and loopback addresses are refused unless the configuration's ``capture_allow_private`` is set. A bundle
is built in a temporary folder under the data directory, removed once it is sent."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from tipwatch.services import evidence
from tipwatch.services.capture import CaptureError, CaptureOptions, capture
from tipwatch.services.cases import CaseError
from tipwatch.services.evidence import EvidenceError
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


@contextmanager
def scratch(request: Request) -> Iterator[FilePath]:
    """A temporary folder under the data directory (personal data stays where the installation keeps it); the
    caller hands it to ``download`` or it is removed on an error."""
    root = config_of(request).data_dir
    root.mkdir(parents=True, exist_ok=True)
    folder = FilePath(tempfile.mkdtemp(prefix=".download-", dir=root))
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def download(path: FilePath, media_type: str, folder: FilePath) -> FileResponse:
    """The file as an attachment; its folder is removed once the response is sent."""
    return FileResponse(
        path,
        media_type=media_type,
        filename=path.name,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def export_bundle(request: Request, principal: Principal, case_id: int, why: str) -> FileResponse:
    """The case's WACZ as a download (page and API). Raises HTTPException 404 (no case), 409 (no evidence yet)."""
    config = config_of(request)
    with scratch(request) as folder:
        out = folder / f"case-{case_id}-evidence.wacz"
        try:
            evidence.export_case(
                store_of(request),
                config.data_dir,
                case_id,
                out,
                actor=principal.actor,
                why=why,
                tsa_url=config.tsa_url,
                tsa_allow_private=config.tsa_allow_private,
            )
        except CaseError as exc:
            raise HTTPException(status_code=404, detail={"code": exc.reason, "reason": str(exc)}) from None
        except EvidenceError as exc:
            # No evidence yet: a conflict; the configured timestamp authority failing: its failure, not ours (424).
            status = {"empty": 409, "not_found": 404, "timestamp_error": 424}.get(exc.reason, 422)
            raise HTTPException(status_code=status, detail={"code": exc.reason, "reason": str(exc)}) from None
    return download(out, "application/zip", folder)


@router.post(
    "/cases/{case_id}/evidence/export",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The signed WACZ bundle"},
        404: {"description": "No such case"},
        409: {"description": "The case holds no evidence yet"},
    },
    summary="Export a case's signed evidence bundle (WACZ)",
)
def case_bundle(
    analyst: Analyst, request: Request, case_id: CaseId, why: Annotated[str, Query(max_length=2000)] = ""
) -> FileResponse:
    """A custody "exported" event for each item and an "evidence.export" audit entry, then the bundle."""
    return export_bundle(request, analyst, case_id, why)
