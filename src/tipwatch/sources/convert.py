"""RawRecord -> Post (or Quarantined with a reason that names the field): pure, never raises on a record."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import orjson

from tipwatch.model import POST_KINDS, Post, Quarantined, RawRecord
from tipwatch.sources.base import strip_gz
from tipwatch.sources.clean import clean_text, one_line
from tipwatch.sources.dates import parse_datetime
from tipwatch.sources.htmlpage import HTMLTooDeep, fragment_to_text, looks_like_html
from tipwatch.sources.rules import load_rules, normalize_key, normalize_phrase

# Longest title + body accepted. Real ads and posts are a few thousand characters; 200,000 (about 40,000 words)
# leaves room for long pages while keeping one record's work and storage bounded.
MAX_TEXT_CHARS = 200_000
MAX_ID_CHARS = 200
MAX_URL_CHARS = 4096
MAX_LOCATION_CHARS = 1000
MAX_IMAGES = 200
MAX_REASON_CHARS = 1000
_ID_VERSION = "tipwatch-post-v1"


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, list | dict | tuple):
        return bool(value)
    return True


def pick_fields(fields: Mapping[Any, Any]) -> dict[str, Any]:
    """Our field name -> the record's value, taking for each field the non-empty alias listed first in
    data/fields.yaml (keys compared normalized: "Ad Text" == "ad_text"). One pass over the record's keys."""
    key_fields = load_rules().key_fields
    best: dict[str, tuple[int, Any]] = {}
    for key, value in fields.items():
        if not isinstance(key, str):
            continue
        hit = key_fields.get(normalize_key(key))
        if hit is None or not _present(value):
            continue
        ours, rank = hit
        current = best.get(ours)
        if current is None or rank < current[0]:
            best[ours] = (rank, value)
    return {ours: value for ours, (_, value) in best.items()}


def _as_text(value: Any) -> str:
    """A text field's value as one string: strings as they are, numbers written out, lists of strings joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return "\n".join(item for item in (_as_text(v) for v in value[:1000] if not isinstance(v, list)) if item)
    return ""


def _visible(text: str) -> str:
    text = clean_text(text)
    if looks_like_html(text):
        text = clean_text(fragment_to_text(text))
    return text


def map_kind(value: Any) -> str | None:
    """One of POST_KINDS for a category value ("Female Escorts" -> escort_ad, "Jobs / Gulf" -> job_ad)."""
    text = _as_text(value).strip()
    if not text:
        return None
    if text.lower() in POST_KINDS:
        return text.lower()
    phrases = load_rules().kind_phrases
    words = normalize_phrase(text[:500]).split()
    whole = " ".join(words)
    if whole in phrases:
        return phrases[whole][1]
    best: tuple[int, str] | None = None
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            hit = phrases.get(" ".join(words[i : i + size]))
            if hit is not None and (best is None or hit[0] < best[0]):
                best = hit
    return best[1] if best else None


def _url(value: Any) -> str | None:
    text = one_line(clean_text(_as_text(value)))
    if not text or len(text) > MAX_URL_CHARS or " " in text:
        return None
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:  # e.g. "http://[" (bad IPv6 literal)
        return None
    # javascript:, data:, mailto: and the like are not addresses of a post.
    return text if scheme in ("http", "https", "") else None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")


def _images(value: Any) -> list[str]:
    items: list[Any]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = orjson.loads(text)
                items = parsed if isinstance(parsed, list) else [text]
            except orjson.JSONDecodeError:
                items = [text]
        else:
            # Exports join several addresses with spaces, "|", ";" or newlines (commas occur inside URLs).
            items = text.replace("|", " ").replace(";", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value[: MAX_IMAGES * 2])
    elif isinstance(value, dict):
        items = [value]
    else:
        items = []
    seen: dict[str, None] = {}
    for item in items:
        if isinstance(item, dict):  # {"url": ...} / {"src": ...}
            item = item.get("url") or item.get("src") or item.get("href")
        if not isinstance(item, str):
            continue
        ref = clean_text(item).strip()
        if ref and len(ref) <= MAX_URL_CHARS and not ref.lower().startswith(("data:", "javascript:")):
            seen.setdefault(ref, None)
        if len(seen) >= MAX_IMAGES:
            break
    return list(seen)


def _location(value: Any) -> str | None:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):  # ["Pune", "MH"] / {"city": "Pune", "state": "MH"} -> "Pune, MH"
        parts = (one_line(clean_text(_as_text(v))) for v in value[:20] if not isinstance(v, list | dict))
        text = ", ".join(p for p in parts if p)
    else:
        text = one_line(clean_text(_as_text(value)))
    return text[:MAX_LOCATION_CHARS] or None


# Floats represent integers exactly only up to 2**53; a larger float id has already lost digits.
_EXACT_FLOAT = 2**53
# posts.id is VARCHAR(128): longer keys are stored as a digest of namespace and id (see post_key).
MAX_KEY_CHARS = 128
_UNSAFE_ID_CHARS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _source_id(value: Any) -> str | None:
    """The record's own id as an exact string (outer whitespace stripped), or None if it has none usable.

    Nothing inside is changed: "abc\x00" and "abc" are different ids, as are "1" and "01". 39-digit numbers arrive
    as exact ints (the JSON readers never turn big integers into floats)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer():
            if abs(value) > _EXACT_FLOAT:
                return None  # digits already lost: the content hash is the safer key
            value = int(value)
        else:
            value = repr(value)
    if not isinstance(value, str | int | Decimal):
        return None
    text = (value if isinstance(value, str) else str(value)).strip()
    return text if text and len(text) <= MAX_ID_CHARS else None


