"""Partner exchange (analysts and above): export this store's keyed selectors for a sharing group, or upload a
partner's selector file and get back the selectors this store holds. Purpose and legal basis are required and kept
in the audit log with every export and match (services.exchange). Group keys are managed with the CLI only."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from tipwatch.services import exchange
from tipwatch.services.exchange import ExchangeError, ValueScope
from tipwatch.web.auth import Principal, require_role, secret_of, store_of
from tipwatch.web.schemas.exchange import BadLine, ExportIn, MatchOut, MatchResultOut

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
Analyst = Annotated[Principal, Depends(require_role("analyst"))]
NDJSON = "application/x-ndjson"


def refused(exc: ExchangeError) -> HTTPException:
    return HTTPException(
        status_code=404 if exc.reason == "no_key" else 422, detail={"code": exc.reason, "reason": str(exc)}
    )


@router.post(
    "/export",
    summary="This store's keyed selectors for a sharing group (JSON lines; no plain values, no text)",
    response_class=Response,
    responses={200: {"content": {NDJSON: {}}}},
)
def export(analyst: Analyst, request: Request, body: ExportIn) -> Response:
    out = io.BytesIO()
    try:
        exchange.export_selectors(
            store_of(request),
            secret_of(request),
            body.group,
            out,
            purpose=body.purpose,
            legal_basis=body.legal_basis,
            actor=analyst.actor,
            scope=ValueScope(case_id=body.case_id, network_id=body.network_id, min_risk=body.min_risk),
        )
    except ExchangeError as exc:
        raise refused(exc) from None
    return Response(
        out.getvalue(),
        media_type=NDJSON,
        headers={"Content-Disposition": f'attachment; filename="selectors-{body.group}.jsonl"'},
    )


@router.post("/match", response_model=MatchResultOut, summary="Match a partner's selector file against this store")
def match(
    analyst: Analyst,
    request: Request,
    file: Annotated[UploadFile, File(description="The partner's selector file (JSON lines).")],
    group: Annotated[str, Form(min_length=1, max_length=100)],
    purpose: Annotated[str, Form(min_length=1, max_length=2000)],
    legal_basis: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Any:
    try:
        result = exchange.match_selectors(
            store_of(request),
            secret_of(request),
            group,
            file.file,
            purpose=purpose,
            legal_basis=legal_basis,
            actor=analyst.actor,
        )
    except ExchangeError as exc:
        raise refused(exc) from None
    return MatchResultOut(
        lines=result.lines,
        selectors=result.selectors,
        bad=result.bad,
        errors=[BadLine(line=n, reason=r) for n, r in result.errors],
        matches=[MatchOut(**m.as_json()) for m in result.matches],
        audit_seq=result.audit_seq,
    )
