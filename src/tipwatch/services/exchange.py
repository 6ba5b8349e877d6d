"""Partner exchange by keyed selectors: learn which phones, e-mails, handles, wallets and pictures two units both
hold without either handing over a plain value.

A sharing group agrees on a secret key (``create_key`` makes one and a key file to pass to partners over a channel
the group trusts; ``import_key`` takes a partner's). A selector is ``HMAC-SHA256(key, type + "\\x1f" + value)`` over
the value as tipwatch stores it (phones in E.164, e-mails lower-cased, ...: the extractor's normalized value), so it
cannot be reversed or tested by anyone without the key, unlike a plain SHA-256 of a phone (10^10 candidates: never
offered). Near-duplicate pictures: besides the exact PDQ hash, each PDQ hash gives ``PDQ_BANDS`` band selectors (its
256 bits cut into 8 runs of 32 bits; two hashes within Hamming distance 7 share at least one run exactly); a band
match is a candidate for a person to check, see docs/decisions.md.

Keys are sealed at rest (AES-256-GCM under a key derived from the server secret, the group and key id bound in as
associated data). ``create_key`` on a group that has keys rotates: exports use the newest key; matching tries them
all, so partners' files made with an older key still match.

Every export and match is audited with purpose and legal basis. A selector file is hostile input: each bad line is
named with its number and reason and skipped; the rest is processed and ``lines = selectors + bad``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from tipwatch.services import audit
from tipwatch.store.facade import Store
from tipwatch.store.interface.exchange import SealedKey, ValueScope

__all__ = [
    "IDENTIFIER_TYPES",
    "SELECTOR_TYPES",
    "ExchangeError",
    "ExportSummary",
    "KeyInfo",
    "Match",
    "MatchResult",
    "ValueScope",
    "create_key",
    "export_selectors",
    "import_key",
    "list_keys",
    "match_selectors",
    "selector",
    "selector_values",
]

IDENTIFIER_TYPES: tuple[str, ...] = ("phone", "email", "handle", "wallet")
SELECTOR_TYPES: tuple[str, ...] = (*IDENTIFIER_TYPES, "image_sha256", "image_pdq", "image_pdq_band")
PDQ_BANDS = 8  # 256 bits in 8 runs of 32 bits: pigeonhole guarantees a shared run up to Hamming distance 7
KEY_BYTES = 32
KEY_FILE_FORMAT = "tipwatch-exchange-key/1"
MAX_LINE_BYTES = 4096
MAX_ERRORS_KEPT = 200
MAX_TEXT = 2000
_GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_WRAP_INFO = b"tipwatch/exchange/key-wrap/v1"
_KEY_ID_INFO = b"tipwatch/exchange/key-id/v1"


class ExchangeError(Exception):
    """A request refused. ``reason``: bad_group, no_key, bad_key_file, key_exists, unreadable_key, bad_purpose,
    bad_legal_basis, bad_scope."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


# --- selectors -------------------------------------------------------------------------------------------------


