"""feedback: thumbs up/down and "not interested" signals for recommendations

Revision ID: 0004_feedback
Revises: 0003_subscriptions
"""

from __future__ import annotations

revision = "0004_feedback"
down_revision = "0003_subscriptions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
