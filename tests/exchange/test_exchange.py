"""Keyed selectors between two partners (services.exchange, `tipwatch exchange`): exactly the shared phones, e-mails
and pictures match, nothing in a selector file reveals a plain value (nor its plain SHA-256), a wrong key matches
nothing, rotation keeps old keys matching, a hostile file's bad lines are named and the rest is matched; every
export and match is audited with purpose and legal basis. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from exchange_helpers import (
    ONLY_A,
    ONLY_B,
    PICTURES_A,
    PICTURES_B,
    POSTS_A,
    POSTS_B,
    SHARED_EMAILS,
    SHARED_PHONES,
    build,
)

from tipwatch.services import audit, cases
from tipwatch.services.exchange import (
    ExchangeError,
    ValueScope,
    create_key,
    export_selectors,
    group_keys,
    import_key,
    match_selectors,
    selector,
    selector_values,
)
from tipwatch.store.facade import Store, open_store

SECRET_A = b"a" * 40
SECRET_B = b"b" * 40
WHY = {"purpose": "joint case 7 overlap", "legal_basis": "BNSS s.94 request 12/2026"}


@pytest.fixture
def partners(db_url: str, other_db_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Partner A's and partner B's stores, each analyzed from its own posts and pictures."""
    with open_store(db_url) as a, open_store(other_db_url) as b:
        build(a, tmp_path / "A", POSTS_A, PICTURES_A, "siteA")
        build(b, tmp_path / "B", POSTS_B, PICTURES_B, "siteB")
        yield a, b


