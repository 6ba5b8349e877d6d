"""Networks of linked posts, and their graph in Cytoscape.js elements form."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class NetworkSummary(BaseModel):
    id: str
    score: float
    size: int
    reasons: list[str]


class NetworkPage(BaseModel):
    items: list[NetworkSummary]
    limit: int
    offset: int
    next_offset: int | None


class NodeData(BaseModel):
    id: str
    label: str
    kind: str


class EdgeData(BaseModel):
    source: str
    target: str
    kind: str
    bits: float
    reason: str


class GraphNode(BaseModel):
    data: NodeData


class GraphEdge(BaseModel):
    data: EdgeData


class Graph(BaseModel):
    """The network's graph over its ``posts_shown`` riskiest posts of ``posts_total`` (ask for more with
    ``graph_posts``), the identifiers they share and the strongest links among them."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    posts_shown: int = Field(description="posts drawn: the riskiest first")
    posts_total: int = Field(description="posts in the network")
    truncated: bool = Field(description="true when posts or links were left out of the graph")
    note: str = Field(description='what the graph shows, e.g. "showing 200 of 1,279 posts (highest risk first)"')


class NetworkLink(BaseModel):
    source: str
    target: str
    signal: str
    bits: float
    reason: str


class NetworkDetail(BaseModel):
    """One network. Members (by post id) and links (strongest first) come a page at a time: ask for the next page
    with ``members_offset`` = ``members_next_offset`` (and likewise for links); ``null`` means there is no more."""

    id: str
    score: float
    size: int
    reasons: list[str]
    members: list[str] = Field(description="a page of the member post ids, in id order")
    members_total: int
    members_offset: int
    members_limit: int
    members_next_offset: int | None
    profile: dict[str, Any]
    links: list[NetworkLink] = Field(description="a page of the links inside the network, strongest first")
    links_total: int
    links_offset: int
    links_limit: int
    links_next_offset: int | None
    graph: Graph
