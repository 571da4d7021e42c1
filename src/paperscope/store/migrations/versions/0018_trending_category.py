"""trending category: a subscription's trending papers can be narrowed to one category
or archive (the day's trending in cs.LG), as the trending page is

Revision ID: 0018_trending_category
Revises: 0017_category_archive
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_trending_category"
down_revision = "0017_category_archive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("trending_category", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("trending_category")
