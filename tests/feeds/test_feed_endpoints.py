"""RSS/Atom endpoints through the real app: valid per feedparser, the right entries,
dates and links, and HTTP caching (ETag / Last-Modified / 304)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser
import pytest
from fastapi.testclient import TestClient

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.library import save_paper
from paperscope.store.papers import upsert_papers
from paperscope.web.app import create_app

HOSTILE = '<script>alert("t")</script> Attention & <b>bold</b> $x^2$'


@pytest.fixture
def web(sample_store: Store, mail_settings: Settings) -> Iterator[TestClient]:
    upsert_papers(
        store=sample_store,
        papers_in=[
            Paper(
                paper_id="2401.99999",
                arxiv_id="2401.99999",
                title=HOSTILE,
                abstract="A & B <i>c</i>",
                authors=("Eve Hostile",),
                categories=("cs.CR",),
                primary_category="cs.CR",
                submitted_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            )
        ],
    )
    with TestClient(create_app(mail_settings, store=sample_store)) as client:
        yield client


def _parse(client: TestClient, path: str) -> feedparser.FeedParserDict:
    response = client.get(path)
    assert response.status_code == 200, response.text
    kind = "rss" if ".rss" in path else "atom"
    assert response.headers["content-type"].startswith(f"application/{kind}+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if kind == "rss" else "atom10")
    return parsed


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_daily_feed_lists_todays_papers_by_upvotes(web: TestClient, kind: str) -> None:
    feed = _parse(web, f"/daily.{kind}")
    assert len(feed.entries) == 20  # the sample's 20 papers in today's feed
    first = feed.entries[0]
    assert first.title.startswith("Calculation of prompt diphoton production")
    assert first.link == "https://papers.example.org/papers/0704.0001"
    assert first.published_parsed[:3] == (2007, 4, 2)
    assert "perturbative quantum chromodynamics" in first.summary
    assert [a.name for a in first.authors][:2] == ["C. Balázs", "E. L. Berger"]
    assert feed.feed.title.startswith("paperscope daily papers")


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_feed_links_its_html_page_and_itself(web: TestClient, kind: str) -> None:
    feed = _parse(web, f"/categories/hep-ph.{kind}")
    assert feed.feed.link == "https://papers.example.org/categories/hep-ph"  # RSS <link> too
    [self_link] = [link for link in feed.feed.links if link.rel == "self"]
    assert self_link.href == f"https://papers.example.org/categories/hep-ph.{kind}"


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_category_and_author_feeds(web: TestClient, kind: str) -> None:
    category = _parse(web, f"/categories/hep-ph.{kind}")
    assert category.entries
    assert all("hep-ph" in [t.term for t in e.tags] for e in category.entries)
    author = _parse(web, f"/authors/C. Balázs.{kind}")
    assert [e.link.rsplit("/", 1)[1] for e in author.entries] == ["0704.0001"]
    # An arXiv category without papers here yet is a feed to follow; a made-up one, as
    # its page, is not found.
    assert _parse(web, f"/categories/q-fin.TR.{kind}").entries == []
    made_up = web.get(f"/categories/zz.ZZ.{kind}")
    assert made_up.status_code == 404 and "No category “zz.ZZ”" in made_up.text


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_trending_feed(web: TestClient, kind: str) -> None:
    trending = _parse(web, f"/trending.{kind}?window=day")
    assert trending.entries[0].link.endswith("/papers/0704.0001")  # 20 upvotes: the most


def test_search_feed_and_markup_in_titles(web: TestClient) -> None:
    feed = _parse(web, "/search.atom?q=Attention")
    [entry] = [e for e in feed.entries if e.link.endswith("2401.99999")]
    assert entry.title == HOSTILE  # carried as text, not markup
    assert web.get("/search.atom?q=").status_code == 400


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_markup_in_an_abstract_is_text_in_both_kinds(web: TestClient, kind: str) -> None:
    # RSS readers take a description for HTML: the abstract's "<i>" must arrive as the
    # characters a reader sees, not as markup (Atom says type="text" instead).
    feed = _parse(web, f"/search.{kind}?q=Attention")
    [entry] = [e for e in feed.entries if e.link.endswith("2401.99999")]
    if kind == "atom":
        assert entry.summary_detail.type == "text/plain" and entry.summary == "A & B <i>c</i>"
    else:  # HTML whose text is the abstract, with no element in it
        assert entry.summary_detail.type == "text/html" and "<" not in entry.summary
        assert html.unescape(entry.summary) == "A & B <i>c</i>"
    raw = web.get(f"/search.{kind}?q=Attention").text
    if kind == "rss":
        assert "A &amp;amp; B &amp;lt;i&amp;gt;c&amp;lt;/i&amp;gt;" in raw
    else:
        assert raw.count("A &amp; B &lt;i&gt;c&lt;/i&gt;") == 1  # a summary, no copy as content


def test_a_search_feed_keeps_the_search_pages_filters(web: TestClient) -> None:
    page = web.get("/api/v1/search", params={"q": "Attention", "from": "2099-01-01"}).json()
    assert page["items"] == []
    assert page["feed_url"] == "/search.atom?q=Attention&from=2099-01-01"
    assert _parse(web, page["feed_url"]).entries == []
    assert _parse(web, "/search.atom?q=Attention").entries
    coded = web.get("/api/v1/search", params={"q": "Attention", "has_code": "true"}).json()
    assert coded["feed_url"] == "/search.atom?q=Attention&has_code=true"


def test_conditional_requests_get_304(web: TestClient) -> None:
    first = web.get("/daily.atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert web.get("/daily.atom").content == first.content  # stable body, stable ETag
    assert web.get("/daily.atom", headers={"If-None-Match": etag}).status_code == 304
    assert web.get("/daily.atom", headers={"If-None-Match": '"other"'}).status_code == 200
    # A date alone never gets a 304: the feed can change while its newest entry's date
    # stays (an upvote reorders it), so only the body's ETag says it is the same.
    same_date = web.get("/daily.atom", headers={"If-Modified-Since": modified})
    assert same_date.status_code == 200 and same_date.content == first.content


def test_public_tag_feed_shows_only_published_tags(web: TestClient, sample_store: Store) -> None:
    import re

    signup = web.get("/signup").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', signup).group(1)  # type: ignore[union-attr]
    r = web.post(
        "/signup",
        data={
            "username": "tagger",
            "email": "",
            "password": "correct horse battery",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    from paperscope.store.accounts import find_user

    found = find_user(store=sample_store, username="tagger")
    assert found is not None
    user = found[0]
    save_paper(
        store=sample_store,
        user_id=user.user_id,
        paper_id="0704.0001",
        now=datetime.now(UTC),
        tags=["colliders"],
    )
    assert _parse(web, "/tags/colliders.atom").entries == []
    page = web.get("/settings/subscriptions")
    assert page.status_code == 200 and "colliders" in page.text and "Make public" in page.text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = web.post(
        "/settings/tags",
        data={"tag": "colliders", "public": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    rss = _parse(web, "/tags/colliders.rss")
    [entry] = rss.entries
    assert entry.link.endswith("/papers/0704.0001")
    assert rss.feed.link == "https://papers.example.org/"  # an HTML page, not a feed
