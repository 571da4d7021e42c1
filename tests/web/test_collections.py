"""Collections over the API and the forms: the exact API contract, privacy (404 for
everyone but the owner on every path), Bearer tokens, limits, ordering, upvotes,
feeds, and exports parsed back with bibtexparser, rispy and json."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import quote

import bibtexparser
import rispy
from fastapi.testclient import TestClient
from web_samples import csrf_of

from paperscope.store import Store
from paperscope.store.accounts import find_user
from paperscope.store.collections import create_collection
from paperscope.web.auth import create_api_token

HF_IDS = ("2410.17243", "2410.18533")


def _h(c: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_of(c, "/")}


def _create(c: TestClient, **body: object) -> dict:  # type: ignore[type-arg]
    r = c.post("/api/v1/collections", json=body, headers=_h(c))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _add(c: TestClient, cid: int, paper_id: str, note: str | None = None) -> int:
    body = {"paper_id": paper_id} | ({"note": note} if note is not None else {})
    return c.post(f"/api/v1/collections/{cid}/items", json=body, headers=_h(c)).status_code


def test_api_contract(alice: TestClient, client: TestClient) -> None:
    created = _create(alice, title="Memory tricks", description="Long context", public=True)
    cid = created["id"]
    assert created["url"] == f"/collections/{cid}" and created["public"] is True
    assert _add(alice, cid, "2410.17243", "the tile trick") == 201
    assert _add(alice, cid, "hep-th/9901001") == 201
    assert _add(alice, cid, "2410.17243", "changed note") == 200  # already there: note only
    got = client.get(f"/api/v1/collections/{cid}").json()  # signed out: public
    assert [i["paper"]["paper_id"] for i in got["items"]] == ["2410.17243", "hep-th/9901001"]
    assert got["items"][0]["note"] == "changed note" and got["owner"] == "alice"
    assert got["is_owner"] is False and got["upvoted"] is None
    r = alice.delete(f"/api/v1/collections/{cid}/items/hep-th/9901001", headers=_h(alice))
    assert r.status_code == 204
    assert (
        alice.delete(
            f"/api/v1/collections/{cid}/items/hep-th/9901001", headers=_h(alice)
        ).status_code
        == 404
    )
    assert alice.delete(f"/api/v1/collections/{cid}", headers=_h(alice)).status_code == 204
    assert client.get(f"/api/v1/collections/{cid}").status_code == 404


def test_private_collection_is_404_to_everyone_but_its_owner(
    alice: TestClient, bob: TestClient, client: TestClient
) -> None:
    cid = _create(alice, title="Secret reading", description="", public=False)["id"]
    _add(alice, cid, "2410.17243")
    assert alice.get(f"/api/v1/collections/{cid}").status_code == 200
    assert alice.get(f"/collections/{cid}").status_code == 200
    for who in (bob, client):
        for path in (
            f"/collections/{cid}",
            f"/api/v1/collections/{cid}",
            f"/collections/{cid}.atom",
            f"/collections/{cid}/export?format=ris",
            f"/api/v1/collections/{cid}/export",
        ):
            r = who.get(path)
            assert r.status_code == 404, path
            assert "Secret reading" not in r.text
    # A stranger cannot add to it nor delete it (404, as if it did not exist).
    assert _add(bob, cid, "2410.18533") == 404
    assert bob.delete(f"/api/v1/collections/{cid}", headers=_h(bob)).status_code == 404
    profile = client.get("/api/v1/users/alice").json()
    assert profile["collections"] == []


def test_public_collection_changes_only_by_its_owner(alice: TestClient, bob: TestClient) -> None:
    cid = _create(alice, title="Shared", public=True)["id"]
    r = bob.post(
        f"/api/v1/collections/{cid}/items", json={"paper_id": "2410.17243"}, headers=_h(bob)
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = bob.patch(f"/api/v1/collections/{cid}", json={"title": "mine"}, headers=_h(bob))
    assert r.status_code == 403
    # Upvotes: anyone signed in, once each; again takes it back.
    assert bob.post(f"/api/v1/collections/{cid}/upvote", headers=_h(bob)).json()["upvotes"] == 1
    assert alice.post(f"/api/v1/collections/{cid}/upvote", headers=_h(alice)).json()["upvotes"] == 2
    assert bob.post(f"/api/v1/collections/{cid}/upvote", headers=_h(bob)).json() == {
        "id": cid,
        "upvoted": False,
        "upvotes": 1,
    }


def test_bearer_token_needs_no_csrf(
    alice: TestClient, client: TestClient, loaded_store: Store
) -> None:
    found = find_user(store=loaded_store, username="alice")
    assert found is not None
    _, secret = create_api_token(store=loaded_store, user=found[0], name="script")
    auth = {"Authorization": f"Bearer {secret}"}
    r = client.post("/api/v1/collections", json={"title": "From a script"}, headers=auth)
    assert r.status_code == 201 and r.json()["public"] is False
    cid = r.json()["id"]
    r = client.post(
        f"/api/v1/collections/{cid}/items", json={"paper_id": "2410.17243"}, headers=auth
    )
    assert r.status_code == 201
    assert client.get(f"/api/v1/collections/{cid}", headers=auth).json()["item_count"] == 1
    # The session without a CSRF token is refused.
    r = alice.post("/api/v1/collections", json={"title": "x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"


def test_limits_and_bad_input_are_clear_errors(alice: TestClient) -> None:
    r = alice.post("/api/v1/collections", json={"title": "x" * 201}, headers=_h(alice))
    assert r.status_code == 422 and "title" in r.json()["error"]["message"].lower()
    r = alice.post("/api/v1/collections", json={"title": "  \x00 "}, headers=_h(alice))
    assert r.status_code == 422 and "title" in r.json()["error"]["message"].lower()
    r = alice.post(
        "/api/v1/collections", json={"title": "ok", "description": "d" * 5001}, headers=_h(alice)
    )
    assert r.status_code == 422 and "description" in r.json()["error"]["message"].lower()
    cid = _create(alice, title="Nul\x00 bytes\x00 gone")["id"]
    assert alice.get(f"/api/v1/collections/{cid}").json()["title"] == "Nul bytes gone"
    r = alice.post(
        f"/api/v1/collections/{cid}/items",
        json={"paper_id": "2410.17243", "note": "n" * 2001},
        headers=_h(alice),
    )
    assert r.status_code == 422 and "note" in r.json()["error"]["message"].lower()
    r = alice.post(
        f"/api/v1/collections/{cid}/items", json={"paper_id": "9999.99999"}, headers=_h(alice)
    )
    assert r.status_code == 404 and "9999.99999" in r.json()["error"]["message"].lower()
    assert alice.get("/api/v1/collections/abc").status_code == 422
    r = alice.get(f"/api/v1/collections/{cid}/export?format=docx")
    assert r.status_code == 422 and "format" in r.json()["error"]["message"].lower()
    # A form with a huge title gets the same clear refusal, as a page.
    token = csrf_of(alice, "/collections")
    r = alice.post("/collections", data={"csrf_token": token, "title": "t" * 100_000})
    assert r.status_code == 422 and "at most 200 characters" in r.text


def test_reorder_edit_and_notes(alice: TestClient) -> None:
    cid = _create(alice, title="Order", public=True)["id"]
    for pid in ("2410.17243", "2410.18533", "hep-th/9901001"):
        _add(alice, cid, pid)
    r = alice.put(
        f"/api/v1/collections/{cid}/order",
        json={"paper_ids": ["hep-th/9901001", "2410.17243", "2410.18533"]},
        headers=_h(alice),
    )
    assert r.status_code == 200, r.text
    assert [i["paper"]["paper_id"] for i in r.json()["items"]] == [
        "hep-th/9901001",
        "2410.17243",
        "2410.18533",
    ]
    r = alice.put(
        f"/api/v1/collections/{cid}/order", json={"paper_ids": ["2410.17243"]}, headers=_h(alice)
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_order"
    token = csrf_of(alice, f"/collections/{cid}")
    alice.post(
        f"/collections/{cid}/items/2410.18533/move", data={"csrf_token": token, "direction": "up"}
    )
    alice.post(
        f"/collections/{cid}/items/hep-th/9901001/note",
        data={"csrf_token": token, "note": "a classic"},
    )
    alice.post(
        f"/collections/{cid}/edit",
        data={"csrf_token": token, "title": "Renamed", "description": "New words"},
    )
    got = alice.get(f"/api/v1/collections/{cid}").json()
    assert [i["paper"]["paper_id"] for i in got["items"]] == [
        "hep-th/9901001",
        "2410.18533",
        "2410.17243",
    ]
    assert got["items"][0]["note"] == "a classic"
    assert (got["title"], got["description"], got["public"]) == ("Renamed", "New words", False)
    r = alice.patch(f"/api/v1/collections/{cid}", json={"public": True}, headers=_h(alice))
    assert r.json()["public"] is True and r.json()["title"] == "Renamed"


def test_add_from_a_card_form(alice: TestClient) -> None:
    page = alice.get("/").text
    assert 'action="/collections/add"' in page
    token = csrf_of(alice, "/")
    r = alice.post(
        "/collections/add",
        data={"csrf_token": token, "paper_id": "2410.17243", "new_title": "From cards"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    mine = alice.get("/api/v1/collections").json()["collections"]
    assert [(c["title"], c["item_count"], c["public"]) for c in mine] == [("From cards", 1, False)]
    # The menu now offers it; htmx gets a line back instead of a redirect.
    assert "From cards</option>" in alice.get("/").text
    r = alice.post(
        "/collections/add",
        data={"csrf_token": token, "paper_id": "2410.18533", "collection_id": str(mine[0]["id"])},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "Added to" in r.text
    assert "hx-swap-oob" not in r.text  # no new collection: the other menus stand
    assert alice.get(f"/api/v1/collections/{mine[0]['id']}").json()["item_count"] == 2
    # A new one from a card: every menu on the page gets the reader's collections again.
    r = alice.post(
        "/collections/add",
        data={"csrf_token": token, "paper_id": "2410.18533", "new_title": "Second <list>"},
        headers={"HX-Request": "true"},
    )
    oob = r.text[r.text.index('hx-swap-oob="innerHTML:.collection-choices"') :]
    assert "Second &lt;list&gt;</option>" in oob and "From cards</option>" in oob
    r = alice.post("/collections/add", data={"csrf_token": token, "paper_id": "2410.17243"})
    assert r.status_code == 422 and "Choose a collection" in r.text


def test_paper_page_adds_to_a_collection_and_lists_where_it_is(
    alice: TestClient, client: TestClient
) -> None:
    page = alice.get("/papers/2410.17243").text
    assert 'id="collections-panel"' in page and "In none of your collections yet." in page
    assert 'action="/collections/add"' in page
    token = csrf_of(alice, "/papers/2410.17243")
    r = alice.post(
        "/collections/add",
        data={"csrf_token": token, "paper_id": "2410.17243", "new_title": "Read <soon>"},
        headers={"Referer": "http://testserver/papers/2410.17243"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/papers/2410.17243"
    cid = alice.get("/api/v1/collections").json()["collections"][0]["id"]
    page = alice.get("/papers/2410.17243").text
    assert f'In <a href="/collections/{cid}">Read &lt;soon&gt;</a>' in page
    assert "Read &lt;soon&gt;</option>" in page  # and the menu offers it for the next one
    # From the page's own menu, htmx gets the line to update the panel with too.
    r = alice.post(
        "/collections/add",
        data={"csrf_token": token, "paper_id": "2410.17243", "new_title": "Second", "panel": "1"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "Added to" in r.text
    assert 'id="in-collections" hx-swap-oob="true">In <a href="/collections/' in r.text
    assert "Read &lt;soon&gt;</a>, <a" in r.text and ">Second</a>" in r.text
    card_answer = alice.post(
        "/collections/add",
        data={"csrf_token": token, "paper_id": "hep-th/9901001", "collection_id": str(cid)},
        headers={"HX-Request": "true"},
    )
    assert "Added to" in card_answer.text and "hx-swap-oob" not in card_answer.text
    huge = alice.post(
        "/collections/add",
        data={"csrf_token": token, "paper_id": "2410.18533", "collection_id": "9" * 20},
    )
    assert huge.status_code == 422 and "Choose a collection" in huge.text
    # Another paper is in none; a reader who is not signed in sees no panel.
    assert "In none of your collections yet." in alice.get("/papers/2410.18533").text
    assert 'id="collections-panel"' not in client.get("/papers/2410.17243").text


def test_exports_parse_back(alice: TestClient, client: TestClient) -> None:
    cid = _create(alice, title="Export me", public=True)["id"]
    for pid in ("2410.18533", "2410.17243"):
        _add(alice, cid, pid)
    bib = client.get(f"/api/v1/collections/{cid}/export?format=bibtex")
    assert bib.status_code == 200 and "attachment" in bib.headers["content-disposition"]
    library = bibtexparser.parse_string(bib.text)
    assert not library.failed_blocks
    assert [str(e["eprint"]) for e in library.entries] == ["2410.18533", "2410.17243"]
    ris = rispy.loads(client.get(f"/collections/{cid}/export?format=ris").text)
    assert len(ris) == 2 and all(r.get("title") for r in ris)
    csl = json.loads(client.get(f"/collections/{cid}/export?format=csl-json").text)
    assert len(csl) == 2 and csl[1]["title"].startswith("Breaking the Memory Barrier")
    page = client.get(f"/collections/{cid}").text
    assert f'href="/collections/{cid}/export?format=bibtex"' in page


def test_feed_lists_the_collection(alice: TestClient, client: TestClient) -> None:
    cid = _create(alice, title="Feed <me>", public=True)["id"]
    _add(alice, cid, "2410.17243")
    feed = client.get(f"/collections/{cid}.atom")
    assert feed.status_code == 200 and "atom" in feed.headers["content-type"]
    assert "Feed &lt;me&gt;" in feed.text and "2410.17243" in feed.text
    assert client.get(f"/collections/{cid}.rss").status_code == 200


def test_hostile_strings_are_escaped_in_html(alice: TestClient, client: TestClient) -> None:
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    cid = _create(
        alice, title=evil, description='<a href="javascript:alert(3)">x</a>', public=True
    )["id"]
    _add(alice, cid, "2410.17243", note='" onmouseover="alert(4)')
    page = client.get(f"/collections/{cid}").text
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert 'href="javascript:' not in page and '" onmouseover="alert(4)' not in page
    assert re.search(r"&lt;script&gt;alert\(1\)&lt;/script&gt;", page)


def test_a_blank_title_is_refused_in_words(alice: TestClient) -> None:
    for title in ("", "   ", "\x00\x07"):
        r = alice.post("/api/v1/collections", json={"title": title}, headers=_h(alice))
        assert r.status_code == 422, title
        assert r.json()["error"]["message"] == "Title must be at least 1 character.", title
        assert r.json()["error"]["details"]["fields"][0]["field"] == "title"
    cid = _create(alice, title="Kept")["id"]
    r = alice.patch(f"/api/v1/collections/{cid}", json={"title": "  "}, headers=_h(alice))
    assert r.status_code == 422 and "Value error" not in r.text
    token = csrf_of(alice, "/collections")
    form = alice.post("/collections", data={"csrf_token": token, "title": "  "})
    assert form.status_code == 422 and "Title must be at least 1 character." in form.text
    assert "Value error" not in form.text


def test_items_are_changed_by_any_spelling_of_their_id(alice: TestClient) -> None:
    cid = _create(alice, title="Spellings")["id"]
    assert _add(alice, cid, "arXiv:2410.17243v2", "first") == 201  # adding takes any spelling
    assert _add(alice, cid, "2410.18533") == 201
    items = f"/api/v1/collections/{cid}/items"
    r = alice.put(f"{items}/2410.17243v1", json={"note": "renoted"}, headers=_h(alice))
    assert r.status_code == 200 and r.json()["note"] == "renoted"
    order = ["2410.18533v3", "arXiv:2410.17243"]
    r = alice.put(f"/api/v1/collections/{cid}/order", json={"paper_ids": order}, headers=_h(alice))
    assert r.status_code == 200, r.text
    assert [i["paper"]["paper_id"] for i in r.json()["items"]] == ["2410.18533", "2410.17243"]
    token = csrf_of(alice, f"/collections/{cid}")
    moved = alice.post(
        f"/collections/{cid}/items/2410.17243v2/move", data={"csrf_token": token, "direction": "up"}
    )
    assert moved.status_code == 200
    got = alice.get(f"/api/v1/collections/{cid}").json()["items"]
    assert [i["paper"]["paper_id"] for i in got] == ["2410.17243", "2410.18533"]
    assert alice.delete(f"{items}/arXiv:2410.17243v2", headers=_h(alice)).status_code == 204
    alice.post(f"/collections/{cid}/items/2410.18533v1/remove", data={"csrf_token": token})
    assert alice.get(f"/api/v1/collections/{cid}").json()["items"] == []


def test_your_collections_lists_every_one(alice: TestClient, loaded_store: Store) -> None:
    found = find_user(store=loaded_store, username="alice")
    assert found is not None
    now = datetime.now(UTC)
    for n in range(205):
        create_collection(
            store=loaded_store,
            user_id=found[0].user_id,
            title=f"List {n}",
            description="",
            is_public=False,
            now=now,
        )
    mine = alice.get("/api/v1/collections").json()["collections"]
    assert len(mine) == 205  # the oldest are reachable too
    assert "List 0</a>" in alice.get("/collections").text


def test_adding_a_paper_twice_says_it_is_already_there(alice: TestClient) -> None:
    cid = _create(alice, title="Twice")["id"]
    token = csrf_of(alice, "/")
    form = {"csrf_token": token, "paper_id": "2410.17243", "collection_id": str(cid)}
    first = alice.post("/collections/add", data=form, headers={"HX-Request": "true"})
    assert "Added to" in first.text and "Already in" not in first.text
    again = alice.post("/collections/add", data=form, headers={"HX-Request": "true"})
    assert again.status_code == 200 and "Already in" in again.text and "Added to" not in again.text
    assert alice.get(f"/api/v1/collections/{cid}").json()["item_count"] == 1


def test_deleting_a_collection_takes_a_second_step(alice: TestClient) -> None:
    cid = _create(alice, title="Keep me")["id"]
    _add(alice, cid, "2410.17243")
    page = alice.get(f"/collections/{cid}").text
    # The delete button is inside a closed <details>, not next to Save.
    step = page[page.index('<details class="spaced confirm-delete">') :]
    step = step[: step.index("</details>")]
    assert f'action="/collections/{cid}/delete"' in step and "Delete for good" in step
    assert "1 paper and notes go with it" in step
    assert page.count(f'action="/collections/{cid}/delete"') == 1


def test_an_export_keeps_the_collections_name_in_its_file_name(
    alice: TestClient, client: TestClient
) -> None:
    cid = _create(alice, title="Lectures d’été / Ünïcødé", public=True)["id"]
    disposition = client.get(f"/collections/{cid}/export?format=ris").headers["content-disposition"]
    # ASCII for old clients, the whole name (UTF-8, percent-encoded) for the others.
    ascii_name = f"paperscope-collection-{cid}-Lectures-d-ete-Unicode.ris"
    assert f'filename="{ascii_name}"' in disposition
    full = quote(f"paperscope-collection-{cid}-Lectures d’été - Ünïcødé.ris", safe="")
    assert f"filename*=UTF-8''{full}" in disposition


def test_a_title_keeps_no_bidirectional_override(alice: TestClient) -> None:
    made = _create(alice, title="say \u202eevil\u202c", public=True)
    assert made["title"] == "say evil"
