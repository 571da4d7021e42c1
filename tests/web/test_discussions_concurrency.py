"""32 clients posting comments and upvoting comments at once over HTTP, against a live
server on SQLite and on PostgreSQL: no comment is lost and every count is exact."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx

from loopback_server import serve_app
from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.papers import upsert_papers
from paperscope.web.app import create_app
from paperscope.web.auth import create_api_token

CLIENTS = 32
POSTS_EACH = 3
PAPER = "2401.00042"


@contextmanager
def _live(settings: Settings, store: Store) -> Iterator[str]:
    with serve_app(create_app(settings, store=store)) as url:
        yield url


def _tokens(store: Store) -> list[str]:
    now = datetime.now(UTC)
    out = []
    for i in range(CLIENTS):
        user = create_user(store=store, username=f"c{i}", email=None, password_hash=None, now=now)
        out.append(create_api_token(store=store, user=user, name="load")[1])
    return out


def _at_once(work: list[threading.Thread]) -> None:
    for t in work:
        t.start()
    for t in work:
        t.join()


def test_many_clients_post_and_vote_at_once(any_store: Store, settings: Settings) -> None:
    upsert_papers(store=any_store, papers_in=[Paper(paper_id=PAPER, title="Load", source="text")])
    tokens = _tokens(any_store)
    errors: list[str] = []
    with _live(settings, any_store) as url:
        target = httpx.post(
            f"{url}/api/v1/papers/{PAPER}/comments",
            json={"body": "vote on me"},
            headers={"Authorization": f"Bearer {tokens[0]}"},
        ).json()["comment_id"]
        barrier = threading.Barrier(CLIENTS)

        def client(i: int, token: str) -> None:
            auth = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=url, headers=auth, timeout=60) as http:
                barrier.wait()
                for n in range(POSTS_EACH):
                    parent = target if n == 1 else None
                    r = http.post(
                        f"/api/v1/papers/{PAPER}/comments",
                        json={"body": f"client {i} post {n}", "parent_id": parent},
                    )
                    if r.status_code != 201:
                        errors.append(f"post {i}/{n}: {r.status_code} {r.text}")
                r = http.post(f"/api/v1/comments/{target}/upvote")
                if r.status_code != 200:
                    errors.append(f"vote {i}: {r.status_code} {r.text}")

        _at_once([threading.Thread(target=client, args=(i, t)) for i, t in enumerate(tokens)])
        assert errors == []
        page = httpx.get(f"{url}/api/v1/papers/{PAPER}/comments?limit=100").json()
        paper = httpx.get(f"{url}/api/v1/papers/{PAPER}").json()

    expected = 1 + CLIENTS * POSTS_EACH
    assert page["num_comments"] == expected and paper["num_comments"] == expected
    bodies = set()
    for thread in page["items"]:
        bodies.add(thread["body"])
        bodies.update(r["body"] for r in thread["replies"])
    assert bodies == {"vote on me"} | {
        f"client {i} post {n}" for i in range(CLIENTS) for n in range(POSTS_EACH)
    }
    voted = next(t for t in page["items"] if t["comment_id"] == target)
    assert voted["upvotes"] == CLIENTS and len(voted["replies"]) == CLIENTS
