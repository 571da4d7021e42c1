"""Migrations are the only source of DDL: check they produce exactly the tables the
queries use, and that each revision upgrades from the previous one and back."""

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from paperscope.store import Store
from paperscope.store.database import MIGRATIONS_DIR
from paperscope.store.tables import metadata


def _revisions() -> list[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_schema_matches_table_definitions(any_store: Store) -> None:
    with any_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_each_revision_upgrades_from_the_previous_and_back(any_store: Store) -> None:
    revisions = _revisions()
    assert any_store.current_revision() == revisions[-1]
    any_store.downgrade("base")
    assert any_store.current_revision() is None
    for rev in revisions:
        any_store.upgrade(rev)
        assert any_store.current_revision() == rev