def _escape(text: str) -> str:
    """An injective, storable spelling: backslash doubled, control characters and lone surrogates as escapes."""
    text = text.replace("\\", "\\\\")
    return _UNSAFE_ID_CHARS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def id_namespace(platform: str | None, source: str) -> str:
    """Where a source id is unique: the platform when known (a re-scrape of the same ad is the same post), else
    the input file's name without folders and .gz (stable when the same file is read again from anywhere)."""
    if platform:
        return platform
    name = source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return strip_gz(name) or source


def post_key(namespace: str, source_id: str) -> str:
    """The store key of a post with its own id: ``namespace/id`` (namespace with % and / percent-escaped, so the
    first / splits it), or ``sha256:<hex>`` of both when that is longer than the key column. Content-hash keys
    are 32 hex digits: the three forms cannot collide."""
    ns = namespace.replace("%", "%25").replace("/", "%2F")
    key = f"{_escape(ns)}/{_escape(source_id)}"
    if len(key) <= MAX_KEY_CHARS:
        return key
    both = f"{namespace}\x1f{source_id}".encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(both).hexdigest()


_ESCAPED = re.compile(r"\\(\\|u[0-9a-f]{4})")


def source_id_of(key: str) -> str:
    """The record's own id inside a readable store key (``namespace/id``); other keys are returned as they are."""
    if "/" not in key or key.startswith("sha256:"):
        return key
    escaped = key.split("/", 1)[1]
    return _ESCAPED.sub(lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1)[1:], 16)), escaped)


def content_id(title: str, body: str, url: str | None, platform: str | None) -> str:
    """A stable id from what the post says and where: the same input always gives the same id, and identical
    reposts share it. Whitespace runs count as one space (re-wrapped text is the same post)."""
    canonical = "\x1f".join((_ID_VERSION, one_line(title), one_line(body), url or "", platform or ""))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _quarantine(raw: RawRecord, reason: str) -> Quarantined:
    # Reasons can quote input (key names, parser messages): keep them storable and short.
    reason = one_line(clean_text(reason))[:MAX_REASON_CHARS]
    return Quarantined(source=raw.source, position=raw.position, reason=reason, raw=raw.raw)


def to_post(
    raw: RawRecord, *, default_kind: str | None = None, default_platform: str | None = None
) -> Post | Quarantined:
    """Interpret one raw record. Field names and aliases: docs/input-formats.md. Post.language is left unset.

    Raises ValueError only for a default_kind outside POST_KINDS (a caller's mistake, not a record's).
    """
    if default_kind is not None and default_kind not in POST_KINDS:
        raise ValueError(f"default_kind must be one of {', '.join(POST_KINDS)}, not {default_kind!r}")
    try:
        return _convert(raw, default_kind, default_platform)
    except Exception as exc:  # a bug must cost one record, not the run; the reason makes it visible
        return _quarantine(raw, f"internal error converting record: {type(exc).__name__}: {exc}")


def _convert(raw: RawRecord, default_kind: str | None, default_platform: str | None) -> Post | Quarantined:
    if raw.error is not None or raw.fields is None:
        return _quarantine(raw, raw.error or "record could not be parsed")
    if not isinstance(raw.fields, Mapping):
        return _quarantine(raw, f"record is not an object: got {type(raw.fields).__name__}")
    fields = pick_fields(raw.fields)
    title_value = _as_text(fields.get("title"))
    body_value = _as_text(fields.get("body"))
    for name, value in (("title", title_value), ("body", body_value)):
        # Checked before any HTML parsing too, so a huge field costs no parse.
        if len(value) > 4 * MAX_TEXT_CHARS:
            return _quarantine(raw, f"text too long: {name} has {len(value)} characters (limit {MAX_TEXT_CHARS})")
    try:
        title = one_line(_visible(title_value))
    except HTMLTooDeep as exc:
        return _quarantine(raw, f"title: {exc}")
    try:
        body = _visible(body_value).strip()
    except HTMLTooDeep as exc:
        return _quarantine(raw, f"body: {exc}")
    for name, text in (("title", title), ("body", body)):
        if len(text) > MAX_TEXT_CHARS:
            return _quarantine(raw, f"text too long: {name} has {len(text)} characters (limit {MAX_TEXT_CHARS})")
    if not title and not body:
        keys = ", ".join(str(k)[:40] for k in list(raw.fields)[:20]) or "none"
        return _quarantine(raw, f"no text: title and body are empty (fields present: {keys})")

    url = _url(fields.get("url"))
    platform_value = one_line(clean_text(_as_text(fields.get("platform")))).lower()[:200]
    platform = platform_value or default_platform or _host(url)
    source_id = _source_id(fields.get("id"))
    key = post_key(id_namespace(platform, raw.source), source_id) if source_id else None
    return Post(
        id=key or content_id(title, body, url, platform),
        source_id=source_id,
        source=raw.source,
        position=raw.position,
        kind=map_kind(fields.get("kind")) or default_kind or "other",
        title=title,
        body=body,
        url=url,
        platform=platform,
        posted_at=parse_datetime(fields.get("posted_at")),
        location=_location(fields.get("location")),
        images=_images(fields.get("images")),
        raw=raw.raw,
    )
