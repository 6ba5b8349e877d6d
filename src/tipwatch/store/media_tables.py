"""Media tables: hash banks and their entries, post images and their bank matches, the mandatory-reporting queue
for abuse-material matches, and the face registry with its append-only search log. Migrations: 0002_media,
0006_media_signals (the media branch)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
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
    false,
)

from tipwatch.store.tables import metadata

hash_banks = Table(
    "hash_banks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("source", Text, nullable=False, default=""),
    Column("licence", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    # Signal types the bank may hold: registered signal type names ("pdq", "md5", "sha256", ...).
    Column("signal_types", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    # A bank of known child sexual abuse material or similar: matches are flagged, the image is never shown.
    Column("is_abuse_material", Boolean, nullable=False, default=False),
    Column("pdq_threshold", Integer, nullable=False, default=31),
    Column("created_by", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

hash_bank_entries = Table(
    "hash_bank_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bank_id", Integer, ForeignKey("hash_banks.id", ondelete="CASCADE"), nullable=False),
    Column("signal_type", String(16), nullable=False),
    # Lower-case hex: 64 digits for pdq and sha256, 32 for md5, at most 64 for any signal type. Hashes only.
    Column("value", String(64), nullable=False),
    Column("meta", JSON, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("bank_id", "signal_type", "value", name="uq_hash_bank_entries_bank_id"),
    Index("ix_hash_bank_entries_signal_type_value", "signal_type", "value"),
)

media_items = Table(
    "media_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    # The image reference exactly as the post gave it (path or URL).
    Column("ref", Text, nullable=False),
    Column("status", String(16), nullable=False),  # ok | rejected | skipped
    Column("reason", Text, nullable=False, default=""),
    Column("sha256", String(64)),
    Column("md5", String(32)),
    Column("pdq", String(64)),
    Column("pdq_mirror", String(64)),  # PDQ of the left-right mirror ("flipy"), to link mirrored reposts
    Column("quality", Integer),
    Column("width", Integer),
    Column("height", Integer),
    Column("format", String(16)),
    Column("size", Integer),
    Column("restricted", Boolean, nullable=False, default=False),
    # Hashes of the other registered signal types (name -> hex), NULL when none: a new type needs no new column.
    Column("signals", JSON(none_as_null=True)),
    Index("ix_media_items_post_id", "post_id"),
    Index("ix_media_items_sha256", "sha256"),
)

media_matches = Table(
    "media_matches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE")),
    Column("ref", Text, nullable=False),
    Column("sha256", String(64)),
    Column("bank_id", Integer, ForeignKey("hash_banks.id", ondelete="CASCADE"), nullable=False),
    Column("entry_id", Integer, nullable=False),
    Column("signal_type", String(16), nullable=False),
    Column("distance", Integer, nullable=False),
    Column("variant", String(16), nullable=False),
    Column("frame_second", Float),  # for a video: the sampled frame that matched
    Column("matched_at", DateTime(timezone=True), nullable=False),
    Index("ix_media_matches_post_id", "post_id"),
    Index("ix_media_matches_sha256", "sha256"),
)

# Images that matched an abuse-material bank. Restriction is keyed by the file's SHA-256 so that it holds wherever the
# same file turns up again, and it is sticky: disabling or deleting the bank later does not lift it.
restricted_media = Table(
    "restricted_media",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("first_post_id", String(128)),
    Column("bank_id", Integer),
    Column("bank_name", String(200), nullable=False),
    Column("entry_id", Integer),
    Column("signal_type", String(16), nullable=False),
    Column("distance", Integer, nullable=False),
    Column("flagged_at", DateTime(timezone=True), nullable=False),
)

# The mandatory-reporting workflow's queue: one row per post with an abuse-material match.
mandatory_reports = Table(
    "mandatory_reports",
    metadata,
    Column("post_id", String(128), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("status", String(20), nullable=False),  # pending | reported | dismissed
    Column("reason", Text, nullable=False),
    Column("sha256s", JSON, nullable=False),
    Column("flagged_at", DateTime(timezone=True), nullable=False),
    Column("reported_at", DateTime(timezone=True)),
    Column("reported_by", String(200)),
    Column("report_reference", Text),
)

face_persons = Table(
    "face_persons",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_ref", String(200), nullable=False),
    Column("label", String(200), nullable=False, default=""),
    Column("enrolled_by", String(200), nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("consent", Text, nullable=False),
    Column("retention_until", Date, nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # A legal hold flagged by hand (e.g. a court order): retention never deletes the person while it is set.
    Column("legal_hold", Boolean, nullable=False, default=False, server_default=false()),
    Index("ix_face_persons_case_ref", "case_ref"),
)

face_embeddings = Table(
    "face_embeddings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", Integer, ForeignKey("face_persons.id", ondelete="CASCADE"), nullable=False),
    Column("photo_ref", Text, nullable=False),
    Column("photo_sha256", String(64), nullable=False),
    Column("box", JSON, nullable=False),  # [top, right, bottom, left] in the photo's upright pixels
    Column("embedding", LargeBinary, nullable=False),  # 128 float32, little-endian
    Column("model", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_face_embeddings_person_id", "person_id"),
)

# Every face search: who, why, what was asked and what came back. Append-only (triggers refuse UPDATE and DELETE)
# and hash-chained: entry_hash = sha256(prev_hash + canonical JSON of the row), so a removed or edited row shows.
face_search_log = Table(
    "face_search_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("searched_at", DateTime(timezone=True), nullable=False),
    Column("searched_by", String(200), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("case_ref", String(200), nullable=False, default=""),
    Column("query_ref", Text, nullable=False),
    Column("query_sha256", String(64), nullable=False),
    Column("faces_in_query", Integer, nullable=False),
    Column("params", JSON, nullable=False),
    Column("results", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)
