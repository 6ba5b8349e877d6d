"""Review queue tables (migration 0007_review): leases (who holds which post, until when) and decisions (history
kept: a post can be re-decided, the latest row wins).

A lease is keyed by post: the primary key is what makes a claim atomic (``INSERT ... ON CONFLICT (post_id) DO UPDATE
... WHERE expired``), so two analysts are never handed the same post while a lease is live, whatever the number of
server processes.

``posts.decided`` (migration 0009_review_decided; declared here, the review area's column on the core table) is true
once a post has any decision; it is set in the decision's transaction. The queue's indexes lead with it, so "the
riskiest undecided post" is the first entry of the ``decided = false`` range instead of the first entry past every
decided one: the claim no longer walks the posts already decided (tens of thousands at the top of a large store).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, false

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

posts.append_column(Column("decided", Boolean, nullable=False, server_default=false()))

# Posts by risk (highest first, ties by id descending: a backward scan).
ix_posts_risk_id = Index("ix_posts_risk_id", posts.c.risk, posts.c.id)
# The queue's order among undecided posts, without and with a platform filter.
ix_posts_queue = Index("ix_posts_queue", posts.c.decided, posts.c.risk, posts.c.id)
ix_posts_platform_queue = Index("ix_posts_platform_queue", posts.c.platform, posts.c.decided, posts.c.risk, posts.c.id)
