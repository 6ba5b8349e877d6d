"""The link area's storage interfaces on SQLite and PostgreSQL: post reads by id (chunked), links and networks
(unsigned 64-bit entity keys, incremental replacement), watches and alerts, and the link state directory."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from filelock import FileLock, Timeout
from link_helpers import Corpus, small_config, store_posts

from tipwatch.link.batch import PostInput
from tipwatch.link.state import LinkState, from_snapshot, to_snapshot
from tipwatch.services.networks import iter_networks, state_store, update_networks
from tipwatch.store.facade import Store, open_store
from tipwatch.store.interface.links import LinkUpdate, StateSnapshot
from tipwatch.store.interface.posts import CHUNK
from tipwatch.store.interface.watches import Hit
from tipwatch.store.link_state import DirectoryLinkState, default_state_dir
from tipwatch.store.media_tables import media_items
from tipwatch.store.sql.link_state import ADVISORY_KEY

BIG = (1 << 64) - 5  # an entity key past the signed range: stored as a negative BIGINT, read back unsigned


@pytest.fixture
def store(engine: sa.Engine, db_url: str) -> Store:
    phone = ("phone", "+919800000001")
    a_ids = [(*phone, 11, 24), ("place", "Delhi", 25, 30)]
    b_ids = [("place", "Delhi", 32, 37), (*phone, 5, 18), ("place", "Pune", 22, 26)]
    posts = [
        PostInput("a", "Sweet call +919800000001 Delhi", "site-a", "escort_ad", ["img-a.jpg"], a_ids),
        PostInput("b", "call +919800000001 in Pune then Delhi", "site-b", "social_post", (), b_ids),
        PostInput("c", "nothing here", None, "other"),
    ]
    store_posts(engine, posts)
    ok = {"ref": "img-a.jpg", "status": "ok", "reason": "", "sha256": "ab" * 32, "quality": 90}
    bad = {"ref": "broken.jpg", "status": "rejected", "reason": "not an image", "sha256": None, "quality": None}
    with engine.begin() as conn:
        conn.execute(
            sa.insert(media_items),
            [
                {"post_id": "a", **ok, "pdq": "0f" * 32, "pdq_mirror": "f0" * 32},
                {"post_id": "a", **bad, "pdq": None, "pdq_mirror": None},
            ],
        )
    return open_store(db_url)


def test_posts_by_id(store: Store) -> None:
    posts = store.posts
    assert sorted(posts.all_ids()) == ["a", "b", "c"] and sorted(posts.dated_ids()) == ["a", "b", "c"]
    recs = {p.id: p for p in posts.posts(["a", "b", "zz"])}
    assert set(recs) == {"a", "b"} and recs["a"].body == "" and recs["a"].images == []
    assert recs["a"].platform == "site-a" and recs["a"].kind == "escort_ad" and recs["a"].risk == 0.5
    full = {p.id: p for p in posts.posts(["a"], text=True, images=True)}["a"]
    assert full.body.startswith("Sweet call") and full.images == ["img-a.jpg"]
    idents = sorted(posts.identifiers(["a", "b"]), key=lambda r: (r.post_id, r.start))
    assert [(r.post_id, r.type, r.start) for r in idents if r.type == "place"] == [
        ("a", "place", 25),
        ("b", "place", 22),
        ("b", "place", 32),
    ]
    assert posts.hit_counts(["a", "b", "c"]) == {"a": 1}
    assert [(h.post_id, h.category) for h in posts.indicator_hits(["a", "b"])] == [("a", "test")]
    assert posts.ids_with_identifier("phone", "+919800000001") == ["a", "b"]
    assert posts.ids_with_identifier("phone", "+910000000000") == []
    hashes = list(posts.image_hashes(["a", "b"]))
    assert sorted((h.sha256 or "", h.quality or 0) for h in hashes) == [("", 0), ("ab" * 32, 90)]


def test_post_queries_split_long_id_lists(engine: sa.Engine, db_url: str) -> None:
    c = Corpus(71)
    c.benign("n", CHUNK + 50)
    store_posts(engine, c.posts)
    store = open_store(db_url)
    ids = store.posts.all_ids()
    assert len(ids) == CHUNK + 50
    assert len(list(store.posts.posts([*ids, "missing"]))) == len(ids)
    assert {r.post_id for r in store.posts.identifiers(ids)} <= set(ids)


def _update(full: bool, **kw: object) -> LinkUpdate:
    base: dict[str, object] = {
        "full": full,
        "fingerprint": "fp",
        "post_ids": [],
        "network_ids": [],
        "entity_keys": [],
        "entities": [],
        "links": [],
        "networks": [],
        "members": [],
    }
    base.update(kw)
    return LinkUpdate(**base)  # type: ignore[arg-type]


def _entity(key: int, value: str, n: int) -> dict[str, object]:
    counts = {"n_posts": n, "n_platforms": 1, "n_kinds": 1}
    return {
        "key": key,
        "type": "phone",
        "value": value,
        **counts,
        "weight": 1.0,
        "strong": True,
        "hub": False,
        "hub_reason": "",
    }


def _network(nid: str, score: float) -> dict[str, object]:
    times = {"first_posted_at": None, "last_posted_at": None}
    return {"id": nid, "size": 2, "score": score, "reasons": [f"r {nid}"], "profile": {"p": nid}, **times}


def test_links_and_networks_round_trip(store: Store, engine: sa.Engine) -> None:
    links = store.links
    assert links.token() is None and links.count_networks() == 0
    token = links.write(
        _update(
            True,
            entities=[_entity(BIG, "+919800000001", 2), _entity(7, "other", 2)],
            links=[
                {
                    "post_a": "a",
                    "post_b": None,
                    "entity_key": BIG,
                    "signal": "phone",
                    "weight": 1.0,
                    "strong": True,
                    "evidence": {"value": "+919800000001", "posts": 2},
                },
                {
                    "post_a": "a",
                    "post_b": "b",
                    "entity_key": None,
                    "signal": "text",
                    "weight": 0.5,
                    "strong": False,
                    "evidence": {"jaccard": 0.6},
                },
            ],
            networks=[_network("n1", 0.5), _network("n2", 0.9)],
            members=[{"post_id": "a", "network_id": "n1"}, {"post_id": "b", "network_id": "n1"}],
        )
    )
    assert links.token() == token
    assert [n.id for n in links.networks()] == ["n2", "n1"] and links.count_networks() == 2
    assert [n.id for n in links.networks(limit=1)] == ["n2"]
    assert [n.id for n in links.networks(min_score=0.6)] == ["n2"]
    assert [n.id for n in links.networks(ids=["n1"], min_score=0.0)] == ["n1"]
    assert links.networks()[0].profile == {} and links.networks(with_profile=True)[0].profile == {"p": "n2"}
    assert links.membership() == {"a": "n1", "b": "n1"} and links.membership(["n2"]) == {}
    got = sorted(links.links_from(["a"]), key=lambda r: r.signal)
    assert [(r.signal, r.entity_key, r.post_b) for r in got] == [("phone", BIG, None), ("text", None, "b")]
    assert got[0].evidence == {"value": "+919800000001", "posts": 2}
    assert sorted(links.entities([BIG, 7, 12345])) == [(7, "phone", "other", 2), (BIG, "phone", "+919800000001", 2)]
    with engine.connect() as conn:
        created = conn.execute(sa.text("SELECT created_at FROM networks WHERE id = 'n1'")).scalar_one()

    # Incremental: b leaves n1 for n3. The reclustered posts' rows are replaced (a's text link to b goes), n1 is
    # rewritten with its creation time kept, n2 (not changed) stays, the BIG entity is replaced.
    phone_link = {
        "post_a": "a",
        "post_b": None,
        "entity_key": BIG,
        "signal": "phone",
        "weight": 1.0,
        "strong": True,
        "evidence": {"value": "+919800000001", "posts": 3},
    }
    token2 = links.write(
        _update(
            False,
            post_ids=["a", "b"],
            network_ids=["n1", "n3"],
            entity_keys=[BIG],
            entities=[_entity(BIG, "+919800000001", 3)],
            links=[phone_link],
            networks=[_network("n1", 0.4), _network("n3", 0.1)],
            members=[{"post_id": "a", "network_id": "n1"}, {"post_id": "b", "network_id": "n3"}],
        )
    )
    assert token2 != token and links.token() == token2
    assert links.membership() == {"a": "n1", "b": "n3"}
    assert [n.id for n in links.networks()] == ["n2", "n1", "n3"]
    assert sorted((e.key, e.n_posts) for e in links.entities([BIG, 7])) == [(7, 2), (BIG, 3)]
    assert [(r.signal, r.evidence["posts"]) for r in links.links_from(["a", "b"])] == [("phone", 3)]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT created_at FROM networks WHERE id = 'n1'")).scalar_one() == created


def test_watches_and_alerts(store: Store) -> None:
    w = store.watches
    phone = w.add("phone", "+919800000001", note="case 1", by="analyst")
    kw = w.add("keyword", "sweet")
    assert [x.id for x in w.active()] == [phone.id, kw.id]
    rows = w.all()
    assert [r["kind"] for r in rows] == ["phone", "keyword"] and rows[0]["created_by"] == "analyst"
    assert set(rows[0]) == {"id", "kind", "value", "note", "created_by", "created_at", "active"}
    hits = [Hit(phone.id, "a", "phone x"), Hit(phone.id, "a", "again"), Hit(phone.id, "b", "phone x")]
    assert w.raise_alerts(hits) == 2 and w.raise_alerts(hits) == 0 and w.raise_alerts([]) == 0
    listed = w.alerts()
    assert {r["post_id"] for r in listed} == {"a", "b"} and all(r["watch_id"] == phone.id for r in listed)
    assert {"title", "platform", "risk", "url", "kind", "value", "note", "seen"} <= set(listed[0])
    assert len(w.alerts(mark_seen=True)) == 2 and w.alerts() == [] and len(w.alerts(unseen_only=False)) == 2
    assert w.deactivate(kw.id) and not w.deactivate(999)
    assert [x.id for x in w.active()] == [phone.id]


def test_state_directory_round_trip_and_lock(tmp_path: Path) -> None:
    st = LinkState.empty("fp", 16, 10)
    st.ids = ["a", "b"]
    st.values = {BIG: ("phone", "+91")}
    st.memb_key = np.array([BIG, 3], dtype=np.uint64)
    kept = DirectoryLinkState(tmp_path / "state")
    assert kept.load() is None
    kept.save(to_snapshot(st))
    kept.save(to_snapshot(st))  # replacing an existing state
    snap = kept.load()
    assert snap is not None
    back = from_snapshot(snap)
    assert back is not None and back.ids == ["a", "b"] and back.values == {BIG: ("phone", "+91")}
    assert back.memb_key.dtype == np.uint64 and back.memb_key.tolist() == [BIG, 3]
    assert back.sigs.shape == (0, 16) and back.sigs.dtype == np.uint32
    assert from_snapshot(StateSnapshot({**snap.meta, "format": -1}, snap.blobs, snap.arrays)) is None
    assert from_snapshot(StateSnapshot(snap.meta, {}, snap.arrays)) is None
    # One update at a time: another holder of the lock waits (here: times out).
    with kept.lock():
        out: list[bool] = []

        def other() -> None:
            try:
                with FileLock(tmp_path / "state.lock", timeout=0.2):
                    out.append(True)
            except Timeout:
                out.append(False)

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert out == [False]
    with FileLock(tmp_path / "state.lock", timeout=1):
        pass


def test_default_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TIPWATCH_LINK_STATE", raising=False)
    assert default_state_dir(f"sqlite:///{tmp_path / 'x.db'}") == tmp_path / "x.db.link"
    pg = default_state_dir("postgresql+psycopg://u@h/db")
    assert pg.parent == Path("tipwatch-data") and pg.name.startswith("link-state-")
    monkeypatch.setenv("TIPWATCH_LINK_STATE", str(tmp_path / "elsewhere"))
    assert default_state_dir("sqlite:///x.db") == tmp_path / "elsewhere"


def test_state_kept_in_the_store(engine: sa.Engine, db_url: str, tmp_path: Path) -> None:
    c = Corpus(72)
    c.phone_op("p1", 6)
    c.template_op("t1", 5)
    c.benign("b", 10)
    store = open_store(db_url)
    kept = state_store(store, backend="store")
    assert kept is store.link_state and kept.load() is None
    half = len(c.posts) // 2
    store_posts(engine, c.posts[:half])
    assert update_networks(store, state=kept, config=small_config()).full
    assert not (tmp_path / "store.db.link").exists()  # nothing beside the database
    store_posts(engine, c.posts[half:])
    summary = update_networks(store, state=kept, config=small_config())
    assert not summary.full and summary.new_posts == len(c.posts) - half
    incremental = {frozenset(n.post_ids) for n in iter_networks(store)}
    assert update_networks(store, state=kept, config=small_config(), rebuild=True).full
    assert {frozenset(n.post_ids) for n in iter_networks(store)} == incremental
    snap = kept.load()
    assert snap is not None and (back := from_snapshot(snap)) is not None and back.n == len(c.posts)
    with pytest.raises(ValueError):
        state_store(store, backend="nowhere")


def test_store_state_lock_excludes_a_second_update(engine: sa.Engine, db_url: str) -> None:
    store = open_store(db_url)
    kept = store.link_state
    with kept.lock():
        if store.dialect == "postgresql":
            with engine.connect() as conn:
                taken = conn.execute(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_KEY))).scalar_one()
            assert taken is False
        else:
            db = store.sqlite_path()
            assert db is not None
            with pytest.raises(Timeout):
                FileLock(db.with_name(db.name + ".link-state.lock"), timeout=0.2).acquire()
    with kept.lock():  # released: taken again
        pass
