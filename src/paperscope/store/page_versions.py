"""The data version of the public pages: bumped in the same transaction as every write
that changes them, read (one primary-key row) by every web worker before it answers
a page from its cache. The database is the one shared truth, so workers and instances
on one database agree without talking to each other.

    with store.write() as conn:
        ...                       # change what a public page shows
        bump_page_version(conn)   # same transaction: readers never see one without the other
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from paperscope.store.database import Store
from paperscope.store.schema_page_versions import page_versions

PAGES = "pages"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_READ = select(page_versions.c.version, page_versions.c.changed_at).where(
    page_versions.c.area == PAGES
)


@dataclass(frozen=True, slots=True)
class PageVersion:
    """Which state of the data a rendered page shows, and when that state began."""

    version: int
    changed_at: datetime


def bump_page_version(conn: Connection, *, now: datetime | None = None) -> None:
    """Mark the public pages as changed, inside the caller's write transaction."""
    at = now or datetime.now(UTC)
    done = conn.execute(
        update(page_versions)
        .where(page_versions.c.area == PAGES)
        .values(version=page_versions.c.version + 1, changed_at=at)
    ).rowcount
    if not done:  # a database created from the metadata rather than the migrations
        conn.execute(insert(page_versions).values(area=PAGES, version=2, changed_at=at))


def bump_pages(*, store: Store) -> None:
    """Mark the public pages as changed, in a transaction of its own (for changes made
    outside the database, such as a new search index, or by a module that cannot pass
    its connection)."""
    with store.write() as conn:
        bump_page_version(conn)


def read_page_version(*, store: Store) -> PageVersion:
    """The current version: one indexed row, read by every cached page request."""
    with store.read() as conn:
        row = conn.execute(_READ).first()
    if row is None:
        return PageVersion(0, _EPOCH)
    return PageVersion(int(row.version), row.changed_at)
