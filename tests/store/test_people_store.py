"""Collections, claims, follows and e-mail verification in the store, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.people.claims import (
    ClaimOutcome,
    ClaimRefused,
    claim_paper,
    matching_domain,
    printed_domains,
)
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.claims import (
    accounts_for_author,
    approved_claimant_ids,
    approved_claimants,
    claimed_paper_ids,
    decide_claim,
    list_claims,
)
from paperscope.store.collections import (
    add_item,
    create_collection,
    delete_collection,
    get_collection,
    list_collections,
    list_items,
    move_item,
    remove_item,
    reorder_items,
    toggle_collection_upvote,
)
from paperscope.store.email_verification import mark_email_verified, verified_email
from paperscope.store.follows import follow, followed_papers, target_of, unfollow
from paperscope.store.papers import upsert_papers
from paperscope.store.submissions import add_submission

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def _papers() -> list[Paper]:
    return [
        Paper(
            paper_id=f"2601.0000{i}",
            arxiv_id=f"2601.0000{i}",
            title=f"Paper number {i} about sparse attention",
            abstract="Correspondence: ada@cs.uni.edu." if i == 1 else "Plain abstract.",
            authors=("Ada Lovelace", "Alan Turing") if i < 4 else ("Grace Hopper",),
            source="text",
        )
        for i in range(1, 5)
    ]


def _claim(
    store: Store, settings: Settings, user_id: int, paper_id: str, author: str
) -> ClaimOutcome:
    return claim_paper(
        store=store,
        settings=settings,
        user_id=user_id,
        paper_id=paper_id,
        author_name=author,
        now=NOW,
    )


@pytest.fixture
def people(any_store: Store) -> tuple[Store, int, int]:
    upsert_papers(store=any_store, papers_in=_papers())
    ada = create_user(
        store=any_store, username="ada", email="ada@cs.uni.edu", password_hash=None, now=NOW
    )
    bob = create_user(
        store=any_store, username="bob", email="bob@gmail.com", password_hash=None, now=NOW
    )
    return any_store, ada.user_id, bob.user_id


def test_collection_items_keep_their_order_and_notes(people: tuple[Store, int, int]) -> None:
    store, ada, bob = people
    c = create_collection(
        store=store, user_id=ada, title="Reading", description="d", is_public=False, now=NOW
    )
    for pid in ("2601.00003", "2601.00001", "2601.00002"):
        assert add_item(
            store=store, collection_id=c.collection_id, paper_id=pid, note=None, now=NOW
        )
    # Adding again changes only the note.
    assert not add_item(
        store=store,
        collection_id=c.collection_id,
        paper_id="2601.00001",
        note="key result",
        now=NOW,
    )
    items = list_items(store=store, collection_id=c.collection_id)
    assert [i.paper_id for i in items] == ["2601.00003", "2601.00001", "2601.00002"]
    assert items[1].note == "key result"
    assert move_item(
        store=store, collection_id=c.collection_id, paper_id="2601.00002", offset=-5, now=NOW
    )
    order = [i.paper_id for i in list_items(store=store, collection_id=c.collection_id)]
    assert order == ["2601.00002", "2601.00003", "2601.00001"]
    # A reorder must name every item exactly once.
    assert not reorder_items(
        store=store, collection_id=c.collection_id, paper_ids=["2601.00001"], now=NOW
    )
    assert remove_item(store=store, collection_id=c.collection_id, paper_id="2601.00003", now=NOW)
    found = get_collection(store=store, collection_id=c.collection_id)
    assert found is not None and found.item_count == 2 and found.owner == "ada"
    assert list_collections(store=store, user_id=ada, public_only=True) == []
    assert [x.title for x in list_collections(store=store, user_id=ada, public_only=False)] == [
        "Reading"
    ]
    assert toggle_collection_upvote(
        store=store, collection_id=c.collection_id, user_id=bob, now=NOW
    ) == (True, 1)
    assert toggle_collection_upvote(
        store=store, collection_id=c.collection_id, user_id=bob, now=NOW
    ) == (False, 0)
    assert delete_collection(store=store, collection_id=c.collection_id)
    assert get_collection(store=store, collection_id=c.collection_id) is None


def test_claim_waits_for_an_admin_then_shows_everywhere(
    people: tuple[Store, int, int], settings: Settings
) -> None:
    store, ada, bob = people
    outcome = _claim(store, settings, bob, "2601.00002", "alan TURING")
    assert not outcome.auto_approved and outcome.claim.author_name == "Alan Turing"
    assert approved_claimant_ids(store=store, paper_id="2601.00002") == set()
    pending, total = list_claims(store=store)
    assert total == 1 and pending[0].username == "bob"
    decide_claim(
        store=store, claim_id=pending[0].claim_id, approve=True, decided_by="admin:root", now=NOW
    )
    assert approved_claimant_ids(store=store, paper_id="2601.00002") == {bob}
    assert approved_claimants(store=store, paper_ids=["2601.00002", "2601.00004"]) == {
        "2601.00002": {bob},
        "2601.00004": set(),
    }
    assert accounts_for_author(store=store, name="Alan Turing") == [(bob, "bob")]
    assert claimed_paper_ids(store=store, user_id=bob) == (["2601.00002"], 1)
    with pytest.raises(ClaimRefused, match="already claimed"):
        _claim(store, settings, bob, "2601.00002", "Alan Turing")
    with pytest.raises(ClaimRefused, match="not an author"):
        _claim(store, settings, ada, "2601.00004", "Ada Lovelace")


def test_verified_domain_matching_the_paper_approves_at_once(
    people: tuple[Store, int, int], settings: Settings
) -> None:
    store, ada, _ = people
    # Unverified: waits.
    first = _claim(store, settings, ada, "2601.00002", "Ada Lovelace")
    assert not first.auto_approved
    assert mark_email_verified(store=store, user_id=ada, email="ada@cs.uni.edu", now=NOW)
    assert verified_email(store=store, user_id=ada) == ("ada@cs.uni.edu", NOW)
    # Verified, and paper 1 prints an address at cs.uni.edu: approved.
    second = _claim(store, settings, ada, "2601.00001", "Ada Lovelace")
    assert second.auto_approved and second.claim.decided_by == "email-domain:cs.uni.edu"
    # The setting off: waits again.
    off = settings.model_copy(update={"claims_auto_approve": False})
    third = _claim(store, off, ada, "2601.00003", "Ada Lovelace")
    assert third.claim.status == "pending"


def test_domain_rule() -> None:
    paper = _papers()[0].replace(comments="Contact x@gmail.com or y@Lab.Example.ORG")
    assert printed_domains(paper) == {"cs.uni.edu", "gmail.com", "lab.example.org"}
    assert matching_domain("cs.uni.edu", {"uni.edu"}) == "uni.edu"
    assert matching_domain("uni.edu", {"cs.uni.edu"}) is None  # never upwards
    assert matching_domain("gmail.com", {"gmail.com"}) is None  # webmail never matches
    assert matching_domain("evil-uni.edu", {"uni.edu"}) is None


def test_followed_authors_and_accounts_bring_papers(people: tuple[Store, int, int]) -> None:
    store, ada, bob = people
    since = NOW - timedelta(days=400)
    until = datetime.now(UTC) + timedelta(minutes=1)
    assert follow(
        store=store,
        user_id=ada,
        kind="author",
        target=target_of("author", "Grace Hopper"),
        label="Grace Hopper",
        now=NOW,
    )
    found = followed_papers(store=store, user_id=ada, since=since, until=until)
    assert [f.paper_id for f in found] == ["2601.00004"]
    assert found[0].reason == "Because you follow Grace Hopper"
    add_submission(
        store=store,
        user_id=bob,
        paper_id="2601.00002",
        feed_date=NOW.date(),
        now=until - timedelta(seconds=30),
        daily_cap=10,
    )
    follow(
        store=store, user_id=ada, kind="user", target=target_of("user", bob), label="bob", now=NOW
    )
    found = followed_papers(store=store, user_id=ada, since=since, until=until)
    assert {(f.paper_id, f.how) for f in found} == {
        ("2601.00004", "author"),
        ("2601.00002", "submitted"),
    }
    assert unfollow(
        store=store, user_id=ada, kind="author", target=target_of("author", "grace hopper")
    )
    found = followed_papers(store=store, user_id=ada, since=since, until=until)
    assert [f.paper_id for f in found] == ["2601.00002"]
    # Nothing arrived after ``until``.
    assert followed_papers(store=store, user_id=ada, since=until, until=until + timedelta(1)) == []
