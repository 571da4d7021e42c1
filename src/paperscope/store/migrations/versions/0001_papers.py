"""papers, authors, categories, versions, sources, harvest state

Revision ID: 0001_papers
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0001_papers"
down_revision = None
branch_labels = None
depends_on = None


def _paper_fk() -> sa.Column[str]:
    return sa.Column(
        "paper_id",
        sa.String(64),
        sa.ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("paper_id", sa.String(64), primary_key=True),
        sa.Column("arxiv_id", sa.String(64), unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_key", sa.String(64), nullable=False),
        sa.Column("abstract", sa.Text, nullable=False, server_default=""),
        sa.Column("primary_category", sa.String(32)),
        sa.Column("latest_version", sa.Integer),
        sa.Column("submitted_at", UTCDateTime),
        sa.Column("updated_at", UTCDateTime),
        sa.Column("feed_date", sa.Date),
        sa.Column("comments", sa.Text),
        sa.Column("journal_ref", sa.Text),
        sa.Column("doi", sa.Text),
        sa.Column("report_no", sa.Text),
        sa.Column("license", sa.Text),
        sa.Column("submitter", sa.Text),
        sa.Column("project_url", sa.Text),
        sa.Column("code_url", sa.Text),
        sa.Column("external_upvotes", sa.Integer),
        sa.Column("ai_summary", sa.Text),
        sa.Column("ai_keywords", sa.Text),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("modified_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_papers_title_key", "papers", ["title_key"])
    op.create_index("ix_papers_submitted_at", "papers", ["submitted_at"])
    op.create_index("ix_papers_feed_date", "papers", ["feed_date"])
    op.create_index("ix_papers_seq", "papers", ["seq"])
    op.create_table(
        "paper_authors",
        _paper_fk(),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
    )
    op.create_index("ix_paper_authors_name_key", "paper_authors", ["name_key"])
    op.create_table(
        "paper_categories",
        _paper_fk(),
        sa.Column("category", sa.String(32), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("is_primary", sa.Boolean, nullable=False),
    )
    op.create_index("ix_paper_categories_category", "paper_categories", ["category"])
    op.create_table(
        "paper_versions",
        _paper_fk(),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("submitted_at", UTCDateTime),
        sa.Column("size", sa.String(32)),
    )
    op.create_table(
        "paper_sources",
        _paper_fk(),
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("record_hash", sa.String(40), nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
    )
    op.create_table(
        "harvest_state",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "counters",
        "harvest_state",
        "paper_sources",
        "paper_versions",
        "paper_categories",
        "paper_authors",
        "papers",
    ):
        op.drop_table(table)
