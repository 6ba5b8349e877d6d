"""Reading STIX 2.1 objects from a partner's feed: which indicators name a value tipwatch can watch.

Every object is hostile input. An object is checked with the ``stix2`` library (``stix2.parse``: JSON in, Python
objects out, no code run), and an indicator's pattern is parsed with its pattern grammar. Only the simple patterns a
feed of identifiers uses are taken: one observation, equality comparisons joined by AND, on one object type:

- ``[email-addr:value = '...']``, ``[url:value = '...']``;
- ``[user-account:account_login = '...' AND user-account:account_type = '...']`` (the type optional);
- ``[file:hashes.'SHA-256' = '...']`` (a picture's SHA-256);
- tipwatch's own types (tipwatch.link.exports): ``x-tipwatch-phone-number``, ``x-tipwatch-crypto-wallet``,
  ``x-tipwatch-image-pdq`` (``:value``).

Anything else (ORs, several observations, qualifiers, other object types) is refused with the reason, so a feed
never widens what is watched beyond what it says exactly. Values are then normalized by tipwatch.link.watch like a
watch an analyst types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tipwatch.link.exports import PDQ_TYPE, PHONE_TYPE, WALLET_TYPE

MAX_PATTERN = 4096
_ESCAPE = re.compile(r"\\(.)")

# (object type, property path) -> tipwatch watch kind
_SIMPLE: dict[tuple[str, str], str] = {
    ("email-addr", "value"): "email",
    ("url", "value"): "url",
    ("file", "hashes.SHA-256"): "image",
    (PHONE_TYPE, "value"): "phone",
    (WALLET_TYPE, "value"): "wallet",
    (PDQ_TYPE, "value"): "image",
}


class Rejected(ValueError):
    """An object refused: ``reason`` says why (kept with the object id in the pull's quarantine)."""


class Skipped(Exception):
    """A well-formed object that is not an indicator to import (another object type, revoked, expired)."""


class Withdrawn(Skipped):
    """An indicator the partner revoked or let expire: a value imported from an earlier version of it is withdrawn."""

    def __init__(self, reason: str, stix_id: str, modified: datetime | None) -> None:
        super().__init__(reason)
        self.stix_id = stix_id
        self.modified = modified


@dataclass(frozen=True, slots=True)
class FeedValue:
    stix_id: str
    kind: str  # a watch kind (tipwatch.link.watch.kinds())
    value: str  # as the feed wrote it; normalized by the caller
    valid_until: datetime | None
    modified: datetime | None = None  # this version of the object (STIX versions share the id)


def _unquote(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def read_pattern(pattern: str) -> tuple[str, str]:
    """(watch kind, value) of a simple STIX pattern; Rejected with the reason otherwise."""
    from stix2.exceptions import STIXError
    from stix2.pattern_visitor import create_pattern_object
    from stix2.patterns import (
        AndBooleanExpression,
        EqualityComparisonExpression,
        ObservationExpression,
        StringConstant,
    )
    from stix2patterns.exceptions import ParseException

    if len(pattern) > MAX_PATTERN:
        raise Rejected(f"pattern longer than {MAX_PATTERN} characters")
    try:
        parsed = create_pattern_object(pattern, version="2.1")
    except (ParseException, STIXError, ValueError, TypeError, AttributeError) as exc:
        raise Rejected(f"pattern does not parse: {str(exc)[:200]}") from None
    if not isinstance(parsed, ObservationExpression):
        raise Rejected("pattern is not one observation (several observations or qualifiers are not imported)")
    expr = parsed.operand
    comparisons = expr.operands if isinstance(expr, AndBooleanExpression) else [expr]
    found: dict[str, str] = {}
    types: set[str] = set()
    for comp in comparisons:
        if not isinstance(comp, EqualityComparisonExpression) or comp.negated or comp.operator != "=":
            raise Rejected("pattern is not equality comparisons joined by AND")
        if not isinstance(comp.rhs, StringConstant):
            raise Rejected("pattern compares with something other than a string")
        types.add(str(comp.lhs.object_type_name))
        path = ".".join(str(getattr(c, "property_name", "")) for c in comp.lhs.property_path)
        if path in found:
            raise Rejected(f"pattern compares {path} twice")
        found[path] = _unquote(str(comp.rhs.value))
    if len(types) != 1:
        raise Rejected("pattern compares more than one object type")
    otype = types.pop()
    if otype == "user-account":
        login = found.pop("account_login", None)
        platform = found.pop("account_type", None)
        if login is None or found:
            raise Rejected("a user-account pattern takes account_login (and account_type) only")
        return "handle", f"{platform.lower()}:{login}" if platform else login
    if len(found) != 1:
        raise Rejected(f"a {otype} pattern takes one comparison")
    path, value = found.popitem()
    kind = _SIMPLE.get((otype, path))
    if kind is None:
        raise Rejected(f"{otype}:{path} is not a value tipwatch watches")
    return kind, value


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def read_object(obj: Any, now: datetime) -> FeedValue:
    """The value one feed object asks to watch. Rejected (bad object, unsupported pattern) or Skipped (not an
    indicator, revoked, expired), each with its reason."""
    import stix2
    from stix2.exceptions import STIXError

    if not isinstance(obj, dict):
        raise Rejected("not a JSON object")
    oid, otype = obj.get("id"), obj.get("type")
    if not isinstance(oid, str) or not isinstance(otype, str):
        raise Rejected("no id or type")
    try:
        parsed = stix2.parse(obj, allow_custom=True, version="2.1")
    except (STIXError, ValueError, TypeError, KeyError) as exc:
        raise Rejected(f"not valid STIX 2.1: {str(exc)[:200]}") from None
    if otype != "indicator":
        raise Skipped(f"not an indicator ({otype})")
    modified = _time(parsed.get("modified"))
    if parsed.get("revoked"):
        raise Withdrawn("revoked", oid, modified)
    if parsed.get("pattern_type") != "stix":
        raise Rejected(f"pattern type {parsed.get('pattern_type')!r} (only stix patterns are read)")
    valid_until = _time(parsed.get("valid_until"))
    if valid_until is not None and valid_until <= now:
        raise Withdrawn("expired (valid_until has passed)", oid, modified)
    kind, value = read_pattern(str(parsed["pattern"]))
    return FeedValue(oid, kind, value, valid_until, modified)
