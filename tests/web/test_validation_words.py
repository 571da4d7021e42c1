"""Bad input is answered in words ("Page must be between 1 and 500") on pages and in
the API, whose details stay machine-readable; over-long e-mail addresses and tags are
refused with a reason instead of being accepted or silently cut."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from web_samples import csrf_of

from paperscope.emails import InvalidEmail, normalise_email
from paperscope.validation_words import describe

PAPERS = ("2410.17243", "2410.18533")


def test_page_out_of_range_in_words(client: TestClient) -> None:
    r = client.get("/?page=0")
    assert r.status_code == 422
    assert "Page must be between 1 and 10000." in r.text
    assert "Input should be" not in r.text
    r = client.get("/search?q=graphs&page=600")
    assert r.status_code == 422 and "Page must be between 1 and 500." in r.text
    r = client.get("/?page=lots")
    assert r.status_code == 422 and "Page must be a whole number." in r.text
    r = client.get("/?sort=random")
    assert "Sort must be one of" in r.text and "newest" in r.text


def test_json_detail_in_words_and_machine_readable(client: TestClient) -> None:
    r = client.get("/api/v1/daily?limit=100000&page=0")
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == "Page must be between 1 and 10000. Limit must be between 1 and 100."
    fields = {f["field"]: f for f in error["details"]["fields"]}
    assert fields["limit"]["type"] == "less_than_equal"
    assert fields["limit"]["limits"] == {"ge": 1, "le": 100}
    assert fields["page"]["message"] == "Page must be between 1 and 10000"


def test_hand_checked_values_are_reported_like_validated_ones(client: TestClient) -> None:
    """A malformed week or an unknown comment order gets the same details as a value
    the schema refuses: details.fields with field, type and message."""
    for path, field, kind in (
        ("/api/v1/daily/week/2024-W60", "week", "week_parsing"),
        ("/api/v1/daily?date=2024-13-45", "date", "date_parsing"),
        ("/api/v1/papers/2410.17243/comments?order=best", "order", "literal_error"),
    ):
        r = client.get(path)
        assert r.status_code == 422, path
        error = r.json()["error"]
        assert error["code"] == "invalid_request"
        assert error["details"] == {
            "fields": [{"field": field, "type": kind, "message": error["message"]}]
        }, path


def _named(r: Response, status: int, code: str) -> dict[str, str]:
    """The refusal's fields by name, after checking it has the one shape of
    ``details.fields`` (field, type, message) and no other details."""
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code, error
    assert set(error["details"]) == {"fields"}, error
    for entry in error["details"]["fields"]:
        assert set(entry) == {"field", "type", "message"}, error
        assert entry["message"] == error["message"], error
    return {f["field"]: f["type"] for f in error["details"]["fields"]}


def test_refusals_with_codes_of_their_own_name_their_fields(
    alice: TestClient, bob: TestClient
) -> None:
    """Tags, an order, a comment, an arXiv id, a follow: refused by a later check, each
    names its field in details.fields like the schema's refusals."""
    h = {"X-CSRF-Token": csrf_of(alice, "/")}
    r = alice.put("/api/v1/library/2410.17243", json={"tags": ["x" * 500]}, headers=h)
    assert _named(r, 422, "invalid_tags") == {"tags": "value_error"}

    made = alice.post("/api/v1/collections", json={"title": "Order"}, headers=h).json()
    alice.post(f"/api/v1/collections/{made['id']}/items", json={"paper_id": PAPERS[0]}, headers=h)
    r = alice.put(
        f"/api/v1/collections/{made['id']}/order", json={"paper_ids": [PAPERS[1]]}, headers=h
    )
    assert _named(r, 422, "bad_order") == {"paper_ids": "value_error"}

    comments = f"/api/v1/papers/{PAPERS[0]}/comments"
    r = alice.post(comments, json={"body": "   "}, headers=h)
    assert _named(r, 422, "invalid_comment") == {"body": "value_error"}
    first = alice.post(comments, json={"body": "A comment"}, headers=h).json()["comment_id"]
    r = alice.post(f"/api/v1/comments/{first}/report", json={"reason": "mine"}, headers=h)
    assert _named(r, 422, "invalid_comment") == {"comment_id": "value_error"}
    hb = {"X-CSRF-Token": csrf_of(bob, "/")}
    r = bob.post(f"/api/v1/comments/{first}/report", json={"reason": " "}, headers=hb)
    assert _named(r, 422, "invalid_comment") == {"reason": "value_error"}
    alice.delete(f"/api/v1/comments/{first}", headers=h)
    r = bob.post(comments, json={"body": "A reply", "parent_id": first}, headers=hb)
    assert _named(r, 422, "invalid_comment") == {"parent_id": "value_error"}

    r = alice.post("/api/v1/submit", json={"arxiv_id": "not an id"}, headers=h)
    assert _named(r, 422, "invalid_arxiv_id") == {"arxiv_id": "value_error"}
    r = alice.post("/api/v1/follows", json={"kind": "user", "name": "alice"}, headers=h)
    assert _named(r, 422, "cannot_follow_self") == {"name": "value_error"}
    r = alice.post("/api/v1/follows", json={"kind": "author", "name": " "}, headers=h)
    assert _named(r, 422, "invalid_request") == {"name": "value_error"}

    # a form refused by the API's schema, answered in JSON, names the field too
    r = alice.post("/collections?format=json", data={"title": ""}, headers=h)
    assert _named(r, 422, "invalid_request") == {"title": "string_too_short"}
    r = alice.put("/api/v1/account/email", json={"email": "a@b.example.org"}, headers=h)
    assert _named(r, 401, "invalid_credentials") == {"current_password": "invalid_credentials"}


