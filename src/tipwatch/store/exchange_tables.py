"""Exchange tables (migration 0009_exchange): the keys of partner sharing groups, sealed at rest.

A group key is never stored in the clear: ``sealed`` is AES-256-GCM under a key derived from the server secret (the
service seals and opens; the store only keeps bytes). Keys are never deleted by rotation: an old key still matches
selector files a partner made with it.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, LargeBinary, String, Table

from tipwatch.store.tables import metadata

exchange_keys = Table(
    "exchange_keys",
    metadata,
    Column("group_name", String(100), primary_key=True),
    # A fingerprint of the key (not the key): lets partners see which key made a selector file.
    Column("key_id", String(32), primary_key=True),
    Column("sealed", LargeBinary, nullable=False),  # nonce (12) + ciphertext (32) + tag (16)
    Column("origin", String(16), nullable=False),  # created | imported
    Column("created_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_exchange_keys_created_at", "created_at"),
)
