"""author initials: each byline row keeps its author key with the given names cut to
their initials ("a vaswani" for Ashish Vaswani and for A. Vaswani), indexed, so that a
bibliography entry that gives initials finds the paper stored with full names

The keys are computed from the stored author keys a batch of 5,000 rows at a time, so
that memory stays bounded on millions of rows.

Revision ID: 0019_author_initials
Revises: 0018_trending_category
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0019_author_initials"
down_revision = "0018_trending_category"
branch_labels = None
depends_on = None

BATCH = 5000

_paper_authors = sa.table(
    "paper_authors",
    sa.column("paper_id", sa.String),
    sa.column("position", sa.Integer),
    sa.column("name_key", sa.Text),
    sa.column("initials_key", sa.Text),
)


def initials_key(key: str) -> str:
    """A frozen copy of models.initials_key as this revision wrote it."""
    words = key.split()
    return " ".join([*(w[0] for w in words[:-1] if w[0].isalpha()), *words[-1:]])


def upgrade() -> None:
    # NOT NULL needs a default to be added to existing rows; the writer always sets it.
    op.add_column(
        "paper_authors",
        sa.Column("initials_key", sa.Text, nullable=False, server_default=""),
    )
    conn = op.get_bind()
    t = _paper_authors
    update = (
        t.update()
        .where(t.c.paper_id == sa.bindparam("p"), t.c.position == sa.bindparam("pos"))
        .values(initials_key=sa.bindparam("k"))
    )
    query = sa.select(t.c.paper_id, t.c.position, t.c.name_key)
    for rows in _batches(conn, query, [t.c.paper_id, t.c.position]):
        conn.execute(
            update,
            [{"p": r.paper_id, "pos": r.position, "k": initials_key(r.name_key)} for r in rows],
        )
    op.create_index("ix_paper_authors_initials_key", "paper_authors", ["initials_key"])


def downgrade() -> None:
    op.drop_index("ix_paper_authors_initials_key", table_name="paper_authors")
    with op.batch_alter_table("paper_authors") as batch:
        batch.drop_column("initials_key")


def _batches(
    conn: sa.Connection, query: sa.Select[Any], order: list[Any]
) -> Iterator[Sequence[sa.Row[Any]]]:
    """The rows of ``query`` in pages of BATCH, by keyset on ``order`` (a unique key):
    each page is read whole before it is updated."""
    after: tuple[Any, ...] | None = None
    while True:
        page = query.order_by(*order).limit(BATCH)
        if after is not None:
            page = page.where(sa.tuple_(*order) > sa.tuple_(*after))
        rows = conn.execute(page).all()
        if not rows:
            return
        yield rows
        after = tuple(rows[-1][: len(order)])
