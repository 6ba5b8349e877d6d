"""Cases (issue 10): create, list with filters and pages, updates kept as events, posts and networks checked
against the store, notes append-only; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from workspace_helpers import fill

from tipwatch.services import cases
from tipwatch.services.cases import CaseError
from tipwatch.store.facade import Store, open_store
from tipwatch.store.interface.links import LinkUpdate, NetworkWrite


@pytest.fixture
def store(engine: sa.Engine, db_url: str) -> Iterator[Store]:
    with open_store(db_url, migrate=False) as opened:
        yield opened


def _networks(store: Store, ids: list[str], members: dict[str, str]) -> None:
    nets: list[NetworkWrite] = [
        {
            "id": i,
            "size": 2,
            "score": 1.0,
            "reasons": [],
            "profile": {},
            "first_posted_at": None,
            "last_posted_at": None,
        }
        for i in ids
    ]
    store.links.write(
        LinkUpdate(
            full=True,
            fingerprint="test",
            post_ids=[],
            network_ids=[],
            entity_keys=[],
            entities=[],
            links=[],
            networks=nets,
            members=[{"post_id": p, "network_id": n} for p, n in members.items()],
        )
    )


def test_create_get_list_and_page(store: Store) -> None:
    a = cases.create_case(store, "  Agency  in   Pune ", created_by="ann")
    b = cases.create_case(store, "Hotel ads", created_by="bo", assignee="cy", priority="high")
    c = cases.create_case(store, "Wallet", created_by="bo", assignee="cy")
    assert (a.title, a.status, a.assignee, a.priority, a.created_by) == (
        "Agency in Pune",
        "open",
        None,
        "normal",
        "ann",
    )
    assert cases.get_case(store, b.id) == b
    cases.update_case(store, a.id, actor="ann", status="in_progress")
    page = cases.list_cases(store)
    assert [x.id for x in page.items] == [a.id, c.id, b.id] and page.total == 3  # most recently updated first
    page = cases.list_cases(store, assignee="cy", limit=1)
    assert [x.id for x in page.items] == [c.id] and page.total == 2
    page = cases.list_cases(store, assignee="cy", offset=1, limit=1)
    assert [x.id for x in page.items] == [b.id]
    assert [x.id for x in cases.list_cases(store, status="in_progress").items] == [a.id]
    refused = [
        (lambda: cases.get_case(store, 999), "not_found"),
        (lambda: cases.create_case(store, "  ", created_by="ann"), "bad_title"),
        (lambda: cases.create_case(store, "x", created_by=""), "bad_name"),
        (lambda: cases.create_case(store, "x", created_by="ann", priority="asap"), "bad_priority"),
        (lambda: cases.list_cases(store, status="done"), "bad_status"),
        (lambda: cases.list_cases(store, limit=0), "bad_page"),
        (lambda: cases.update_case(store, a.id, actor="ann"), "nothing_to_do"),
        (lambda: cases.update_case(store, 999, actor="ann", status="closed"), "not_found"),
    ]
    for call, reason in refused:
        with pytest.raises(CaseError) as err:
            call()
        assert err.value.reason == reason


def test_updates_are_kept_as_events(store: Store) -> None:
    audited: list[tuple[Any, ...]] = []
    case = cases.create_case(store, "Hotel ads", created_by="ann")
    cases.update_case(
        store, case.id, actor="ann", status="in_progress", assignee="bo", audit=lambda *a: audited.append(a)
    )
    cases.update_case(store, case.id, actor="bo", status="in_progress", priority="urgent", title="Hotel ads, Goa")
    updated = cases.update_case(store, case.id, actor="bo", status="referred", assignee=None, why="sent to AHTU")
    assert (updated.status, updated.assignee, updated.priority, updated.title) == (
        "referred",
        None,
        "urgent",
        "Hotel ads, Goa",
    )
    assert updated.updated_at >= updated.created_at
    events = [(e.actor, e.kind, e.old, e.new) for e in cases.list_events(store, case.id)]
    assert events == [
        ("ann", "created", None, "Hotel ads"),
        ("ann", "status", "open", "in_progress"),
        ("ann", "assignee", None, "bo"),
        ("bo", "title", "Hotel ads", "Hotel ads, Goa"),  # the unchanged status gives no event
        ("bo", "priority", "normal", "urgent"),
        ("bo", "status", "in_progress", "referred"),
        ("bo", "assignee", "bo", None),
    ]
    assert audited == [("ann", "case.update", f"case:{case.id}", "", {"status": "in_progress", "assignee": "bo"})]


def test_posts_and_networks_are_checked_added_and_removed(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, None), ("b", 0.5, None), ("c", 0.1, None)])
    _networks(store, ["n1", "n2"], {"a": "n1", "b": "n1", "c": "n2"})
    case = cases.create_case(store, "Network n1", created_by="ann")
    with pytest.raises(CaseError) as err:
        cases.add_posts(store, case.id, ["a", "zzz", "yyy"], actor="ann")
    assert err.value.reason == "unknown_posts" and err.value.ids == ["zzz", "yyy"]
    with pytest.raises(CaseError) as err:
        cases.add_networks(store, case.id, ["n1", "n9"], actor="ann")
    assert err.value.reason == "unknown_networks" and err.value.ids == ["n9"]
    with pytest.raises(CaseError) as err:
        cases.add_posts(store, 999, ["a"], actor="ann")
    assert err.value.reason == "not_found"
    detail = cases.show_case(store, case.id)
    assert detail.posts == [] and detail.networks == []  # a refused request adds nothing

    assert cases.add_posts(store, case.id, ["a", "b", "a"], actor="ann") == ["a", "b"]
    assert cases.add_posts(store, case.id, ["b", "c"], actor="bo") == ["c"]  # b already in
    assert cases.add_networks(store, case.id, ["n1", "n2"], actor="bo") == ["n1", "n2"]
    assert cases.remove_posts(store, case.id, ["b", "zzz"], actor="bo") == ["b"]
    assert cases.remove_networks(store, case.id, ["n2"], actor="bo") == ["n2"]
    detail = cases.show_case(store, case.id)
    assert [(p.id, p.added_by) for p in detail.posts] == [("a", "ann"), ("c", "bo")]
    assert [n.id for n in detail.networks] == ["n1"] and detail.gone_networks == []
    assert store.cases.cases_with_post("a") == [case.id] and store.cases.cases_with_post("b") == []
    kinds = [(e.kind, e.old, e.new) for e in detail.events[1:]]
    assert kinds == [
        ("post_added", None, "a"),
        ("post_added", None, "b"),
        ("post_added", None, "c"),
        ("network_added", None, "n1"),
        ("network_added", None, "n2"),
        ("post_removed", "b", None),
        ("network_removed", "n2", None),
    ]
    # A link update that drops n1 leaves the case's reference, flagged as gone.
    _networks(store, ["n3"], {"a": "n3"})
    assert cases.show_case(store, case.id).gone_networks == ["n1"]


def test_notes_are_append_only(store: Store) -> None:
    case = cases.create_case(store, "Hotel ads", created_by="ann")
    first = cases.add_note(store, case.id, "Called the hotel: no answer.", author="ann")
    second = cases.add_note(store, case.id, "Correction: the number is a reseller's.", author="bo")
    with pytest.raises(CaseError) as err:
        cases.add_note(store, case.id, "   ", author="bo")
    assert err.value.reason == "bad_note"
    with pytest.raises(CaseError) as err:
        cases.add_note(store, 999, "x", author="bo")
    assert err.value.reason == "not_found"
    notes = cases.show_case(store, case.id).notes
    assert [(n.id, n.author, n.text) for n in notes] == [
        (first.id, "ann", "Called the hotel: no answer."),
        (second.id, "bo", "Correction: the number is a reseller's."),
    ]
    assert notes[0].created_at <= notes[1].created_at
    # Nothing in the store's interface or the service changes or removes a note.
    assert not [m for m in dir(store.cases) if "note" in m and m not in ("add_note", "notes")]
    assert not [m for m in cases.__all__ if "note" in m.lower() and m not in ("add_note", "CaseNote")]
    assert [e.kind for e in cases.list_events(store, case.id)] == ["created", "note", "note"]
