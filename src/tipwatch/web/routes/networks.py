"""Networks (scope "read"): pages by score, and one network with its members, links with reasons, profile
(movement, stops, time, template) and its graph as Cytoscape.js elements."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from tipwatch.services.networks import load_graph
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


@router.get("/{network_id}", response_model=NetworkDetail, summary="One network: members, links, profile, graph")
def get_network(
    reader: Reader, request: Request, network_id: Annotated[str, Path(min_length=1, max_length=200)]
) -> NetworkDetail:
    store = store_of(request)
    found = store.links.networks(ids=[network_id], with_profile=True)
    if not found:
        raise HTTPException(status_code=404, detail=f"no network {network_id!r}")
    net = found[0]
    members = sorted(store.links.membership([net.id]))
    graph = load_graph(store, network_ids=[net.id])
    nodes = [GraphNode(data=NodeData(id=n.id, label=n.label, kind=n.kind)) for n in graph.nodes.values()]
    edges: list[GraphEdge] = []
    links: list[NetworkLink] = []
    for e in graph.edges:
        ev = _evidence(e.evidence)
        data = EdgeData(
            source=e.source, target=e.target, kind=e.kind, bits=_bits(ev, e.weight), reason=_reason(e.kind, ev)
        )
        edges.append(GraphEdge(data=data))
        if e.kind != "member_of":
            links.append(
                NetworkLink(source=e.source, target=e.target, signal=e.kind, bits=data.bits, reason=data.reason)
            )
    links.sort(key=lambda link: -link.bits)
    return NetworkDetail(
        id=net.id,
        score=net.score,
        size=net.size,
        reasons=net.reasons,
        members=members,
        profile=net.profile,
        links=links,
        graph=Graph(nodes=nodes, edges=edges),
    )
