"""Sign-in brings the reader back where they were (query string included), keeps that
through a mistyped password, says why they were asked, and never leaves the site."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from web_samples import PASSWORD, csrf_of, sign_up

from paperscope.web.signin_links import safe_next


def _upvote_link(html: str) -> str:
    found = re.search(r'<div class="upvote"><a class="button" href="([^"]+)"', html)
    assert found, "no sign-in upvote link on the page"
    return unescape(found.group(1))


def _next_field(html: str) -> str:
    found = re.search(r'name="next" value="([^"]*)"', html)
    assert found
    return unescape(found.group(1))


def test_anonymous_upvote_link_keeps_the_query_string(client: TestClient) -> None:
    page = "/?sort=newest&has_code=false"
    link = _upvote_link(client.get(page).text)
    params = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/signin"
    assert params["next"] == [page] and params["reason"] == ["upvote"]
    signin = client.get(link).text
    assert "Sign in to upvote papers." in signin
    assert _next_field(signin) == page


def test_wrong_password_keeps_next_and_success_goes_there(client: TestClient) -> None:
    sign_up(client, "grace")
    client.post("/signout", data={"csrf_token": csrf_of(client, "/")})
    target = "/search?q=graph+neural&category=cs.LG"
    token = csrf_of(client, "/signin")
    data = {"csrf_token": token, "username": "grace", "password": "wrong password!", "next": target}
    r = client.post("/signin", data=data)
    assert r.status_code == 401 and "Wrong username or password" in r.text
    assert _next_field(r.text) == target
    data["password"] = PASSWORD
    r = client.post("/signin", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == target


def test_redirect_to_signin_says_why(client: TestClient) -> None:
    r = client.get("/library?tag=to-read", follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert parse_qs(urlsplit(location).query)["next"] == ["/library?tag=to-read"]
    page = client.get(location).text
    assert "Sign in to see your library." in page
    assert _next_field(page) == "/library?tag=to-read"
    # A made-up reason is not shown: only the site's own words reach the page.
    page = client.get("/signin?next=/&reason=Your+account+is+locked").text
    assert "locked" not in page


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("/collections", "Sign in to see your collections."),
        ("/library", "Sign in to see your library."),
        ("/submit", "Sign in to submit a paper."),
        ("/for-you?window=week", "Sign in to see papers picked for you."),
        ("/account", "Sign in to see your account."),
        ("/account/email", "Sign in to see your account."),
        ("/settings/subscriptions", "Sign in to manage your digests and alerts."),
        ("/admin/moderation", "Sign in as an administrator"),
        ("/admin/claims?status=all", "Sign in as an administrator"),
    ],
)
def test_every_signed_in_page_says_why(client: TestClient, page: str, reason: str) -> None:
    r = client.get(page, follow_redirects=False)
    assert r.status_code == 303, page
    location = r.headers["location"]
    assert parse_qs(urlsplit(location).query)["next"] == [page]
    signin = client.get(location).text
    assert reason in signin and "Sign in to see that page." not in signin, page
    assert _next_field(signin) == page


def test_signin_link_on_a_page_returns_to_it(client: TestClient) -> None:
    html = client.get("/papers/2410.17243").text
    assert 'href="/signin?next=%2Fpapers%2F2410.17243&amp;reason=save"' in html
    assert 'href="/signin?next=%2Fpapers%2F2410.17243"' in html  # the top bar's link


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_next_off_site_is_refused(client: TestClient, target: str) -> None:
    assert safe_next(target) == "/"
    sign_up(client, "heidi")
    client.post("/signout", data={"csrf_token": csrf_of(client, "/")})
    token = csrf_of(client, "/signin")
    r = client.post(
        "/signin",
        data={"csrf_token": token, "username": "heidi", "password": PASSWORD, "next": target},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_same_site_next_is_kept() -> None:
    assert safe_next("/search?q=a%20b&page=2#top") == "/search?q=a%20b&page=2#top"
