"""Notice tables (migration 0009_notices): a takedown notice, its URLs (each checked for removal on its own) and its
events (every state change: who, when, from and to).

Posts are referenced without a foreign key: a notice is a record of what was sent and must outlive the post.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from tipwatch.store.tables import metadata

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", String(64), nullable=False),  # the registry key
    Column("platform_name", String(200), nullable=False),
    Column("channel", String(16), nullable=False),  # email, webhook, web_form
    Column("recipient", String(2000), nullable=False),
    Column("trusted_flagger", Boolean, nullable=False),
    Column("csam", Boolean, nullable=False),  # the notifier's name and e-mail are left out
    Column("notifier_name", String(200)),
    Column("notifier_email", String(320)),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("origin", String(200), nullable=False),  # "post:ID" or "network:ID"
    # draft, approved, sent, acknowledged, removed, refused, overdue
    Column("state", String(16), nullable=False),
    Column("drafted_by", String(200), nullable=False),
    Column("approved_by", String(200)),
    Column("sent_by", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),  # the time of actual knowledge (DSA Art. 16(3))
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),  # removed or refused
    Column("overdue_at", DateTime(timezone=True)),
    # Set while one sender is sending (approved -> sent): a second sender finds it claimed and sends nothing.
    Column("send_claimed_at", DateTime(timezone=True)),
    Column("receipt", JSON),  # what the channel answered (SMTP queue reply, webhook status)
    Index("ix_notices_state", "state"),
    Index("ix_notices_platform", "platform"),
)

notice_urls = Table(
    "notice_urls",
    metadata,
    Column("notice_id", Integer, ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("post_id", String(128), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("checked_at", DateTime(timezone=True)),
    Column("check_result", String(300)),
    Column("removed_at", DateTime(timezone=True)),
    Index("ix_notice_urls_post_id", "post_id"),
)

notice_events = Table(
    "notice_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, ForeignKey("notices.id", ondelete="CASCADE"), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("old", String(16)),
    Column("new", String(16), nullable=False),
    Column("why", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_notice_events_notice_id", "notice_id"),
)
