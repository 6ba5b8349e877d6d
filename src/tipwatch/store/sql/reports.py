"""ReportStore on SQLAlchemy (SQLite and PostgreSQL): the report's aggregates, top posts and export stream."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Date, Engine, and_, case, cast, distinct, func, literal, select, union_all

from tipwatch.store.interface import reports as reports_interface
from tipwatch.store.interface.reports import (
    CountField,
    ExportRow,
    HitRow,
    IdentifierRow,
    RankedPost,
    ReportStore,
    RunSummary,
    StoreTotals,
    Weekly,
    export_reasons,
    monday,
    weekly_series,
)
from tipwatch.store.tables import identifiers, indicator_hits, posts, quarantine, runs

# SQLite's default limit on bound parameters is 32766 in new builds but 999 in old ones.
_CHUNK = 500
# Rows per fetch of the export's server-side cursor (read at each call, so tests can make it small).
BATCH = 5_000

_COUNT_COLUMNS: dict[str, Any] = {
    "hit_category": indicator_hits.c.category,
    "hit_language": indicator_hits.c.language,
    "post_kind": posts.c.kind,
    "post_language": posts.c.language,
    "post_platform": posts.c.platform,
}


# Identifier values counted per statement (a UNION ALL of one bounded count each; SQLite allows 500 terms).
_SHARED_PER_QUERY = 200


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(conn: Connection, table: Any, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts is not None else None


class SqlReports(ReportStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def location(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    def latest_run(self) -> RunSummary | None:
        with self._engine.connect() as conn:
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

    def totals(self, min_risk: float) -> StoreTotals:
        with self._engine.connect() as conn:
            return StoreTotals(
                posts=_count(conn, posts),
                runs=_count(conn, runs),
                quarantined=_count(conn, quarantine),
                identifiers=_count(conn, identifiers),
                indicator_hits=_count(conn, indicator_hits),
                at_or_above_min=_count(conn, posts, posts.c.risk >= min_risk),
            )

    def top_posts(
        self,
        top: int,
        min_risk: float,
        *,
        shared_types: Collection[str] = (),
        platform: str | None = None,
        offset: int = 0,
    ) -> list[RankedPost]:
        if top <= 0:
            return []
        stmt = select(*_post_columns()).where(posts.c.risk >= min_risk)
        if platform is not None:
            stmt = stmt.where(posts.c.platform == platform)
        stmt = stmt.order_by(posts.c.risk.desc(), posts.c.id).limit(top).offset(max(offset, 0))
        with self._engine.connect() as conn:
            rows = enumerate(conn.execute(stmt).mappings(), start=max(offset, 0) + 1)
            ranked = [_ranked(rank, row) for rank, row in rows]
            _add_details(conn, ranked, frozenset(shared_types))
        return ranked

    def post_views(self, ids: Sequence[str], *, shared_types: Collection[str] = ()) -> list[RankedPost]:
        order = {pid: i for i, pid in enumerate(dict.fromkeys(ids))}
        found: list[RankedPost] = []
        with self._engine.connect() as conn:
            for chunk in _chunks(list(order)):
                stmt = select(*_post_columns()).where(posts.c.id.in_(chunk))
                found.extend(_ranked(order[row["id"]] + 1, row) for row in conn.execute(stmt).mappings())
            found.sort(key=lambda p: p.rank)
            _add_details(conn, found, frozenset(shared_types))
        return found

    def risk_histogram(self, bins: int = 20) -> list[int]:
        # A CASE ladder instead of floor(risk * bins): CAST rounds on PostgreSQL and truncates on SQLite.
        bucket = case(*((posts.c.risk < (k + 1) / bins, k) for k in range(bins - 1)), else_=bins - 1)
        counts = [0] * bins
        with self._engine.connect() as conn:
            for b, n in conn.execute(select(bucket, func.count()).group_by(bucket)):
                counts[int(b)] = int(n)
        return counts

    def count_by(self, field: CountField, *, limit: int | None = None) -> list[tuple[str, int]]:
        column = _COUNT_COLUMNS[field]
        n = func.count()
        q = select(column, n).group_by(column).order_by(n.desc(), column)
        if limit is not None:
            q = q.limit(limit)
        with self._engine.connect() as conn:
            return [("" if v is None else str(v), int(c)) for v, c in conn.execute(q)]

    def top_places(self, limit: int = 15) -> list[tuple[str, int]]:
        n = func.count(distinct(identifiers.c.post_id))
        q = (
            select(identifiers.c.value, n)
            .where(identifiers.c.type == "place")
            .group_by(identifiers.c.value)
            .order_by(n.desc(), identifiers.c.value)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [(str(v), int(c)) for v, c in conn.execute(q)]

    def posts_per_week(self, max_weeks: int = 104) -> Weekly:
        counts: Counter[date] = Counter()
        with self._engine.connect() as conn:
            dialect = conn.dialect.name
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
                    counts[monday(d)] += int(n)
            else:
                # Other databases: stream the dates (one small column) and count here.
                res = conn.execution_options(stream_results=True, yield_per=10_000).execute(
                    select(posts.c.posted_at).where(posts.c.posted_at.is_not(None))
                )
                for (ts,) in res:
                    counts[monday(ts.date())] += 1
            undated = _count(conn, posts, posts.c.posted_at.is_(None))
        return weekly_series(counts, undated, max_weeks)

    def iter_export_rows(self) -> Iterator[ExportRow]:
        # One query (posts LEFT JOIN identifiers, riskiest first) read through a server-side cursor in batches;
        # rows of one post are consecutive, so each post is yielded as soon as its last identifier row has gone by.
        cols = [
            posts.c.id,
            posts.c.source,
            posts.c.position,
            posts.c.url,
            posts.c.platform,
            posts.c.kind,
            posts.c.language,
            posts.c.posted_at,
            posts.c.location,
            posts.c.risk,
            posts.c.indicator_risk,
            posts.c.classifier_risk,
            posts.c.reasons,
        ]
        stmt = (
            select(*cols, identifiers.c.type, identifiers.c.value)
            .select_from(posts.outerjoin(identifiers, identifiers.c.post_id == posts.c.id))
            .order_by(posts.c.risk.desc(), posts.c.id, identifiers.c.start, identifiers.c.id)
        )
        with self._engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
            current: ExportRow | None = None
            seen: set[str] = set()
            for row in result:
                if current is None or row[0] != current["id"]:
                    if current is not None:
                        yield current
                    current = {
                        "id": row[0],
                        "source": row[1],
                        "position": row[2],
                        "url": row[3],
                        "platform": row[4],
                        "kind": row[5],
                        "language": row[6],
                        "posted_at": _iso(row[7]),
                        "location": row[8],
                        "risk": row[9],
                        "indicator_risk": row[10],
                        "classifier_risk": row[11],
                        "top_reasons": export_reasons(row[12]),
                        "identifiers": [],
                    }
                    seen = set()
                if row[13] is not None:
                    key = f"{row[13]}:{row[14]}"
                    if key not in seen:
                        seen.add(key)
                        current["identifiers"].append(key)
            if current is not None:
                yield current


def _post_columns() -> list[Any]:
    return [c for c in posts.c if c.name not in ("raw", "run_id")]


def _ranked(rank: int, row: Any) -> RankedPost:
    return RankedPost(
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


def _add_details(conn: Connection, ranked: list[RankedPost], shared_types: frozenset[str]) -> None:
    """Fill each post's identifiers and indicator hits, in text order."""
    by_id = {p.id: p for p in ranked}
    for chunk in _chunks(list(by_id)):
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
    _add_shared_counts(conn, ranked, shared_types)


