"""Evidence tables (migration 0009_evidence): captured items, their artifacts (content-addressed files under the
data directory, by SHA-256) and each item's chain of custody (append-only, hash-chained, signed events).

An item belongs to a case; ``post_id`` names the stored post whose URL was captured, if any (no foreign key: the
evidence outlives a post removed from the store).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from tipwatch.store.tables import metadata

evidence_items = Table(
    "evidence_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False),
    Column("url", Text, nullable=False),
    Column("final_url", Text, nullable=False),
    Column("post_id", String(128)),
    Column("http_status", Integer, nullable=False),
    Column("ip", String(64)),
    Column("title", Text, nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False),
    Column("captured_by", String(200), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("tool_version", String(64), nullable=False),
    Index("ix_evidence_items_case_id", "case_id"),
    Index("ix_evidence_items_post_id", "post_id"),
)

evidence_artifacts = Table(
    "evidence_artifacts",
    metadata,
    Column("item_id", Integer, ForeignKey("evidence_items.id", ondelete="RESTRICT"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # warc, screenshot, html, image, metadata
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(200), nullable=False),
    Column("source_url", Text),  # an image's URL
    Index("ix_evidence_artifacts_sha256", "sha256"),
)

evidence_custody = Table(
    "evidence_custody",
    metadata,
    Column("item_id", Integer, ForeignKey("evidence_items.id", ondelete="RESTRICT"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),  # evidence.custody.ACTIONS (captured ... export_failed)
    Column("why", Text, nullable=False),
    Column("details", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("signature", String(128), nullable=False),  # Ed25519 over the hash, base64
)
