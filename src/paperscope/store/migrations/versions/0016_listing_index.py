"""listing index: papers in newest-first order (undated last, then by paper id), so a
category page, its feed and /api/v1/papers read one page of a large category in
order instead of sorting all its papers

Revision ID: 0016_listing_index
Revises: 0015_author_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_listing_index"
down_revision = "0015_author_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_papers_listing",
        "papers",
        [
            sa.text("(submitted_at IS NULL)"),
            sa.text("coalesce(submitted_at, created_at) DESC"),
            "paper_id",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_papers_listing", table_name="papers")
