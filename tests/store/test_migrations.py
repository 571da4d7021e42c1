"""Migrations are the only source of DDL: check they produce exactly the tables the
queries use, and that each revision upgrades from the previous one and back."""

from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.claims import add_claim
from paperscope.store.collections import (
    add_item,
    create_collection,
    delete_collection,
    get_collection,
    list_items,
    toggle_collection_upvote,
)
from paperscope.store.database import MIGRATIONS_DIR
from paperscope.store.papers import upsert_papers
from paperscope.store.tables import metadata

NOW = datetime(2024, 10, 25, tzinfo=UTC)


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


def _sqlite_store(tmp_path: Path, revision: str) -> Store:
    store = Store.open(Settings(data_dir=tmp_path, dev_mode=True), upgrade=False)
    store.upgrade(revision)
    return store


def _seed(store: Store) -> tuple[int, int]:
    """A user with a collection holding a paper, upvoted, and an authorship claim."""
    upsert_papers(store=store, papers_in=[Paper(paper_id="2101.00001", title="A paper")])
    user = create_user(store=store, username="ann", email=None, password_hash=None, now=NOW)
    made = create_collection(
        store=store, user_id=user.user_id, title="Reading", description="", is_public=True,
        now=NOW,
    )  # fmt: skip
    add_item(store=store, collection_id=made.collection_id, paper_id="2101.00001", note="x",
             now=NOW)  # fmt: skip
    toggle_collection_upvote(
        store=store, collection_id=made.collection_id, user_id=user.user_id, now=NOW
    )
    add_claim(store=store, user_id=user.user_id, paper_id="2101.00001", author_name="Ann",
              now=NOW)  # fmt: skip
    return user.user_id, made.collection_id


def test_rebuilding_tables_keeps_the_rows_that_refer_to_them(tmp_path: Path) -> None:
    # The rebuild drops the old copy of each table: with foreign keys on, that would
    # cascade-delete the collection's items and upvotes.
    store = _sqlite_store(tmp_path, "0013_author_details")
    try:
        _, collection_id = _seed(store)
        store.upgrade()
        assert [i.paper_id for i in list_items(store=store, collection_id=collection_id)] == [
            "2101.00001"
        ]
        found = get_collection(store=store, collection_id=collection_id)
        assert found is not None and found.upvotes == 1
        with store.read() as conn:
            votes = conn.exec_driver_sql("SELECT count(*) FROM collection_upvotes").scalar()
            ddl = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'collections'"
            ).scalar()
            keys_on = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        assert votes == 1 and "AUTOINCREMENT" in str(ddl) and keys_on == 1
    finally:
        store.close()


def test_a_deleted_collections_id_is_never_given_again(tmp_path: Path) -> None:
    store = _sqlite_store(tmp_path, "head")
    try:
        user_id, first = _seed(store)
        second = create_collection(
            store=store, user_id=user_id, title="Two", description="", is_public=True, now=NOW
        ).collection_id
        assert delete_collection(store=store, collection_id=second)
        third = create_collection(
            store=store, user_id=user_id, title="Three", description="", is_public=True, now=NOW
        ).collection_id
        assert first < second < third
    finally:
        store.close()
