"""Feeds: a network's (or a case's) indicators as STIX 2.1, published to a partner's TAXII 2.1 collection, written
as a MISP event, and partners' TAXII collections pulled into watches.

What goes out (data minimization, docs/exchange.md): the identifiers posts shared (phones in E.164, e-mails,
handles, wallets, URLs found in the text) and the hashes of their pictures (SHA-256, PDQ), with the first/last day
seen, how many posts held each value, and which tipwatch network held it (id, score, reasons). No ad text, no post
ids or post URLs, no picture: ad text goes only with ``include_text``, which the caller allows for the roles that may
(the API: supervisors). Every object is marked with TLP 2.0 (default from tipwatch/link/tlp.yaml: AMBER+STRICT).

What comes in: indicators of a TAXII collection whose STIX pattern names one value tipwatch can watch
(tipwatch.link.stix_read). Each becomes a watch whose note names the feed, so scans and new posts flag it, and posts
already stored raise alerts at once (services.watches.backfill: identifiers, and pictures by SHA-256). Every object
read is counted once: ``read = imported + already + skipped + rejected``; a rejected object is quarantined with its
id and reason.

Every publish, export and pull is audited with purpose and legal basis (as the selector export is).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from tipwatch.link.exports import FEED_KINDS, FeedIndicator, FeedNetwork, FeedNote, Tlp, default_tlp, tlp
from tipwatch.services import audit
from tipwatch.services.exchange import ExchangeError, check_why
from tipwatch.store.facade import Store
from tipwatch.store.interface.exchange import ValueScope
from tipwatch.store.interface.feeds import FeedIndicatorRow, PullCounts

__all__ = [
    "FeedError",
    "PublishResult",
    "PullResult",
    "ValueScope",
    "bundle_for",
    "collect",
    "export_bundle",
    "misp_export",
    "objects_in_file",
    "open_collection",
    "publish",
    "pull",
    "taxii_objects",
]

MAX_FEED_NAME = 500
MAX_RAW_KEPT = 65536  # bytes of a rejected object kept in the quarantine
MAX_ERRORS_KEPT = 200
MAX_NOTE_CHARS = 4000
CHUNK_OBJECTS = 500  # objects per TAXII add request (servers cap a request's size)
_IDENTIFIER_KINDS = ("phone", "email", "handle", "wallet", "url")
TAXII_LEFT_OUT = frozenset({"extension-definition"})


class FeedError(ExchangeError):
    """A request refused. ``reason``: bad_scope, nothing_to_share, bad_tlp, bad_feed, bad_bundle, taxii_failed, and
    the exchange's bad_purpose / bad_legal_basis."""


# --- what goes out ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Collected:
    indicators: list[FeedIndicator]
    networks: list[FeedNetwork]
    post_ids: list[str]
    holders: list[tuple[str, str, str]]  # (kind, value, post id)


@dataclass(slots=True)
class _Seen:
    posts: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None


def _day(at: datetime) -> datetime:
    """Midnight UTC of the day: feeds say on which days a value was seen, not when a post was made to the second."""
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def _check_scope(scope: ValueScope) -> None:
    if (scope.network_id is None) == (scope.case_id is None):
        raise FeedError("bad_scope", "name one network or one case")


def collect(store: Store, scope: ValueScope) -> Collected:
    """The values of the posts of one network or case (FEED_KINDS), with their networks."""
    _check_scope(scope)
    seen: dict[tuple[str, str], _Seen] = {}
    for row in store.exchange.values(_IDENTIFIER_KINDS, scope):
        if row.type not in FEED_KINDS:
            continue
        s = seen.setdefault((row.type, row.value), _Seen())
        s.posts.add(row.post_id)
        if row.seen is not None:
            s.first = row.seen if s.first is None else min(s.first, row.seen)
            s.last = row.seen if s.last is None else max(s.last, row.seen)
    post_ids = sorted({p for s in seen.values() for p in s.posts})
    nets_of = store.exchange.networks_of(post_ids)
    today = _day(datetime.now(UTC))
    indicators = [
        FeedIndicator(
            kind,
            value,
            tuple(sorted({nets_of[p] for p in s.posts if p in nets_of})),
            _day(s.first) if s.first else today,
            _day(s.last) if s.last else today,
            len(s.posts),
        )
        for (kind, value), s in seen.items()
    ]
    net_ids = sorted({n for i in indicators for n in i.networks})
    found = store.links.networks(ids=net_ids) if net_ids else []  # (no ids must not mean every network)
    networks = [FeedNetwork(n.id, n.score, "; ".join(n.reasons)) for n in found]
    holders = [(kind, value, p) for (kind, value), s in seen.items() for p in sorted(s.posts)]
    return Collected(indicators, networks, post_ids, holders)


