"""oldest-first listing index: papers in oldest-first order (undated last, then by
paper id), so a category's page sorted oldest first reads one page of a large
category in order instead of sorting all its papers

Revision ID: 0020_listing_oldest_index
Revises: 0019_author_initials
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_listing_oldest_index"
down_revision = "0019_author_initials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_papers_listing_oldest",
        "papers",
        [
            sa.text("(submitted_at IS NULL)"),
            sa.text("coalesce(submitted_at, created_at)"),
            "paper_id",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_papers_listing_oldest", table_name="papers")
