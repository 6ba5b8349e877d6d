"""Networks (scope "read"): pages by score, and one network with its members, links with reasons, profile
(movement, stops, time, template) and its graph as Cytoscape.js elements."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from tipwatch.link.exports import ExportGraph
from tipwatch.services.networks import (
    GRAPH_POSTS,
    GRAPH_POSTS_MAX,
    BoundedGraph,
    bounded_graph,
    link_page,
    member_page,
)
from tipwatch.store.interface.links import StoredEntity, StoredLink
from tipwatch.web.auth import Principal, require_scope, store_of
from tipwatch.web.schemas.networks import (
    EdgeData,
    Graph,
    GraphEdge,
    GraphNode,
    NetworkDetail,
    NetworkLink,
    NetworkPage,
    NetworkSummary,
    NodeData,
)

router = APIRouter(prefix="/api/v1/networks", tags=["networks"])
Reader = Annotated[Principal, Depends(require_scope("read"))]


def _evidence(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _reason(kind: str, ev: dict[str, Any]) -> str:
    if kind == "member_of":
        return "member of the network"
    bits = ev.get("bits", 0)
    if ev.get("value"):
        return f"shares {kind} {ev['value']}: {bits} bits of evidence"
    if "jaccard" in ev:
        return f"same {kind} template (Jaccard {ev['jaccard']}): {bits} bits of evidence"
    if "distance" in ev:
        return f"same {kind} (hash distance {ev['distance']}): {bits} bits of evidence"
    return f"{kind} link: {bits} bits of evidence"


def _bits(ev: dict[str, Any], weight: float) -> float:
    try:
        return float(ev.get("bits", weight))
    except (TypeError, ValueError):
        return float(weight)


@router.get("", response_model=NetworkPage, summary="Networks, highest score first")
def list_networks(
    reader: Reader,
    request: Request,
    min_score: Annotated[float, Query(ge=0.0, le=1e9)] = 0.0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> NetworkPage:
    nets = store_of(request).links.networks(min_score=min_score, limit=offset + limit + 1)
    page = nets[offset : offset + limit]
    items = [NetworkSummary(id=n.id, score=n.score, size=n.size, reasons=n.reasons) for n in page]
    more = len(nets) > offset + limit
    return NetworkPage(items=items, limit=limit, offset=offset, next_offset=offset + limit if more else None)


PAGE_MAX = 1000
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX)]


def _target(link: StoredLink, entities: dict[int, StoredEntity]) -> str | None:
    if link.post_b is not None:
        return f"post:{link.post_b}"
    entity = entities.get(link.entity_key) if link.entity_key is not None else None
    return None if entity is None else f"entity:{entity.type}:{entity.value}"


def _links(found: list[StoredLink], entities: dict[int, StoredEntity]) -> list[NetworkLink]:
    out: list[NetworkLink] = []
    for link in found:
        target = _target(link, entities)
        if target is None:
            continue
        ev = link.evidence if isinstance(link.evidence, dict) else _evidence(str(link.evidence))
        out.append(
            NetworkLink(
                source=f"post:{link.post_a}",
                target=target,
                signal=link.signal,
                bits=_bits(ev, link.weight),
                reason=_reason(link.signal, ev),
            )
        )
    return out


def _graph(g: BoundedGraph) -> Graph:
    graph: ExportGraph = g.graph
    nodes = [GraphNode(data=NodeData(id=n.id, label=n.label, kind=n.kind)) for n in graph.nodes.values()]
    edges: list[GraphEdge] = []
    for e in graph.edges:
        ev = _evidence(e.evidence)
        data = EdgeData(
            source=e.source, target=e.target, kind=e.kind, bits=_bits(ev, e.weight), reason=_reason(e.kind, ev)
        )
        edges.append(GraphEdge(data=data))
    return Graph(
        nodes=nodes,
        edges=edges,
        posts_shown=g.posts_shown,
        posts_total=g.posts_total,
        truncated=g.truncated,
        note=g.note,
    )


@router.get(
    "/{network_id}",
    response_model=NetworkDetail,
    summary="One network: a page of members and links, the profile, and a bounded graph",
)
def get_network(
    reader: Reader,
    request: Request,
    network_id: Annotated[str, Path(min_length=1, max_length=200)],
    members_offset: Offset = 0,
    members_limit: Limit = 100,
    links_offset: Offset = 0,
    links_limit: Limit = 100,
    graph_posts: Annotated[
        int, Query(ge=0, le=GRAPH_POSTS_MAX, description="posts drawn in the graph, the riskiest first")
    ] = GRAPH_POSTS,
) -> NetworkDetail:
    store = store_of(request)
    found = store.links.networks(ids=[network_id], with_profile=True)
    if not found:
        raise HTTPException(status_code=404, detail=f"no network {network_id!r}")
    net = found[0]
    members = member_page(store, net, offset=members_offset, limit=members_limit)
    links, entities = link_page(store, net, offset=links_offset, limit=links_limit)
    return NetworkDetail(
        id=net.id,
        score=net.score,
        size=net.size,
        reasons=net.reasons,
        members=members.items,
        members_total=members.total,
        members_offset=members.offset,
        members_limit=members.limit,
        members_next_offset=members.next_offset,
        profile=net.profile,
        links=_links(links.items, entities),
        links_total=links.total,
        links_offset=links.offset,
        links_limit=links.limit,
        links_next_offset=links.next_offset,
        graph=_graph(bounded_graph(store, net, posts=graph_posts, total=members.total)),
    )