def _marking(level: str | None) -> Tlp:
    try:
        return tlp(level or default_tlp())
    except ValueError as exc:
        raise FeedError("bad_tlp", str(exc)) from None


def _notes(store: Store, collected: Collected) -> list[FeedNote]:
    nets_of = store.exchange.networks_of(collected.post_ids)
    values: dict[str, list[tuple[str, str]]] = {}
    for kind, value, post_id in collected.holders:
        values.setdefault(post_id, []).append((kind, value))
    out = []
    for post in store.posts.posts(collected.post_ids, text=True):
        text = f"{post.title}\n\n{post.body}".strip()[:MAX_NOTE_CHARS]
        out.append(FeedNote(nets_of.get(post.id), post.id, text, tuple(values.get(post.id, ()))))
    return out


def bundle_for(
    store: Store, scope: ValueScope, *, level: str | None = None, include_text: bool = False
) -> tuple[Any, Collected, Tlp]:
    """The STIX 2.1 bundle of one network's or case's indicators (tipwatch.link.exports.indicator_bundle)."""
    from tipwatch.link.exports import indicator_bundle

    marking = _marking(level)
    collected = collect(store, scope)
    if not collected.indicators:
        raise FeedError("nothing_to_share", "this network or case holds no identifier or picture hash")
    notes = _notes(store, collected) if include_text else []
    created = datetime.now(UTC)
    bundle = indicator_bundle(collected.indicators, collected.networks, created=created, marking=marking, notes=notes)
    return bundle, collected, marking


def _scope_details(scope: ValueScope) -> dict[str, Any]:
    return {"network": scope.network_id} if scope.network_id is not None else {"case": scope.case_id}


def _by_kind(indicators: Iterable[FeedIndicator]) -> dict[str, int]:
    return dict(sorted(Counter(i.kind for i in indicators).items()))


