"""Batched writes: counts reconcile, re-runs add nothing, hostile text survives on every backend."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import orjson
import sqlalchemy as sa

from tipwatch.model import AlreadyStored, Assessment, Identifier, IndicatorHit, Post, PostResult, Quarantined, Reason
from tipwatch.store.tables import identifiers, indicator_hits, posts, quarantine, runs
from tipwatch.store.writer import PostWriter, finish_run, start_run, storable


def _result(pid: str, body: str = "body text", risk: float = 0.5) -> PostResult:
    post = Post(
        id=pid,
        source="in.jsonl",
        position=f"line {pid}",
        kind="job_ad",
        body=body,
        posted_at=datetime(2026, 5, 1, 12, tzinfo=UTC),
        images=["a.jpg"],
        raw=f'{{"id": "{pid}"}}',
    )
    ident = Identifier("phone", "+919845012345", 0, 4, 0.9, True, {"raw": "nine"})
    hit = IndicatorHit("job.fee", "recruitment_fee", 1.2, 0, 4, "body", "job_ad", "en", "ILO")
    return PostResult(post, [ident], [hit], Assessment(risk, [Reason("job.fee", 1.2, "fee asked", 0, 4)]))


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_counts_reconcile_and_rerun_adds_nothing(engine: sa.Engine) -> None:
    bad = Quarantined("in.jsonl", "line 3", "invalid JSON: unexpected end", "{")
    batch = [_result("1"), _result("2"), bad, _result("1")]  # the second "1" is a duplicate within the run
    run = start_run(engine, "test", ["in.jsonl"], None)
    writer = PostWriter(engine, run)
    writer.write(batch)
    finish_run(engine, run, writer.counts, "ok")
    c = writer.counts
    assert (c.read, c.stored, c.duplicates, c.quarantined) == (4, 2, 1, 1)
    assert c.reconciles
    assert (_count(engine, posts), _count(engine, identifiers), _count(engine, indicator_hits)) == (2, 2, 2)
    assert _count(engine, quarantine) == 1

    run2 = start_run(engine, "test", ["in.jsonl"], None)
    again = PostWriter(engine, run2)
    again.write(batch)
    finish_run(engine, run2, again.counts, "ok")
    c2 = again.counts
    assert (c2.read, c2.stored, c2.duplicates, c2.quarantined) == (4, 0, 3, 1)
    assert _count(engine, posts) == 2 and _count(engine, quarantine) == 1
    with engine.connect() as conn:
        row = conn.execute(sa.select(runs).where(runs.c.id == run2)).mappings().one()
    assert (row["read"], row["stored"], row["duplicates"], row["quarantined"], row["status"]) == (4, 0, 3, 1, "ok")


def test_hostile_text_is_stored(engine: sa.Engine) -> None:
    body = "nul\x00 byte, lone surrogate \udcff, rtl \u202e, emoji 🌹, देवनागरी"
    result = _result("x", body=body)
    result.post.raw = body
    qfile = io.BytesIO()
    run = start_run(engine, "test", ["x"], None)
    writer = PostWriter(engine, run, qfile)
    writer.write([result, Quarantined("src", "line 9", "no text", "\udcfe\x00")])
    with engine.connect() as conn:
        stored = conn.execute(sa.select(posts.c.body, posts.c.raw)).one()
        assert stored.body == storable(body)
    assert "\\x00" in stored.body and "\\udcff" in stored.body and "देवनागरी" in stored.body
    line = orjson.loads(qfile.getvalue().splitlines()[0])
    assert line["position"] == "line 9" and line["reason"] == "no text"


def test_storable_leaves_clean_text_alone() -> None:
    for s in ["plain", "हिंदी और বাংলা 🌹", ""]:
        assert storable(s) == s


def test_posts_passed_over_as_already_stored_are_duplicates_and_changes_are_noted(engine: sa.Engine) -> None:
    run = start_run(engine, "test", ["in.jsonl"], None)
    writer = PostWriter(engine, run)
    writer.write([_result("1"), _result("2"), _result("3")])
    finish_run(engine, run, writer.counts, "ok")

    same, changed, gone = _result("1").post, _result("2", body="other body").post, _result("3").post
    with engine.begin() as conn:  # deleted after the engine looked it up, before the batch was written
        conn.execute(sa.delete(identifiers).where(identifiers.c.post_id == "3"))
        conn.execute(sa.delete(indicator_hits).where(indicator_hits.c.post_id == "3"))
        conn.execute(sa.delete(posts).where(posts.c.id == "3"))
    qfile = io.BytesIO()
    run2 = start_run(engine, "test", ["in.jsonl"], None)
    again = PostWriter(engine, run2, qfile)
    again.write([AlreadyStored(same), AlreadyStored(changed), AlreadyStored(gone), _result("4")])
    c = again.counts
    assert (c.read, c.stored, c.duplicates, c.quarantined) == (4, 1, 2, 1) and c.reconciles
    assert again.changed == 1
    reasons = {orjson.loads(line)["reason"] for line in qfile.getvalue().splitlines()}
    assert any("arrived before with different content" in r for r in reasons)
    assert any("was deleted before the run wrote its batch" in r for r in reasons)
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(posts.c.id)).scalars()) == {"1", "2", "4"}
        assert conn.execute(sa.select(posts.c.body).where(posts.c.id == "2")).scalar_one() == "body text"


def test_the_run_row_counts_each_batch_as_it_commits(engine: sa.Engine) -> None:
    """A run killed after some batches still says what it stored (its row is then marked "interrupted")."""
    run = start_run(engine, "test", ["in.jsonl"], None)
    writer = PostWriter(engine, run)
    writer.write([_result("1"), _result("2"), Quarantined("in.jsonl", "line 3", "bad", "{")])
    writer.write([_result("2"), _result("4")])

    def row() -> tuple[int, int, int, int, str]:
        with engine.connect() as conn:
            r = conn.execute(sa.select(runs).where(runs.c.id == run)).mappings().one()
        return (r["read"], r["stored"], r["duplicates"], r["quarantined"], r["status"])

    assert row() == (5, 3, 1, 1, "running")  # no finish_run: what a killed run leaves
    finish_run(engine, run, writer.counts, "ok")
    assert row() == (5, 3, 1, 1, "ok")
