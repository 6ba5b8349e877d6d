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
PDQ_EXTENSION = "extension-definition--5c1e7a2d-3b4f-5e6a-8c9d-0a1b2c3d4e5f"
# Our observable types (new STIX Cyber-observable objects, each defined by an extension-definition in the bundle):
# STIX has no phone number, crypto wallet or perceptual-hash object. SHA-256 of a picture is a standard File.
PHONE_TYPE = "x-tipwatch-phone-number"
WALLET_TYPE = "x-tipwatch-crypto-wallet"
PDQ_TYPE = "x-tipwatch-image-pdq"
_EXTENSIONS = (
    (PHONE_EXTENSION, "tipwatch phone number", "value: E.164 phone number as normalized by tipwatch"),
    (WALLET_EXTENSION, "tipwatch crypto wallet", "value: cryptocurrency address as written (checksummed)"),
    (
        PDQ_EXTENSION,
        "tipwatch image PDQ hash",
        "value: Meta's PDQ perceptual hash of a picture, 64 lower-case hex digits (256 bits); two pictures within "
        "Hamming distance 31 are near-copies (Meta's threshold). The picture itself is never shared.",
    ),
)
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

    @stix2.v21.CustomObservable(
        PDQ_TYPE,
        [("value", StringProperty(required=True))],
        ["value"],
        extension_name=PDQ_EXTENSION,
    )
    class ImagePdq:
        pass

    _stix_types.update(phone=PhoneNumber, wallet=CryptoWallet, image_pdq=ImagePdq)
    return _stix_types


def _identity(created: datetime) -> Any:
    import stix2

    return stix2.Identity(
        id=f"identity--{uuid.uuid5(_NS, 'tipwatch')}",
        name="tipwatch",
        identity_class="system",
        created=created,
        modified=created,
    )


def _extension_definitions(identity_id: str, created: datetime) -> list[Any]:
    import stix2

    return [
        stix2.ExtensionDefinition(
            id=ext_id,
            created_by_ref=identity_id,
            name=name,
            version="1.0.0",
            schema=schema,
            extension_types=["new-sco"],
            created=created,
            modified=created,
        )
        for ext_id, name, schema in _EXTENSIONS
    ]


def stix_observable(kind: str, value: str, **extra: Any) -> Any:
    """The STIX Cyber-observable of one identifier or picture hash (tipwatch's stored form); None for other kinds.
    Handles are stored as ``platform:name``. ``extra``: common properties (object_marking_refs)."""
    import stix2

    classes = _stix_classes()
    if kind == "email":
        return stix2.EmailAddress(value=value, **extra)
    if kind == "url":
        return stix2.URL(value=value, **extra)
    if kind == "handle":
        platform, _, name = value.partition(":")
        return stix2.UserAccount(account_login=name or platform, account_type=platform if name else None, **extra)
    if kind == "image_sha256":
        return stix2.File(hashes={"SHA-256": value}, **extra)
    if kind in ("phone", "wallet", "image_pdq"):
        return classes[kind](value=value, **extra)
    return None


def stix_bundle(g: ExportGraph, created: datetime) -> Any:
    """A STIX 2.1 bundle: tipwatch's identity, the extension definitions, observables and a Grouping per network."""
    import stix2

    identity = _identity(created)
    exts = _extension_definitions(identity.id, created)
    objects: dict[str, Any] = {}

    refs: dict[str, list[str]] = {}
    for e in g.edges:
        if not e.source.startswith("post:"):
            continue
        post = g.nodes[e.source]
        net = str(post.attrs.get("network_id"))
        if e.target.startswith("entity:"):
            target = g.nodes[e.target]
            obs = stix_observable(target.kind, target.label)
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


# --- STIX 2.1 indicator feeds (tipwatch feeds publish) ------------------------------------------------------------