def export_bundle(
    store: Store,
    scope: ValueScope,
    *,
    purpose: str,
    legal_basis: str,
    actor: str,
    level: str | None = None,
    include_text: bool = False,
) -> tuple[str, dict[str, int]]:
    """The STIX 2.1 bundle (JSON text, extension definitions included) of one network's or case's indicators, for a
    partner without a TAXII server, and the indicator count by kind; audited ("feeds.export")."""
    purpose, legal_basis = check_why(purpose, legal_basis)
    bundle, collected, marking = bundle_for(store, scope, level=level, include_text=include_text)
    text = str(bundle.serialize(pretty=True))
    by_kind = _by_kind(collected.indicators)
    audit.append(
        store,
        actor,
        "feeds.export",
        "stix-file",
        purpose,
        {
            "legal_basis": legal_basis,
            "scope": _scope_details(scope),
            "tlp": marking.level,
            "include_text": include_text,
            "objects": len(bundle.objects),
            "by_kind": by_kind,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )
    return text, by_kind


# --- TAXII 2.1 publish ------------------------------------------------------------------------------------------


def open_collection(
    api_root: str,
    collection_id: str,
    *,
    user: str | None = None,
    password: str | None = None,
    token: str | None = None,
) -> Any:
    """A taxii2-client Collection at ``api_root``/collections/``collection_id``/ (basic auth or a bearer token).
    Nothing is requested yet."""
    from taxii2client.v21 import Collection

    if not api_root.startswith(("http://", "https://")):
        raise FeedError("bad_feed", "the TAXII address is an http(s) API root URL")
    if not collection_id.strip() or "/" in collection_id:
        raise FeedError("bad_feed", "a collection id is required (no '/')")
    url = f"{api_root.rstrip('/')}/collections/{collection_id.strip()}/"
    if token:
        return Collection(url, auth=_Bearer(token))
    if user:
        return Collection(url, user=user, password=password or "")
    return Collection(url)


class _Bearer:
    """``Authorization: Bearer <token>`` on each request (requests' auth hook)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: Any) -> Any:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


def _already_held(collection: Any, failures: list[Any], sent: dict[str, Any]) -> int:
    """How many of a status's failures the server refused because it holds that object already (a network published
    again: observables and markings never change). TAXII gives no reason code, so each is looked up: by id and our
    ``modified`` for versioned objects, by id for immutable ones (observables)."""
    held = 0
    for failure in failures:
        oid = failure.get("id") if isinstance(failure, dict) else None
        if not isinstance(oid, str) or oid not in sent:
            continue
        modified = sent[oid].get("modified")
        kwargs = {"version": stix_time(modified)} if modified is not None else {}
        found = collection.get_object(oid, **kwargs)
        if isinstance(found, dict) and found.get("objects"):
            held += 1
    return held


def stix_time(value: Any) -> str:
    from stix2.utils import format_datetime

    return str(format_datetime(value)) if isinstance(value, datetime) else str(value)


@dataclass(slots=True)
class PublishResult:
    objects: int
    indicators: int
    by_kind: dict[str, int]
    tlp: str
    succeeded: int
    already: int  # refused as duplicates of a version the server holds (a network published again)
    failed: int
    pending: int
    status_ids: list[str]
    sha256: str  # of the bundle's objects as sent (the audit entry keeps it)
    audit_seq: int


def _chunks(objects: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(objects), size):
        yield objects[start : start + size]


def publish(
    store: Store,
    collection: Any,
    scope: ValueScope,
    *,
    purpose: str,
    legal_basis: str,
    actor: str,
    level: str | None = None,
    include_text: bool = False,
    destination: str = "",
) -> PublishResult:
    """Send one network's or case's indicators to a TAXII 2.1 collection (``open_collection``), in envelopes of at
    most CHUNK_OBJECTS objects; audited ("feeds.publish") with what went, where, under which TLP."""
    import stix2
    from taxii2client.exceptions import TAXIIServiceException

    purpose, legal_basis = check_why(purpose, legal_basis)
    bundle, collected, marking = bundle_for(store, scope, level=level, include_text=include_text)
    # Extension definitions stay out of TAXII: the OASIS reference server (medallion 3.0.0) reads their required
    # "version" property ("1.0.0") as a manifest timestamp and then fails every read of the collection (HTTP 500).
    # Our observables still name their definition by id; the definitions are in `feeds export` files and
    # docs/exchange.md.
    objects = [o for o in bundle.objects if o["type"] not in TAXII_LEFT_OUT]
    digest = hashlib.sha256()
    succeeded = failed = pending = already = 0
    status_ids: list[str] = []
    try:
        for part in _chunks(objects, CHUNK_OBJECTS):
            envelope = stix2.Bundle(objects=part, allow_custom=True).serialize()
            digest.update(envelope.encode())
            status = collection.add_objects(envelope)
            status_ids.append(str(status.id))
            succeeded += int(status.success_count or 0)
            pending += int(status.pending_count or 0)
            held = _already_held(collection, status.failures or [], {o["id"]: o for o in part})
            already += held
            failed += int(status.failure_count or 0) - held
    except (TAXIIServiceException, OSError, ValueError) as exc:
        raise FeedError("taxii_failed", f"the TAXII server refused or failed: {str(exc)[:300]}") from None
    by_kind = _by_kind(collected.indicators)
    entry = audit.append(
        store,
        actor,
        "feeds.publish",
        destination or str(getattr(collection, "url", "")),
        purpose,
        {
            "legal_basis": legal_basis,
            "scope": _scope_details(scope),
            "tlp": marking.level,
            "include_text": include_text,
            "objects": len(objects),
            "indicators": len(collected.indicators),
            "by_kind": by_kind,
            "succeeded": succeeded,
            "already": already,
            "failed": failed,
            "status_ids": status_ids,
            "sha256": digest.hexdigest(),
        },
    )
    return PublishResult(
        len(objects),
        len(collected.indicators),
        by_kind,
        marking.level,
        succeeded,
        already,
        failed,
        pending,
        status_ids,
        digest.hexdigest(),
        entry.seq,
    )


# --- TAXII 2.1 pull ---------------------------------------------------------------------------------------------


def taxii_objects(collection: Any, *, added_after: str | None = None, per_request: int = 100) -> Iterator[Any]:
    """Every object of a TAXII collection (paged), as the server sent it; FeedError when the server fails or
    answers with something that is not an envelope."""
    from taxii2client.exceptions import TAXIIServiceException
    from taxii2client.v21 import as_pages

    kwargs: dict[str, Any] = {"added_after": added_after} if added_after else {}
    try:
        for page in as_pages(collection.get_objects, per_request=per_request, **kwargs):
            if not isinstance(page, dict):
                raise FeedError("taxii_failed", "the TAXII server's answer is not an envelope")
            objects = page.get("objects", [])
            if not isinstance(objects, list):
                raise FeedError("taxii_failed", "the envelope's objects are not a list")
            yield from objects
    except (TAXIIServiceException, OSError, ValueError) as exc:
        raise FeedError("taxii_failed", f"the TAXII server refused or failed: {str(exc)[:300]}") from None


def objects_in_file(data: bytes) -> list[Any]:
    """The objects of a STIX 2.1 bundle or a TAXII envelope given as a file (a partner without a TAXII server);
    FeedError("bad_bundle") when it is neither. Each object is then checked by ``pull``."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise FeedError("bad_bundle", "the file is not JSON") from None
    objects = parsed.get("objects") if isinstance(parsed, dict) else None
    if not isinstance(objects, list):
        raise FeedError("bad_bundle", "not a STIX bundle or TAXII envelope (no list of objects)")
    return objects


