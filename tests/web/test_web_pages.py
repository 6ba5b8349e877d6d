"""The pages over a real store (no browser): decisions need the session's CSRF token and are stored and audited,
hostile ad text comes out escaped, post views and searches are audited, and data for app.js cannot break out of
its JSON block."""

from __future__ import annotations

import json
import re

from fastapi import FastAPI
from web_helpers import SessionFor, cookie_client

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.pipeline import Analyzer, Settings
from tipwatch.services import accounts
from tipwatch.store.facade import Store
from tipwatch.web.auth import CSRF_HEADER
from tipwatch.web.pages.common import json_block

HOSTILE = "raw/1"


def _fill(store: Store) -> None:
    run = store.runs.start("test", [], None)
    sink = store.runs.sink(run)
    posts = [
        Post(
            id=HOSTILE,
            source="s",
            position="line 1",
            title="SYNTHETIC <script>window.__pwned=1</script>",
            body='<img src=x onerror="alert(1)"> call 98765 43210',
            platform="raw",
        ),
        Post(id="raw/2", source="s", position="line 2", title="SYNTHETIC two", body="quiet text", platform="raw"),
    ]
    sink.write([PostResult(p, [], [], Assessment(0.9 - n / 10)) for n, p in enumerate(posts)])
    store.runs.finish(run, sink.counts, "ok")


def test_a_decision_needs_the_csrf_token_and_is_stored_and_audited(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User]
) -> None:
    _fill(store)
    session_id, csrf = session_for("analyst")
    client = cookie_client(app, session_id)
    page = client.get("/review")
    assert page.status_code == 200 and f'data-post-id="{HOSTILE}"' in page.text
    form = {"post_id": HOSTILE, "decision": "escalate", "reason": "same phone as network N1"}
    refused = client.post("/review/decide", data=form, follow_redirects=False)
    assert refused.status_code == 403 and store.review.history(HOSTILE) == []
    done = client.post("/review/decide", data=form, headers={CSRF_HEADER: csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/review"
    [decision] = store.review.history(HOSTILE)
    assert (decision.decision, decision.reason, decision.reviewer) == (
        "escalate",
        "same phone as network N1",
        "analyst",
    )
    entries = [(e.actor, e.action, e.target, e.why) for e in store.audit.entries()]
    assert ("user:analyst", "review.decide", f"post:{HOSTILE}", "same phone as network N1") in entries
    # Without a reason the queue refuses and nothing is stored.
    empty = {"post_id": "raw/2", "decision": "dismiss", "reason": "  "}
    again = client.post("/review/decide", data=empty, headers={CSRF_HEADER: csrf}, follow_redirects=False)
    assert again.status_code == 400 and store.review.history("raw/2") == []


def test_a_viewer_gets_no_decision_buttons_and_is_refused(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User]
) -> None:
    _fill(store)
    session_id, csrf = session_for("viewer")
    client = cookie_client(app, session_id)
    page = client.get(f"/posts/{HOSTILE}")
    assert page.status_code == 200 and 'class="decide"' not in page.text
    form = {"post_id": HOSTILE, "decision": "dismiss", "reason": "x"}
    assert client.post("/review/decide", data=form, headers={CSRF_HEADER: csrf}).status_code == 403
    assert store.review.history(HOSTILE) == []


def test_hostile_text_is_escaped_and_the_view_audited(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User]
) -> None:
    _fill(store)
    session_id, _ = session_for("viewer")
    page = cookie_client(app, session_id).get(f"/posts/{HOSTILE}")
    assert page.status_code == 200
    assert "<script>window" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page.text
    # The only scripts are the app's own files.
    assert set(re.findall(r"<script[^>]*>", page.text)) <= {
        '<script src="/static/vendor/htmx.min.js" defer>',
        '<script src="/static/app.js" defer>',
    }
    views = [e for e in store.audit.entries() if e.action == "post.view"]
    assert [(e.actor, e.target) for e in views] == [("user:viewer", f"post:{HOSTILE}")]
    assert cookie_client(app, session_id).get("/posts/raw/none").status_code == 404
    assert cookie_client(app, session_id).get("/networks/Nnone").status_code == 404


def test_search_finds_a_phone_written_another_way_and_is_audited(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User]
) -> None:
    run = store.runs.start("test", [], None)
    sink = store.runs.sink(run)
    analyzer = Analyzer(Settings())
    post = Post(id="p/1", source="s", position="line 1", title="SYNTHETIC", body="call 98765 43210", platform="p")
    sink.write(analyzer.analyze_posts([post]))
    store.runs.finish(run, sink.counts, "ok")
    session_id, _ = session_for("viewer")
    client = cookie_client(app, session_id)
    for query in ("+919876543210", "98765-43210"):
        page = client.get("/search", params={"q": query})
        assert page.status_code == 200
        assert re.findall(r'class="hit" data-post-id="([^"]+)"', page.text) == ["p/1"]
    searches = [e for e in store.audit.entries() if e.action == "search"]
    assert [e.target for e in searches] == ["+919876543210", "98765-43210"]


def test_json_for_app_js_cannot_close_its_element() -> None:
    data = {"label": "</script><script>alert(1)</script><!--", "amp": "a&b"}
    block = str(json_block("graph-data", data))
    inner = block.removeprefix('<script type="application/json" id="graph-data">').removesuffix("</script>")
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == data
