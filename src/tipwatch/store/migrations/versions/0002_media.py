"""Media: hash banks and entries, post images and bank matches, restricted media and the mandatory-reporting queue,
face registry and the append-only face search log.

Revision ID: 0002_media
Revises: 0001_core
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_media"
down_revision = "0001_core"
branch_labels = ("media",)
depends_on = None

_APPEND_ONLY = "face_search_log"


def upgrade() -> None:
    op.create_table(
        "hash_banks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("signal_types", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("is_abuse_material", sa.Boolean(), nullable=False),
        sa.Column("pdq_threshold", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hash_banks"),
        sa.UniqueConstraint("name", name="uq_hash_banks_name"),
    )
    op.create_table(
        "hash_bank_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "bank_id",
            sa.Integer(),
            sa.ForeignKey("hash_banks.id", ondelete="CASCADE", name="fk_hash_bank_entries_bank_id_hash_banks"),
            nullable=False,
        ),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hash_bank_entries"),
        sa.UniqueConstraint("bank_id", "signal_type", "value", name="uq_hash_bank_entries_bank_id"),
    )
    op.create_index("ix_hash_bank_entries_signal_type_value", "hash_bank_entries", ["signal_type", "value"])
    op.create_table(
        "media_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_media_items_post_id_posts"),
            nullable=False,
        ),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("md5", sa.String(32)),
        sa.Column("pdq", sa.String(64)),
        sa.Column("pdq_mirror", sa.String(64)),
        sa.Column("quality", sa.Integer()),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("format", sa.String(16)),
        sa.Column("size", sa.Integer()),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_media_items"),
    )
    op.create_index("ix_media_items_post_id", "media_items", ["post_id"])
    op.create_index("ix_media_items_sha256", "media_items", ["sha256"])
    op.create_table(
        "media_matches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_media_matches_post_id_posts"),
        ),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column(
            "bank_id",
            sa.Integer(),
            sa.ForeignKey("hash_banks.id", ondelete="CASCADE", name="fk_media_matches_bank_id_hash_banks"),
            nullable=False,
        ),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(16), nullable=False),
        sa.Column("frame_second", sa.Float()),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_media_matches"),
    )
    op.create_index("ix_media_matches_post_id", "media_matches", ["post_id"])
    op.create_index("ix_media_matches_sha256", "media_matches", ["sha256"])
    op.create_table(
        "restricted_media",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("first_post_id", sa.String(128)),
        sa.Column("bank_id", sa.Integer()),
        sa.Column("bank_name", sa.String(200), nullable=False),
        sa.Column("entry_id", sa.Integer()),
        sa.Column("signal_type", sa.String(16), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_restricted_media"),
    )
    op.create_table(
        "mandatory_reports",
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_mandatory_reports_post_id_posts"),
            nullable=False,
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sha256s", sa.JSON(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True)),
        sa.Column("reported_by", sa.String(200)),
        sa.Column("report_reference", sa.Text()),
        sa.PrimaryKeyConstraint("post_id", name="pk_mandatory_reports"),
    )
    op.create_table(
        "face_persons",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_ref", sa.String(200), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("enrolled_by", sa.String(200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("consent", sa.Text(), nullable=False),
        sa.Column("retention_until", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_face_persons"),
    )
    op.create_index("ix_face_persons_case_ref", "face_persons", ["case_ref"])
    op.create_table(
        "face_embeddings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("face_persons.id", ondelete="CASCADE", name="fk_face_embeddings_person_id_face_persons"),
            nullable=False,
        ),
        sa.Column("photo_ref", sa.Text(), nullable=False),
        sa.Column("photo_sha256", sa.String(64), nullable=False),
        sa.Column("box", sa.JSON(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_face_embeddings"),
    )
    op.create_index("ix_face_embeddings_person_id", "face_embeddings", ["person_id"])
    op.create_table(
        _APPEND_ONLY,
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("searched_by", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("case_ref", sa.String(200), nullable=False),
        sa.Column("query_ref", sa.Text(), nullable=False),
        sa.Column("query_sha256", sa.String(64), nullable=False),
        sa.Column("faces_in_query", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_face_search_log"),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    # The database itself refuses edits to the search log, whatever code (or person with a SQL shell) tries.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {_APPEND_ONLY}_no_{action.lower()} BEFORE {action} ON {_APPEND_ONLY} "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY} is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {_APPEND_ONLY}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY} is append-only'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {_APPEND_ONLY}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {_APPEND_ONLY} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_APPEND_ONLY}_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {_APPEND_ONLY}_append_only ON {_APPEND_ONLY}")
        op.execute(f"DROP FUNCTION IF EXISTS {_APPEND_ONLY}_append_only()")
    for table in (
        _APPEND_ONLY,
        "face_embeddings",
        "face_persons",
        "mandatory_reports",
        "restricted_media",
        "media_matches",
        "media_items",
        "hash_bank_entries",
        "hash_banks",
    ):
        op.drop_table(table)
