"""Network exports for the tools analysts already use.

- GraphML and GEXF (Gephi, yEd, networkx): networks, posts and shared entities as nodes, links as edges.
- CSV entity and link tables (i2 Analyst's Notebook and Maltego imports): ``entities.csv`` and ``links.csv``.
- FollowTheMoney entities as JSON lines (Aleph): a network is a LegalEntity with its phones, emails and websites,
  a post a Document, and an UnknownLink says which network posted which post.
- A STIX 2.1 bundle: per network a Grouping of observables (email-addr, url, user-account, file SHA-256, and phone
  numbers and crypto wallets through an extension definition: STIX has no phone object).

All write the same ``ExportGraph`` (read from the store by ``tipwatch.services.networks.load_graph``), so every
format carries the same networks and evidence. Exported
identifiers are selectors of possible victims as well as of operators: share them under the partner agreement.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tipwatch.store.interface.links import StoredEntity, StoredLink, StoredNetwork
from tipwatch.store.interface.posts import PostRecord

Value = str | int | float | bool
FORMATS = ("graphml", "gexf", "csv", "ftm", "stix")
_NS = uuid.UUID("6f1d3c1e-6c0b-4b0e-9a55-2b8f0a0c7f11")  # tipwatch's namespace for deterministic export ids


@dataclass(slots=True)
class Node:
    id: str
    kind: str  # "network", "post", or an entity type ("phone", "email", ...)
    label: str
    attrs: dict[str, Value] = field(default_factory=dict)


@dataclass(slots=True)
class Edge:
    source: str
    target: str
    kind: str  # "member_of" or the link signal
    weight: float
    evidence: str = ""  # JSON


@dataclass(slots=True)
class ExportGraph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind in kinds]


def clean_attrs(attrs: dict[str, Any]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for k, v in attrs.items():
        if v is None:
            continue
        out[k] = v.isoformat() if isinstance(v, datetime) else v if isinstance(v, str | int | float | bool) else str(v)
    return out


def build_graph(
    networks: Iterable[StoredNetwork],
    member: Mapping[str, str],
    posts: Iterable[PostRecord],
    links: Iterable[StoredLink],
    entities: Iterable[StoredEntity],
) -> ExportGraph:
    """The graph of ``networks`` (best first), their posts (``member``: post id -> network id), the links from those
    posts, and the shared entities those links point at."""
    g = ExportGraph()
    for net in networks:
        attrs: dict[str, Value] = {"size": net.size, "score": net.score, "reasons": "; ".join(net.reasons)}
        g.nodes[f"network:{net.id}"] = Node(f"network:{net.id}", "network", net.id, attrs)
    for p in posts:
        pid = p.id
        post_attrs: dict[str, Any] = {"post_id": pid, "network_id": member[pid], "url": p.url, "platform": p.platform}
        post_attrs.update(post_kind=p.kind, posted_at=p.posted_at, risk=p.risk)
        g.nodes[f"post:{pid}"] = Node(f"post:{pid}", "post", (p.title or pid)[:80], clean_attrs(post_attrs))
        g.edges.append(Edge(f"post:{pid}", f"network:{member[pid]}", "member_of", 1.0))
    # Pair edges as they come; entity edges once the entities' nodes exist.
    entity_edges: list[StoredLink] = []
    for link in links:
        if link.entity_key is not None:
            entity_edges.append(link)
        elif link.post_b in member:
            g.edges.append(
                Edge(f"post:{link.post_a}", f"post:{link.post_b}", link.signal, link.weight, json.dumps(link.evidence))
            )
    entity_node: dict[int, str] = {}
    for key, etype, value, n_posts in entities:
        node_id = f"entity:{etype}:{value}"
        entity_node[key] = node_id
        g.nodes[node_id] = Node(node_id, etype, value, {"value": value, "posts": n_posts, "entity_key": str(key)})
    for link in entity_edges:
        if link.entity_key in entity_node:
            target = entity_node[link.entity_key]
            g.edges.append(Edge(f"post:{link.post_a}", target, link.signal, link.weight, json.dumps(link.evidence)))
    return g


# --- graph files ----------------------------------------------------------------------------------------------


def to_networkx(g: ExportGraph) -> Any:
    import networkx as nx

    graph = nx.MultiGraph()
    for n in g.nodes.values():
        graph.add_node(n.id, label=n.label, type=n.kind, **n.attrs)
    for e in g.edges:
        graph.add_edge(e.source, e.target, type=e.kind, weight=e.weight, evidence=e.evidence)
    return graph


def write_graphml(g: ExportGraph, path: Path) -> None:
    import networkx as nx

    nx.write_graphml(to_networkx(g), path)


def write_gexf(g: ExportGraph, path: Path) -> None:
    import networkx as nx

    nx.write_gexf(to_networkx(g), path)


# --- CSV tables -----------------------------------------------------------------------------------------------

ENTITY_COLUMNS = (
    "id",
    "type",
    "label",
    "network_id",
    "platform",
    "post_kind",
    "posted_at",
    "url",
    "risk",
    "score",
    "size",
    "value",
    "posts",
    "reasons",
)


def write_csv(g: ExportGraph, out_dir: Path) -> tuple[Path, Path]:
    """``entities.csv`` (one row per node) and ``links.csv`` (source, target, type, weight, evidence)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ent, lnk = out_dir / "entities.csv", out_dir / "links.csv"
    with open(ent, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ENTITY_COLUMNS)
        for n in g.nodes.values():
            row = {"id": n.id, "type": n.kind, "label": n.label, **n.attrs}
            w.writerow([_cell(row.get(c, "")) for c in ENTITY_COLUMNS])
    with open(lnk, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("source", "target", "type", "weight", "evidence"))
        for e in g.edges:
            w.writerow((e.source, e.target, e.kind, e.weight, _cell(e.evidence)))
    return ent, lnk


