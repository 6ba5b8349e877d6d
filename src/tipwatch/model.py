"""The records every stage passes on.

Spans (start, end) always index the *original* post text (``Post.text``), never a normalized form, so that
highlights land on the characters the author wrote. Records are plain dataclasses: cheap to pickle into a
process pool and to turn into JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tipwatch.media_model import PostMedia  # media_model imports this module: for annotations only

PostKind = Literal["escort_ad", "job_ad", "dating_profile", "marriage_profile", "social_post", "other"]
POST_KINDS: tuple[str, ...] = (
    "escort_ad",
    "job_ad",
    "dating_profile",
    "marriage_profile",
    "social_post",
    "other",
)

IdentifierType = Literal["phone", "email", "url", "handle", "wallet", "price", "age", "place"]
# Which types can link posts (a person's or account's identifiers) is said by each type: extract/registry.py.


@dataclass(slots=True)
class RawRecord:
    """One record as a reader saw it, before any interpretation.

    ``fields`` is the parsed mapping (None when the reader could not parse the record, then ``error`` says why).
    ``raw`` is the untouched input as text (undecodable bytes kept as ``\\udcXX`` surrogate escapes by readers).
    """

    source: str
    position: str
    raw: str
    fields: dict[str, Any] | None = None
    error: str | None = None


@dataclass(slots=True)
class Quarantined:
    """A record that could not become a Post: where it was, why, and what it looked like."""

    source: str
    position: str
    reason: str
    raw: str


@dataclass(slots=True)
class Post:
    # The store key: "<namespace>/<source id>" for records with their own id, else a content hash (sources.convert).
    id: str
    source: str
    position: str
    kind: str = "other"
    title: str = ""
    body: str = ""
    url: str | None = None
    platform: str | None = None
    posted_at: datetime | None = None
    location: str | None = None
    images: list[str] = field(default_factory=list)
    language: str | None = None
    raw: str = ""
    source_id: str | None = None  # the record's own id, exactly as given (what `score` echoes)

    @property
    def text(self) -> str:
        """The text every span refers to: title, a newline, then body."""
        return post_text(self.title, self.body)


def post_text(title: str, body: str) -> str:
    if title and body:
        return f"{title}\n{body}"
    return title or body


@dataclass(slots=True)
class Identifier:
    """An identifier or attribute found in a text.

    value is normalized: phones E.164, emails lower-case, handles ``platform:name``, urls canonical, wallets as
    written (checksummed), price ``"<amount> <CUR>[/<unit>]"``, age ``"<years>"``, place a gazetteer name.
    ``obfuscated`` is True when the raw form was disguised (spelled-out digits, look-alike letters, odd separators,
    "(at)"), which is itself an indicator.
    """

    type: str
    value: str
    start: int
    end: int
    confidence: float = 1.0
    obfuscated: bool = False
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class IndicatorHit:
    """A lexicon or structural indicator found in a text, with the rule that fired and its source."""

    code: str
    category: str
    weight: float
    start: int
    end: int
    text: str = ""
    domain: str = "general"
    language: str = ""
    source: str = ""


@dataclass(slots=True)
class Reason:
    """One thing that moved a score, with its signed contribution (in log-odds or probability points)."""

    code: str
    contribution: float
    detail: str = ""
    start: int | None = None
    end: int | None = None


@dataclass(slots=True)
class Assessment:
    risk: float
    reasons: list[Reason] = field(default_factory=list)
    model: str = "indicators"
    indicator_risk: float | None = None
    classifier_risk: float | None = None


@dataclass(slots=True)
class PostResult:
    """Everything the per-post stages found for one post."""

    post: Post
    identifiers: list[Identifier]
    hits: list[IndicatorHit]
    assessment: Assessment
    # When the media stage ran: what the post's images gave (hashes, matches, rejects).
    media: PostMedia | None = None


@dataclass(slots=True)
class AlreadyStored:
    """A post whose id the store held before it was analysed, so it was not analysed: the writer counts it as a
    duplicate (and notes it if its content differs from the stored post), exactly as it would the analysed post."""

    post: Post


# What an engine yields for one record read, in input order.
Outcome = PostResult | AlreadyStored | Quarantined
