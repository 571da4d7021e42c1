"""paper extras: what listing sites say about a paper (submitter, organisation, listing
time, thumbnail, media, code stars, comment count) and who chose its links by hand

Revision ID: 0005_paper_extras
Revises: 0004_feedback
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0005_paper_extras"
down_revision = "0004_feedback"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("submitted_by", sa.Text),
        sa.Column("submitted_by_name", sa.String(200)),
        sa.Column("organization", sa.Text),
        sa.Column("listed_at", UTCDateTime),
        sa.Column("thumbnail_url", sa.Text),
        sa.Column("media_urls", sa.Text),
        sa.Column("github_stars", sa.Integer),
        sa.Column("source_comments", sa.Integer),
        sa.Column("links_edited_by", sa.String(200)),
    ]


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        for column in _columns():
            batch.add_column(column)
    op.create_index("ix_papers_submitted_by_name", "papers", ["submitted_by_name"])


def downgrade() -> None:
    op.drop_index("ix_papers_submitted_by_name", table_name="papers")
    with op.batch_alter_table("papers") as batch:
        for column in reversed(_columns()):
            batch.drop_column(column.name)
