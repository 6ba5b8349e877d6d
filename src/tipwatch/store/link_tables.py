"""Link tables: the links between posts with their evidence, shared entities (and hubs), networks and their posts
(migration 0003_link); watches and alerts (migration 0004_link_watch); the link state kept in the store
(migration 0005_link_state).

A link is either a pair (post_a, post_b) found by a similarity producer (text near-duplicates, PDQ image matches:
``signal`` names it, ``evidence`` holds the similarity or distance) or a post -> entity edge (``post_b`` null,
``entity_key`` set) for a shared identifier or exact image hash, the entity's value in ``link_entities``. A new
signal is one more producer writing rows of the same shape.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tipwatch.store.tables import metadata

# Entities (identifier values, image hashes) held by two or more posts, including hubs (which link nothing).
link_entities = Table(
    "link_entities",
    metadata,
    # The 64-bit entity key of tipwatch.link.entities.entity_key, as a signed integer.
    Column("key", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(16), nullable=False),
    Column("value", String(512), nullable=False),
    Column("n_posts", Integer, nullable=False),
    Column("n_platforms", Integer, nullable=False),
    Column("n_kinds", Integer, nullable=False),
    Column("weight", Float, nullable=False),
    Column("strong", Boolean, nullable=False),
    Column("hub", Boolean, nullable=False),
    Column("hub_reason", Text, nullable=False),
    Index("ix_link_entities_type_value", "type", "value"),
    Index("ix_link_entities_hub", "hub"),
)

links = Table(
    "links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_a", String(128), ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("post_b", String(128), ForeignKey("posts.id", ondelete="CASCADE")),
    Column("entity_key", BigInteger),
    # "text", "image_pdq", or the entity type ("phone", "email", "url", "handle", "wallet", "image_sha256").
    Column("signal", String(32), nullable=False),
    Column("weight", Float, nullable=False),
    Column("strong", Boolean, nullable=False),
    Column("evidence", JSON, nullable=False),
    Index("ix_links_post_a", "post_a"),
    Index("ix_links_post_b", "post_b"),
    Index("ix_links_entity_key", "entity_key"),
)

networks = Table(
    "networks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("profile", JSON, nullable=False),
    Column("first_posted_at", DateTime(timezone=True)),
    Column("last_posted_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_networks_score", "score"),
)

network_posts = Table(
    "network_posts",
    metadata,
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", String(32), ForeignKey("networks.id", ondelete="CASCADE"), nullable=False),
    Index("ix_network_posts_network_id", "network_id"),
)

# Small key/value facts of the link stage, e.g. the token that ties the on-disk link state to this database.
link_meta = Table(
    "link_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Watchlist: values an analyst follows. Migration: 0004_link_watch.
watches = Table(
    "watches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # phone, email, handle, wallet, url, image (SHA-256 or PDQ hex), keyword, network
    Column("kind", String(16), nullable=False),
    Column("value", String(512), nullable=False),  # normalized as the extractor writes it
    Column("note", Text, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False),
    Index("ix_watches_kind_value", "kind", "value"),
)

# An alert: a post that matched a watch, with the reason. Raised once per (watch, post).
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watch_id", Integer, ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("seen", Boolean, nullable=False),
    UniqueConstraint("watch_id", "post_id", name="uq_alerts_watch_id"),
    Index("ix_alerts_post_id", "post_id"),
    # Newest first, as every alert list reads them (migration 0010_link_stats).
    Index("ix_alerts_created_id", "created_at", "id"),
)

# The link state, when it is kept in the store instead of a directory (tipwatch.store.sql.link_state): one row per
# part (meta.json, the JSON blobs, one .npy per array). Migration: 0005_link_state.
link_state_parts = Table(
    "link_state_parts",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
