"""Feeds over a real TAXII 2.1 server (medallion on 127.0.0.1): a network published from one store is read back
with taxii2-client (exact patterns, TLP 2.0 markings, extension definitions, no ad text) and pulled into a second
store as watches (exact values, named feed, alerts on stored posts, counts reconcile, a second pull adds nothing);
hostile objects are rejected by id and reason and quarantined while the rest is imported; the MISP export loads
back with pymisp. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stix2
from exchange_helpers import PICTURES_B, POSTS_B, build
from feed_helpers import AD_TEXT, COLLECTIONS, PASSWORD, PICTURES_F, POSTS_F, USER, Taxii, medallion
from taxii2client.v21 import Collection, Server

from tipwatch.link.exports import indicator_pattern, tlp
from tipwatch.services import audit
from tipwatch.services.exchange import ExchangeError
from tipwatch.services.feeds import (
    FeedError,
    PullResult,
    ValueScope,
    bundle_for,
    collect,
    misp_export,
    open_collection,
    publish,
    pull,
    taxii_objects,
)
from tipwatch.store.facade import Store, open_store

WHY = {"purpose": "joint case 7", "legal_basis": "BNSS s.94 request 12/2026"}
AMBER_STRICT = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
MARKED = {"indicator", "observed-data", "relationship", "grouping", "x-tipwatch-phone-number", "email-addr", "file"}
# What the network f1-f3 holds, as tipwatch stores it (FeedIndicator kind, value); the picture hashes are added.
NETWORK_VALUES = {
    ("phone", "+919876543210"),
    ("email", "rosy@example.com"),
    ("handle", "telegram:rosy_agency"),
    ("handle", "instagram:rosy.girls"),
    ("wallet", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("wallet", "0x52908400098527886E0F7030069857D2E4169EE7"),
    ("url", "https://rosy-agency.example.com/jobs"),
}


@pytest.fixture
def taxii(tmp_path: Path) -> Iterator[Taxii]:
    """A fresh server per test (its memory backend starts empty)."""
    with medallion(tmp_path / "medallion") as server:
        yield server


@pytest.fixture
def stores(db_url: str, other_db_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """The publisher's store (the f posts) and the receiver's (the exchange tests' partner B)."""
    with open_store(db_url) as a, open_store(other_db_url) as b:
        build(a, tmp_path / "A", POSTS_F, PICTURES_F, "siteF")
        build(b, tmp_path / "B", POSTS_B, PICTURES_B, "siteB")
        yield a, b


def _network(store: Store) -> str:
    member = store.links.membership()
    nets = {member[p] for p in member if p.endswith(("/f1", "/f3"))}
    assert len(nets) == 1, member
    return nets.pop()


def _collection(taxii: Taxii, name: str) -> Collection:
    return open_collection(taxii.api_root, COLLECTIONS[name], user=USER, password=PASSWORD)


def _pull_out(store: Store, taxii: Taxii, feed: str, added_after: str | None = None) -> PullResult:
    """Pull the "out" collection into ``store`` as ``feed``."""
    return pull(
        store,
        taxii_objects(_collection(taxii, "out"), added_after=added_after),
        feed=feed,
        source=taxii.api_root,
        collection=COLLECTIONS["out"],
        actor="bo",
        added_after=added_after,
        **WHY,
    )


def test_publish_a_network_read_it_back_and_pull_it_into_another_store(
    taxii: Taxii, stores: tuple[Store, Store]
) -> None:
    a, b = stores
    net = _network(a)
    expected = {(i.kind, i.value) for i in collect(a, ValueScope(network_id=net)).indicators}
    kinds = {k for k, _ in expected}
    assert expected >= NETWORK_VALUES and {"image_sha256", "image_pdq"} <= kinds
    assert not any(v == "+919000022222" for _, v in expected)  # f4 is not in the network

    done = publish(a, _collection(taxii, "out"), ValueScope(network_id=net), actor="ann", **WHY)
    assert done.failed == 0 and done.already == 0 and done.succeeded == done.objects and done.tlp == "amber+strict"
    assert done.indicators == len(expected)
    # Published again: the unchanged observables and the marking are already held, the rest is a new version.
    again = publish(a, _collection(taxii, "out"), ValueScope(network_id=net), actor="ann", **WHY)
    assert again.failed == 0 and again.already >= len(expected) and again.succeeded + again.already == again.objects

    # Read back with taxii2-client from discovery on: exactly these patterns arrived, each marked AMBER+STRICT.
    server = Server(taxii.discovery, user=USER, password=PASSWORD)
    (root,) = server.api_roots
    coll = next(c for c in root.collections if c.id == COLLECTIONS["out"])
    objects = [o for o in taxii_objects(coll)]
    indicators = [o for o in objects if o["type"] == "indicator"]
    assert {o["pattern"] for o in indicators} == {indicator_pattern(k, v) for k, v in expected}
    assert all(o.get("object_marking_refs") == [AMBER_STRICT] for o in objects if o["type"] in MARKED)
    types = {o["type"] for o in objects}
    assert {"identity", "marking-definition"} <= types and types >= MARKED
    assert "extension-definition" not in types  # medallion cannot serve them (services.feeds.TAXII_LEFT_OUT)
    assert {"x-tipwatch-phone-number", "x-tipwatch-crypto-wallet", "x-tipwatch-image-pdq"} <= types
    assert {o["relationship_type"] for o in objects if o["type"] == "relationship"} == {"based-on", "related-to"}
    observed = [o for o in objects if o["type"] == "observed-data"]
    assert observed and all(o[k].endswith("T00:00:00Z") for o in observed for k in ("first_observed", "last_observed"))
    text = json.dumps(objects)
    assert AD_TEXT not in text and "note" not in types and "/f1" not in text  # no ad text, no post ids
    for o in objects:  # every object is valid STIX 2.1 for the stix2 library
        stix2.parse(o, allow_custom=True)

    # Pull into the second store: one watch per value, named after the feed; stored posts with the phone alert.
    feed = "partner unit 7"
    got = _pull_out(b, taxii, feed)
    c = got.counts
    assert c.read == len(objects) == c.imported + c.already + c.skipped + c.rejected
    assert c.imported == len(expected) and c.rejected == 0 and c.already == 0
    assert sum(got.skipped_by_reason.values()) == c.skipped
    as_watch = {("image" if k.startswith("image_") else k, v) for k, v in expected}
    rows = b.feeds.indicators(feed)
    assert {(r.kind, r.value) for r in rows} == as_watch
    assert all(r.tlp == "amber+strict" for r in rows)
    watches = {w["id"]: w for w in b.watches.all()}
    assert all(watches[r.watch_id]["note"].startswith(f"feed {feed}: indicator--") for r in rows)
    alerts = b.watches.alerts(unseen_only=False)
    assert got.alerts == len(alerts) > 0
    # b1 and b5 hold the shared phone and the same picture file (shared1.jpg); PDQ near-copies are flagged as new
    # posts come (stored posts are looked up by identifier and by SHA-256).
    assert {a["post_id"].rsplit("/", 1)[-1] for a in alerts} == {"b1", "b5"}
    assert {a["reason"].split()[0] for a in alerts} == {"phone", "picture"}

    again = _pull_out(b, taxii, feed)
    assert again.counts.imported == 0 and again.counts.already == len(expected)
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    none = _pull_out(b, taxii, feed, added_after=later)
    assert none.counts.read == 0

    # Audited on both sides with purpose and legal basis.
    sent, _ = [e for e in audit.entries(a) if e.action == "feeds.publish"]
    assert sent.why == WHY["purpose"] and sent.details["legal_basis"] == WHY["legal_basis"]
    assert sent.details["scope"] == {"network": net} and sent.details["tlp"] == "amber+strict"
    pulls = [e for e in audit.entries(b) if e.action == "feeds.pull"]
    assert len(pulls) == 3 and all(e.details["legal_basis"] == WHY["legal_basis"] for e in pulls)
    first = next(e for e in pulls if e.details["pull_id"] == got.pull_id)
    assert first.details["imported"] == len(expected) and first.details["read"] == len(objects)


def test_hostile_objects_are_rejected_by_id_and_reason_and_the_rest_imported(
    taxii: Taxii, stores: tuple[Store, Store]
) -> None:
    _, b = stores
    now = datetime.now(UTC)

    def ind(n: int, pattern: str, **extra: object) -> dict[str, object]:
        return {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
            "created": "2026-11-01T00:00:00.000Z",
            "modified": "2026-11-01T00:00:00.000Z",
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": "2026-11-01T00:00:00Z",
            **extra,
        }

    good = [
        ind(1, "[email-addr:value = 'Recruiter@Example.net']"),
        ind(2, "[x-tipwatch-phone-number:value = '+91 90000 11111']"),
        ind(3, "[user-account:account_login = 'o\\'neil' AND user-account:account_type = 'telegram']"),
    ]
    hostile = [  # (pattern, part of the reason given)
        ("[email-addr:value = 'a@x.org' OR email-addr:value = 'b@x.org']", "equality comparisons"),
        ("[ipv4-addr:value = '10.0.0.1']", "not a value tipwatch watches"),
        ("[email-addr:value = 'x'", "missing ']'"),
        ("[x-tipwatch-image-pdq:value = 'not-hex']", "bad image"),
        ("[email-addr:value = 'a@x.org'] AND [url:value = 'http://x.org']", "one observation"),
    ]
    bad = {str(ind(10 + n, p)["id"]): why for n, (p, why) in enumerate(hostile)}
    objects: list[dict[str, object]] = [*good, *(ind(10 + n, p) for n, (p, _) in enumerate(hostile))]
    skipped = [
        ind(20, "[email-addr:value = 'old@x.org']", revoked=True),
        ind(21, "[email-addr:value = 'gone@x.org']", valid_until=f"{now - timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}"),
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": "identity--00000000-0000-4000-8000-000000000030",
            "created": "2026-11-01T00:00:00.000Z",
            "modified": "2026-11-01T00:00:00.000Z",
            "name": "a partner",
        },
    ]
    objects += skipped
    status = _collection(taxii, "hostile").add_objects(json.dumps({"objects": objects}))
    assert status.success_count == len(objects)
    # Objects no server would keep, read as they might come from a broken one.
    broken: list[object] = [
        "not an object",
        {"type": "indicator"},
        {**ind(40, "[url:value = 'x']"), "created": "yesterday"},
    ]

    got = pull(
        b,
        [*taxii_objects(_collection(taxii, "hostile")), *broken],
        feed="hostile",
        source=taxii.api_root,
        collection=COLLECTIONS["hostile"],
        actor="bo",
        **WHY,
    )
    c = got.counts
    assert c.read == len(objects) + len(broken) == c.imported + c.already + c.skipped + c.rejected
    assert c.imported == len(good) and c.skipped == len(skipped) and c.rejected == len(bad) + len(broken)
    assert got.skipped_by_reason == {
        "revoked": 1,
        "expired (valid_until has passed)": 1,
        "not an indicator (identity)": 1,
    }
    reasons = dict(got.errors)
    for oid, why in bad.items():
        assert why in reasons[oid], (oid, reasons.get(oid))
    assert "?" in reasons and "not valid STIX 2.1" in reasons["indicator--00000000-0000-4000-8000-000000000040"]
    assert {(r.kind, r.value) for r in b.feeds.indicators("hostile")} == {
        ("email", "recruiter@example.net"),
        ("phone", "+919000011111"),
        ("handle", "telegram:o'neil"),
    }
    quarantined = b.feeds.rejects(got.pull_id)
    assert len(quarantined) == c.rejected and {q["object_id"] for q in quarantined} >= set(bad)
    assert all(q["raw"] for q in quarantined)