def test_json_body_errors_in_words(alice: TestClient) -> None:
    headers = {"X-CSRF-Token": csrf_of(alice, "/"), "content-type": "application/json"}
    r = alice.post("/api/v1/for-you/interests", content=b"{not json", headers=headers)
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert message.startswith("The request body is not valid JSON: ") and "character 2" in message
    r = alice.post("/api/v1/for-you/interests", json={"texts": "one"}, headers=headers)
    assert r.json()["error"]["message"] == "Texts must be a list."


def test_malformed_json_body_is_named_body_not_its_position(alice: TestClient) -> None:
    """A body that is not JSON is located at ("body", <character>): the field is the
    body, on every endpoint that takes one, and the message says where it broke."""
    headers = {"X-CSRF-Token": csrf_of(alice, "/"), "content-type": "application/json"}
    for method, path in (
        ("POST", "/api/v1/papers/2410.17243/comments"),
        ("PUT", "/api/v1/library/2410.17243"),
        ("POST", "/api/v1/collections"),
        ("POST", "/api/v1/password-reset"),
    ):
        r = alice.request(method, path, content=b"{bad json", headers=headers)
        assert r.status_code == 422, path
        error = r.json()["error"]
        assert error["code"] == "invalid_request"
        assert error["message"] == (
            "The request body is not valid JSON: expecting property name enclosed in"
            " double quotes, at character 2."
        ), path
        [field] = error["details"]["fields"]
        assert field["field"] == "body" and field["type"] == "json_invalid", path
        assert field["message"] == error["message"].rstrip("."), path
    # a list body's item keeps its index as its name
    r = alice.post("/api/v1/for-you/interests", json={"texts": [1]}, headers=headers)
    assert r.json()["error"]["details"]["fields"][0]["field"] == "texts.0"


def test_json_decode_error_in_words() -> None:
    cut = {"loc": ("body", 41), "type": "json_invalid", "ctx": {"error": "Expecting ',' delimiter"}}
    assert describe(cut, {}) == (
        "The request body is not valid JSON: expecting ',' delimiter, at character 42"
    )
    assert describe({"loc": ("body",), "type": "json_invalid"}, {}) == (
        "The request body is not valid JSON"
    )