@dataclass(slots=True)
class PullResult:
    pull_id: int
    counts: PullCounts
    skipped_by_reason: dict[str, int]
    errors: list[tuple[str, str]]  # (object id, reason) of rejected objects, the first MAX_ERRORS_KEPT
    alerts: int  # raised at once for posts already stored
    audit_seq: int
    withdrawn: int = 0  # watches stopped: the partner revoked their indicator or its valid_until passed


def _tlp_of(obj: Any) -> str | None:
    from tipwatch.link.exports import tlp_level_of

    refs = obj.get("object_marking_refs") if isinstance(obj, dict) else None
    for ref in refs if isinstance(refs, list) else []:
        level = tlp_level_of(ref) if isinstance(ref, str) else None
        if level is not None:
            return level
    return None


def _rfc3339(text: str) -> bool:
    if len(text) > 40:
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _raw(obj: Any) -> str:
    try:
        data = orjson.dumps(obj)
    except (TypeError, orjson.JSONEncodeError):
        data = repr(obj).encode()
    return data[:MAX_RAW_KEPT].decode("utf-8", "replace")


def pull(
    store: Store,
    objects: Iterable[Any],
    *,
    feed: str,
    source: str,
    collection: str,
    purpose: str,
    legal_basis: str,
    actor: str,
    added_after: str | None = None,
    region: str = "IN",
) -> PullResult:
    """Import a feed's indicators as watches named after ``feed``; every other object is skipped or rejected with
    its reason (rejected ones quarantined). Audited ("feeds.pull"). ``objects`` is read only after the request is
    checked, so a lazy TAXII reader (``taxii_objects``) asks the server nothing for a refused one.

    A partner takes an indicator back by sending a newer version of it with ``revoked`` set, or lets it lapse
    (``valid_until``): the value imported from it is then withdrawn and its watch stopped, so posts stop being
    flagged on a partner's word the partner no longer gives (a wrongly listed number is a person's). A version
    older than the one that withdrew a value does not bring it back; a newer live one, or another indicator of
    the same value, does (with a new watch)."""
    from tipwatch.link.stix_read import Rejected, Skipped, Withdrawn, read_object
    from tipwatch.link.watch import normalize
    from tipwatch.services.watches import MAX_VALUE_CHARS, backfill

    purpose, legal_basis = check_why(purpose, legal_basis)
    feed = feed.strip()
    if not feed or len(feed) > MAX_FEED_NAME:
        raise FeedError("bad_feed", f"a feed name is 1-{MAX_FEED_NAME} characters")
    if added_after is not None and not _rfc3339(added_after):
        raise FeedError("bad_feed", "added after: an RFC 3339 time such as 2026-11-01T00:00:00Z")
    now = datetime.now(UTC)
    pull_id = store.feeds.start_pull(feed, source[:2000], collection[:200], added_after, actor, now)
    read = imported = already = skipped = rejected = alerts = 0
    skip_reasons: Counter[str] = Counter()
    errors: list[tuple[str, str]] = []
    stopped: list[int] = []
    # Withdrawals read in this pull (STIX id -> the withdrawing version), so an older version read after them in
    # the same pull is not imported: a collection may hold several versions of one indicator, in any order.
    taken_back: dict[str, datetime | None] = {}

    def reject(obj: Any, reason: str) -> None:
        nonlocal rejected
        rejected += 1
        oid = obj.get("id") if isinstance(obj, dict) else None
        oid = oid if isinstance(oid, str) and oid else "?"
        store.feeds.add_reject(pull_id, oid, reason, _raw(obj))
        if len(errors) < MAX_ERRORS_KEPT:
            errors.append((oid[:200], reason))

    def skip(reason: str) -> None:
        nonlocal skipped
        skipped += 1
        skip_reasons[reason] += 1

    for obj in objects:
        read += 1
        try:
            found = read_object(obj, now)
        except Rejected as exc:
            reject(obj, str(exc))
            continue
        except Withdrawn as exc:
            skip(str(exc))
            earlier = taken_back.get(exc.stix_id, exc.modified)
            taken_back[exc.stix_id] = _later(earlier, exc.modified)
            stopped += _stop(store, store.feeds.withdraw(feed, exc.stix_id, exc.modified, str(exc), now))
            continue
        except Skipped as exc:
            skip(str(exc))
            continue
        try:
            value = normalize(found.kind, found.value, region)
        except ValueError as exc:
            reject(obj, f"bad {found.kind}: {exc}")
            continue
        if not value or len(value) > MAX_VALUE_CHARS:
            reject(obj, f"{found.kind} value empty or longer than {MAX_VALUE_CHARS} characters")
            continue
        if found.stix_id in taken_back and not _newer(found.modified, taken_back[found.stix_id]):
            skip(SUPERSEDED)
            continue
        held = store.feeds.indicator(feed, found.kind, value)
        if held is not None and held.live:
            already += 1
            if _newer(found.modified, held.modified) or found.modified == held.modified:
                store.feeds.refresh(
                    feed,
                    found.kind,
                    value,
                    stix_id=found.stix_id,
                    tlp=_tlp_of(obj),
                    valid_until=found.valid_until,
                    modified=found.modified,
                )
            continue
        if held is not None and held.stix_id == found.stix_id and not _newer(found.modified, held.modified):
            skip(SUPERSEDED)
            continue
        note = f"feed {feed}: {found.stix_id}"[:2000]
        watch = store.watches.add(found.kind, value, note=note, by=f"feed:{feed}"[:200])
        alerts += backfill(store, watch)
        store.feeds.add_indicator(
            FeedIndicatorRow(
                feed,
                found.kind,
                value,
                found.stix_id,
                watch.id,
                pull_id,
                _tlp_of(obj),
                found.valid_until,
                now,
                found.modified,
            )
        )
        imported += 1
    # Values imported by earlier pulls whose valid_until has passed since.
    stopped += _stop(store, store.feeds.withdraw_expired(feed, now))
    counts = PullCounts(read, imported, already, skipped, rejected)
    store.feeds.finish_pull(pull_id, counts, datetime.now(UTC))
    entry = audit.append(
        store,
        actor,
        "feeds.pull",
        f"feed:{feed}",
        purpose,
        {
            "legal_basis": legal_basis,
            "source": source,
            "collection": collection,
            "added_after": added_after,
            "pull_id": pull_id,
            "read": read,
            "imported": imported,
            "already": already,
            "skipped": skipped,
            "rejected": rejected,
            "alerts": alerts,
            "withdrawn": len(stopped),
            "stopped_watches": stopped,
        },
    )
    return PullResult(pull_id, counts, dict(skip_reasons), errors, alerts, entry.seq, len(stopped))


