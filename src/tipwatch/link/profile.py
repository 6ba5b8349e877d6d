"""A network's profile: who, where, when and how it posts, computed from its member posts (pure functions).

Input is one ``MemberFacts`` per post (columns from the store); output is a JSON-ready dict stored with the network.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tipwatch.extract.registry import linking_types


@dataclass(slots=True)
class MemberFacts:
    id: str
    platform: str | None = None
    kind: str = "other"
    posted_at: datetime | None = None
    location: str | None = None
    language: str | None = None
    risk: float = 0.0
    hits: int = 0
    places: list[str] = field(default_factory=list)  # gazetteer places found in the text, in text order
    contacts: list[tuple[str, str]] = field(default_factory=list)  # (type, value) of linking identifiers


def _top(counter: Counter[str], n: int = 10) -> dict[str, int]:
    return dict(counter.most_common(n))


def _place(m: MemberFacts) -> str | None:
    return m.places[0] if m.places else (m.location or None)


def movement(members: Sequence[MemberFacts]) -> list[dict[str, object]]:
    """Ordered stops: consecutive posts in the same place are one stop (first/last time, posts)."""
    dated = sorted((m for m in members if m.posted_at and _place(m)), key=lambda m: (m.posted_at, m.id))
    stops: list[dict[str, object]] = []
    for m in dated:
        place = _place(m)
        if stops and stops[-1]["place"] == place:
            stops[-1]["to"] = m.posted_at.isoformat() if m.posted_at else None
            stops[-1]["posts"] = int(str(stops[-1]["posts"])) + 1
        else:
            ts = m.posted_at.isoformat() if m.posted_at else None
            stops.append({"place": place, "from": ts, "to": ts, "posts": 1})
    return stops


def rhythm(times: Sequence[datetime]) -> dict[str, object]:
    """Time span and posting rhythm of a set of timestamps."""
    if not times:
        return {"first": None, "last": None, "span_days": 0.0, "active_days": 0}
    ts = sorted(times)
    gaps = [(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(ts)]
    days = {t.date() for t in ts}
    hours = Counter(t.hour for t in ts)
    return {
        "first": ts[0].isoformat(),
        "last": ts[-1].isoformat(),
        "span_days": round((ts[-1] - ts[0]).total_seconds() / 86400, 2),
        "active_days": len(days),
        "posts_per_active_day": round(len(ts) / len(days), 2),
        "median_gap_hours": round(statistics.median(gaps), 2) if gaps else None,
        "busiest_hours": [h for h, _ in hours.most_common(3)],
    }


def build_profile(members: Sequence[MemberFacts], signals: Counter[str] | None = None) -> dict[str, object]:
    """Profile of a network from its members and the link signals that hold it together."""
    contacts: dict[str, Counter[str]] = {}
    link_types = linking_types()
    for m in members:
        for typ, value in dict.fromkeys(m.contacts):
            contacts.setdefault(typ, Counter())[value] += 1
    places: Counter[str] = Counter(p for m in members if (p := _place(m)))
    risks = [m.risk for m in members]
    path = movement(members)
    return {
        "size": len(members),
        "kinds": _top(Counter(m.kind for m in members)),
        "platforms": _top(Counter(m.platform or "unknown" for m in members)),
        "languages": _top(Counter(m.language or "unknown" for m in members)),
        "identifiers": {t: _top(c) for t, c in sorted(contacts.items())},
        "n_identifiers": sum(len(c) for t, c in contacts.items() if t in link_types),
        "places": _top(places, 20),
        "movement": [str(s["place"]) for s in path],
        "stops": path,
        "time": rhythm([m.posted_at for m in members if m.posted_at]),
        "indicator_density": round(sum(m.hits for m in members) / len(members), 3) if members else 0.0,
        "risk_mean": round(statistics.fmean(risks), 4) if risks else 0.0,
        "risk_max": round(max(risks), 4) if risks else 0.0,
        "signals": dict(sorted((signals or Counter()).items())),
    }
