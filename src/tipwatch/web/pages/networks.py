"""A network's page: its graph (posts and shared identifiers, drawn by Cytoscape.js from a JSON block), movement
path, timeline, shared template with its slots, and members; for analysts, the hosting platforms of its ads and a
form drafting one takedown notice per platform (web/pages/notices.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from tipwatch.link.exports import ExportGraph
from tipwatch.services import audit, notices
from tipwatch.services.accounts import has_role
from tipwatch.services.networks import load_graph
from tipwatch.web.auth import Principal, config_of, store_of
from tipwatch.web.pages.cases import add_to_case_context
from tipwatch.web.pages.common import json_block, page_role, render

router = APIRouter(tags=["pages"])
MAX_NODES = 2000


def cytoscape_elements(graph: ExportGraph) -> list[dict[str, Any]]:
    """Posts and identifiers as nodes, links between them as edges (the network node itself is left out: every
    post would hang off it)."""
    nodes = [n for n in graph.nodes.values() if n.kind != "network"][:MAX_NODES]
    kept = {n.id for n in nodes}
    elements: list[dict[str, Any]] = []
    for n in nodes:
        data: dict[str, Any] = {"id": n.id, "label": n.label[:60], "kind": "post" if n.kind == "post" else "entity"}
        if n.kind == "post":
            data["post_id"] = str(n.attrs.get("post_id", ""))
            data["risk"] = n.attrs.get("risk")
        else:
            data["type"] = n.kind
        elements.append({"group": "nodes", "data": data})
    for i, e in enumerate(graph.edges):
        if e.source in kept and e.target in kept:
            elements.append(
                {"group": "edges", "data": {"id": f"e{i}", "source": e.source, "target": e.target, "kind": e.kind}}
            )
    return elements


def _timeline(graph: ExportGraph) -> list[dict[str, Any]]:
    posts = [n for n in graph.nodes.values() if n.kind == "post"]
    rows = [
        {
            "post_id": str(n.attrs.get("post_id", "")),
            "label": n.label,
            "posted_at": str(n.attrs.get("posted_at") or ""),
            "platform": str(n.attrs.get("platform") or ""),
            "risk": float(n.attrs.get("risk") or 0.0),
        }
        for n in posts
    ]
    rows.sort(key=lambda r: (r["posted_at"] == "", r["posted_at"]))
    return rows


@router.get("/networks/{network_id}", response_class=HTMLResponse)
def network_page(
    network_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(page_role("viewer"))],
    added_to: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    store = store_of(request)
    found = store.links.networks(ids=[network_id], with_profile=True)
    if not found:
        raise HTTPException(status_code=404, detail="no such network")
    network = found[0]
    graph = load_graph(store, network_ids=[network_id])
    audit.append(store, principal.actor, "network.view", f"network:{network_id}", "", {})
    profile = network.profile or {}
    elements = cytoscape_elements(graph)
    return render(
        request,
        "network.html",
        principal,
        n=network,
        profile=profile,
        shared=profile.get("template") or {},
        timeline=_timeline(graph),
        elements=json_block("graph-data", elements),
        node_count=sum(1 for e in elements if e["group"] == "nodes"),
        can_draft=has_role(principal.role, "analyst"),
        hosts=_hosts(request, network_id) if has_role(principal.role, "analyst") else {},
        **add_to_case_context(request, principal, added_to),
    )


def _hosts(request: Request, network_id: str) -> dict[str, int]:
    try:
        return notices.platforms_for_network(store_of(request), network_id, config_of(request).notices)
    except notices.NoticeError:  # a broken registry file: the page still shows, the draft form says why
        return {}
