"""page_versions: the data version of the public pages, read by the page cache

Revision ID: 0012_page_versions
Revises: 0010_people
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0012_page_versions"
down_revision = "0010_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "page_versions",
        sa.Column("area", sa.String(32), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("changed_at", UTCDateTime, nullable=False),
    )
    op.bulk_insert(table, [{"area": "pages", "version": 1, "changed_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table("page_versions")
