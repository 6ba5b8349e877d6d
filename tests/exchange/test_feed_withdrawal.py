"""A partner takes an indicator back: a newer version with ``revoked`` set, or a ``valid_until`` that passes, stops
the watch the value became (its alerts stay), an older version read later does not bring it back (in a later pull or
earlier in the same one), and a newer live indicator of the value does, with a new watch. A version that extends
the validity keeps the watch. SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from exchange_helpers import PICTURES_B, POSTS_B, build

from tipwatch.services import audit
from tipwatch.services.feeds import SUPERSEDED, PullResult, pull
from tipwatch.store.facade import Store, open_store

WHY = {"purpose": "joint case 7", "legal_basis": "BNSS s.94 request 12/2026"}
PHONE = "+919876543210"  # on b1 and b5
FEED = "partner unit 7"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    with open_store(db_url) as b:
        build(b, tmp_path / "B", POSTS_B, PICTURES_B, "siteB")
        yield b


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def ind(n: int, value: str, modified: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-11-01T00:00:00.000Z",
        "modified": modified,
        "pattern": f"[x-tipwatch-phone-number:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
        **extra,
    }


def _pull(store: Store, objects: list[dict[str, Any]]) -> PullResult:
    return pull(store, objects, feed=FEED, source="upload", collection="test", actor="bo", **WHY)


def _active(store: Store) -> set[str]:
    return {w.value for w in store.watches.active()}


def test_revoked_indicator_stops_its_watch_and_older_versions_do_not_bring_it_back(store: Store) -> None:
    v1 = ind(1, PHONE, "2026-11-02T00:00:00.000Z")
    first = _pull(store, [v1])
    assert first.counts.imported == 1 and first.withdrawn == 0 and first.alerts == 2  # b1, b5
    assert PHONE in _active(store)
    (row,) = store.feeds.indicators(FEED)
    assert row.live and row.modified == datetime(2026, 11, 2, tzinfo=UTC)

    revoked = _pull(store, [ind(1, PHONE, "2026-11-05T00:00:00.000Z", revoked=True)])
    c = revoked.counts
    assert (c.read, c.skipped, c.imported) == (1, 1, 0) and revoked.skipped_by_reason == {"revoked": 1}
    assert revoked.withdrawn == 1
    assert PHONE not in _active(store)
    (row,) = store.feeds.indicators(FEED)
    assert not row.live and row.withdrawn_why == "revoked" and row.modified == datetime(2026, 11, 5, tzinfo=UTC)
    # The alerts already raised stay, with their history; the watch is listed as stopped.
    assert len(store.watches.alerts(unseen_only=False)) == 2
    assert {w["id"]: w["active"] for w in store.watches.all()}[row.watch_id] in (False, 0)
    entry = next(e for e in audit.entries(store) if e.details.get("pull_id") == revoked.pull_id)
    assert entry.details["withdrawn"] == 1 and entry.details["stopped_watches"] == [row.watch_id]

    # The partner's collection still holds the first version: read again, it is superseded.
    again = _pull(store, [v1])
    assert again.counts.imported == 0 and again.skipped_by_reason == {SUPERSEDED: 1} and again.withdrawn == 0
    assert PHONE not in _active(store) and len(store.watches.all()) == 1

    # A newer live version, or another indicator of the same value, makes it live again with a new watch.
    back = _pull(store, [ind(2, PHONE, "2026-11-06T00:00:00.000Z")])
    assert back.counts.imported == 1 and PHONE in _active(store)
    (row,) = store.feeds.indicators(FEED)
    assert row.live and row.stix_id.endswith("000000000002") and row.withdrawn_why is None
    assert len(store.watches.all()) == 2 and len({w.id for w in store.watches.active()}) == 1


def test_versions_in_any_order_within_one_pull(store: Store) -> None:
    # The revoking version read first, the older live one after it: nothing is imported.
    got = _pull(
        store,
        [ind(3, PHONE, "2026-11-05T00:00:00.000Z", revoked=True), ind(3, PHONE, "2026-11-02T00:00:00.000Z")],
    )
    c = got.counts
    assert c.read == 2 == c.imported + c.already + c.skipped + c.rejected and c.imported == 0
    assert got.skipped_by_reason == {"revoked": 1, SUPERSEDED: 1} and got.withdrawn == 0
    assert not store.feeds.indicators(FEED) and PHONE not in _active(store)
    # In the other order the live version is imported, then withdrawn by the revoking one.
    got = _pull(
        store,
        [ind(4, PHONE, "2026-11-02T00:00:00.000Z"), ind(4, PHONE, "2026-11-05T00:00:00.000Z", revoked=True)],
    )
    assert got.counts.imported == 1 and got.withdrawn == 1 and PHONE not in _active(store)


def test_expiry_stops_a_watch_unless_a_newer_version_extends_it(store: Store) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=1)
    other = "+919000011111"  # on b4
    got = _pull(
        store,
        [
            ind(5, PHONE, "2026-11-02T00:00:00.000Z", valid_until=_stamp(soon)),
            ind(6, other, "2026-11-02T00:00:00.000Z", valid_until=_stamp(soon)),
        ],
    )
    assert got.counts.imported == 2 and _active(store) == {PHONE, other}
    # The partner extends the phone's indicator by a newer version: held already, its validity refreshed.
    later = _stamp(datetime.now(UTC) + timedelta(days=30))
    extended = _pull(store, [ind(5, PHONE, "2026-11-03T00:00:00.000Z", valid_until=later)])
    assert extended.counts.already == 1 and extended.withdrawn == 0
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.2)
    # The next pull, whatever it reads, stops the watch whose indicator lapsed since the last one.
    swept = _pull(store, [])
    assert swept.counts.read == 0 and swept.withdrawn == 1
    assert _active(store) == {PHONE}
    rows = {r.value: r for r in store.feeds.indicators(FEED)}
    assert rows[other].withdrawn_why == "expired (valid_until has passed)" and rows[PHONE].live
    # An expired version read later withdraws the value it was imported from too.
    gone = _pull(store, [ind(5, PHONE, "2026-11-04T00:00:00.000Z", valid_until="2026-11-20T00:00:00Z")])
    assert gone.skipped_by_reason == {"expired (valid_until has passed)": 1} and gone.withdrawn == 1
    assert not _active(store)
