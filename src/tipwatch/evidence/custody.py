"""The chain of custody of one evidence item: append-only events, each chained to the one before by SHA-256 and
signed with the installation's Ed25519 key.

``event_hash`` is SHA-256 over the previous event's hash, a newline, and the canonical JSON (sorted keys, UTC ISO
time) of the event's item, seq, time, actor, action, why and details. The signature is Ed25519 over the hash (its
64 hex characters, ASCII), base64. Removing, reordering or changing an event breaks the chain from there on; a
chain rebuilt by someone without the key has signatures that do not verify.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
# "export_failed" follows the "exported" events of an export that did not complete (a timestamp authority down, an
# object changed on disk): the chain is append-only, so the failure is recorded, not the events taken back.
ACTIONS = ("captured", "viewed", "exported", "transferred", "export_failed")

Signer = Callable[[bytes], bytes]


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    item_id: int
    seq: int
    at: datetime
    actor: str
    action: str
    why: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item_id,
            "seq": self.seq,
            "at": utc(self.at).isoformat(),
            "actor": self.actor,
            "action": self.action,
            "why": self.why,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> CustodyEvent:
        return cls(
            int(obj["item"]),
            int(obj["seq"]),
            datetime.fromisoformat(str(obj["at"])),
            str(obj["actor"]),
            str(obj["action"]),
            str(obj["why"]),
            dict(obj["details"]),
            str(obj["prev_hash"]),
            str(obj["hash"]),
            str(obj["signature"]),
        )


def utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def event_hash(
    prev_hash: str,
    item_id: int,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    why: str,
    details: Mapping[str, Any],
) -> str:
    body = {
        "item": item_id,
        "seq": seq,
        "at": utc(at).isoformat(),
        "actor": actor,
        "action": action,
        "why": why,
        "details": details,
    }
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_json(body)).hexdigest()


def sign_hash(sign: Signer, digest: str) -> str:
    return base64.b64encode(sign(digest.encode("ascii"))).decode("ascii")


def make_event(
    sign: Signer,
    prev_hash: str,
    item_id: int,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    why: str,
    details: Mapping[str, Any],
) -> CustodyEvent:
    """The next event of a chain, hashed and signed."""
    if action not in ACTIONS:
        raise ValueError(f"custody action must be one of {', '.join(ACTIONS)}, got {action!r}")
    digest = event_hash(prev_hash, item_id, seq, at, actor, action, why, details)
    return CustodyEvent(
        item_id, seq, utc(at), actor, action, why, dict(details), prev_hash, digest, sign_hash(sign, digest)
    )


def signature_ok(key: Ed25519PublicKey, data: bytes, signature_b64: str) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def check_chain(events: Iterable[CustodyEvent], key: Ed25519PublicKey | None) -> str | None:
    """None when the events (one item's, oldest first) form an unbroken chain from the genesis, each hash right
    and (with ``key``) each signature valid; else why not, naming the first bad event."""
    prev, expected_seq = GENESIS, 1
    for e in events:
        where = f"custody event {e.seq} of item {e.item_id}"
        if e.seq != expected_seq:
            return f"{where}: expected event {expected_seq} (an event is missing or out of order)"
        if e.prev_hash != prev:
            return f"{where}: does not chain onto the event before it"
        if event_hash(e.prev_hash, e.item_id, e.seq, e.at, e.actor, e.action, e.why, e.details) != e.hash:
            return f"{where}: its content does not match its hash (changed)"
        if key is not None and not signature_ok(key, e.hash.encode("ascii"), e.signature):
            return f"{where}: the signature does not verify with the public key"
        prev, expected_seq = e.hash, expected_seq + 1
    if expected_seq == 1:
        return "the chain of custody is empty"
    return None
