"""The daily feed narrowed to one category: the chips with their counts, the filter in
any case, links to other periods that keep it, the feed and mail that follow it, and
an honest empty page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import unescape

import feedparser
import pytest
from fastapi.testclient import TestClient

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.papers import upsert_papers
from paperscope.store.upvotes import toggle_upvote
from paperscope.web.app import create_app

DAY = date(2024, 1, 25)


def _paper(pid: str, *categories: str, day: date = DAY) -> Paper:
    return Paper(
        paper_id=pid, arxiv_id=pid, title=f"Paper {pid} on {categories[0]}",
        categories=categories, primary_category=categories[0], feed_date=day,
        submitted_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC), source="oai-pmh",
    )  # fmt: skip


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    upsert_papers(
        store=store,
        papers_in=[
            _paper("2401.00001", "cs.LG", "stat.ML"),
            _paper("2401.00002", "cs.LG"),
            _paper("2401.00003", "cs.CL", "cs.LG"),
            _paper("2401.00004", "hep-th"),
            _paper("2401.00005", "cs.CL", day=date(2024, 1, 24)),
            _paper("2401.00006", "hep-th", day=date(2024, 1, 26)),
        ],
    )
    with TestClient(create_app(settings, store=store)) as c:
        yield c


def _chips(html: str) -> list[tuple[str, str, bool]]:
    nav = html.split('data-testid="feed-categories">', 1)[1].split("</nav>", 1)[0]
    found = re.findall(r'<a class="chip" href="([^"]+)"( aria-current="true")?>([^<]+)', nav)
    return [(label.strip(), unescape(href), bool(current)) for href, current, label in found]


def test_the_days_categories_are_chips_with_counts_that_narrow_it(client: TestClient) -> None:
    data = client.get("/api/v1/daily/2024-01-25").json()
    assert data["pagination"]["total"] == 4 and data["category"] is None
    counts = [(c["label"], c["count"]) for c in data["category_counts"]]
    assert counts == [("cs.LG", 3), ("cs.CL", 1), ("hep-th", 1), ("stat.ML", 1)]

    html = client.get("/daily/2024-01-25?sort=newest").text
    chips = _chips(html)
    assert chips[0] == ("All categories", "/daily/2024-01-25?sort=newest", True)
    assert ("cs.LG", "/daily/2024-01-25?sort=newest&category=cs.LG", False) in chips

    narrowed = client.get("/api/v1/daily/2024-01-25?category=cs.LG").json()
    ids = sorted(item["paper_id"] for item in narrowed["items"])
    assert ids == ["2401.00001", "2401.00002", "2401.00003"]  # cross-listed included
    assert narrowed["pagination"]["total"] == 3 and narrowed["category"] == "cs.LG"
    # The chips still show the whole day, so a reader can switch to another category.
    assert [(c["label"], c["count"]) for c in narrowed["category_counts"]] == counts


def test_the_filter_takes_any_case_and_a_whole_archive(client: TestClient) -> None:
    lower = client.get("/api/v1/daily/2024-01-25?category=CS.lg").json()
    assert lower["category"] == "cs.LG" and lower["pagination"]["total"] == 3
    archive = client.get("/api/v1/daily/2024-01-25?category=cs").json()
    assert archive["pagination"]["total"] == 3
    blank = client.get("/api/v1/daily/2024-01-25?category=%20").json()
    assert blank["category"] is None and blank["pagination"]["total"] == 4


def test_other_periods_keep_the_category_and_the_feed_follows_it(client: TestClient) -> None:
    html = client.get("/daily/2024-01-25?category=cs.CL").text
    assert "New cs.CL papers by mail" in html
    links = {unescape(h) for h in re.findall(r'href="([^"]+)"', html)}
    assert "/daily/2024-01-24?category=cs.CL" in links  # previous day
    assert "/daily/week/2024-W04?category=cs.CL" in links  # the Week switch
    assert "/subscribe?category=cs.CL" in links
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert "/categories/cs.CL.atom" in links
    # The page number does not carry over to another category.
    chips = dict((label, href) for label, href, _ in _chips(html))
    assert "page=" not in chips["cs.LG"]


def test_a_category_with_no_papers_that_day_says_so(client: TestClient) -> None:
    html = client.get("/daily/2024-01-25?category=math.CO").text
    assert "There were no papers in math.CO that day." in html
    # The chosen category shows as the current chip even with nothing in it.
    assert ("math.CO", "/daily/2024-01-25?category=math.CO", True) in _chips(html)
    too_long = client.get("/api/v1/daily/2024-01-25?category=" + "x" * 101)
    assert too_long.status_code == 422 and "category" in too_long.text


def test_trending_narrows_to_a_category_and_falls_back_within_it(
    client: TestClient, store: Store
) -> None:
    now = datetime.now(UTC)
    reader = create_user(store=store, username="r", email=None, password_hash=None, now=now)
    for paper_id in ("2401.00001", "2401.00003", "2401.00004"):
        toggle_upvote(store=store, user_id=reader.user_id, paper_id=paper_id, now=now)
    data = client.get("/api/v1/trending?window=day").json()
    counts = [(c["label"], c["count"]) for c in data["category_counts"]]
    assert counts == [("cs.LG", 2), ("cs.CL", 1), ("hep-th", 1), ("stat.ML", 1)]
    narrowed = client.get("/api/v1/trending?window=day&category=CS.LG").json()
    assert narrowed["category"] == "cs.LG" and narrowed["notice"] is None
    assert {p["paper_id"] for p in narrowed["items"]} == {"2401.00001", "2401.00003"}
    # Nothing trends in math.CO: the latest math.CO papers, and the notice says so.
    empty = client.get("/api/v1/trending?window=day&category=math.CO").json()
    assert empty["notice"] == (
        "No paper in math.CO has been upvoted, saved or submitted in the last day; "
        "showing the latest papers in math.CO instead."
    )
    assert empty["items"] == []
    hep = client.get("/api/v1/trending?window=day&category=hep-th&sort=newest").json()
    assert [p["paper_id"] for p in hep["items"]] == ["2401.00004"]
    html = client.get("/trending?window=day&category=cs.LG").text
    assert ("cs.LG", "/trending?window=day&category=cs.LG", True) in _chips(html)
    assert ("All categories", "/trending?window=day", False) in _chips(html)


def test_trending_narrowed_is_followed_as_its_own_feed(client: TestClient, store: Store) -> None:
    now = datetime.now(UTC)
    reader = create_user(store=store, username="r", email=None, password_hash=None, now=now)
    for paper_id in ("2401.00001", "2401.00004"):
        toggle_upvote(store=store, user_id=reader.user_id, paper_id=paper_id, now=now)
    page = client.get("/api/v1/trending?window=day&category=cs.lg").json()
    assert page["feed_url"] == "/trending.atom?window=day&category=cs.LG"
    # Its mail is narrowed too: the form comes prefilled with the category.
    assert (page["alert_url"], page["alert_label"]) == (
        "/subscribe?trending=day&trending_category=cs.LG",
        "Trending in cs.LG by mail",
    )
    form = client.get(page["alert_url"]).text
    assert re.search(r'name="trending_category"[^>]*value="cs\.LG"', form)
    assert re.search(r'<option value="day" selected>', form)
    whole_site = client.get("/api/v1/trending?window=day").json()
    assert whole_site["alert_url"] == "/subscribe?trending=day"
    assert whole_site["alert_label"] == "Get these by mail"
    narrowed = feedparser.parse(client.get(page["feed_url"]).text)
    assert narrowed.feed.title == "paperscope trending papers in cs.LG (day)"
    assert [e.link.rsplit("/", 1)[1] for e in narrowed.entries] == ["2401.00001"]
    whole = feedparser.parse(client.get("/trending.atom?window=day").text)
    assert {e.link.rsplit("/", 1)[1] for e in whole.entries} == {"2401.00001", "2401.00004"}


def test_a_whole_archive_has_a_feed_as_it_has_a_page(client: TestClient) -> None:
    page = client.get("/api/v1/categories/cs").json()
    assert page["pagination"]["total"] == 4  # cs.LG and cs.CL papers of every day
    feed = feedparser.parse(client.get("/categories/cs.atom").text)
    assert {e.link.rsplit("/", 1)[1] for e in feed.entries} == {
        item["paper_id"] for item in page["items"]
    }


def test_a_category_address_in_another_case_moves_to_arxivs_spelling(client: TestClient) -> None:
    for typed, spelled in [
        ("/categories/cs.lg?sort=oldest", "/categories/cs.LG?sort=oldest"),
        ("/api/v1/categories/CS.LG", "/api/v1/categories/cs.LG"),
        ("/categories/CS", "/categories/cs"),
        ("/categories/HEP-TH.atom", "/categories/hep-th.atom"),
        ("/categories/cs.lg.rss", "/categories/cs.LG.rss"),
    ]:
        moved = client.get(typed, follow_redirects=False)
        assert (moved.status_code, moved.headers["location"]) == (301, spelled)
    assert client.get("/api/v1/categories/cs.lg").json()["pagination"]["total"] == 3
    # arXiv's own spelling, and a name arXiv does not have, are answered where they are.
    assert client.get("/categories/cs.LG", follow_redirects=False).status_code == 200
    assert client.get("/categories/zz.QQ", follow_redirects=False).status_code == 404
