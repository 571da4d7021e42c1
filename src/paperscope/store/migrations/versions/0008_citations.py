"""citations: OpenAlex citation counts per paper, references between stored papers,
and the work-id resolution cache

Revision ID: 0008_citations
Revises: 0004_feedback
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperscope.store.schema import UTCDateTime

revision = "0008_citations"
down_revision = "0005_paper_extras"
branch_labels = None
depends_on = None


def _paper_fk(name: str, *, primary_key: bool) -> sa.Column[str]:
    return sa.Column(
        name,
        sa.String(64),
        sa.ForeignKey("papers.paper_id", ondelete="CASCADE"),
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "paper_citations",
        _paper_fk("paper_id", primary_key=True),
        sa.Column("openalex_id", sa.String(32)),
        sa.Column("cited_by_count", sa.Integer),
        sa.Column("reference_count", sa.Integer),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_paper_citations_openalex_id", "paper_citations", ["openalex_id"])
    op.create_index("ix_paper_citations_cited_by_count", "paper_citations", ["cited_by_count"])
    op.create_index("ix_paper_citations_fetched_at", "paper_citations", ["fetched_at"])
    op.create_table(
        "paper_references",
        _paper_fk("citing_paper_id", primary_key=True),
        _paper_fk("cited_paper_id", primary_key=True),
    )
    op.create_index("ix_paper_references_cited_paper_id", "paper_references", ["cited_paper_id"])
    op.create_table(
        "openalex_works",
        sa.Column("openalex_id", sa.String(32), primary_key=True),
        _paper_fk("paper_id", primary_key=False),
        sa.Column("checked_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_papers_doi_lower", "papers", [sa.text("lower(doi)")])


def downgrade() -> None:
    op.drop_index("ix_papers_doi_lower", table_name="papers")
    op.drop_table("openalex_works")
    op.drop_index("ix_paper_references_cited_paper_id", table_name="paper_references")
    op.drop_table("paper_references")
    op.drop_index("ix_paper_citations_fetched_at", table_name="paper_citations")
    op.drop_index("ix_paper_citations_cited_by_count", table_name="paper_citations")
    op.drop_index("ix_paper_citations_openalex_id", table_name="paper_citations")
    op.drop_table("paper_citations")
