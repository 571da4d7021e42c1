"""HTTP caching of the public pages: validators and 304s, invalidation by writes, and
no sharing of anything that belongs to one reader (sessions, CSRF tokens)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from web_samples import HF_DAY, csrf_of

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.page_versions import read_page_version
from paperscope.store.papers import upsert_papers
from paperscope.web import page_cache
from paperscope.web.app import create_app
from paperscope.web.page_cache import CachedPage, PageLru

PAPER = "2410.17243"  # in the HF sample
PUBLIC = [
    "/",
    f"/daily/{HF_DAY}",
    f"/api/v1/daily/{HF_DAY}",
    "/trending?window=month",
    "/api/v1/trending",
    f"/papers/{PAPER}",
    f"/api/v1/papers/{PAPER}",
    "/categories/cs.CL",
    "/api/v1/categories/cs?sort=oldest",
    "/authors/Zesen%20Cheng",
    "/api/v1/authors/Zesen%20Cheng",
]
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN_META = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture(autouse=True)
def still_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages that follow the clock are rendered again when the cache's time bucket turns,
    with a later Last-Modified and ETag; hold the cache's clock so no test straddles a
    turn."""
    now = time.time()
    monkeypatch.setattr(page_cache, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture
def anon(client: TestClient) -> TestClient:
    return client


def _upvotes(client: TestClient) -> int:
    return int(client.get(f"/api/v1/papers/{PAPER}").json()["upvotes"])


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_carry_validators_and_answer_304(anon: TestClient, path: str) -> None:
    first = anon.get(path)
    assert first.status_code == 200
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert "must-revalidate" in first.headers["cache-control"]
    assert "Cookie" in first.headers["vary"] and "Authorization" in first.headers["vary"]
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert parsedate_to_datetime(modified) <= datetime.now(UTC) + timedelta(seconds=1)
    # a shared copy must never hand one browser's cookie or token to the next
    assert "set-cookie" not in first.headers
    assert not TOKEN_FIELD.search(first.text) and not TOKEN_META.search(first.text)

    again = anon.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert anon.get(path, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert anon.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    older = formatdate(parsedate_to_datetime(modified).timestamp() - 3600, usegmt=True)
    stale = anon.get(path, headers={"If-Modified-Since": older})
    assert stale.status_code == 200 and stale.content == first.content
    assert anon.get(path, headers={"If-None-Match": '"not-it"'}).status_code == 200
    # a garbled date is ignored, never an error
    assert anon.get(path, headers={"If-Modified-Since": "yesterday-ish"}).status_code == 200


def test_an_upvote_changes_the_etag_and_shows_at_once(anon: TestClient, alice: TestClient) -> None:
    page = f"/papers/{PAPER}"
    before = anon.get(page)
    count = _upvotes(anon)
    token = csrf_of(alice, page)
    r = alice.post(f"/api/v1/papers/{PAPER}/upvote", headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["upvotes"] == count + 1

    assert _upvotes(anon) == count + 1
    after = anon.get(page)
    assert after.headers["etag"] != before.headers["etag"]
    assert f"({count + 1} upvotes)" in after.text
    assert anon.get(page, headers={"If-None-Match": before.headers["etag"]}).status_code == 200
    daily = anon.get(f"/api/v1/daily/{HF_DAY}").json()["items"]
    assert next(c["upvotes"] for c in daily if c["paper_id"] == PAPER) == count + 1


def test_a_follow_shows_at_once_on_the_authors_cached_page(
    anon: TestClient, alice: TestClient
) -> None:
    page = "/api/v1/authors/Zesen%20Cheng"
    before = anon.get(page)
    assert before.headers["cache-control"].startswith("public")
    followers = before.json()["followers"]
    assert anon.get(page, headers={"If-None-Match": before.headers["etag"]}).status_code == 304
    token = {"X-CSRF-Token": csrf_of(alice, "/")}
    body = {"kind": "author", "name": "Zesen Cheng"}
    assert alice.post("/api/v1/follows", json=body, headers=token).status_code == 200
    after = anon.get(page)
    assert after.json()["followers"] == followers + 1
    assert after.headers["etag"] != before.headers["etag"]
    params = {"kind": "author", "name": "Zesen Cheng"}
    assert alice.delete("/api/v1/follows", params=params, headers=token).status_code == 200
    assert anon.get(page).json()["followers"] == followers


def test_signed_in_pages_are_private_and_never_from_the_shared_cache(
    anon: TestClient, alice: TestClient
) -> None:
    page = f"/papers/{PAPER}"
    anon.get(page)  # the anonymous copy is now cached
    token = csrf_of(alice, page)
    alice.post(f"/api/v1/papers/{PAPER}/upvote", headers={"X-CSRF-Token": token})
    anon.get(page)  # and cached again at the new version

    mine = alice.get(page)
    assert mine.headers["cache-control"] == "private, no-store"
    assert "etag" not in mine.headers
    assert 'aria-pressed="true"' in mine.text and "alice" in mine.text
    assert TOKEN_FIELD.search(mine.text).group(1) == token  # type: ignore[union-attr]
    for path in PUBLIC:
        assert alice.get(path).headers["cache-control"] == "private, no-store", path
    # and what alice saw never reaches anyone else
    theirs = anon.get(page)
    assert "alice" not in theirs.text and 'aria-pressed="true"' not in theirs.text
    # an API token is personal too
    api = anon.get(f"/api/v1/papers/{PAPER}", headers={"Authorization": "Bearer ps_wrong"})
    assert api.status_code == 401 and "public" not in api.headers.get("cache-control", "")


@pytest.mark.parametrize("path", ["/signin", "/signup", "/submit", "/search?q=vision"])
def test_pages_with_a_csrf_token_are_never_public(anon: TestClient, path: str) -> None:
    r = anon.get(path, follow_redirects=False)
    assert r.headers["cache-control"] == "private, no-store"
    assert "etag" not in r.headers
    if r.status_code == 200 and "csrf_token" in r.text:
        assert TOKEN_FIELD.search(r.text) or TOKEN_META.search(r.text)


def test_head_and_errors_are_not_shared(anon: TestClient) -> None:
    missing = anon.get("/papers/2401.99999")
    assert missing.status_code == 404
    assert missing.headers["cache-control"] == "private, no-store"
    assert anon.get("/static/css/app.css").headers.get("cache-control") != "private, no-store"


def test_markdown_twin_is_kept_apart(anon: TestClient) -> None:
    html = anon.get(f"/papers/{PAPER}")
    md = anon.get(f"/papers/{PAPER}", headers={"Accept": "text/markdown"})
    assert md.headers["content-type"].startswith("text/markdown")
    assert html.headers["content-type"].startswith("text/html")
    assert "Accept" in md.headers["vary"]
    assert md.headers["etag"] != html.headers["etag"]


@pytest.fixture
def uncached(settings: Settings, loaded_store: Store) -> Iterator[TestClient]:
    off = settings.model_copy(update={"page_cache": False})
    with TestClient(create_app(off, store=loaded_store)) as c:
        yield c


def test_cache_off_renders_every_time_and_shares_nothing(uncached: TestClient) -> None:
    r = uncached.get(f"/daily/{HF_DAY}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "private, no-store"
    assert TOKEN_META.search(r.text)  # rendered as before: the browser's own token


def test_single_user_mode_is_never_shared(settings: Settings, loaded_store: Store) -> None:
    one = settings.model_copy(update={"single_user": True})
    with TestClient(create_app(one, store=loaded_store)) as c:
        r = c.get(f"/papers/{PAPER}")
    assert r.headers["cache-control"] == "private, no-store"


def test_reading_the_version_sees_writes(anon: TestClient, loaded_store: Store) -> None:
    start = read_page_version(store=loaded_store)
    anon.get(f"/papers/{PAPER}")
    assert read_page_version(store=loaded_store) == start  # reading changes nothing


def test_signed_in_pages_show_each_write_at_once(alice: TestClient, bob: TestClient) -> None:
    """Personal pages reuse cards and feed ids memoised per data version; a write by
    anyone moves the version, so the next page is built from fresh data."""
    feed = f"/api/v1/daily/{HF_DAY}"

    def mine(client: TestClient) -> dict[str, object]:
        items = client.get(feed).json()["items"]
        return next(c for c in items if c["paper_id"] == PAPER)

    before = mine(alice)
    assert before["upvoted"] is False
    token = csrf_of(bob, f"/papers/{PAPER}")
    bob.post(f"/api/v1/papers/{PAPER}/upvote", headers={"X-CSRF-Token": token})
    seen = mine(alice)
    assert seen["upvotes"] == before["upvotes"] + 1 and seen["upvoted"] is False
    assert mine(bob)["upvoted"] is True
    detail = alice.get(f"/api/v1/papers/{PAPER}").json()
    assert detail["upvotes"] == seen["upvotes"] and detail["upvoted"] is False


def test_signed_in_category_pages_show_a_new_paper_at_once(
    alice: TestClient, loaded_store: Store
) -> None:
    """A category's list is memoised per data version for signed-in readers too; an
    import moves the version, so the next page lists the new paper and counts it."""
    page = "/api/v1/categories/cs"
    before = alice.get(page).json()
    assert alice.get(page).json() == before  # the same list at the same version
    new = Paper(
        paper_id="2612.00001",
        arxiv_id="2612.00001",
        title="A paper imported while readers browse",
        abstract="It should be listed first at once.",
        categories=("cs.CL",),
        submitted_at=datetime.now(UTC),
    )
    upsert_papers(store=loaded_store, papers_in=[new])
    after = alice.get(page).json()
    assert after["items"][0]["paper_id"] == "2612.00001"
    assert after["pagination"]["total"] == before["pagination"]["total"] + 1


def test_the_page_cache_stays_within_its_bytes() -> None:
    lru = PageLru(max_bytes=50_000)
    now = datetime.now(UTC)
    for n in range(100):  # e.g. a crawler walking ?page=1..100 with long queries
        body = b"x" * 4_000
        lru.put(
            ("/daily", b"q" * 500 + str(n).encode()), CachedPage(200, [], body, b'"e"', now, 520)
        )
        assert lru.used <= lru.max_bytes
    assert 0 < len(lru) < 100
    assert lru.get(("/daily", b"q" * 500 + b"99")) is not None  # the newest stays
    assert lru.get(("/daily", b"q" * 500 + b"0")) is None  # the oldest went
    lru.put(("/huge", b""), CachedPage(200, [], b"x" * 60_000, b'"e"', now))
    assert lru.get(("/huge", b"")) is None  # larger than the whole cache: not kept
