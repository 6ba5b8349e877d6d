"""The audit page (supervisors: newest first, paged, filtered by actor and action, the chain check naming the first
bad entry) and the watchlists page (viewers see watches and alerts; analysts add a watch written any way and stop
it, audited like the API), over a real store (SQLite, and PostgreSQL when TIPWATCH_TEST_PG_URL is set)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SECRET, SessionFor, cookie_client

from tipwatch.services import accounts, audit
from tipwatch.store.facade import Store


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr class="entry" data-seq="(\d+)">', html)]


def test_the_audit_page_pages_filters_and_verifies(
    app: FastAPI, store: Store, db_url: str, session_for: SessionFor, users: dict[str, accounts.User]
) -> None:
    for i in range(60):
        audit.append(store, f"user:u{i % 2}", "case.open" if i % 3 else "search", f"case:{i}", "<b>why</b>", {"n": i})
    total = store.audit.count()
    session_id, _ = session_for("supervisor")
    sup = cookie_client(app, session_id)
    first = sup.get("/audit")
    assert first.status_code == 200
    assert 'href="/audit"' in first.text  # the nav entry, for supervisors
    seqs = _seqs(first.text)
    assert seqs == list(range(total, total - 50, -1))  # newest first, 50 a page
    assert "&lt;b&gt;why&lt;/b&gt;" in first.text and "<b>why</b>" not in first.text
    older = re.search(r'<a class="older" href="([^"]+)"', first.text)
    assert older is not None
    second = sup.get(older.group(1).replace("&amp;", "&"))
    assert _seqs(second.text) == list(range(total - 50, 0, -1))
    # Filters: exact actor and action.
    only = sup.get("/audit", params={"actor": "user:u1", "action": "search"})
    expected = [e.seq for e in audit.entries(store) if e.actor == "user:u1" and e.action == "search"]
    assert _seqs(only.text) == sorted(expected, reverse=True) and expected
    assert "Chain" not in only.text  # verified only on request
    intact = sup.get("/audit", params={"verify": "true"})
    assert f"Chain intact: {total} entries checked." in intact.text
    # An edited entry is named.
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(sa.text("DROP TRIGGER audit_log_append_only ON audit_log"))
        conn.execute(sa.text("UPDATE audit_log SET why = 'nothing to see' WHERE seq = 7"))
    engine.dispose()
    broken = sup.get("/audit", params={"verify": "true"})
    assert "Chain BROKEN at entry 7: edited" in broken.text
    # Analysts and viewers: no nav entry, and 403.
    for role in ("analyst", "viewer"):
        other = cookie_client(app, session_for(role)[0])
        assert 'href="/audit"' not in other.get("/").text
        assert other.get("/audit").status_code == 403


def _stored_post(client: TestClient, store: Store) -> str:
    token, _ = accounts.create_token(store, "s", ["scan"], secret=SECRET.encode(), actor="test")
    got = client.post(
        "/api/v1/scan?store=true",
        json={"title": "Spa", "body": "young staff, whatsapp +91 98765-43210", "platform": "site1", "id": "9"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert got.json()["stored"], got.text
    return str(got.json()["post_id"])


def test_watchlists_page_add_alert_and_stop(
    app: FastAPI, client: TestClient, store: Store, session_for: SessionFor, users: dict[str, accounts.User]
) -> None:
    pid = _stored_post(client, store)
    session_id, csrf = session_for("analyst")
    analyst = cookie_client(app, session_id)
    page = analyst.get("/watchlists")
    assert page.status_code == 200 and 'action="/watchlists"' in page.text and "No alerts." in page.text
    form = {"kind": "phone", "value": "98765 43210", "note": "<b>tip 9</b>", "csrf_token": csrf}
    refused = analyst.post("/watchlists", data={k: v for k, v in form.items() if k != "csrf_token"})
    assert refused.status_code == 403 and store.watches.all() == []
    added = analyst.post("/watchlists", data=form)
    assert added.status_code == 200, added.text
    [watch] = store.watches.all()
    assert (watch["kind"], watch["value"], watch["created_by"]) == ("phone", "+919876543210", "analyst")
    assert "1 alert(s) for stored posts" in added.text
    # The alert links to the post's page; the note is escaped.
    assert f'<tr class="alert-row" data-post-id="{pid}">' in added.text
    assert f'href="/posts/{pid}"' in added.text and "&lt;b&gt;tip 9&lt;/b&gt;" in added.text
    entry = audit.page(store, limit=1)[0]
    assert (entry.actor, entry.action, entry.target, entry.why) == (
        "user:analyst",
        "watch.add",
        f"watch:{watch['id']}",
        "<b>tip 9</b>",
    )
    bad = analyst.post("/watchlists", data={**form, "kind": "nonsense"})
    assert bad.status_code == 422 and "unknown watch kind" in bad.text
    too_long = analyst.post("/watchlists", data={**form, "kind": "keyword", "value": "word " * 120})
    assert too_long.status_code == 422 and "too long" in too_long.text  # refused, not a database error
    assert analyst.post("/watchlists", data={**form, "kind": "keyword", "value": "  "}).status_code == 422
    assert len(store.watches.all()) == 1
    # A viewer sees watches and alerts but no form, and cannot add or stop.
    vid, vcsrf = session_for("viewer")
    viewer = cookie_client(app, vid)
    seen = viewer.get("/watchlists")
    assert seen.status_code == 200 and "+919876543210" in seen.text and 'action="/watchlists"' not in seen.text
    assert 'class="stop"' not in seen.text
    assert viewer.post("/watchlists", data={**form, "csrf_token": vcsrf}).status_code == 403
    assert viewer.post(f"/watchlists/{watch['id']}/stop", data={"csrf_token": vcsrf}).status_code == 403
    # Stop: the watch stays listed as stopped, its alert stays, and it is audited.
    stopped = analyst.post(f"/watchlists/{watch['id']}/stop", data={"csrf_token": csrf}, follow_redirects=False)
    assert stopped.status_code == 303 and stopped.headers["location"] == "/watchlists"
    assert store.watches.all()[0]["active"] is False
    after = analyst.get("/watchlists").text
    assert "stopped" in after and f'data-post-id="{pid}"' in after
    assert audit.page(store, limit=1)[0].action == "watch.remove"
    assert analyst.post("/watchlists/999/stop", data={"csrf_token": csrf}).status_code == 404
