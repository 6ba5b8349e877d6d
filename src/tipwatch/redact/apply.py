"""Network graphs and case documents cut down to an export level (tipwatch.redact): pure functions over the
export's own records, so every format written from them (GraphML, GEXF, CSV, FollowTheMoney, STIX, case JSON) carries
the same, already reduced, content."""

from __future__ import annotations

import copy
import json
from typing import Any

from tipwatch.link.exports import Edge, ExportGraph, Node, Value
from tipwatch.redact.mask import mask_text, mask_value
from tipwatch.redact.policy import LEVELS, RedactionRefused, SelectorFn

# Entity types of the link stage -> selector types of services.exchange ("image" is a picture found by PDQ).
SELECTOR_TYPE = {"image": "image_pdq"}
PICTURE_TYPES = ("image_sha256", "image")
# Formats that can carry selectors instead of values: STIX and FollowTheMoney type their values (an e-mail address, a
# file's SHA-256), and a selector is none of these.
SELECTOR_FORMATS = ("graphml", "gexf", "csv", "json")
# What a post node keeps at each reduced level (the rest, e.g. the URL, is masked or dropped).
_POST_KEEP = ("post_id", "network_id", "platform", "post_kind", "posted_at", "risk")


def _need_selector(level: str, selector: SelectorFn | None) -> SelectorFn | None:
    if level not in LEVELS:
        raise RedactionRefused("bad_level", f"unknown export level {level!r}")
    if level == "selectors" and selector is None:
        raise RedactionRefused("no_selectors", "a selectors export needs a sharing group's key")
    return selector


def check_format(level: str, fmt: str) -> None:
    """RedactionRefused when ``fmt`` cannot carry ``level`` (selectors in a typed format)."""
    if level == "selectors" and fmt not in SELECTOR_FORMATS:
        raise RedactionRefused(
            "bad_format",
            f"{fmt} types its values (an e-mail address, a file hash) and cannot carry selectors: use "
            f"{', '.join(f for f in SELECTOR_FORMATS if f != 'json')}, or `exchange selectors export`",
        )


def _deep(value: Any, known: dict[str, str]) -> Any:
    """Every string inside a JSON-able value masked (link evidence: shared values, quoted text)."""
    if isinstance(value, str):
        return mask_text(value, known)
    if isinstance(value, list):
        return [_deep(v, known) for v in value]
    if isinstance(value, dict):
        return {k: _deep(v, known) for k, v in value.items()}
    return value


def redact_graph(g: ExportGraph, level: str, selector: SelectorFn | None = None) -> ExportGraph:
    """``g`` at ``level``: full returns it as it is; the other levels return a new graph in which entity nodes are
    named by their key (a node id held the value) and carry a mask or a selector, and texts are masked or dropped."""
    sel = _need_selector(level, selector)
    if level == "full":
        return g
    entities = [n for n in g.nodes.values() if n.kind not in ("network", "post")]
    known = {n.label: mask_value(n.kind, n.label) for n in entities if n.kind not in PICTURE_TYPES}
    out = ExportGraph()
    rename: dict[str, str] = {}
    for node in g.nodes.values():
        attrs: dict[str, Value]
        if node.kind == "network":
            attrs = {k: v for k, v in node.attrs.items() if k != "reasons"}
            if level == "redacted":
                attrs["reasons"] = mask_text(str(node.attrs.get("reasons", "")), known)
            new = Node(node.id, node.kind, node.label, attrs)
        elif node.kind == "post":
            attrs = {k: v for k, v in node.attrs.items() if k in _POST_KEEP}
            if level == "redacted":
                if isinstance(node.attrs.get("url"), str):
                    attrs["url"] = mask_value("url", str(node.attrs["url"]))
                label = mask_text(node.label, known)
            else:
                label = str(node.attrs.get("post_id", node.id))
            new = Node(node.id, node.kind, label, attrs)
        else:
            key = str(node.attrs.get("entity_key", len(rename)))
            if sel is not None:
                value = sel(SELECTOR_TYPE.get(node.kind, node.kind), node.label)
            else:
                value = mask_value(node.kind, node.label)
            attrs = {"value": value, "posts": node.attrs.get("posts", 0), "entity_key": key}
            new = Node(f"entity:{node.kind}:{key}", node.kind, value, attrs)
        rename[node.id] = new.id
        out.nodes[new.id] = new
    for e in g.edges:
        evidence = ""
        if level == "redacted" and e.evidence:
            evidence = json.dumps(_deep(json.loads(e.evidence), known))
        out.edges.append(
            Edge(rename.get(e.source, e.source), rename.get(e.target, e.target), e.kind, e.weight, evidence)
        )
    return out


def _selectors_case(doc: dict[str, Any], sel: SelectorFn) -> dict[str, Any]:
    posts = []
    for p in doc.get("posts", []):
        if p.get("missing"):
            posts.append({"id": p["id"], "missing": True})
            continue
        found = [{"type": i["type"], "selector": sel(i["type"], i["value"])} for i in p.get("identifiers", [])]
        found += [{"type": "image_sha256", "selector": sel("image_sha256", m["sha256"])} for m in p.get("pictures", [])]
        keep = {k: p.get(k) for k in ("id", "platform", "posted_at", "risk", "network")}
        posts.append(keep | {"selectors": found})
    case = doc.get("case", {})
    return {
        **{k: doc[k] for k in ("standard", "generated_at", "generated_by", "tool", "disclaimer") if k in doc},
        "case": {k: case.get(k) for k in ("id", "cas_Status", "priority")},
        "posts": posts,
        "networks": doc.get("networks", []),
        "mandatory_reporting": [
            {k: v for k, v in m.items() if k != "sha256"} | {"selector": sel("image_sha256", m["sha256"])}
            for m in doc.get("mandatory_reporting", [])
        ],
    }


def redact_case(doc: dict[str, Any], level: str, selector: SelectorFn | None = None) -> dict[str, Any]:
    """A case export (services.case_export) at ``level``, marked with it (``export_level``)."""
    sel = _need_selector(level, selector)
    if level == "full":
        return doc | {"export_level": level}
    if sel is not None:
        return _selectors_case(doc, sel) | {"export_level": level}
    out = copy.deepcopy(doc)
    known = {
        i["value"]: mask_value(i["type"], i["value"]) for p in out.get("posts", []) for i in p.get("identifiers", [])
    }
    known |= {p["url"]: mask_value("url", p["url"]) for p in out.get("posts", []) if p.get("url")}
    case = out.get("case", {})
    for key in ("title", "cas_OutgoingReferralDetails"):
        if isinstance(case.get(key), str):
            case[key] = mask_text(case[key], known)
    for p in out.get("posts", []):
        for ident in p.get("identifiers", []):
            ident["value"] = known[ident["value"]]
        if p.get("url"):
            p["url"] = known[p["url"]]
        p["grounds"] = [mask_text(g, known) for g in p.get("grounds", [])]
    for event in out.get("historic_trafficking_events", []):
        event["hte_Description"] = mask_text(str(event.get("hte_Description") or ""), known)
    for note in out.get("notes", []):
        note["text"] = mask_text(str(note.get("text") or ""), known)
    for change in out.get("history", []):
        for key in ("old", "new"):
            if isinstance(change.get(key), str):
                change[key] = mask_text(change[key], known)
    for notice in out.get("notices", []):
        notice["urls"] = [mask_value("url", u) for u in notice.get("urls", [])]
    for item in out.get("evidence", []):  # captured pages: where they were is an identifier too
        for key in ("url", "final_url"):
            if isinstance(item.get(key), str):
                item[key] = mask_value("url", item[key])
    return out | {"export_level": level}
