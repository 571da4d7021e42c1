"""Hostile strings stay inert on every page and form; CSRF and security headers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from web_samples import HF_DAY, HOSTILE_TITLE, csrf_of

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">"\'&'


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _assert_inert(html: str) -> None:
    """Parse the page as a browser would: every <script> is one of our static files,
    no element has an event-handler attribute or a javascript: URL, no <b> or <i> from
    the hostile text became an element, and the only images are thumbnails and avatars
    at https URLs (the hostile <img src=x> is not one)."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        names = dict(attrs)
        if tag == "script":
            assert (names.get("src") or "").startswith("/static/"), attrs
        assert not any(name.startswith("on") for name in names), (tag, attrs)
        assert not any((v or "").strip().lower().startswith("javascript:") for v in names.values())
        assert tag not in ("b", "i", "iframe"), (tag, attrs)
        if tag == "img":
            assert (names.get("src") or "").startswith("https://"), attrs


def test_hostile_paper_is_escaped_everywhere(client: TestClient) -> None:
    for path in (
        "/",
        f"/daily/{HF_DAY}",
        "/papers/2410.99999",
        "/categories/cs.LG",
        "/trending?window=month",
        "/search?q=attention",
        "/authors/Author%20%3Ci%3E0%3C%2Fi%3E%20Z%C3%BCrich",
    ):
        html = client.get(path).text
        _assert_inert(html)
    page = client.get("/papers/2410.99999").text
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in page
    assert "Author &lt;i&gt;0&lt;/i&gt; Zürich" in page
    # JSON carries the text as data, unchanged.
    assert client.get("/api/v1/papers/2410.99999").json()["title"] == HOSTILE_TITLE


def test_search_highlights_escape_the_query(client: TestClient) -> None:
    r = client.get("/search", params={"q": HOSTILE + " attention"})
    _assert_inert(r.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text  # kept in the box, escaped
    hit = client.get("/api/v1/search", params={"q": "script attention"}).json()["items"][0]
    assert (
        "<script>" not in hit["title_html"] and "&lt;<mark>script</mark>&gt;" in hit["title_html"]
    )


def test_hostile_form_input_comes_back_inert(alice: TestClient) -> None:
    token = csrf_of(alice, "/papers/2410.17243")
    r = alice.post(
        "/library/2410.17243",
        data={"csrf_token": token, "action": "save", "tags": HOSTILE, "note": HOSTILE},
    )
    assert r.status_code == 422  # a tag holds letters, digits and - _ . / + # only
    _assert_inert(r.text)
    r = alice.post(
        "/library/2410.17243",
        data={"csrf_token": token, "action": "save", "tags": "safe", "note": HOSTILE},
    )
    assert r.status_code == 200
    _assert_inert(r.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text  # the note, escaped
    _assert_inert(alice.get("/library").text)
    tags = alice.get("/api/v1/tags").json()["tags"]
    assert all(re.fullmatch(r"[\w\-./]+", t["tag"]) for t in tags), tags
    r = alice.post("/submit", data={"csrf_token": token, "arxiv_id": HOSTILE})
    assert r.status_code == 422
    _assert_inert(r.text)
    r = alice.post("/account/tokens", data={"csrf_token": token, "name": HOSTILE})
    _assert_inert(r.text)


def test_hostile_sign_up_is_refused_and_inert(client: TestClient) -> None:
    token = csrf_of(client, "/signup")
    r = client.post(
        "/signup",
        data={
            "csrf_token": token,
            "username": HOSTILE,
            "email": HOSTILE,
            "password": "long enough pw",
        },
    )
    assert r.status_code == 400 and "Usernames are" in r.text
    _assert_inert(r.text)


def test_state_changes_need_the_csrf_token(alice: TestClient) -> None:
    r = alice.post("/papers/2410.17243/upvote", follow_redirects=False)
    assert r.status_code == 403 and "expired or came from another site" in r.text
    r = alice.post(
        "/papers/2410.17243/upvote", data={"csrf_token": "forged"}, follow_redirects=False
    )
    assert r.status_code == 403
    api = alice.post("/api/v1/papers/2410.17243/upvote", json={"upvoted": True})
    assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
    token = csrf_of(alice, "/")
    ok = alice.post("/api/v1/papers/2410.17243/upvote", json={}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json()["upvoted"] is True


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "unsafe-inline" not in csp
    )
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    # the shared home page sets no cookie (web/page_cache.py); the first form does
    cookie = client.get("/signin").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/api/v1/daily").headers["x-content-type-options"] == "nosniff"


def test_session_cookie_flags(alice: TestClient) -> None:
    # alice's sign-up response set the session cookie; check its attributes via a new sign-in
    token = csrf_of(alice, "/signin")
    alice.post("/signout", data={"csrf_token": token})
    token = csrf_of(alice, "/signin")
    r = alice.post(
        "/signin",
        data={"csrf_token": token, "username": "alice", "password": "correct horse battery"},
        follow_redirects=False,
    )
    session = next(c for c in r.headers.get_list("set-cookie") if c.startswith("ps_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session.replace("Lax", "lax")
    assert "Secure" not in session  # plain http in tests; https requests get Secure


def test_anonymous_json_calls_need_no_csrf_token_but_forms_do(client: TestClient) -> None:
    """Without a session a JSON call has no sign-in to borrow (and another site cannot
    send JSON without a preflight): it is answered on its merits. Forms still need the
    token, so another site cannot sign a visitor in to an account of its choosing."""
    r = client.post("/api/v1/collections", json={"title": "x"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"
    r = client.post("/api/v1/password-reset", json={"email": "nobody@example.org"})
    assert r.status_code == 202, r.text
    r = client.post("/signin", data={"username": "alice", "password": "x"})
    assert r.status_code == 403 and "expired or came from another site" in r.text
    r = client.post(
        "/api/v1/collections", content=b'{"title": "x"}', headers={"content-type": "text/plain"}
    )
    assert r.status_code == 403  # a body another site's form could send: the token rules


def test_anonymous_calls_without_a_body_are_answered_not_signed_in(client: TestClient) -> None:
    """A DELETE or a bare POST from a script without a session is not a form either:
    it gets the 401 that says what is missing, not a CSRF refusal."""
    for method, path in (
        ("DELETE", "/api/v1/library/2410.17243"),
        ("DELETE", "/api/v1/papers/2410.17243/upvote"),
        ("DELETE", "/api/v1/follows?kind=author&name=Ada%20Lovelace"),
        ("POST", "/api/v1/collections/1/upvote"),
        ("POST", "/api/v1/account/email/verify"),
    ):
        r = client.request(method, path)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["error"]["code"] == "not_signed_in"
    r = client.post("/api/v1/collections/1/upvote", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "cross_origin"
