"""The statements the workspace runs can use the indexes meant for them, on PostgreSQL (issue 12, part 4).

Each workspace action (review next, post view, network view, identifier search, full-text search, alerts) runs on a
small linked store while the statements it sends are recorded; each recorded statement that reads the table an index
is meant for is then EXPLAINed with ``enable_seqscan = off``, so that a plan without the index can only mean the
index cannot serve the statement (a wrong ORDER BY, a function around the column, a missing index). On a small table
the planner would read the heap anyway, so the setting is what makes the check meaningful without a million rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from tipwatch.services import networks, review, search, watches
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.services.posts import post_view
from tipwatch.store.facade import Store, open_store
from tipwatch.synth.generator import generate

Statement = tuple[str, Any]


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    corpus = tmp_path / "posts.jsonl"
    corpus.write_text("".join(json.dumps(p) + "\n" for p, _ in generate(600, 4)), encoding="utf-8")
    opened = open_store(db_url)
    req = AnalyzeRequest([corpus], media=False, workers=1, quarantine_path=tmp_path / "q.jsonl")
    analyze(opened, req, data_dir=tmp_path, link_state_dir=tmp_path / "state")
    assert opened.links.count_networks() > 0
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def recorded(store: Store) -> Iterator[list[Statement]]:
    seen: list[Statement] = []

    def record(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH", "INSERT")):
            seen.append((statement, params))

    engine = store._engine  # the plans of the statements the store really sends are what is checked
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plan(store: Store, statement: Statement) -> str:
    sql, params = statement
    with store._engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + sql, params)  # type: ignore[arg-type]
        text = "\n".join(r[0] for r in rows)
        conn.rollback()  # an EXPLAINed INSERT ... SELECT does not run, but leave nothing behind either
    return text


def check(store: Store, action: Callable[[], object], expected: dict[str, list[str]]) -> None:
    """Run ``action``; for each marker (a piece of SQL that picks the statements concerned), every statement
    containing it must be planned with each of the named indexes."""
    with recorded(store) as seen:
        action()
    for marker, indexes in expected.items():
        concerned = [s for s in seen if marker in s[0]]
        assert concerned, f"no statement contains {marker!r}: {[s[0][:120] for s in seen]}"
        for statement in concerned:
            text = plan(store, statement)
            for index in indexes:
                assert index in text, f"{index} unusable for:\n{statement[0]}\n{text}"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the plans checked are PostgreSQL's
def test_workspace_statements_can_use_their_indexes(store: Store) -> None:
    # Review next: the claim walks the queue's index by risk.
    check(store, lambda: review.next_for(store, "ana"), {"ORDER BY posts.risk DESC": ["ix_posts_queue"]})

    # Post view of a networked post: its identifiers, hits, links and the posts sharing them.
    member = next(iter(store.links.membership()))
    check(
        store,
        lambda: post_view(store, member),
        {
            "FROM identifiers": ["ix_identifiers_"],
            "FROM indicator_hits": ["ix_indicator_hits_post_id"],
            "links.post_b = ": ["ix_links_post_a", "ix_links_post_b"],
            "FROM network_posts": ["pk_network_posts"],
        },
    )

    # Network view of the largest network: members, a page of links, the graph.
    net = max(store.links.networks(), key=lambda n: n.size)

    def network_view() -> None:
        networks.member_page(store, net, limit=100)
        networks.link_page(store, net, limit=100)
        networks.bounded_graph(store, net)

    check(
        store,
        network_view,
        {
            "WITH members AS": ["ix_network_posts_network_id", "ix_links_post_a", "pk_link_entities"],
            "ORDER BY posts.risk DESC": ["ix_network_posts_network_id", "pk_posts"],
            "links.post_a IN": ["ix_links_post_a"],
        },
    )

    # Identifier search (a phone written another way) and full-text search (the order "newest first" walking
    # ix_posts_newest is checked by tests/services/test_search_service.py).
    phone = next(r.value for r in store.posts.identifiers(list(store.links.membership())) if r.type == "phone")
    written = f"{phone[3:8]} {phone[8:]}" if phone.startswith("+91") else phone
    check(store, lambda: search.search(store, written), {"identifiers.type = ": ["ix_identifiers_type_value_post"]})
    check(store, lambda: search.search(store, "girls", by="text"), {"search_doc": ["ix_posts_search_doc"]})

    # Alerts, newest first, cut at a limit.
    watches.add(store, "phone", phone, note="test", by="test")
    check(store, lambda: watches.alerts(store, unseen_only=False, limit=10), {"FROM alerts": ["ix_alerts_created_id"]})