def selector(key: bytes, type_: str, value: str) -> str:
    """The keyed selector of one value: hex HMAC-SHA256 over type, a unit separator and the value."""
    return hmac.new(key, f"{type_}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def normalize(type_: str, value: str) -> str:
    """The value as both partners must write it. Stored identifier values are already the extractor's normalized
    form; e-mails, handles and hex hashes are case-insensitive, so they are lower-cased (idempotent on stored
    values); phones (E.164) and wallets (case carries a checksum) are kept as they are."""
    value = value.strip()
    return value.lower() if type_ in ("email", "handle", "image_sha256", "image_pdq") else value


def selector_values(type_: str, value: str) -> list[tuple[str, str]]:
    """The (selector type, value) pairs one stored value gives: itself, and for a PDQ hash its bands too."""
    value = normalize(type_, value)
    out = [(type_, value)]
    if type_ == "image_pdq" and len(value) == 64:
        width = 64 // PDQ_BANDS
        out += [("image_pdq_band", f"{i}:{value[i * width : (i + 1) * width]}") for i in range(PDQ_BANDS)]
    return out


# --- keys ------------------------------------------------------------------------------------------------------


def _wrap_key(secret: bytes) -> bytes:
    # HKDF-Expand with one block: a key for sealing only, never the server secret itself.
    return hmac.new(secret, _WRAP_INFO + b"\x01", hashlib.sha256).digest()


def key_id_of(key: bytes) -> str:
    """A fingerprint naming the key (not revealing it): 16 hex characters."""
    return hashlib.sha256(_KEY_ID_INFO + key).hexdigest()[:16]


def _seal(secret: bytes, group: str, key_id: str, key: bytes) -> bytes:
    from Crypto.Cipher import AES  # pycryptodome

    nonce = secrets.token_bytes(12)
    cipher = AES.new(_wrap_key(secret), AES.MODE_GCM, nonce=nonce)
    cipher.update(f"{group}\x1f{key_id}".encode())
    sealed, tag = cipher.encrypt_and_digest(key)
    return nonce + sealed + tag


def _unseal(secret: bytes, key: SealedKey) -> bytes:
    from Crypto.Cipher import AES

    blob = key.sealed
    cipher = AES.new(_wrap_key(secret), AES.MODE_GCM, nonce=blob[:12])
    cipher.update(f"{key.group}\x1f{key.key_id}".encode())
    try:
        return bytes(cipher.decrypt_and_verify(blob[12:-16], blob[-16:]))
    except ValueError:
        raise ExchangeError(
            "unreadable_key",
            f"group {key.group!r}: key {key.key_id} cannot be opened with this server secret (was it changed?)",
        ) from None


def _group(group: str) -> str:
    if not _GROUP.fullmatch(group or ""):
        raise ExchangeError(
            "bad_group", "a group name is 1-100 letters, digits, '.', '_' or '-', starting alphanumeric"
        )
    return group


@dataclass(frozen=True, slots=True)
class KeyFile:
    """A new key as it goes to partners: the file's text (it holds the key in the clear: keep it secret)."""

    group: str
    key_id: str
    text: str


def _keep(store: Store, secret: bytes, group: str, key: bytes, origin: str, actor: str) -> str:
    key_id = key_id_of(key)
    sealed = SealedKey(group, key_id, _seal(secret, group, key_id, key), origin, actor, datetime.now(UTC))
    if not store.exchange.add_key(sealed):
        raise ExchangeError("key_exists", f"group {group!r} already has key {key_id}")
    audit.append(store, actor, f"exchange.key_{origin}", f"group:{group}", details={"key_id": key_id})
    return key_id


def create_key(store: Store, secret: bytes, group: str, *, actor: str) -> KeyFile:
    """A new random key for ``group``, kept sealed; on a group with keys it becomes the one exports use."""
    group = _group(group)
    key = secrets.token_bytes(KEY_BYTES)
    key_id = _keep(store, secret, group, key, "created", actor)
    text = orjson.dumps(
        {
            "format": KEY_FILE_FORMAT,
            "group": group,
            "key_id": key_id,
            "key": base64.b64encode(key).decode(),
            "created_at": datetime.now(UTC).isoformat(),
        }
    ).decode()
    return KeyFile(group, key_id, text + "\n")


def import_key(store: Store, secret: bytes, group: str, text: str | bytes, *, actor: str) -> str:
    """Keep a partner's key for ``group`` (from the file ``create_key`` wrote); returns its key id."""
    group = _group(group)
    try:
        data = orjson.loads(text)
        if not isinstance(data, dict) or data.get("format") != KEY_FILE_FORMAT:
            raise ValueError(f"not a {KEY_FILE_FORMAT} file")
        key = base64.b64decode(str(data["key"]), validate=True)
    except (orjson.JSONDecodeError, KeyError, ValueError) as exc:
        raise ExchangeError("bad_key_file", f"not a tipwatch exchange key file: {exc}") from None
    if len(key) != KEY_BYTES:
        raise ExchangeError("bad_key_file", f"the key must be {KEY_BYTES} bytes, got {len(key)}")
    if data.get("key_id") not in (None, key_id_of(key)):
        raise ExchangeError("bad_key_file", "the key id does not match the key (damaged file?)")
    return _keep(store, secret, group, key, "imported", actor)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A group's key as listed: its id (a fingerprint) and where it came from, never the key. ``current``: the
    newest of its group, the one exports use (older ones still match)."""

    group: str
    key_id: str
    origin: str
    created_by: str
    created_at: datetime
    current: bool


def list_keys(store: Store) -> list[KeyInfo]:
    """Every sharing group's keys, by group, newest first; the sealed keys stay in the store."""
    out: list[KeyInfo] = []
    for k in store.exchange.all_keys():
        current = not out or out[-1].group != k.group
        out.append(KeyInfo(k.group, k.key_id, k.origin, k.created_by, k.created_at, current))
    return out


def group_keys(store: Store, secret: bytes, group: str) -> list[tuple[str, bytes]]:
    """The group's (key id, key), newest first."""
    keys = [(k.key_id, _unseal(secret, k)) for k in store.exchange.keys(_group(group))]
    if not keys:
        raise ExchangeError("no_key", f"group {group!r} has no key: create one or import a partner's")
    return keys


def check_why(purpose: str, legal_basis: str) -> tuple[str, str]:
    """Purpose and legal basis, trimmed; ExchangeError when either is missing or too long (every sharing step,
    selectors and feeds, asks for both and keeps them in the audit log)."""
    purpose, legal_basis = (purpose or "").strip(), (legal_basis or "").strip()
    # NUL: PostgreSQL refuses it in text, and the audit entry keeps both.
    if not purpose or len(purpose) > MAX_TEXT or "\x00" in purpose:
        raise ExchangeError("bad_purpose", f"give the purpose (1-{MAX_TEXT} characters)")
    if not legal_basis or len(legal_basis) > MAX_TEXT or "\x00" in legal_basis:
        raise ExchangeError("bad_legal_basis", f"give the legal basis (1-{MAX_TEXT} characters)")
    return purpose, legal_basis


# --- export ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ExportSummary:
    group: str
    key_id: str
    selectors: int
    by_type: dict[str, int]
    sha256: str  # of the file written, as the audit entry keeps it
    audit_seq: int


@dataclass(slots=True)
class _Seen:
    posts: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None


def _scope_details(scope: ValueScope) -> dict[str, Any]:
    return {
        k: v
        for k, v in (("case", scope.case_id), ("network", scope.network_id), ("min_risk", scope.min_risk))
        if v is not None
    }


def export_selectors(
    store: Store,
    secret: bytes,
    group: str,
    out: IO[bytes],
    *,
    purpose: str,
    legal_basis: str,
    actor: str,
    scope: ValueScope = ValueScope(),
) -> ExportSummary:
    """Write one JSON line per selector of the posts in ``scope`` to ``out``: type, selector, key id, first and last
    day seen, how many posts hold it. No plain value and no text leaves."""
    purpose, legal_basis = check_why(purpose, legal_basis)
    key_id, key = group_keys(store, secret, group)[0]
    if scope.min_risk is not None and not 0.0 <= scope.min_risk <= 1.0:
        raise ExchangeError("bad_scope", "min risk must be between 0 and 1")
    seen: dict[tuple[str, str], _Seen] = {}
    for row in store.exchange.values(IDENTIFIER_TYPES, scope):
        for pair in selector_values(row.type, row.value):
            s = seen.setdefault(pair, _Seen())
            s.posts.add(row.post_id)
            if row.seen is not None:
                s.first = row.seen if s.first is None else min(s.first, row.seen)
                s.last = row.seen if s.last is None else max(s.last, row.seen)
    digest = hashlib.sha256()
    by_type: dict[str, int] = {}
    lines = []
    for (type_, value), s in seen.items():
        lines.append(
            {
                "type": type_,
                "selector": selector(key, type_, value),
                "key_id": key_id,
                # Days, not times: the partner needs the period, not when a post was made to the second.
                "first_seen": s.first.date().isoformat() if s.first else None,
                "last_seen": s.last.date().isoformat() if s.last else None,
                "count": len(s.posts),
            }
        )
        by_type[type_] = by_type.get(type_, 0) + 1
    lines.sort(key=lambda x: (x["type"], x["selector"]))  # no order that hints at the values or the posts
    for line in lines:
        data = orjson.dumps(line) + b"\n"
        digest.update(data)
        out.write(data)
    entry = audit.append(
        store,
        actor,
        "exchange.export",
        f"group:{group}",
        purpose,
        {
            "legal_basis": legal_basis,
            "key_id": key_id,
            "scope": _scope_details(scope),
            "selectors": len(lines),
            "by_type": by_type,
            "sha256": digest.hexdigest(),
        },
    )
    return ExportSummary(group, key_id, len(lines), by_type, digest.hexdigest(), entry.seq)


# --- match -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    """A selector of the partner's file that this store holds: the local posts and their networks."""

    type: str
    selector: str
    post_ids: list[str]
    network_ids: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "selector": self.selector,
            "post_ids": self.post_ids,
            "network_ids": self.network_ids,
        }


