"""Account tables: users, API tokens, server-side sessions, login attempts (rate limiting), and the hash-chained
append-only audit log with its chain head. Migration: 0007_accounts (the accounts branch)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from tipwatch.store.tables import metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    # argon2id, PHC string format (parameters and salt inside).
    Column("password_hash", Text, nullable=False),
    Column("role", String(20), nullable=False),
    Column("face_search", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    # The first characters of the token (never enough to use it): tells tokens apart in lists and logs.
    Column("prefix", String(16), nullable=False),
    # HMAC-SHA256 of the whole token under the server secret, hex. The token itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("created_by", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    # HMAC-SHA256 of the random session id under the server secret: a copy of the table opens no session.
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_secret", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_name", String(200), nullable=False),
    Column("address", String(64), nullable=False),
    Column("success", Boolean, nullable=False),
    Index("ix_login_attempts_user_name", "user_name", "at"),
    Index("ix_login_attempts_address", "address", "at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    # Given by the writer under the chain-head lock: 1, 2, 3, ... with no gap (a gap is a deleted entry).
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# One row (id 1): the newest entry's seq and hash. Appends lock it first (UPDATE), which serialises writers on both
# backends, and verify() compares it with the last entry (entries deleted from the end show).
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
