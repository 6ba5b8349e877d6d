"""Evidence: captured items, their content-addressed artifacts and their chain of custody.

Revision ID: 0009_evidence
Revises: 0008_cases (its items belong to cases)
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_evidence"
down_revision = "0008_cases"
branch_labels = ("evidence",)
depends_on = None


def _item_fk(table: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "item_id",
        sa.Integer(),
        sa.ForeignKey("evidence_items.id", ondelete="RESTRICT", name=f"fk_{table}_item_id_evidence_items"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("cases.id", ondelete="RESTRICT", name="fk_evidence_items_case_id_cases"),
            nullable=False,
        ),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("post_id", sa.String(128)),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("captured_by", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("tool_version", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_items"),
    )
    op.create_index("ix_evidence_items_case_id", "evidence_items", ["case_id"])
    op.create_index("ix_evidence_items_post_id", "evidence_items", ["post_id"])
    op.create_table(
        "evidence_artifacts",
        _item_fk("evidence_artifacts"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("source_url", sa.Text()),
        sa.PrimaryKeyConstraint("item_id", "position", name="pk_evidence_artifacts"),
    )
    op.create_index("ix_evidence_artifacts_sha256", "evidence_artifacts", ["sha256"])
    op.create_table(
        "evidence_custody",
        _item_fk("evidence_custody"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "seq", name="pk_evidence_custody"),
    )
    # The database itself refuses to change or remove custody events and artifacts, and to remove items (an item
    # row is updated only as the lock that serialises appends to its custody log); the signed chains show what
    # someone able to drop these triggers did anyway.
    for table, actions in _GUARDED.items():
        _refuse(table, actions)


# Table -> the statements refused on it.
_GUARDED = {
    "evidence_custody": ("UPDATE", "DELETE"),
    "evidence_artifacts": ("UPDATE", "DELETE"),
    "evidence_items": ("DELETE",),
}


def _refuse(table: str, actions: tuple[str, ...]) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in actions:
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: {action} refused (evidence is never changed)'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{table}: % refused (evidence is never changed)', TG_OP; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_guard BEFORE {' OR '.join((*actions, 'TRUNCATE'))} ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_guard()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_guard()")
    for table in ("evidence_custody", "evidence_artifacts", "evidence_items"):
        op.drop_table(table)
