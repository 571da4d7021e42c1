"""Tables for recommendation feedback and the cached reader models
(migration 0004_feedback).

``feedback`` holds one explicit judgement per reader and paper (thumbs up, thumbs down,
not interested): a new judgement replaces the old one. ``interests`` holds what a new
reader told us at onboarding (typed research interests, arXiv categories).
``recommend_models`` caches each reader's trained weight vectors, one per interest group,
keyed by a fingerprint of the signals they were trained from."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
)

from paperscope.store.schema import UTCDateTime, metadata

FEEDBACK_KINDS = ("up", "down", "not_interested")
INTEREST_KINDS = ("text", "category")

feedback = Table(
    "feedback",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "paper_id",
        String(64),
        ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_feedback_paper_id", "paper_id"),
)

interests = Table(
    "interests",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(16), primary_key=True),
    Column("value", String(500), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

recommend_models = Table(
    "recommend_models",
    metadata,
    Column(
        "user_id",
        Integer,
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("group_key", String(100), primary_key=True),
    Column("signals_hash", String(64), nullable=False),
    Column("weights", LargeBinary, nullable=False),  # little-endian float32
    Column("bias", Float, nullable=False),
    Column("trained_at", UTCDateTime, nullable=False),
)
