"""One post as an analyst reviews it: its text with the spans that scored, its identifiers, the reasons for its
score, its pictures (with whether they may be shown), its network, and every link to other posts with the reason of
each. The web app's post page and the API's post route read this through ``view_post``, which audits the view
(personal data) the same way for every front door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tipwatch.extract.registry import linking_types
from tipwatch.services import audit
from tipwatch.store.facade import Store
from tipwatch.store.interface.links import StoredNetwork
from tipwatch.store.interface.media import MatchRow, MediaRow
from tipwatch.store.interface.reports import RankedPost

# Other posts shown per shared entity: a phone on 5,000 posts is shown as "5,000 posts", not listed.
OTHERS_PER_ENTITY = 25


@dataclass(slots=True)
class LinkView:
    """Why this post is tied to others: a shared entity (phone, e-mail, template...) or a direct pair link."""

    signal: str  # the entity type ("phone", "email", ...) or the pair signal ("text", "picture", ...)
    value: str  # the shared value, or "" for a pair link
    bits: float  # evidence in bits (log2 likelihood ratio), the model's own measure
    reason: str  # one line a person can check
    others: list[str] = field(default_factory=list)  # other post ids (at most OTHERS_PER_ENTITY for an entity)
    total_posts: int = 0  # posts sharing the entity (for a pair link: 2)


@dataclass(slots=True)
class PostView:
    post: RankedPost
    media: list[MediaRow]
    matches: list[MatchRow]
    network: StoredNetwork | None
    links: list[LinkView]

    @property
    def restricted(self) -> bool:
        """True when a picture of this post matched an abuse-material bank: no picture of it is ever served."""
        return any(m.restricted for m in self.media) or any(m.is_abuse_material for m in self.matches)


def _reason(signal: str, value: str, evidence: dict[str, Any], total: int) -> str:
    bits = evidence.get("bits", 0)
    if value:
        return f"shares {signal} {value} with {max(total - 1, 0)} other post(s): {bits} bits of evidence"
    if "jaccard" in evidence:
        return f"same {signal} template (Jaccard {evidence['jaccard']}): {bits} bits of evidence"
    if "distance" in evidence:
        return f"same {signal} (hash distance {evidence['distance']:g}): {bits} bits of evidence"
    return f"{signal} link: {bits} bits of evidence"


def post_view(store: Store, post_id: str) -> PostView | None:
    """The post ``post_id`` with everything its page shows, or None when no such post is stored."""
    found = store.reports.post_views([post_id], shared_types=linking_types())
    if not found:
        return None
    post = found[0]
    media, matches = store.media.post_media(post_id)
    nid = store.links.networks_of([post_id]).get(post_id)
    network = None
    if nid is not None:
        nets = store.links.networks(ids=[nid])
        network = nets[0] if nets else None

    stored = store.links.links_of(post_id)
    keys = [link.entity_key for link in stored if link.entity_key is not None]
    sharing: dict[int, list[str]] = {}
    for key, pid in store.links.posts_sharing(keys, limit=OTHERS_PER_ENTITY + 1):
        if pid != post_id:
            sharing.setdefault(key, []).append(pid)
    views: list[LinkView] = []
    for link in stored:
        ev = link.evidence if isinstance(link.evidence, dict) else {}
        bits = float(ev.get("bits", 0.0) or 0.0)
        if link.entity_key is not None:
            value = str(ev.get("value", ""))
            total = int(ev.get("posts", 0) or 0)
            others = sharing.get(link.entity_key, [])[:OTHERS_PER_ENTITY]
            views.append(LinkView(link.signal, value, bits, _reason(link.signal, value, ev, total), others, total))
        else:
            other = link.post_b if link.post_a == post_id else link.post_a
            views.append(LinkView(link.signal, "", bits, _reason(link.signal, "", ev, 2), [other or ""], 2))
    views.sort(key=lambda v: -v.bits)
    return PostView(post, media, matches, network, views)


def view_post(store: Store, post_id: str, *, actor: str, why: str = "", via: str = "") -> PostView | None:
    """``post_view`` as a person opens it: a "post.view" audit entry (who, which post, why, through which front door),
    also when no such post exists, since the attempt counts."""
    view = post_view(store, post_id)
    audit.append(store, actor, "post.view", f"post:{post_id}", why, {"via": via, "found": view is not None})
    return view
