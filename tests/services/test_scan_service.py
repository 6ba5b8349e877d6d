"""The scan service (services/scan.py) on a real store, SQLite and PostgreSQL: what one scanned post gives, what is
stored and when, watch hits, hash-bank matches (with Meta's PDQ reference images), network membership, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from tipwatch.services import banks, watches
from tipwatch.services.scan import ScanConfig, ScanError, Scanner, ScanRequest, scan
from tipwatch.store.facade import Store, open_store
from tipwatch.synth import generate

PDQ_DIR = Path(__file__).resolve().parents[1] / "data" / "pdq"  # Meta's PDQ reference data (BSD), copied in
BRIDGE = PDQ_DIR / "dih"

RISKY = ScanRequest(
    title="New girls in town, 18 only",
    body="Fresh college girls available, full service. Call 98765 43210 or mail Rani.X@Gmail.com. नई लड़कियाँ",
    platform="site1",
)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        yield opened


def _bridge(name: str) -> bytes:
    path = BRIDGE / name
    if not path.is_file():
        pytest.skip(f"PDQ reference images not found at {BRIDGE} (tests/data/pdq, copied from Meta's ThreatExchange)")
    return path.read_bytes()


def test_risky_post_indicators_spans_and_identifiers(store: Store) -> None:
    result = Scanner.open(store).scan(RISKY)
    assert result.text == RISKY.title + "\n" + RISKY.body
    assert result.risk > 0.5 and result.reasons
    codes = {i.code for i in result.indicators}
    assert "SEX_YOUTH_NEW_GIRLS" in codes
    for hit in result.indicators:
        assert 0 <= hit.start < hit.end <= len(result.text)
        assert result.text[hit.start : hit.end] == hit.text  # spans land on what the author wrote
    new_girls = next(i for i in result.indicators if i.code == "SEX_YOUTH_NEW_GIRLS")
    assert result.text[new_girls.start : new_girls.end].lower() == "new girls"
    found = {(i.type, i.value, i.raw) for i in result.identifiers}
    assert ("phone", "+919876543210", "98765 43210") in found
    assert ("email", "rani.x@gmail.com", "Rani.X@Gmail.com") in found
    for ident in result.identifiers:
        assert result.text[ident.start : ident.end] == ident.raw
    assert result.stored is False and result.run_id is None and result.image is None and result.networks == []


def test_store_false_stores_nothing_store_true_exactly_one(store: Store) -> None:
    scanner = Scanner.open(store)
    scanner.scan(RISKY)
    assert store.posts.all_ids() == []
    stored = scanner.scan(replace(RISKY, store=True))
    assert stored.stored and stored.run_id is not None and not stored.duplicate
    assert store.posts.all_ids() == [stored.post_id]
    run = store.reports.latest_run()
    assert run is not None and run.id == stored.run_id
    assert (run.read, run.stored, run.duplicates, run.quarantined, run.unaccounted) == (1, 1, 0, 0, 0)
    assert run.status == "ok" and run.command == "scan"
    # The same post again: a duplicate, counted on a run of its own; nothing new stored.
    again = scanner.scan(replace(RISKY, store=True))
    assert not again.stored and again.duplicate and again.post_id == stored.post_id
    run2 = store.reports.latest_run()
    assert run2 is not None and run2.id == again.run_id != run.id
    assert (run2.read, run2.stored, run2.duplicates, run2.unaccounted) == (1, 0, 1, 0)
    assert store.posts.all_ids() == [stored.post_id]
    # Stored through the analyze writer: identifiers and hits are there, and the post is searchable.
    idents = {(r.type, r.value) for r in store.posts.identifiers([stored.post_id])}
    assert ("phone", "+919876543210") in idents
    assert sum(1 for _ in store.posts.indicator_hits([stored.post_id])) == len(stored.indicators)


def test_watch_hit_and_refresh_after_a_new_watch(store: Store) -> None:
    scanner = Scanner.open(store, ScanConfig(refresh_seconds=3600))
    assert scanner.scan(RISKY).watch_hits == []
    watch = watches.add(store, "phone", "+91 98765-43210", note="case 7")
    # Not yet seen (the scanner reads fingerprints at most once per refresh_seconds) until refreshed.
    assert scanner.scan(RISKY).watch_hits == []
    scanner.refresh(force=True)
    hits = scanner.scan(RISKY).watch_hits
    assert [(h.watch_id, h.kind, h.value) for h in hits] == [(watch.id, "phone", "+919876543210")]
    assert "+919876543210" in hits[0].reason
    # A scanner that checks every time sees a stopped watch go.
    eager = Scanner.open(store, ScanConfig(refresh_seconds=0))
    assert len(eager.scan(RISKY).watch_hits) == 1
    watches.remove(store, watch.id)
    assert eager.scan(RISKY).watch_hits == []
    keyword = watches.add(store, "keyword", "college girls")
    assert [h.watch_id for h in eager.scan(RISKY).watch_hits] == [keyword.id]


def test_bank_match_rotated_image_via_dihedral_variant(store: Store, tmp_path: Path) -> None:
    original, rotated = _bridge("bridge-1-original.jpg"), _bridge("bridge-2-rotate-90.jpg")
    banks.create_bank(store, "ngo list", source="test", licence="test")
    (tmp_path / "bridge.jpg").write_bytes(original)
    added, bad = banks.add_images(store, "ngo list", [tmp_path / "bridge.jpg"])
    assert added.added == 3 and bad == 0  # sha256, md5, pdq
    scanner = Scanner.open(store)
    same = scanner.scan(ScanRequest(body="room available", image=original))
    kinds = {(m.signal_type, m.variant) for m in same.bank_matches}
    assert ("sha256", "exact") in kinds and ("pdq", "original") in kinds
    turned = scanner.scan(ScanRequest(body="room available", image=rotated))
    assert turned.image is not None and turned.image.sha256 != same.image.sha256  # type: ignore[union-attr]
    pdq = [m for m in turned.bank_matches if m.signal_type == "pdq"]
    assert pdq and pdq[0].bank == "ngo list" and pdq[0].variant not in ("original", "exact")
    assert pdq[0].distance <= (pdq[0].threshold or 31)
    assert not turned.restricted and not turned.image.restricted  # type: ignore[union-attr]
    assert store.posts.all_ids() == []  # a scan with an image stores nothing unless asked


def test_restricted_bank_match_returns_hashes_only(store: Store, tmp_path: Path) -> None:
    original, rotated = _bridge("bridge-1-original.jpg"), _bridge("bridge-4-rotate-270.jpg")
    banks.create_bank(store, "plain", source="test", licence="test")
    (tmp_path / "bridge.jpg").write_bytes(original)
    banks.add_images(store, "plain", [tmp_path / "bridge.jpg"])
    # The abuse-material bank gets the same hashes through an exchange file, as a hotline list would arrive.
    listing = tmp_path / "list.csv"
    listing.write_text(banks.export_bank(store, "plain", "csv"))
    banks.create_bank(store, "hotline", source="hotline", licence="members", is_abuse_material=True)
    imported = banks.import_file(store, "hotline", listing)
    assert imported.added.added == 3
    scanner = Scanner.open(store)
    result = scanner.scan(ScanRequest(body="call me", image=rotated, store=True))
    assert result.restricted and result.image is not None and result.image.restricted
    abuse = [m for m in result.bank_matches if m.is_abuse_material]
    assert abuse and {m.bank for m in abuse} == {"hotline"}
    # Hashes and flags only: nothing in the answer carries image bytes.
    answer = asdict(result)

    def no_bytes(value: object) -> bool:
        if isinstance(value, dict):
            return all(no_bytes(v) for v in value.values())
        if isinstance(value, list):
            return all(no_bytes(v) for v in value)
        return not isinstance(value, bytes | bytearray)

    assert no_bytes(answer)
    assert answer["image"]["sha256"] and answer["image"]["pdq"] and answer["image"]["restricted"] is True
    json.dumps(answer, default=str)  # plain data the web layer can serialize
    # Stored: the post is flagged restricted like an analyzed one.
    assert result.stored and store.media.restricted_posts([result.post_id]) == {result.post_id}


def test_network_membership_after_networks_ran(store: Store, tmp_path: Path) -> None:
    from tipwatch.services.analyze import AnalyzeRequest, analyze

    corpus = tmp_path / "posts.jsonl"
    with corpus.open("w") as fh:
        for post, _truth in generate(400, 3):
            fh.write(json.dumps(post) + "\n")
    req = AnalyzeRequest([corpus], media=False, workers=1, quarantine_path=tmp_path / "q.jsonl")
    done = analyze(store, req, data_dir=tmp_path, link_state_dir=tmp_path / "state")
    assert done.counts.reconciles and store.links.count_networks() > 0
    network = store.links.networks(limit=1)[0]
    members = sorted(store.links.membership([network.id]))
    phones = sorted({r.value for r in store.posts.identifiers(members) if r.type == "phone"})
    assert phones
    phone = phones[0]
    local = phone.removeprefix("+91")
    written = f"{local[:5]} {local[5:]}" if phone.startswith("+91") else phone
    result = Scanner.open(store).scan(ScanRequest(title="Hello", body=f"new number {written} call now"))
    assert any(i.type == "phone" and i.value == phone for i in result.identifiers)
    held = {n.id: n for n in result.networks}
    assert network.id in held and f"phone {phone}" in held[network.id].via
    assert held[network.id].size == network.size
    # A post sharing nothing with the corpus belongs to no network.
    assert Scanner.open(store).scan(ScanRequest(body="call 70000 12345 today")).networks == []

    # Look-ups are remembered per links token: a new post with the phone grows the network, and once the scanner
    # re-reads the token (refresh) it reports the new membership, not the remembered one.
    scanner = Scanner.open(store)
    ask = ScanRequest(title="Hello", body=f"new number {written} call now")
    before = {n.id: n.size for n in scanner.scan(ask).networks}
    assert before == {n.id: n.size for n in scanner.scan(ask).networks}
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"id": "late-1", "platform": "late", "body": f"new in town, call {written} now"}) + "\n")
    req = AnalyzeRequest([more], media=False, workers=1, quarantine_path=tmp_path / "q2.jsonl")
    assert analyze(store, req, data_dir=tmp_path, link_state_dir=tmp_path / "state").counts.stored == 1
    scanner.refresh(force=True)
    after = {n.id: n.size for n in scanner.scan(ask).networks}
    assert after == {n.id: n.size for n in Scanner.open(store).scan(ask).networks}
    assert sum(after.values()) > sum(before.values())


def test_bad_inputs_raise_scan_error_with_reasons(store: Store) -> None:
    scanner = Scanner.open(store, ScanConfig(max_text_chars=1000, max_image_bytes=10_000))
    cases: list[tuple[ScanRequest, str, str]] = [
        (ScanRequest(), "empty_text", "no text"),
        (ScanRequest(title="   ", body="\n"), "empty_text", "no text"),
        (ScanRequest(body="<p> </p>"), "empty_text", "title and body are empty"),
        (ScanRequest(body="x" * 1001), "text_too_large", "1001 characters"),
        (ScanRequest(body="x", kind="spam"), "bad_request", "kind"),
        (ScanRequest(body="x", image=b"x", image_url="https://example.org/a.jpg"), "bad_request", "not both"),
        (ScanRequest(body="x", image=b"not an image at all"), "bad_image", "not an image"),
        (ScanRequest(body="x", image=b""), "bad_image", "empty"),
        (ScanRequest(body="x", image=b"\xff" * 10_001), "image_too_large", "10001 bytes"),
        (ScanRequest(body="x", image_url="ftp://example.org/a.jpg"), "bad_url", "http"),
        (ScanRequest(body="x", image_url="http://user:pw@example.org/a.jpg"), "bad_url", "credentials"),
        (ScanRequest(body="x", image_url="http://127.0.0.1:9/a.jpg"), "private_address", "loopback"),
        (ScanRequest(body="x", image_url="http://10.1.2.3/a.jpg"), "private_address", "private"),
    ]
    for request, code, words in cases:
        with pytest.raises(ScanError) as caught:
            scanner.scan(request)
        assert caught.value.code == code, (request, caught.value)
        assert words in caught.value.reason, (request, caught.value.reason)
    assert store.posts.all_ids() == []


def test_private_address_allowed_when_asked(store: Store) -> None:
    # With allow_private the guard lets the connection through: a closed local port is a fetch failure, not a refusal.
    with pytest.raises(ScanError) as caught:
        Scanner.open(store).scan(ScanRequest(body="x", image_url="http://127.0.0.1:9/a.jpg", allow_private=True))
    assert caught.value.code == "fetch_failed"


def test_one_shot_scan_function(store: Store) -> None:
    result = scan(store, RISKY)
    assert result.risk > 0.5 and not result.stored


def test_image_url_fetched_through_safehttp_and_matched(store: Store, tmp_path: Path) -> None:
    import http.server
    import threading

    original = _bridge("bridge-1-original.jpg")
    banks.create_bank(store, "ngo list", source="test", licence="test")
    (tmp_path / "bridge.jpg").write_bytes(original)
    banks.add_images(store, "ngo list", [tmp_path / "bridge.jpg"])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(original)))
            self.end_headers()
            self.wfile.write(original)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ad.jpg"
        scanner = Scanner.open(store)
        with pytest.raises(ScanError) as caught:
            scanner.scan(ScanRequest(body="room", image_url=url))  # loopback: refused unless allowed
        assert caught.value.code == "private_address"
        result = scanner.scan(ScanRequest(body="room", image_url=url, allow_private=True, store=True))
    finally:
        server.shutdown()
        server.server_close()
    assert result.image is not None and result.image.ref == url and result.image.status == "ok"
    assert {m.signal_type for m in result.bank_matches} >= {"sha256", "pdq"}
    assert result.stored
    # Stored like an analyzed post's image: its hashes, under the URL it came from.
    rows = list(store.posts.image_hashes([result.post_id]))
    assert [r.sha256 for r in rows] == [result.image.sha256]
