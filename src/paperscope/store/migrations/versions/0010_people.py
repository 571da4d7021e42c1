"""people: collections with ordered items and upvotes, authorship claims, follows of
authors and accounts, and users.email_verified_at

Revision ID: 0010_people
Revises: 0009_discussions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0010_people"
down_revision = "0009_discussions"
branch_labels = None
depends_on = None


def _user_fk(*, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _paper_fk(*, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(
        "paper_id",
        sa.String(64),
        sa.ForeignKey("papers.paper_id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def _collection_fk() -> sa.Column[int]:
    return sa.Column(
        "collection_id",
        sa.Integer,
        sa.ForeignKey("collections.collection_id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_verified_at", UTCDateTime))
    op.create_table(
        "collections",
        sa.Column("collection_id", sa.Integer, primary_key=True, autoincrement=True),
        _user_fk(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("is_public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("upvotes", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_collections_user_id", "collections", ["user_id"])
    op.create_table(
        "collection_items",
        _collection_fk(),
        _paper_fk(primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("added_at", UTCDateTime, nullable=False),
    )
    op.create_index(
        "ix_collection_items_position", "collection_items", ["collection_id", "position"]
    )
    op.create_index("ix_collection_items_paper_id", "collection_items", ["paper_id"])
    op.create_table(
        "collection_upvotes",
        _collection_fk(),
        _user_fk(primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    _claims_and_follows()


def _claims_and_follows() -> None:
    op.create_table(
        "authorship_claims",
        sa.Column("claim_id", sa.Integer, primary_key=True, autoincrement=True),
        _user_fk(),
        _paper_fk(),
        sa.Column("author_name", sa.Text, nullable=False),
        sa.Column("author_key", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(300)),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("user_id", "paper_id", name="uq_authorship_claims_user_paper"),
    )
    op.create_index("ix_authorship_claims_paper_id", "authorship_claims", ["paper_id"])
    op.create_index("ix_authorship_claims_status", "authorship_claims", ["status"])
    op.create_index("ix_authorship_claims_author_key", "authorship_claims", ["author_key"])
    op.create_table(
        "follows",
        _user_fk(primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("target", sa.String(300), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_follows_kind_target", "follows", ["kind", "target"])


def downgrade() -> None:
    op.drop_index("ix_follows_kind_target", table_name="follows")
    op.drop_table("follows")
    op.drop_index("ix_authorship_claims_author_key", table_name="authorship_claims")
    op.drop_index("ix_authorship_claims_status", table_name="authorship_claims")
    op.drop_index("ix_authorship_claims_paper_id", table_name="authorship_claims")
    op.drop_table("authorship_claims")
    op.drop_table("collection_upvotes")
    op.drop_index("ix_collection_items_paper_id", table_name="collection_items")
    op.drop_index("ix_collection_items_position", table_name="collection_items")
    op.drop_table("collection_items")
    op.drop_index("ix_collections_user_id", table_name="collections")
    op.drop_table("collections")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified_at")
