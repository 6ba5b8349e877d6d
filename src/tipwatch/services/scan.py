"""Scan one post as it is uploaded (a platform's screening call, like Thorn's Safer or a PhotoDNA cloud check).

``Scanner.open(store, config)`` loads the knowledge once per process (lexicon automaton, identifier registry,
classifier, the watch matcher, the hash-bank match index); ``Scanner.scan(request)`` then runs the same per-post
pipeline as ``analyze`` (``pipeline.Analyzer.analyze_posts``) on one post and answers: risk with reasons, indicator
hits with spans, identifiers, watchlist hits, hash-bank matches of the image (with the dihedral variant that
matched), and the stored networks that already hold one of the post's identifiers or image hashes. Nothing is
stored unless the request asks (``store=True``); then the post goes through the writer ``analyze`` uses, under a
run row of its own whose counts reconcile.

Watches and banks change while a server runs: the scanner compares their fingerprints in the store
(``store.watches.version()``, ``store.banks.version()``) at most once per ``refresh_seconds`` and rebuilds what
changed. Spans index ``ScanResult.text`` (title, a newline, body, after the same clean-up as ``analyze``: HTML
removed, the title on one line).

A request that cannot be scanned raises ``ScanError`` with a ``code`` (for the web layer's 4xx) and a reason.
No SQL and no printing here; the web layer maps these dataclasses to its own models.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import orjson

from tipwatch.model import POST_KINDS, Post, PostResult, RawRecord, Reason
from tipwatch.sources.convert import MAX_TEXT_CHARS
from tipwatch.store.facade import Store

if TYPE_CHECKING:  # the media and link stages load numpy/Pillow: kept out of import time
    from tipwatch.link.watch import Matcher
    from tipwatch.media.index import MatchIndex
    from tipwatch.media_model import BankMatch, MediaRecord
    from tipwatch.pipeline import Analyzer

ScanErrorCode = Literal[
    "empty_text",
    "text_too_large",
    "bad_request",
    "image_too_large",
    "bad_image",
    "bad_url",
    "private_address",
    "fetch_failed",
]
DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024
SOURCE = "scan"  # the posts' source and the run's input name


class ScanError(ValueError):
    """The request cannot be scanned. ``code`` says which kind of bad input (see ScanErrorCode), ``reason`` why."""

    def __init__(self, code: ScanErrorCode, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ScanConfig:
    region: str = "IN"
    model_path: str | None = None  # a classifier (tipwatch train) blended into the risk, as analyze --model
    max_text_chars: int = MAX_TEXT_CHARS  # title and body together
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    fetch_timeout: float = 10.0  # seconds for a whole image download
    refresh_seconds: float = 1.0  # how often the watch and bank fingerprints are read from the store
    network_cache: int = 50_000  # network look-ups kept per links token (identifier sets seen in scans)
    max_networks: int = 20
    detect_language: bool = True


@dataclass(slots=True)
class ScanRequest:
    title: str = ""
    body: str = ""
    platform: str | None = None
    url: str | None = None
    posted_at: datetime | str | None = None
    location: str | None = None
    kind: str | None = None  # one of model.POST_KINDS (None: "other")
    id: str | None = None  # the platform's own id: the stored post is "<platform>/<id>" (else a content hash)
    image: bytes | None = None  # the uploaded image, already read (the caller caps its size)
    image_url: str | None = None  # fetched through tipwatch.safehttp (public addresses only unless allow_private)
    allow_private: bool = False
    store: bool = False


@dataclass(slots=True)
class ScanIndicator:
    code: str
    category: str
    weight: float
    start: int
    end: int
    text: str


@dataclass(slots=True)
class ScanIdentifier:
    type: str
    value: str  # normalized (phones E.164, e-mails lower-case, handles platform:name)
    start: int
    end: int
    raw: str  # the characters at start:end, as written
    obfuscated: bool = False


@dataclass(slots=True)
class ScanWatchHit:
    watch_id: int
    kind: str
    value: str
    reason: str


@dataclass(slots=True)
class ScanBankMatch:
    bank: str
    bank_id: int
    entry_id: int
    signal_type: str
    distance: int
    variant: str  # the PDQ dihedral variant of the query that matched ("original", "rotate90", ...) or "exact"
    threshold: int | None
    is_abuse_material: bool


@dataclass(slots=True)
class ScanImage:
    """The image's hashes. The image itself is never returned (nor stored) by the scan."""

    ref: str
    status: str  # "ok" or "rejected" (hashed by bytes only)
    reason: str = ""
    sha256: str | None = None
    md5: str | None = None
    pdq: str | None = None
    quality: int | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    restricted: bool = False  # it matched an abuse-material bank: show only its hashes, never the picture


