"""Requests a hostile user sends: dates at the edges of the calendar, control
characters in names, a crash inside a route, forged Bearer headers and posts from
another site. Each gets a clear answer (4xx or a valid page), never a bare 500."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from web_samples import csrf_of

from paperscope.config import Settings
from paperscope.periods import PeriodError, parse_month, parse_week
from paperscope.store import Store
from paperscope.web.app import create_app

EDGE_PATHS = [
    "/daily/month/9999-12",
    "/daily/month/0001-01",
    "/daily/week/9999-W52",
    "/daily/week/0001-W01",
    "/daily/9999-12-31",
    "/daily/0001-01-01",
    "/api/v1/daily/month/9999-12",
    "/api/v1/daily/week/9999-W52",
]
EDGE_QUERIES = [
    {"date": "9999-12-31"},
    {"date": "0001-01-01"},
    {"week": "9999-W52"},
    {"week": "0001-W01"},
    {"month": "9999-12"},
    {"month": "0001-01"},
]


@pytest.mark.parametrize("path", EDGE_PATHS)
def test_dates_at_the_edges_of_the_calendar(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code in (200, 422), (path, r.status_code)
    if r.status_code == 422:
        assert "years 1 to 9999" in r.text


@pytest.mark.parametrize("base", ["/", "/daily", "/api/v1/daily", "/api/daily_papers"])
@pytest.mark.parametrize("params", EDGE_QUERIES)
def test_edge_dates_through_query_parameters(
    client: TestClient, base: str, params: dict[str, str]
) -> None:
    r = client.get(base, params=params)
    assert r.status_code in (200, 422), (base, params, r.status_code)


def test_edge_months_are_whole_and_their_neighbours_stop_at_the_calendar(
    client: TestClient,
) -> None:
    december = parse_month("9999-12")
    assert (december.start, december.end) == (date(9999, 12, 1), date(9999, 12, 31))
    assert december.adjacent(1) is None and december.adjacent(-1) == parse_month("9999-11")
    assert parse_month("0001-01").adjacent(-1) is None
    with pytest.raises(PeriodError, match="years 1 to 9999"):
        parse_week("9999-W52")
    page = client.get("/api/v1/daily/month/0001-01").json()
    assert page["start"] == "0001-01-01" and page["prev_url"] is None


@pytest.mark.parametrize(
    "path",
    ["/tags/%00.atom", "/authors/%00.rss", "/categories/%01.atom", "/authors/%1b%5b31m.rss"],
)
def test_control_characters_in_feed_names(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 400 and "control characters" in r.text


def test_feed_self_link_is_percent_encoded(client: TestClient) -> None:
    # U+FFFE is no control character but XML refuses it: the feed's self link keeps it
    # encoded instead of failing.
    r = client.get("/authors/%EF%BF%BE.atom")
    assert r.status_code == 200 and "/authors/%EF%BF%BE.atom" in r.text


def test_a_crash_still_carries_the_security_headers(
    settings: Settings, loaded_store: Store
) -> None:
    app = create_app(settings, store=loaded_store)

    def boom() -> None:
        raise RuntimeError("a real internal error")

    app.add_api_route("/boom", boom)
    app.add_api_route("/api/v1/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        for path in ("/boom", "/api/v1/boom"):
            r = c.get(path)
            assert r.status_code == 500
            assert "Something went wrong on our side" in r.text
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["x-frame-options"] == "DENY"


def test_any_bearer_header_does_not_skip_csrf(alice: TestClient) -> None:
    r = alice.post("/signout", headers={"Authorization": "Bearer whatever"}, follow_redirects=False)
    assert r.status_code == 403 and "came from another site" in r.text
    assert alice.get("/account?format=json").json()["username"] == "alice"  # still signed in


def test_an_invalid_bearer_alone_is_refused(client: TestClient) -> None:
    r = client.post(
        "/api/v1/papers/2410.17243/upvote",
        json={},
        headers={"Authorization": "Bearer ps_not_a_token"},
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"


def test_a_valid_token_still_needs_no_csrf(settings: Settings, alice: TestClient) -> None:
    token = csrf_of(alice, "/account")
    page = alice.post("/account/tokens", data={"csrf_token": token, "name": "script"}).text
    secret = page.split("ps_", 1)[1].split("<", 1)[0].split('"', 1)[0]
    with TestClient(alice.app) as script:  # no cookies: a script, not the browser
        r = script.post(
            "/api/v1/papers/2410.17243/upvote",
            json={},
            headers={"Authorization": f"Bearer ps_{secret}"},
        )
        assert r.status_code == 200 and r.json()["upvoted"] is True


def test_a_foreign_origin_is_refused_even_with_the_token(alice: TestClient) -> None:
    token = csrf_of(alice, "/")
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
    ):
        r = alice.post(
            "/api/v1/papers/2410.17243/upvote", json={}, headers={"X-CSRF-Token": token, **headers}
        )
        assert r.status_code == 403, headers
        assert r.json()["error"]["code"] == "cross_origin"
    own = alice.post(
        "/api/v1/papers/2410.17243/upvote",
        json={},
        headers={"X-CSRF-Token": token, "Origin": "http://testserver"},
    )
    assert own.status_code == 200
    public = alice.post(
        "/api/v1/papers/2410.17243/upvote",
        json={},
        headers={"X-CSRF-Token": token, "Referer": "http://127.0.0.1:8000/papers/x"},
    )
    assert public.status_code == 200  # the public URL setting's origin


HUGE = "99999999999999999999"  # above any 64-bit key


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/collections/{HUGE}"),
        ("get", f"/api/v1/collections/{HUGE}"),
        ("get", f"/collections/{HUGE}.atom"),
        ("post", f"/collections/{HUGE}/edit"),
        ("post", f"/collections/{HUGE}/items"),
        ("post", f"/comments/{HUGE}/report"),
        ("post", f"/comments/{HUGE}/delete"),
        ("post", f"/comments/{HUGE}/upvote"),
        ("post", f"/account/tokens/{HUGE}/revoke"),
    ],
)
def test_ids_beyond_64_bits_are_refused_by_name(alice: TestClient, method: str, path: str) -> None:
    data = {"csrf_token": csrf_of(alice, "/account"), "title": "x", "paper_id": "2410.17243"}
    r = alice.get(path) if method == "get" else alice.post(path, data=data)
    assert r.status_code == 422, (path, r.status_code)
    assert "id must be between 1 and 9223372036854775807" in r.text  # names what was wrong


def test_a_reply_to_a_comment_beyond_64_bits_is_refused(alice: TestClient) -> None:
    token = csrf_of(alice, "/papers/2410.17243")
    r = alice.post(
        "/papers/2410.17243/comments",
        data={"csrf_token": token, "body": "a reply", "parent_id": HUGE},
    )
    assert r.status_code == 422 and "Parent id must be at most 9223372036854775807" in r.text
    api = alice.post(
        "/api/v1/papers/2410.17243/comments",
        json={"body": "a reply", "parent_id": int(HUGE)},
        headers={"Origin": "http://testserver"},
    )
    assert api.status_code in (401, 403, 422) and api.status_code != 500


def test_a_form_field_over_the_size_limit_is_413_naming_it(alice: TestClient) -> None:
    token = csrf_of(alice)
    huge = "x" * (1024 * 1024 + 1)
    page = alice.post(
        "/papers/2410.17243/comments",
        data={"body": huge, "csrf_token": token},
        follow_redirects=False,
    )
    assert page.status_code == 413 and "text/html" in page.headers["content-type"]
    assert "1 MB" in page.text
    api = alice.post(
        "/api/v1/library/import",
        files={"file": ("refs.bib", b"@misc{a, title={A}}")},
        data={"format": huge},
        headers={"x-csrf-token": token},
    )
    assert api.status_code == 413
    error = api.json()["error"]
    assert error["code"] == "too_large" and "1 MB" in error["message"]
