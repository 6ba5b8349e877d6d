"""Partner exchange page (/exchange, supervisors and admins): the sharing groups and their key ids (never a key);
create, rotate or import a group key; export this store's keyed selectors (scope, purpose and legal basis); upload a
partner's selector file and see the selectors both hold, with links to the local posts and networks.

Each act goes through services.exchange, as ``tipwatch exchange`` does, and is audited there (``exchange.key_created``,
``exchange.key_imported``, ``exchange.export``, ``exchange.match``). A new key leaves the server once: shown on the
answering page or sent as a download, never stored in the clear and never shown again. Uploaded files are hostile:
a key file is read up to ``MAX_KEY_FILE`` bytes; a selector file up to ``MAX_SELECTOR_FILE`` (and the app's body
limit), each bad line named with its number and reason."""

from __future__ import annotations

import io
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from tipwatch.services import exchange
from tipwatch.services.exchange import ExchangeError, ValueScope
from tipwatch.web.auth import Principal, secret_of, store_of
from tipwatch.web.pages.common import page_role, render

router = APIRouter(tags=["pages"])
Supervisor = Annotated[Principal, Depends(page_role("supervisor"))]
MAX_KEY_FILE = 16 << 10  # a key file is about 200 bytes
MAX_SELECTOR_FILE = 64 << 20
SHOWN_MATCHES = 1000  # rows on the page (all are counted, and all are in the audit entry's count)
SHOWN_LINKS = 20  # post links per matched selector (the count says how many)
NDJSON = "application/x-ndjson"
Why = Annotated[str, Form(max_length=exchange.MAX_TEXT)]


def _page(request: Request, principal: Principal, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    for name in ("error", "made", "imported", "result", "form", "matched_file"):
        context.setdefault(name, None)
    keys = exchange.list_keys(store_of(request))
    return render(
        request,
        "exchange.html",
        principal,
        status_code=status_code,
        keys=keys,
        groups=sorted({k.group for k in keys}),
        form=context.pop("form") or {},
        shown_matches=SHOWN_MATCHES,
        shown_links=SHOWN_LINKS,
        max_selector_mb=MAX_SELECTOR_FILE >> 20,
        **context,
    )


def _refused(request: Request, principal: Principal, what: str, exc: ExchangeError, **context: Any) -> HTMLResponse:
    return _page(
        request, principal, status_code=404 if exc.reason == "no_key" else 422, error=f"{what}: {exc}", **context
    )


class TooLarge(Exception):
    pass


def _capped(upload: UploadFile, limit: int) -> IO[bytes]:
    """The upload as a binary stream, refused (TooLarge) past ``limit`` bytes without reading the rest."""
    fh = upload.file
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    fh.seek(0)
    if size > limit:
        raise TooLarge(f"the file has {size:,} bytes, more than the {limit:,} allowed")
    return fh


@router.get("/exchange", response_class=HTMLResponse)
def exchange_page(request: Request, principal: Supervisor) -> HTMLResponse:
    return _page(request, principal)


@router.post("/exchange/keys", response_class=HTMLResponse)
def create_key_form(
    request: Request,
    principal: Supervisor,
    group: Annotated[str, Form(max_length=100)] = "",
    deliver: Annotated[str, Form(pattern="^(show|download)$")] = "show",
) -> Response:
    """A new key for the group (a rotation when it has keys). The key file goes out in this answer only."""
    try:
        made = exchange.create_key(store_of(request), secret_of(request), group.strip(), actor=principal.actor)
    except ExchangeError as exc:
        return _refused(request, principal, "no key made", exc, form={"group": group})
    if deliver == "download":
        return Response(
            made.text,
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{made.group}-{made.key_id}.key"',
                "Cache-Control": "no-store",
            },
        )
    return _page(request, principal, made=made)