@dataclass(slots=True)
class ScanNetwork:
    id: str
    score: float
    size: int
    via: list[str]  # what the post shares with it: "phone +91...", "image <sha256>"


@dataclass(slots=True)
class ScanResult:
    post_id: str
    text: str  # what the spans index: title + "\n" + body, as analyzed
    risk: float
    model: str
    reasons: list[Reason]  # the scorer's own reasons (tipwatch.model.Reason)
    indicators: list[ScanIndicator]
    identifiers: list[ScanIdentifier]
    watch_hits: list[ScanWatchHit] = field(default_factory=list)
    bank_matches: list[ScanBankMatch] = field(default_factory=list)
    image: ScanImage | None = None
    restricted: bool = False
    networks: list[ScanNetwork] = field(default_factory=list)
    stored: bool = False
    duplicate: bool = False  # store=True, but a post with this id was stored before (nothing new written)
    run_id: int | None = None
    language: str | None = None


@dataclass(slots=True)
class _Knowledge:
    """What changes with the store: rebuilt when its fingerprint changes."""

    watch_version: tuple[int, ...]
    matcher: Matcher
    watches: dict[int, tuple[str, str]]
    bank_version: tuple[int, ...]
    index: MatchIndex | None
    links_token: str | None  # None: networks never ran on this store (no membership to look up)
    # Network look-ups of this links token: the same identifiers come back in many posts (an operator's phone),
    # and membership only changes with the token, which is re-read with the fingerprints.
    held: dict[tuple[tuple[tuple[str, str], ...], tuple[str, ...]], list[ScanNetwork]] = field(default_factory=dict)


