"""A network's indicators as a MISP event, built with pymisp's ``MISPEvent`` (so the JSON is what MISP imports).

Mapping (docs/exchange.md):

| tipwatch kind | MISP attribute type | category | comment |
| --- | --- | --- | --- |
| phone (E.164) | ``phone-number`` | Person | |
| email | ``email-src`` | Social network | |
| handle (``platform:name``) | ``text`` | Social network | ``handle`` |
| wallet, Bitcoin address | ``btc`` | Financial fraud | |
| wallet, other chains | ``text`` | Financial fraud | ``crypto wallet`` |
| url | ``url`` | Network activity | |
| image_sha256 | ``sha256`` | Artifacts dropped | ``picture SHA-256`` |
| image_pdq | ``text`` | Artifacts dropped | ``pdq`` (Meta's PDQ perceptual hash; MISP has no PDQ type) |

Every attribute has ``to_ids`` off (these are leads for a person, not detection rules), first and last seen, a
``tipwatch:kind="..."`` tag naming our kind (so a reader maps ``text`` attributes back without guessing) and a
comment with the post count and the networks. The event carries the TLP tag (``tlp:amber+strict`` by default) and
distribution 0 ("your organisation only"): widening it is the receiving MISP's decision under the TLP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tipwatch.link.exports import FeedIndicator, FeedNetwork, Tlp

# (MISP type, category, comment prefix) per tipwatch kind; wallets are decided per value (Bitcoin or not).
MISP_TYPES: dict[str, tuple[str, str, str]] = {
    "phone": ("phone-number", "Person", ""),
    "email": ("email-src", "Social network", ""),
    "handle": ("text", "Social network", "handle"),
    "wallet": ("text", "Financial fraud", "crypto wallet"),
    "url": ("url", "Network activity", ""),
    "image_sha256": ("sha256", "Artifacts dropped", "picture SHA-256"),
    "image_pdq": ("text", "Artifacts dropped", "pdq"),
}
# Legacy (1/3) and bech32 (bc1) Bitcoin addresses; others (Ethereum, Tron, ...) go as text.
_BTC = re.compile(r"^(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,87})$")
KIND_TAG = "tipwatch:kind"


def misp_type(kind: str, value: str) -> tuple[str, str, str]:
    if kind == "wallet" and _BTC.match(value):
        return "btc", "Financial fraud", ""
    return MISP_TYPES[kind]


def misp_event(
    indicators: Iterable[FeedIndicator], networks: Iterable[FeedNetwork], *, marking: Tlp, created: datetime
) -> Any:
    """A ``pymisp.MISPEvent`` holding one attribute per indicator."""
    from pymisp import MISPEvent

    nets = list(networks)
    event = MISPEvent()
    names = ", ".join(n.id for n in nets[:10]) + (" ..." if len(nets) > 10 else "")
    event.info = f"tipwatch network(s) {names}: leads for human review" if nets else "tipwatch: leads for human review"
    event.distribution = 0  # your organisation only
    event.threat_level_id = 4  # undefined: a lead, not an assessed threat
    event.analysis = 0  # initial
    event.date = created.date()
    event.add_tag(f"tlp:{marking.level}")
    for ind in sorted(indicators, key=lambda i: (i.kind, i.value)):
        mtype, category, label = misp_type(ind.kind, ind.value)
        where = f"networks {', '.join(ind.networks)}" if ind.networks else "no network"
        comment = f"{label + ': ' if label else ''}seen in {ind.posts} post(s), {where}"
        attr = event.add_attribute(
            mtype,
            ind.value,
            category=category,
            to_ids=False,
            comment=comment[:1000],
            first_seen=ind.first_seen,
            last_seen=max(ind.last_seen, ind.first_seen),
        )
        for one in attr if isinstance(attr, list) else [attr]:
            one.add_tag(f'{KIND_TAG}="{ind.kind}"')
    return event