SUPERSEDED = "superseded (a later version was revoked or expired)"


def _newer(version: datetime | None, than: datetime | None) -> bool:
    """True when ``version`` is known to be later than ``than`` (an unknown one is not newer)."""
    return version is not None and (than is None or version > than)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if _newer(b, a) else a


def _stop(store: Store, watch_ids: list[int]) -> list[int]:
    """Stop the watches of withdrawn indicators (their alerts stay, with their history)."""
    for watch_id in watch_ids:
        store.watches.deactivate(watch_id)
    return watch_ids


# --- MISP -------------------------------------------------------------------------------------------------------


def misp_export(
    store: Store,
    scope: ValueScope,
    *,
    purpose: str,
    legal_basis: str,
    actor: str,
    level: str | None = None,
) -> tuple[str, dict[str, int]]:
    """A MISP event (JSON text, pymisp's MISPEvent) of one network's or case's indicators, and the attribute
    count by kind; audited ("feeds.misp_export")."""
    from tipwatch.link.misp import misp_event

    purpose, legal_basis = check_why(purpose, legal_basis)
    marking = _marking(level)
    collected = collect(store, scope)
    if not collected.indicators:
        raise FeedError("nothing_to_share", "this network or case holds no identifier or picture hash")
    event = misp_event(collected.indicators, collected.networks, marking=marking, created=datetime.now(UTC))
    # Wrapped in {"Event": ...}: the form MISP's "add event from JSON" and pymisp's MISPEvent.load both read.
    text = orjson.dumps({"Event": orjson.loads(event.to_json())}, option=orjson.OPT_INDENT_2).decode()
    by_kind = _by_kind(collected.indicators)
    audit.append(
        store,
        actor,
        "feeds.misp_export",
        "misp",
        purpose,
        {
            "legal_basis": legal_basis,
            "scope": _scope_details(scope),
            "tlp": marking.level,
            "attributes": len(collected.indicators),
            "by_kind": by_kind,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        },
    )
    return text, by_kind
