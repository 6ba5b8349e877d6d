"""A network whose posts have no dates renders (issue 8 item 8): missing values show as missing."""

from __future__ import annotations

from pathlib import Path

from link_helpers import Corpus, small_config

from tipwatch.model import Assessment, Identifier, Post, PostResult
from tipwatch.services.networks import iter_networks, update_networks
from tipwatch.services.report import write_report
from tipwatch.store.facade import open_store


def test_a_network_of_undated_posts_renders_with_missing_values_shown(tmp_path: Path) -> None:
    c = Corpus(7)
    c.phone_op("p1", 4)
    c.benign("b", 6)
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    results = [
        PostResult(
            Post(id=p.id, source="undated.jsonl", position=f"line {i}", kind=p.kind, body=p.text, raw="{}"),
            [Identifier(t, v, s, e) for t, v, s, e in p.identifiers],
            [],
            Assessment(0.5),
        )
        for i, p in enumerate(c.posts, start=1)
    ]
    run = store.runs.start("test", ["undated.jsonl"], None)
    sink = store.runs.sink(run)
    sink.write(results)
    store.runs.finish(run, sink.counts, "ok")
    update_networks(store, state_dir=tmp_path / "state", config=small_config())
    nets = list(iter_networks(store))
    assert nets, "the phone operator's posts form a network"
    html = write_report(store, tmp_path / "report").read_text(encoding="utf-8")
    assert f'id="network-{nets[0].network_id}"' in html
    assert "No dated posts." in html and "— … —" in html
