"""Hash banks: listed for analysts; created, filled from a hash list file, exported and switched on or off by
supervisors, each act audited by services.bank_admin (``bank.create``, ``bank.import``, ``bank.export``,
``bank.enable``, ``bank.disable``, ``bank.threshold``), as from the command line.
Only hashes and settings pass, never a picture.

An uploaded hash list is hostile input: its size is bounded by the body limit (413), it is parsed by the same
streaming parsers as ``tipwatch banks import`` (undecodable bytes replaced, over-long CSV fields refused per line),
and every line that holds no usable entry is reported with its number and reason while the others are imported. The
actions below are shared with the /banks page (web/pages/banks.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Path, Query, Request, Response, UploadFile

from tipwatch.services import bank_admin, banks
from tipwatch.services.banks import Bank, BankError, ImportResult
from tipwatch.store.facade import Store
from tipwatch.web.auth import Principal, require_role, store_of
from tipwatch.web.schemas.banks import BadLine, BankChange, BankIn, BankOut, ImportOut, RefusedEntry, ThresholdIn

router = APIRouter(prefix="/api/v1/banks", tags=["banks"])
Analyst = Annotated[Principal, Depends(require_role("analyst"))]
Supervisor = Annotated[Principal, Depends(require_role("supervisor"))]
# No control characters (PostgreSQL refuses NUL in text; no bank name holds one).
BankName = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
# Literal choices keep the OpenAPI document exact; tests/web/test_api_banks.py checks they match the registry.
ImportFormat = Literal["auto", "csv", "md5", "sha256", "te", "threatexchange"]
ExportFormat = Literal["csv", "md5", "sha256", "te", "threatexchange"]
SignalType = Literal["pdq", "md5", "sha256"]
LISTED = 200  # bad lines and refused entries listed in an answer (all are counted)
_MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "threatexchange": "text/csv; charset=utf-8"}


@dataclass(slots=True)
class ImportReport:
    bank: Bank
    result: ImportResult
    bad: list[tuple[int, str]] = field(default_factory=list)  # the first LISTED (line, reason)


def create_bank(store: Store, principal: Principal, body: BankIn) -> Bank:
    """Create a bank (BankError when the name is taken or a setting is wrong); audited."""
    return bank_admin.create(
        store,
        principal.actor,
        body.name,
        source=body.source,
        licence=body.licence,
        description=body.description,
        signal_types=body.signal_types,
        is_abuse_material=body.is_abuse_material,
        pdq_threshold=body.pdq_threshold,
        enabled=body.enabled,
        why=body.why,
    )


def import_hashes(
    store: Store,
    principal: Principal,
    name: str,
    stream: IO[bytes],
    *,
    filename: str,
    fmt: str = "auto",
    signal_type: str | None = None,
    why: str = "",
) -> ImportReport:
    """Import an uploaded hash list into a bank (BankError for an unknown bank or format); audited."""
    bad: list[tuple[int, str]] = []

    def bad_line(line: int, reason: str) -> None:
        if len(bad) < LISTED:
            bad.append((line, reason[:300]))

    result = bank_admin.import_upload(
        store,
        principal.actor,
        name,
        stream,
        filename=filename,
        fmt=fmt,
        signal_type=signal_type,
        why=why,
        on_bad_line=bad_line,
    )
    return ImportReport(banks.require_bank(store, name), result, bad)


def switch_bank(store: Store, principal: Principal, name: str, enabled: bool, why: str) -> Bank:
    """Enable or disable a bank (BankError when unknown); audited."""
    return bank_admin.switch(store, principal.actor, name, enabled, why)


def change_threshold(store: Store, principal: Principal, name: str, threshold: int, why: str) -> Bank:
    """Set a bank's PDQ match threshold (BankError when unknown or out of range); audited with the old and new."""
    return bank_admin.change_threshold(store, principal.actor, name, threshold, why)


def export_hashes(store: Store, principal: Principal, name: str, fmt: str) -> tuple[Bank, str]:
    """A bank's entries as text in ``fmt`` (BankError when unknown); audited."""
    return bank_admin.export(store, principal.actor, name, fmt)


