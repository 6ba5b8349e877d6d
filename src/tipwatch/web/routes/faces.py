"""Face search for missing persons: ``POST /api/v1/faces/search`` (users holding the separate face-search
permission) and the face search log (supervisors).

A search needs a purpose and a legal basis (422 without them); the photo is hostile input, size-limited (413) and
decoded with the media stage's limits, never stored: only its SHA-256 is logged. Each search is written to the face
search log and to the audit log (``face.search``) before the candidates are returned. Candidates are leads for a
person to compare, never an identification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from tipwatch.services import audit, faces
from tipwatch.store.facade import Store
from tipwatch.web.auth import Principal, require_face_search, require_role, store_of
from tipwatch.web.schemas.faces import FaceLogEntryOut, FaceLogPage, FaceSearchOut, QueryFaceOut

router = APIRouter(prefix="/api/v1/faces", tags=["faces"])
FaceSearcher = Annotated[Principal, Depends(require_face_search)]
Supervisor = Annotated[Principal, Depends(require_role("supervisor"))]
_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"description": "The photo is larger than the limit."},
    422: {"description": "Purpose or legal basis missing, or the photo cannot be read as an image."},
    503: {"description": "The server has no face model (the faces extra is not installed)."},
}


async def read_photo(photo: UploadFile) -> bytes:
    """The upload's bytes, at most ``faces.MAX_QUERY_BYTES`` (413 beyond: nothing is decoded)."""
    data = await photo.read(faces.MAX_QUERY_BYTES + 1)
    if len(data) > faces.MAX_QUERY_BYTES:
        raise HTTPException(status_code=413, detail=f"photo over {faces.MAX_QUERY_BYTES} bytes")
    return data


async def run_search(request: Request, principal: Principal, data: bytes, ask: faces.SearchAsk) -> faces.PhotoSearch:
    """The service call shared by the API and the page: 422 for missing accountability fields, 503 without the
    model. An unreadable photo comes back with ``error`` set (it was audited, not logged as a search)."""
    try:
        return await run_in_threadpool(
            faces.search_upload,
            store_of(request),
            data,
            ask,
            actor=principal.actor,
            query_ref=f"upload by {principal.actor}",
        )
    except faces.FaceRegistryError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except faces.FacesUnavailable as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None


@router.post("/search", response_model=FaceSearchOut, responses=_ERRORS, summary="Search a photo for enrolled faces")
async def face_search(
    principal: FaceSearcher,
    request: Request,
    photo: Annotated[UploadFile, File(description="The photo to search (JPEG, PNG, GIF, WebP...).")],
    purpose: Annotated[str, Form(min_length=1, max_length=2000, description="Why (logged).")],
    legal_basis: Annotated[str, Form(min_length=1, max_length=2000, description="Legal basis (logged).")],
    case_ref: Annotated[str, Form(max_length=200, description="Case this search belongs to (logged).")] = "",
    top: Annotated[int, Form(ge=1, le=100, description="Candidates per face.")] = faces.DEFAULT_TOP,
) -> FaceSearchOut:
    """Ranked candidates for each face in the photo: leads for human review, never an identification."""
    ask = faces.SearchAsk(principal.name, purpose, legal_basis, case_ref, top)
    result = await run_search(request, principal, await read_photo(photo), ask)
    if result.outcome is None:
        raise HTTPException(status_code=422, detail=f"the photo cannot be used: {result.error}")
    return FaceSearchOut(
        log_id=result.outcome.log_id,
        query_sha256=result.query_sha256,
        faces_in_query=len(result.outcome.faces),
        registry_faces=result.registry_faces,
        faces=[QueryFaceOut(face=i, **face) for i, face in enumerate(result.outcome.faces)],
    )


@router.get("/log", response_model=FaceLogPage, summary="The face search log, newest first, with its chain check")
def face_log(
    supervisor: Supervisor,
    request: Request,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> FaceLogPage:
    """Who searched, why, on what basis and what came back; reading it is audited (``face.log.view``)."""
    return log_page(store_of(request), supervisor.actor, before_id, limit)


def log_page(store: Store, actor: str, before_id: int | None, limit: int) -> FaceLogPage:
    """A page of the face search log, newest first, with the whole chain's check; audited (the /faces/log page too)."""
    rows = faces.search_log(store)
    problems = faces.verify_log(store)
    newest = [r for r in reversed(rows) if before_id is None or r["id"] < before_id][:limit]
    audit.append(store, actor, "face.log.view", "face_search_log", "", {"entries": len(newest)})
    more = len(newest) == limit and newest[-1]["id"] > rows[0]["id"]
    return FaceLogPage(
        entries=[FaceLogEntryOut.model_validate(r) for r in newest],
        next_before_id=newest[-1]["id"] if more else None,
        chain_ok=not problems,
        problems=problems,
    )
