"""Feeds in the web app: a network's or case's indicators as a STIX 2.1 bundle (analysts; the ad text only for
supervisors), and a partner's bundle file read into watches (supervisors). Purpose and legal basis are required and
audited (services.feeds).

Publishing to and pulling from a TAXII server are CLI commands (`tipwatch feeds publish|pull`): from the web app a
request would make the server connect to any address it names (server-side request forgery), and the TAXII client
has no such guard.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from tipwatch.services import feeds
from tipwatch.services.accounts import has_role
from tipwatch.services.exchange import ExchangeError
from tipwatch.services.feeds import ValueScope
from tipwatch.web.auth import Principal, require_role, store_of
from tipwatch.web.schemas.feeds import FeedExportIn, PullOut, Rejected

router = APIRouter(prefix="/api/v1/feeds", tags=["feeds"])
Analyst = Annotated[Principal, Depends(require_role("analyst"))]
Supervisor = Annotated[Principal, Depends(require_role("supervisor"))]
STIX = "application/stix+json;version=2.1"


def refused(exc: ExchangeError) -> HTTPException:
    return HTTPException(
        status_code=404 if exc.reason == "nothing_to_share" else 422, detail={"code": exc.reason, "reason": str(exc)}
    )


@router.post(
    "/export",
    summary="A network's or case's indicators as a STIX 2.1 bundle (TLP-marked; identifiers and picture hashes)",
    response_class=Response,
    responses={200: {"content": {STIX: {}}}},
)
def export(analyst: Analyst, request: Request, body: FeedExportIn) -> Response:
    if body.include_text and not has_role(analyst.role, "supervisor"):
        raise HTTPException(status_code=403, detail="ad text goes out with a supervisor's export only")
    try:
        text, _ = feeds.export_bundle(
            store_of(request),
            ValueScope(case_id=body.case_id, network_id=body.network_id),
            purpose=body.purpose,
            legal_basis=body.legal_basis,
            actor=analyst.actor,
            level=body.tlp,
            include_text=body.include_text,
        )
    except ExchangeError as exc:
        raise refused(exc) from None
    name = f"network-{body.network_id}" if body.network_id else f"case-{body.case_id}"
    return Response(text, media_type=STIX, headers={"Content-Disposition": f'attachment; filename="{name}.stix.json"'})


@router.post("/import", response_model=PullOut, summary="Read a partner's STIX 2.1 bundle file into watches")
def import_bundle(
    supervisor: Supervisor,
    request: Request,
    file: Annotated[UploadFile, File(description="A STIX 2.1 bundle or TAXII envelope (JSON).")],
    feed: Annotated[str, Form(min_length=1, max_length=500, description="The name watches show.")],
    purpose: Annotated[str, Form(min_length=1, max_length=2000)],
    legal_basis: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Any:
    try:
        objects = feeds.objects_in_file(file.file.read())
        result = feeds.pull(
            store_of(request),
            objects,
            feed=feed,
            source="upload",
            collection=(file.filename or "")[:200],
            purpose=purpose,
            legal_basis=legal_basis,
            actor=supervisor.actor,
        )
    except ExchangeError as exc:
        raise refused(exc) from None
    c = result.counts
    return PullOut(
        pull_id=result.pull_id,
        read=c.read,
        imported=c.imported,
        already=c.already,
        skipped=c.skipped,
        rejected=c.rejected,
        skipped_by_reason=result.skipped_by_reason,
        errors=[Rejected(object_id=o, reason=r) for o, r in result.errors],
        alerts=result.alerts,
        withdrawn=result.withdrawn,
        audit_seq=result.audit_seq,
    )