# The kinds a feed carries, in bundle order: identifiers first, then picture hashes.
FEED_KINDS: tuple[str, ...] = ("phone", "email", "handle", "wallet", "url", "image_sha256", "image_pdq")


@dataclass(frozen=True, slots=True)
class Tlp:
    level: str  # clear, green, amber, amber+strict, red
    marking: dict[str, Any]  # the marking-definition object as published


def _tlp_data() -> dict[str, Any]:
    import yaml

    with open(Path(__file__).with_name("tlp.yaml"), encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def tlp_level_of(marking_id: str) -> str | None:
    """The TLP 2.0 level a marking-definition id stands for; None for any other id."""
    for level, known in _tlp_data()["levels"].items():
        if known == marking_id:
            return str(level)
    return None


def tlp_levels() -> tuple[str, ...]:
    return tuple(_tlp_data()["levels"])


def default_tlp() -> str:
    return str(_tlp_data()["default"])


def tlp(level: str) -> Tlp:
    """The TLP 2.0 marking-definition for ``level`` ("TLP:" prefix and case ignored); ValueError for another."""
    data = _tlp_data()
    key = level.strip().lower().removeprefix("tlp:")
    if key not in data["levels"]:
        raise ValueError(f"unknown TLP level {level!r}: use one of {', '.join(data['levels'])}")
    marking = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": data["levels"][key],
        "created": data["created"],
        "name": f"TLP:{key.upper()}",
        "extensions": {data["extension"]: {"extension_type": "property-extension", "tlp_2_0": key}},
    }
    return Tlp(key, marking)


@dataclass(frozen=True, slots=True)
class FeedIndicator:
    """One value a feed shares: its kind (FEED_KINDS), the stored value, the networks holding it, when it was seen
    and by how many posts."""

    kind: str
    value: str
    networks: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    posts: int


@dataclass(frozen=True, slots=True)
class FeedNetwork:
    id: str
    score: float
    reasons: str


@dataclass(frozen=True, slots=True)
class FeedNote:
    """Ad text, only when the publisher asked for it and may share it: a Note about the indicators of the values
    the post holds (``values``: (kind, value)) and about its network's grouping when it is in one."""

    network: str | None
    post_id: str
    text: str
    values: tuple[tuple[str, str], ...] = ()


