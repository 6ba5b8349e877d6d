"""Retention and erasure (services.retention, store.retention): what is due goes, what is on legal hold (an open
case, directly or through its networks) stays, both are logged; links and networks stay consistent with the posts
left; the search index forgets deleted posts. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from exchange_helpers import PICTURES_A, PICTURES_B, POSTS_A, POSTS_B, SHARED_PHONES, build

from tipwatch.services import audit, cases, faces
from tipwatch.services.networks import state_store, update_networks
from tipwatch.services.retention import RetentionError, erase, run
from tipwatch.services.search import search
from tipwatch.store.facade import Store, open_store
from tipwatch.store.link_tables import links, network_posts, networks
from tipwatch.store.media_tables import face_persons
from tipwatch.store.tables import quarantine, runs

SECRET = b"s" * 40
NOW = datetime.now(UTC)


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """Store A's posts in an old run (two years ago) and store B's posts in a new one."""
    with open_store(db_url) as s:
        build(s, tmp_path / "A", POSTS_A, PICTURES_A, "siteA")
        engine = sa.create_engine(db_url)
        with engine.begin() as conn:
            conn.execute(sa.update(runs).values(started_at=NOW - timedelta(days=730)))
        build(s, tmp_path / "B", POSTS_B, PICTURES_B, "siteB")
        engine.dispose()
        yield s


def _ids(store: Store, prefix: str) -> list[str]:
    return sorted(p for p in store.posts.all_ids() if p.startswith(prefix))


def _relink(tmp_path: Path):  # type: ignore[no-untyped-def]
    def relink(store: Store) -> object:
        return update_networks(store, state=state_store(store, tmp_path / "A" / "state"), rebuild=True)

    return relink


def _consistent(store: Store, db_url: str) -> None:
    """Every link and network member is a stored post, and each network's size is its member count."""
    ids = set(store.posts.all_ids())
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        linked = {r for row in conn.execute(sa.select(links.c.post_a, links.c.post_b)) for r in row if r}
        members = dict(conn.execute(sa.select(network_posts.c.post_id, network_posts.c.network_id)).all())
        sizes = dict(conn.execute(sa.select(networks.c.id, networks.c.size)).all())
    engine.dispose()
    assert linked <= ids and set(members) <= ids
    for nid, size in sizes.items():
        assert size == sum(1 for n in members.values() if n == nid)


def test_retention_deletes_due_keeps_held_and_logs_both(store: Store, db_url: str, tmp_path: Path) -> None:
    old, new = _ids(store, "sitea"), _ids(store, "siteb")
    assert len(old) == 3 and len(new) == 5
    held_post = old[0]
    open_case = cases.create_case(store, "hotel ring", created_by="ann")
    cases.add_to_case(store, open_case.id, post_ids=[held_post], network_ids=[], actor="ann")
    closed = cases.create_case(store, "old", created_by="ann")
    cases.add_to_case(store, closed.id, post_ids=[old[1]], network_ids=[], actor="ann")
    cases.update_case(store, closed.id, status="closed", actor="ann")
    policy = {"posts": 365}

    dry = run(store, policy, actor="dpo", relink=_relink(tmp_path))
    [posts] = dry.areas
    assert (posts.due, posts.held) == (2, 1) and not dry.applied
    assert store.posts.all_ids() and len(store.posts.all_ids()) == 8  # a dry run deletes nothing

    done = run(store, policy, actor="dpo", apply=True, relink=_relink(tmp_path))
    [posts] = done.areas
    assert (posts.due, posts.held) == (2, 1) and done.relinked
    assert posts.tables["posts"] == 2 and posts.tables["identifiers"] > 0 and posts.tables["media_items"] > 0
    assert sorted(store.posts.all_ids()) == sorted([held_post, *new])
    assert [m.id for m in cases.show_case(store, open_case.id).posts] == [held_post]
    _consistent(store, db_url)
    assert not search(store, "Dubai", by="text").hits  # a2's words: the full-text index forgot it

    entries = {e.action: e for e in audit.entries(store) if e.action.startswith("retention.")}
    assert entries["retention.dry_run"].details["due"] == {"posts": 2}
    assert entries["retention.apply"].details["held"] == {"posts": 1}
    assert entries["retention.apply"].details["removed"]["posts"]["posts"] == 2
    assert audit.verify(store).ok

    # Closing the case lifts the hold: the next run takes the post.
    cases.update_case(store, open_case.id, status="closed", actor="ann")
    again = run(store, policy, actor="dpo", apply=True, relink=_relink(tmp_path))
    assert (again.areas[0].due, again.areas[0].held) == (1, 0)
    assert sorted(store.posts.all_ids()) == new
    _consistent(store, db_url)


