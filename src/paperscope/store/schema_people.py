"""Tables for collections, authorship claims and follows (migration 0010_people).
The users.email_verified_at column it adds lives with the users table."""

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
    UniqueConstraint,
    false,
    text,
)

from paperscope.store.schema import UTCDateTime, metadata

collections = Table(
    "collections",
    metadata,
    Column("collection_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("is_public", Boolean, nullable=False, server_default=false()),
    # Maintained with collection_upvotes in one transaction, like paper_stats.
    Column("upvotes", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_collections_user_id", "user_id"),
    # Ids are in URLs: a deleted collection's id is never handed out again.
    sqlite_autoincrement=True,
)

collection_items = Table(
    "collection_items",
    metadata,
    Column(
        "collection_id",
        Integer,
        ForeignKey("collections.collection_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", Integer, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("added_at", UTCDateTime, nullable=False),
    Index("ix_collection_items_position", "collection_id", "position"),
    Index("ix_collection_items_paper_id", "paper_id"),
)

collection_upvotes = Table(
    "collection_upvotes",
    metadata,
    Column(
        "collection_id",
        Integer,
        ForeignKey("collections.collection_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# A user's claim to be one of a paper's printed authors: pending until an admin
# decides, or approved at once by a matching verified e-mail domain.
authorship_claims = Table(
    "authorship_claims",
    metadata,
    Column("claim_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("author_name", Text, nullable=False),  # as printed on the paper
    Column("author_key", Text, nullable=False),  # store.papers.author_key of it
    Column("status", String(16), nullable=False),  # pending | approved | rejected
    # How it was decided: "admin:<username>", "email-domain:<domain>" or NULL (pending).
    Column("decided_by", String(300)),
    Column("decided_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "paper_id", name="uq_authorship_claims_user_paper"),
    Index("ix_authorship_claims_paper_id", "paper_id"),
    Index("ix_authorship_claims_status", "status"),
    Index("ix_authorship_claims_author_key", "author_key"),
    sqlite_autoincrement=True,  # ids are in the moderation URLs
)

# A reader following an author (target: the author key) or an account (target: its
# user id as text); label keeps the name as the reader saw it.
follows = Table(
    "follows",
    metadata,
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(8), primary_key=True),  # author | user
    Column("target", String(300), primary_key=True),
    Column("label", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_follows_kind_target", "kind", "target"),
)
