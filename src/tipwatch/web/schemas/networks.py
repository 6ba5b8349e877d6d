"""Networks of linked posts, and their graph in Cytoscape.js elements form."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class NetworkLink(BaseModel):
    source: str
    target: str
    signal: str
    bits: float
    reason: str


class NetworkDetail(BaseModel):
    id: str
    score: float
    size: int
    reasons: list[str]
    members: list[str]
    profile: dict[str, Any]
    links: list[NetworkLink]
    graph: Graph
