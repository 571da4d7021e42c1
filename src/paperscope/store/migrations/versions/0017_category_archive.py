"""category archive: each paper category row names its archive ("cs" for cs.LG,
"hep-th" for hep-th), indexed with the paper id, so that a whole archive's page, feed
and count ("cs", "math") are read from an index instead of matching every category row
against a pattern

Revision ID: 0017_category_archive
Revises: 0016_listing_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_category_archive"
down_revision = "0016_listing_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL needs a default to be added to existing rows; the writer always sets it.
    op.add_column(
        "paper_categories",
        sa.Column("archive", sa.String(32), nullable=False, server_default=""),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        archive = (
            "CASE WHEN instr(category, '.') > 0 "
            "THEN substr(category, 1, instr(category, '.') - 1) ELSE category END"
        )
    else:
        archive = "split_part(category, '.', 1)"
    op.execute(f"UPDATE paper_categories SET archive = {archive}")
    op.create_index("ix_paper_categories_archive", "paper_categories", ["archive", "paper_id"])


def downgrade() -> None:
    op.drop_index("ix_paper_categories_archive", table_name="paper_categories")
    with op.batch_alter_table("paper_categories") as batch:
        batch.drop_column("archive")
