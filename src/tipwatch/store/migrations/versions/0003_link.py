"""Link: links with evidence, shared entities and hubs, networks and their posts, link stage facts.

Revision ID: 0003_link
Revises: 0001_core
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_link"
down_revision = "0001_core"
branch_labels = ("link",)
depends_on = None


def _post_fk(table: str, column: str) -> sa.ForeignKey:
    return sa.ForeignKey("posts.id", ondelete="CASCADE", name=f"fk_{table}_{column}_posts")


def upgrade() -> None:
    op.create_table(
        "link_entities",
        sa.Column("key", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("n_posts", sa.Integer(), nullable=False),
        sa.Column("n_platforms", sa.Integer(), nullable=False),
        sa.Column("n_kinds", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("strong", sa.Boolean(), nullable=False),
        sa.Column("hub", sa.Boolean(), nullable=False),
        sa.Column("hub_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_link_entities"),
    )
    op.create_index("ix_link_entities_type_value", "link_entities", ["type", "value"])
    op.create_index("ix_link_entities_hub", "link_entities", ["hub"])
    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("post_a", sa.String(128), _post_fk("links", "post_a"), nullable=False),
        sa.Column("post_b", sa.String(128), _post_fk("links", "post_b")),
        sa.Column("entity_key", sa.BigInteger()),
        sa.Column("signal", sa.String(32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("strong", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_links"),
    )
    op.create_index("ix_links_post_a", "links", ["post_a"])
    op.create_index("ix_links_post_b", "links", ["post_b"])
    op.create_index("ix_links_entity_key", "links", ["entity_key"])
    op.create_table(
        "networks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("first_posted_at", sa.DateTime(timezone=True)),
        sa.Column("last_posted_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_networks"),
    )
    op.create_index("ix_networks_score", "networks", ["score"])
    op.create_table(
        "network_posts",
        sa.Column("post_id", sa.String(128), _post_fk("network_posts", "post_id"), primary_key=True),
        sa.Column(
            "network_id",
            sa.String(32),
            sa.ForeignKey("networks.id", ondelete="CASCADE", name="fk_network_posts_network_id_networks"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("post_id", name="pk_network_posts"),
    )
    op.create_index("ix_network_posts_network_id", "network_posts", ["network_id"])
    op.create_table(
        "link_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_link_meta"),
    )


def downgrade() -> None:
    for table in ("link_meta", "network_posts", "networks", "links", "link_entities"):
        op.drop_table(table)
