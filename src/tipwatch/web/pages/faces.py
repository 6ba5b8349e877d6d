"""Face search for users holding the face-search permission (403 for everyone else, whatever their role): a form
(photo, purpose, legal basis, case reference) and the ranked candidates for each face, shown as leads for human
review, never as an identification. The photo is read in memory and dropped with the request; only its SHA-256 goes
to the face search log and the audit log ("face.search"), through the same calls as ``POST /api/v1/faces/search``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse

from tipwatch.services import faces
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_face_search, page_role, render
from tipwatch.web.routes.faces import log_page, read_photo, run_search
from tipwatch.web.schemas.faces import LEAD_NOTE

router = APIRouter(tags=["pages"])
LOG_PAGE = 50
FaceSearcher = Annotated[Principal, Depends(page_face_search)]


def _form(request: Request, principal: Principal, *, status_code: int = 200, **context: object) -> HTMLResponse:
    context.setdefault("result", None)
    context.setdefault("error", "")
    context.setdefault("ask", None)
    return render(
        request,
        "faces.html",
        principal,
        status_code=status_code,
        note=LEAD_NOTE,
        max_mb=faces.MAX_QUERY_BYTES >> 20,
        **context,
    )


@router.get("/faces", response_class=HTMLResponse)
def faces_page(request: Request, principal: FaceSearcher) -> HTMLResponse:
    return _form(request, principal)


@router.post("/faces", response_class=HTMLResponse)
async def faces_search(
    request: Request,
    principal: FaceSearcher,
    photo: Annotated[UploadFile | None, File()] = None,
    purpose: Annotated[str, Form(max_length=2000)] = "",
    legal_basis: Annotated[str, Form(max_length=2000)] = "",
    case_ref: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    ask = faces.SearchAsk(principal.name, purpose.strip(), legal_basis.strip(), case_ref.strip())
    if photo is None or not photo.filename:
        return _form(request, principal, status_code=422, ask=ask, error="choose a photo to search")
    try:
        result = await run_search(request, principal, await read_photo(photo), ask)
    except HTTPException as exc:  # missing purpose or legal basis, photo too large, no model: said on the form
        return _form(request, principal, status_code=exc.status_code, ask=ask, error=str(exc.detail))
    if result.outcome is None:
        return _form(request, principal, status_code=422, ask=ask, error=f"the photo cannot be used: {result.error}")
    return _form(request, principal, ask=ask, result=result)


@router.get("/faces/log", response_class=HTMLResponse)
def face_log_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_role("supervisor"))],
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    """The face search log for supervisors: who searched, when, why, on what basis and how many candidates came
    back; never a photo (none is kept: only its hash is logged). Reading it is audited, as with the API."""
    page = log_page(store_of(request), principal.actor, before_id, LOG_PAGE)
    rows = [(e, sum(len(face.get("candidates", [])) for face in e.results)) for e in page.entries]
    return render(request, "face_log.html", principal, page=page, rows=rows)