def test_hold_through_a_case_network_and_area_policies(store: Store, db_url: str, tmp_path: Path) -> None:
    old = _ids(store, "sitea")
    a1 = "sitea/a1"
    network = store.exchange.networks_of([a1])[a1]  # a1 shares a phone and a picture with B's posts
    case = cases.create_case(store, "network case", created_by="ann")
    # The posts of a network in an open case are on hold without being added one by one.
    cases.add_to_case(store, case.id, post_ids=[], network_ids=[network], actor="ann")
    counts = run(store, {"identifiers": 365, "media": 365}, actor="dpo", apply=True, relink=_relink(tmp_path))
    by_area = {c.area: c for c in counts.areas}
    assert len(store.posts.all_ids()) == 8  # posts stay; their extracted data goes
    assert {r.post_id for r in store.posts.identifiers(old)} == {a1}
    assert {r.post_id for r in store.posts.image_hashes(old)} == {a1}
    assert by_area["identifiers"].held == 2 and by_area["identifiers"].due > 0
    assert by_area["media"].held == 1 and by_area["media"].due == 3  # a2's picture, a3's two
    assert all(p.images == [] for p in store.posts.posts(old[1:], images=True))
    assert store.posts.ids_with_identifier("phone", "+919123456780") == []  # a2's own phone, not held
    _consistent(store, db_url)


def test_logs_and_faces_areas(store: Store, db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        run_id = conn.execute(sa.select(sa.func.min(runs.c.id))).scalar_one()
        for age, key in ((400, "k-old"), (1, "k-new")):
            conn.execute(
                sa.insert(quarantine).values(
                    key=key,
                    run_id=run_id,
                    source="s",
                    position="line 1",
                    reason="r",
                    raw="x",
                    created_at=NOW - timedelta(days=age),
                )
            )
        conn.execute(
            sa.insert(face_persons).values(
                case_ref="MP-1",
                label="",
                enrolled_by="ann",
                legal_basis="lb",
                consent="guardian",
                retention_until=(NOW + timedelta(days=30)).date(),
                notes="",
                created_at=NOW - timedelta(days=400),
            )
        )
    # Objects two feed pulls refused: the old pull's go, the new one's stay.
    for age in (400, 1):
        pull_id = store.feeds.start_pull(f"feed {age}", "file", "c", None, "ann", NOW - timedelta(days=age))
        store.feeds.add_reject(pull_id, f"indicator--{age}", "bad pattern", "{}")
    dry = {c.area: c for c in run(store, {"logs": 90, "faces": 180}, actor="dpo").areas}
    assert dry["logs"].tables["quarantine"] == 1 and dry["faces"].due == 1
    assert dry["logs"].tables["feed_rejects"] == 1
    run(store, {"logs": 90, "faces": 180}, actor="dpo", apply=True, relink=None)
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(sa.select(quarantine.c.key).where(quarantine.c.key.like("k-%")))] == [
            "k-new"
        ]
        assert conn.execute(sa.select(sa.func.count()).select_from(face_persons)).scalar_one() == 0
    engine.dispose()
    assert [r["object_id"] for p in store.feeds.pulls() for r in store.feeds.rejects(p["id"])] == ["indicator--1"]
    with pytest.raises(RetentionError):
        run(store, {"everything": 1}, actor="dpo")


def _person(
    conn: sa.Connection, case_ref: str, *, age_days: int = 400, expired: bool = False, hold: bool = False
) -> int:
    return int(
        conn.execute(
            sa.insert(face_persons)
            .values(
                case_ref=case_ref,
                label="",
                enrolled_by="ann",
                legal_basis="missing-person investigation",
                consent="guardian",
                retention_until=(NOW + timedelta(days=-1 if expired else 30)).date(),
                notes="",
                created_at=NOW - timedelta(days=age_days),
                legal_hold=hold,
            )
            .returning(face_persons.c.id)
        ).scalar_one()
    )