def stix_string(value: str) -> str:
    """A STIX pattern string literal: quotes and backslashes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def indicator_pattern(kind: str, value: str) -> str:
    """The STIX pattern matching one value (the inverse of tipwatch.link.stix_read.read_pattern)."""
    if kind == "email":
        return f"[email-addr:value = {stix_string(value)}]"
    if kind == "url":
        return f"[url:value = {stix_string(value)}]"
    if kind == "handle":
        platform, _, name = value.partition(":")
        if not name:
            return f"[user-account:account_login = {stix_string(platform)}]"
        return (
            f"[user-account:account_login = {stix_string(name)} AND "
            f"user-account:account_type = {stix_string(platform)}]"
        )
    if kind == "image_sha256":
        return f"[file:hashes.'SHA-256' = {stix_string(value)}]"
    if kind == "phone":
        return f"[{PHONE_TYPE}:value = {stix_string(value)}]"
    if kind == "wallet":
        return f"[{WALLET_TYPE}:value = {stix_string(value)}]"
    if kind == "image_pdq":
        return f"[{PDQ_TYPE}:value = {stix_string(value)}]"
    raise ValueError(f"no STIX pattern for {kind!r}")


def _feed_id(prefix: str, *parts: str) -> str:
    # Deterministic: publishing the same value again names the same objects, so a TAXII server keeps versions of
    # one indicator instead of piling up copies.
    return f"{prefix}--{uuid.uuid5(_NS, chr(31).join(parts))}"


def indicator_bundle(
    indicators: Iterable[FeedIndicator],
    networks: Iterable[FeedNetwork],
    *,
    created: datetime,
    marking: Tlp,
    notes: Iterable[FeedNote] = (),
) -> Any:
    """A STIX 2.1 bundle of a network's (or case's) indicators, every object marked with ``marking``:

    - tipwatch's identity, the TLP marking-definition, the extension definitions of our observable types;
    - per value: its observable (SCO), an Observed Data (first/last seen, number of posts), an Indicator with a STIX
      pattern, and the relationship "indicator based-on observed-data";
    - per network: a Grouping of its indicators (context "suspicious-activity": a lead for human review), and a
      "related-to" relationship from each indicator to the network's grouping;
    - ``notes``: ad text, only when asked for (tipwatch.services.feeds decides who may).
    """
    import stix2

    identity = _identity(created)
    marks = [marking.marking["id"]]
    common: dict[str, Any] = {"created_by_ref": identity.id, "object_marking_refs": marks}
    objects: list[Any] = [identity, stix2.parse(marking.marking, allow_custom=True)]
    objects += _extension_definitions(identity.id, created)
    by_network: dict[str, list[str]] = {}
    for ind in sorted(indicators, key=lambda i: (FEED_KINDS.index(i.kind), i.value)):
        sco = stix_observable(ind.kind, ind.value, object_marking_refs=marks)
        if sco is None:
            continue
        observed = stix2.ObservedData(
            id=_feed_id("observed-data", ind.kind, ind.value),
            created=created,
            modified=created,
            first_observed=ind.first_seen,
            last_observed=max(ind.last_seen, ind.first_seen),
            number_observed=max(ind.posts, 1),
            object_refs=[sco.id],
            allow_custom=True,
            **common,
        )
        indicator = stix2.Indicator(
            id=_feed_id("indicator", ind.kind, ind.value),
            created=created,
            modified=created,
            name=f"{ind.kind} seen in {ind.posts} post(s)",
            description="A lead for human review, not a verdict: this value was shared by posts tipwatch linked.",
            indicator_types=["unknown"],
            pattern=indicator_pattern(ind.kind, ind.value),
            pattern_type="stix",
            valid_from=ind.first_seen,
            labels=[f"tipwatch-{ind.kind}"],
            **common,
        )
        based = stix2.Relationship(
            id=_feed_id("relationship", "based-on", indicator.id),
            source_ref=indicator.id,
            relationship_type="based-on",
            target_ref=observed.id,
            created=created,
            modified=created,
            **common,
        )
        objects += [sco, observed, indicator, based]
        for net_id in ind.networks:
            by_network.setdefault(net_id, []).append(indicator.id)
    for net in networks:
        refs = by_network.get(net.id)
        if not refs:
            continue
        grouping = stix2.Grouping(
            id=_feed_id("grouping", "network", net.id),
            created=created,
            modified=created,
            name=f"tipwatch network {net.id}",
            description=f"Lead for human review (score {net.score:.3f}): {net.reasons}",
            context="suspicious-activity",
            object_refs=refs,
            **common,
        )
        objects.append(grouping)
        objects += [
            stix2.Relationship(
                id=_feed_id("relationship", "related-to", ref, grouping.id),
                source_ref=ref,
                relationship_type="related-to",
                target_ref=grouping.id,
                created=created,
                modified=created,
                **common,
            )
            for ref in refs
        ]
    emitted = {o.id for o in objects if o.type in ("indicator", "grouping")}
    for note in notes:
        about = [_feed_id("indicator", kind, value) for kind, value in note.values]
        if note.network is not None:
            about.append(_feed_id("grouping", "network", note.network))
        about = [ref for ref in about if ref in emitted]
        if about:
            objects.append(
                stix2.Note(
                    id=_feed_id("note", note.post_id),
                    created=created,
                    modified=created,
                    abstract=f"ad text of post {note.post_id}",
                    content=note.text,
                    object_refs=about,
                    **common,
                )
            )
    return stix2.Bundle(objects=objects, allow_custom=True)


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
