"""Review queue and cases through the REST API, with analyst sessions on a real store."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SECRET, SessionFor, cookie_client

from tipwatch.services import accounts, audit
from tipwatch.store.facade import Store
from tipwatch.web.auth import CSRF_HEADER

ADS = [
    ("Fresh young girls", "new girls in town, call 98765 43210, full service, no condom extra"),
    ("Massage", "relaxing massage in Pune, call 91234 56780"),
    ("Room for rent", "quiet room near station, call 99887 76655"),
]


@pytest.fixture
def posts(client: TestClient, store: Store) -> list[str]:
    token, _ = accounts.create_token(store, "s", ["scan"], secret=SECRET.encode(), actor="test")
    ids = []
    for i, (title, body) in enumerate(ADS):
        got = client.post(
            "/api/v1/scan?store=true",
            json={"title": title, "body": body, "platform": "site1", "id": str(i)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert got.json()["stored"], got.text
        ids.append(got.json()["post_id"])
    return ids


def analyst(app: FastAPI, session_for: SessionFor, name: str = "analyst") -> TestClient:
    session_id, csrf = session_for(name)
    c = cookie_client(app, session_id)
    c.headers[CSRF_HEADER] = csrf
    return c


def test_review_next_decide_skip_and_stats(
    app: FastAPI, store: Store, session_for: SessionFor, posts: list[str]
) -> None:
    a = analyst(app, session_for)
    first = a.post("/api/v1/review/next", json={"min_risk": 0.0})
    assert first.status_code == 200, first.text
    item = first.json()["item"]
    assert item["lease"]["reviewer"] == "analyst" and item["post"]["id"] in posts
    # The riskiest post first, and the same one again while it is held.
    assert a.post("/api/v1/review/next").json()["item"]["post"]["id"] == item["post"]["id"]
    # Another reviewer never gets the held post.
    other = analyst(app, session_for, "supervisor").post("/api/v1/review/next").json()["item"]
    assert other["post"]["id"] != item["post"]["id"]
    pid = item["post"]["id"]
    refused = a.post(f"/api/v1/review/{pid}/decision", json={"decision": "escalate", "reason": " "})
    assert refused.status_code == 422 and refused.json()["detail"]["code"] == "missing_reason"
    held = a.post(f"/api/v1/review/{other['post']['id']}/decision", json={"decision": "d", "reason": "x"})
    assert held.status_code == 409
    decided = a.post(f"/api/v1/review/{pid}/decision", json={"decision": "escalate", "reason": "minor indicated"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"] == "escalate" and decided.json()["label"] == 1
    entry = audit.page(store, limit=1)[0]
    assert (entry.actor, entry.action, entry.target) == ("user:analyst", "review.decide", f"post:{pid}")
    assert a.post("/api/v1/review/nope/decision", json={"decision": "d", "reason": "x"}).status_code == 404
    nxt = a.post("/api/v1/review/next").json()["item"]
    assert nxt is not None and nxt["post"]["id"] not in (pid, other["post"]["id"])
    skipped = a.post(f"/api/v1/review/{nxt['post']['id']}/skip")
    assert skipped.status_code == 200 and skipped.json()["item"] is None  # the rest is held or decided
    assert a.post(f"/api/v1/review/{pid}/skip").status_code == 409
    stats = a.get("/api/v1/review/stats").json()
    assert stats["total"] == 3 and stats["decided"] == {"escalate": 1} and stats["undecided"] == 2


def test_case_round_trip(app: FastAPI, store: Store, session_for: SessionFor, posts: list[str]) -> None:
    a = analyst(app, session_for)
    made = a.post("/api/v1/cases", json={"title": "Pune ring", "priority": "high"})
    assert made.status_code == 201, made.text
    case_id = made.json()["id"]
    added = a.post(f"/api/v1/cases/{case_id}/members", json={"post_ids": posts[:2]})
    assert added.status_code == 200 and added.json()["post_ids"] == posts[:2]
    unknown = a.post(f"/api/v1/cases/{case_id}/members", json={"post_ids": ["site1/none"]})
    assert unknown.status_code == 422 and unknown.json()["detail"]["ids"] == ["site1/none"]
    assert a.post(f"/api/v1/cases/{case_id}/notes", json={"text": "called the platform"}).status_code == 201
    changed = a.patch(f"/api/v1/cases/{case_id}", json={"status": "in_progress", "assignee": "analyst", "why": "mine"})
    assert changed.status_code == 200 and changed.json()["status"] == "in_progress"
    removed = a.post(f"/api/v1/cases/{case_id}/members/remove", json={"post_ids": posts[1:2]})
    assert removed.json()["post_ids"] == posts[1:2]
    shown = a.get(f"/api/v1/cases/{case_id}").json()
    assert shown["case"]["assignee"] == "analyst" and shown["case"]["priority"] == "high"
    assert [p["id"] for p in shown["posts"]] == posts[:1]
    assert [n["text"] for n in shown["notes"]] == ["called the platform"]
    assert len(shown["events"]) >= 4
    unassigned = a.patch(f"/api/v1/cases/{case_id}", json={"assignee": None}).json()
    assert unassigned["assignee"] is None and unassigned["status"] == "in_progress"
    page = a.get("/api/v1/cases", params={"status": "in_progress"}).json()
    assert page["total"] == 1 and page["items"][0]["id"] == case_id
    assert a.get("/api/v1/cases/99999").status_code == 404
    assert any(e.action.startswith("case.") and e.actor == "user:analyst" for e in audit.page(store, limit=20))


def test_watchlist_add_list_remove(app: FastAPI, store: Store, session_for: SessionFor, posts: list[str]) -> None:
    a = analyst(app, session_for)
    added = a.post("/api/v1/watches", json={"kind": "phone", "value": "+91 98765-43210", "note": "tip 9"})
    assert added.status_code == 201, added.text
    watch = added.json()
    assert watch["value"] == "+919876543210" and watch["alerts"] == 1
    assert [w["id"] for w in a.get("/api/v1/watches").json()] == [watch["id"]]
    assert a.post("/api/v1/watches", json={"kind": "nonsense", "value": "x"}).status_code == 422
    assert a.post("/api/v1/watches", json={"kind": "keyword", "value": "word " * 120}).status_code == 422  # not a 500
    assert a.delete(f"/api/v1/watches/{watch['id']}").status_code == 204
    assert a.delete(f"/api/v1/watches/{watch['id'] + 100}").status_code == 404
    assert audit.page(store, limit=1)[0].action == "watch.remove"
    viewer = cookie_client(app, session_for("viewer")[0])
    assert viewer.get("/api/v1/watches").status_code == 403


def test_banks_listed_for_analysts_switched_by_supervisors(app: FastAPI, store: Store, session_for: SessionFor) -> None:
    from tipwatch.services import banks

    banks.create_bank(store, "ncmec-test", source="test", licence="test", is_abuse_material=True, created_by="t")
    listed = analyst(app, session_for).get("/api/v1/banks").json()
    assert [(b["name"], b["enabled"], b["is_abuse_material"]) for b in listed] == [("ncmec-test", True, True)]
    assert analyst(app, session_for).post("/api/v1/banks/ncmec-test/disable").status_code == 403
    boss = analyst(app, session_for, "supervisor")
    off = boss.post("/api/v1/banks/ncmec-test/disable", json={"why": "licence review"})
    assert off.status_code == 200 and off.json()["enabled"] is False
    entry = audit.page(store, limit=1)[0]
    assert (entry.action, entry.target, entry.why) == ("bank.disable", "bank:ncmec-test", "licence review")
    assert boss.post("/api/v1/banks/ncmec-test/enable").json()["enabled"] is True
    assert boss.post("/api/v1/banks/none/enable").status_code == 404
