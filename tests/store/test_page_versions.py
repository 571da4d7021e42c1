"""The data version of the public pages moves with every write that changes them, in
the same transaction, and stays put otherwise (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.library import remove_paper, save_paper
from paperscope.store.page_versions import (
    PageVersionReader,
    bump_page_version,
    read_page_version,
)
from paperscope.store.paper_links import set_paper_links
from paperscope.store.papers import upsert_papers
from paperscope.store.submissions import add_submission
from paperscope.store.upvotes import set_upvote, toggle_upvote


def _paper(pid: str, title: str = "A title") -> Paper:
    return Paper(paper_id=pid, arxiv_id=pid, title=title, source="oai-pmh")


def _version(store: Store) -> int:
    return read_page_version(store=store).version


def test_writes_that_change_pages_bump_the_version(any_store: Store) -> None:
    now = datetime.now(UTC)
    v0 = _version(any_store)
    assert v0 >= 1  # the migration made the row
    upsert_papers(store=any_store, papers_in=[_paper("2401.00001"), _paper("2401.00002")])
    v1 = _version(any_store)
    assert v1 > v0
    upsert_papers(store=any_store, papers_in=[_paper("2401.00001")])  # nothing new
    assert _version(any_store) == v1
    upsert_papers(store=any_store, papers_in=[_paper("2401.00001", "A better title")])
    v2 = _version(any_store)
    assert v2 > v1

    uid = create_user(store=any_store, username="v", email=None, password_hash=None, now=now)
    assert _version(any_store) == v2  # accounts are not on public pages
    steps = [
        lambda: set_upvote(
            store=any_store, user_id=uid.user_id, paper_id="2401.00001", upvoted=True, now=now
        ),
        lambda: toggle_upvote(store=any_store, user_id=uid.user_id, paper_id="2401.00001", now=now),
        lambda: save_paper(store=any_store, user_id=uid.user_id, paper_id="2401.00002", now=now),
        lambda: remove_paper(store=any_store, user_id=uid.user_id, paper_id="2401.00002"),
        lambda: set_paper_links(
            store=any_store,
            paper_id="2401.00002",
            code_url="https://example.org/code",
            project_url=None,
            edited_by="v",
        ),
        lambda: add_submission(
            store=any_store,
            user_id=uid.user_id,
            paper_id="2401.00002",
            feed_date=date(2024, 1, 2),
            now=now,
            daily_cap=5,
        ),
    ]
    last = v2
    for step in steps:
        step()
        assert _version(any_store) > last
        last = _version(any_store)
    # an upvote that changes nothing (already absent) leaves the pages as they were
    set_upvote(store=any_store, user_id=uid.user_id, paper_id="2401.00001", upvoted=False, now=now)
    assert _version(any_store) == last


def test_a_rolled_back_write_leaves_the_version(any_store: Store) -> None:
    before = read_page_version(store=any_store)
    with pytest.raises(RuntimeError), any_store.write() as conn:
        bump_page_version(conn)
        raise RuntimeError("abandon the transaction")
    assert read_page_version(store=any_store) == before
    with any_store.write() as conn:
        bump_page_version(conn)
    after = read_page_version(store=any_store)
    assert after.version == before.version + 1 and after.changed_at >= before.changed_at


def test_the_kept_reader_sees_each_commit_at_once(any_store: Store) -> None:
    reader = PageVersionReader(any_store)
    first = reader.read()
    assert first == read_page_version(store=any_store)
    for _ in range(3):
        with any_store.write() as conn:
            bump_page_version(conn)
        assert reader.read().version == read_page_version(store=any_store).version
    assert reader.read().version == first.version + 3
    # its connection never sits in a transaction, so writers are never held up by it
    with any_store.write() as conn:
        bump_page_version(conn)
    assert reader.read().version == first.version + 4
    reader.close()
    assert reader.read().version == first.version + 4  # reopens after a close