def _export(store: Store, secret: bytes, group: str = "south-asia", scope: ValueScope = ValueScope()) -> bytes:
    out = io.BytesIO()
    export_selectors(store, secret, group, out, actor="ann", scope=scope, **WHY)
    return out.getvalue()


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_partners_find_exactly_their_overlap_without_plain_values(
    partners: tuple[Store, Store], tmp_path: Path
) -> None:
    a, b = partners
    made = create_key(a, SECRET_A, "south-asia", actor="ann")
    assert import_key(b, SECRET_B, "south-asia", made.text, actor="bo") == made.key_id
    key = dict(group_keys(a, SECRET_A, "south-asia"))[made.key_id]

    exported = _export(a, SECRET_A)
    lines = [orjson.loads(x) for x in exported.splitlines()]
    assert lines and all(set(x) == {"type", "selector", "key_id", "first_seen", "last_seen", "count"} for x in lines)
    assert all(x["key_id"] == made.key_id for x in lines)

    # Nothing in the file is a plain value, or the plain SHA-256 of one (phones, e-mails, picture hashes).
    a_ids = a.posts.all_ids()
    values = {(r.type, r.value) for r in a.posts.identifiers(a_ids)}
    pictures = {(r.sha256, r.pdq) for r in a.posts.image_hashes(a_ids)}
    assert {v for t, v in values if t == "phone"} >= {*SHARED_PHONES, ONLY_A["phone"]}
    text = exported.decode()
    plain = [v for _, v in values] + [h for pair in pictures for h in pair if h]
    digits = [v.lstrip("+") for t, v in values if t == "phone"] + [v[-10:] for t, v in values if t == "phone"]
    for value in plain + digits:
        assert value not in text and value.lower() not in text
        assert hashlib.sha256(value.encode()).hexdigest() not in text
    for sha, _ in pictures:  # the picture's own SHA-256 (hex) and the hash of its hex
        assert hashlib.sha256(bytes.fromhex(sha)).hexdigest() not in text

    (tmp_path / "a.jsonl").write_bytes(exported)
    result = match_selectors(b, SECRET_B, "south-asia", io.BytesIO(exported), actor="bo", **WHY)
    assert (result.lines, result.selectors, result.bad, result.errors) == (len(lines), len(lines), 0, [])

    # Expected: the values both stores hold, computed with the group key.
    b_ids = b.posts.all_ids()
    b_values = {(r.type, r.value) for r in b.posts.identifiers(b_ids)}
    b_pictures = {(r.sha256, r.pdq) for r in b.posts.image_hashes(b_ids)}
    shared = {(t, v) for t, v in values & b_values if t in ("phone", "email", "handle", "wallet")}
    assert shared == {("phone", p) for p in SHARED_PHONES} | {("email", e) for e in SHARED_EMAILS}
    assert ("phone", ONLY_A["phone"]) not in shared and ("phone", ONLY_B["phone"]) not in shared

    def sels(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(t, selector(key, t, v)) for ty, val in pairs for t, v in selector_values(ty, val)}

    def pic_pairs(pics: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {("image_sha256", s) for s, _ in pics} | {("image_pdq", p) for _, p in pics if p}

    expected = sels(shared) | (sels(pic_pairs(pictures)) & sels(pic_pairs(b_pictures)))
    got = {(m.type, m.selector) for m in result.matches}
    assert got == expected
    kinds = {t for t, _ in got}
    assert {"phone", "email", "image_sha256", "image_pdq", "image_pdq_band"} <= kinds

    # The two shared pictures match exactly; the re-encoded drawing (another SHA-256, PDQ a few bits away) only
    # through a PDQ band: a near match for a person to check.
    shared_sha = {s for s, _ in pictures} & {s for s, _ in b_pictures}
    assert len(shared_sha) == 2
    [(near_a, near_b)] = [
        (p, q)
        for s, p in pictures
        for t, q in b_pictures
        if s not in shared_sha and t not in shared_sha and hamming(p, q) <= 31
    ]
    assert 0 < hamming(near_a, near_b) <= 7
    near = {(t, selector(key, t, v)) for t, v in selector_values("image_pdq", near_b)}
    assert ("image_pdq", selector(key, "image_pdq", near_b)) not in got and near & got

    # Each match names B's own posts and networks holding the value; B's unmatched values appear nowhere.
    phone_sel = selector(key, "phone", SHARED_PHONES[0])
    [m] = [m for m in result.matches if m.selector == phone_sel]
    assert m.post_ids == sorted(b.posts.ids_with_identifier("phone", SHARED_PHONES[0]))
    assert m.network_ids == sorted({n for p, n in b.exchange.networks_of(m.post_ids).items()})
    only_b = {selector(key, "phone", ONLY_B["phone"]), selector(key, "email", ONLY_B["email"])}
    assert not only_b & {m.selector for m in result.matches}

    # Audited on both sides with purpose and legal basis.
    exports = [e for e in audit.entries(a) if e.action == "exchange.export"]
    matches = [e for e in audit.entries(b) if e.action == "exchange.match"]
    assert (
        len(exports) == 1
        and exports[0].why == WHY["purpose"]
        and exports[0].details["legal_basis"] == WHY["legal_basis"]
    )
    assert exports[0].details["selectors"] == len(lines)
    assert exports[0].details["sha256"] == hashlib.sha256(exported).hexdigest()
    assert len(matches) == 1 and matches[0].why == WHY["purpose"] and matches[0].details["matched"] == len(got)
    assert audit.verify(a).ok and audit.verify(b).ok


def test_wrong_key_matches_nothing_and_rotation_keeps_old_keys(partners: tuple[Store, Store]) -> None:
    a, b = partners
    first = create_key(a, SECRET_A, "g", actor="ann")
    create_key(b, SECRET_B, "g", actor="bo")  # B made its own key: not the group's
    old_file = _export(a, SECRET_A, "g")
    assert match_selectors(b, SECRET_B, "g", io.BytesIO(old_file), actor="bo", **WHY).matches == []

    import_key(b, SECRET_B, "g", first.text, actor="bo")
    matched = match_selectors(b, SECRET_B, "g", io.BytesIO(old_file), actor="bo", **WHY).matches
    assert matched
    # A rotates: new exports use the new key; B, holding only the old one, matches nothing new...
    second = create_key(a, SECRET_A, "g", actor="ann")
    new_file = _export(a, SECRET_A, "g")
    assert {orjson.loads(x)["key_id"] for x in new_file.splitlines()} == {second.key_id}
    assert match_selectors(b, SECRET_B, "g", io.BytesIO(new_file), actor="bo", **WHY).matches == []
    # ...until it imports it; files made with the old key still match after the rotation.
    import_key(b, SECRET_B, "g", second.text, actor="bo")
    assert len(match_selectors(b, SECRET_B, "g", io.BytesIO(new_file), actor="bo", **WHY).matches) == len(matched)
    assert len(match_selectors(b, SECRET_B, "g", io.BytesIO(old_file), actor="bo", **WHY).matches) == len(matched)

    # The same key twice, a damaged key file, a key sealed under another server secret: refused.
    with pytest.raises(ExchangeError) as err:
        import_key(b, SECRET_B, "g", second.text, actor="bo")
    assert err.value.reason == "key_exists"
    with pytest.raises(ExchangeError) as err:
        import_key(b, SECRET_B, "g", first.text.replace('"key":"', '"key":"AAAA'), actor="bo")
    assert err.value.reason == "bad_key_file"
    with pytest.raises(ExchangeError) as err:
        group_keys(b, SECRET_A, "g")
    assert err.value.reason == "unreadable_key"
    with pytest.raises(ExchangeError) as err:
        _export(a, SECRET_A, "nobody")
    assert err.value.reason == "no_key"
    with pytest.raises(ExchangeError) as err:
        export_selectors(a, SECRET_A, "g", io.BytesIO(), actor="ann", purpose=" ", legal_basis="x")
    assert err.value.reason == "bad_purpose"


def test_hostile_selector_file_bad_lines_named_rest_matched(partners: tuple[Store, Store]) -> None:
    a, b = partners
    made = create_key(a, SECRET_A, "g", actor="ann")
    import_key(b, SECRET_B, "g", made.text, actor="bo")
    good = _export(a, SECRET_A, "g").splitlines()
    clean = match_selectors(b, SECRET_B, "g", io.BytesIO(b"\n".join(good)), actor="bo", **WHY)
    bad = [
        b"not json",
        b"[1, 2]",
        b'{"type": "phone"}',
        b'{"type": "ssn", "selector": "' + b"0" * 64 + b'"}',
        b'{"type": "phone", "selector": "' + b"Z" * 64 + b'"}',
        b'{"type": "phone", "selector": "' + b"a" * 64 + b'", "key_id": 5}',
        b'{"type": "phone", "selector": "' + b"a" * 64 + b'", "pad": "' + b"x" * 5000 + b'"}',
        b"",
        b"\xff\xfe\x00",
    ]
    mixed = [*good[:2], *bad[:5], *good[2:], *bad[5:]]
    result = match_selectors(b, SECRET_B, "g", io.BytesIO(b"\n".join(mixed) + b"\n"), actor="bo", **WHY)
    assert result.lines == len(mixed) == result.selectors + result.bad
    assert (result.selectors, result.bad) == (len(good), len(bad))
    reasons = dict(result.errors)
    assert reasons[3] == "not JSON" and reasons[4] == "not a JSON object"
    hex_only = "selector must be 64 lower-case hex characters"
    assert reasons[5] == hex_only and reasons[6].startswith("type must be one of") and reasons[7] == hex_only
    n = len(good) + 5
    assert reasons[n + 1].startswith("key_id must be") and reasons[n + 2].startswith("line longer than")
    assert reasons[n + 3] == "empty line" and reasons[n + 4] == "not JSON"
    assert result.matches == clean.matches and result.matches


def test_export_scope_case_network_and_min_risk(partners: tuple[Store, Store]) -> None:
    _, b = partners
    create_key(b, SECRET_B, "g", actor="bo")

    def kinds(scope: ValueScope) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for line in _export(b, SECRET_B, "g", scope).splitlines():
            row = orjson.loads(line)
            out.setdefault(row["type"], []).append(row["count"])
        return out

    everything = kinds(ValueScope())
    assert sum(everything["phone"]) == sum(1 for r in b.posts.identifiers(b.posts.all_ids()) if r.type == "phone")
    b1, b5 = "siteb/b1", "siteb/b5"
    network = b.exchange.networks_of([b1])[b1]
    assert b.exchange.networks_of([b5]) == {b5: network}
    # The network of b1 and b5: their one phone and one picture (exact, PDQ and its 8 bands), each held twice.
    linked = {"phone": [2], "image_sha256": [2], "image_pdq": [2], "image_pdq_band": [2] * 8}
    assert kinds(ValueScope(network_id=network)) == linked
    case = cases.create_case(b, "c", created_by="bo")
    cases.add_to_case(b, case.id, post_ids=["siteb/b2"], network_ids=[], actor="bo")
    assert kinds(ValueScope(case_id=case.id)) == {"email": [1]}
    cases.add_to_case(b, case.id, post_ids=[], network_ids=[network], actor="bo")
    assert kinds(ValueScope(case_id=case.id)) == {"email": [1], **linked}
    assert kinds(ValueScope(network_id="no-such-network")) == {} and kinds(ValueScope(case_id=999)) == {}
    top = max(p.risk for p in b.posts.posts(b.posts.all_ids()))
    assert kinds(ValueScope(min_risk=0.0)) == everything and kinds(ValueScope(min_risk=min(1.0, top + 1e-9))) == {}
    with pytest.raises(ExchangeError):
        kinds(ValueScope(min_risk=2.0))
