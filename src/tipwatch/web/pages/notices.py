"""The notices page and its forms: every takedown notice with its state, platform, URLs, time to removal and last
check (overdue ones first, escalated); analysts draft (from the post and network pages: one notice per hosting
platform) and record a platform's answer (acknowledged, removed, refused); supervisors approve drafts they did not
write (the button is not offered to the drafter, and the service refuses the drafter anyway), send approved ones,
record a notice filed by hand through a platform's web form, and run the re-check now.

Drafting answers with this page and what was drafted or skipped (a repeated post drafts nothing new: a URL already
in an open notice is skipped); the other forms send the browser back to the page (303)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tipwatch.services import notices
from tipwatch.services.accounts import has_role
from tipwatch.services.notices import NoticeError
from tipwatch.web.auth import Principal, config_of, store_of
from tipwatch.web.pages.common import page_role, render

router = APIRouter(tags=["pages"])
Analyst = Annotated[Principal, Depends(page_role("analyst"))]
Supervisor = Annotated[Principal, Depends(page_role("supervisor"))]
NoticeId = Annotated[int, Path(ge=1, le=2**62)]
_STATUS = {"not_found": 404, "forbidden": 403, "conflict": 409, "send_failed": 424}


def _page(
    request: Request, principal: Principal, *, error: str = "", message: str = "", status_code: int = 200
) -> HTMLResponse:
    items = notices.list_notices(store_of(request))
    items.sort(key=lambda n: n.state != "overdue")  # stable: overdue first, then newest first
    hours = {}
    for n in items:
        ttr = notices.time_to_removal(n)
        hours[n.id] = None if ttr is None else round(ttr.total_seconds() / 3600, 2)
    return render(
        request,
        "notices.html",
        principal,
        status_code=status_code,
        items=items,
        hours=hours,
        supervisor=has_role(principal.role, "supervisor"),
        marks=notices.MANUAL,
        error=error,
        message=message,
    )


def _refused(request: Request, principal: Principal, exc: NoticeError) -> HTMLResponse:
    return _page(request, principal, error=str(exc), status_code=_STATUS.get(exc.reason, 422))


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, principal: Analyst) -> HTMLResponse:
    return _page(request, principal)


@router.post("/notices/draft", response_class=HTMLResponse)
def notices_draft(
    request: Request,
    principal: Analyst,
    post_id: Annotated[str, Form(max_length=1000)] = "",
    network_id: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    try:
        result = notices.draft(
            store_of(request),
            post_id=post_id or None,
            network_id=network_id or None,
            drafted_by=principal.name,
            settings=config_of(request).notices,
            audit_as=principal.actor,
        )
    except NoticeError as exc:
        return _refused(request, principal, exc)
    made = ", ".join(f"#{n.id} to {n.platform_name}" for n in result.notices)
    skipped = "; ".join(f"{p}: {why}" for p, why in result.skipped[:20])
    if not result.notices:
        return _page(request, principal, error=f"No notice drafted. Skipped {skipped}", status_code=422)
    text = f"Drafted {made}: a supervisor who did not draft it approves it."
    if skipped:
        text += f" Skipped {skipped}"
    return _page(request, principal, message=text, status_code=201)


@router.post("/notices/{notice_id}/approve")
def notices_approve(request: Request, principal: Supervisor, notice_id: NoticeId) -> Response:
    try:
        notices.approve(
            store_of(request),
            notice_id,
            approver=principal.name,
            approver_role=principal.role or "",
            audit_as=principal.actor,
        )
    except NoticeError as exc:
        return _refused(request, principal, exc)
    return RedirectResponse("/notices", status_code=303)


@router.post("/notices/{notice_id}/send")
def notices_send(request: Request, principal: Supervisor, notice_id: NoticeId) -> Response:
    """Send by the platform's channel (a plain ``def`` route: SMTP and webhooks block, in the thread pool)."""
    try:
        notices.send(
            store_of(request),
            notice_id,
            actor=principal.name,
            settings=config_of(request).notices,
            audit_as=principal.actor,
        )
    except NoticeError as exc:
        return _refused(request, principal, exc)
    return RedirectResponse("/notices", status_code=303)


@router.post("/notices/{notice_id}/mark")
def notices_mark(
    request: Request,
    principal: Analyst,
    notice_id: NoticeId,
    state: Annotated[str, Form(max_length=20)],
    why: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """A platform's answer (any analyst), or a notice filed through a web form ("sent": supervisors, as sending)."""
    if state == "sent" and not has_role(principal.role, "supervisor"):
        return _page(request, principal, error="only a supervisor records a notice as sent", status_code=403)
    try:
        notices.mark(store_of(request), notice_id, state, actor=principal.name, why=why, audit_as=principal.actor)
    except NoticeError as exc:
        return _refused(request, principal, exc)
    return RedirectResponse("/notices", status_code=303)


@router.post("/notices/recheck", response_class=HTMLResponse)
def notices_recheck(request: Request, principal: Supervisor) -> HTMLResponse:
    """The re-check job, now: fetch every sent URL, mark removed notices, escalate overdue ones."""
    try:
        r = notices.recheck(store_of(request), settings=config_of(request).notices, actor=principal.actor)
    except NoticeError as exc:
        return _refused(request, principal, exc)
    text = f"Checked {r.checked} URL(s): {len(r.removed)} notice(s) removed, {len(r.overdue)} overdue."
    if r.errors:
        text += " Not reached: " + "; ".join(f"#{i} {u}: {why}" for i, u, why in r.errors[:10])
    return _page(request, principal, message=text)
