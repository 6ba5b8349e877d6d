"""A case as JSON for an authority: field names of IOM's Human Trafficking Case Data Standard (HTCDS,
https://github.com/UNMigration/HTCDS, "HTCDS Field Reference.md", CC BY 4.0) where they apply, tipwatch's own
fields for the rest (posts, identifiers, networks, notices).

HTCDS describes cases about persons (victims, perpetrators); a tipwatch case holds online ads. So only these HTCDS
fields are filled: ``org_Name`` (the exporting organisation), ``cas_Status``, the outgoing referral fields
(``cas_ReferredOrganisation``, ``cas_OutgoingReferralDate``, ``cas_ReasonForOutgoingReferral``,
``cas_OutgoingReferralDetails``), ``vic_ExploitationWebsitesAndApps`` (the HTCDS picklist values of the platforms the
ads were on) and one historic trafficking event (``hte_``) per dated or located ad, typed as advertised exploitation
and described as a lead. Abuse-material bank matches (mandatory reporting) are listed with hashes only: no picture
is ever exported. The export is a view of personal data: it is audited ("case.export").

The same document is written as JSON, as an HTML page (autoescaped, a policy that allows no script, no connection
and no image) or as that page printed to PDF by Chromium (``write_export``); with ``with_bundle`` the case's signed
evidence bundle (``services.evidence.export_case``) is written beside it and the document names the bundle's file
and manifest SHA-256, so the two stay bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tipwatch import __version__
from tipwatch.evidence.report import render_case
from tipwatch.notices.registry import host_of
from tipwatch.services import audit, evidence
from tipwatch.services.cases import show_case
from tipwatch.services.notices import grounds, notices_for_posts, time_to_removal
from tipwatch.services.posts import post_view
from tipwatch.store.facade import Store

STANDARD = "IOM Human Trafficking Case Data Standard (HTCDS), https://github.com/UNMigration/HTCDS (CC BY 4.0)"
DISCLAIMER = (
    "Scores, indicators and links are leads found by software for human review, not findings of fact. Events are "
    "ads as posted, not verified trafficking events."
)
# cas_Status picklist: Active FollowUp Closed ClosedReferred.
CASE_STATUS = {"open": "Active", "in_progress": "FollowUp", "closed": "Closed", "referred": "ClosedReferred"}
# vic_ExploitationWebsitesAndApps picklist values, by the hosts (and handle platforms) that belong to each.
APPS = {
    "Facebook": ("facebook.com", "fb.com", "fb.me", "facebook"),
    "FacebookMessenger": ("messenger.com", "m.me", "messenger"),
    "Instagram": ("instagram.com", "instagr.am", "instagram"),
    "WhatsApp": ("whatsapp.com", "wa.me", "whatsapp"),
    "Telegram": ("t.me", "telegram.me", "telegram.org", "telegram"),
    "Viber": ("viber.com", "viber"),
    "SnapChat": ("snapchat.com", "snapchat"),
    "Line": ("line.me", "line"),
    "4Sale": ("4sale.com", "q84sale.com", "4sale"),
    "WeChat": ("wechat.com", "weixin.qq.com", "wechat"),
    "QZone": ("qzone.qq.com", "qzone"),
    "QQ": ("qq.com", "qq"),
    "TikTok": ("tiktok.com", "tiktok"),
    "Twitter": ("twitter.com", "x.com", "t.co", "twitter"),
}


def htcds_app(host_or_platform: str) -> str:
    """The HTCDS picklist value for a host (subdomains included) or a handle's platform name; "Other" if none."""
    name = host_or_platform.lower().rstrip(".")
    for value, names in APPS.items():
        if any(name == n or name.endswith("." + n) for n in names):
            return value
    return "Other"


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.astimezone(UTC).isoformat()


