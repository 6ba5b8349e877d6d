"""Review queue tables (migration 0007_review): leases (who holds which post, until when) and decisions (history
kept: a post can be re-decided, the latest row wins).

A lease is keyed by post: the primary key is what makes a claim atomic (``INSERT ... ON CONFLICT (post_id) DO UPDATE
... WHERE expired``), so two analysts are never handed the same post while a lease is live, whatever the number of
server processes. The two extra indexes on ``posts`` serve the queue's order (risk, highest first) with and without a
platform filter.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from tipwatch.store.tables import metadata, posts

review_leases = Table(
    "review_leases",
    metadata,
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("reviewer", String(200), nullable=False),
    Column("leased_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # Skipped by its holder: out of the pool (for everyone) until it expires, never resumed by its holder.
    Column("skipped", Boolean, nullable=False),
    Index("ix_review_leases_reviewer", "reviewer"),
)

review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("decision", String(16), nullable=False),  # escalate, dismiss, needs_info
    Column("reason", Text, nullable=False),
    Column("label", Integer),  # the training label it gave (1, 0) or none
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_review_decisions_post_id", "post_id"),
)

# The queue's order: risk descending, ties by id descending (a backward scan of these indexes).
ix_posts_risk_id = Index("ix_posts_risk_id", posts.c.risk, posts.c.id)
ix_posts_platform_risk = Index("ix_posts_platform_risk", posts.c.platform, posts.c.risk, posts.c.id)
