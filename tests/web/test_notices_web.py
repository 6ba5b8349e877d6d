"""Notices through the REST API and the /notices page (issue 11 parts 4-5): analysts draft, supervisors approve
(never their own draft) and send, the re-check marks removal; the page lists notices with an approve button for
supervisors, behind the CSRF token. Local servers only (127.0.0.1)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SECRET, SessionFor, cookie_client

from tipwatch.config import Config
from tipwatch.store.facade import Store
from tipwatch.web.app import create_app
from tipwatch.web.auth import CSRF_HEADER

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notices"))
from notice_helpers import AD, Site, registry_file, serve_site, store_network, store_posts


@pytest.fixture
def site() -> Iterator[Site]:
    with serve_site() as s:
        yield s


@pytest.fixture
def app(db_url: str, tmp_path: Path, site: Site) -> FastAPI:
    notices = {
        "notifier_name": "Unit",
        "notifier_email": "unit@example.org",
        "registry": str(registry_file(tmp_path / "platforms.yaml", webhook=site.url("/hook"))),
        "allow_private_addresses": True,
        "recheck_timeout": 5,
    }
    config = Config(database_url=db_url, data_dir=tmp_path / "data", secret_key=SECRET, notices=notices)  # type: ignore[arg-type]
    return create_app(config)


def _as(app: FastAPI, session_for: SessionFor, name: str) -> TestClient:
    session_id, csrf = session_for(name)
    c = cookie_client(app, session_id)
    c.headers[CSRF_HEADER] = csrf
    return c


def test_draft_approve_send_recheck_through_the_api(
    app: FastAPI, client: TestClient, store: Store, session_for: SessionFor, site: Site
) -> None:
    site.pages["/ad/2"] = (200, AD)
    store_posts(store, [("s/2", f"http://localhost:{site.port}/ad/2")])
    analyst, supervisor = _as(app, session_for, "analyst"), _as(app, session_for, "supervisor")
    made = analyst.post("/api/v1/notices", json={"post_id": "s/2"})
    assert made.status_code == 201, made.text
    (n,) = made.json()["notices"]
    assert (n["state"], n["drafted_by"], n["platform"]) == ("draft", "analyst", "hooksite")
    nid = n["id"]
    assert analyst.post(f"/api/v1/notices/{nid}/approve", json={}).status_code == 403  # role rule
    assert supervisor.post(f"/api/v1/notices/{nid}/send").json()["detail"]["code"] == "conflict"
    ok = supervisor.post(f"/api/v1/notices/{nid}/approve", json={"why": "checked the ad"})
    assert ok.status_code == 200 and ok.json()["approved_by"] == "supervisor"
    entries = [(e.actor, e.action, e.target, e.why) for e in store.audit.entries()]
    assert ("user:analyst", "notice.draft", f"notice:{nid}", "") in entries
    assert ("user:supervisor", "notice.approved", f"notice:{nid}", "checked the ad") in entries
    sent = supervisor.post(f"/api/v1/notices/{nid}/send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["state"] == "sent" and sent.json()["sent_at"]
    assert [p for p, _ in site.received] == ["/hook"]
    assert supervisor.post("/api/v1/notices/recheck").json()["removed"] == []
    site.pages.pop("/ad/2")
    checked = supervisor.post("/api/v1/notices/recheck").json()
    assert checked["removed"] == [nid]
    got = analyst.get(f"/api/v1/notices/{nid}").json()
    assert got["state"] == "removed" and got["hours_to_removal"] is not None
    assert [x["id"] for x in analyst.get("/api/v1/notices?state=removed").json()] == [nid]
    assert analyst.get("/api/v1/notices/999").status_code == 404


def test_a_supervisor_cannot_approve_their_own_draft(
    app: FastAPI, client: TestClient, store: Store, session_for: SessionFor, site: Site
) -> None:
    store_posts(store, [("s/1", site.url("/ad/1"))])
    supervisor = _as(app, session_for, "supervisor")
    (n,) = supervisor.post("/api/v1/notices", json={"post_id": "s/1"}).json()["notices"]
    own = supervisor.post(f"/api/v1/notices/{n['id']}/approve", json={})
    assert own.status_code == 403 and own.json()["detail"]["code"] == "forbidden"
    assert _as(app, session_for, "admin").post(f"/api/v1/notices/{n['id']}/approve", json={}).status_code == 200


def test_the_page_lists_notices_and_approves_with_the_csrf_token(
    app: FastAPI, client: TestClient, store: Store, session_for: SessionFor, site: Site
) -> None:
    store_posts(store, [("s/1", site.url("/ad/1?<b>x</b>"))])
    (n,) = _as(app, session_for, "analyst").post("/api/v1/notices", json={"post_id": "s/1"}).json()["notices"]
    session_id, csrf = session_for("analyst")
    page = cookie_client(app, session_id).get("/notices")
    assert page.status_code == 200 and f'data-notice-id="{n["id"]}"' in page.text
    assert "<b>x</b>" not in page.text and "&lt;b&gt;x&lt;/b&gt;" in page.text  # the URL is escaped
    assert "/approve" not in page.text  # no approve button for an analyst
    assert "<script>" not in page.text and "style=" not in page.text
    session_id, csrf = session_for("supervisor")
    sup = cookie_client(app, session_id)
    assert f'action="/notices/{n["id"]}/approve"' in sup.get("/notices").text
    refused = sup.post(f"/notices/{n['id']}/approve", follow_redirects=False)
    assert refused.status_code == 403 and store.notices.get(n["id"]).state == "draft"  # type: ignore[union-attr]
    done = sup.post(f"/notices/{n['id']}/approve", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/notices"
    assert store.notices.get(n["id"]).approved_by == "supervisor"  # type: ignore[union-attr]
    analyst_id, analyst_csrf = session_for("analyst")
    no = cookie_client(app, analyst_id).post(
        f"/notices/{n['id']}/approve", data={"csrf_token": analyst_csrf}, follow_redirects=False
    )
    assert no.status_code == 403


def test_the_whole_notice_loop_from_the_pages(
    app: FastAPI, client: TestClient, store: Store, session_for: SessionFor, site: Site
) -> None:
    """Draft from the post page and the network page, approve (the drafter is refused), send, record the platform's
    answer, re-check now: each a form with the CSRF token, each state on the page."""
    site.pages["/ad/2"] = (200, AD)
    hook_ad = f"http://localhost:{site.port}/ad/2"
    store_posts(store, [("s/1", site.url("/ad/1")), ("s/2", hook_ad), ("s/3", site.url("/ad/3")), ("s/4", None)])
    store_network(store, "N1", ["s/2", "s/3", "s/4"])
    sid, a_csrf = session_for("analyst")
    analyst = cookie_client(app, sid)
    post_page = analyst.get("/posts/s/1").text
    assert 'action="/notices/draft"' in post_page and "Draft notice" in post_page
    drafted = analyst.post("/notices/draft", data={"csrf_token": a_csrf, "post_id": "s/1"})
    assert drafted.status_code == 201 and "Drafted #1 to Ad Site" in drafted.text
    again = analyst.post("/notices/draft", data={"csrf_token": a_csrf, "post_id": "s/1"})
    assert again.status_code == 422 and "already in open notice 1" in again.text  # a repeat drafts nothing

    network_page = analyst.get("/networks/N1").text  # which hosting platforms, before drafting
    for host in ("Ad Site</span>: 1 ad(s)", "Hook Site</span>: 1 ad(s)", "no URL</span>: 1 ad(s)"):
        assert host in network_page
    by_network = analyst.post("/notices/draft", data={"csrf_token": a_csrf, "network_id": "N1"})
    assert by_network.status_code == 201
    made = {n.platform: n.id for n in store.notices.find(limit=10) if n.origin == "network:N1"}
    assert sorted(made.values()) == [2, 3]
    for platform, name in (("adsite", "Ad Site"), ("hooksite", "Hook Site")):
        assert f"#{made[platform]} to {name}" in by_network.text
    assert "Skipped s/4: no URL stored" in by_network.text
    hook = made["hooksite"]
    assert "/approve" not in analyst.get("/notices").text  # an analyst approves nothing

    # A supervisor who drafted a notice is not offered its approval, and is refused when posting anyway.
    sup_id, s_csrf = session_for("supervisor")
    sup = cookie_client(app, sup_id)
    own = sup.post("/notices/draft", data={"csrf_token": s_csrf, "post_id": "s/3"})
    assert own.status_code == 422  # s/3 is in notice 2 already
    store_posts(store, [("s/5", site.url("/ad/5"))])
    mine = sup.post("/notices/draft", data={"csrf_token": s_csrf, "post_id": "s/5"})
    assert "Drafted #4 to Ad Site" in mine.text
    page = sup.get("/notices").text
    assert 'action="/notices/4/approve"' not in page and "you drafted it" in page
    refused = sup.post("/notices/4/approve", data={"csrf_token": s_csrf})
    assert refused.status_code == 403 and "another person must approve it" in refused.text
    assert store.notices.get(4).state == "draft"  # type: ignore[union-attr]

    ok = sup.post(f"/notices/{hook}/approve", data={"csrf_token": s_csrf}, follow_redirects=False)
    assert ok.status_code == 303
    assert f'action="/notices/{hook}/send"' in sup.get("/notices").text
    assert analyst.post(f"/notices/{hook}/send", data={"csrf_token": a_csrf}, follow_redirects=False).status_code == 403
    sent = sup.post(f"/notices/{hook}/send", data={"csrf_token": s_csrf}, follow_redirects=False)
    assert sent.status_code == 303 and store.notices.get(hook).state == "sent"  # type: ignore[union-attr]
    assert [p for p, _ in site.received] == ["/hook"]  # the webhook got it

    # The platform's answer, recorded by an analyst; "sent" by hand is a supervisor's.
    no = analyst.post(f"/notices/{hook}/mark", data={"csrf_token": a_csrf, "state": "sent"})
    assert no.status_code == 403
    ack = analyst.post(f"/notices/{hook}/mark", data={"csrf_token": a_csrf, "state": "acknowledged", "why": "ticket 7"})
    assert ack.status_code == 200 and store.notices.get(hook).state == "acknowledged"  # type: ignore[union-attr]
    wrong = analyst.post("/notices/1/mark", data={"csrf_token": a_csrf, "state": "removed"})
    assert wrong.status_code == 409  # a draft was never sent: it cannot be removed

    site.pages.pop("/ad/2")
    rechecked = sup.post("/notices/recheck", data={"csrf_token": s_csrf})
    assert rechecked.status_code == 200 and "1 notice(s) removed" in rechecked.text
    row = rechecked.text.split(f'data-notice-id="{hook}"')[1].split("</tr>")[0]
    assert '<span class="notice-state">removed</span>' in row and "HTTP 404" in row
    hours = row.split('<td class="hours">')[1].split("</td>")[0]
    assert float(hours) >= 0
    assert analyst.post("/notices/recheck", data={"csrf_token": a_csrf}).status_code == 403
