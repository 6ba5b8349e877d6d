"""``POST /api/v1/scan``: screen one post as a platform receives it (token scope "scan").

The body is JSON (``ScanIn``, an optional picture as base64 or a URL) or multipart/form-data (the same fields, and
the picture as a file in ``image``). Nothing is stored unless ``?store=true``. One ``Scanner`` per worker process,
built on first use (``app.state.scanner``). A text-only scan is a sub-millisecond CPU call and runs on the event
loop; a scan with a picture, a download or a write runs in the thread pool. The answer is serialised by orjson
straight from the service's dataclasses."""

from __future__ import annotations

import base64
import binascii
import gc
import threading
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from tipwatch.services.scan import ScanError, Scanner, ScanRequest
from tipwatch.web.auth import Principal, require_scope, store_of
from tipwatch.web.schemas.scan import ScanErrorBody, ScanIn, ScanOut

router = APIRouter(prefix="/api/v1", tags=["scan"])
ScanScope = Annotated[Principal, Depends(require_scope("scan"))]

STATUS = {
    "empty_text": 422,
    "text_too_large": 413,
    "image_too_large": 413,
    "bad_request": 400,
    "bad_image": 422,
    "bad_url": 400,
    "private_address": 400,
    "fetch_failed": 422,
}
_open_lock = threading.Lock()
_MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{name: {"type": "string"} for name in ("title", "body", "platform", "url", "location", "kind", "id")},
        "posted_at": {"type": "string", "format": "date-time"},
        "image_url": {"type": "string"},
        "image": {"type": "string", "format": "binary"},
    },
}
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ScanIn.model_json_schema()},
            "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
        },
    }
}


def scanner_of(request: Request) -> Scanner:
    """This worker process's scanner, built on first use (the lexicon and bank index load once)."""
    scanner: Scanner | None = getattr(request.app.state, "scanner", None)
    if scanner is None:
        with _open_lock:
            scanner = getattr(request.app.state, "scanner", None)
            if scanner is None:
                scanner = Scanner.open(store_of(request))
                request.app.state.scanner = scanner
                # The scanner's knowledge (automata, phone metadata, lexicons) is millions of long-lived objects:
                # out of the collector's sight, a full collection no longer walks them in the middle of requests.
                gc.collect()
                gc.freeze()
    return scanner


def _invalid(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(exc.errors(include_url=False, include_context=False, include_input=False))


def _refused(code: str, reason: str) -> HTTPException:
    return HTTPException(status_code=STATUS.get(code, 400), detail={"code": code, "reason": reason})


async def _read(request: Request) -> tuple[ScanIn, bytes | None]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=20)
        except HTTPException:
            raise
        except Exception as exc:  # a malformed multipart body: the parser's own message
            raise HTTPException(status_code=400, detail=f"malformed multipart body: {exc}") from None
        fields: dict[str, str] = {}
        image: bytes | None = None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != "image":
                    raise HTTPException(status_code=422, detail=f"unexpected file field {name!r} (send 'image')")
                image = await value.read()
            else:
                fields[name] = value
        try:
            return ScanIn.model_validate(fields), image
        except ValidationError as exc:
            raise _invalid(exc) from None
    if kind not in ("application/json", ""):
        raise HTTPException(status_code=415, detail="send application/json or multipart/form-data")
    try:
        body = ScanIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise _invalid(exc) from None
    except ClientDisconnect:  # the client went away mid-body: nobody reads the answer
        raise HTTPException(status_code=400, detail="the client disconnected") from None
    image = None
    if body.image is not None:
        try:
            image = base64.b64decode(body.image, validate=True)
        except (binascii.Error, ValueError):
            raise _refused("bad_image", "image is not valid base64") from None
    return body, image


@router.post(
    "/scan",
    summary="Scan one post",
    response_model=ScanOut,
    responses={400: {"model": ScanErrorBody}, 413: {"model": ScanErrorBody}, 422: {"model": ScanErrorBody}},
    openapi_extra=_OPENAPI,
)
async def scan(
    principal: ScanScope,
    request: Request,
    store: Annotated[bool, Query(description="Store the post (under a run of its own).")] = False,
) -> Response:
    body, image = await _read(request)
    scan_request = ScanRequest(
        title=body.title,
        body=body.body,
        platform=body.platform,
        url=body.url,
        posted_at=body.posted_at,
        location=body.location,
        kind=body.kind,
        id=body.id,
        image=image,
        image_url=body.image_url,
        store=store,
    )
    scanner: Scanner | None = getattr(request.app.state, "scanner", None)
    try:
        if scanner is not None and image is None and body.image_url is None and not store:
            result = scanner.scan(scan_request)
        else:
            if scanner is None:
                scanner = await run_in_threadpool(scanner_of, request)
            result = await run_in_threadpool(scanner.scan, scan_request)
    except ScanError as exc:
        raise _refused(exc.code, exc.reason) from None
    return Response(orjson.dumps(result), media_type="application/json")
