"""Digests, alerts and feeds can be found: every page links the subscription form, the
list pages advertise their Atom feeds (visibly and with <link rel="alternate">) and
each advertised feed is served, and a saved search added in the settings subscribes
to that search only."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from web_samples import csrf_of

LIST_PAGES = [
    ("/", "/daily.atom"),
    ("/daily/2024-10-25", "/daily.atom"),
    ("/daily/week/2024-W43", "/daily.atom?period=week"),
    ("/daily/month/2024-10", "/daily.atom?period=month"),
    ("/trending?window=month", "/trending.atom?window=month"),
    ("/categories/cs.LG", "/categories/cs.LG.atom"),
    ("/authors/Ada%20Lovelace", "/authors/Ada%20Lovelace.atom"),
    ("/search?q=memory", "/search.atom?q=memory"),
]


def _alternates(html: str) -> list[str]:
    return [
        unescape(m)
        for m in re.findall(
            r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"', html
        )
    ]


@pytest.mark.parametrize(("path", "feed"), LIST_PAGES)
def test_list_pages_advertise_a_feed_that_exists(client: TestClient, path: str, feed: str) -> None:
    html = client.get(path).text
    assert _alternates(html) == [feed]
    assert f'href="{feed.replace("&", "&amp;")}"' in html.split("</head>", 1)[1]  # visible too
    r = client.get(feed)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        ("/categories/cs.LG", "sub-categories", "cs.LG"),
        ("/authors/Ada%20Lovelace", "sub-authors", "Ada Lovelace"),
        ("/trending?window=day", "sub-trending", "day"),
    ],
)
def test_mail_link_prefills_the_form(client: TestClient, path: str, field: str, value: str) -> None:
    link = re.search(r'href="(/subscribe\?[^"]+)">Get these by mail', client.get(path).text)
    assert link, path
    form = client.get(unescape(link.group(1))).text
    if field == "sub-trending":
        assert f'<option value="{value}" selected>' in form
    else:
        assert re.search(rf'id="{field}"[^>]* value="{re.escape(value)}"', form)


def test_every_page_links_subscriptions(client: TestClient, alice: TestClient) -> None:
    for path in ("/", "/papers/2410.17243", "/signin", "/trending"):
        assert 'href="/subscribe"' in client.get(path).text, path
    html = alice.get("/library").text
    assert 'href="/subscribe"' in html and 'href="/settings/subscriptions"' in html
    assert 'href="/settings/subscriptions"' in alice.get("/account").text


def test_saved_search_in_settings_subscribes_to_that_only(alice: TestClient) -> None:
    html = alice.get("/settings/subscriptions").text
    select = html.split('id="sub-trending"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>None</option>' in select
    assert re.findall(r"<option[^>]* selected", select) == ['<option value="" selected']
    # The form as a browser posts it: every field with its preset value, a search typed.
    preset = re.search(r'<option value="([^"]*)" selected', select)
    assert preset
    form = {
        "csrf_token": csrf_of(alice, "/settings/subscriptions"),
        "email": "alice@example.org",
        "trending": preset.group(1),
        "q": "graph neural networks",
        "categories": "",
        "authors": "",
        "frequency": "daily",
        "send_time": "08:00",
        "time_zone": "UTC",
    }
    r = alice.post("/settings/subscriptions", data=form)
    assert r.status_code == 200
    subs = alice.get("/settings/subscriptions?format=json").json()["subscriptions"]
    assert len(subs) == 1
    assert "graph neural networks" in subs[0]["summary"]
    assert "top" not in subs[0]["summary"].lower() and "trending" not in subs[0]["summary"].lower()
