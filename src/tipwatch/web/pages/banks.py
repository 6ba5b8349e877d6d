"""Hash banks page (/banks): analysts see every bank's size and settings; supervisors also create banks, import a
hash list file (form upload with the CSRF token), enable or disable a bank and download it (the API's export). The
actions and their audit entries are the API's (routes/banks.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tipwatch.media.formats import formats
from tipwatch.media.signal_types import names
from tipwatch.services import banks
from tipwatch.services.accounts import has_role
from tipwatch.services.banks import BankError
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render
from tipwatch.web.routes.banks import (
    BankName,
    ImportFormat,
    ImportReport,
    SignalType,
    change_threshold,
    create_bank,
    import_hashes,
    switch_bank,
)
from tipwatch.web.schemas.banks import BankIn

router = APIRouter(tags=["pages"])
Analyst = Annotated[Principal, Depends(page_role("analyst"))]
Supervisor = Annotated[Principal, Depends(page_role("supervisor"))]


def _page(
    request: Request,
    principal: Principal,
    *,
    status_code: int = 200,
    error: str = "",
    report: ImportReport | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "banks.html",
        principal,
        status_code=status_code,
        banks=banks.list_banks(store_of(request)),
        can_change=has_role(principal.role, "supervisor"),
        signal_types=names(),
        import_formats=("auto", *formats()),
        error=error,
        report=report,
        form=form or {},
    )


@router.get("/banks", response_class=HTMLResponse)
def banks_page(request: Request, principal: Analyst) -> HTMLResponse:
    return _page(request, principal)


@router.post("/banks", response_class=HTMLResponse)
def create_bank_form(
    request: Request,
    principal: Supervisor,
    name: Annotated[str, Form(max_length=200)] = "",
    source: Annotated[str, Form(max_length=2_000)] = "",
    licence: Annotated[str, Form(max_length=2_000)] = "",
    description: Annotated[str, Form(max_length=10_000)] = "",
    signal_types: Annotated[list[str] | None, Form(max_length=20)] = None,
    abuse_material: Annotated[bool, Form()] = False,
    pdq_threshold: Annotated[int, Form(ge=0, le=64)] = 31,
) -> Response:
    form = {"name": name, "source": source, "licence": licence, "description": description}
    try:
        body = BankIn(
            name=name.strip(),
            source=source.strip(),
            licence=licence.strip(),
            description=description.strip(),
            signal_types=signal_types or None,
            is_abuse_material=abuse_material,
            pdq_threshold=pdq_threshold,
        )
        create_bank(store_of(request), principal, body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _page(request, principal, status_code=422, error=f"bank not created: {problems}", form=form)
    except BankError as exc:
        return _page(request, principal, status_code=422, error=f"bank not created: {exc}", form=form)
    return RedirectResponse("/banks", status_code=303)


@router.post("/banks/{name}/import", response_class=HTMLResponse)
def import_form(
    request: Request,
    principal: Supervisor,
    name: BankName,
    file: Annotated[UploadFile, File()],
    format: Annotated[ImportFormat, Form()] = "auto",
    signal_type: Annotated[SignalType | None, Form()] = None,
) -> HTMLResponse:
    try:
        report = import_hashes(
            store_of(request),
            principal,
            name,
            file.file,
            filename=file.filename or "",
            fmt=format,
            signal_type=signal_type,
        )
    except BankError as exc:
        return _page(request, principal, status_code=400, error=f"{name}: nothing imported: {exc}")
    return _page(request, principal, report=report)


def _switch(request: Request, principal: Principal, name: str, enabled: bool) -> Response:
    try:
        switch_bank(store_of(request), principal, name, enabled, "")
    except BankError as exc:
        return _page(request, principal, status_code=404, error=str(exc))
    return RedirectResponse("/banks", status_code=303)


@router.post("/banks/{name}/enable", response_class=HTMLResponse)
def enable_form(request: Request, principal: Supervisor, name: BankName) -> Response:
    return _switch(request, principal, name, True)


@router.post("/banks/{name}/disable", response_class=HTMLResponse)
def disable_form(request: Request, principal: Supervisor, name: BankName) -> Response:
    return _switch(request, principal, name, False)


@router.post("/banks/{name}/threshold", response_class=HTMLResponse)
def threshold_form(
    request: Request,
    principal: Supervisor,
    name: BankName,
    pdq_threshold: Annotated[int, Form(ge=0, le=64)],
) -> Response:
    try:
        change_threshold(store_of(request), principal, name, pdq_threshold, "")
    except BankError as exc:
        return _page(request, principal, status_code=404, error=str(exc))
    return RedirectResponse("/banks", status_code=303)
