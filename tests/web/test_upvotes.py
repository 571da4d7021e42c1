"""Upvotes: one per user per paper, toggling, and exact counts when many users
click at once (threads against SQLite and a real PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from web_samples import csrf_of

from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.papers import upsert_papers
from paperscope.store.upvotes import get_stats, set_upvote, toggle_upvote

USERS = 24


def _users(store: Store, n: int) -> list[int]:
    now = datetime.now(UTC)
    return [
        create_user(store=store, username=f"u{i}", email=None, password_hash=None, now=now).user_id
        for i in range(n)
    ]


def _run_at_once(work: list[threading.Thread]) -> None:
    for t in work:
        t.start()
    for t in work:
        t.join()


def test_concurrent_clicks_count_exactly(any_store: Store) -> None:
    upsert_papers(
        store=any_store,
        papers_in=[Paper(paper_id="2401.00001", title="T", source="text", external_upvotes=5)],
    )
    ids = _users(any_store, USERS)
    barrier = threading.Barrier(USERS)
    errors: list[BaseException] = []

    def click(user_id: int) -> None:
        try:
            barrier.wait()
            toggle_upvote(
                store=any_store, user_id=user_id, paper_id="2401.00001", now=datetime.now(UTC)
            )
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    _run_at_once([threading.Thread(target=click, args=(u,)) for u in ids])
    assert not errors
    stats = get_stats(store=any_store, paper_ids=["2401.00001"])["2401.00001"]
    assert stats.upvotes == USERS and stats.total_upvotes == USERS + 5

    # the same users all set "upvoted" again at once: idempotent, still exactly N
    barrier = threading.Barrier(USERS)

    def again(user_id: int) -> None:
        barrier.wait()
        set_upvote(
            store=any_store,
            user_id=user_id,
            paper_id="2401.00001",
            upvoted=True,
            now=datetime.now(UTC),
        )

    _run_at_once([threading.Thread(target=again, args=(u,)) for u in ids])
    assert get_stats(store=any_store, paper_ids=["2401.00001"])["2401.00001"].upvotes == USERS


def test_toggle_through_the_button_and_the_api(alice: TestClient, bob: TestClient) -> None:
    token = csrf_of(alice, "/papers/2410.17243")
    r = alice.post(
        "/papers/2410.17243/upvote", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and 'aria-pressed="true"' in r.text and ">65<" in r.text
    assert "<html" not in r.text  # htmx gets just the button
    r = alice.post(
        "/papers/2410.17243/upvote",
        data={"csrf_token": token},
        headers={"referer": "http://testserver/daily/2024-10-25"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/daily/2024-10-25"  # no-JS fallback
    assert alice.get("/api/v1/papers/2410.17243").json()["upvoted"] is False
    bob_token = csrf_of(bob, "/")
    for _ in range(2):  # idempotent
        r = bob.post(
            "/api/v1/papers/2410.17243/upvote",
            json={"upvoted": True},
            headers={"X-CSRF-Token": bob_token},
        )
        assert r.json() == {"paper_id": "2410.17243", "upvoted": True, "upvotes": 65}
    r = bob.delete("/api/v1/papers/2410.17243/upvote", headers={"X-CSRF-Token": bob_token})
    assert r.json()["upvotes"] == 64


def test_upvoted_is_true_or_false_only(alice: TestClient) -> None:
    """Documented as {"upvoted": true|false}: anything else is refused by name, not
    guessed at ("off" or "no" read as a vote either way would surprise someone)."""
    token = csrf_of(alice, "/")
    paper = "/api/v1/papers/2410.17243/upvote"
    for value in ("yes", "no", "off", "true", 1, 0, None):
        r = alice.post(paper, json={"upvoted": value}, headers={"X-CSRF-Token": token})
        assert r.status_code == 422, value
        error = r.json()["error"]
        assert error["code"] == "invalid_request"
        assert error["message"] == "Upvoted must be true or false."
        assert [f["field"] for f in error["details"]["fields"]] == ["upvoted"]
    assert alice.get("/api/v1/papers/2410.17243").json()["upvoted"] is False
    for value in (True, False):
        r = alice.post(paper, json={"upvoted": value}, headers={"X-CSRF-Token": token})
        assert r.status_code == 200 and r.json()["upvoted"] is value


def test_anonymous_upvote_asks_to_sign_in(client: TestClient) -> None:
    html = client.get("/papers/2410.17243").text
    assert "/signin?next=" in html and "Sign in to upvote" in html
    r = client.post("/api/v1/papers/2410.17243/upvote", headers={"X-CSRF-Token": csrf_of(client)})
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"