def test_markings_text_and_refusals(stores: tuple[Store, Store]) -> None:
    a, _ = stores
    net = _network(a)
    bundle, _, marking = bundle_for(a, ValueScope(network_id=net), level="TLP:GREEN")
    assert marking.level == "green"
    assert {o["id"] for o in bundle.objects if o["type"] == "marking-definition"} == {tlp("green").marking["id"]}
    assert not [o for o in bundle.objects if o["type"] == "note"]
    with_text, _, _ = bundle_for(a, ValueScope(network_id=net), include_text=True)
    notes = [o for o in with_text.objects if o["type"] == "note"]
    assert len(notes) == 3 and any(AD_TEXT in n["content"] for n in notes)
    with pytest.raises(FeedError, match="unknown TLP"):
        bundle_for(a, ValueScope(network_id=net), level="purple")
    with pytest.raises(FeedError, match="one network or one case"):
        bundle_for(a, ValueScope())
    with pytest.raises(FeedError, match="holds no identifier"):
        bundle_for(a, ValueScope(network_id="N-nope"))
    with pytest.raises(ExchangeError, match="purpose"):
        misp_export(a, ValueScope(network_id=net), purpose=" ", legal_basis="x", actor="ann")


def test_misp_export_loads_back_with_pymisp(stores: tuple[Store, Store]) -> None:
    from pymisp import MISPEvent

    a, _ = stores
    net = _network(a)
    expected = {(i.kind, i.value) for i in collect(a, ValueScope(network_id=net)).indicators}
    text, by_kind = misp_export(a, ValueScope(network_id=net), actor="ann", **WHY)
    event = MISPEvent()
    event.load(text)
    assert "tlp:amber+strict" in {t.name for t in event.tags} and event.distribution == 0
    got = {}
    for attr in event.attributes:
        kind = next(t.name.split("=", 1)[1].strip('"') for t in attr.tags if t.name.startswith("tipwatch:kind="))
        got[(kind, attr.value)] = (attr.type, attr.to_ids)
    assert set(got) == expected and sum(by_kind.values()) == len(expected)
    assert got[("phone", "+919876543210")] == ("phone-number", False)
    assert got[("email", "rosy@example.com")][0] == "email-src"
    assert got[("handle", "telegram:rosy_agency")][0] == "text"
    assert got[("wallet", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")][0] == "btc"
    assert got[("wallet", "0x52908400098527886E0F7030069857D2E4169EE7")][0] == "text"
    assert got[("url", "https://rosy-agency.example.com/jobs")][0] == "url"
    assert {t for (k, _), (t, _) in got.items() if k == "image_sha256"} == {"sha256"}
    pdq = [attr for attr in event.attributes if attr.comment.startswith("pdq:")]
    assert len(pdq) == 1 and pdq[0].type == "text"
    assert AD_TEXT not in text
    (entry,) = [e for e in audit.entries(a) if e.action == "feeds.misp_export"]
    assert entry.details["legal_basis"] == WHY["legal_basis"] and entry.details["attributes"] == len(expected)
