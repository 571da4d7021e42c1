"""`paperscope db check`: a healthy store and indexes pass (exit 0); rows orphaned
behind the foreign keys' back, and papers removed from an index or from the store
behind its back, are reported by name (exit 1). On SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import text
from typer.testing import CliRunner

from paperscope.cli import app
from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes, dense_index_dir, lexical_index_dir
from paperscope.index.dense import DenseIndex
from paperscope.index.integrity import check_dense, check_lexical
from paperscope.index.lexical import LexicalIndex
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_session, create_user
from paperscope.store.integrity import check_database
from paperscope.store.papers import max_seq, upsert_papers

DIM = 8


def _papers(count: int) -> list[Paper]:
    return [
        Paper(
            paper_id=f"2401.{10000 + i:05d}",
            arxiv_id=f"2401.{10000 + i:05d}",
            title=f"Study number {i} of sparse attention",
            abstract=f"We examine topic{i} with transformers.",
            submitted_at=datetime(2024, 1, 1, tzinfo=UTC),
            source="arxiv-snapshot",
        )
        for i in range(count)
    ]


def _fill(settings: Settings, store: Store) -> list[str]:
    """Papers, an account with a session, the lexical index and a dense index (vectors
    from a seeded generator: the check looks at ids, not at what the vectors mean)."""
    papers = _papers(30)
    upsert_papers(store=store, papers_in=papers)
    now = datetime.now(UTC)
    user = create_user(store=store, username="olga", email=None, password_hash=None, now=now)
    create_session(
        store=store, user_id=user.user_id, session_hash="h" * 64, now=now, lifetime=timedelta(1)
    )
    catch_up_indexes(settings=settings, store=store, dense=False)
    dense = DenseIndex.open(dense_index_dir(settings), model_name="test-model", dim=DIM)
    ids = [p.paper_id for p in papers]
    dense.add(ids, np.random.default_rng(7).normal(size=(len(ids), DIM)).astype(np.float32))
    dense.high_water_mark = max_seq(store=store)
    dense.save()
    return ids


def _check(data_dir: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["db", "check", "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout


def test_a_healthy_store_passes(settings: Settings, store: Store) -> None:
    _fill(settings, store)
    code, out = _check(settings.data_dir)
    assert code == 0, out
    assert "database (SQLite): ok" in out and "integrity_check: ok" in out
    assert "lexical index: ok" in out and "dense index: ok" in out
    assert "30 documents" in out


def test_orphan_rows_on_sqlite(settings: Settings, store: Store) -> None:
    _fill(settings, store)
    with sqlite3.connect(settings.data_dir / "paperscope.db") as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("DELETE FROM users WHERE username = 'olga'")
    code, out = _check(settings.data_dir)
    assert code == 1
    assert "database (SQLite): PROBLEMS" in out
    assert "sessions: 1 row(s) point to missing rows of users" in out


def test_papers_missing_from_the_indexes_and_stale_ones(settings: Settings, store: Store) -> None:
    ids = _fill(settings, store)
    lexical = LexicalIndex.open(lexical_index_dir(settings))
    lexical.remove(ids[:2])
    lexical.commit()
    lexical.close()
    dense = DenseIndex.open(dense_index_dir(settings), model_name="test-model", dim=DIM)
    dense.remove([ids[5]])
    dense.save()
    # A paper gone from the store behind the indexes' back.
    with sqlite3.connect(settings.data_dir / "paperscope.db") as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("DELETE FROM paper_categories WHERE paper_id = ?", (ids[9],))
        raw.execute("DELETE FROM papers WHERE paper_id = ?", (ids[9],))
    code, out = _check(settings.data_dir)
    assert code == 1
    assert "lexical index: PROBLEMS" in out and "dense index: PROBLEMS" in out
    assert f"2 paper(s) missing: {ids[0]}, {ids[1]}" in out
    assert f"1 paper(s) missing: {ids[5]}" in out
    assert out.count(f"1 stale id(s) no longer stored: {ids[9]}") == 2


def test_an_unreadable_index_manifest_is_a_problem_not_a_crash(
    settings: Settings, store: Store
) -> None:
    _fill(settings, store)
    for directory in (lexical_index_dir(settings), dense_index_dir(settings)):
        (directory / "manifest.json").write_text("{broken")
    code, out = _check(settings.data_dir)
    assert code == 1, out
    assert "lexical index: PROBLEMS" in out and "dense index: PROBLEMS" in out
    assert out.count("the index manifest is unreadable") == 2


def test_the_same_checks_on_each_backend(settings: Settings, any_store: Store) -> None:
    ids = _fill(settings, any_store)
    assert check_database(store=any_store).ok
    assert check_lexical(settings=settings, store=any_store).ok
    if not any_store.is_sqlite:
        with any_store.write() as conn:
            # What a manual fix-up with triggers off leaves behind.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("DELETE FROM users WHERE username = 'olga'"))
        section = check_database(store=any_store)
        assert not section.ok
        assert any("sessions: 1 row(s) whose user_id" in p for p in section.problems)
    dense = DenseIndex.open(dense_index_dir(settings), model_name="test-model", dim=DIM)
    dense.remove(ids[:3])
    dense.save()
    section = check_dense(settings=settings, store=any_store)
    assert not section.ok and f"3 paper(s) missing: {', '.join(ids[:3])}" in section.problems[0]
