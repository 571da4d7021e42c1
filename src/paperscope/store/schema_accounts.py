"""Tables for accounts, sessions, API tokens, upvotes, library and submissions
(migration 0002_accounts).

Secrets never reach the database: sessions and API tokens are stored as SHA-256
hashes of the random values the client holds, passwords as argon2 hashes."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from paperscope.store.schema import UTCDateTime, metadata


def _user_fk() -> Column[int]:
    return Column(
        "user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False
    )


def _paper_fk(*, primary_key: bool = False) -> Column[str]:
    return Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("email", String(320)),
    Column("password_hash", Text),
    Column("is_admin", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    # Set when the owner followed a signed link mailed to ``email`` (migration 0010).
    Column("email_verified_at", UTCDateTime),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    _user_fk(),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_sessions_user_id", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    _user_fk(),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Index("ix_api_tokens_user_id", "user_id"),
)

# Failed sign-ins per key ("user:alice", "ip:10.0.0.1"), kept in the database so a
# restart does not reset an attacker's budget.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime),
)

upvotes = Table(
    "upvotes",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _paper_fk(primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_upvotes_paper_id", "paper_id"),
    Index("ix_upvotes_created_at", "created_at"),
)

# Maintained counters, updated in the same transaction as the rows they count, so a
# listing never aggregates the upvotes table.
paper_stats = Table(
    "paper_stats",
    metadata,
    _paper_fk(primary_key=True),
    Column("upvotes", Integer, nullable=False, server_default="0"),
    Column("saves", Integer, nullable=False, server_default="0"),
)

library_items = Table(
    "library_items",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _paper_fk(primary_key=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("is_read", Boolean, nullable=False, server_default=false()),
    Column("saved_at", UTCDateTime, nullable=False),
    Index("ix_library_items_saved_at", "saved_at"),
)

library_tags = Table(
    "library_tags",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("paper_id", String(64), primary_key=True),
    Column("tag", String(64), primary_key=True),
    ForeignKeyConstraint(
        ["user_id", "paper_id"],
        ["library_items.user_id", "library_items.paper_id"],
        ondelete="CASCADE",
    ),
    Index("ix_library_tags_user_tag", "user_id", "tag"),
)

submissions = Table(
    "submissions",
    metadata,
    Column("submission_id", Integer, primary_key=True, autoincrement=True),
    _user_fk(),
    _paper_fk(),
    Column("feed_date", Date, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("paper_id", "feed_date", name="uq_submissions_paper_day"),
    Index("ix_submissions_user_created", "user_id", "created_at"),
    Index("ix_submissions_feed_date", "feed_date"),
    Index("ix_submissions_created_at", "created_at"),
)
