"""The exports page (/exports, every signed-in user): networks (GraphML, GEXF, CSV, FollowTheMoney, STIX) and a
case (JSON) at the level the role allows (tipwatch.redact: viewers redacted at most, analysts and above full with a
purpose; selectors with a sharing group's key), through the same calls as ``/api/v1/exports``; audited there."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tipwatch.link.exports import FORMATS
from tipwatch.redact import LEVELS, ceiling
from tipwatch.services.cases import CaseError
from tipwatch.services.exchange import list_keys
from tipwatch.services.exports import RedactionRefused
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render
from tipwatch.web.routes.exports import case_document, download, networks_file
from tipwatch.web.schemas.exports import CaseExportIn, NetworksExportIn

router = APIRouter(tags=["pages"])
Viewer = Annotated[Principal, Depends(page_role("viewer"))]
Text = Annotated[str, Form(max_length=2000)]


def _page(
    request: Request, principal: Principal, *, status_code: int = 200, error: str = "", **form: Any
) -> HTMLResponse:
    most = ceiling(principal.role or "")
    return render(
        request,
        "exports.html",
        principal,
        status_code=status_code,
        error=error,
        levels=LEVELS[: LEVELS.index(most) + 1],
        formats=FORMATS,
        groups=sorted({k.group for k in list_keys(store_of(request))}),
        form=form,
    )


def _problem(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


@router.get("/exports", response_class=HTMLResponse)
def exports_page(request: Request, principal: Viewer) -> HTMLResponse:
    return _page(request, principal)


@router.post("/exports/networks", response_class=HTMLResponse)
def networks_form(
    request: Request,
    principal: Viewer,
    format: Annotated[str, Form(max_length=20)] = "graphml",
    level: Annotated[str, Form(max_length=20)] = "redacted",
    purpose: Text = "",
    group: Annotated[str, Form(max_length=100)] = "",
    network_ids: Text = "",
    min_score: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    form = {"format": format, "level": level, "purpose": purpose, "network_ids": network_ids, "min_score": min_score}
    try:
        body = NetworksExportIn.model_validate(
            {
                "format": format,
                "level": level,
                "purpose": purpose,
                "group": group or None,
                "network_ids": network_ids.replace(",", " ").split(),
                "min_score": min_score.strip() or 0.0,
            }
        )
        return download(*networks_file(request, principal, body))
    except ValidationError as exc:
        return _page(request, principal, status_code=422, error=f"nothing exported: {_problem(exc)}", **form)
    except RedactionRefused as exc:
        status = 403 if exc.reason == "above_role" else 422
        return _page(request, principal, status_code=status, error=f"nothing exported: {exc}", **form)


@router.post("/exports/case", response_class=HTMLResponse)
def case_form(
    request: Request,
    principal: Viewer,
    case_id: Annotated[int, Form(ge=1, le=2**62)],
    level: Annotated[str, Form(max_length=20)] = "redacted",
    purpose: Text = "",
    group: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    form = {"case_id": case_id, "case_level": level, "case_purpose": purpose}
    try:
        body = CaseExportIn.model_validate({"level": level, "purpose": purpose, "group": group or None})
        doc = case_document(request, principal, case_id, body)
    except ValidationError as exc:
        return _page(request, principal, status_code=422, error=f"case not exported: {_problem(exc)}", **form)
    except (RedactionRefused, CaseError) as exc:
        status = (
            404
            if getattr(exc, "reason", "") == "not_found"
            else 403
            if getattr(exc, "reason", "") == "above_role"
            else 422
        )
        return _page(request, principal, status_code=status, error=f"case not exported: {exc}", **form)
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    return download(data, "application/json", f"case-{case_id}-{body.level}.json")
