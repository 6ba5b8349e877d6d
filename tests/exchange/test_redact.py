"""Minimal exports (tipwatch.redact, services.exports): who may export at which level, the masks, and exports of a
real linked store in every format in which no stored phone, e-mail, handle, wallet or URL, nor a person's name from
the ads, appears at the redacted and selectors levels, while the full level carries them (so the check can fail)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from exchange_helpers import build

from tipwatch.link.exports import FORMATS
from tipwatch.redact import RedactionRefused, check_level, mask_text, mask_value
from tipwatch.services import audit, cases, exchange
from tipwatch.services.exports import ExportAsk, export_case, export_networks
from tipwatch.store.facade import Store, open_store

SECRET = b"r" * 40
NAMES = ("Priya", "Anjali")
POSTS = [
    ("r1", "Priya new in town call 98765 43210", "call +91 98765 43210 or mail priya.r@example.org, tg @priya_vip", []),
    (
        "r2",
        "Anjali and Priya, mail priya.r@example.org",
        "whatsapp 98765-43210, btc 1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
        [],
    ),
    ("r3", "Hotel service escorts.example.com/priya", "call 9988776655, see https://escorts.example.com/priya", []),
    ("r4", "Girls available 9988776655", "call 099887 76655 now, pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT", []),
]
TYPES = ("phone", "email", "handle", "wallet", "url")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    build(s, tmp_path / "in", POSTS, {}, "siteR")
    assert s.links.networks(), "the posts should link"
    return s


def _plain(store: Store) -> set[str]:
    """Every stored identifier value, and the parts of it that identify on their own."""
    out: set[str] = set()
    for row in store.exchange.values(TYPES):
        out.add(row.value)
        if row.type == "phone":
            out.add(row.value[-10:])  # the national number
        elif row.type == "email":
            out.add(row.value.split("@")[0])
        elif row.type == "handle":
            out.add(row.value.split(":")[-1])
    assert {"+919876543210", "+919988776655", "priya.r@example.org"} <= out
    return out


def _text(path: Path) -> str:
    if path.is_dir():
        return "\n".join(p.read_text(encoding="utf-8") for p in sorted(path.iterdir()))
    return path.read_text(encoding="utf-8")


def test_levels_by_role_and_purpose() -> None:
    assert check_level("viewer", "redacted") == "redacted" and check_level("viewer", "selectors") == "selectors"
    for role, level, purpose, reason in [
        ("viewer", "full", "court order", "above_role"),
        ("analyst", "full", "", "no_purpose"),
        ("supervisor", "full", "  ", "no_purpose"),
        ("admin", "everything", "x", "bad_level"),
        ("stranger", "redacted", "x", "above_role"),
    ]:
        with pytest.raises(RedactionRefused) as err:
            check_level(role, level, purpose)
        assert err.value.reason == reason
    assert check_level("analyst", "full", "referral to AHTU") == "full"
    assert check_level("admin", "full", "referral") == "full"


def test_masks() -> None:
    assert mask_value("phone", "+919876543210") == "+91 98xxx xx210"
    assert mask_value("email", "rani.x@example.org") == "r***@e***.org"
    assert mask_value("handle", "telegram:op_two") == "telegram:o***"
    assert mask_value("url", "https://escorts.example.com/priya?id=7") == "https://e***.com/…"
    assert mask_value("wallet", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT") == "1Boa***"
    assert mask_value("price", "2000 INR") == "2000 INR"
    text = mask_text("Priya (प्रिया) and Anjali: call 98765 43210, mail rani.x@example.org. New girls, 24 hours")
    assert text == "[name] ([name]) and [name]: call +91 98xxx xx210, mail r***@e***.org. New girls, 24 hours"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_redacted_network_export_holds_no_plain_identifier(store: Store, tmp_path: Path, fmt: str) -> None:
    plain = _plain(store)
    ask = ExportAsk(actor="user:vic", role="viewer", level="redacted")
    out = tmp_path / f"redacted.{fmt}"
    graph = export_networks(store, SECRET, fmt, out, ask)
    assert graph.of_kind("phone") and graph.of_kind("post")
    text = _text(out)
    leaked = sorted(v for v in plain if v in text)
    assert leaked == [], f"{fmt} export leaks {leaked}"
    assert not [n for n in NAMES if re.search(n, text, re.IGNORECASE)], f"{fmt} export leaks a name"
    assert "+91 98xxx xx210" in text or fmt == "ftm"  # FollowTheMoney drops what is not a phone number
    entry = audit.page(store, limit=1)[0]
    assert (entry.action, entry.actor, entry.details["level"], entry.details["format"]) == (
        "networks.export",
        "user:vic",
        "redacted",
        fmt,
    )
    # The same export at full level does carry the values: the check above would see a leak.
    full = tmp_path / f"full.{fmt}"
    export_networks(store, SECRET, fmt, full, ExportAsk("user:sue", "supervisor", "full", "referral to AHTU 4/2026"))
    assert "+919876543210" in _text(full) or "9876543210" in _text(full)
    assert audit.page(store, limit=1)[0].why == "referral to AHTU 4/2026"


def test_a_selectors_export_carries_keyed_selectors_only(store: Store, tmp_path: Path) -> None:
    plain = _plain(store)
    made = exchange.create_key(store, SECRET, "ngo", actor="t")
    key = dict(exchange.group_keys(store, SECRET, "ngo"))[made.key_id]
    ask = ExportAsk(actor="user:ana", role="analyst", level="selectors", group="ngo")
    out = tmp_path / "sel.graphml"
    graph = export_networks(store, SECRET, "graphml", out, ask)
    text = out.read_text(encoding="utf-8")
    assert not [v for v in plain if v in text] and "Priya" not in text and "Hotel" not in text
    phones = {n.label for n in graph.of_kind("phone")}
    assert exchange.selector(key, "phone", "+919876543210") in phones
    assert audit.page(store, limit=1)[0].details["key_id"] == made.key_id
    with pytest.raises(RedactionRefused, match="cannot carry selectors"):
        export_networks(store, SECRET, "stix", tmp_path / "x.json", ask)
    with pytest.raises(RedactionRefused, match="has no key"):
        export_networks(store, SECRET, "csv", tmp_path / "x", ExportAsk("a", "analyst", "selectors", group="none"))
    with pytest.raises(RedactionRefused, match="at most 'redacted'"):
        export_networks(store, SECRET, "csv", tmp_path / "x", ExportAsk("v", "viewer", "full", "x"))


def test_case_exports_by_level(store: Store) -> None:
    plain = _plain(store)
    case = cases.create_case(store, "Priya's ring, 98765 43210", created_by="ana")
    posts = [r.post_id for r in store.exchange.values(("phone",))]
    cases.add_posts(store, case.id, sorted(set(posts)), actor="ana")
    cases.add_note(store, case.id, "Anjali called from 9988776655", author="ana")
    redacted = json.dumps(export_case(store, SECRET, case.id, ExportAsk("user:vic", "viewer")), ensure_ascii=False)
    assert not [v for v in plain if v in redacted] and not [n for n in NAMES if n in redacted]
    assert '"export_level": "redacted"' in redacted and "+91 99xxx xx655" in redacted
    exchange.create_key(store, SECRET, "ngo", actor="t")
    sel = export_case(store, SECRET, case.id, ExportAsk("user:ana", "analyst", "selectors", group="ngo"))
    assert "notes" not in sel and all("selectors" in p for p in sel["posts"])
    assert not [v for v in plain if v in json.dumps(sel)]
    full = export_case(store, SECRET, case.id, ExportAsk("user:sue", "supervisor", "full", "referral"))
    assert "+919876543210" in json.dumps(full)
    levels = [e.details["level"] for e in audit.entries(store) if e.action == "case.export"]
    assert levels == ["redacted", "selectors", "full"]
