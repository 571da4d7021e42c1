"""Tables for discussions on papers and their moderation (migration 0009_discussions):
comments (threaded), upvotes on comments, reports, account bans and each account's
discussion mail preference."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
    text,
)

from paperscope.store.schema import UTCDateTime, metadata

comments = Table(
    "comments",
    metadata,
    Column("comment_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("parent_id", Integer, ForeignKey("comments.comment_id", ondelete="CASCADE")),
    # The top-level comment of the thread (NULL for a top-level comment), so a page of
    # threads loads with one query whatever the depth.
    Column("root_id", Integer, ForeignKey("comments.comment_id", ondelete="CASCADE")),
    Column("depth", Integer, nullable=False, server_default=text("0")),
    Column("body", Text, nullable=False),
    Column("upvotes", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    # Deleted by its author: the body is cleared; the row stays while replies hang on it.
    Column("deleted_at", UTCDateTime),
    Column("hidden_at", UTCDateTime),
    Column("hidden_by", Integer, ForeignKey("users.user_id", ondelete="SET NULL")),
    Index("ix_comments_paper_created", "paper_id", "created_at"),
    Index("ix_comments_user_created", "user_id", "created_at"),
    Index("ix_comments_root_id", "root_id"),
    Index("ix_comments_parent_id", "parent_id"),
)

comment_votes = Table(
    "comment_votes",
    metadata,
    Column(
        "comment_id",
        Integer,
        ForeignKey("comments.comment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

comment_reports = Table(
    "comment_reports",
    metadata,
    Column(
        "comment_id",
        Integer,
        ForeignKey("comments.comment_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("reason", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Set when an administrator hid the comment or dismissed the report.
    Column("resolved_at", UTCDateTime),
    Index("ix_comment_reports_resolved_at", "resolved_at"),
)

account_bans = Table(
    "account_bans",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("banned_by", Integer, ForeignKey("users.user_id", ondelete="SET NULL")),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("banned_at", UTCDateTime, nullable=False),
)

discussion_prefs = Table(
    "discussion_prefs",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("reply_mail", Boolean, nullable=False, server_default=false()),
)
