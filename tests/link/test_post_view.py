"""services.posts.post_view: what a post page shows, read back on both backends."""

from __future__ import annotations

from pathlib import Path

from link_helpers import Corpus, small_config, store_posts

from tipwatch.services.networks import update_networks
from tipwatch.services.posts import post_view
from tipwatch.store.db import open_engine
from tipwatch.store.facade import open_store


def _build(db_url: str, tmp_path: Path) -> Corpus:
    c = Corpus(7)
    c.phone_op("p1", 5, platforms=("site-a", "site-b"))
    c.template_op("t1", 6, phones=3)
    c.benign("b", 8)
    engine = open_engine(db_url)
    store_posts(engine, c.posts)
    engine.dispose()
    update_networks(open_store(db_url), state_dir=tmp_path / "state", config=small_config())
    return c


def test_post_view_has_network_and_reasoned_links(db_url: str, tmp_path: Path) -> None:
    c = _build(db_url, tmp_path)
    store = open_store(db_url)
    members = [pid for pid, op in c.truth.items() if op == "p1"]
    view = post_view(store, members[0])
    assert view is not None
    assert view.network is not None and view.network.size == 5
    phone_links = [v for v in view.links if v.signal == "phone"]
    assert len(phone_links) == 1
    link = phone_links[0]
    assert link.value.startswith("+91") and link.total_posts == 5 and link.bits > 0
    assert sorted(link.others) == sorted(members[1:])
    assert "shares phone" in link.reason and "4 other post(s)" in link.reason
    # Strongest evidence first.
    assert [v.bits for v in view.links] == sorted((v.bits for v in view.links), reverse=True)


def test_post_view_template_operator_links_across_phones(db_url: str, tmp_path: Path) -> None:
    c = _build(db_url, tmp_path)
    store = open_store(db_url)
    members = sorted(pid for pid, op in c.truth.items() if op == "t1")
    view = post_view(store, members[0])
    assert view is not None and view.network is not None
    linked = {o for v in view.links for o in v.others}
    assert linked and linked <= set(members)
    assert all(v.reason for v in view.links)


def test_post_view_of_benign_and_unknown_posts(db_url: str, tmp_path: Path) -> None:
    c = _build(db_url, tmp_path)
    store = open_store(db_url)
    benign = next(pid for pid, op in c.truth.items() if not op)
    view = post_view(store, benign)
    assert view is not None and view.network is None and view.links == []
    assert view.post.id == benign and view.media == [] and not view.restricted
    assert post_view(store, "no/such-post") is None
