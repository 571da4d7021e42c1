"""The Store: owns the engine. SQLite gets WAL, one writer at a time (a process-wide
lock) and pooled readers; PostgreSQL gets an ordinary pool."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, event, text

from paperscope.config import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MAX_ROW_ID = 2**63 - 1  # the largest integer key both databases can bind
# pg_advisory_xact_lock key held while migrating ("paperscope" in ASCII, truncated)
UPGRADE_LOCK = 0x7061706572


class StoreError(Exception):
    """A database problem explained for the user."""


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._write_lock = threading.Lock()
        self.engine: Engine = _make_engine(url)

    @classmethod
    def open(cls, settings: Settings, *, upgrade: bool = True) -> Store:
        """Open the configured database, creating the data dir and (by default) bringing
        the schema up to date, so a fresh machine needs no separate set-up step."""
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = cls(settings.resolved_database_url)
        if upgrade:
            store.upgrade()
        return store

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.info["paperscope_write"] = False
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction; on SQLite only one writer in this process at a time (others
        wait on the lock rather than failing with 'database is locked')."""
        with self._write_lock, self.engine.connect() as conn:
            conn.info["paperscope_write"] = True
            with conn.begin():
                yield conn

    def upgrade(self, revision: str = "head") -> None:
        with self._migrating() as conn:
            if conn.dialect.name == "postgresql":
                # Several instances starting at once: one migrates, the others wait for
                # it (the lock ends with the transaction) and then find nothing to do.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
            cfg = _alembic_config(conn)
            command.upgrade(cfg, revision)

    def downgrade(self, revision: str) -> None:
        with self._migrating() as conn:
            command.downgrade(_alembic_config(conn), revision)

    @contextmanager
    def _migrating(self) -> Iterator[Connection]:
        """One transaction for schema changes. On SQLite, foreign keys are off while it
        runs, as SQLite's own procedure for rebuilding a table asks: dropping the old
        copy of a table would otherwise cascade-delete every row that refers to it.
        SQLite takes that setting only outside a transaction, so it is set on the
        driver's connection before BEGIN. (No foreign_key_check after: it would scan
        every table at each open, and a store with orphan rows must still open for
        `paperscope db check` to report them; tests/store/test_migrations.py checks
        that the rebuilds keep the rows that refer to them.)"""
        with self._write_lock, self.engine.connect() as conn:
            if not self.is_sqlite:
                with conn.begin():
                    yield conn
                return
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    yield conn
            finally:
                driver.execute("PRAGMA foreign_keys=ON")

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()


def _alembic_config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def _make_engine(url: str) -> Engine:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, future=True)
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would defer BEGIN; let SQLAlchemy emit it.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so two processes never deadlock
        # upgrading a read lock; readers in WAL are never blocked by it.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write(conn) else "BEGIN")

    return engine


def _wants_write(conn: Connection) -> bool:
    return bool(conn.info.get("paperscope_write", True))