def _cell(value: Value) -> Value:
    # Spreadsheet formula injection: a cell starting with = + - @ is text, not a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --- FollowTheMoney ---------------------------------------------------------------------------------------------


def ftm_entities(g: ExportGraph) -> Iterable[dict[str, Any]]:
    """FollowTheMoney entities (as dicts) for the graph."""
    from followthemoney import model

    by_network: dict[str, list[Node]] = {}
    for e in g.edges:
        if e.source.startswith("post:") and not e.target.startswith(("post:", "network:")):
            owner = g.nodes[e.source].attrs.get("network_id")
            if isinstance(owner, str):
                by_network.setdefault(owner, []).append(g.nodes[e.target])
    for net in g.of_kind("network"):
        ent = model.make_entity("LegalEntity")
        ent.make_id("tipwatch-network", net.label)
        ent.add("name", f"tipwatch network {net.label}")
        ent.add("description", "Posts linked by shared identifiers, pictures or text: a lead for human review.")
        ent.add("notes", str(net.attrs.get("reasons", "")))
        for node in by_network.get(net.label, []):
            prop = {"phone": "phone", "email": "email", "url": "website"}.get(node.kind)
            if prop:
                ent.add(prop, node.label, quiet=True)
        yield ent.to_dict()
    for post in g.of_kind("post"):
        doc = model.make_entity("Document")
        doc.make_id("tipwatch-post", str(post.attrs["post_id"]))
        doc.add("title", post.label)
        doc.add("sourceUrl", post.attrs.get("url"), quiet=True)
        doc.add("publishedAt", post.attrs.get("posted_at"), quiet=True)
        doc.add("publisher", post.attrs.get("platform"), quiet=True)
        yield doc.to_dict()
        link = model.make_entity("UnknownLink")
        link.make_id("tipwatch-posted", str(post.attrs["post_id"]))
        net_ent = model.make_entity("LegalEntity")
        net_ent.make_id("tipwatch-network", str(post.attrs["network_id"]))
        link.add("subject", net_ent.id)
        link.add("object", doc.id)
        link.add("role", "posted (linked by tipwatch)")
        yield link.to_dict()


