"""The feed's links to other periods: the Day / Week / Month switch leads to the period
holding the current one's anchor day, the previous/next arrows and the switch keep the
reader's filters, every link at the calendar's ends opens a page, and week and month
views offer the feed and the mail that match them."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import feedparser
import pytest
from fastapi.testclient import TestClient
from web_samples import HF_DAY

from paperscope.web.routes import daily

TODAY = date(2026, 12, 6)  # a Sunday, in ISO week 2026-W49 (30 November - 6 December)


@pytest.fixture
def on_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daily, "today", lambda: TODAY)


def _switch(html: str) -> dict[str, str | None]:
    group = html.split('aria-label="Period">', 1)[1].split("</div>", 1)[0]
    links: dict[str, str | None] = {}
    for attrs, label in re.findall(r"<a([^>]*)>(Day|Week|Month)</a>", group):
        href = re.search(r'href="([^"]*)"', attrs)
        links[label.lower()] = unescape(href.group(1)) if href else None
    return links


def _arrows(html: str) -> list[str]:
    nav = html.split('class="daynav"', 1)[1].split("</nav>", 1)[0]
    return [unescape(h) for h in re.findall(r'<a class="button" href="([^"]+)"', nav)]


@pytest.mark.parametrize(
    ("path", "day", "week", "month"),
    [
        # A past month: its first day, and the week of its first Thursday (3-9 April),
        # not 27 March - 2 April.
        ("/daily/month/2023-04", "/daily/2023-04-01", "/daily/week/2023-W14", None),
        # The current month: today and this week, never the month's last (future) day.
        ("/daily/month/2026-12", "/daily/2026-12-06", "/daily/week/2026-W49", None),
        # The week holding today: today, and today's month.
        ("/daily/week/2026-W49", "/daily/2026-12-06", None, "/daily/month/2026-12"),
        # A past week: its Monday, and the month of its Thursday (1 June).
        ("/daily/week/2023-W22", "/daily/2023-05-29", None, "/daily/month/2023-06"),
        ("/daily/week/2023-W13", "/daily/2023-03-27", None, "/daily/month/2023-03"),
        # A day: the week and the month holding it.
        ("/daily/2023-04-30", None, "/daily/week/2023-W17", "/daily/month/2023-04"),
    ],
)
def test_switch_leads_to_the_period_holding_the_anchor(
    client: TestClient,
    on_today: None,
    path: str,
    day: str | None,
    week: str | None,
    month: str | None,
) -> None:
    expected = {"day": day or path, "week": week or path, "month": month or path}
    assert _switch(client.get(path).text) == expected
    data = client.get("/api/v1" + path).json()
    assert {k: data[f"{k}_url"] for k in expected} == {
        k: "/api/v1" + url for k, url in expected.items()
    }
    for url in expected.values():
        page = client.get(url)
        assert page.status_code == 200 and "is in the future" not in page.text, url


def test_switch_from_this_month_never_offers_a_future_day(
    client: TestClient, on_today: None
) -> None:
    html = client.get("/daily/month/2026-12").text
    assert "/daily/2026-12-31" not in html
    assert _arrows(html) == ["/daily/month/2026-11"]  # no next month: it has not come


@pytest.mark.parametrize(
    "path",
    [
        "/daily/0001-01-01",
        "/daily/0001-01-02",
        "/daily/week/0001-W01",
        "/daily/week/0001-W02",
        "/daily/month/0001-01",
        "/daily/month/0001-02",
        "/daily/9999-12-31",
        "/daily/week/9999-W51",
        "/daily/month/9999-12",
    ],
)
def test_every_period_link_at_the_calendar_ends_opens(client: TestClient, path: str) -> None:
    html = client.get(path).text
    switch = _switch(html)
    links = [url for url in switch.values() if url] + _arrows(html)
    assert links
    for url in links:
        # Four-digit years, as the routes read them: /daily/month/0001-01, not 1-01.
        assert not re.search(r"/daily/(week/|month/)?\d{1,3}-", url), url
        assert client.get(url).status_code == 200, f"{path} links {url}"


def test_calendar_end_links_are_padded(client: TestClient) -> None:
    assert _switch(client.get("/daily/0001-01-01").text) == {
        "day": "/daily/0001-01-01",
        "week": "/daily/week/0001-W01",
        "month": "/daily/month/0001-01",
    }
    assert (
        client.get("/api/v1/daily/month/0001-02").json()["prev_url"]
        == "/api/v1/daily/month/0001-01"
    )
    assert (
        client.get("/api/v1/daily/week/0001-W02").json()["prev_url"]
        == "/api/v1/daily/week/0001-W01"
    )
    # The ISO week of 31 December 9999 ends in year 10000: no link to it.
    last = client.get("/api/v1/daily/9999-12-31").json()
    assert last["week_url"] is None and last["month_url"] == "/api/v1/daily/month/9999-12"
    assert _switch(client.get("/daily/9999-12-31").text)["week"] is None


def test_filters_survive_moving_between_periods(client: TestClient) -> None:
    query = "?sort=newest&has_code=true&limit=5"
    html = client.get(f"/daily/2024-10-24{query}&page=2").text
    assert _arrows(html) == [f"/daily/{HF_DAY}{query}"]  # the next day that has papers
    assert _switch(html) == {
        "day": f"/daily/2024-10-24{query}",
        "week": f"/daily/week/2024-W43{query}",
        "month": f"/daily/month/2024-10{query}",
    }
    data = client.get(f"/api/v1/daily/2024-10-24{query}").json()
    assert data["next_url"] == f"/api/v1/daily/{HF_DAY}{query}"
    assert data["week_url"] == f"/api/v1/daily/week/2024-W43{query}"
    assert client.get(f"/api/v1/daily/{HF_DAY}?has_code=true").json()["prev_url"] == (
        "/api/v1/daily/2024-10-24?has_code=true"
    )
    week = client.get("/daily/week/2024-W44?sort=trending").text
    assert _arrows(week)[0] == "/daily/week/2024-W43?sort=trending"
    # Defaults stay out of the links; the page number never carries over.
    plain = client.get("/api/v1/daily/2024-10-24?sort=upvotes&page=2").json()
    assert plain["next_url"] == f"/api/v1/daily/{HF_DAY}"
    assert plain["day_url"] == "/api/v1/daily/2024-10-24"
    # A page asked for JSON links the JSON of its neighbours.
    same = client.get("/daily/2024-10-24?sort=upvotes&format=json").json()
    assert same["next_url"] == f"/daily/{HF_DAY}?format=json"
    assert same["week_url"] == "/daily/week/2024-W43?format=json"


@pytest.mark.parametrize(
    ("path", "feed", "label"),
    [
        (f"/daily/{HF_DAY}", "/daily.atom", "Top 10 of the day by mail"),
        ("/daily/week/2024-W43", "/daily.atom?period=week", "Top 10 of the week by mail"),
        ("/daily/month/2024-10", "/daily.atom?period=month", "Top 10 of the week by mail"),
    ],
)
def test_week_and_month_views_offer_what_matches_them(
    client: TestClient, path: str, feed: str, label: str
) -> None:
    html = client.get(path).text
    data = client.get("/api/v1" + path).json()
    assert data["feed_url"] == feed and data["alert_label"] == label
    follow = html.split('data-testid="follow-links">', 1)[1].split("</p>", 1)[0]
    assert f'<a href="{data["alert_url"].replace("&", "&amp;")}">{label}</a>' in follow
    assert f'href="{feed.replace("&", "&amp;")}"' in follow
    if "week" in path or "month" in path:
        assert "Top 10 of the day" not in html
        assert data["alert_url"] == "/subscribe?trending=week&frequency=weekly"
        form = client.get(data["alert_url"]).text
        assert '<option value="week" selected>Top 10 of the week</option>' in form
        assert '<option value="weekly" selected>' in form


@pytest.mark.parametrize(
    ("feed", "page"),
    [("/daily.atom?period=week", "week/2024-W43"), ("/daily.rss?period=month", "month/2024-10")],
)
def test_week_and_month_feeds_hold_that_periods_papers(
    client: TestClient, feed: str, page: str
) -> None:
    r = client.get(feed)
    assert r.status_code == 200
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo
    shown = client.get(f"/api/v1/daily/{page}?limit=50").json()["items"]
    assert len(parsed.entries) == len(shown) == 10
    assert {e.link.rsplit("/papers/", 1)[1] for e in parsed.entries} == {
        i["paper_id"] for i in shown
    }
    day = feedparser.parse(client.get("/daily.atom").content)
    assert len(day.entries) == 9  # the latest day's alone
    assert client.get("/daily.atom?period=year").status_code == 422
