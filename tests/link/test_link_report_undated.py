"""A network whose posts have no dates renders (issue 8 item 8): missing values show as missing."""

from __future__ import annotations

from pathlib import Path

from link_helpers import Corpus, small_config

from tipwatch.link.api import iter_networks, update_networks
from tipwatch.model import Assessment, Identifier, Post, PostResult
from tipwatch.report.writer import write_report
from tipwatch.store.db import open_engine
from tipwatch.store.writer import PostWriter, finish_run, start_run


def test_a_network_of_undated_posts_renders_with_missing_values_shown(tmp_path: Path) -> None:
    c = Corpus(7)
    c.phone_op("p1", 4)
    c.benign("b", 6)
    engine = open_engine(f"sqlite:///{tmp_path / 'r.db'}")
    results = [
        PostResult(
            Post(id=p.id, source="undated.jsonl", position=f"line {i}", kind=p.kind, body=p.text, raw="{}"),
            [Identifier(t, v, s, e) for t, v, s, e in p.identifiers],
            [],
            Assessment(0.5),
        )
        for i, p in enumerate(c.posts, start=1)
    ]
    run = start_run(engine, "test", ["undated.jsonl"], None)
    writer = PostWriter(engine, run)
    writer.write(results)
    finish_run(engine, run, writer.counts, "ok")
    update_networks(engine, state_dir=tmp_path / "state", config=small_config())
    nets = list(iter_networks(engine))
    assert nets, "the phone operator's posts form a network"
    html = write_report(engine, tmp_path / "report").read_text(encoding="utf-8")
    assert f'id="network-{nets[0].network_id}"' in html
    assert "No dated posts." in html and "— … —" in html
