"""Cases: a named set of posts and networks an analyst works on, with status, assignee, priority, append-only notes
and a history of every change (events).

Values are checked here and refused with ``CaseError(reason, message)`` (a web layer maps ``not_found`` to 404 and
the rest to 400/422). Posts must be in the store and networks in the links area (by the id ``store.links`` gives
them) when they are added. Assignees and authors are plain user names: nothing here depends on accounts. Changes
can be reported to an audit callback ``audit(actor, action, target, why, details)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tipwatch.store.facade import Store
from tipwatch.store.interface.cases import Case, CaseEvent, CaseMember, CaseNote, NoSuchCase

__all__ = [
    "PRIORITIES",
    "STATUSES",
    "AuditFn",
    "Case",
    "CaseDetail",
    "CaseError",
    "CaseEvent",
    "CaseMember",
    "CaseNote",
    "CasePage",
    "add_networks",
    "add_note",
    "add_posts",
    "add_to_case",
    "create_case",
    "get_case",
    "list_cases",
    "list_events",
    "remove_networks",
    "remove_posts",
    "show_case",
    "update_case",
]

AuditFn = Callable[[str, str, str, str, dict[str, Any]], None]

STATUSES = ("open", "in_progress", "closed", "referred")
PRIORITIES = ("low", "normal", "high", "urgent")
MAX_TITLE = 300
MAX_NAME = 200
MAX_NOTE = 100_000
MAX_PAGE = 500


class CaseError(ValueError):
    """A request refused. ``reason``: not_found, bad_title, bad_status, bad_priority, bad_name, bad_note,
    bad_page, unknown_posts, unknown_networks, nothing_to_do. ``ids`` names the unknown posts or networks."""

    def __init__(self, reason: str, message: str, ids: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.reason = reason
        self.ids = list(ids)


@dataclass(slots=True)
class CasePage:
    items: list[Case]
    total: int
    offset: int
    limit: int


@dataclass(slots=True)
class CaseDetail:
    """A case with its posts, networks (``gone_networks``: ids the links area no longer has, e.g. after a merge),
    notes and events."""

    case: Case
    posts: list[CaseMember]
    networks: list[CaseMember]
    notes: list[CaseNote]
    events: list[CaseEvent]
    gone_networks: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


def _name(value: str, what: str) -> str:
    v = value.strip()
    if not v or len(v) > MAX_NAME:
        raise CaseError("bad_name", f"{what} must be a name of 1 to {MAX_NAME} characters")
    return v


def _title(value: str) -> str:
    v = " ".join(value.split())
    if not v or len(v) > MAX_TITLE:
        raise CaseError("bad_title", f"a case title has 1 to {MAX_TITLE} characters")
    return v


def _status(value: str) -> str:
    if value not in STATUSES:
        raise CaseError("bad_status", f"status must be one of {', '.join(STATUSES)}, got {value!r}")
    return value


def _priority(value: str) -> str:
    if value not in PRIORITIES:
        raise CaseError("bad_priority", f"priority must be one of {', '.join(PRIORITIES)}, got {value!r}")
    return value


def _assignee(value: str | None) -> str | None:
    return None if value is None or not value.strip() else _name(value, "the assignee")


def _audit(audit: AuditFn | None, actor: str, action: str, case_id: int, why: str, details: dict[str, Any]) -> None:
    if audit is not None:
        audit(actor, action, f"case:{case_id}", why, details)


def create_case(
    store: Store,
    title: str,
    *,
    created_by: str,
    assignee: str | None = None,
    priority: str = "normal",
    audit: AuditFn | None = None,
) -> Case:
    """Open a new case (status ``open``)."""
    by = _name(created_by, "created_by")
    case = store.cases.create(
        _title(title),
        created_by=by,
        status="open",
        assignee=_assignee(assignee),
        priority=_priority(priority),
        at=_now(),
    )
    _audit(audit, by, "case.create", case.id, "", {"title": case.title})
    return case


def get_case(store: Store, case_id: int) -> Case:
    case = store.cases.get(case_id)
    if case is None:
        raise CaseError("not_found", f"no case {case_id}")
    return case


def list_cases(
    store: Store, *, status: str | None = None, assignee: str | None = None, offset: int = 0, limit: int = 50
) -> CasePage:
    """One page of cases, most recently updated first."""
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise CaseError("bad_page", f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    items, total = store.cases.page(
        status=None if status is None else _status(status),
        assignee=None if assignee is None else _name(assignee, "the assignee"),
        offset=offset,
        limit=limit,
    )
    return CasePage(items, total, offset, limit)


_UNSET: Any = object()


def update_case(
    store: Store,
    case_id: int,
    *,
    actor: str,
    title: str | None = None,
    status: str | None = None,
    assignee: str | None = _UNSET,
    priority: str | None = None,
    why: str = "",
    audit: AuditFn | None = None,
) -> Case:
    """Change title, status, assignee (None or "" unassigns) and/or priority; each change is kept as an event."""
    who = _name(actor, "the actor")
    changes: dict[str, str | None] = {}
    if title is not None:
        changes["title"] = _title(title)
    if status is not None:
        changes["status"] = _status(status)
    if assignee is not _UNSET:
        changes["assignee"] = _assignee(assignee)
    if priority is not None:
        changes["priority"] = _priority(priority)
    if not changes:
        raise CaseError("nothing_to_do", "give a title, status, assignee or priority to change")
    try:
        case = store.cases.update(case_id, changes, actor=who, at=_now())
    except NoSuchCase as exc:
        raise CaseError("not_found", str(exc)) from None
    _audit(audit, who, "case.update", case_id, why, dict(changes))
    return case


def _ids(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


Change = Callable[..., list[str]]  # one of the case store's add/remove methods


def _change(
    store: Store, case_id: int, change: Change, ids: list[str], action: str, kind: str, who: str, audit: AuditFn | None
) -> list[str]:
    """Apply one membership change and audit what it changed (the four add/remove calls differ only in these)."""
    try:
        changed = change(case_id, ids, actor=who, at=_now())
    except NoSuchCase as exc:
        raise CaseError("not_found", str(exc)) from None
    if changed:
        _audit(audit, who, action, case_id, "", {kind: changed})
    return changed


def _check_posts(store: Store, wanted: list[str]) -> None:
    known = {p.id for p in store.posts.posts(wanted)}
    missing = [p for p in wanted if p not in known]
    if missing:
        raise CaseError("unknown_posts", f"not in the store: {', '.join(missing[:10])}", missing)


def _check_networks(store: Store, wanted: list[str]) -> None:
    known = {n.id for n in store.links.networks(ids=wanted)} if wanted else set()
    missing = [n for n in wanted if n not in known]
    if missing:
        raise CaseError("unknown_networks", f"no such network: {', '.join(missing[:10])}", missing)


def add_posts(
    store: Store, case_id: int, post_ids: Sequence[str], *, actor: str, audit: AuditFn | None = None
) -> list[str]:
    """Add posts to the case (all must be in the store; none is added otherwise); returns those newly added."""
    who, wanted = _name(actor, "the actor"), _ids(post_ids)
    _check_posts(store, wanted)
    return _change(store, case_id, store.cases.add_posts, wanted, "case.add_posts", "posts", who, audit)


def remove_posts(
    store: Store, case_id: int, post_ids: Sequence[str], *, actor: str, audit: AuditFn | None = None
) -> list[str]:
    """Take posts out of the case; returns those that were in it."""
    who = _name(actor, "the actor")
    return _change(store, case_id, store.cases.remove_posts, _ids(post_ids), "case.remove_posts", "posts", who, audit)


def add_networks(
    store: Store, case_id: int, network_ids: Sequence[str], *, actor: str, audit: AuditFn | None = None
) -> list[str]:
    """Add networks (by the links area's network id; all must exist, none is added otherwise)."""
    who, wanted = _name(actor, "the actor"), _ids(network_ids)
    _check_networks(store, wanted)
    return _change(store, case_id, store.cases.add_networks, wanted, "case.add_networks", "networks", who, audit)


def remove_networks(
    store: Store, case_id: int, network_ids: Sequence[str], *, actor: str, audit: AuditFn | None = None
) -> list[str]:
    """Take networks out of the case; returns those that were in it."""
    who, ids = _name(actor, "the actor"), _ids(network_ids)
    return _change(store, case_id, store.cases.remove_networks, ids, "case.remove_networks", "networks", who, audit)


def add_to_case(
    store: Store,
    case_id: int,
    *,
    post_ids: Sequence[str] = (),
    network_ids: Sequence[str] = (),
    actor: str,
    audit: AuditFn | None = None,
) -> tuple[list[str], list[str]]:
    """Add posts and networks, all checked before anything is added; returns the posts and networks newly added."""
    get_case(store, case_id)
    _check_networks(store, _ids(network_ids))
    posts = add_posts(store, case_id, post_ids, actor=actor, audit=audit) if _ids(post_ids) else []
    nets = add_networks(store, case_id, network_ids, actor=actor, audit=audit) if _ids(network_ids) else []
    return posts, nets


def add_note(store: Store, case_id: int, text: str, *, author: str, audit: AuditFn | None = None) -> CaseNote:
    """Append a note. Notes are never edited or deleted: a correction is a new note."""
    who = _name(author, "the author")
    body = text.strip()
    if not body or len(body) > MAX_NOTE:
        raise CaseError("bad_note", f"a note has 1 to {MAX_NOTE} characters")
    try:
        note = store.cases.add_note(case_id, author=who, text=body, at=_now())
    except NoSuchCase as exc:
        raise CaseError("not_found", str(exc)) from None
    _audit(audit, who, "case.note", case_id, "", {"note": note.id})
    return note


def list_events(store: Store, case_id: int) -> list[CaseEvent]:
    """Every change of the case, oldest first."""
    get_case(store, case_id)
    return store.cases.events(case_id)


def show_case(store: Store, case_id: int) -> CaseDetail:
    """The case with its posts, networks, notes and events."""
    case = get_case(store, case_id)
    networks = store.cases.networks(case_id)
    ids = [n.id for n in networks]
    known = {n.id for n in store.links.networks(ids=ids)} if ids else set()
    return CaseDetail(
        case,
        store.cases.posts(case_id),
        networks,
        store.cases.notes(case_id),
        store.cases.events(case_id),
        [i for i in ids if i not in known],
    )
