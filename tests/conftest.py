"""Fixtures every area shares: settings on a temp data dir, a real SQLite store, and
the same store on a real PostgreSQL when PAPERSCOPE_TEST_POSTGRES_URL is set (.ci/run
starts one on loopback)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperscope.config import Settings
from paperscope.store import Store

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
POSTGRES_URL = os.environ.get("PAPERSCOPE_TEST_POSTGRES_URL")


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", dev_mode=True, harvest_delay_seconds=0.0)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store.open(settings)
    yield s
    s.close()


def _postgres_database() -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("PAPERSCOPE_TEST_POSTGRES_URL not set (make test starts PostgreSQL)")
    from sqlalchemy import create_engine, text

    name = f"ps_test_{uuid.uuid4().hex[:12]}"
    admin_url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Store]:
    """The store on each backend: tests using it run against SQLite and PostgreSQL."""
    if request.param == "sqlite":
        s = Store.open(settings)
        yield s
        s.close()
        return
    for url in _postgres_database():
        s = Store.open(settings.model_copy(update={"database_url": url}))
        yield s
        s.close()