def _evidence_item(store: Store, item: evidence.EvidenceItem) -> dict[str, Any]:
    """One captured page as records: where, when, by whom, each file's SHA-256, the custody log's head."""
    events = store.evidence.events(item.id)
    return {
        "id": item.id,
        "post_id": item.post_id,
        "url": item.url,
        "final_url": item.final_url,
        "captured_at": _iso(item.captured_at),
        "captured_by": item.captured_by,
        "http_status": item.http_status,
        "artifacts": [{"kind": a.kind, "sha256": a.sha256, "size": a.size} for a in store.evidence.artifacts(item.id)],
        "custody_events": len(events),
        "custody_head": events[-1].hash if events else None,
    }


def export_case(
    store: Store,
    case_id: int,
    *,
    actor: str,
    organisation: str | None = None,
    referred_to: str | None = None,
    details: str = "",
    why: str = "",
    now: datetime | None = None,
    level: str = "full",
) -> dict[str, Any]:
    """The case as a JSON-able document (raises ``CaseError`` when there is no such case). ``level``: the export
    level it goes out at (services.exports cuts it down), kept in the audit entry."""
    at = now or datetime.now(UTC)
    detail = show_case(store, case_id)
    case = detail.case
    post_ids = [p.id for p in detail.posts]
    posts: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    apps: set[str] = set()
    mandatory: list[dict[str, Any]] = []
    for pid in post_ids:
        view = post_view(store, pid)
        if view is None:
            posts.append({"id": pid, "missing": True})
            continue
        p = view.post
        if p.url and host_of(p.url):
            apps.add(htcds_app(host_of(p.url)))
        for ident in p.identifiers:
            if ident.type == "handle" and ":" in ident.value:
                apps.add(htcds_app(ident.value.split(":", 1)[0]))
        for m in view.matches:
            if m.is_abuse_material:
                mandatory.append(
                    {
                        "post_id": pid,
                        "sha256": m.sha256,
                        "bank": m.bank,
                        "signal_type": m.signal_type,
                        "distance": m.distance,
                    }
                )
        posts.append(
            {
                "id": pid,
                "url": p.url,
                "platform": p.platform,
                "posted_at": _iso(p.posted_at),
                "location": p.location,
                "risk": p.risk,
                "grounds": grounds(view),
                "identifiers": [{"type": i.type, "value": i.value} for i in p.identifiers],
                "network": None if view.network is None else view.network.id,
                # Hashes only: restricted pictures are never exported, nor is any picture.
                "pictures": [{"sha256": m.sha256, "restricted": m.restricted} for m in view.media if m.sha256],
            }
        )
        if p.posted_at is not None or p.location:
            where = f" at {p.url}" if p.url else ""
            events.append(
                {
                    "hte_Type": "Exploitation",
                    "hte_Date": None if p.posted_at is None else p.posted_at.astimezone(UTC).date().isoformat(),
                    "hte_City": p.location,
                    "hte_Description": f"ad {pid} posted{where} (a lead, not a verified event)",
                }
            )
    wanted = set(post_ids)
    notices = [
        {
            "id": n.id,
            "platform": n.platform_name,
            "state": n.state,
            "urls": [u.url for u in n.urls if u.post_id in wanted],
            "sent_at": _iso(n.sent_at),  # the time the platform got actual knowledge (DSA Art. 16(3))
            "closed_at": _iso(n.closed_at),
            "hours_to_removal": None if (t := time_to_removal(n)) is None else round(t.total_seconds() / 3600, 3),
        }
        for n in notices_for_posts(store, wanted)
    ]
    doc: dict[str, Any] = {
        "standard": STANDARD,
        "generated_at": at.isoformat(),
        "generated_by": actor,
        "tool": f"tipwatch {__version__}",
        "disclaimer": DISCLAIMER,
        "organisation": {"org_Name": organisation},
        "case": {
            "id": case.id,
            "title": case.title,
            "cas_Status": CASE_STATUS.get(case.status, case.status),
            "cas_ReferredOrganisation": referred_to,
            "cas_OutgoingReferralDate": at.date().isoformat() if referred_to else None,
            "cas_ReasonForOutgoingReferral": "Other" if referred_to else None,
            "cas_OutgoingReferralDetails": details or None,
            "priority": case.priority,
            "assignee": case.assignee,
            "created_by": case.created_by,
            "created_at": _iso(case.created_at),
        },
        "victim_context": {"vic_ExploitationWebsitesAndApps": sorted(apps)},
        "historic_trafficking_events": events,
        "posts": posts,
        "networks": [{"id": n.id, "gone": n.id in detail.gone_networks} for n in detail.networks],
        "notes": [{"author": n.author, "at": _iso(n.created_at), "text": n.text} for n in detail.notes],
        "history": [
            {"actor": e.actor, "kind": e.kind, "old": e.old, "new": e.new, "at": _iso(e.created_at)}
            for e in detail.events
        ],
        "notices": notices,
        "mandatory_reporting": mandatory,
        "evidence": [_evidence_item(store, item) for item in store.evidence.items(case_id)],
        "evidence_bundle": None,  # set by write_export when the bundle is attached
    }
    audit.append(
        store,
        actor,
        "case.export",
        f"case:{case_id}",
        why,
        {"posts": len(posts), "referred_to": referred_to, "level": level},
        at=at,
    )
    return doc


