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


def downgrade() -> None:
    op.drop_table("users")
