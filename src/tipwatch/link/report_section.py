"""The report's networks section: ranked networks, each with a graph picture, a timeline of its posts by place,
its movement path, its shared template with the variable slots, and its member posts.

Registered through the report's section hook (tipwatch.report.sections); reads only the top networks, through the
store's link and post repositories.
Drawings are inline SVG built from numbers in Python and labels escaped by the template (ad text is hostile); the
page's policy allows no scripts and no inline styles, so colours are SVG attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tipwatch.report.sections import ReportContext, Section, register_section
from tipwatch.store.interface.links import LinkStore
from tipwatch.store.interface.posts import PostStore

TOP_NETWORKS = 25
MAX_GRAPH_NODES = 80
MAX_MEMBER_ROWS = 40
W, H = 360, 220
COLOURS = {
    "post": "#3b6ea5",
    "phone": "#c0392b",
    "email": "#8e44ad",
    "handle": "#d35400",
    "wallet": "#16a085",
    "url": "#7f8c8d",
    "image": "#27ae60",
    "image_sha256": "#2ecc71",
}


@dataclass(slots=True)
class Dot:
    x: float
    y: float
    label: str
    colour: str
    square: bool = False


@dataclass(slots=True)
class NetworkView:
    id: str
    score: float
    size: int
    reasons: list[str]
    profile: dict[str, Any]
    members: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[Dot] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)
    timeline: list[Dot] = field(default_factory=list)
    places: list[tuple[str, float]] = field(default_factory=list)


def _graph(view: NetworkView, edges: list[tuple[str, str, str]], labels: dict[str, str]) -> None:
    """Lay out posts and shared entities (spring layout, fixed seed) inside the picture."""
    import networkx as nx

    g = nx.Graph()
    for a, b, _kind in edges:
        g.add_edge(a, b)
    for m in view.members:
        g.add_node(f"post:{m['id']}")
    if g.number_of_nodes() > MAX_GRAPH_NODES:
        keep = sorted(g.nodes, key=lambda n: (-g.degree(n), n))[:MAX_GRAPH_NODES]
        g = g.subgraph(keep).copy()
    pos = nx.spring_layout(g, seed=1) if g.number_of_nodes() > 1 else {n: (0.0, 0.0) for n in g.nodes}

    def xy(n: str) -> tuple[float, float]:
        x, y = pos[n]
        return round(20 + (float(x) + 1) / 2 * (W - 40), 1), round(20 + (float(y) + 1) / 2 * (H - 40), 1)

    for a, b in g.edges:
        (x1, y1), (x2, y2) = xy(a), xy(b)
        view.lines.append((x1, y1, x2, y2))
    for n in sorted(g.nodes):
        kind = n.split(":", 1)[0] if not n.startswith("entity:") else n.split(":", 2)[1]
        x, y = xy(n)
        view.nodes.append(Dot(x, y, labels.get(n, n), COLOURS.get(kind, "#555555"), n.startswith("entity:")))


def _timeline(view: NetworkView) -> None:
    """One dot per dated post: x = time, y = place (rows in the order the network reached them)."""
    path = [str(p) for p in view.profile.get("movement", [])]
    rows = list(dict.fromkeys(path)) or ["(no place)"]
    dated = [m for m in view.members if isinstance(m["posted_at"], datetime)]
    if not dated:
        return
    t0 = min(m["posted_at"] for m in dated).timestamp()
    t1 = max(m["posted_at"] for m in dated).timestamp()
    span = max(t1 - t0, 1.0)
    step = (H - 40) / max(len(rows), 1)
    view.places = [(p, round(20 + (i + 0.5) * step, 1)) for i, p in enumerate(rows)]
    for m in dated:
        row = rows.index(m["place"]) if m["place"] in rows else 0
        x = 110 + (m["posted_at"].timestamp() - t0) / span * (W - 130)
        view.timeline.append(Dot(round(x, 1), round(20 + (row + 0.5) * step, 1), m["id"], COLOURS["post"]))


def _load(links: LinkStore, posts: PostStore, top: int) -> list[NetworkView]:
    views = {
        n.id: NetworkView(n.id, n.score, n.size, n.reasons, n.profile)
        for n in links.networks(limit=top, with_profile=True)
    }
    member_of = links.membership(list(views))
    pids = sorted(member_of)
    # A post's place as the profile saw it: the first place named in its text, else its location field.
    places: dict[str, str] = {}
    for pid, typ, value, _start, _end in sorted(posts.identifiers(pids), key=lambda r: (r.post_id, r.start)):
        if typ == "place":
            places.setdefault(pid, value)
    labels: dict[str, str] = {}
    for p in posts.posts(pids):
        views[member_of[p.id]].members.append(
            {
                "id": p.id,
                "title": p.title,
                "platform": p.platform,
                "kind": p.kind,
                "posted_at": p.posted_at,
                "place": places.get(p.id) or p.location,
            }
        )
        labels[f"post:{p.id}"] = f"{p.id}: {p.title[:60]}"
    edges: dict[str, list[tuple[str, str, str]]] = {nid: [] for nid in views}
    keys: set[int] = set()
    for a, b, key, signal, _weight, _evidence in links.links_from(pids):
        nid = member_of[a]
        if key is not None:
            keys.add(key)
            edges[nid].append((f"post:{a}", f"key:{key}", signal))
        elif member_of.get(b or "") == nid:
            edges[nid].append((f"post:{a}", f"post:{b}", signal))
    names: dict[str, str] = {}
    for key, etype, value, _n in links.entities(sorted(keys)):
        names[f"key:{key}"] = f"entity:{etype}:{value}"
        labels[f"entity:{etype}:{value}"] = f"{etype}: {value}"
    for nid, view in views.items():
        view.members.sort(key=lambda m: (m["posted_at"] is None, m["posted_at"] or datetime.min, m["id"]))
        named = [(a, names.get(b, b), k) for a, b, k in edges[nid]]
        _graph(view, [e for e in named if e[1].startswith(("post:", "entity:"))], labels)
        _timeline(view)
    return list(views.values())


def networks_section(ctx: ReportContext) -> Section | None:
    links, posts = ctx.store.links, ctx.store.posts
    total = links.count_networks()
    if not total:
        return None
    views = _load(links, posts, min(TOP_NETWORKS, max(ctx.top, 1)))
    html = ctx.render(
        "section_networks.html",
        views=views,
        total=total,
        width=W,
        height=H,
        max_rows=MAX_MEMBER_ROWS,
        colours=COLOURS,
    )
    return Section("networks", "Networks", html, order=200, summary=f"{total:,} networks")


register_section(networks_section, templates_package="tipwatch.link")
