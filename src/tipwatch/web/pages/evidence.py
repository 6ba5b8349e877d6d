"""Evidence in the web app (analysts and above, as the CLI's `capture`, `evidence export` and `cases export`):

- the post page's "Capture" form: captures the post's URL into a case (an open one, or a new one named in the
  form) through the capture service (in the thread pool: a plain ``def`` route), then back to the post;
- the case page's downloads: the signed evidence bundle (WACZ; a custody "exported" event per item and an audit
  entry, by services.evidence) and the case export (JSON, HTML or PDF, optionally with the bundle, then both in one
  ZIP; audited "case.export");
- the verify page: upload a bundle, see whether this installation signed it and nothing changed since, with the
  first failing item named. The upload is hostile until checked: size-limited by the body limit (the one path
  allowed ``max_bundle_upload_bytes``), its ZIP directory checked against entry and unpacked-size limits before
  anything is decompressed, never extracted to disk, and verified with this installation's key, not the key inside.

Downloads are built in a temporary folder under the data directory and removed once sent."""

from __future__ import annotations

import shutil
import zipfile
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipwatch.evidence.bundle import Limits
from tipwatch.services import cases, evidence
from tipwatch.services.case_export import ExportError
from tipwatch.services.cases import CaseError
from tipwatch.services.evidence import EvidenceError
from tipwatch.services.exports import ExportAsk, RedactionRefused, write_case
from tipwatch.web.auth import Principal, config_of, secret_of, store_of
from tipwatch.web.pages.cases import case_page_response
from tipwatch.web.pages.common import page_role, render
from tipwatch.web.pages.posts import audited_view, render_post
from tipwatch.web.routes.evidence import download, export_bundle, run_capture, scratch
from tipwatch.web.routes.review import audit_for

router = APIRouter(tags=["pages"])
Analyst = Annotated[Principal, Depends(page_role("analyst"))]
CaseId = Annotated[int, Path(ge=1, le=2**62)]
CHUNK = 1 << 20
MEDIA = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@router.post("/evidence/capture")
def capture_post(
    request: Request,
    principal: Analyst,
    case_id: Annotated[int | None, Form(ge=1, le=2**62)] = None,
    new_case: Annotated[str, Form(max_length=1000)] = "",
    post_id: Annotated[str, Form(max_length=1000)] = "",
    purpose: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Capture the post's page into case ``case_id``, or into a new case titled ``new_case`` (opened first)."""
    view = audited_view(request, principal, post_id, "capture")
    if view is None:
        raise HTTPException(status_code=404, detail="no such post")
    if not view.post.url:
        return render_post(request, principal, view, capture_error="this post has no URL to capture", status_code=422)
    store = store_of(request)
    if case_id is None:
        if not new_case.strip():
            return render_post(
                request, principal, view, capture_error="choose a case or name a new one", status_code=422
            )
        try:
            case_id = cases.create_case(
                store, new_case, created_by=principal.name, audit=audit_for(store, principal)
            ).id
            cases.add_posts(store, case_id, [view.post.id], actor=principal.name, audit=audit_for(store, principal))
        except CaseError as exc:
            return render_post(request, principal, view, capture_error=str(exc), status_code=422)
    try:
        run_capture(request, principal, view.post.url, case_id, purpose)
    except HTTPException as exc:
        reason = exc.detail["reason"] if isinstance(exc.detail, dict) else str(exc.detail)
        return render_post(request, principal, view, capture_error=reason, status_code=exc.status_code)
    return RedirectResponse(f"/posts/{quote(post_id)}", status_code=303)


def _case_error(request: Request, principal: Principal, case_id: int, message: str, status: int) -> HTMLResponse:
    return case_page_response(request, principal, case_id, error=message, status_code=status)


@router.post("/cases/{case_id}/evidence/export")
def case_bundle(
    request: Request, principal: Analyst, case_id: CaseId, why: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    try:
        return export_bundle(request, principal, case_id, why)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        reason = exc.detail["reason"] if isinstance(exc.detail, dict) else str(exc.detail)
        return _case_error(request, principal, case_id, reason, exc.status_code)


@router.post("/cases/{case_id}/export")
def case_document(
    request: Request,
    principal: Analyst,
    case_id: CaseId,
    fmt: Annotated[str, Form(alias="format", max_length=10)] = "html",
    with_bundle: Annotated[bool, Form()] = False,
    level: Annotated[str, Form(max_length=20)] = "redacted",
    referred_to: Annotated[str, Form(max_length=300)] = "",
    details: Annotated[str, Form(max_length=2000)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The case export for an authority as a download, at the level the role and purpose allow (services.exports);
    with the bundle (a full export only), both files in one ZIP."""
    config = config_of(request)
    with scratch(request) as folder:
        out = folder / f"case-{case_id}.{fmt if fmt in MEDIA else 'out'}"
        try:
            written = write_case(
                store_of(request),
                secret_of(request),
                config.data_dir,
                case_id,
                out,
                ExportAsk(principal.actor, principal.role or "", level, why.strip()),
                fmt=fmt,
                with_bundle=with_bundle,
                organisation=config.notices.notifier_name,
                referred_to=referred_to.strip() or None,
                details=details,
                tsa_url=config.tsa_url,
                tsa_allow_private=config.tsa_allow_private,
            )
        except CaseError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        except (EvidenceError, ExportError, RedactionRefused) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            status = 409 if isinstance(exc, EvidenceError) else 422
            if isinstance(exc, RedactionRefused) and exc.reason == "above_role":
                status = 403
            return _case_error(request, principal, case_id, str(exc), status)
        if written.bundle is None:
            return download(out, MEDIA[fmt], folder)
        packed = folder / f"case-{case_id}-export.zip"
        with zipfile.ZipFile(packed, "w") as zf:  # stored: the PDF and the WACZ are already compressed
            zf.write(out, out.name)
            zf.write(written.bundle, written.bundle.name)
    return download(packed, "application/zip", folder)


def _verify_page(
    request: Request,
    principal: Principal,
    *,
    verdict: evidence.Verdict | None = None,
    name: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    config = config_of(request)
    return render(
        request,
        "verify.html",
        principal,
        status_code=status_code,
        verdict=verdict,
        name=name,
        error=error,
        fingerprint=evidence.fingerprint(config.data_dir),
        limit_mb=config.max_bundle_upload_bytes // 1_000_000,
    )


@router.get("/evidence/verify", response_class=HTMLResponse)
def verify_form(request: Request, principal: Analyst) -> HTMLResponse:
    return _verify_page(request, principal)


@router.post("/evidence/verify", response_class=HTMLResponse)
def verify_upload(request: Request, principal: Analyst, bundle: Annotated[UploadFile, File()]) -> HTMLResponse:
    config = config_of(request)
    limit = config.max_bundle_upload_bytes
    name = (bundle.filename or "bundle")[:200]
    with scratch(request) as folder:
        try:
            path = folder / "upload.wacz"
            size = 0
            with path.open("wb") as f:
                while chunk := bundle.file.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        return _verify_page(
                            request, principal, error=f"{name}: over the {limit} bytes allowed", status_code=413
                        )
                    f.write(chunk)
            if size == 0:
                return _verify_page(request, principal, error="choose a bundle file (.wacz)", status_code=422)
            verdict = evidence.verify_upload(
                store_of(request),
                config.data_dir,
                path,
                actor=principal.actor,
                name=name,
                limits=Limits(max_entries=50_000, max_unpacked=5 * limit),
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return _verify_page(request, principal, verdict=verdict, name=name)
