"""The read routes of the REST API on a real store: posts (audited views), networks with their graph, search
(audited; a phone written two ways finds the same posts), alerts and trends."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SECRET, SessionFor, cookie_client

from tipwatch.services import accounts, audit, watches
from tipwatch.services.networks import update_networks
from tipwatch.store.facade import Store

WORDS = ("sweet", "lovely", "room", "hotel", "service", "friendly", "clean", "quiet", "evening", "morning")
PHONE_FORMS = ("98765 43210", "+91 98765-43210", "9876543210", "98765-43210", "+919876543210")


def token(store: Store, *scopes: str) -> dict[str, str]:
    value, _ = accounts.create_token(store, "t", list(scopes), secret=SECRET.encode(), actor="test")
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def corpus(client: TestClient, store: Store, tmp_path: Path) -> list[str]:
    """Five posts of one operator (one phone written five ways, on site1) and twelve unrelated posts (site2),
    stored through the scan route, then linked. Returns the operator's post ids."""
    rng = random.Random(3)
    headers = token(store, "scan")
    watches.add(store, "phone", "+919876543210", note="known operator", by="test")
    for i, form in enumerate(PHONE_FORMS):
        body = " ".join(rng.choice(WORDS) for _ in range(20)) + f" call {form} young girls"
        ad = {"title": f"ad {i}", "body": body, "platform": "site1", "id": f"op{i}", "location": "Delhi"}
        assert client.post("/api/v1/scan?store=true", json=ad, headers=headers).json()["stored"]
    for i in range(12):
        phone = "9" + "".join(rng.choice("0123456789") for _ in range(9))
        body = " ".join(rng.choice(WORDS) for _ in range(20)) + f" call {phone}"
        ad = {"title": f"other {i}", "body": body, "platform": "site2", "id": f"b{i}"}
        assert client.post("/api/v1/scan?store=true", json=ad, headers=headers).json()["stored"]
    update_networks(store, state_dir=tmp_path / "state")
    return [f"site1/op{i}" for i in range(len(PHONE_FORMS))]


def test_post_view_is_audited_with_the_reason(
    app: FastAPI, store: Store, session_for: SessionFor, corpus: list[str]
) -> None:
    viewer = cookie_client(app, session_for("viewer")[0])
    got = viewer.get(f"/api/v1/posts/{corpus[0]}", params={"reason": "tip 42"})
    assert got.status_code == 200, got.text
    post = got.json()
    assert post["id"] == corpus[0] and post["platform"] == "site1"
    phone = next(i for i in post["identifiers"] if i["type"] == "phone")
    assert phone["value"] == "+919876543210" and phone["shared_posts"] == 5
    assert post["text"][phone["start"] : phone["end"]] == "98765 43210"
    assert post["network"]["size"] == 5
    assert any("shares phone" in link["reason"] for link in post["links"])
    entry = audit.page(store, limit=1)[0]
    assert (entry.actor, entry.action, entry.target, entry.why) == (
        "user:viewer",
        "post.view",
        f"post:{corpus[0]}",
        "tip 42",
    )
    assert viewer.get("/api/v1/posts/site1/nope").status_code == 404


