"""The report's reads: small aggregates, the top N posts, chart series and the streamed export rows. (The never-shown
guard for abuse-material images is the media repository's ``MediaStore.restricted_posts``.)

Every method but ``iter_export_rows`` returns a bounded result (a LIMIT, a GROUP BY over few groups, or lookups for
the posts on the page); ``iter_export_rows`` streams the whole store one post at a time, so memory stays flat
whatever the store holds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypedDict

from tipwatch.model import post_text

# The columns the overview charts count by.
CountField = Literal["hit_category", "hit_language", "post_kind", "post_language", "post_platform"]


# Posts counted per shared identifier; past it a view says "at least this many".
SHARED_COUNT_CAP = 10_000


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
    # True when more posts than ``shared_posts`` carry it: counting stops at SHARED_COUNT_CAP (a platform's own
    # support number may be on millions of ads; counting them all would cost every view of such a post seconds).
    shared_more: bool = False


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


@dataclass(frozen=True, slots=True)
class Weekly:
    weeks: list[tuple[date, int]]  # Monday of each week, posts; gap weeks filled with 0
    undated: int
    earlier: int  # dated posts before the first week shown (the series is capped)


class ExportReason(TypedDict):
    code: Any
    contribution: Any
    detail: Any


class ExportRow(TypedDict):
    """One post of posts.csv / posts.jsonl, keys in column order (the JSONL writes them in this order)."""

    id: str
    source: str
    position: str
    url: str | None
    platform: str | None
    kind: str
    language: str | None
    posted_at: str | None  # ISO 8601
    location: str | None
    risk: float
    indicator_risk: float | None
    classifier_risk: float | None
    top_reasons: list[ExportReason]
    identifiers: list[str]  # unique "type:value", in text order


TOP_REASONS = 5  # reasons per post in the exports


def export_reasons(reasons: Any) -> list[ExportReason]:
    """The first ``TOP_REASONS`` stored reasons as export records (odd stored values are skipped)."""
    out: list[ExportReason] = []
    for r in reasons if isinstance(reasons, list) else []:
        if isinstance(r, dict):
            out.append({"code": r.get("code"), "contribution": r.get("contribution"), "detail": r.get("detail", "")})
        if len(out) == TOP_REASONS:
            break
    return out


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly_series(counts: Mapping[date, int], undated: int, max_weeks: int) -> Weekly:
    """Posts per week (keys: Mondays) as a gap-filled series of the last ``max_weeks`` weeks that have posts."""
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


class ReportStore(ABC):
    """What the report reads from the store."""

    @abstractmethod
    def location(self) -> str:
        """The store as shown on the report (its URL, any password hidden)."""

    @abstractmethod
    def latest_run(self) -> RunSummary | None:
        """The most recent run, or None when no run is recorded."""

    @abstractmethod
    def totals(self, min_risk: float) -> StoreTotals:
        """Row counts of the store, and how many posts have risk >= ``min_risk``."""

    @abstractmethod
    def top_posts(
        self,
        top: int,
        min_risk: float,
        *,
        shared_types: Collection[str] = (),
        platform: str | None = None,
        offset: int = 0,
    ) -> list[RankedPost]:
        """The ``top`` riskiest posts with risk >= ``min_risk`` (ties by id, so the order is stable), with their
        identifiers and indicator hits in text order; identifiers of ``shared_types`` carry how many posts share
        them. ``platform`` keeps that platform's posts only; ``offset`` skips that many first (paging)."""

    @abstractmethod
    def post_views(self, ids: Sequence[str], *, shared_types: Collection[str] = ()) -> list[RankedPost]:
        """Posts ``ids`` (unknown ids skipped) in the order given, each as ``top_posts`` returns it (``rank`` is the
        position in ``ids``): what a post page shows."""

    @abstractmethod
    def risk_histogram(self, bins: int = 20) -> list[int]:
        """Post counts per risk bin [k/bins, (k+1)/bins); risk 1.0 falls in the last bin."""

    @abstractmethod
    def count_by(self, field: CountField, *, limit: int | None = None) -> list[tuple[str, int]]:
        """(value, count of rows) for one column of posts or indicator hits, largest first (ties by value);
        a missing value counts as ""."""

    @abstractmethod
    def top_places(self, limit: int = 15) -> list[tuple[str, int]]:
        """Places named in posts (identifiers of type place), by number of posts."""

    @abstractmethod
    def posts_per_week(self, max_weeks: int = 104) -> Weekly:
        """Posts per ISO week (Monday start), the last ``max_weeks`` weeks that have posts, gaps filled."""

    @abstractmethod
    def iter_export_rows(self) -> Iterator[ExportRow]:
        """Every post once, riskiest first (ties by id), with its top reasons and identifiers; streamed."""
