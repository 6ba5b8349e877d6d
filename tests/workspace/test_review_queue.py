"""The review queue (issue 10): order by risk, leases that never hand one post to two analysts (threads, processes,
both backends), expiry and takeover, skip and release, decisions with reasons that become training labels."""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from workspace_helpers import fill

from tipwatch.services import review
from tipwatch.services.labels import export_training_rows, iter_training_rows
from tipwatch.services.review import QueueFilters, ReviewError
from tipwatch.store.facade import Store, open_store

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(engine: sa.Engine, db_url: str) -> Iterator[Store]:
    with open_store(db_url, migrate=False) as opened:
        yield opened


def _ids(n: int) -> list[tuple[str, float, str | None]]:
    # Distinct risks, listed in an order unrelated to them.
    return [(f"p{i:03d}", ((i * 37) % n) / n, "site1" if i % 2 else "site2") for i in range(n)]


def test_queue_hands_out_highest_risk_first_with_filters(engine: sa.Engine, store: Store) -> None:
    run1 = fill(engine, [("a", 0.2, "x"), ("b", 0.9, "y"), ("c", 0.5, "x")])
    run2 = fill(engine, [("d", 0.7, "x"), ("e", 0.95, "y")])
    got = []
    while (item := review.next_for(store, "ann", now=T0)) is not None:
        got.append((item.post.id, item.post.risk))
        review.decide(store, "ann", item.post.id, "n", "checked", now=T0)
    assert got == [("e", 0.95), ("b", 0.9), ("d", 0.7), ("c", 0.5), ("a", 0.2)]

    fill(engine, [("f", 0.6, "x"), ("g", 0.8, "y"), ("h", 0.3, "x")])
    item = review.next_for(store, "bo", filters=QueueFilters(platform="x"), now=T0)
    assert item is not None and item.post.id == "f" and item.post.platform == "x" and item.post.body == "bf"
    review.release(store, "bo", "f")
    assert review.next_for(store, "bo", filters=QueueFilters(min_risk=0.7), now=T0).post.id == "g"  # type: ignore[union-attr]
    # Changing filters releases the post held under the old ones.
    item = review.next_for(store, "bo", filters=QueueFilters(min_risk=0.65, platform="x"), now=T0)
    assert item is None and store.review.lease("g") is None
    assert run1 != run2
    assert review.next_for(store, "bo", filters=QueueFilters(run=run2), now=T0) is None
    assert review.next_for(store, "bo", filters=QueueFilters(run=run1 + 2), now=T0).post.id == "g"  # type: ignore[union-attr]


def test_the_held_post_is_handed_again_until_decided(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, None), ("b", 0.5, None)])
    first = review.next_for(store, "ann", now=T0, lease_seconds=60)
    again = review.next_for(store, "ann", now=T0 + timedelta(seconds=30), lease_seconds=60)
    assert first is not None and again is not None
    assert (first.post.id, first.resumed, again.post.id, again.resumed) == ("a", False, "a", True)
    assert again.lease.expires_at == T0 + timedelta(seconds=90)  # renewed
    other = review.next_for(store, "bo", now=T0 + timedelta(seconds=31))
    assert other is not None and other.post.id == "b"
    assert review.next_for(store, "cy", now=T0 + timedelta(seconds=32)) is None


def _take_and_decide(store: Store, name: str, n: int, out: list[str], errors: list[str]) -> None:
    try:
        for _ in range(n):
            item = review.next_for(store, name)
            if item is None:
                errors.append(f"{name}: queue empty")
                return
            out.append(item.post.id)
            review.decide(store, name, item.post.id, "dismiss", "not relevant")
    except Exception as exc:
        errors.append(f"{name}: {type(exc).__name__}: {exc}")


