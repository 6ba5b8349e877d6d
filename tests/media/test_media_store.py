"""The media and faces repositories (store.banks, store.media, store.faces) on SQLite and PostgreSQL: the calls the
bank, matching and faces services make that their own tests do not reach."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine, insert

from tipwatch.media.formats import EntryIn
from tipwatch.media_model import BankMatch, MediaMatch, MediaRecord, PostMedia
from tipwatch.model import Post
from tipwatch.services import faces as face_service
from tipwatch.store.facade import Store
from tipwatch.store.interface.faces import NewFace, NewPerson
from tipwatch.store.interface.media import NewBank
from tipwatch.store.tables import posts, runs

MD5 = "9e107d9d372bb6826bd81d3542a419d6"


def _posts(engine: Engine, risks: dict[str, float]) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(runs)
            .values(started_at=now, command="t", inputs=[], status="ok", read=0, stored=0, duplicates=0, quarantined=0)
            .returning(runs.c.id)
        ).scalar_one()
        conn.execute(
            insert(posts),
            [
                {
                    "id": pid,
                    "run_id": run_id,
                    "source": f"in/{pid}.jsonl",
                    "position": "1",
                    "kind": "other",
                    "title": "",
                    "body": "x",
                    "images": [],
                    "raw": "",
                    "risk": risk,
                    "model": "m",
                    "reasons": [],
                }
                for pid, risk in risks.items()
            ],
        )


def test_bank_repository(store: Store) -> None:
    on = store.banks.create_bank(NewBank("on", "s", "l", signal_types=["md5", "pdq"]))
    off = store.banks.create_bank(NewBank("off", "s", "l", signal_types=["md5"], enabled=False))
    counts = store.banks.add_entries(on.id, [EntryIn("md5", MD5), EntryIn("md5", MD5), EntryIn("pdq", "ab" * 32)])
    assert (counts.added, counts.duplicates) == (2, 1)
    store.banks.add_entries(off.id, [EntryIn("md5", MD5, {"note": "n"})])
    assert [b.name for b in store.banks.list_banks()] == ["off", "on"]
    assert [(b.name, b.entries) for b in store.banks.list_banks(enabled_only=True)] == [("on", 2)]
    assert {b.entries for b in store.banks.list_banks(count_entries=False)} == {0}
    signals = sorted(tuple(row) for row in store.banks.iter_signals([on.id, off.id]))
    assert [(s[0], s[2], s[3]) for s in signals] == sorted(
        [(on.id, "md5", MD5), (on.id, "pdq", "ab" * 32), (off.id, "md5", MD5)]
    )
    assert list(store.banks.iter_signals([])) == []
    first = next(store.banks.iter_entries(off.id))
    assert store.banks.get_entry(first.id) == first and first.meta == {"note": "n"}
    assert store.banks.get_entry(first.id + 1000) is None
    assert [e.value for e in store.banks.iter_entries(on.id, batch=1)] == [MD5, "ab" * 32]  # keyset pages
    store.banks.update_bank(on.id, pdq_threshold=12)
    store.banks.update_bank(on.id)  # nothing to change
    got = store.banks.get_bank("on")
    assert got is not None and got.pdq_threshold == 12 and got.enabled


def test_post_media_repository(engine: Engine, store: Store) -> None:
    _posts(engine, {"low": 0.1, "high": 0.9, "mid": 0.5})
    bank = store.banks.create_bank(NewBank("abuse", "s", "l", signal_types=["md5"], is_abuse_material=True))
    hit = BankMatch(bank.id, bank.name, 1, "md5", 0, "exact", True)
    results = [
        PostMedia("high", [MediaRecord("b.jpg", "ok", sha256="bb" * 32), MediaRecord("a.jpg", "ok", sha256="aa" * 32)]),
        PostMedia("low", [MediaRecord("x.jpg", "rejected", "not an image"), MediaRecord("y.jpg", "ok")]),
        PostMedia(
            "mid",
            [MediaRecord("m.jpg", "ok", sha256="cc" * 32, restricted=True)],
            [MediaMatch("m.jpg", "cc" * 32, hit)],
        ),
    ]
    store.media.write_post_media(results)
    rows = store.media.post_images()
    assert [(r.post_id, r.ref) for r in rows] == [
        ("high", "a.jpg"),
        ("high", "b.jpg"),
        ("mid", "m.jpg"),
        ("low", "y.jpg"),
    ]
    assert rows[0].source == "in/high.jsonl" and rows[0].position == "1"
    assert [r.ref for r in store.media.post_images(min_risk=0.5)] == ["a.jpg", "b.jpg", "m.jpg"]
    assert [r.post_id for r in store.media.post_images(post_ids=["low"])] == ["low"]
    assert store.media.restricted_posts() == {"mid"}
    assert store.media.restricted_images(["CC" * 32, "aa" * 32, ""]) == {"cc" * 32}  # hex in any case
    assert [q.post_id for q in store.media.report_queue()] == ["mid"]
    assert store.media.mark_reported("low", by="a", reference="r") is False  # not queued
    assert store.media.mark_reported("mid", by="a", reference="r") is True
    assert store.media.report_queue() == [] and store.media.report_queue(status=None)[0].status == "reported"
    # A post page's pictures: the restricted one flagged (shown as a hash only), the match with its bank.
    items, matches = store.media.post_media("mid")
    assert [(i.ref, i.restricted) for i in items] == [("m.jpg", True)]
    assert [(m.bank, m.is_abuse_material, m.signal_type, m.variant) for m in matches] == [
        ("abuse", True, "md5", "exact")
    ]
    items, matches = store.media.post_media("low")
    assert [(i.ref, i.status, i.reason, i.restricted) for i in items] == [
        ("x.jpg", "rejected", "not an image", False),
        ("y.jpg", "ok", "", False),
    ]
    assert matches == []
    # The same file seen through another post is restricted there too.
    store.media.write_post_media([PostMedia("low", [MediaRecord("z.jpg", "ok", sha256="CC" * 32)])])
    assert [(i.ref, i.restricted) for i in store.media.post_media("low")[0]] == [("z.jpg", True)]
    # The rejected image is the one quarantine entry: the store writer calls this without media code.
    quarantined = results[1].quarantine(Post(id="low", source="in/low.jsonl", position="1"))
    assert [(q.position, q.reason, q.raw) for q in quarantined] == [
        ("1 image x.jpg", "image rejected: not an image", "x.jpg")
    ]


def test_face_repository_persons(store: Store) -> None:
    today = date(2026, 1, 1)
    emb = np.linspace(0, 1, 128, dtype=np.float32)
    person = NewPerson("case 1", "p", "officer", "law", "guardian", today + timedelta(days=30), "n")
    pid = store.faces.add_person(person, [NewFace("a.jpg", "00" * 32, [0, 1, 1, 0], emb, "m")])
    assert store.faces.add_faces(pid, [NewFace("b.jpg", "11" * 32, [], emb + 1, "m")]) == 1
    listed = store.faces.list_persons()
    assert [(p.id, p.case_ref, p.faces, p.retention_until) for p in listed] == [
        (pid, "case 1", 2, person.retention_until)
    ]
    reg = store.faces.load_registry(today)
    assert len(reg) == 2 and np.array_equal(reg.embeddings[0], emb) and reg.case_refs == {pid: "case 1"}
    assert face_service.list_persons(store)[0].label == "p"
    face_service.remove_person(store, pid)
    assert store.faces.list_persons() == [] and len(store.faces.load_registry(today)) == 0
    with pytest.raises(face_service.FaceRegistryError, match="no enrolled person"):
        face_service.remove_person(store, pid)
