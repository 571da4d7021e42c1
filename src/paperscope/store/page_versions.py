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
from typing import Any

from sqlalchemy import Connection, event, insert, update

from paperscope.store.database import Store
from paperscope.store.schema_page_versions import page_versions

PAGES = "pages"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_READ_SQL = f"SELECT version, changed_at FROM page_versions WHERE area = '{PAGES}'"


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
    """The current version: one primary-key row, read by every cached page request.
    Straight through the driver (no SQLAlchemy transaction and statement layers): this
    read is most of the cost of a page answered from the cache (docs/performance.md)."""
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(_READ_SQL)
        row = cursor.fetchone()
        cursor.close()
    finally:
        raw.close()
    if row is None:
        return PageVersion(0, _EPOCH)
    return PageVersion(int(row[0]), _aware(row[1]))


class PageVersionReader:
    """``read_page_version`` on a connection of its own, kept open: a fifth of the cost
    of a pool checkout (~35 against ~160 microseconds on SQLite). For one thread at a
    time (the web server's event loop). The connection runs in autocommit, so it never
    holds a snapshot or a lock between reads; it is dropped on any error (the next read
    opens a new one) and closed with the store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn: Any = None
        event.listen(store.engine, "engine_disposed", self._on_dispose)

    def read(self) -> PageVersion:
        if self._conn is None:
            self._conn = self._open()
        try:
            cursor = self._conn.cursor()
            cursor.execute(_READ_SQL)
            row = cursor.fetchone()
            cursor.close()
        except Exception:
            self.close()
            raise
        return PageVersion(0, _EPOCH) if row is None else PageVersion(int(row[0]), _aware(row[1]))

    def _open(self) -> Any:
        fairy = self._store.engine.raw_connection()
        if not self._store.is_sqlite:  # SQLite connections already run in autocommit
            fairy.rollback()
            fairy.driver_connection.autocommit = True  # type: ignore[union-attr]
        return fairy

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # Never handed back to the pool: its autocommit mode stays with it.
            conn.invalidate()

    def _on_dispose(self, _engine: object) -> None:
        self.close()


def _aware(value: datetime | str) -> datetime:
    # SQLite hands back the text SQLAlchemy wrote; PostgreSQL a naive datetime (UTC).
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return at.replace(tzinfo=UTC)
