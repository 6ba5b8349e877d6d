"""Exports cut to what the person may take out (tipwatch.redact): network exports (GraphML, GEXF, CSV,
FollowTheMoney, STIX) and case exports, at ``selectors``, ``redacted`` or ``full``, checked against the person's role
and purpose, and audited with their level (``networks.export``; ``case.export`` through services.case_export).

The CLI and the web app both come here, so the rule and the masking live in one place. The CLI has no login: its
user can read the store itself, and exports as ``admin`` (a full export still needs a purpose)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tipwatch.link.exports import ExportGraph, write_graph
from tipwatch.link.exports import check_format as check_graph_format
from tipwatch.redact import RedactionRefused, SelectorFn, check_format, check_level, redact_case, redact_graph
from tipwatch.services import audit, case_export, exchange
from tipwatch.services.networks import load_graph
from tipwatch.store.facade import Store

__all__ = ["ExportAsk", "RedactionRefused", "export_case", "export_networks", "group_selector", "write_case"]


@dataclass(frozen=True, slots=True)
class ExportAsk:
    """Who exports, at which level and why. ``group``: the sharing group whose key makes the selectors (level
    ``selectors`` only)."""

    actor: str
    role: str
    level: str = "redacted"
    purpose: str = ""
    group: str | None = None


def group_selector(store: Store, secret: bytes, group: str | None) -> tuple[str, SelectorFn]:
    """(key id, selector function) of the group's current key, as partners match them (services.exchange)."""
    if not group:
        raise RedactionRefused("no_selectors", "a selectors export needs --group: the sharing group whose key to use")
    try:
        key_id, key = exchange.group_keys(store, secret, group)[0]
    except exchange.ExchangeError as exc:
        raise RedactionRefused("no_selectors", str(exc)) from None

    def sel(type_: str, value: str) -> str:
        return exchange.selector(key, type_, exchange.normalize(type_, value))

    return key_id, sel


def _checked(store: Store, secret: bytes, ask: ExportAsk, fmt: str) -> tuple[SelectorFn | None, dict[str, Any]]:
    check_level(ask.role, ask.level, ask.purpose)
    check_format(ask.level, fmt)
    details: dict[str, Any] = {"level": ask.level, "format": fmt}
    if ask.level != "selectors":
        return None, details
    key_id, sel = group_selector(store, secret, ask.group)
    return sel, details | {"group": ask.group, "key_id": key_id}


def export_networks(
    store: Store,
    secret: bytes,
    fmt: str,
    out: Path,
    ask: ExportAsk,
    *,
    network_ids: Sequence[str] | None = None,
    min_score: float = 0.0,
    created: datetime | None = None,
) -> ExportGraph:
    """Write the networks in ``fmt`` to ``out`` at ``ask.level`` (RedactionRefused when the role, purpose, format or
    key do not allow it); audited. Returns the graph as written."""
    check_graph_format(fmt)
    sel, details = _checked(store, secret, ask, fmt)
    graph = redact_graph(load_graph(store, network_ids=network_ids, min_score=min_score), ask.level, sel)
    write_graph(graph, fmt, out, created=created)
    details |= {"networks": len(graph.of_kind("network")), "nodes": len(graph.nodes), "edges": len(graph.edges)}
    if network_ids:
        details["network_ids"] = list(network_ids)[:100]
    if min_score:
        details["min_score"] = min_score
    audit.append(store, ask.actor, "networks.export", "networks", ask.purpose, details)
    return graph


def export_case(store: Store, secret: bytes, case_id: int, ask: ExportAsk, **options: Any) -> dict[str, Any]:
    """The case document (services.case_export.export_case, with its ``options``) at ``ask.level``; audited there
    with the level."""
    sel, _ = _checked(store, secret, ask, "json")
    doc = case_export.export_case(store, case_id, actor=ask.actor, why=ask.purpose, level=ask.level, **options)
    return redact_case(doc, ask.level, sel)


def write_case(
    store: Store,
    secret: bytes,
    data_dir: Path,
    case_id: int,
    out: Path,
    ask: ExportAsk,
    *,
    fmt: str,
    with_bundle: bool = False,
    **options: Any,
) -> case_export.Written:
    """The case export written to ``out`` in ``fmt`` (json, html, pdf) at ``ask.level``, with the evidence bundle
    beside it when asked (services.case_export.write_export, with its ``options``). The bundle holds the pages as
    captured, so it goes only with a full export: a redacted document with the originals attached would redact
    nothing."""
    sel, _ = _checked(store, secret, ask, "json")
    if with_bundle and ask.level != "full":
        raise RedactionRefused(
            "bundle_needs_full",
            "the evidence bundle holds the captured pages as they were: attach it only to a full export "
            "(level full, with a purpose)",
        )
    return case_export.write_export(
        store,
        data_dir,
        case_id,
        out,
        fmt=fmt,
        actor=ask.actor,
        with_bundle=with_bundle,
        why=ask.purpose,
        level=ask.level,
        finish=lambda doc: redact_case(doc, ask.level, sel),
        **options,
    )