@dataclass(slots=True)
class MatchResult:
    lines: int
    selectors: int  # good lines (a selector given twice counts twice)
    bad: int
    errors: list[tuple[int, str]]  # (line number, reason), the first MAX_ERRORS_KEPT
    matches: list[Match]
    audit_seq: int = 0


def parse_line(raw: bytes) -> tuple[str, str]:
    """(type, selector) of one selector line; ValueError with the reason when it is not one."""
    if len(raw) > MAX_LINE_BYTES:
        raise ValueError(f"line longer than {MAX_LINE_BYTES} bytes")
    if not raw.strip():
        raise ValueError("empty line")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValueError("not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    type_, sel = data.get("type"), data.get("selector")
    if type_ not in SELECTOR_TYPES:
        raise ValueError(f"type must be one of {', '.join(SELECTOR_TYPES)}")
    if not isinstance(sel, str) or not _HEX64.fullmatch(sel):
        raise ValueError("selector must be 64 lower-case hex characters")
    key_id = data.get("key_id")
    if key_id is not None and (not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id)):
        raise ValueError("key_id must be 16 lower-case hex characters")
    return type_, sel


def _lines(source: Iterable[bytes]) -> Iterator[bytes]:
    for raw in source:
        yield raw.rstrip(b"\r\n")