def test_concurrent_reviewers_in_threads_never_share_a_post(engine: sa.Engine, store: Store) -> None:
    fill(engine, _ids(200))
    taken: dict[str, list[str]] = {f"r{i}": [] for i in range(4)}
    errors: list[str] = []
    threads = [threading.Thread(target=_take_and_decide, args=(store, k, 50, v, errors)) for k, v in taken.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert errors == []
    handed = [p for v in taken.values() for p in v]
    assert len(handed) == 200 and len(set(handed)) == 200
    stats = review.stats(store)
    assert (stats.total, stats.undecided, stats.held, stats.decided) == (200, 0, 0, {"dismiss": 200})
    for name, got in taken.items():  # each reviewer got their posts in queue order
        risks = [store.review.post(p).risk for p in got]  # type: ignore[union-attr]
        assert risks == sorted(risks, reverse=True), name


def _process_worker(url: str, name: str, n: int, barrier: Any, out: Any) -> None:
    with open_store(url, migrate=False) as store:
        barrier.wait()
        got: list[str] = []
        try:
            item = review.next_for(store, name)
            for i in range(n):
                assert item is not None, "queue empty"
                got.append(item.post.id)
                if i == n - 1:  # the last one is decided: a skip would hand out one more
                    review.decide(store, name, item.post.id, "needs_info", "ask")
                else:
                    item = review.skip(store, name, item.post.id)  # kept out of the pool until the lease ends
        except Exception as exc:
            out.put((name, got, f"{type(exc).__name__}: {exc}"))
            return
        out.put((name, got, ""))


def test_concurrent_reviewers_in_processes_never_share_a_post(engine: sa.Engine, db_url: str, store: Store) -> None:
    fill(engine, _ids(200))
    ctx = mp.get_context("spawn")  # separate interpreters and connections, like several server processes
    barrier = ctx.Barrier(4)
    out = ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(db_url, f"r{i}", 50, barrier, out)) for i in range(4)]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(60)
    assert [err for _, _, err in results if err] == []
    handed = [p for _, got, _ in results for p in got]
    assert len(handed) == 200 and len(set(handed)) == 200
    stats = review.stats(store)  # the skipped posts stay held until their leases end
    assert (stats.held, stats.undecided, stats.decided) == (196, 196, {"needs_info": 4})


def test_expired_lease_is_taken_over(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, None), ("b", 0.5, None), ("c", 0.1, None)])
    a = review.next_for(store, "ann", now=T0, lease_seconds=60)
    b = review.next_for(store, "bo", now=T0 + timedelta(seconds=59), lease_seconds=60)
    assert a is not None and b is not None and (a.post.id, b.post.id) == ("a", "b")
    cy = review.next_for(store, "cy", now=T0 + timedelta(seconds=61), lease_seconds=60)
    assert cy is not None and cy.post.id == "a" and not cy.resumed  # ann's lease ended
    lease = store.review.lease("a")
    assert lease is not None and lease.reviewer == "cy"
    # ann comes back: her post is gone to cy, she gets the next free one; she cannot decide cy's post.
    ann = review.next_for(store, "ann", now=T0 + timedelta(seconds=62), lease_seconds=60)
    assert ann is not None and ann.post.id == "c"
    with pytest.raises(ReviewError) as err:
        review.decide(store, "ann", "a", "escalate", "seen before", now=T0 + timedelta(seconds=62))
    assert err.value.reason == "held_by_other" and "cy" in str(err.value)


def test_skip_hands_the_next_post_and_returns_the_skipped_one_after_the_lease(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, None), ("b", 0.5, None), ("c", 0.1, None)])
    review.next_for(store, "ann", now=T0, lease_seconds=60)
    nxt = review.skip(store, "ann", "a", now=T0 + timedelta(seconds=1), lease_seconds=60)
    assert nxt is not None and nxt.post.id == "b"
    bo = review.next_for(store, "bo", now=T0 + timedelta(seconds=2))
    assert bo is not None and bo.post.id == "c"  # a stays out of the pool while the skipped lease lasts
    with pytest.raises(ReviewError) as err:
        review.skip(store, "ann", "a", now=T0 + timedelta(seconds=3))
    assert err.value.reason == "not_held"
    cy = review.next_for(store, "cy", now=T0 + timedelta(seconds=61))
    assert cy is not None and cy.post.id == "a"


def test_release_puts_the_post_back_at_once(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, None), ("b", 0.5, None)])
    calls: list[tuple[Any, ...]] = []
    review.next_for(store, "ann", now=T0)
    assert not review.release(store, "bo", "a")  # not bo's
    assert review.release(store, "ann", "a", audit=lambda *a: calls.append(a))
    assert calls == [("ann", "review.release", "post:a", "", {})]
    bo = review.next_for(store, "bo", now=T0)
    assert bo is not None and bo.post.id == "a"


def test_decide_needs_a_valid_decision_and_a_reason(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, None)])
    cases = [
        (("a", "escalate", "  "), "missing_reason"),
        (("a", "maybe", "why"), "bad_decision"),
        (("zzz", "dismiss", "why"), "unknown_post"),
    ]
    for (post_id, decision, reason), expected in cases:
        with pytest.raises(ReviewError) as err:
            review.decide(store, "ann", post_id, decision, reason)
        assert err.value.reason == expected
    with pytest.raises(ReviewError) as err:
        review.next_for(store, " ")
    assert err.value.reason == "bad_reviewer"
    assert review.history(store, "a") == [] and list(iter_training_rows(store)) == []
    assert [review.parse_decision(k) for k in ("e", "d", "n", "Needs-Info")] == [
        "escalate",
        "dismiss",
        "needs_info",
        "needs_info",
    ]