def _add_shared_counts(conn: Connection, ranked: list[RankedPost], shared_types: frozenset[str]) -> None:
    """How many posts in the store carry each linking identifier shown (a first hint of a network), counted up to
    ``SHARED_COUNT_CAP``: each value's count reads at most that many entries of the (type, value, post_id) index."""
    wanted = sorted({(i.type, i.value) for p in ranked for i in p.identifiers if i.type in shared_types})
    if not wanted:
        return
    cap = reports_interface.SHARED_COUNT_CAP
    counts: dict[tuple[str, str], int] = {}
    for i in range(0, len(wanted), _SHARED_PER_QUERY):
        parts = []
        for t, v in wanted[i : i + _SHARED_PER_QUERY]:
            sharing = (
                select(identifiers.c.post_id)
                .where(and_(identifiers.c.type == t, identifiers.c.value == v))
                .distinct()
                .limit(cap + 1)
                .subquery()
            )
            parts.append(select(literal(t), literal(v), func.count()).select_from(sharing))
        for t, v, n in conn.execute(union_all(*parts)):
            counts[(t, v)] = int(n)
    for p in ranked:
        p.identifiers = [
            _with_count(i, counts.get((i.type, i.value)), cap) if i.type in shared_types else i for i in p.identifiers
        ]


def _with_count(row: IdentifierRow, n: int | None, cap: int) -> IdentifierRow:
    if n is not None and n > cap:
        return replace(row, shared_posts=cap, shared_more=True)
    return replace(row, shared_posts=n)