def test_a_shared_count_stops_at_the_cap_and_says_so(
    app: FastAPI, store: Store, session_for: SessionFor, corpus: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub value (a platform's support number on millions of ads) is counted only up to the cap: the view says
    "at least", and the page shows "3+"."""
    from tipwatch.store.interface import reports

    viewer = cookie_client(app, session_for("viewer")[0])
    monkeypatch.setattr(reports, "SHARED_COUNT_CAP", 3)
    post = viewer.get(f"/api/v1/posts/{corpus[0]}").json()
    phone = next(i for i in post["identifiers"] if i["type"] == "phone")
    assert (phone["shared_posts"], phone["shared_more"]) == (3, True)
    assert ">3+</td>" in viewer.get(f"/posts/{corpus[0]}").text
    monkeypatch.setattr(reports, "SHARED_COUNT_CAP", 5)  # exactly the cap: the count is exact
    phone = next(i for i in viewer.get(f"/api/v1/posts/{corpus[0]}").json()["identifiers"] if i["type"] == "phone")
    assert (phone["shared_posts"], phone["shared_more"]) == (5, False)


def test_posts_pages_by_risk_and_platform(client: TestClient, store: Store, corpus: list[str]) -> None:
    headers = token(store, "read")
    page = client.get("/api/v1/posts", params={"platform": "site1", "limit": 3}, headers=headers).json()
    assert len(page["items"]) == 3 and {p["id"] for p in page["items"]} <= set(corpus)
    risks = [p["risk"] for p in page["items"]]
    assert risks == sorted(risks, reverse=True)
    rest = client.get("/api/v1/posts", params={"platform": "site1", "limit": 3, "offset": 3}, headers=headers).json()
    assert len(rest["items"]) == 2 and rest["next_offset"] is None
    assert {p["id"] for p in page["items"] + rest["items"]} == set(corpus)


def test_network_detail_has_members_links_profile_and_graph(
    client: TestClient, store: Store, corpus: list[str]
) -> None:
    headers = token(store, "read")
    nets = client.get("/api/v1/networks", headers=headers).json()["items"]
    assert len(nets) == 1 and nets[0]["size"] == 5
    got = client.get(f"/api/v1/networks/{nets[0]['id']}", headers=headers)
    assert got.status_code == 200, got.text
    net = got.json()
    assert net["members"] == sorted(corpus)
    assert "movement" in net["profile"] and "template" in net["profile"]
    assert net["links"] and all(link["reason"] and link["bits"] > 0 for link in net["links"])
    nodes = {n["data"]["id"]: n["data"] for n in net["graph"]["nodes"]}
    assert {f"post:{pid}" for pid in corpus} <= nodes.keys()
    assert any(d["kind"] == "network" for d in nodes.values())
    for edge in net["graph"]["edges"]:
        assert edge["data"]["source"] in nodes and edge["data"]["target"] in nodes and edge["data"]["reason"]
    assert client.get("/api/v1/networks/Nnope", headers=headers).status_code == 404


def test_a_phone_written_two_ways_finds_the_same_posts(client: TestClient, store: Store, corpus: list[str]) -> None:
    headers = token(store, "read")
    found = []
    for q in ("98765 43210", "+91 98765-43210"):
        got = client.get("/api/v1/search", params={"q": q, "reason": "tip 7"}, headers=headers)
        assert got.status_code == 200, got.text
        assert got.json()["by"] == "identifier" and got.json()["identifiers"] == [["phone", "+919876543210"]]
        found.append(sorted(h["post_id"] for h in got.json()["hits"]))
    assert found[0] == found[1] == sorted(corpus)
    entry = audit.page(store, limit=1)[0]
    assert entry.action == "search" and entry.details["query"] == "+91 98765-43210" and entry.why == "tip 7"
    words = client.get("/api/v1/search", params={"q": "young girls", "by": "text"}, headers=headers).json()
    assert {h["post_id"] for h in words["hits"]} == set(corpus)
    assert client.get("/api/v1/search", params={"q": "!!!", "by": "text"}, headers=headers).status_code == 422


def test_alerts_and_trends(client: TestClient, store: Store, corpus: list[str]) -> None:
    headers = token(store, "read")
    alerts = client.get("/api/v1/alerts", headers=headers).json()
    assert {a["post_id"] for a in alerts} == set(corpus)
    assert all(a["value"] == "+919876543210" for a in alerts)
    assert client.get("/api/v1/trends", headers=headers).status_code == 200


def test_reads_need_the_read_scope(client: TestClient, store: Store) -> None:
    headers = token(store, "scan")
    for path in ("/api/v1/posts", "/api/v1/networks", "/api/v1/search?q=x", "/api/v1/alerts", "/api/v1/trends"):
        assert client.get(path, headers=headers).status_code == 403, path