class Scanner:
    """Scans posts with knowledge loaded once. Build with ``Scanner.open``; ``scan`` may be called from several
    threads (the knowledge is swapped whole when watches or banks change)."""

    def __init__(self, store: Store, config: ScanConfig, analyzer: Analyzer) -> None:
        self.store = store
        self.config = config
        self.analyzer = analyzer
        self._lock = threading.Lock()
        self._checked = 0.0
        self._knowledge = self._load(None)

    @classmethod
    def open(cls, store: Store, config: ScanConfig | None = None) -> Scanner:
        """Load the lexicon, registry and classifier (once), the watches and the bank index."""
        from tipwatch.pipeline import Analyzer, Settings

        cfg = config or ScanConfig()
        settings = Settings(
            region=cfg.region.upper(), model_path=cfg.model_path, media=False, detect_language=cfg.detect_language
        )
        analyzer = Analyzer(settings)
        # Warm the stages' own caches (automata, gazetteer, phone metadata) now rather than on the first request.
        from tipwatch.sources import to_post

        warm = to_post(RawRecord(SOURCE, "warm-up", "", {"title": "warm up", "body": "call 98765 43210"}))
        if isinstance(warm, Post):
            analyzer.analyze_posts([warm])
        return cls(store, cfg, analyzer)

    # --- knowledge ------------------------------------------------------------------------------------------------

    def _load(self, old: _Knowledge | None) -> _Knowledge:
        from tipwatch.link.watch import Matcher
        from tipwatch.services.matching import load_index

        watch_version = self.store.watches.version()
        if old is not None and old.watch_version == watch_version:
            matcher, watches = old.matcher, old.watches
        else:
            active = self.store.watches.active()
            matcher, watches = Matcher.build(active), {w.id: (w.kind, w.value) for w in active}
        bank_version = self.store.banks.version()
        if old is not None and old.bank_version == bank_version:
            index = old.index
        else:
            built = load_index(self.store)
            index = built if len(built) else None
        token = self.store.links.token()
        held = old.held if old is not None and old.links_token == token else {}
        return _Knowledge(watch_version, matcher, watches, bank_version, index, token, held)

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the watch and bank fingerprints (at most once per ``refresh_seconds`` unless ``force``) and
        rebuild what changed."""
        now = time.monotonic()
        if not force and now - self._checked < self.config.refresh_seconds:
            return
        with self._lock:
            if not force and now - self._checked < self.config.refresh_seconds:
                return
            self._knowledge = self._load(self._knowledge)
            self._checked = time.monotonic()

    # --- scanning -------------------------------------------------------------------------------------------------

    def scan(self, request: ScanRequest) -> ScanResult:
        """Scan one post; raises ScanError for input that cannot be scanned (nothing is stored then)."""
        from tipwatch.sources import to_post

        self.refresh()
        knowledge = self._knowledge
        fields = self._check(request)
        data, ref = self._image_bytes(request)
        if data is not None and ref is not None:
            fields["images"] = [ref]
        raw = RawRecord(SOURCE, "request", orjson.dumps(fields, default=str).decode(), fields)
        post = to_post(raw)
        if not isinstance(post, Post):  # text the converter refuses (e.g. nothing left once HTML is removed)
            raise ScanError("empty_text", post.reason)
        result = self.analyzer.analyze_posts([post])[0]
        out = _result(result)
        sha256s: list[str] = []
        pdqs: list[str] = []
        if data is not None and ref is not None:
            item, matches = self._image(ref, data, knowledge.index)
            from tipwatch.media_model import MediaMatch, PostMedia

            result.media = PostMedia(post.id, [item], [MediaMatch(ref, item.sha256, m) for m in matches])
            out.image = _image(item)
            out.bank_matches = [_bank_match(m) for m in matches]
            out.restricted = item.restricted
            sha256s = [item.sha256] if item.sha256 else []
            pdqs = [item.pdq] if item.pdq and item.quality is not None else []
        keys = [(i.type, i.value) for i in result.identifiers if i.type in _linking_types()]
        if (keys or sha256s) and knowledge.links_token is not None:
            out.networks = self._networks(knowledge, keys, sha256s)
        hits = self._watch_hits(knowledge, result, sha256s, pdqs, [n.id for n in out.networks])
        out.watch_hits = [ScanWatchHit(h.watch_id, *knowledge.watches[h.watch_id], h.reason) for h in hits]
        if request.store:
            self._store(result, out, hits)
        return out

    def _networks(self, knowledge: _Knowledge, keys: list[tuple[str, str]], sha256s: list[str]) -> list[ScanNetwork]:
        ask = (tuple(sorted(set(keys))), tuple(sorted(set(sha256s))))
        found = knowledge.held.get(ask)
        if found is None:
            held = self.store.links.networks_holding(keys, sha256s, limit=self.config.max_networks)
            found = [ScanNetwork(n.id, n.score, n.size, list(n.via)) for n in held]
            if len(knowledge.held) >= self.config.network_cache:
                knowledge.held.clear()  # bounded memory; refilled by the next requests
            knowledge.held[ask] = found
        return [ScanNetwork(n.id, n.score, n.size, list(n.via)) for n in found]  # callers may change theirs

    def _check(self, request: ScanRequest) -> dict[str, Any]:
        title, body = request.title or "", request.body or ""
        if not isinstance(title, str) or not isinstance(body, str):
            raise ScanError("bad_request", "title and body must be text")
        if not title.strip() and not body.strip():
            raise ScanError("empty_text", "no text: give a title or a body")
        size = len(title) + len(body)
        if size > self.config.max_text_chars:
            raise ScanError("text_too_large", f"{size} characters of text (limit {self.config.max_text_chars})")
        if request.kind is not None and request.kind not in POST_KINDS:
            raise ScanError("bad_request", f"kind {request.kind!r} is not one of {', '.join(POST_KINDS)}")
        if request.image is not None and request.image_url is not None:
            raise ScanError("bad_request", "give an image or an image URL, not both")
        fields: dict[str, Any] = {"title": title, "body": body}
        for name in ("id", "platform", "url", "location", "kind"):
            value = getattr(request, name)
            if value is not None:
                fields[name] = value
        if request.posted_at is not None:
            posted = request.posted_at
            fields["posted_at"] = posted.isoformat() if isinstance(posted, datetime) else posted
        return fields

    def _image_bytes(self, request: ScanRequest) -> tuple[bytes | None, str | None]:
        import hashlib

        if request.image is not None:
            data = request.image
            if not data:
                raise ScanError("bad_image", "the image is empty")
            if len(data) > self.config.max_image_bytes:
                raise ScanError("image_too_large", f"{len(data)} bytes (limit {self.config.max_image_bytes})")
            return data, f"upload:sha256:{hashlib.sha256(data).hexdigest()}"
        if request.image_url is None:
            return None, None
        from tipwatch.media.fetch import FetchOptions, fetch_image
        from tipwatch.safehttp import Refused, check_url

        url = request.image_url.strip()
        try:
            check_url(url)
        except Refused as exc:
            raise ScanError("bad_url", str(exc)) from None
        options = FetchOptions(
            max_bytes=self.config.max_image_bytes,
            timeout=self.config.fetch_timeout,
            allow_private=request.allow_private,
        )
        got = fetch_image(url, options)
        if isinstance(got, str):
            if got.startswith("refused:"):
                raise ScanError("private_address", got)
            if got.startswith("too large"):
                raise ScanError("image_too_large", got)
            raise ScanError("fetch_failed", got)
        return got.data, url

    def _image(self, ref: str, data: bytes, index: MatchIndex | None) -> tuple[MediaRecord, list[BankMatch]]:
        from tipwatch.media.post_media import MediaOptions, hash_and_match

        options = MediaOptions(max_bytes=self.config.max_image_bytes)
        item, matches = hash_and_match(ref, data, index, options)
        if item.status != "ok" and not matches:
            # Bytes that do not decode and match no exact hash: not an image we can screen.
            raise ScanError("bad_image", item.reason or "not a decodable image")
        return item, matches

    def _watch_hits(
        self, knowledge: _Knowledge, result: PostResult, sha256s: list[str], pdqs: list[str], networks: list[str]
    ) -> list[Any]:
        from tipwatch.link.batch import PostInput

        post = result.post
        ids = tuple((i.type, i.value, i.start, i.end) for i in result.identifiers)
        probe = PostInput(post.id, post.text, post.platform, post.kind, tuple(sha256s), ids, tuple(pdqs))
        hits = knowledge.matcher.match_posts([probe])
        if networks and knowledge.matcher.networks:
            seen = {(h.watch_id, h.post_id) for h in hits}
            for nid in networks:
                hits += [
                    h for h in knowledge.matcher.match_networks({post.id: nid}) if (h.watch_id, h.post_id) not in seen
                ]
        return sorted(hits, key=lambda h: h.watch_id)

    def _store(self, result: PostResult, out: ScanResult, hits: list[Any]) -> None:
        """Through the writer analyze uses, under a run row of its own (read = stored + duplicates)."""
        runs = self.store.runs
        run_id = runs.start("scan", [SOURCE], self.analyzer.settings.model_path)
        status = "failed"
        sink = runs.sink(run_id)
        try:
            sink.write([result])
            status = "ok"
        finally:
            runs.finish(run_id, sink.counts, status)
        out.run_id = run_id
        out.stored = sink.counts.stored == 1
        out.duplicate = sink.counts.duplicates == 1
        if out.stored and hits:
            self.store.watches.raise_alerts(hits)


_LINKING: frozenset[str] | None = None


def _linking_types() -> frozenset[str]:
    global _LINKING
    if _LINKING is None:
        from tipwatch.extract.registry import identifier_types

        _LINKING = frozenset(t.name for t in identifier_types() if t.links)
    return _LINKING


def _result(result: PostResult) -> ScanResult:
    post, a = result.post, result.assessment
    text = post.text
    return ScanResult(
        post_id=post.id,
        text=text,
        risk=a.risk,
        model=a.model,
        reasons=list(a.reasons),
        indicators=[ScanIndicator(h.code, h.category, h.weight, h.start, h.end, h.text) for h in result.hits],
        identifiers=[
            ScanIdentifier(i.type, i.value, i.start, i.end, text[i.start : i.end], i.obfuscated)
            for i in result.identifiers
        ],
        language=post.language,
    )


def _image(item: MediaRecord) -> ScanImage:
    return ScanImage(
        item.ref,
        item.status,
        item.reason,
        item.sha256,
        item.md5,
        item.pdq,
        item.quality,
        item.width,
        item.height,
        item.format,
        item.restricted,
    )


def _bank_match(m: BankMatch) -> ScanBankMatch:
    return ScanBankMatch(
        m.bank_name, m.bank_id, m.entry_id, m.signal_type, m.distance, m.variant, m.threshold, m.is_abuse_material
    )


def scan(store: Store, request: ScanRequest, config: ScanConfig | None = None) -> ScanResult:
    """Scan one post with a scanner built for this call. A server keeps one ``Scanner`` per process instead."""
    return Scanner.open(store, config).scan(request)
