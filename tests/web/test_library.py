"""The library: tags, notes, read flags, export, and privacy between users."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_samples import csrf_of


def _save(c: TestClient, paper_id: str, **change: object) -> dict:  # type: ignore[type-arg]
    r = c.put(f"/api/v1/library/{paper_id}", json=change, headers={"X-CSRF-Token": csrf_of(c, "/")})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_save_tag_note_read_and_filter(alice: TestClient) -> None:
    item = _save(alice, "2410.17243", tags=["To Read", "memory", "memory"], note="tile trick")
    assert item["tags"] == ["memory", "to-read"] and item["note"] == "tile trick"
    _save(alice, "hep-th/9901001", tags=["classics"])
    _save(alice, "2410.17243", is_read=True)
    lib = alice.get("/api/v1/library").json()
    assert lib["pagination"]["total"] == 2
    assert {t["tag"]: t["count"] for t in lib["tags"]} == {"classics": 1, "memory": 1, "to-read": 1}
    assert [
        i["paper"]["paper_id"] for i in alice.get("/api/v1/library?tag=memory").json()["items"]
    ] == ["2410.17243"]
    assert [
        i["paper"]["paper_id"] for i in alice.get("/api/v1/library?unread=true").json()["items"]
    ] == ["hep-th/9901001"]
    page = alice.get("/library?tag=classics").text
    assert "Strings on the brane" in page and "Breaking the Memory Barrier" not in page
    assert alice.get("/api/v1/papers/2410.17243").json()["saved"] is True


def test_form_on_the_paper_page_saves_and_removes(alice: TestClient) -> None:
    token = csrf_of(alice, "/papers/hep-th/9901001")
    r = alice.post(
        "/library/hep-th/9901001",
        data={"csrf_token": token, "action": "save", "tags": "strings, classics", "note": "n"},
    )
    assert r.status_code == 200 and "Saved" in r.text and "Remove" in r.text
    assert alice.get("/api/v1/library/hep-th/9901001").json()["tags"] == ["classics", "strings"]
    alice.post("/library/hep-th/9901001", data={"csrf_token": token, "action": "remove"})
    assert alice.get("/api/v1/library/hep-th/9901001").status_code == 404


def test_a_cards_save_button_adds_the_paper_as_it_is(alice: TestClient) -> None:
    daily = alice.get("/daily/2024-10-25").text
    assert 'action="/library/2410.17243"' in daily and 'data-testid="save-paper"' in daily
    token = csrf_of(alice, "/daily/2024-10-25")
    # htmx gets the mark that replaces the button
    r = alice.post(
        "/library/2410.17243",
        data={"csrf_token": token, "action": "add"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and r.text == '<span class="chip tag">in library</span>'
    assert alice.get("/api/v1/library/2410.17243").json()["tags"] == []
    daily = alice.get("/daily/2024-10-25").text
    assert 'action="/library/2410.17243"' not in daily
    # saved already, with tags and a note: a card's Save changes none of it
    _save(alice, "2410.17243", tags=["memory"], note="tile trick")
    r = alice.post("/library/2410.17243", data={"csrf_token": token, "action": "add"})
    assert r.status_code == 200 and "#library-panel" in str(r.url)
    item = alice.get("/api/v1/library/2410.17243").json()
    assert item["tags"] == ["memory"] and item["note"] == "tile trick"
    bad = alice.post("/library/2410.17243", data={"csrf_token": token, "action": "keep"})
    assert bad.status_code == 422


def test_export_json_and_bibtex(alice: TestClient) -> None:
    _save(alice, "2410.17243", tags=["x"], note="note")
    _save(alice, "hep-th/9901001")
    data = alice.get("/library/export.json").json()
    assert {i["paper"]["paper_id"] for i in data["items"]} == {"2410.17243", "hep-th/9901001"}
    bib = alice.get("/library/export.bib")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    assert bib.text.count("@misc{") == 2 and "eprint = {2410.17243}" in bib.text


def test_other_users_library_is_never_visible(alice: TestClient, bob: TestClient) -> None:
    _save(alice, "2410.17243", tags=["alice-secret"], note="private note")
    r = bob.get("/api/v1/library/2410.17243")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert bob.get("/api/v1/library").json()["items"] == []
    assert bob.get("/api/v1/tags").json()["tags"] == []
    assert "private note" not in bob.get("/library").text
    assert "alice-secret" not in bob.get("/papers/2410.17243").text
    assert "private note" not in bob.get("/library/export.json").text
    r = bob.delete("/api/v1/library/2410.17243", headers={"X-CSRF-Token": csrf_of(bob, "/")})
    assert r.status_code == 404
    assert alice.get("/api/v1/library/2410.17243").json()["note"] == "private note"
    assert bob.get("/api/v1/papers/2410.17243").json()["saved"] is False


def test_tags_keep_plus_and_hash_and_their_links_work(alice: TestClient) -> None:
    item = _save(alice, "2410.17243", tags=["C++", "C#", "Reading List"])
    assert item["tags"] == ["c#", "c++", "reading-list"]
    page = alice.get("/library").text
    assert 'href="/library?tag=c%2B%2B"' in page and 'href="/library?tag=c%23"' in page
    only = alice.get("/api/v1/library", params={"tag": "c++"}).json()["items"]
    assert [i["paper"]["paper_id"] for i in only] == ["2410.17243"]