def _sign_up(client: TestClient, email: str) -> tuple[int, str]:
    token = csrf_of(client, "/signup")
    r = client.post(
        "/signup",
        data={
            "username": "ivan",
            "email": email,
            "password": "long enough pw",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    return r.status_code, r.text


def test_long_local_part_is_refused(client: TestClient) -> None:
    status, text = _sign_up(client, "a" * 300 + "@example.org")
    assert status == 400 and "email address is not valid" in text
    status, text = _sign_up(client, "a" * 65 + "@example.org")
    assert status == 400 and "at most 64" in text
    status, _ = _sign_up(client, "a" * 64 + "@example.org")
    assert status == 303


def test_address_limits() -> None:
    for bad in ("b" * 65 + "@example.org", "c@" + "d" * 250 + ".org", "no-at-sign"):
        try:
            normalise_email(bad)
        except InvalidEmail:
            continue
        raise AssertionError(f"{bad[:20]} was accepted")
    assert normalise_email(" Ada@Example.org ") == "Ada@example.org"


def test_subscribe_refuses_a_long_local_part(client: TestClient) -> None:
    token = csrf_of(client, "/subscribe")
    r = client.post(
        "/subscribe",
        data={"csrf_token": token, "email": "e" * 65 + "@example.org", "trending": "day"},
    )
    assert r.status_code == 400 and "at most 64" in r.text


def test_long_tag_is_refused_not_cut(alice: TestClient) -> None:
    token = csrf_of(alice, "/")
    headers = {"X-CSRF-Token": token}
    r = alice.put("/api/v1/library/2410.17243", json={"tags": ["x" * 500]}, headers=headers)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_tags" and "at most 64 characters" in error["message"]
    assert alice.get("/api/v1/library/2410.17243").status_code == 404  # nothing was saved
    r = alice.post("/library/2410.17243", data={"csrf_token": token, "tags": "ok, " + "y" * 500})
    assert r.status_code == 422 and "at most 64 characters" in r.text
    r = alice.put("/api/v1/library/2410.17243", json={"tags": ["z" * 64]}, headers=headers)
    assert r.status_code == 200 and r.json()["tags"] == ["z" * 64]


def test_a_tag_with_markup_is_refused_naming_the_characters_allowed(alice: TestClient) -> None:
    """ "<b>x</b>" is not quietly turned into "bx/b": the page and the API say which
    characters a tag may hold, and nothing is saved."""
    token = csrf_of(alice, "/")
    headers = {"X-CSRF-Token": token}
    allowed = "use letters, digits and - _ . / + # (spaces become hyphens)"
    r = alice.put("/api/v1/library/2410.17243", json={"tags": ["<b>x</b>"]}, headers=headers)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_tags" and "(< >)" in error["message"]
    assert allowed in error["message"] and error["details"]["fields"][0]["field"] == "tags"
    assert alice.get("/api/v1/library/2410.17243").status_code == 404
    r = alice.post("/library/2410.17243", data={"csrf_token": token, "tags": "ok, ml:theory"})
    assert r.status_code == 422 and "(:)" in r.text and "+ #" in r.text
    assert alice.get("/api/v1/library/2410.17243").status_code == 404
    r = alice.put("/api/v1/library/2410.17243", json={"tags": ["Été 2024", "C++"]}, headers=headers)
    assert r.status_code == 200 and r.json()["tags"] == ["c++", "été-2024"]


def test_reported_messages_read_as_sentences(alice: TestClient) -> None:
    headers = {"X-CSRF-Token": csrf_of(alice, "/"), "accept": "application/json"}
    r = alice.post(
        "/api/v1/library/import",
        data={"format": "zzz"},
        files={"file": ("t.bib", b"@article{a, title={x}}")},
        headers=headers,
    )
    message = r.json()["error"]["message"]
    assert r.status_code == 422 and message.startswith("Format must be one of 'bibtex'")
    assert "literal" not in message and message.count("Format") == 1, message

    r = alice.post("/api/v1/comments/1/upvote", json={"upvoted": None}, headers=headers)
    assert r.json()["error"]["message"] == "Upvoted must be true or false."
    r = alice.post("/api/v1/papers/2410.17243/comments", json={"body": None}, headers=headers)
    assert r.json()["error"]["message"] == "Body must be text."
    r = alice.get("/api/v1/papers", params={"sort": "bogus"})
    assert r.json()["error"]["message"] == "Sort must be one of 'newest', 'oldest' or 'citations'."
    r = alice.post("/api/v1/follows", json={"kind": "author", "name": ""}, headers=headers)
    assert r.json()["error"]["message"] == "Name must be at least 1 character."
    page = {"X-CSRF-Token": headers["X-CSRF-Token"]}
    r = alice.post("/collections", data={"title": ""}, headers=page)
    assert r.status_code == 422 and "Title must be at least 1 character." in r.text
    r = alice.post("/collections", data={"title": "x" * 300}, headers=page)
    assert r.status_code == 422 and "Title must be at most 200 characters." in r.text
    assert "Invalid title" not in r.text and "String should" not in r.text
    # the error page of a refused form leads back to the form (a page of this site only)
    r = alice.post(
        "/collections",
        data={"title": ""},
        headers={**page, "referer": "http://testserver/collections?x=1"},
    )
    assert '<a href="/collections?x=1">Back to the page you came from</a>' in r.text
    r = alice.post(
        "/collections",
        data={"title": ""},
        headers={**page, "referer": "https://elsewhere.example/collections"},
    )
    assert "Back to the page you came from" not in r.text


def test_labels_keep_their_spelling() -> None:
    missing = {"loc": ("body", "arxiv_id"), "type": "missing"}
    assert describe(missing, {}) == "arXiv id is required"
    too_long = {"loc": ("query", "doi"), "type": "string_too_long", "ctx": {"max_length": 2}}
    assert describe(too_long, {}) == "DOI must be at most 2 characters"