def download_name(bank: str, fmt: str) -> str:
    """A file name safe in a Content-Disposition header, whatever the bank's name."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", bank).strip("._")[:80] or "bank"
    return f"{stem}.{'csv' if fmt == 'csv' else 'txt'}"


def bank_out(bank: Bank) -> BankOut:
    return BankOut.model_validate(bank, from_attributes=True)


def _not_found_or_bad(exc: BankError) -> HTTPException:
    return HTTPException(status_code=404 if str(exc).startswith("no bank named") else 400, detail=str(exc))


@router.get("", response_model=list[BankOut], summary="Hash banks with their settings and sizes")
def list_banks(analyst: Analyst, request: Request) -> list[BankOut]:
    return [bank_out(b) for b in banks.list_banks(store_of(request))]


@router.post("", response_model=BankOut, status_code=201, summary="Create an empty hash bank")
def create(supervisor: Supervisor, request: Request, body: BankIn) -> BankOut:
    store = store_of(request)
    try:
        bank = create_bank(store, supervisor, body)
    except BankError as exc:
        status = 409 if "exists already" in str(exc) else 422
        raise HTTPException(status_code=status, detail=str(exc)) from None
    return bank_out(bank)


@router.post("/{name}/import", response_model=ImportOut, summary="Import a hash list file into a bank")
def import_file(
    supervisor: Supervisor,
    request: Request,
    name: BankName,
    file: Annotated[UploadFile, File(description="The hash list (CSV, md5/sha256 lists, ThreatExchange 'te')")],
    format: Annotated[ImportFormat, Form(description="auto: from the file's first lines")] = "auto",
    signal_type: Annotated[SignalType | None, Form(description="For a CSV whose hash column is unnamed")] = None,
    why: Annotated[str, Form(max_length=10_000)] = "",
) -> ImportOut:
    store = store_of(request)
    try:
        report = import_hashes(
            store,
            supervisor,
            name,
            file.file,
            filename=file.filename or "",
            fmt=format,
            signal_type=signal_type,
            why=why,
        )
    except BankError as exc:
        raise _not_found_or_bad(exc) from None
    added = report.result.added
    return ImportOut(
        bank=bank_out(report.bank),
        format=report.result.format,
        added=added.added,
        duplicates=added.duplicates,
        refused=[RefusedEntry(entry=p + 1, reason=r) for p, r in added.refused[:LISTED]],
        refused_total=len(added.refused),
        bad_lines=[BadLine(line=n, reason=r) for n, r in report.bad],
        bad_lines_total=report.result.bad_lines,
    )


@router.get(
    "/{name}/export",
    summary="Download a bank's hashes",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "text/plain": {}}}},
)
def export(
    supervisor: Supervisor,
    request: Request,
    name: BankName,
    format: Annotated[ExportFormat, Query(description="csv keeps each entry's metadata")] = "csv",
) -> Response:
    try:
        bank, text = export_hashes(store_of(request), supervisor, name, format)
    except BankError as exc:
        raise _not_found_or_bad(exc) from None
    headers = {"Content-Disposition": f'attachment; filename="{download_name(bank.name, format)}"'}
    return Response(text, media_type=_MEDIA_TYPES.get(format, "text/plain; charset=utf-8"), headers=headers)


def _switch(request: Request, supervisor: Principal, name: str, enabled: bool, why: str) -> BankOut:
    try:
        bank = switch_bank(store_of(request), supervisor, name, enabled, why)
    except BankError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return bank_out(bank)


@router.post("/{name}/enable", response_model=BankOut, summary="Match against this bank")
def enable_bank(
    supervisor: Supervisor, request: Request, name: BankName, body: Annotated[BankChange | None, Body()] = None
) -> BankOut:
    return _switch(request, supervisor, name, True, body.why if body else "")


@router.post("/{name}/disable", response_model=BankOut, summary="Stop matching against this bank")
def disable_bank(
    supervisor: Supervisor, request: Request, name: BankName, body: Annotated[BankChange | None, Body()] = None
) -> BankOut:
    return _switch(request, supervisor, name, False, body.why if body else "")


@router.post("/{name}/threshold", response_model=BankOut, summary="Set a bank's PDQ match threshold (Hamming distance)")
def set_threshold(supervisor: Supervisor, request: Request, name: BankName, body: ThresholdIn) -> BankOut:
    try:
        bank = change_threshold(store_of(request), supervisor, name, body.pdq_threshold, body.why)
    except BankError as exc:
        raise _not_found_or_bad(exc) from None
    return bank_out(bank)
