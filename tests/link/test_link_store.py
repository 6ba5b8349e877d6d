"""The link stage through the store: networks, links with evidence, hubs, incremental runs, the two commands."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
import yaml
from link_helpers import Corpus, small_config, store_posts
from typer.testing import CliRunner

from tipwatch.cli.main import app
from tipwatch.link.config import DEFAULT_PATH, LinkConfig
from tipwatch.services.networks import iter_networks, update_networks
from tipwatch.store.db import open_engine
from tipwatch.store.facade import Store, open_store
from tipwatch.store.link_tables import link_entities, links, network_posts, networks


def _corpus(seed: int = 21) -> Corpus:
    c = Corpus(seed)
    c.template_op("t1", 8)
    c.phone_op("p1", 6, platforms=("site-a", "site-b"))
    support = "+18883737888"  # a known helpline (known_contacts.yaml): a hub whatever the corpus shows
    for i in range(7):
        c.add(
            f"h-{i:02d}",
            f"{c.noise(20)}\nhelpline {support}",
            None,
            kind="social_post",
            ids=(("phone", support, support),),
        )
    c.benign("b", 30)
    c.rng.shuffle(c.posts)
    return c


def _cfg() -> LinkConfig:
    return small_config()


def _stored_partition(store: Store) -> set[frozenset[str]]:
    return {frozenset(n.post_ids) for n in iter_networks(store)}


def _truth(c: Corpus) -> set[frozenset[str]]:
    ops: dict[str, set[str]] = {}
    for pid, op in c.truth.items():
        if op:
            ops.setdefault(op, set()).add(pid)
    return {frozenset(v) for v in ops.values()}


def test_networks_links_and_hubs_are_stored(engine: sa.Engine, db_url: str, tmp_path: Path) -> None:
    c = _corpus()
    store_posts(engine, c.posts)
    store = open_store(db_url)
    summary = update_networks(store, state_dir=tmp_path / "state", config=_cfg())
    assert summary.full and summary.posts == len(c.posts)
    assert _stored_partition(store) == _truth(c)
    with engine.connect() as conn:
        hubs = conn.execute(sa.select(link_entities).where(link_entities.c.hub.is_(True))).mappings().all()
        assert [(h["value"], h["n_posts"]) for h in hubs] == [("+18883737888", 7)]
        assert "Human Trafficking Hotline" in hubs[0]["hub_reason"]
        rows = conn.execute(sa.select(links)).mappings().all()
        text = [r for r in rows if r["signal"] == "text"]
        phone = [r for r in rows if r["signal"] == "phone"]
        assert text and all(r["evidence"]["jaccard"] >= 0.5 and r["post_a"] < r["post_b"] for r in text)
        assert {p for p, op in c.truth.items() if op == "p1"} <= {r["post_a"] for r in phone}
        assert all(r["evidence"]["value"].startswith("+9199") and r["post_b"] is None for r in phone)
        prof = {size: p for size, p in conn.execute(sa.select(networks.c.size, networks.c.profile))}
    tmpl = prof[8]
    assert "{phone}" in tmpl["template"]["text"] and "{place}" in tmpl["template"]["text"]
    assert len(tmpl["movement"]) >= 2 and tmpl["signals"]["text"] > 0
    assert prof[6]["platforms"] == {"site-a": 3, "site-b": 3} and prof[6]["signals"] == {"phone": 1}


def test_incremental_updates_match_a_rebuild_and_keep_ids(db_url: str, tmp_path: Path) -> None:
    c = _corpus(22)
    engine = open_engine(db_url)
    store = open_store(db_url)
    cfg = _cfg()
    state = tmp_path / "state"
    half = len(c.posts) // 2
    store_posts(engine, c.posts[:half])
    assert update_networks(store, state_dir=state, config=cfg).full
    first = {n.network_id: set(n.post_ids) for n in iter_networks(store)}
    store_posts(engine, c.posts[half:])
    summary = update_networks(store, state_dir=state, config=cfg)
    assert not summary.full and summary.new_posts == len(c.posts) - half
    incremental = {n.network_id: set(n.post_ids) for n in iter_networks(store)}
    assert {frozenset(v) for v in incremental.values()} == _truth(c)
    # The networks grew and kept their ids (the helpline never made one); two parts that the second half joined
    # (an operator's rotated phones) keep the id of the larger.
    for nid, members in first.items():
        if nid in incremental:
            assert members <= incremental[nid]
        else:
            assert any(members < v and len(members) <= len(v) // 2 + 1 for v in incremental.values())
    assert len(set(first) & set(incremental)) >= 2
    # Nothing new: nothing to do.
    assert update_networks(store, state_dir=state, config=cfg).networks_changed == 0
    # A rebuild from scratch finds the same networks under the same ids.
    rebuilt = update_networks(store, state_dir=state, config=cfg, rebuild=True)
    assert rebuilt.full
    assert {n.network_id: set(n.post_ids) for n in iter_networks(store)} == incremental


def test_a_state_that_does_not_belong_to_the_database_is_rebuilt(sqlite_url: str, tmp_path: Path) -> None:
    c = _corpus(23)
    engine = open_engine(sqlite_url)
    store = open_store(sqlite_url)
    store_posts(engine, c.posts)
    state = tmp_path / "state"
    update_networks(store, state_dir=state, config=_cfg())
    with engine.begin() as conn:
        conn.execute(sa.update(sa.table("link_meta", sa.column("key"), sa.column("value"))).values(value="other"))
    again = update_networks(store, state_dir=state, config=_cfg())
    assert again.full and _stored_partition(store) == _truth(c)


@pytest.fixture
def cli_db(tmp_path: Path) -> str:
    c = _corpus(24)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = open_engine(url)
    store_posts(engine, c.posts)
    with open(tmp_path / "truth.jsonl", "w") as fh:
        for pid, op in c.truth.items():
            fh.write(json.dumps({"id": pid, "network_id": op, "label": "trafficking" if op else "benign"}) + "\n")
    cfg = yaml.safe_load(DEFAULT_PATH.read_text())
    cfg["evidence"]["target_odds"] = 199  # a copy passed with --config
    (tmp_path / "link.yaml").write_text(yaml.safe_dump(cfg))
    return url


def test_networks_command_writes_the_contract(cli_db: str, tmp_path: Path) -> None:
    out = tmp_path / "nets.jsonl"
    res = CliRunner().invoke(
        app, ["networks", "--db", cli_db, "--out", str(out), "--config", str(tmp_path / "link.yaml")]
    )
    assert res.exit_code == 0, res.output
    lines = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert lines and all(set(x) == {"network_id", "post_ids", "score", "reasons"} for x in lines)
    assert [x["score"] for x in lines] == sorted((x["score"] for x in lines), reverse=True)
    assert all(len(x["post_ids"]) >= 2 and isinstance(x["score"], float) and x["reasons"] for x in lines)
    posts_listed = [p for x in lines for p in x["post_ids"]]
    assert len(posts_listed) == len(set(posts_listed))
    assert not any(p.startswith(("b-", "h-")) for p in posts_listed)


def test_evaluate_networks_prints_the_metrics(cli_db: str, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["evaluate-networks", "--db", cli_db, "--truth", str(tmp_path / "truth.jsonl")])
    assert res.exit_code == 0, res.output
    metrics = json.loads(res.stdout.strip().splitlines()[-1])
    for key in ("precision", "recall", "f1", "bcubed_f1", "adjusted_rand_index"):
        assert 0.0 <= metrics[key] <= 1.0
    assert metrics["true_networks"] == 2
    with open_engine(cli_db).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(network_posts)).scalar_one() > 0