def match_selectors(
    store: Store,
    secret: bytes,
    group: str,
    source: Iterable[bytes],
    *,
    purpose: str,
    legal_basis: str,
    actor: str,
) -> MatchResult:
    """The selectors of a partner's file (lines of bytes) that this store holds, under any of the group's keys.

    Only matches are returned; nothing about local values without a match. The file is read first (its wanted
    selectors are kept, not the store's), then the store's values are streamed once."""
    purpose, legal_basis = check_why(purpose, legal_basis)
    keys = group_keys(store, secret, group)
    wanted: dict[tuple[str, str], None] = {}
    errors: list[tuple[int, str]] = []
    lines = good = bad = 0
    digest = hashlib.sha256()
    for n, raw in enumerate(_lines(source), start=1):
        lines += 1
        digest.update(raw + b"\n")
        try:
            wanted.setdefault(parse_line(raw), None)
            good += 1
        except ValueError as exc:
            bad += 1
            if len(errors) < MAX_ERRORS_KEPT:
                errors.append((n, str(exc)))
    found: dict[tuple[str, str], set[str]] = {}
    if wanted:
        for row in store.exchange.values(IDENTIFIER_TYPES):
            for type_, value in selector_values(row.type, row.value):
                for _, key in keys:
                    pair = (type_, selector(key, type_, value))
                    if pair in wanted:
                        found.setdefault(pair, set()).add(row.post_id)
    nets = store.exchange.networks_of([p for ids in found.values() for p in ids])
    matches = [
        Match(t, s, sorted(ids), sorted({nets[p] for p in ids if p in nets})) for (t, s), ids in sorted(found.items())
    ]
    entry = audit.append(
        store,
        actor,
        "exchange.match",
        f"group:{group}",
        purpose,
        {
            "legal_basis": legal_basis,
            "key_ids": [k for k, _ in keys],
            "sha256": digest.hexdigest(),
            "lines": lines,
            "selectors": good,
            "bad": bad,
            "matched": len(matches),
            "posts": len({p for m in matches for p in m.post_ids}),
        },
    )
    return MatchResult(lines, good, bad, errors, matches, entry.seq)
