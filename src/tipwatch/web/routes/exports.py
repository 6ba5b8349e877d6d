"""Network and case exports cut to the caller's role and purpose (services.exports, tipwatch.redact): any signed-in
user may export at the levels the role allows (viewers: redacted at most; analysts and above: full with a purpose);
every export is audited with its level. Network files come as a download (CSV as a zip of the entity and link
tables); a case as JSON. The /exports page uses the same calls."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response

from tipwatch.services.cases import CaseError
from tipwatch.services.exports import ExportAsk, RedactionRefused, export_case, export_networks
from tipwatch.web.auth import Principal, config_of, require_role, secret_of, store_of
from tipwatch.web.schemas.exports import CaseExportIn, ExportLevelIn, NetworksExportIn

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])
Viewer = Annotated[Principal, Depends(require_role("viewer"))]
MEDIA = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "csv": "application/zip",
    "ftm": "application/x-ndjson",
    "stix": "application/json",
}
SUFFIX = {"graphml": "graphml", "gexf": "gexf", "csv": "zip", "ftm": "ftm.jsonl", "stix": "stix.json"}


def ask_of(principal: Principal, body: ExportLevelIn) -> ExportAsk:
    return ExportAsk(principal.actor, principal.role or "", body.level, body.purpose.strip(), body.group)


def refusal(exc: RedactionRefused | CaseError) -> HTTPException:
    if isinstance(exc, CaseError):
        return HTTPException(status_code=404 if exc.reason == "not_found" else 422, detail=str(exc))
    return HTTPException(
        status_code=403 if exc.reason == "above_role" else 422, detail={"code": exc.reason, "reason": str(exc)}
    )


def networks_file(request: Request, principal: Principal, body: NetworksExportIn) -> tuple[bytes, str, str]:
    """(content, media type, file name) of a network export; RedactionRefused when not allowed."""
    with tempfile.TemporaryDirectory(prefix="tipwatch-export-") as tmp:
        out = Path(tmp) / "export"
        export_networks(
            store_of(request),
            secret_of(request),
            body.format,
            out,
            ask_of(principal, body),
            network_ids=body.network_ids or None,
            min_score=body.min_score,
        )
        if body.format == "csv":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for part in sorted(out.iterdir()):
                    zf.write(part, part.name)
            data = buf.getvalue()
        else:
            data = out.read_bytes()
    return data, MEDIA[body.format], f"networks-{body.level}.{SUFFIX[body.format]}"


def download(data: bytes, media_type: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(data, media_type=media_type, headers=headers)


@router.post(
    "/networks",
    summary="Networks as GraphML, GEXF, CSV (zip), FollowTheMoney or STIX at the level the role and purpose allow",
    response_class=Response,
    responses={200: {"content": {m: {} for m in sorted(set(MEDIA.values()))}}},
)
def networks(principal: Viewer, request: Request, body: NetworksExportIn) -> Response:
    try:
        return download(*networks_file(request, principal, body))
    except RedactionRefused as exc:
        raise refusal(exc) from None


def case_document(request: Request, principal: Principal, case_id: int, body: CaseExportIn) -> dict[str, Any]:
    """The case export at the body's level; RedactionRefused or CaseError when refused."""
    return export_case(
        store_of(request),
        secret_of(request),
        case_id,
        ask_of(principal, body),
        organisation=config_of(request).notices.notifier_name,
        referred_to=body.referred_to,
        details=body.details,
    )


@router.post("/cases/{case_id}", summary="A case as JSON (HTCDS field names) at the level the role and purpose allow")
def case(
    principal: Viewer,
    request: Request,
    case_id: Annotated[int, PathParam(ge=1, le=2**62)],
    body: CaseExportIn,
) -> JSONResponse:
    try:
        doc = case_document(request, principal, case_id, body)
    except (RedactionRefused, CaseError) as exc:
        raise refusal(exc) from None
    return JSONResponse(doc, headers={"Cache-Control": "no-store"})
