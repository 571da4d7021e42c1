"""feedback: thumbs up/down and "not interested" signals, onboarding interests and the
cached recommendation models

Revision ID: 0004_feedback
Revises: 0003_subscriptions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0004_feedback"
down_revision = "0003_subscriptions"
branch_labels = None
depends_on = None


def _user_fk() -> sa.Column[int]:
    return sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "feedback",
        _user_fk(),
        sa.Column(
            "paper_id",
            sa.String(64),
            sa.ForeignKey("papers.paper_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_feedback_paper_id", "feedback", ["paper_id"])
    op.create_table(
        "interests",
        _user_fk(),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(500), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "recommend_models",
        _user_fk(),
        sa.Column("group_key", sa.String(100), primary_key=True),
        sa.Column("signals_hash", sa.String(64), nullable=False),
        sa.Column("weights", sa.LargeBinary, nullable=False),
        sa.Column("bias", sa.Float, nullable=False),
        sa.Column("trained_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("recommend_models")
    op.drop_table("interests")
    op.drop_index("ix_feedback_paper_id", table_name="feedback")
    op.drop_table("feedback")
