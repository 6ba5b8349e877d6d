"""Feed tables (migrations 0010_feeds, 0011_feed_withdrawn): indicators pulled from partners' TAXII feeds, the
pulls, and the objects a pull refused (the quarantine, by object id and reason).

A pulled indicator becomes a watch (``watches``), so scans and new posts flag it like any watch; ``feed_indicators``
names the feed it came from, its STIX id and TLP. ``watch_id`` has no foreign key: the watch tables live on the core
migration line and this table on the exchange branch (each capability keeps its own branch, docs/decisions.md).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, UniqueConstraint

from tipwatch.store.tables import metadata

feed_pulls = Table(
    "feed_pulls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed", String(500), nullable=False),  # the name watches and alerts show
    Column("source", String(2000), nullable=False),  # the TAXII API root
    Column("collection", String(200), nullable=False),
    Column("added_after", String(40), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # read = imported + already + skipped + rejected (each object once)
    Column("read", Integer, nullable=False, default=0),
    Column("imported", Integer, nullable=False, default=0),
    Column("already", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Index("ix_feed_pulls_feed", "feed"),
)

feed_indicators = Table(
    "feed_indicators",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed", String(500), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("value", String(512), nullable=False),  # normalized as a watch (services.watches.MAX_VALUE_CHARS)
    Column("stix_id", String(200), nullable=False),
    Column("watch_id", Integer, nullable=False),
    Column("pull_id", Integer, nullable=False),
    Column("tlp", String(32), nullable=True),
    Column("valid_until", DateTime(timezone=True), nullable=True),
    Column("pulled_at", DateTime(timezone=True), nullable=False),
    # Migration 0011_feed_withdrawn: the STIX "modified" of the version that set this row's state, and when and why
    # the partner withdrew it (revoked, or valid_until passed): its watch is then stopped.
    Column("modified", DateTime(timezone=True), nullable=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Column("withdrawn_why", String(200), nullable=True),
    UniqueConstraint("feed", "kind", "value", name="uq_feed_indicators_value"),
    Index("ix_feed_indicators_watch", "watch_id"),
    Index("ix_feed_indicators_stix", "feed", "stix_id"),
)

feed_rejects = Table(
    "feed_rejects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pull_id", Integer, nullable=False),
    Column("object_id", String(200), nullable=False),  # "?" when the object had none
    Column("reason", String(500), nullable=False),
    Column("raw", Text, nullable=False),  # the object as received (capped), for a person to look at; never run
    Index("ix_feed_rejects_pull", "pull_id"),
)
