"""Hash banks: listed for analysts, switched on or off by supervisors (audited). Only hashes and settings are
returned, never a picture."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Request

from tipwatch.services import audit, banks
from tipwatch.services.banks import BankError
from tipwatch.web.auth import Principal, require_role, store_of
from tipwatch.web.schemas.banks import BankChange, BankOut

router = APIRouter(prefix="/api/v1/banks", tags=["banks"])
Analyst = Annotated[Principal, Depends(require_role("analyst"))]
Supervisor = Annotated[Principal, Depends(require_role("supervisor"))]
BankName = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("", response_model=list[BankOut], summary="Hash banks with their settings and sizes")
def list_banks(analyst: Analyst, request: Request) -> list[BankOut]:
    return [BankOut.model_validate(b, from_attributes=True) for b in banks.list_banks(store_of(request))]


def _switch(request: Request, supervisor: Principal, name: str, enabled: bool, why: str) -> BankOut:
    store = store_of(request)
    try:
        bank = banks.set_enabled(store, name, enabled)
    except BankError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    action = "bank.enable" if enabled else "bank.disable"
    audit.append(store, supervisor.actor, action, f"bank:{bank.name}", why, {})
    return BankOut.model_validate(bank, from_attributes=True)


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
