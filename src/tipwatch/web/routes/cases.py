"""Cases: viewers list and read them (as on the pages); analysts and above create and change them, add or remove
posts and networks, append notes. Every change is audited through the service's audit callback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from tipwatch.services import cases
from tipwatch.services.cases import CaseError
from tipwatch.web.auth import Principal, require_role, store_of
from tipwatch.web.routes.review import audit_for
from tipwatch.web.schemas.cases import (
    CaseChange,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CasePageOut,
    MembersAdded,
    MembersIn,
    NoteIn,
    NoteOut,
    Status,
)

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Viewer = Annotated[Principal, Depends(require_role("viewer"))]
Analyst = Annotated[Principal, Depends(require_role("analyst"))]
CaseId = Annotated[int, Path(ge=1, le=2**62)]


def refused(exc: CaseError) -> HTTPException:
    detail: dict[str, Any] = {"code": exc.reason, "reason": str(exc)}
    if exc.ids:
        detail["ids"] = exc.ids
    return HTTPException(status_code=404 if exc.reason == "not_found" else 422, detail=detail)


def _case(case: cases.Case) -> CaseOut:
    return CaseOut.model_validate(case, from_attributes=True)


@router.get("", response_model=CasePageOut, summary="Cases, filtered by status or assignee")
def list_cases(
    viewer: Viewer,
    request: Request,
    status: Status | None = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=cases.MAX_PAGE)] = 50,
) -> CasePageOut:
    try:
        page = cases.list_cases(store_of(request), status=status, assignee=assignee, offset=offset, limit=limit)
    except CaseError as exc:
        raise refused(exc) from None
    return CasePageOut(items=[_case(c) for c in page.items], total=page.total, offset=page.offset, limit=page.limit)


@router.post("", response_model=CaseOut, status_code=201, summary="Open a case")
def create_case(analyst: Analyst, request: Request, body: CaseIn) -> CaseOut:
    store = store_of(request)
    try:
        case = cases.create_case(
            store,
            body.title,
            created_by=analyst.name,
            assignee=body.assignee,
            priority=body.priority,
            audit=audit_for(store, analyst),
        )
    except CaseError as exc:
        raise refused(exc) from None
    return _case(case)


@router.get("/{case_id}", response_model=CaseDetailOut, summary="A case with its posts, networks, notes, history")
def show_case(viewer: Viewer, request: Request, case_id: CaseId) -> CaseDetailOut:
    try:
        detail = cases.show_case(store_of(request), case_id)
    except CaseError as exc:
        raise refused(exc) from None
    return CaseDetailOut.model_validate(detail, from_attributes=True)


@router.patch("/{case_id}", response_model=CaseOut, summary="Change title, status, assignee or priority")
def update_case(analyst: Analyst, request: Request, case_id: CaseId, body: CaseChange) -> CaseOut:
    store = store_of(request)
    changes: dict[str, Any] = {
        name: getattr(body, name)
        for name in ("title", "status", "assignee", "priority")
        if name in body.model_fields_set
    }
    try:
        case = cases.update_case(
            store, case_id, actor=analyst.name, why=body.why, audit=audit_for(store, analyst), **changes
        )
    except CaseError as exc:
        raise refused(exc) from None
    return _case(case)


@router.post("/{case_id}/members", response_model=MembersAdded, summary="Add posts and networks")
def add_members(analyst: Analyst, request: Request, case_id: CaseId, body: MembersIn) -> MembersAdded:
    store = store_of(request)
    try:
        posts, nets = cases.add_to_case(
            store,
            case_id,
            post_ids=body.post_ids,
            network_ids=body.network_ids,
            actor=analyst.name,
            audit=audit_for(store, analyst),
        )
    except CaseError as exc:
        raise refused(exc) from None
    return MembersAdded(post_ids=posts, network_ids=nets)


@router.post("/{case_id}/members/remove", response_model=MembersAdded, summary="Remove posts and networks")
def remove_members(analyst: Analyst, request: Request, case_id: CaseId, body: MembersIn) -> MembersAdded:
    store = store_of(request)
    posts: list[str] = []
    nets: list[str] = []
    try:
        if body.post_ids:
            posts = cases.remove_posts(
                store, case_id, body.post_ids, actor=analyst.name, audit=audit_for(store, analyst)
            )
        if body.network_ids:
            nets = cases.remove_networks(
                store, case_id, body.network_ids, actor=analyst.name, audit=audit_for(store, analyst)
            )
    except CaseError as exc:
        raise refused(exc) from None
    return MembersAdded(post_ids=posts, network_ids=nets)


@router.post("/{case_id}/notes", response_model=NoteOut, status_code=201, summary="Append a note")
def add_note(analyst: Analyst, request: Request, case_id: CaseId, body: NoteIn) -> NoteOut:
    store = store_of(request)
    try:
        note = cases.add_note(store, case_id, body.text, author=analyst.name, audit=audit_for(store, analyst))
    except CaseError as exc:
        raise refused(exc) from None
    return NoteOut.model_validate(note, from_attributes=True)