FORMATS = ("json", "html", "pdf")


class ExportError(ValueError):
    """The export could not be written (an unknown format, no Chromium for a PDF)."""


@dataclass(frozen=True, slots=True)
class Written:
    document: Path
    bundle: Path | None
    manifest_sha256: str | None


def bundle_path(out: Path) -> Path:
    """Where the attached bundle goes: beside the document, ``<name>-evidence.wacz``."""
    return out.with_name(f"{out.stem}-evidence.wacz")


def render(doc: dict[str, Any], fmt: str, *, chromium: str = "/usr/bin/chromium") -> bytes:
    """The document as bytes in ``fmt`` (json, html or pdf)."""
    if fmt == "json":
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    html = render_case(doc)
    if fmt == "html":
        return html.encode("utf-8")
    printed = evidence.print_pdf(html, chromium)
    if printed is None:
        raise ExportError(f"a PDF is printed by Chromium, which is not installed at {chromium}")
    return printed


def write_export(
    store: Store,
    data_dir: Path,
    case_id: int,
    out: Path,
    *,
    fmt: str,
    actor: str,
    with_bundle: bool = False,
    organisation: str | None = None,
    referred_to: str | None = None,
    details: str = "",
    why: str = "",
    chromium: str = "/usr/bin/chromium",
    tsa_url: str | None = None,
    tsa_allow_private: bool = False,
    level: str = "full",
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Written:
    """Write the case export to ``out`` in ``fmt``; with ``with_bundle``, the evidence bundle first (its custody
    "exported" events and audit entry come from services.evidence) to ``bundle_path(out)``. Raises CaseError,
    EvidenceError (a bundle of a case without evidence) or ExportError. ``level`` is recorded in the audit entry;
    ``finish`` (services.exports: the redaction for that level) shapes the document before it is rendered."""
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    bundle, digest = None, None
    if with_bundle:
        bundle = bundle_path(out)
        digest = evidence.export_case(
            store,
            data_dir,
            case_id,
            bundle,
            actor=actor,
            why=why or "attached to the case export",
            chromium=chromium,
            tsa_url=tsa_url,
            tsa_allow_private=tsa_allow_private,
        )
    doc = export_case(
        store,
        case_id,
        actor=actor,
        organisation=organisation,
        referred_to=referred_to,
        details=details,
        why=why,
        level=level,
    )
    if finish is not None:
        doc = finish(doc)
    if bundle is not None:
        doc["evidence_bundle"] = {
            "file": bundle.name,
            "manifest_sha256": digest,
            "public_key_fingerprint": evidence.fingerprint(data_dir),
        }
    out.write_bytes(render(doc, fmt, chromium=chromium))
    return Written(out, bundle, digest)
