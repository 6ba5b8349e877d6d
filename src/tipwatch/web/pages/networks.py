"""A network's page: its graph (posts and shared identifiers, drawn by Cytoscape.js from a JSON block), movement
path, timeline, shared template with its slots, and members; for analysts, the hosting platforms of its ads and a
form drafting one takedown notice per platform (web/pages/notices.py).

The page stays small whatever the network's size: the graph draws the riskiest posts (``graph_posts``, with a link
to draw more) and the timeline shows the first page of members, the next pages coming from
``/networks/{id}/members`` through htmx ("more")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from tipwatch.link.exports import ExportGraph
from tipwatch.services import audit, notices
from tipwatch.services.accounts import has_role
from tipwatch.services.networks import GRAPH_POSTS, GRAPH_POSTS_MAX, bounded_graph
from tipwatch.store.facade import Store
from tipwatch.store.interface.links import StoredNetwork
from tipwatch.web.auth import Principal, config_of, store_of
from tipwatch.web.pages.cases import add_to_case_context
from tipwatch.web.pages.common import json_block, page_role, render

router = APIRouter(tags=["pages"])
MAX_NODES = 2000
MEMBERS_PAGE = 100
STOPS_SHOWN = 50  # of the movement path; the largest networks have over a thousand stops
GraphPosts = Annotated[int, Query(ge=1, le=GRAPH_POSTS_MAX)]
MembersLimit = Annotated[int, Query(ge=1, le=1000)]


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


def _timeline(store: Store, network: StoredNetwork, offset: int, limit: int, total: int) -> dict[str, Any]:
    """A page of the members by time posted (undated last), and where the next page starts."""
    rows = [
        {
            "post_id": post.id,
            "label": post.title,
            "posted_at": post.posted_at.isoformat() if post.posted_at else "",
            "platform": post.platform or "",
            "risk": post.risk,
        }
        for post in store.links.member_posts(network.id, order="posted", offset=offset, limit=limit)
    ]
    next_offset = offset + limit if offset + limit < total else None
    return {"rows": rows, "next_offset": next_offset, "total": total, "limit": limit}


def _network(store: Store, network_id: str, *, with_profile: bool = False) -> StoredNetwork:
    found = store.links.networks(ids=[network_id], with_profile=with_profile)
    if not found:
        raise HTTPException(status_code=404, detail="no such network")
    return found[0]


@router.get("/networks/{network_id}", response_class=HTMLResponse)
def network_page(
    network_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(page_role("viewer"))],
    added_to: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    graph_posts: GraphPosts = GRAPH_POSTS,
    members_limit: MembersLimit = MEMBERS_PAGE,
) -> HTMLResponse:
    store = store_of(request)
    network = _network(store, network_id, with_profile=True)
    total = store.links.count_members(network.id)
    bounded = bounded_graph(store, network, posts=graph_posts, total=total)
    audit.append(store, principal.actor, "network.view", f"network:{network_id}", "", {})
    profile = network.profile or {}
    elements = cytoscape_elements(bounded.graph)
    return render(
        request,
        "network.html",
        principal,
        n=network,
        profile=profile,
        shared=profile.get("template") or {},
        timeline=_timeline(store, network, 0, members_limit, total),
        elements=json_block("graph-data", elements),
        node_count=sum(1 for e in elements if e["group"] == "nodes"),
        graph=bounded,
        stops_shown=STOPS_SHOWN,
        more_posts=min(bounded.posts_total, GRAPH_POSTS_MAX) if bounded.posts_shown < bounded.posts_total else None,
        can_draft=has_role(principal.role, "analyst"),
        hosts=_hosts(request, network_id) if has_role(principal.role, "analyst") else {},
        **add_to_case_context(request, principal, added_to),
    )


@router.get("/networks/{network_id}/members", response_class=HTMLResponse)
def network_members(
    network_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(page_role("viewer"))],
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: MembersLimit = MEMBERS_PAGE,
) -> HTMLResponse:
    """The next rows of a network's member table (htmx swaps them in for the "more" row)."""
    store = store_of(request)
    network = _network(store, network_id)
    audit.append(store, principal.actor, "network.view", f"network:{network_id}", "", {"members_offset": offset})
    timeline = _timeline(store, network, offset, limit, store.links.count_members(network.id))
    return render(request, "_network_members.html", principal, n=network, timeline=timeline)


def _hosts(request: Request, network_id: str) -> dict[str, int]:
    try:
        return notices.platforms_for_network(store_of(request), network_id, config_of(request).notices)
    except notices.NoticeError:  # a broken registry file: the page still shows, the draft form says why
        return {}
