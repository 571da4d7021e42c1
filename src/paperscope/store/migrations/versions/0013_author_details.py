"""author details: what a listing site says about each author of a paper (the
account linked to them, the state of their authorship claim there, hidden)

Revision ID: 0013_author_details
Revises: 0012_page_versions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_author_details"
down_revision = "0012_page_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("papers", sa.Column("author_details", sa.Text))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose the
    # expression index on lower(doi).
    op.drop_column("papers", "author_details")
