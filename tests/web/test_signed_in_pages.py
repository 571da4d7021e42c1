"""Signed-in pages built from shared, memoised parts (card bodies rendered once, feed
ids, discussions and approved claims per data version) with the reader's own parts
made per request: two readers on ONE app (one worker's memory), on SQLite and
PostgreSQL, never see each other's marks, tokens or collections, and each write
shows on the very next page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_samples import HF_DAY, csrf_of, hf_papers, sign_up

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts import find_user
from paperscope.store.claims import add_claim
from paperscope.store.papers import upsert_papers
from paperscope.web.app import create_app

PAPER = "2410.17243"  # in the HF sample, on HF_DAY's feed
DAILY = f"/daily/{HF_DAY}"
PAGE = f"/papers/{PAPER}"
TRENDING = "/trending?window=day"
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN_META = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def app_store(any_store: Store, shared_data: Path) -> Store:
    upsert_papers(store=any_store, papers_in=hf_papers(shared_data))
    return any_store


@pytest.fixture
def readers(settings: Settings, app_store: Store) -> Iterator[tuple[TestClient, TestClient]]:
    """alice and bob, two browsers on the same app (so the same memos and caches)."""
    app = create_app(settings.model_copy(update={"database_url": app_store.url}), store=app_store)
    with TestClient(app) as alice, TestClient(app) as bob:
        yield sign_up(alice, "alice"), sign_up(bob, "bob")


def _card(html: str, paper_id: str) -> str:
    found = re.search(
        rf'<li class="card[^"]*" data-paper-id="{re.escape(paper_id)}">.*?</li>', html, re.S
    )
    assert found, f"no card for {paper_id}"
    return found.group(0)


def _pressed(html: str, paper_id: str) -> bool:
    return 'aria-pressed="true"' in _card(html, paper_id)


def _upvote(client: TestClient, upvoted: bool = True) -> None:
    r = client.post(
        f"/api/v1/papers/{PAPER}/upvote",
        json={"upvoted": upvoted},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert r.status_code == 200, r.text


def test_an_upvote_and_a_save_show_at_once_and_only_to_their_reader(
    readers: tuple[TestClient, TestClient],
) -> None:
    alice, bob = readers
    for client in (alice, bob):  # both pages memoised and rendered before the writes
        assert not _pressed(client.get(DAILY).text, PAPER)
        client.get(TRENDING)
    _upvote(alice)
    saved = alice.put(f"/api/v1/library/{PAPER}", json={}, headers={"X-CSRF-Token": csrf_of(alice)})
    assert saved.status_code == 200, saved.text

    mine = alice.get(DAILY)
    assert mine.headers["cache-control"] == "private, no-store"
    assert _pressed(mine.text, PAPER) and "in library" in _card(mine.text, PAPER)
    theirs = bob.get(DAILY).text
    assert not _pressed(theirs, PAPER) and "in library" not in _card(theirs, PAPER)
    # the count is everyone's: bob sees it move too
    count = re.search(r'class="count">(\d+)<', _card(mine.text, PAPER))
    assert count and f'class="count">{count.group(1)}<' in _card(theirs, PAPER)
    assert 'aria-pressed="true"' in alice.get(PAGE).text
    assert 'aria-pressed="true"' not in bob.get(PAGE).text

    # trending is ranked once per data version: the upvote moves it at once
    for client, upvoted in ((alice, True), (bob, False)):
        items = client.get(f"/api/v1{TRENDING}").json()["items"]
        assert [c["upvoted"] for c in items if c["paper_id"] == PAPER] == [upvoted]
        assert _pressed(client.get(TRENDING).text, PAPER) is upvoted

    _upvote(alice, False)  # and taken back, at once as well
    assert not _pressed(alice.get(DAILY).text, PAPER)


def test_tokens_and_collection_menus_stay_with_their_reader(
    readers: tuple[TestClient, TestClient],
) -> None:
    alice, bob = readers
    r = alice.post(
        "/api/v1/collections",
        json={"title": "Alice's <secret> list"},
        headers={"X-CSRF-Token": csrf_of(alice)},
    )
    assert r.status_code == 201, r.text
    for path in (DAILY, PAGE, DAILY):
        mine, theirs = alice.get(path).text, bob.get(path).text
        assert "Alice&#39;s &lt;secret&gt; list" in mine or path == PAGE
        assert "secret" not in theirs
        for html in (mine, theirs):  # every form carries the page's own token
            meta = TOKEN_META.search(html)
            assert meta and set(TOKEN_FIELD.findall(html)) == {meta.group(1)}
        assert TOKEN_META.search(mine).group(1) != TOKEN_META.search(theirs).group(1)  # type: ignore[union-attr]
    card = _card(alice.get(DAILY).text, PAPER)
    assert '<select name="collection_id">' in card and f'value="{PAPER}"' in card


def test_a_new_comment_shows_on_the_cards_and_the_paper_page_at_once(
    readers: tuple[TestClient, TestClient],
) -> None:
    alice, bob = readers
    comments = re.compile(r'data-testid="card-comments">(\d+) comments?<')
    before = comments.search(_card(bob.get(DAILY).text, PAPER))
    count = int(before.group(1)) if before else 0
    bob.get(PAGE)  # the discussion memoised empty
    r = alice.post(
        f"/api/v1/papers/{PAPER}/comments",
        json={"body": "A remark about the memory barrier."},
        headers={"X-CSRF-Token": csrf_of(alice)},
    )
    assert r.status_code == 201, r.text
    after = comments.search(_card(bob.get(DAILY).text, PAPER))
    assert after and int(after.group(1)) == count + 1
    assert "A remark about the memory barrier." in bob.get(PAGE).text


def test_approved_claims_come_and_go_on_every_page_at_once(
    readers: tuple[TestClient, TestClient], app_store: Store
) -> None:
    alice, bob = readers
    found = find_user(store=app_store, username="alice")
    assert found is not None
    assert 'data-testid="claimed-authors"' not in bob.get(PAGE).text  # memoised: none yet
    add_claim(
        store=app_store,
        user_id=found[0].user_id,
        paper_id=PAPER,
        author_name="Zesen Cheng",
        now=datetime.now(UTC),
        approved_by="email-domain:example.org",
    )
    assert 'data-testid="claimed-authors"' in bob.get(PAGE).text
    r = alice.post(
        f"{PAGE}/claim",
        data={"csrf_token": csrf_of(alice), "action": "withdraw", "author_name": "Zesen Cheng"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert 'data-testid="claimed-authors"' not in bob.get(PAGE).text


def test_only_an_approved_author_may_set_the_links(
    readers: tuple[TestClient, TestClient], app_store: Store
) -> None:
    alice, bob = readers
    found = find_user(store=app_store, username="alice")
    assert found is not None

    def may_edit(client: TestClient) -> bool:
        return bool(client.get(f"/api/v1/papers/{PAPER}").json()["can_edit_links"])

    assert not may_edit(alice) and not may_edit(bob)
    add_claim(
        store=app_store,
        user_id=found[0].user_id,
        paper_id=PAPER,
        author_name="Zesen Cheng",
        now=datetime.now(UTC),
    )
    assert not may_edit(alice)  # pending is not enough
    r = alice.post(
        f"{PAGE}/claim",
        data={"csrf_token": csrf_of(alice), "action": "withdraw", "author_name": "Zesen Cheng"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    add_claim(
        store=app_store,
        user_id=found[0].user_id,
        paper_id=PAPER,
        author_name="Zesen Cheng",
        now=datetime.now(UTC),
        approved_by="email-domain:example.org",
    )
    assert may_edit(alice) and not may_edit(bob)
