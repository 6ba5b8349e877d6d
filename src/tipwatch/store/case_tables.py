"""Case tables (migration 0008_cases): a case, its posts and networks, its notes (append-only) and its events (every
change, with who and when).

Networks are referenced by the id the links area gives them, without a foreign key: a link update may merge or drop
a network, and the case must keep the id it was given (the service checks the id exists when it is added).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from tipwatch.store.tables import metadata

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(300), nullable=False),
    Column("status", String(16), nullable=False),  # open, in_progress, closed, referred
    Column("assignee", String(200)),
    Column("priority", String(16), nullable=False),  # low, normal, high, urgent
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_cases_status", "status"),
    Index("ix_cases_assignee", "assignee"),
)

case_posts = Table(
    "case_posts",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("added_by", String(200), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_posts_post_id", "post_id"),
)

case_networks = Table(
    "case_networks",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", String(32), primary_key=True),
    Column("added_by", String(200), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_networks_network_id", "network_id"),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_notes_case_id", "case_id"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("actor", String(200), nullable=False),
    # created, title, status, assignee, priority, post_added, post_removed, network_added, network_removed, note
    Column("kind", String(32), nullable=False),
    Column("old", Text),
    Column("new", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_events_case_id", "case_id"),
)
