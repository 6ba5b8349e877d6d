"""Cases as pages: the list (filters: status, assignee, mine; analysts open a case), one case with its posts,
networks, notes and history (analysts append notes, change status, assignee and priority, add and remove members),
and the "add to case" form of the post and network pages. Viewers read; every change goes through services.cases
with the audit callback the API uses, and each case page view is audited ("case.view": it shows posts' text).

Forms post with the session's CSRF token (a hidden ``csrf_token`` field); after a change the browser is sent back
(303) to the page it came from, so a reload never posts twice."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipwatch.services import audit, cases, evidence
from tipwatch.services.accounts import has_role
from tipwatch.services.cases import Case, CaseError
from tipwatch.services.notices import notices_for_posts
from tipwatch.store.facade import Store
from tipwatch.web.auth import Principal, store_of
from tipwatch.web.pages.common import page_role, render
from tipwatch.web.routes.review import audit_for

router = APIRouter(tags=["pages"])
Viewer = Annotated[Principal, Depends(page_role("viewer"))]
Analyst = Annotated[Principal, Depends(page_role("analyst"))]
CaseId = Annotated[int, Path(ge=1, le=2**62)]
PAGE = 100
FIRST_LINES = 240  # characters of a post's text shown in the case's list of posts
ACTIVE = ("open", "in_progress")  # the cases "add to case" offers


def open_cases(store: Store) -> list[Case]:
    """Cases still worked on (open or in progress), most recently updated first, for the "add to case" forms."""
    found = [c for status in ACTIVE for c in cases.list_cases(store, status=status, limit=PAGE).items]
    return sorted(found, key=lambda c: (c.updated_at, c.id), reverse=True)


def add_to_case_context(request: Request, principal: Principal, added_to: int | None) -> dict[str, Any]:
    """What the post and network pages need for their "add to case" form (analysts only)."""
    if not has_role(principal.role, "analyst"):
        return {"can_add_to_case": False, "case_choices": [], "added_to": None}
    return {"can_add_to_case": True, "case_choices": open_cases(store_of(request)), "added_to": added_to}


def _status(exc: CaseError) -> int:
    return 404 if exc.reason == "not_found" else 400


def _first_lines(title: str, body: str) -> str:
    text = " ".join(f"{title}\n{body}".split())
    return text if len(text) <= FIRST_LINES else text[: FIRST_LINES - 1] + "…"


def _list_page(
    request: Request,
    principal: Principal,
    *,
    status: str = "",
    assignee: str = "",
    mine: bool = False,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    who = principal.name if mine else assignee.strip()
    try:
        page = cases.list_cases(store_of(request), status=status or None, assignee=who or None, limit=PAGE)
    except CaseError as exc:
        page, error, status_code = cases.CasePage([], 0, 0, PAGE), str(exc), 400
    return render(
        request,
        "cases.html",
        principal,
        status_code=status_code,
        page=page,
        status=status,
        assignee=assignee,
        mine=mine,
        statuses=cases.STATUSES,
        priorities=cases.PRIORITIES,
        can_change=has_role(principal.role, "analyst"),
        error=error,
    )


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    principal: Viewer,
    status: Annotated[str, Query(max_length=20)] = "",
    assignee: Annotated[str, Query(max_length=200)] = "",
    mine: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    return _list_page(request, principal, status=status, assignee=assignee, mine=mine)


@router.post("/cases")
def open_case(
    request: Request,
    principal: Analyst,
    title: Annotated[str, Form(max_length=1000)] = "",
    priority: Annotated[str, Form(max_length=20)] = "normal",
) -> Response:
    store = store_of(request)
    try:
        case = cases.create_case(
            store, title, created_by=principal.name, priority=priority, audit=audit_for(store, principal)
        )
    except CaseError as exc:
        return _list_page(request, principal, error=str(exc), status_code=_status(exc))
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


def case_page_response(
    request: Request, principal: Principal, case_id: int, *, error: str = "", status_code: int = 200
) -> HTMLResponse:
    store = store_of(request)
    try:
        detail = cases.show_case(store, case_id)
    except CaseError as exc:
        raise HTTPException(status_code=_status(exc), detail=str(exc)) from None
    ids = [m.id for m in detail.posts]
    found = {p.id: p for p in store.posts.posts(ids, text=True)} if ids else {}
    posts = [
        {
            "member": m,
            "post": found.get(m.id),
            "lines": _first_lines(found[m.id].title, found[m.id].body) if m.id in found else "",
        }
        for m in detail.posts
    ]
    # The evidence list (analysts and above, as the evidence API): records only, no artifact is opened.
    items = evidence.case_items(store, case_id) if has_role(principal.role, "analyst") else []
    audit.append(store, principal.actor, "case.view", f"case:{case_id}", "", {"posts": len(ids)})
    return render(
        request,
        "case.html",
        principal,
        status_code=status_code,
        d=detail,
        c=detail.case,
        posts=posts,
        gone=set(detail.gone_networks),
        statuses=cases.STATUSES,
        priorities=cases.PRIORITIES,
        can_change=has_role(principal.role, "analyst"),
        evidence=items,
        notices=notices_for_posts(store, set(ids)),
        error=error,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, principal: Viewer, case_id: CaseId) -> HTMLResponse:
    return case_page_response(request, principal, case_id)


def _refused(request: Request, principal: Principal, case_id: int, exc: CaseError) -> HTMLResponse:
    """A refused change: 404 for a case that is not there, else the case page again with the reason (400)."""
    if exc.reason == "not_found":
        raise HTTPException(status_code=404, detail=str(exc))
    return case_page_response(request, principal, case_id, error=str(exc), status_code=400)


@router.post("/cases/{case_id}/change")
def change_case(
    request: Request,
    principal: Analyst,
    case_id: CaseId,
    status: Annotated[str, Form(max_length=20)] = "",
    priority: Annotated[str, Form(max_length=20)] = "",
    assignee: Annotated[str, Form(max_length=200)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Status, priority and assignee as the form shows them; only the fields that differ are changed (and
    audited). An empty assignee unassigns."""
    store = store_of(request)
    try:
        current = cases.get_case(store, case_id)
        changes: dict[str, Any] = {}
        if status and status != current.status:
            changes["status"] = status
        if priority and priority != current.priority:
            changes["priority"] = priority
        if (assignee.strip() or None) != current.assignee:
            changes["assignee"] = assignee
        if changes:
            cases.update_case(
                store, case_id, actor=principal.name, why=why.strip(), audit=audit_for(store, principal), **changes
            )
    except CaseError as exc:
        return _refused(request, principal, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/notes")
def add_note(
    request: Request, principal: Analyst, case_id: CaseId, text: Annotated[str, Form(max_length=100_000)] = ""
) -> Response:
    store = store_of(request)
    try:
        cases.add_note(store, case_id, text, author=principal.name, audit=audit_for(store, principal))
    except CaseError as exc:
        return _refused(request, principal, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}#notes", status_code=303)


@router.post("/cases/{case_id}/remove")
def remove_member(
    request: Request,
    principal: Analyst,
    case_id: CaseId,
    post_id: Annotated[str, Form(max_length=1000)] = "",
    network_id: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    store = store_of(request)
    try:
        if post_id:
            cases.remove_posts(store, case_id, [post_id], actor=principal.name, audit=audit_for(store, principal))
        if network_id:
            cases.remove_networks(store, case_id, [network_id], actor=principal.name, audit=audit_for(store, principal))
    except CaseError as exc:
        return _refused(request, principal, case_id, exc)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _back(back: str, case_id: int, post_id: str, network_id: str) -> str:
    """Where the browser goes after "add to case": the page the form was on, told which case got the item."""
    added = urlencode({"added_to": case_id})
    if back == "post" and post_id:
        return f"/posts/{quote(post_id)}?{added}"
    if back == "network" and network_id:
        return f"/networks/{quote(network_id)}?{added}"
    return f"/cases/{case_id}"


@router.post("/cases/add")
def add_to_case(
    request: Request,
    principal: Analyst,
    case_id: Annotated[int, Form(ge=1, le=2**62)],
    post_id: Annotated[str, Form(max_length=1000)] = "",
    network_id: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(max_length=20)] = "case",
) -> Response:
    """Add a post and/or a network to the chosen case (from the post, network or case page)."""
    store = store_of(request)
    try:
        cases.add_to_case(
            store,
            case_id,
            post_ids=[post_id] if post_id else [],
            network_ids=[network_id] if network_id else [],
            actor=principal.name,
            audit=audit_for(store, principal),
        )
    except CaseError as exc:
        if back != "case":  # from a post or network page: the reason, without re-rendering that page
            raise HTTPException(status_code=_status(exc), detail=str(exc)) from None
        return _refused(request, principal, case_id, exc)
    return RedirectResponse(_back(back, case_id, post_id, network_id), status_code=303)
