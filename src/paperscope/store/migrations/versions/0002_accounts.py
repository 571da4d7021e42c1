"""accounts: users, sessions, tokens, upvotes, library, tags, submissions

Revision ID: 0002_accounts
Revises: 0001_papers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0002_accounts"
down_revision = "0001_papers"
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


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(320)),
        sa.Column("password_hash", sa.Text),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    _sessions_and_tokens()
    _activity()
    _library()


def _sessions_and_tokens() -> None:
    op.create_table(
        "sessions",
        sa.Column("session_hash", sa.String(64), primary_key=True),
        _user_fk(),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.Integer, primary_key=True, autoincrement=True),
        _user_fk(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_used_at", UTCDateTime),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", UTCDateTime, nullable=False),
        sa.Column("locked_until", UTCDateTime),
    )


def _activity() -> None:
    op.create_table(
        "upvotes",
        _user_fk(primary_key=True),
        _paper_fk(primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_upvotes_paper_id", "upvotes", ["paper_id"])
    op.create_index("ix_upvotes_created_at", "upvotes", ["created_at"])
    op.create_table(
        "paper_stats",
        _paper_fk(primary_key=True),
        sa.Column("upvotes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("saves", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.Integer, primary_key=True, autoincrement=True),
        _user_fk(),
        _paper_fk(),
        sa.Column("feed_date", sa.Date, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("paper_id", "feed_date", name="uq_submissions_paper_day"),
    )
    op.create_index("ix_submissions_user_created", "submissions", ["user_id", "created_at"])
    op.create_index("ix_submissions_feed_date", "submissions", ["feed_date"])
    op.create_index("ix_submissions_created_at", "submissions", ["created_at"])


def _library() -> None:
    op.create_table(
        "library_items",
        _user_fk(primary_key=True),
        _paper_fk(primary_key=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("is_read", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("saved_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_library_items_saved_at", "library_items", ["saved_at"])
    op.create_table(
        "library_tags",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("paper_id", sa.String(64), primary_key=True),
        sa.Column("tag", sa.String(64), primary_key=True),
        sa.ForeignKeyConstraint(
            ["user_id", "paper_id"],
            ["library_items.user_id", "library_items.paper_id"],
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_library_tags_user_tag", "library_tags", ["user_id", "tag"])


def downgrade() -> None:
    for table in (
        "library_tags",
        "library_items",
        "submissions",
        "paper_stats",
        "upvotes",
        "login_throttle",
        "api_tokens",
        "sessions",
        "users",
    ):
        op.drop_table(table)
