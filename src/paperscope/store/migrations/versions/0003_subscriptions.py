"""subscriptions: subscribers, subscriptions, digest outbox, public tags

Revision ID: 0003_subscriptions
Revises: 0002_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0003_subscriptions"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("subscriber_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.user_id", ondelete="SET NULL")),
        sa.Column("confirmed_at", UTCDateTime),
        sa.Column("state", sa.String(16), nullable=False, server_default="active"),
        sa.Column("bounce_count", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_bounce_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_subscribers_user_id", "subscribers", ["user_id"])
    op.create_table(
        "subscriptions",
        sa.Column("subscription_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "subscriber_id",
            sa.Integer,
            sa.ForeignKey("subscribers.subscriber_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("trending", sa.String(8)),
        sa.Column("trending_limit", sa.Integer, nullable=False, server_default=sa.text("10")),
        sa.Column("search_query", sa.Text),
        sa.Column("categories", sa.Text, nullable=False, server_default="[]"),
        sa.Column("authors", sa.Text, nullable=False, server_default="[]"),
        sa.Column("min_score", sa.Float),
        sa.Column("recommendations", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("frequency", sa.String(8), nullable=False, server_default="daily"),
        sa.Column("send_hour", sa.Integer, nullable=False, server_default=sa.text("8")),
        sa.Column("send_minute", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("weekly_day", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("confirmed_at", UTCDateTime),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.user_id", ondelete="SET NULL")),
        sa.Column("last_period", sa.String(16)),
        sa.Column("covered_until", UTCDateTime),
        sa.Column("last_paper_ids", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_subscriptions_subscriber_id", "subscriptions", ["subscriber_id"])
    _create_outbox()
    op.create_table(
        "public_tags",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.user_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(64), primary_key=True),
        sa.Column("published_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_public_tags_tag", "public_tags", ["tag"])


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("outbox_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "subscriber_id",
            sa.Integer,
            sa.ForeignKey("subscribers.subscriber_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "subscription_id",
            sa.Integer,
            sa.ForeignKey("subscriptions.subscription_id", ondelete="CASCADE"),
        ),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("paper_count", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("state", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("last_attempt_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
    )
    op.create_index("ix_outbox_subscriber_id", "outbox", ["subscriber_id"])
    op.create_index("ix_outbox_subscription_id", "outbox", ["subscription_id"])
    op.create_index("ix_outbox_state_next_attempt_at", "outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    for table in ("public_tags", "outbox", "subscriptions", "subscribers"):
        op.drop_table(table)
