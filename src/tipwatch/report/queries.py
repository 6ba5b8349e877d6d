"""The report's reads from the store: small aggregates and the top N posts, never the whole table.

Everything here is a bounded result: a LIMIT, a GROUP BY over few groups, or lookups for the posts on the page. The
full-table stream for the exports lives in ``exports.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Date, and_, case, cast, distinct, func, select

from tipwatch.model import LINKING_TYPES, post_text
from tipwatch.store.tables import identifiers, indicator_hits, posts, quarantine, runs

# SQLite's default limit on bound parameters is 32766 in new builds but 999 in old ones.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: int
    command: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    inputs: list[str]
    read: int
    stored: int
    duplicates: int
    quarantined: int

    @property
    def unaccounted(self) -> int:
        """read - (stored + duplicates + quarantined): 0 when every record read is accounted for."""
        return self.read - (self.stored + self.duplicates + self.quarantined)


@dataclass(frozen=True, slots=True)
class StoreTotals:
    posts: int
    runs: int
    quarantined: int
    identifiers: int
    indicator_hits: int
    at_or_above_min: int


@dataclass(frozen=True, slots=True)
class IdentifierRow:
    type: str
    value: str
    start: int
    end: int
    confidence: float
    obfuscated: bool
    shared_posts: int | None = None  # posts in the store with the same type and value (linking types only)


@dataclass(frozen=True, slots=True)
class HitRow:
    code: str
    category: str
    domain: str
    weight: float
    start: int
    end: int
    text: str
    language: str


@dataclass(slots=True)
class RankedPost:
    rank: int
    id: str
    source: str
    position: str
    url: str | None
    platform: str | None
    kind: str
    language: str | None
    posted_at: datetime | None
    location: str | None
    images: list[str]
    risk: float
    indicator_risk: float | None
    classifier_risk: float | None
    model: str
    reasons: list[dict[str, Any]]
    title: str
    body: str
    identifiers: list[IdentifierRow] = field(default_factory=list)
    hits: list[HitRow] = field(default_factory=list)

    @property
    def text(self) -> str:
        return post_text(self.title, self.body)


def latest_run(conn: Connection) -> RunSummary | None:
    row = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        return None
    inputs = row["inputs"] if isinstance(row["inputs"], list) else [row["inputs"]]
    return RunSummary(
        id=row["id"],
        command=row["command"],
        status=row["status"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        inputs=[str(i) for i in inputs],
        read=row["read"] or 0,
        stored=row["stored"] or 0,
        duplicates=row["duplicates"] or 0,
        quarantined=row["quarantined"] or 0,
    )


def _count(conn: Connection, table: Any, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def store_totals(conn: Connection, min_risk: float) -> StoreTotals:
    return StoreTotals(
        posts=_count(conn, posts),
        runs=_count(conn, runs),
        quarantined=_count(conn, quarantine),
        identifiers=_count(conn, identifiers),
        indicator_hits=_count(conn, indicator_hits),
        at_or_above_min=_count(conn, posts, posts.c.risk >= min_risk),
    )


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def top_posts(conn: Connection, top: int, min_risk: float) -> list[RankedPost]:
    """The ``top`` riskiest posts with risk >= ``min_risk`` (ties by id, so the order is stable), with their
    identifiers and indicator hits in text order."""
    if top <= 0:
        return []
    cols = [c for c in posts.c if c.name not in ("raw", "run_id")]
    stmt = select(*cols).where(posts.c.risk >= min_risk).order_by(posts.c.risk.desc(), posts.c.id).limit(top)
    ranked: list[RankedPost] = []
    for rank, row in enumerate(conn.execute(stmt).mappings(), start=1):
        ranked.append(
            RankedPost(
                rank=rank,
                id=row["id"],
                source=row["source"],
                position=row["position"],
                url=row["url"],
                platform=row["platform"],
                kind=row["kind"],
                language=row["language"],
                posted_at=row["posted_at"],
                location=row["location"],
                images=[str(i) for i in _as_list(row["images"])],
                risk=float(row["risk"]),
                indicator_risk=row["indicator_risk"],
                classifier_risk=row["classifier_risk"],
                model=row["model"],
                reasons=[r for r in _as_list(row["reasons"]) if isinstance(r, dict)],
                title=row["title"] or "",
                body=row["body"] or "",
            )
        )
    by_id = {p.id: p for p in ranked}
    ids = list(by_id)
    for chunk in _chunks(ids):
        q = select(identifiers).where(identifiers.c.post_id.in_(chunk))
        for r in conn.execute(q.order_by(identifiers.c.post_id, identifiers.c.start, identifiers.c.id)).mappings():
            by_id[r["post_id"]].identifiers.append(
                IdentifierRow(r["type"], r["value"], r["start"], r["end"], r["confidence"], bool(r["obfuscated"]))
            )
        q = select(indicator_hits).where(indicator_hits.c.post_id.in_(chunk))
        for m in conn.execute(
            q.order_by(indicator_hits.c.post_id, indicator_hits.c.start, indicator_hits.c.id)
        ).mappings():
            by_id[m["post_id"]].hits.append(
                HitRow(
                    m["code"], m["category"], m["domain"], m["weight"], m["start"], m["end"], m["text"], m["language"]
                )
            )
    _add_shared_counts(conn, ranked)
    return ranked


def _add_shared_counts(conn: Connection, ranked: list[RankedPost]) -> None:
    """How many posts in the store carry each linking identifier shown: a first hint of a network."""
    wanted = sorted({(i.type, i.value) for p in ranked for i in p.identifiers if i.type in LINKING_TYPES})
    if not wanted:
        return
    types = sorted({t for t, _ in wanted})
    values = sorted({v for _, v in wanted})
    counts: dict[tuple[str, str], int] = {}
    for chunk in _chunks(values):
        q = (
            select(identifiers.c.type, identifiers.c.value, func.count(distinct(identifiers.c.post_id)))
            .where(and_(identifiers.c.type.in_(types), identifiers.c.value.in_(chunk)))
            .group_by(identifiers.c.type, identifiers.c.value)
        )
        for t, v, n in conn.execute(q):
            counts[(t, v)] = int(n)
    for p in ranked:
        p.identifiers = [
            IdentifierRow(i.type, i.value, i.start, i.end, i.confidence, i.obfuscated, counts.get((i.type, i.value)))
            if i.type in LINKING_TYPES
            else i
            for i in p.identifiers
        ]


# ---- chart aggregates ----


def risk_histogram(conn: Connection, bins: int = 20) -> list[int]:
    """Post counts per risk bin [k/bins, (k+1)/bins); risk 1.0 falls in the last bin."""
    # A CASE ladder instead of floor(risk * bins): CAST rounds on PostgreSQL and truncates on SQLite.
    bucket = case(*((posts.c.risk < (k + 1) / bins, k) for k in range(bins - 1)), else_=bins - 1)
    counts = [0] * bins
    for b, n in conn.execute(select(bucket, func.count()).group_by(bucket)):
        counts[int(b)] = int(n)
    return counts


def count_by(conn: Connection, column: Any, *, limit: int | None = None) -> list[tuple[str, int]]:
    """(value, count of rows) for one column, largest first."""
    n = func.count()
    q = select(column, n).group_by(column).order_by(n.desc(), column)
    if limit is not None:
        q = q.limit(limit)
    return [("" if v is None else str(v), int(c)) for v, c in conn.execute(q)]


def top_places(conn: Connection, limit: int = 15) -> list[tuple[str, int]]:
    """Places named in posts (identifiers of type place), by number of posts."""
    n = func.count(distinct(identifiers.c.post_id))
    q = (
        select(identifiers.c.value, n)
        .where(identifiers.c.type == "place")
        .group_by(identifiers.c.value)
        .order_by(n.desc(), identifiers.c.value)
        .limit(limit)
    )
    return [(str(v), int(c)) for v, c in conn.execute(q)]


@dataclass(frozen=True, slots=True)
class Weekly:
    weeks: list[tuple[date, int]]  # Monday of each week, posts; gap weeks filled with 0
    undated: int
    earlier: int  # dated posts before the first week shown (the series is capped)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def posts_per_week(conn: Connection, max_weeks: int = 104) -> Weekly:
    """Posts per ISO week (Monday start), the last ``max_weeks`` weeks that have posts, gaps filled."""
    dialect = conn.dialect.name
    counts: Counter[date] = Counter()
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            week: Any = func.date(posts.c.posted_at, "weekday 0", "-6 days")
        else:
            week = cast(func.date_trunc("week", posts.c.posted_at), Date)
        q = select(week, func.count()).where(posts.c.posted_at.is_not(None)).group_by(week)
        for w, n in conn.execute(q):
            if w is None:
                continue
            d = w if isinstance(w, date) else date.fromisoformat(str(w)[:10])
            counts[_monday(d)] += int(n)
    else:
        # Other databases: stream the dates (one small column) and count here.
        res = conn.execution_options(stream_results=True, yield_per=10_000).execute(
            select(posts.c.posted_at).where(posts.c.posted_at.is_not(None))
        )
        for (ts,) in res:
            counts[_monday(ts.date())] += 1
    undated = _count(conn, posts, posts.c.posted_at.is_(None))
    if not counts:
        return Weekly([], undated, 0)
    last = max(counts)
    first = max(min(counts), last - timedelta(weeks=max_weeks - 1))
    weeks = []
    d = first
    while d <= last:
        weeks.append((d, counts.get(d, 0)))
        d += timedelta(weeks=1)
    earlier = sum(n for w, n in counts.items() if w < first)
    return Weekly(weeks, undated, earlier)