@router.post("/exchange/keys/import", response_class=HTMLResponse)
def import_key_form(
    request: Request,
    principal: Supervisor,
    file: Annotated[UploadFile | None, File()] = None,
    group: Annotated[str, Form(max_length=100)] = "",
) -> HTMLResponse:
    if file is None or not file.filename:
        return _page(request, principal, status_code=422, error="no key imported: choose the partner's key file")
    try:
        text = _capped(file, MAX_KEY_FILE).read()
        key_id = exchange.import_key(store_of(request), secret_of(request), group.strip(), text, actor=principal.actor)
    except TooLarge as exc:
        return _page(request, principal, status_code=413, error=f"no key imported: {exc}")
    except ExchangeError as exc:
        return _refused(request, principal, f"no key imported from {file.filename}", exc, form={"group": group})
    return _page(request, principal, imported=(group.strip(), key_id))


def _scope(case_id: str, network_id: str, min_risk: str) -> ValueScope:
    """The export's scope from the form's text fields (empty: not limited by it); ValueError naming a bad one."""
    case = int(case_id) if case_id.strip() else None
    if case is not None and not 1 <= case <= 2**62:
        raise ValueError("the case number must be a positive whole number")
    risk = float(min_risk) if min_risk.strip() else None
    if risk is not None and not 0.0 <= risk <= 1.0:
        raise ValueError("the minimum risk must be between 0 and 1")
    return ValueScope(case_id=case, network_id=network_id.strip() or None, min_risk=risk)


@router.post("/exchange/export", response_class=HTMLResponse)
def export_form(
    request: Request,
    principal: Supervisor,
    group: Annotated[str, Form(max_length=100)] = "",
    case_id: Annotated[str, Form(max_length=20)] = "",
    network_id: Annotated[str, Form(max_length=32)] = "",
    min_risk: Annotated[str, Form(max_length=20)] = "",
    purpose: Why = "",
    legal_basis: Why = "",
) -> Response:
    """The selector file as a download (no plain values, no text); a refusal is said on the page."""
    form = {"group": group, "case_id": case_id, "network_id": network_id, "min_risk": min_risk}
    form |= {"purpose": purpose, "legal_basis": legal_basis}
    try:
        scope = _scope(case_id, network_id, min_risk)
    except ValueError as exc:
        message = str(exc) if "must" in str(exc) else "the case number and minimum risk must be numbers"
        return _page(request, principal, status_code=422, error=f"nothing exported: {message}", form=form)
    out = io.BytesIO()
    try:
        exchange.export_selectors(
            store_of(request),
            secret_of(request),
            group.strip(),
            out,
            purpose=purpose,
            legal_basis=legal_basis,
            actor=principal.actor,
            scope=scope,
        )
    except ExchangeError as exc:
        return _refused(request, principal, "nothing exported", exc, form=form)
    return Response(
        out.getvalue(),
        media_type=NDJSON,
        headers={
            "Content-Disposition": f'attachment; filename="selectors-{group.strip()}.jsonl"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/exchange/match", response_class=HTMLResponse)
def match_form(
    request: Request,
    principal: Supervisor,
    file: Annotated[UploadFile | None, File()] = None,
    group: Annotated[str, Form(max_length=100)] = "",
    purpose: Why = "",
    legal_basis: Why = "",
) -> HTMLResponse:
    form = {"match_group": group, "match_purpose": purpose, "match_legal_basis": legal_basis}
    if file is None or not file.filename:
        return _page(request, principal, status_code=422, error="nothing matched: choose the partner's file", form=form)
    try:
        result = exchange.match_selectors(
            store_of(request),
            secret_of(request),
            group.strip(),
            _capped(file, MAX_SELECTOR_FILE),
            purpose=purpose,
            legal_basis=legal_basis,
            actor=principal.actor,
        )
    except TooLarge as exc:
        return _page(request, principal, status_code=413, error=f"nothing matched: {exc}", form=form)
    except ExchangeError as exc:
        return _refused(request, principal, "nothing matched", exc, form=form)
    return _page(request, principal, result=result, matched_file=file.filename, form=form)
