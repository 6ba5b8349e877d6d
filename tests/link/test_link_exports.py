"""Exports load back with their own libraries: networkx (GraphML, GEXF), stix2, followthemoney; CSV is plain."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import pytest
from link_helpers import Corpus, small_config, store_posts
from typer.testing import CliRunner

from tipwatch.cli.common import UsageFailure
from tipwatch.cli.main import app
from tipwatch.services import audit
from tipwatch.services.networks import export, load_graph, update_networks
from tipwatch.store.db import open_engine
from tipwatch.store.facade import open_store


@pytest.fixture
def store(tmp_path: Path) -> tuple[str, Corpus]:
    c = Corpus(31)
    c.phone_op("p1", 5, platforms=("site-a", "site-b"))
    email, wallet = "op.mail@example.test", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
    for i in range(4):
        ids = (("email", email, email), ("wallet", wallet, wallet), ("handle", "telegram:op_two", "@op_two"))
        c.add(f"e-{i}", f"{c.noise()} mail {email} pay {wallet} tg @op_two ={i}", "e1", ids=ids, images=("ab" * 32,))
    c.benign("b", 10)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = open_engine(url)
    store_posts(engine, c.posts)
    update_networks(open_store(url), state_dir=tmp_path / "state", config=small_config())
    return url, c


def test_graph_holds_networks_posts_entities_and_evidence(store: tuple[str, Corpus]) -> None:
    url, c = store
    g = load_graph(open_store(url))
    nets = g.of_kind("network")
    assert len(nets) == 2 and {n.attrs["size"] for n in nets} == {5, 4}
    assert {n.attrs["post_id"] for n in g.of_kind("post")} == {p for p, op in c.truth.items() if op}
    assert {n.kind for n in g.nodes.values()} >= {"phone", "email", "wallet", "handle", "image_sha256"}
    phone_edges = [e for e in g.edges if e.kind == "phone"]
    assert len(phone_edges) == 5 and all(json.loads(e.evidence)["value"].startswith("+9199") for e in phone_edges)


def test_graphml_and_gexf_load_back_in_networkx(store: tuple[str, Corpus], tmp_path: Path) -> None:
    url, _ = store
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        path = tmp_path / f"n.{fmt}"
        g = export(open_store(url), fmt, path)
        back = reader(path)
        assert back.number_of_nodes() == len(g.nodes)
        assert back.number_of_edges() == len(g.edges)
        types = {d.get("type") for _, d in back.nodes(data=True)}
        assert {"network", "post", "phone"} <= types


def test_csv_tables_for_i2_and_maltego(store: tuple[str, Corpus], tmp_path: Path) -> None:
    url, _ = store
    g = export(open_store(url), "csv", tmp_path / "csv")
    with open(tmp_path / "csv" / "entities.csv", newline="") as fh:
        ents = list(csv.DictReader(fh))
    with open(tmp_path / "csv" / "links.csv", newline="") as fh:
        lnks = list(csv.DictReader(fh))
    assert len(ents) == len(g.nodes) and len(lnks) == len(g.edges)
    ids = {e["id"] for e in ents}
    assert all(x["source"] in ids and x["target"] in ids for x in lnks)
    # A post title starting with "=" must not become a spreadsheet formula.
    assert not any(e["label"].startswith("=") for e in ents)


def test_followthemoney_entities_validate(store: tuple[str, Corpus], tmp_path: Path) -> None:
    from followthemoney import model

    url, _ = store
    path = tmp_path / "ftm.jsonl"
    export(open_store(url), "ftm", path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    schemata = {r["schema"] for r in rows}
    assert schemata == {"LegalEntity", "Document", "UnknownLink"}
    for row in rows:
        proxy = model.get_proxy(row, cleaned=False)
        assert proxy.schema.validate(row) is None, row
    legal = [model.get_proxy(r) for r in rows if r["schema"] == "LegalEntity"]
    assert any("op.mail@example.test" in e.get("email") for e in legal)
    ids = {r["id"] for r in rows}
    links = [r for r in rows if r["schema"] == "UnknownLink"]
    assert all(r["properties"]["subject"][0] in ids and r["properties"]["object"][0] in ids for r in links)


def test_stix_bundle_parses(store: tuple[str, Corpus], tmp_path: Path) -> None:
    import stix2

    url, _ = store
    path = tmp_path / "bundle.json"
    export(open_store(url), "stix", path, created=datetime(2026, 1, 1, tzinfo=UTC))
    bundle = stix2.parse(path.read_text(), allow_custom=True)
    types = {o["type"] for o in bundle.objects}
    assert {"identity", "extension-definition", "grouping", "email-addr", "file", "user-account"} <= types
    assert {"x-tipwatch-phone-number", "x-tipwatch-crypto-wallet"} <= types
    groupings = [o for o in bundle.objects if o["type"] == "grouping"]
    by_id = {o["id"]: o for o in bundle.objects}
    assert len(groupings) == 2 and all(all(r in by_id for r in grp.object_refs) for grp in groupings)
    phones = [o for o in bundle.objects if o["type"] == "x-tipwatch-phone-number"]
    assert len(phones) == 1 and phones[0]["value"].startswith("+9199")


def test_export_command(store: tuple[str, Corpus], tmp_path: Path) -> None:
    url, _ = store
    out = tmp_path / "cli.graphml"
    res = CliRunner().invoke(app, ["networks-export", "--db", url, "--format", "graphml", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert nx.read_graphml(out).number_of_nodes() > 0
    res = CliRunner().invoke(app, ["networks-export", "--db", url, "--format", "xml", "--out", str(out)])
    assert res.exit_code == 2


def test_export_command_levels(store: tuple[str, Corpus], tmp_path: Path) -> None:
    """Redacted by default (no plain e-mail or wallet), full only with a purpose, each audited with its level."""
    url, _ = store
    out = tmp_path / "x.csv"
    base = ["networks-export", "--db", url, "--format", "csv", "--out", str(out), "--by", "ann"]
    res = CliRunner().invoke(app, base)
    assert res.exit_code == 0, res.output
    text = "".join(p.read_text() for p in out.iterdir())
    assert "op.mail@example.test" not in text and "1BoatSLRHtKNngkdXEeobR76b53LETtpyT" not in text
    assert "o***@e***.test" in text
    refused = CliRunner().invoke(app, [*base, "--level", "full"])  # main() turns UsageFailure into exit 2
    assert isinstance(refused.exception, UsageFailure) and "needs a purpose" in str(refused.exception)
    res = CliRunner().invoke(app, [*base, "--level", "full", "--purpose", "referral 12"])
    assert res.exit_code == 0, res.output
    assert "op.mail@example.test" in "".join(p.read_text() for p in out.iterdir())
    no_key = CliRunner().invoke(app, [*base, "--level", "selectors", "--group", "nobody"])
    assert isinstance(no_key.exception, UsageFailure) and "has no key" in str(no_key.exception)
    with open_store(url) as s:
        done = [(e.actor, e.details["level"], e.why) for e in audit.entries(s) if e.action == "networks.export"]
    assert done == [("ann", "redacted", ""), ("ann", "full", "referral 12")]