def test_decisions_become_training_labels_and_redecisions_keep_history(
    engine: sa.Engine, store: Store, tmp_path: Path
) -> None:
    fill(engine, [("a", 0.9, None), ("b", 0.5, None), ("c", 0.1, None)])
    audited: list[tuple[Any, ...]] = []
    item = review.next_for(store, "ann", now=T0)
    assert item is not None
    first = review.decide(store, "ann", "a", "e", "ad lists ages under 18", now=T0, audit=lambda *a: audited.append(a))
    assert store.review.lease("a") is None  # the lease ended
    review.decide(store, "ann", "b", "dismiss", "adult job ad", now=T0)
    review.decide(store, "bo", "c", "needs_info", "ask the platform", now=T0)
    assert audited == [
        (
            "ann",
            "review.decide",
            "post:a",
            "ad lists ages under 18",
            {"decision": "escalate", "label": 1, "id": first.id},
        )
    ]
    rows = {r["id"]: (r["label"], r["author"]) for r in iter_training_rows(store)}
    assert rows == {"a": (1, "ann"), "b": (0, "ann")}  # needs_info gives no label

    later = T0 + timedelta(days=1)
    review.decide(store, "cy", "a", "dismiss", "same person, verified adult", now=later)
    hist = review.history(store, "a")
    assert [(d.reviewer, d.decision, d.reason, d.label, d.decided_at) for d in hist] == [
        ("ann", "escalate", "ad lists ages under 18", 1, T0),
        ("cy", "dismiss", "same person, verified adult", 0, later),
    ]
    out = tmp_path / "labels.jsonl"
    assert export_training_rows(store, out) == 2
    exported = {r["id"]: (r["label"], r["author"]) for r in map(orjson.loads, out.read_bytes().splitlines())}
    assert exported == {"a": (0, "cy"), "b": (0, "ann")}  # the latest decision wins
    stats = review.stats(store)
    assert (stats.total, stats.undecided, stats.held, stats.decided) == (3, 0, 0, {"dismiss": 2, "needs_info": 1})
    assert review.next_for(store, "dee", now=later) is None  # decided posts are not handed out again


def test_stats_count_held_and_filter(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, "x"), ("b", 0.5, "y"), ("c", 0.1, "x")])
    review.next_for(store, "ann", now=T0, lease_seconds=60)
    review.next_for(store, "bo", now=T0, lease_seconds=60)
    review.decide(store, "cy", "c", "escalate", "minor", now=T0)
    s = review.stats(store, now=T0)
    assert (s.total, s.undecided, s.held, s.decided) == (3, 2, 2, {"escalate": 1})
    s = review.stats(store, filters=QueueFilters(platform="x"), now=T0 + timedelta(seconds=61))
    assert (s.total, s.undecided, s.held, s.decided) == (2, 1, 0, {"escalate": 1})


def test_needs_info_withdraws_the_label_an_earlier_decision_gave(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, None), ("b", 0.5, None)])
    # A label imported from elsewhere (not the queue's) on "b" stays whatever the queue decides.
    store.labels.add(["b"], 1, author="hotline", origin="import", note="", at=T0)
    review.decide(store, "ann", "a", "escalate", "ages under 18", now=T0)
    review.decide(store, "ann", "b", "dismiss", "adult job ad", now=T0)
    assert {r["id"]: r["label"] for r in iter_training_rows(store)} == {"a": 1, "b": 0}
    audited: list[tuple[Any, ...]] = []
    later = T0 + timedelta(hours=1)
    for post_id in ("a", "b"):
        review.decide(
            store, "bo", post_id, "needs_info", "ask the platform", now=later, audit=lambda *x: audited.append(x)
        )
    # The review labels are gone from the training data; the imported one is in force again.
    assert {r["id"]: (r["label"], r["author"]) for r in iter_training_rows(store)} == {"b": (1, "hotline")}
    assert [a[4].get("labels_withdrawn") for a in audited] == [1, 1]
    # A later escalate or dismiss gives a label again.
    review.decide(store, "cy", "a", "dismiss", "verified adult", now=later + timedelta(hours=1))
    assert {r["id"]: r["label"] for r in iter_training_rows(store)} == {"a": 0, "b": 1}
