"""A reader's marks on a page of papers, and the titles of their collections, on
SQLite and PostgreSQL: only their own, only the ids asked for, any number of ids."""

from __future__ import annotations

from datetime import UTC, datetime

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.collections import collection_titles, create_collection
from paperscope.store.library import save_paper
from paperscope.store.papers import upsert_papers
from paperscope.store.reader_marks import reader_marks
from paperscope.store.upvotes import set_upvote, upvoted_by

NOW = datetime(2024, 10, 26, tzinfo=UTC)


def test_marks_are_the_readers_own(any_store: Store) -> None:
    papers = [
        Paper(
            paper_id=f"2601.0000{i}",
            arxiv_id=f"2601.0000{i}",
            title=f"Paper {i}",
            abstract="Plain.",
            authors=("Ada Lovelace",),
            source="text",
        )
        for i in range(1, 5)
    ]
    upsert_papers(store=any_store, papers_in=papers)
    ids = [p.paper_id for p in papers]
    alice = create_user(store=any_store, username="alice", email=None, password_hash=None, now=NOW)
    bob = create_user(store=any_store, username="bob", email=None, password_hash=None, now=NOW)
    set_upvote(store=any_store, user_id=alice.user_id, paper_id=ids[0], upvoted=True, now=NOW)
    set_upvote(store=any_store, user_id=bob.user_id, paper_id=ids[1], upvoted=True, now=NOW)
    save_paper(store=any_store, user_id=alice.user_id, paper_id=ids[0], now=NOW)
    save_paper(store=any_store, user_id=alice.user_id, paper_id=ids[2], now=NOW)

    mine = reader_marks(store=any_store, user_id=alice.user_id, paper_ids=ids)
    assert mine.upvoted == {ids[0]} and mine.saved == {ids[0], ids[2]}
    theirs = reader_marks(store=any_store, user_id=bob.user_id, paper_ids=ids)
    assert theirs.upvoted == {ids[1]} and theirs.saved == frozenset()
    # only the ids asked for; none asked, no marks; more ids than one statement takes
    assert reader_marks(store=any_store, user_id=alice.user_id, paper_ids=ids[1:]).saved == {ids[2]}
    assert reader_marks(store=any_store, user_id=alice.user_id, paper_ids=[]).upvoted == set()
    many = [f"2501.{n:05d}" for n in range(1200)] + ids
    assert reader_marks(store=any_store, user_id=alice.user_id, paper_ids=many) == mine
    assert upvoted_by(store=any_store, user_id=alice.user_id, paper_ids=many) == {ids[0]}
    assert upvoted_by(store=any_store, user_id=bob.user_id, paper_ids=many) == {ids[1]}


def test_collection_titles_in_the_listing_order(any_store: Store) -> None:
    alice = create_user(store=any_store, username="alice", email=None, password_hash=None, now=NOW)
    bob = create_user(store=any_store, username="bob", email=None, password_hash=None, now=NOW)
    first = create_collection(
        store=any_store,
        user_id=alice.user_id,
        title="First",
        description="",
        is_public=False,
        now=NOW,
    )
    later = create_collection(
        store=any_store,
        user_id=alice.user_id,
        title="Later <&>",
        description="",
        is_public=True,
        now=NOW.replace(hour=1),
    )
    create_collection(
        store=any_store, user_id=bob.user_id, title="Bob's", description="", is_public=True, now=NOW
    )
    assert collection_titles(store=any_store, user_id=alice.user_id) == [
        (later.collection_id, "Later <&>"),
        (first.collection_id, "First"),
    ]
    assert collection_titles(store=any_store, user_id=alice.user_id, limit=1) == [
        (later.collection_id, "Later <&>")
    ]
