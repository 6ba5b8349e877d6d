"""Core tables. Each capability adds its tables to ``metadata`` in its own module of this package, and
``store.schema`` imports them all (for Alembic and schema checks); every schema change comes with a migration."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("command", String(64), nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("model", String(200)),
    Column("status", String(20), nullable=False),
    Column("read", Integer, nullable=False, default=0),
    Column("stored", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
)

posts = Table(
    "posts",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("source", Text, nullable=False),
    Column("position", String(200), nullable=False),
    Column("url", Text),
    Column("platform", String(100)),
    Column("kind", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("posted_at", DateTime(timezone=True)),
    Column("location", Text),
    Column("images", JSON, nullable=False),
    Column("language", String(16)),
    Column("raw", Text, nullable=False),
    Column("risk", Float, nullable=False),
    Column("indicator_risk", Float),
    Column("classifier_risk", Float),
    Column("model", String(200), nullable=False),
    Column("reasons", JSON, nullable=False),
    # No index on risk alone: ix_posts_risk_id (risk, id) serves it (migration 0010_drop_posts_risk).
    Index("ix_posts_posted_at", "posted_at"),
)

identifiers = Table(
    "identifiers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(16), nullable=False),
    Column("value", String(512), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("obfuscated", Boolean, nullable=False),
    Column("attrs", JSON, nullable=False),
    # With post_id: who holds an identifier, and how many, from the index alone (migration 0009_search_speed).
    Index("ix_identifiers_type_value_post", "type", "value", "post_id"),
    Index("ix_identifiers_post_id", "post_id"),
)

indicator_hits = Table(
    "indicator_hits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("code", String(128), nullable=False),
    Column("category", String(64), nullable=False),
    Column("domain", String(32), nullable=False),
    Column("weight", Float, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("source", String(200), nullable=False),
    Index("ix_indicator_hits_post_id", "post_id"),
    Index("ix_indicator_hits_code", "code"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # sha256 of source, position and reason: re-reading the same bad input adds nothing.
    Column("key", String(64), nullable=False, unique=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("source", Text, nullable=False),
    Column("position", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Labels for training: imported with a file or given by a reviewer. Kept apart from posts so that a
# post can carry several opinions and their authors.
labels = Table(
    "labels",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("label", Integer, nullable=False),
    Column("origin", String(32), nullable=False),
    Column("author", String(200), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_labels_post_id", "post_id"),
)