def write_ftm(g: ExportGraph, path: Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for ent in ftm_entities(g):
            fh.write(json.dumps(ent, ensure_ascii=False) + "\n")
            n += 1
    return n


# --- STIX 2.1 ---------------------------------------------------------------------------------------------------

PHONE_EXTENSION = "extension-definition--2f6b4a6e-6e53-5e47-9a39-9e7e4c6b8f21"
WALLET_EXTENSION = "extension-definition--8d3b9a0c-1e7f-5b0a-b4e2-7a9c4f1d2e63"
_stix_types: dict[str, Any] = {}


def _stix_classes() -> dict[str, Any]:
    """The custom observables, registered with stix2 once per process."""
    if _stix_types:
        return _stix_types
    import stix2
    from stix2.properties import StringProperty

    @stix2.v21.CustomObservable(
        "x-tipwatch-phone-number",
        [("value", StringProperty(required=True))],
        ["value"],
        extension_name=PHONE_EXTENSION,
    )
    class PhoneNumber:
        pass

    @stix2.v21.CustomObservable(
        "x-tipwatch-crypto-wallet",
        [("value", StringProperty(required=True))],
        ["value"],
        extension_name=WALLET_EXTENSION,
    )
    class CryptoWallet:
        pass

    _stix_types.update(phone=PhoneNumber, wallet=CryptoWallet)
    return _stix_types


def stix_bundle(g: ExportGraph, created: datetime) -> Any:
    """A STIX 2.1 bundle: tipwatch's identity, the extension definitions, observables and a Grouping per network."""
    import stix2

    classes = _stix_classes()
    identity = stix2.Identity(
        id=f"identity--{uuid.uuid5(_NS, 'tipwatch')}",
        name="tipwatch",
        identity_class="system",
        created=created,
        modified=created,
    )
    exts = [
        stix2.ExtensionDefinition(
            id=ext_id,
            created_by_ref=identity.id,
            name=name,
            version="1.0.0",
            schema=schema,
            extension_types=["new-sco"],
            created=created,
            modified=created,
        )
        for ext_id, name, schema in (
            (PHONE_EXTENSION, "tipwatch phone number", "E.164 phone number as normalized by tipwatch"),
            (WALLET_EXTENSION, "tipwatch crypto wallet", "cryptocurrency address as written (checksummed)"),
        )
    ]
    objects: dict[str, Any] = {}

    def observable(node: Node) -> Any:
        if node.kind == "email":
            return stix2.EmailAddress(value=node.label)
        if node.kind == "url":
            return stix2.URL(value=node.label)
        if node.kind == "handle":
            platform, _, name = node.label.partition(":")
            return stix2.UserAccount(account_login=name or platform, account_type=platform if name else None)
        if node.kind == "image_sha256":
            return stix2.File(hashes={"SHA-256": node.label})
        if node.kind == "phone":
            return classes["phone"](value=node.label)
        if node.kind == "wallet":
            return classes["wallet"](value=node.label)
        return None

    refs: dict[str, list[str]] = {}
    for e in g.edges:
        if not e.source.startswith("post:"):
            continue
        post = g.nodes[e.source]
        net = str(post.attrs.get("network_id"))
        if e.target.startswith("entity:"):
            obs = observable(g.nodes[e.target])
        elif e.kind == "member_of" and isinstance(post.attrs.get("url"), str):
            obs = stix2.URL(value=str(post.attrs["url"]))
        else:
            obs = None
        if obs is not None:
            objects[obs.id] = obs
            refs.setdefault(net, [])
            if obs.id not in refs[net]:
                refs[net].append(obs.id)
    groupings = [
        stix2.Grouping(
            id=f"grouping--{uuid.uuid5(_NS, net.label)}",
            created_by_ref=identity.id,
            created=created,
            modified=created,
            name=f"tipwatch network {net.label}",
            description=f"Lead for human review (score {net.attrs.get('score')}): {net.attrs.get('reasons', '')}",
            context="suspicious-activity",
            object_refs=refs[net.label],
            allow_custom=True,  # refs to the extension's phone and wallet observables
        )
        for net in g.of_kind("network")
        if refs.get(net.label)
    ]
    return stix2.Bundle(objects=[identity, *exts, *objects.values(), *groupings], allow_custom=True)


def write_stix(g: ExportGraph, path: Path, created: datetime) -> None:
    path.write_text(stix_bundle(g, created).serialize(pretty=True), encoding="utf-8")


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")


def write_graph(g: ExportGraph, fmt: str, out: Path, *, created: datetime | None = None) -> None:
    """Write ``g`` in ``fmt`` (one of FORMATS) to ``out`` (a directory for csv)."""
    check_format(fmt)
    if fmt != "csv":
        out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        write_graphml(g, out)
    elif fmt == "gexf":
        write_gexf(g, out)
    elif fmt == "csv":
        write_csv(g, out)
    elif fmt == "ftm":
        write_ftm(g, out)
    else:
        from datetime import UTC

        write_stix(g, out, created or datetime.now(UTC))
