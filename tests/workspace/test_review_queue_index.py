"""The queue's claim reads the undecided posts only (issue 10: "next" stayed fast with tens of thousands of the
riskiest posts decided): ``posts.decided`` is set with the first decision, filled by migration 0009 from earlier
decisions (down and up again), and the claim's plan uses the index led by it, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from workspace_helpers import fill

from tipwatch.services import review
from tipwatch.services.review import QueueFilters
from tipwatch.store.db import alembic_config
from tipwatch.store.facade import Store, open_store

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(engine: sa.Engine, db_url: str) -> Iterator[Store]:
    with open_store(db_url, migrate=False) as opened:
        yield opened


def _decided(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.text("SELECT id FROM posts WHERE decided = true"))}


def test_the_first_decision_takes_a_post_out_of_the_queue_index(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, "x"), ("b", 0.5, "y"), ("c", 0.1, "x")])
    assert _decided(engine) == set()
    review.decide(store, "ann", "a", "needs_info", "ask", now=T0)
    review.decide(store, "ann", "a", "escalate", "asked", now=T0)  # a re-decision keeps it out
    assert _decided(engine) == {"a"}
    item = review.next_for(store, "bo", now=T0)
    assert item is not None and item.post.id == "b"


def test_the_migration_fills_the_flag_from_earlier_decisions(engine: sa.Engine, store: Store) -> None:
    fill(engine, [("a", 0.9, "x"), ("b", 0.5, "y"), ("c", 0.1, "x")])
    review.decide(store, "ann", "b", "dismiss", "adult", now=T0)
    command.downgrade(alembic_config(engine), "0007_review")
    assert "decided" not in {c["name"] for c in sa.inspect(engine).get_columns("posts")}
    command.upgrade(alembic_config(engine), "heads")
    assert _decided(engine) == {"b"}
    names = {i["name"] for i in sa.inspect(engine).get_indexes("posts")}
    assert {"ix_posts_queue", "ix_posts_platform_queue"} <= names and "ix_posts_platform_risk" not in names


@pytest.mark.parametrize("platform", [None, "x"])
def test_the_claim_reads_the_undecided_range_of_a_queue_index(
    engine: sa.Engine, store: Store, platform: str | None
) -> None:
    # The riskiest half already decided (the flag set directly: only the plan is looked at here), and a planner with
    # statistics, as in a store in use.
    fill(engine, [(f"p{i:04d}", i / 3000, "x" if i % 2 else "y") for i in range(3000)])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE posts SET decided = true WHERE risk >= 0.5"))
        conn.execute(sa.text("ANALYZE"))
    query = store.review.candidates(QueueFilters(platform=platform), T0).limit(1)  # type: ignore[attr-defined]
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET enable_seqscan = off"))  # 300 rows: a sequential scan would be cheaper
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(explain + sql))
    # Either queue index (with a platform filter the planner may prefer either): both start at decided = false.
    assert re.search(r"ix_posts_(platform_)?queue", plan) and "ix_posts_risk" not in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # read in order, not sorted
