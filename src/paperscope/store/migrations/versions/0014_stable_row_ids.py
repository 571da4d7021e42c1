"""stable row ids: collections and authorship claims never hand out a deleted row's id
again (their ids are in URLs: /collections/4 must not become someone else's list)

SQLite gives a new row the largest id plus one, so deleting the newest collection
freed its id for the next one; AUTOINCREMENT (kept in sqlite_sequence) never reuses an
id. The tables are rebuilt with it (the rows keep their ids). PostgreSQL's sequences
never reuse an id: nothing to do there.

Revision ID: 0014_stable_row_ids
Revises: 0013_author_details
"""

from __future__ import annotations

import warnings

from alembic import op

revision = "0014_stable_row_ids"
down_revision = "0013_author_details"
branch_labels = None
depends_on = None

_TABLES = ("collections", "authorship_claims")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in _TABLES:
        # Foreign keys are off during migrations (Store._migrating), so dropping the
        # old copy does not cascade to collection_items or collection_upvotes.
        with warnings.catch_warnings():
            # Reflecting the tables these refer to meets papers' lower(doi) index,
            # which SQLAlchemy cannot reflect on SQLite and says so on stderr at every
            # new store; that index is not part of what is rebuilt here.
            warnings.filterwarnings(
                "ignore", "Skipped unsupported reflection of expression-based index"
            )
            with op.batch_alter_table(
                table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
            ):
                pass


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)
