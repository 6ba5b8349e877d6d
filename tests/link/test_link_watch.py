"""Watchlists and alerts: new posts matching a watched value raise one alert each, with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from link_helpers import Corpus, small_config, store_posts
from typer.testing import CliRunner

from tipwatch.cli.main import app
from tipwatch.link.batch import PostInput
from tipwatch.link.watch import Matcher, Watch, normalize
from tipwatch.services.networks import iter_networks, update_networks
from tipwatch.services.watches import add as add_watch
from tipwatch.services.watches import alerts as list_alerts
from tipwatch.services.watches import backfill
from tipwatch.store.db import open_engine
from tipwatch.store.facade import open_store


def test_values_are_normalized_like_the_extractor() -> None:
    assert normalize("phone", "98450-12345") == normalize("phone", "+91 98450 12345") == "+919845012345"
    assert normalize("email", "Foo.Bar@Gmail.com") == "foo.bar@gmail.com"
    assert normalize("keyword", "  New   IN Town ") == "new in town"
    assert normalize("image", "SHA256:" + "AB" * 32) == "ab" * 32
    with pytest.raises(ValueError):
        normalize("image", "photo.jpg")
    with pytest.raises(ValueError):
        normalize("colour", "red")


def test_matcher_finds_identifiers_keywords_and_pictures() -> None:
    pdq = "0f" * 32
    near = "0e" + "0f" * 31  # one bit away
    m = Matcher.build(
        [Watch(1, "phone", "+919845012345"), Watch(2, "keyword", "fresh"), Watch(3, "image", pdq), Watch(4, "url", "x")]
    )
    posts = [
        PostInput("a", "call now", identifiers=[("phone", "+919845012345", 5, 8)]),
        PostInput("b", "Fresh girls, refreshments served"),
        PostInput("c", "refreshments only"),
        PostInput("d", "photo", pdq=[near]),
        PostInput("e", "photo", images=["AB" * 32]),
    ]
    hits = {(h.watch_id, h.post_id): h.reason for h in m.match_posts(posts)}
    assert set(hits) == {(1, "a"), (2, "b"), (3, "d")}
    assert hits[(2, "b")] == "keyword 'fresh'" and "distance 1" in hits[(3, "d")]


def test_new_posts_raise_alerts_once_through_the_link_stage(db_url: str, tmp_path: Path) -> None:
    c = Corpus(51)
    c.phone_op("p1", 6)
    c.benign("b", 10)
    phone = c.posts[0].identifiers[0][1]
    engine = open_engine(db_url)
    store = open_store(db_url)
    state, cfg = tmp_path / "state", small_config()
    store_posts(engine, c.posts[:8])
    update_networks(store, state_dir=state, config=cfg)
    watch = add_watch(store, "phone", phone[3:], note="case 12")  # written without the country code
    net = next(iter_networks(store)).network_id
    net_watch = add_watch(store, "network", net)
    assert list_alerts(store) == []  # watches look at new posts ...
    assert backfill(store, watch) == len([p for p in c.posts[:8] if p.id.startswith("p1")])  # ... or on request
    store_posts(engine, c.posts[8:])
    summary = update_networks(store, state_dir=state, config=cfg)
    rows = list_alerts(store, unseen_only=False)
    p1 = {p.id for p in c.posts if p.id.startswith("p1")}
    assert {r["post_id"] for r in rows if r["watch_id"] == watch.id} == p1
    later = {p.id for p in c.posts[8:] if p.id.startswith("p1")}
    assert {r["post_id"] for r in rows if r["watch_id"] == net_watch.id} == later
    assert summary.alerts == 2 * len(later)
    assert all(r["reason"] == f"phone {phone}" for r in rows if r["watch_id"] == watch.id)
    # Nothing new: no new alert; listing with --mark-seen empties the unseen list.
    assert update_networks(store, state_dir=state, config=cfg).alerts == 0
    assert len(list_alerts(store, mark_seen=True)) == len(rows)
    assert list_alerts(store) == []


def test_watch_and_alerts_commands(tmp_path: Path) -> None:
    c = Corpus(52)
    c.phone_op("p1", 3)
    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = open_engine(url)
    store_posts(engine, c.posts)
    phone = c.posts[0].identifiers[0][1]
    runner = CliRunner()
    res = runner.invoke(app, ["watch", "add", "phone", phone, "--db", url, "--backfill", "--note", "tip from hotline"])
    assert res.exit_code == 0, res.output
    wid = json.loads(res.stdout.strip().splitlines()[-1])["id"]
    res = runner.invoke(app, ["alerts", "--db", url])
    lines = [json.loads(x) for x in res.stdout.strip().splitlines() if x.startswith("{")]
    assert {x["post_id"] for x in lines} == {p.id for p in c.posts} and all(x["watch_id"] == wid for x in lines)
    assert runner.invoke(app, ["watch", "add", "colour", "red", "--db", url]).exit_code == 2
    assert runner.invoke(app, ["watch", "remove", str(wid), "--db", url]).exit_code == 0
    assert runner.invoke(app, ["watch", "remove", "999", "--db", url]).exit_code == 1
