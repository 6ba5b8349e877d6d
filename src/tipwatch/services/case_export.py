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
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tipwatch import __version__
from tipwatch.notices.registry import host_of
from tipwatch.services import audit
from tipwatch.services.cases import show_case
from tipwatch.services.notices import grounds, time_to_removal
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
        for n in store.notices.find(limit=100_000)
        if any(u.post_id in wanted for u in n.urls)
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
