"""The report gains a networks section: ranked networks with graph, timeline, movement, template, members."""

from __future__ import annotations

from pathlib import Path

from link_helpers import Corpus, small_config, store_posts

from tipwatch.services.networks import iter_networks, update_networks
from tipwatch.services.report import write_report
from tipwatch.store.db import open_engine
from tipwatch.store.facade import open_store


def test_report_shows_ranked_networks_with_their_evidence(tmp_path: Path) -> None:
    c = Corpus(41)
    c.template_op("t1", 6)
    c.phone_op("p1", 4)
    phone = "+919911112222"
    hostile = f"<script>alert(1)</script> {c.noise(10)} call {phone}"
    c.add("x-1", hostile, "x", ids=(("phone", phone, phone),))
    c.add("x-2", hostile.replace("alert", "prompt"), "x", ids=(("phone", phone, phone),))
    c.benign("b", 10)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = open_engine(url)
    store_posts(engine, c.posts)
    with open_store(url, migrate=False) as store:
        update_networks(store, state_dir=tmp_path / "state", config=small_config())
        nets = list(iter_networks(store))
        html = write_report(store, tmp_path / "report").read_text()
    assert 'id="networks"' in html and f"{len(nets)} networks" in html
    positions = [html.index(f'id="network-{n.network_id}"') for n in nets]
    assert positions == sorted(positions)  # best first
    assert "Shared template" in html and "{place}" in html and "{phone}" in html
    assert html.count("<svg") >= 2 * len(nets)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "x-1" in html and "Member posts" in html
