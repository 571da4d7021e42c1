"""papers-with-code index: a partial index of the papers that have a code link, so
"has code" lists, counts and searches start from those papers instead of testing every
paper of a category or of the store

Revision ID: 0021_papers_with_code_index
Revises: 0020_listing_oldest_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_papers_with_code_index"
down_revision = "0020_listing_oldest_index"
branch_labels = None
depends_on = None

# Frozen copy of schema.PAPER_HAS_CODE as it was at this revision.
_HAS_CODE = sa.text("code_url IS NOT NULL AND code_url != ''")


def upgrade() -> None:
    op.create_index(
        "ix_papers_with_code",
        "papers",
        ["paper_id"],
        sqlite_where=_HAS_CODE,
        postgresql_where=_HAS_CODE,
    )


def downgrade() -> None:
    op.drop_index("ix_papers_with_code", table_name="papers")
