"""The cases pages over a real store (no browser): an analyst opens a case (CSRF needed), adds a post from the post
page, appends a note and changes status and assignee, each change audited and kept in the history; hostile text
stays escaped; filters; a viewer reads the case without a single form and is refused every change."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SessionFor, cookie_client

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.services import accounts, cases
from tipwatch.store.facade import Store
from tipwatch.web.auth import CSRF_HEADER

HOSTILE = "raw/1"
EVIL = "<script>window.__pwned=1</script>"


def _fill(store: Store) -> None:
    run = store.runs.start("test", [], None)
    sink = store.runs.sink(run)
    posts = [
        Post(id=HOSTILE, source="s", position="1", title=f"SYNTHETIC {EVIL}", body="call 98765 43210", platform="raw"),
        Post(id="raw/2", source="s", position="2", title="SYNTHETIC two", body="quiet text", platform="raw"),
    ]
    sink.write([PostResult(p, [], [], Assessment(0.9 - n / 10)) for n, p in enumerate(posts)])
    store.runs.finish(run, sink.counts, "ok")


def _post_forms(html: str) -> list[str]:
    """The actions of the page's POST forms, sign-out excepted."""
    return [a for a in re.findall(r'<form method="post" action="([^"]+)"', html) if a != "/logout"]


def _open(client: TestClient, csrf: str, title: str, priority: str = "normal") -> int:
    made = client.post(
        "/cases", data={"title": title, "priority": priority}, headers={CSRF_HEADER: csrf}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    return int(made.headers["location"].removeprefix("/cases/"))


def test_an_analyst_works_a_case_through_the_pages(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User]
) -> None:
    _fill(store)
    session_id, csrf = session_for("analyst")
    client = cookie_client(app, session_id)
    assert "/cases" in _post_forms(client.get("/cases").text)
    refused = client.post("/cases", data={"title": "no token"}, follow_redirects=False)
    assert refused.status_code == 403 and cases.list_cases(store).total == 0
    case_id = _open(client, csrf, f"Ring {EVIL}", "high")

    # From the post page: its form names the open case; adding sends the analyst back to the post.
    post_page = client.get(f"/posts/{HOSTILE}").text
    assert "/cases/add" in _post_forms(post_page) and f'<option value="{case_id}"' in post_page
    added = client.post(
        "/cases/add",
        data={"case_id": str(case_id), "post_id": HOSTILE, "back": "post"},
        headers={CSRF_HEADER: csrf},
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"] == f"/posts/raw/1?added_to={case_id}"
    assert f'Added to <a href="/cases/{case_id}">' in client.get(added.headers["location"]).text
    unknown = {"case_id": str(case_id), "post_id": "raw/none", "back": "post"}
    assert client.post("/cases/add", data=unknown, headers={CSRF_HEADER: csrf}).status_code == 400

    note = client.post(
        f"/cases/{case_id}/notes",
        data={"text": f"same phone {EVIL}"},
        headers={CSRF_HEADER: csrf},
        follow_redirects=False,
    )
    assert note.status_code == 303
    change = {"status": "in_progress", "priority": "high", "assignee": "analyst", "why": "taking it"}
    changed = client.post(f"/cases/{case_id}/change", data=change, headers={CSRF_HEADER: csrf}, follow_redirects=False)
    assert changed.status_code == 303
    # The same form sent again changes nothing and audits nothing.
    client.post(f"/cases/{case_id}/change", data=change, headers={CSRF_HEADER: csrf}, follow_redirects=False)
    bad = client.post(f"/cases/{case_id}/change", data={**change, "status": "won"}, headers={CSRF_HEADER: csrf})
    assert bad.status_code == 400 and "status must be one of" in bad.text

    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    html = page.text
    assert EVIL not in html and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    row = re.search(r'<tr class="case-post" data-post-id="raw/1">(.*?)</tr>', html, re.S)
    assert row and 'href="/posts/raw/1"' in row.group(1) and "0.90" in row.group(1) and "raw" in row.group(1)
    assert "call 98765 43210" in row.group(1)
    assert 'id="case-status">in progress<' in html and 'id="case-assignee">analyst<' in html
    kinds = re.findall(r'<li class="event" data-kind="([^"]+)"', html)
    assert kinds[0] == "created" and {"status", "assignee"} <= set(kinds)
    entries = [(e.actor, e.action, e.target) for e in store.audit.entries() if e.action.startswith("case.")]
    target = f"case:{case_id}"
    assert [a for _, a, t in entries if t == target and a != "case.view"] == [
        "case.create",
        "case.add_posts",
        "case.note",
        "case.update",
    ]
    updates = [e for e in store.audit.entries() if e.action == "case.update"]
    assert updates[0].details == {"status": "in_progress", "assignee": "analyst"} and updates[0].why == "taking it"
    assert ("user:analyst", "case.view", target) in entries

    # Filters: status, assignee, mine.
    other = _open(client, csrf, "Second case")
    listed = lambda q: re.findall(r'data-case-id="(\d+)"', client.get("/cases", params=q).text)  # noqa: E731
    assert listed({}) == [str(other), str(case_id)]
    assert listed({"status": "in_progress"}) == [str(case_id)]
    assert listed({"mine": "true"}) == [str(case_id)] == listed({"assignee": "analyst"})
    assert listed({"status": "closed"}) == []

    # Taking the post out again.
    removed = client.post(
        f"/cases/{case_id}/remove", data={"post_id": HOSTILE}, headers={CSRF_HEADER: csrf}, follow_redirects=False
    )
    assert removed.status_code == 303 and cases.show_case(store, case_id).posts == []


def test_a_viewer_reads_cases_without_forms_and_is_refused_changes(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User]
) -> None:
    _fill(store)
    case = cases.create_case(store, "Ring", created_by="analyst")
    cases.add_posts(store, case.id, [HOSTILE], actor="analyst")
    cases.add_note(store, case.id, "first note", author="analyst")
    session_id, csrf = session_for("viewer")
    client = cookie_client(app, session_id)
    for path in ("/cases", f"/cases/{case.id}", f"/posts/{HOSTILE}"):
        page = client.get(path)
        assert page.status_code == 200 and _post_forms(page.text) == [], path
    assert "first note" in client.get(f"/cases/{case.id}").text
    assert client.get("/cases/999999").status_code == 404
    h = {CSRF_HEADER: csrf}
    for path, form in [
        ("/cases", {"title": "x"}),
        (f"/cases/{case.id}/notes", {"text": "x"}),
        (f"/cases/{case.id}/change", {"status": "closed"}),
        (f"/cases/{case.id}/remove", {"post_id": HOSTILE}),
        ("/cases/add", {"case_id": str(case.id), "post_id": "raw/2"}),
    ]:
        assert client.post(path, data=form, headers=h).status_code == 403, path
    detail = cases.show_case(store, case.id)
    assert ([p.id for p in detail.posts], len(detail.notes), detail.case.status) == ([HOSTILE], 1, "open")
