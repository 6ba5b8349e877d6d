"""A network larger than a page: the API and the page show one page of members and links at a time with the right
totals, the pages together give every member and link once, and the graph draws the riskiest posts, saying how many
of how many (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SECRET, SessionFor, cookie_client

from tipwatch.services import accounts
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.services.networks import load_graph
from tipwatch.store.facade import Store

N_POSTS = 130  # more than a page (100) of members and of graph posts
WORDS = ("sweet", "lovely", "room", "hotel", "service", "friendly", "clean", "quiet", "evening", "morning")
RISKY = ("young", "new girls", "college girls", "fresh", "only cash", "no condom")


@pytest.fixture
def network(store: Store, tmp_path: Path) -> str:
    """N_POSTS ads of one phone (written another way in some), with different words and risks, analyzed and linked
    as the CLI does; three unrelated ads beside them. Returns the network id."""
    rng = random.Random(7)
    start = datetime(2025, 3, 1, tzinfo=UTC)
    lines = []
    for i in range(N_POSTS):
        words = " ".join(rng.choice(WORDS) for _ in range(25))
        risky = " ".join(rng.sample(RISKY, k=i % 4))
        phone = "98123 45678" if i % 2 else "+91 9812345678"
        posted = (start + timedelta(hours=7 * ((i * 37) % N_POSTS))).isoformat()
        body = f"{words} {risky} call {phone}"
        lines.append({"id": f"p{i:03d}", "platform": "site7", "title": f"ad {i}", "body": body, "posted_at": posted})
    for i in range(3):
        body = " ".join(rng.choice(WORDS) for _ in range(25)) + f" call 9{i}00112233"
        lines.append({"id": f"x{i}", "platform": "site8", "title": f"other {i}", "body": body})
    corpus = tmp_path / "ads.jsonl"
    corpus.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    req = AnalyzeRequest([corpus], media=False, workers=1, quarantine_path=tmp_path / "q.jsonl")
    done = analyze(store, req, data_dir=tmp_path, link_state_dir=tmp_path / "state")
    assert done.counts.stored == N_POSTS + 3
    big = [n for n in store.links.networks() if n.size == N_POSTS]
    assert len(big) == 1, [n.size for n in store.links.networks()]
    return big[0].id


def reader(store: Store) -> dict[str, str]:
    value, _ = accounts.create_token(store, "t", ["read"], secret=SECRET.encode(), actor="test")
    return {"Authorization": f"Bearer {value}"}


def test_members_and_links_come_a_page_at_a_time_with_the_totals(
    client: TestClient, store: Store, network: str
) -> None:
    headers = reader(store)
    everyone = sorted(store.links.membership([network]))
    first = client.get(f"/api/v1/networks/{network}", headers=headers).json()
    assert len(first["members"]) == 100 and first["members_total"] == N_POSTS
    assert first["members"] == everyone[:100] and first["members_next_offset"] == 100
    rest = client.get(f"/api/v1/networks/{network}", params={"members_offset": 100}, headers=headers).json()
    assert rest["members"] == everyone[100:] and rest["members_next_offset"] is None
    assert rest["members_total"] == N_POSTS

    # Every link of the network once, strongest first, across pages of 37: the same links the whole graph has.
    graph = load_graph(store, network_ids=[network])
    expected = sorted((e.source, e.target, e.kind) for e in graph.edges if e.kind != "member_of")
    assert len(expected) > 100
    seen: list[tuple[str, str, str]] = []
    bits: list[float] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(
            f"/api/v1/networks/{network}", params={"links_offset": offset, "links_limit": 37}, headers=headers
        ).json()
        assert page["links_total"] == len(expected) and len(page["links"]) <= 37
        seen += [(link["source"], link["target"], link["signal"]) for link in page["links"]]
        bits += [link["bits"] for link in page["links"]]
        offset = page["links_next_offset"]
    assert sorted(seen) == expected
    assert bits == sorted(bits, reverse=True)
    assert first["links_total"] == len(expected) and len(first["links"]) == 100


def test_the_graph_draws_the_riskiest_posts_and_says_how_many(client: TestClient, store: Store, network: str) -> None:
    headers = reader(store)
    risk = {p.id: p.risk for p in store.posts.posts(sorted(store.links.membership([network])))}
    net = client.get(f"/api/v1/networks/{network}", params={"graph_posts": 40}, headers=headers).json()
    graph = net["graph"]
    drawn = {n["data"]["id"].removeprefix("post:") for n in graph["nodes"] if n["data"]["kind"] == "post"}
    assert len(drawn) == graph["posts_shown"] == 40 and graph["posts_total"] == N_POSTS and graph["truncated"]
    assert graph["note"] == f"showing 40 of {N_POSTS} posts (highest risk first)"
    assert min(risk[p] for p in drawn) >= max(risk[p] for p in risk.keys() - drawn)
    nodes = {n["data"]["id"] for n in graph["nodes"]}
    assert any(n.startswith("entity:phone:") for n in nodes)
    assert all(e["data"]["source"] in nodes and e["data"]["target"] in nodes for e in graph["edges"])
    # By default a bounded graph; asked for, all of it.
    default = client.get(f"/api/v1/networks/{network}", headers=headers).json()["graph"]
    assert default["posts_shown"] == 100 and default["posts_total"] == N_POSTS
    whole = client.get(f"/api/v1/networks/{network}", params={"graph_posts": 2000}, headers=headers).json()["graph"]
    assert whole["posts_shown"] == N_POSTS and whole["note"].startswith(f"showing all {N_POSTS} posts")


@pytest.mark.parametrize(
    "params", [{"members_limit": 0}, {"links_limit": 1001}, {"graph_posts": 2001}, {"members_offset": -1}]
)
def test_paging_parameters_out_of_range_are_refused(
    client: TestClient, store: Store, network: str, params: dict[str, int]
) -> None:
    got = client.get(f"/api/v1/networks/{network}", params=params, headers=reader(store))
    assert got.status_code == 422, got.text


def test_the_page_shows_a_page_of_members_and_fetches_the_rest(
    app: FastAPI, store: Store, session_for: SessionFor, network: str
) -> None:
    viewer = cookie_client(app, session_for("viewer")[0])
    page = viewer.get(f"/networks/{network}")
    assert page.status_code == 200
    html = page.text
    assert html.count('<tr class="member">') == 100
    assert f"Showing 100 of {N_POSTS} posts (highest risk first)." in html
    assert f'href="/networks/{network}?graph_posts={N_POSTS}"' in html
    more = re.search(r'hx-get="(/networks/[^"]+/members\?offset=100&amp;limit=100)"', html)
    assert more, "no 'more members' button"
    rest = viewer.get(more.group(1).replace("&amp;", "&"))
    assert rest.status_code == 200
    assert rest.text.count('<tr class="member">') == N_POSTS - 100 and "hx-get" not in rest.text
    # Oldest first across both pages, each member once.
    ids = re.findall(r'<tr class="member">.*?href="/posts/([^"]+)"', html + rest.text)
    assert sorted(ids) == sorted(store.links.membership([network]))
    posted = {p.id: p.posted_at for p in store.posts.posts(ids)}
    times = [posted[i] for i in ids]
    assert times == sorted(times)  # type: ignore[type-var]
    smaller = viewer.get(f"/networks/{network}", params={"members_limit": 40}).text
    assert smaller.count('<tr class="member">') == 40 and "offset=40&amp;limit=40" in smaller
    assert viewer.get("/networks/Nnone/members").status_code == 404
