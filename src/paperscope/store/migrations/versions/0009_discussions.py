"""discussions: threaded comments on papers, upvotes on comments, reports, account
bans and the discussion mail preference

Revision ID: 0009_discussions
Revises: 0008_citations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0009_discussions"
down_revision = "0008_citations"
branch_labels = None
depends_on = None


def _fk(name: str, target: str, *, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        name,
        sa.Integer,
        sa.ForeignKey(target, ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("comment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "paper_id",
            sa.String(64),
            sa.ForeignKey("papers.paper_id", ondelete="CASCADE"),
            nullable=False,
        ),
        _fk("user_id", "users.user_id"),
        sa.Column(
            "parent_id", sa.Integer, sa.ForeignKey("comments.comment_id", ondelete="CASCADE")
        ),
        sa.Column("root_id", sa.Integer, sa.ForeignKey("comments.comment_id", ondelete="CASCADE")),
        sa.Column("depth", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("upvotes", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("edited_at", UTCDateTime),
        sa.Column("deleted_at", UTCDateTime),
        sa.Column("hidden_at", UTCDateTime),
        sa.Column("hidden_by", sa.Integer, sa.ForeignKey("users.user_id", ondelete="SET NULL")),
    )
    op.create_index("ix_comments_paper_created", "comments", ["paper_id", "created_at"])
    op.create_index("ix_comments_user_created", "comments", ["user_id", "created_at"])
    op.create_index("ix_comments_root_id", "comments", ["root_id"])
    op.create_index("ix_comments_parent_id", "comments", ["parent_id"])
    op.create_table(
        "comment_votes",
        _fk("comment_id", "comments.comment_id", primary_key=True),
        _fk("user_id", "users.user_id", primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "comment_reports",
        _fk("comment_id", "comments.comment_id", primary_key=True),
        _fk("user_id", "users.user_id", primary_key=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("resolved_at", UTCDateTime),
    )
    op.create_index("ix_comment_reports_resolved_at", "comment_reports", ["resolved_at"])
    op.create_table(
        "account_bans",
        _fk("user_id", "users.user_id", primary_key=True),
        sa.Column("banned_by", sa.Integer, sa.ForeignKey("users.user_id", ondelete="SET NULL")),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("banned_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "discussion_prefs",
        _fk("user_id", "users.user_id", primary_key=True),
        sa.Column("reply_mail", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("discussion_prefs")
    op.drop_table("account_bans")
    op.drop_index("ix_comment_reports_resolved_at", table_name="comment_reports")
    op.drop_table("comment_reports")
    op.drop_table("comment_votes")
    op.drop_index("ix_comments_parent_id", table_name="comments")
    op.drop_index("ix_comments_root_id", table_name="comments")
    op.drop_index("ix_comments_user_created", table_name="comments")
    op.drop_index("ix_comments_paper_created", table_name="comments")
    op.drop_table("comments")
