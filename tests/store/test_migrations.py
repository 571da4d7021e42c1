"""Migrations are the only source of DDL: check they produce exactly the tables the
queries use, and that each revision upgrades from the previous one and back."""

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text

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
from paperscope.store.follows import follow
from paperscope.store.papers import (
    count_in_categories,
    date_order,
    has_code_condition,
    in_categories,
    list_paper_ids,
    upsert_papers,
)
from paperscope.store.schema import paper_categories, papers
from paperscope.store.tables import metadata

NOW = datetime(2024, 10, 25, tzinfo=UTC)


def _revisions() -> list[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


# SQLite's reflection cannot read an index on expressions, so the comparison skips
# those (and says so); the test below checks the listing index instead.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_schema_matches_table_definitions(any_store: Store) -> None:
    with any_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


@pytest.mark.parametrize(
    ("newest_first", "index"), [(True, "ix_papers_listing"), (False, "ix_papers_listing_oldest")]
)
def test_a_category_list_walks_the_listing_index(
    any_store: Store, newest_first: bool, index: str
) -> None:
    """The indexes' expressions match the ones the lists order by: the database reads a
    large category newest or oldest first through one instead of sorting."""
    newest = (
        select(papers.c.paper_id)
        .where(in_categories(["cs.LG"], per_paper=True))
        .order_by(*date_order(newest_first=newest_first), papers.c.paper_id)
        .limit(30)
    )
    with any_store.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            compiled = newest.compile(conn, compile_kwargs={"literal_binds": True})
            plan = " ".join(
                str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
            assert f"USING INDEX {index} " in plan + " " and "TEMP B-TREE" not in plan
        else:
            # An empty table is cheaper to sort than to walk: rule both out, so the plan
            # shows whether the index can serve the order at all.
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
            compiled = newest.compile(conn, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert f"{index} " in plan + " " and "Sort" not in plan


def test_papers_with_code_are_read_from_their_partial_index(any_store: Store) -> None:
    """The "has code" condition is written as ix_papers_with_code's, so the database
    can count and list those papers from it instead of reading every paper."""
    count = select(func.count()).select_from(papers).where(has_code_condition())
    with any_store.engine.connect() as conn:
        compiled = count.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            plan = " ".join(str(row[-1]) for row in rows)
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert "ix_papers_with_code" in plan


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


def _keys(store: Store) -> tuple[list[tuple[str, int, str]], list[str], list[tuple[str, str]]]:
    """(paper, position, key) of each byline name, the claims' keys, and the author
    follows as (target, label)."""
    with store.read() as conn:
        bylines = conn.exec_driver_sql(
            "SELECT paper_id, position, name_key FROM paper_authors ORDER BY paper_id, position"
        ).all()
        claims = conn.exec_driver_sql(
            "SELECT author_key FROM authorship_claims ORDER BY claim_id"
        ).scalars()
        follows = conn.exec_driver_sql(
            "SELECT target, label FROM follows WHERE kind = 'author' ORDER BY target"
        ).all()
        return [tuple(r) for r in bylines], list(claims), [tuple(r) for r in follows]


OLD_BYLINES = [
    ("2101.00001", 0, "søren hauberg"),
    ("2101.00001", 1, "c.-p. yuan"),
    ("2101.00002", 0, "soren hauberg"),
    ("2101.00002", 1, "o’brien"),
    ("2101.00002", 2, "jean-pierre dupont"),
]


def _seed_old_author_keys(store: Store) -> None:
    """Papers, a claim and follows as a store before 0015 keyed them (the papers are
    written by today's code, then the store is taken back to 0014)."""
    upsert_papers(
        store=store,
        papers_in=[
            Paper(paper_id="2101.00001", title="One", authors=("Søren Hauberg", "C.-P. Yuan")),
            Paper(
                paper_id="2101.00002",
                title="Two",
                authors=("Soren Hauberg", "O’Brien", "Jean-Pierre Dupont"),
            ),
        ],
    )
    store.downgrade("0014_stable_row_ids")
    ann = create_user(store=store, username="ann", email=None, password_hash=None, now=NOW)
    bob = create_user(store=store, username="bob", email=None, password_hash=None, now=NOW)
    add_claim(store=store, user_id=ann.user_id, paper_id="2101.00001",
              author_name="C.-P. Yuan", now=NOW)  # fmt: skip
    day = timedelta(days=1)
    for user, target, label, when in (
        # ann followed both spellings of one author, and of another: one each stays,
        # the older.
        (ann.user_id, "søren hauberg", "Søren Hauberg", NOW),
        (ann.user_id, "soren hauberg", "Soren Hauberg", NOW + day),
        (ann.user_id, "c.-p. yuan", "C.-P. Yuan", NOW + day),
        (ann.user_id, "c. p. yuan", "C. P. Yuan", NOW),
        (bob.user_id, "o’brien", "O’Brien", NOW),
    ):
        follow(store=store, user_id=user, kind="author", target=target, label=label, now=when)
    follow(store=store, user_id=bob.user_id, kind="user", target=str(ann.user_id),
           label="ann", now=NOW)  # fmt: skip
    with store.write() as conn:  # the keys the previous author_key gave
        for paper_id, position, key in OLD_BYLINES:
            conn.execute(
                text(
                    "UPDATE paper_authors SET name_key = :k WHERE paper_id = :p AND position = :n"
                ),
                {"k": key, "p": paper_id, "n": position},
            )
        conn.execute(text("UPDATE authorship_claims SET author_key = 'c.-p. yuan'"))


def test_author_keys_are_computed_again_both_ways(any_store: Store) -> None:
    _seed_old_author_keys(any_store)
    any_store.upgrade("0015_author_keys")
    bylines, claims, follows = _keys(any_store)
    assert bylines == [
        ("2101.00001", 0, "soren hauberg"),
        ("2101.00001", 1, "c p yuan"),
        ("2101.00002", 0, "soren hauberg"),
        ("2101.00002", 1, "obrien"),
        ("2101.00002", 2, "jean pierre dupont"),
    ]
    assert claims == ["c p yuan"]
    assert follows == [("c p yuan", "C. P. Yuan"), ("obrien", "O’Brien"),
                       ("soren hauberg", "Søren Hauberg")]  # fmt: skip
    assert set(list_paper_ids(store=any_store, author="Søren Hauberg")) == {
        "2101.00001",
        "2101.00002",
    }
    with any_store.read() as conn:
        user_follows = conn.exec_driver_sql("SELECT count(*) FROM follows WHERE kind = 'user'")
        assert user_follows.scalar() == 1
    any_store.downgrade("0014_stable_row_ids")
    bylines, claims, follows = _keys(any_store)
    assert bylines == OLD_BYLINES
    assert claims == ["c.-p. yuan"]
    assert follows == [("c. p. yuan", "C. P. Yuan"), ("o’brien", "O’Brien"),
                       ("søren hauberg", "Søren Hauberg")]  # fmt: skip


def _migration(name: str) -> ModuleType:
    """A revision's module, loaded apart from Alembic's own copy (to call its steps)."""
    spec = importlib.util.spec_from_file_location(name, MIGRATIONS_DIR / "versions" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_author_keys_are_computed_a_batch_at_a_time(tmp_path: Path) -> None:
    store = _sqlite_store(tmp_path, "head")
    try:
        upsert_papers(
            store=store,
            papers_in=[
                Paper(paper_id=f"2101.{i:05d}", title="T", authors=("A.B. Ng", "Ø. Li"))
                for i in range(7)
            ],
        )
        store.downgrade("0014_stable_row_ids")
        ann = create_user(store=store, username="ann", email=None, password_hash=None, now=NOW)
        # Spellings of one name, whose keys meet in later batches than their own.
        names = ["A-B Ng", "A. B. Ng", "A.-B. Ng", "A.B. Ng", "A B Ng", "Ø Li", "O. Li"]
        for i, name in enumerate(names):
            target = name.lower()
            follow(store=store, user_id=ann.user_id, kind="author", target=target, label=name,
                   now=NOW + timedelta(days=i))  # fmt: skip
        migration = _migration("0015_author_keys")
        migration.BATCH = 3
        with store.write() as conn:
            conn.execute(text("UPDATE paper_authors SET name_key = 'old'"))
            migration._rekey_paper_authors(conn, migration.new_key)
            migration._rekey_follows(conn, migration.new_key, migration.old_key)
        bylines, _, follows = _keys(store)
        assert len(bylines) == 14 and {key for _, _, key in bylines} == {"a b ng", "o li"}
        assert follows == [("a b ng", "A-B Ng"), ("o li", "Ø Li")]  # the oldest of each
    finally:
        store.close()


def test_category_archives_are_filled_in_for_existing_rows(any_store: Store) -> None:
    upsert_papers(
        store=any_store,
        papers_in=[
            Paper(paper_id="2101.00001", title="One", categories=["cs.LG", "cs.AI", "stat.ML"]),
            Paper(paper_id="2101.00002", title="Two", categories=["hep-th", "math-ph"]),
            Paper(paper_id="2101.00003", title="Three", categories=["math.OC"]),
        ],
    )
    rows = _rows_after_upgrade(
        any_store,
        "0017_category_archive",
        "SELECT paper_id, category, archive FROM paper_categories ORDER BY paper_id, position",
    )
    assert rows == [
        ("2101.00001", "cs.LG", "cs"),
        ("2101.00001", "cs.AI", "cs"),
        ("2101.00001", "stat.ML", "stat"),
        ("2101.00002", "hep-th", "hep-th"),
        ("2101.00002", "math-ph", "math-ph"),
        ("2101.00003", "math.OC", "math"),
    ]
    with any_store.read() as conn:
        # A paper in two of an archive's categories counts once.
        assert count_in_categories(conn, ["cs"]) == 1
        assert count_in_categories(conn, ["math"]) == 1
        assert count_in_categories(conn, ["hep-th"]) == 1
        assert count_in_categories(conn, ["math", "hep-th"]) == 2
    assert list_paper_ids(store=any_store, category="math") == ["2101.00003"]
    any_store.downgrade("0016_listing_index")
    with any_store.read() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("paper_categories")}
        assert "archive" not in columns


def test_a_whole_archive_is_counted_from_its_index(any_store: Store) -> None:
    with any_store.engine.connect() as conn:
        count = select(func.count(paper_categories.c.paper_id.distinct())).where(
            paper_categories.c.archive == "cs"
        )
        compiled = count.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            plan = " ".join(str(row[-1]) for row in rows)
            assert "COVERING INDEX ix_paper_categories_archive" in plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
            assert "ix_paper_categories_archive" in plan


def test_author_initials_are_filled_in_for_existing_rows(any_store: Store) -> None:
    upsert_papers(
        store=any_store,
        papers_in=[
            Paper(
                paper_id="2101.00001",
                title="One",
                authors=["Ashish Vaswani", "J.-P. Dupont", "Plato", "Søren Hauberg"],
            )
        ],
    )
    rows = _rows_after_upgrade(
        any_store,
        "0019_author_initials",
        "SELECT name_key, initials_key FROM paper_authors ORDER BY position",
    )
    assert rows == [
        ("ashish vaswani", "a vaswani"),
        ("j p dupont", "j p dupont"),
        ("plato", "plato"),
        ("soren hauberg", "s hauberg"),
    ]
    any_store.downgrade("0018_trending_category")
    with any_store.read() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("paper_authors")}
    assert "initials_key" not in columns


def _rows_after_upgrade(store: Store, revision: str, query: str) -> list[tuple[object, ...]]:
    """Take ``store`` back to the revision before ``revision`` (rows written by today's
    code lose what it added), upgrade to it again, and read ``query``."""
    revisions = _revisions()
    store.downgrade(revisions[revisions.index(revision) - 1])
    store.upgrade(revision)
    with store.read() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(query)]