def test_face_registry_legal_hold(store: Store, db_url: str) -> None:
    """A missing-person reference under an open case, or flagged on hold, is kept by retention and by the
    registry's expiry purge; once the case is closed or the hold released, it goes like any other."""
    open_case = cases.create_case(store, "MP-77 missing girl, Pune", created_by="ann")
    closed = cases.create_case(store, "old case", created_by="ann")
    cases.update_case(store, closed.id, actor="ann", status="closed")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        by_id = _person(conn, f"case:{open_case.id}")
        by_title = _person(conn, "MP-77 missing girl, Pune")
        flagged = _person(conn, "MP-9", hold=True)
        free = _person(conn, "MP-10")
        of_closed = _person(conn, f"case:{closed.id}")
        expired_held = _person(conn, str(open_case.id), age_days=1, expired=True)
        expired_free = _person(conn, "MP-11", age_days=1, expired=True)
    engine.dispose()
    dry = {c.area: c for c in run(store, {"faces": 180}, actor="dpo").areas}["faces"]
    assert (dry.due, dry.held) == (2, 3)
    done = run(store, {"faces": 180}, actor="dpo", apply=True, relink=None)
    assert (done.areas[0].due, done.areas[0].held, done.areas[0].tables["face_persons"]) == (2, 3, 2)
    left = {p.id for p in store.faces.list_persons()}
    assert left == {by_id, by_title, flagged, expired_held, expired_free}
    entry = audit.page(store, limit=1)[0]
    assert entry.action == "retention.apply" and (entry.details["due"], entry.details["held"]) == (
        {"faces": 2},
        {"faces": 3},
    )
    # The registry's expiry purge keeps the held person past their date.
    assert faces.purge_expired(store) == 1
    assert {p.id for p in store.faces.list_persons()} == {by_id, by_title, flagged, expired_held}
    assert [p.legal_hold for p in store.faces.list_persons() if p.id == flagged] == [True]
    # Close the case and release the flag: they are due now, and both acts are audited.
    cases.update_case(store, open_case.id, actor="ann", status="closed")
    faces.set_hold(store, flagged, False, actor="dpo", why="order 4/2026 lifted")
    assert audit.page(store, limit=1)[0].action == "face.release"
    with pytest.raises(faces.FaceRegistryError):
        faces.set_hold(store, 999_999, True, actor="dpo", why="x")
    run(store, {"faces": 180}, actor="dpo", apply=True, relink=None)
    assert {p.id for p in store.faces.list_persons()} == {expired_held}  # enrolled a day ago: not due at 180 days
    assert of_closed not in left and free not in left


def test_erasure_removes_the_persons_posts_except_held(store: Store, db_url: str, tmp_path: Path) -> None:
    phone = SHARED_PHONES[1]  # in a3 (siteA) and b3 (siteB)
    holders = sorted(store.posts.ids_with_identifier("phone", phone))
    assert len(holders) == 2
    case = cases.create_case(store, "keep", created_by="ann")
    cases.add_to_case(store, case.id, post_ids=[holders[0]], network_ids=[], actor="ann")
    report = erase(store, f"phone:{phone}", actor="dpo", secret=SECRET, why="request DR-9", relink=_relink(tmp_path))
    assert report.removed_posts == holders[1:] and report.held_posts == holders[:1] and report.relinked
    assert report.tables["posts"] == 1 and report.tables["identifiers"] >= 1
    assert store.posts.ids_with_identifier("phone", phone) == holders[:1]
    [entry] = [e for e in audit.entries(store) if e.action == "retention.erase"]
    assert entry.why == "request DR-9" and entry.details["removed_posts"] == holders[1:]
    assert phone not in entry.target and phone[-10:] not in str(entry.details)
    _consistent(store, db_url)
    # Written another way, the same phone: the extractor normalizes it; garbage is refused.
    again = erase(store, "phone:099887 76655", actor="dpo", secret=SECRET, why="repeat", relink=None)
    assert again.removed_posts == [] and again.held_posts == holders[:1]
    for bad in ("phone", "phone:", "phone:hello", "email:+91 99887 76655"):
        with pytest.raises(RetentionError):
            erase(store, bad, actor="dpo", secret=SECRET, why="x")


def test_faces_hold_command(store: Store, db_url: str) -> None:
    from typer.testing import CliRunner

    from tipwatch.cli.main import app

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        person = _person(conn, "MP-5")
    engine.dispose()
    base = ["faces", "hold", str(person), "--by", "dpo", "--db", db_url]
    res = CliRunner().invoke(app, [*base, "--why", "court order 7/2026"])
    assert res.exit_code == 0, res.output
    assert [p.legal_hold for p in store.faces.list_persons() if p.id == person] == [True]
    res = CliRunner().invoke(app, [*base, "--why", "order lifted", "--release"])
    assert res.exit_code == 0, res.output
    assert [p.legal_hold for p in store.faces.list_persons() if p.id == person] == [False]
    assert [e.action for e in audit.page(store, limit=2)] == ["face.release", "face.hold"]
