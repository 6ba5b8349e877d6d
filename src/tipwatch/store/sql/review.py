"""ReviewStore on SQLAlchemy: the review_leases and review_decisions tables.

The claim is one statement on both backends::

    INSERT INTO review_leases (post_id, reviewer, leased_at, expires_at, skipped)
    SELECT p.id, :reviewer, :now, :expires, false FROM posts p
     WHERE p.decided = false AND p.risk >= :min_risk [AND p.platform = :platform] [AND p.run_id = :run]
       AND NOT EXISTS (SELECT 1 FROM review_leases l WHERE l.post_id = p.id AND l.expires_at > :now)
     ORDER BY p.risk DESC, p.id DESC LIMIT 1
    ON CONFLICT (post_id) DO UPDATE SET reviewer = excluded.reviewer, ...
     WHERE review_leases.expires_at <= :now
    RETURNING post_id

Why two analysts never get the same post: on PostgreSQL two claims racing for the same post both try to insert the
same primary key; the second waits for the first to commit, then sees the conflict and re-checks the DO UPDATE
condition on the committed row, which is live, so it claims nothing and retries (its next statement sees the first
lease and skips that post). An expired lease is taken over by the DO UPDATE; two takers serialize on the row lock
and the second finds it live again. A claim whose snapshot is older than another reviewer's claim *and* decision of
the same post would insert once that lease is deleted: the claim's transaction checks for a decision in a new
statement (a fresh snapshot) and undoes itself. On SQLite the statement takes the database's write lock before
reading, so claims run one at a time.

``posts.decided`` is set in the transaction that records a post's first decision (review_tables.py), so the
candidates are the ``decided = false`` range of ``ix_posts_queue`` (``ix_posts_platform_queue`` with a platform
filter), read backward from the riskiest, with one anti-join probe of ``pk_review_leases`` per entry: the walk passes
only the posts held right now, however many are decided. Before the flag the claim walked ``ix_posts_risk_id`` past
every decided post (one probe of the decisions each), so its cost grew with the decided posts at the top
(benchmarks/bench_review_queue.py measures it). The price is one more row update per decision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from tipwatch.store.interface.review import (
    Decision,
    HeldByOther,
    Lease,
    QueueFilters,
    QueueStats,
    ReviewPost,
    ReviewStore,
    UnknownPost,
)
from tipwatch.store.review_tables import review_decisions, review_leases
from tipwatch.store.tables import posts

# A claim that lost a race retries; each retry sees the winner's lease, so this bounds contention, not work.
CLAIM_ATTEMPTS = 50


def _filters(f: QueueFilters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.min_risk is not None:
        conds.append(posts.c.risk >= f.min_risk)
    if f.platform is not None:
        conds.append(posts.c.platform == f.platform)
    if f.run is not None:
        conds.append(posts.c.run_id == f.run)
    return conds


def _free(now: datetime) -> ColumnElement[bool]:
    return ~exists().where(and_(review_leases.c.post_id == posts.c.id, review_leases.c.expires_at > now))


def utc(ts: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite gives them back naive)."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _lease(row: Any) -> Lease:
    return Lease(row.post_id, row.reviewer, utc(row.leased_at), utc(row.expires_at), bool(row.skipped))


def _decision(row: Any) -> Decision:
    return Decision(int(row.id), row.post_id, row.reviewer, row.decision, row.reason, row.label, utc(row.created_at))


class SqlReview(ReviewStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _insert(self) -> Any:
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(review_leases)
        return sqlite.insert(review_leases)

    def candidates(self, filters: QueueFilters, now: datetime) -> Any:
        """The queue's order: free, undecided posts matching ``filters``, highest risk first."""
        return (
            select(posts.c.id)
            .where(posts.c.decided == false(), *_filters(filters), _free(now))
            .order_by(posts.c.risk.desc(), posts.c.id.desc())
        )

    def _claim(self, conn: Connection, reviewer: str, filters: QueueFilters, now: datetime, exp: datetime) -> Any:
        pick = self.candidates(filters, now).limit(1).subquery()
        # WHERE true: SQLite reads "ON CONFLICT" after a bare FROM as a join constraint.
        source = select(pick.c.id, literal(reviewer), literal(now), literal(exp), false()).where(true())
        ins = self._insert().from_select(["post_id", "reviewer", "leased_at", "expires_at", "skipped"], source)
        stmt = ins.on_conflict_do_update(
            index_elements=[review_leases.c.post_id],
            set_={
                "reviewer": ins.excluded.reviewer,
                "leased_at": ins.excluded.leased_at,
                "expires_at": ins.excluded.expires_at,
                "skipped": ins.excluded.skipped,
            },
            where=review_leases.c.expires_at <= now,
        ).returning(*review_leases.c)
        return conn.execute(stmt).first()

    def next_lease(
        self, reviewer: str, filters: QueueFilters, *, now: datetime, expires_at: datetime
    ) -> tuple[Lease, bool] | None:
        mine = and_(
            review_leases.c.reviewer == reviewer,
            review_leases.c.expires_at > now,
            review_leases.c.skipped.is_(False),
        )
        # The first statement writes: on SQLite the write lock is taken before anything is read.
        resume = (
            update(review_leases)
            .where(mine, review_leases.c.post_id.in_(select(posts.c.id).where(*_filters(filters))))
            .values(expires_at=expires_at)
            .returning(*review_leases.c)
        )
        with self._engine.begin() as conn:
            held = sorted(conn.execute(resume).all(), key=lambda r: r.post_id)
            if held:
                keep = held[0]
                conn.execute(delete(review_leases).where(mine, review_leases.c.post_id != keep.post_id))
                return _lease(keep), True
            conn.execute(delete(review_leases).where(mine))
        decided = select(review_decisions.c.id).where(review_decisions.c.post_id == bindparam("post_id")).limit(1)
        for _ in range(CLAIM_ATTEMPTS):
            with self._engine.connect() as conn:
                tx = conn.begin()
                row = self._claim(conn, reviewer, filters, now, expires_at)
                # PostgreSQL: a claim whose snapshot predates another reviewer's claim and decision of the same post
                # inserts once that lease is gone; this next statement sees the decision, and the claim is undone.
                if row is not None and conn.execute(decided, {"post_id": row.post_id}).first() is None:
                    tx.commit()
                    return _lease(row), False
                tx.rollback()
                if row is None and conn.execute(self.candidates(filters, now).limit(1)).first() is None:
                    return None
        raise RuntimeError(f"could not claim a post in {CLAIM_ATTEMPTS} attempts (contention)")

    def release(self, reviewer: str, post_id: str) -> bool:
        stmt = delete(review_leases).where(review_leases.c.post_id == post_id, review_leases.c.reviewer == reviewer)
        with self._engine.begin() as conn:
            return bool(conn.execute(stmt).rowcount)

    def skip(self, reviewer: str, post_id: str, *, now: datetime) -> bool:
        stmt = (
            update(review_leases)
            .where(
                review_leases.c.post_id == post_id,
                review_leases.c.reviewer == reviewer,
                review_leases.c.expires_at > now,
                review_leases.c.skipped.is_(False),
            )
            .values(skipped=True)
        )
        with self._engine.begin() as conn:
            return bool(conn.execute(stmt).rowcount)

    def lease(self, post_id: str) -> Lease | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(review_leases).where(review_leases.c.post_id == post_id)).first()
        return None if row is None else _lease(row)

    def post(self, post_id: str) -> ReviewPost | None:
        cols = (
            posts.c.id,
            posts.c.title,
            posts.c.body,
            posts.c.platform,
            posts.c.kind,
            posts.c.url,
            posts.c.posted_at,
            posts.c.risk,
            posts.c.reasons,
            posts.c.run_id,
        )
        with self._engine.connect() as conn:
            row = conn.execute(select(*cols).where(posts.c.id == post_id)).first()
        if row is None:
            return None
        return ReviewPost(
            row.id,
            row.title,
            row.body,
            row.platform,
            row.kind,
            row.url,
            None if row.posted_at is None else utc(row.posted_at),
            float(row.risk),
            list(row.reasons or []),
            row.run_id,
        )

    def record_decision(
        self, post_id: str, reviewer: str, decision: str, reason: str, label: int | None, *, at: datetime
    ) -> Decision:
        held_by_other = exists().where(
            review_leases.c.post_id == post_id,
            review_leases.c.reviewer != reviewer,
            review_leases.c.expires_at > at,
        )
        source = select(
            posts.c.id, literal(reviewer), literal(decision), literal(reason), literal(label), literal(at)
        ).where(posts.c.id == post_id, ~held_by_other)
        ins = (
            review_decisions.insert()
            .from_select(["post_id", "reviewer", "decision", "reason", "label", "created_at"], source)
            .returning(*review_decisions.c)
        )
        with self._engine.begin() as conn:
            # The insert comes first (it checks the post and the lease itself): on SQLite it takes the write lock.
            row = conn.execute(ins).first()
            if row is None:
                if conn.execute(select(posts.c.id).where(posts.c.id == post_id)).first() is None:
                    raise UnknownPost(f"not in the store: {post_id}")
                holder = conn.execute(
                    select(review_leases.c.reviewer).where(review_leases.c.post_id == post_id)
                ).scalar_one()
                raise HeldByOther(post_id, holder)
            conn.execute(delete(review_leases).where(review_leases.c.post_id == post_id))
            # Out of the queue's index range for good (see review_tables.py), in the decision's transaction.
            conn.execute(update(posts).where(posts.c.id == post_id, posts.c.decided == false()).values(decided=True))
        return _decision(row)

    def history(self, post_id: str) -> list[Decision]:
        stmt = select(review_decisions).where(review_decisions.c.post_id == post_id).order_by(review_decisions.c.id)
        with self._engine.connect() as conn:
            return [_decision(r) for r in conn.execute(stmt)]

    def recent_by(self, reviewer: str, *, limit: int = 20) -> list[Decision]:
        stmt = (
            select(review_decisions)
            .where(review_decisions.c.reviewer == reviewer)
            .order_by(review_decisions.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_decision(r) for r in conn.execute(stmt)]

    def stats(self, filters: QueueFilters, *, now: datetime) -> QueueStats:
        conds = _filters(filters)
        latest = (
            select(func.max(review_decisions.c.id).label("last_id"))
            .join(posts, posts.c.id == review_decisions.c.post_id)
            .where(*conds)
            .group_by(review_decisions.c.post_id)
            .subquery()
        )
        by_decision = (
            select(review_decisions.c.decision, func.count())
            .join(latest, latest.c.last_id == review_decisions.c.id)
            .group_by(review_decisions.c.decision)
        )
        held = (
            select(func.count())
            .select_from(review_leases)
            .join(posts, posts.c.id == review_leases.c.post_id)
            .where(review_leases.c.expires_at > now, *conds)
        )
        with self._engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(posts).where(*conds)).scalar_one()
            decided = {d: int(n) for d, n in conn.execute(by_decision)}
            n_held = conn.execute(held).scalar_one()
        return QueueStats(int(total), int(total) - sum(decided.values()), int(n_held), decided)
