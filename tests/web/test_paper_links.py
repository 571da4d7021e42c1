"""Code and project links on cards and the paper page: who may set them, http(s) only
(refused when set, dropped when written), the "has code" filter, and what cards show
of a paper's source: submitter, thumbnail, AI summary with the abstract behind it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from web_samples import HF_DAY, PASSWORD, csrf_of

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user, find_user
from paperscope.store.papers import get_paper, upsert_papers
from paperscope.store.submissions import add_submission
from paperscope.web.app import create_app
from paperscope.web.passwords import hash_password

PAPER = "2410.16251"
NOW = datetime(2024, 10, 25, tzinfo=UTC)


def _put(client: TestClient, paper_id: str, body: dict[str, object]) -> object:
    token = csrf_of(client, "/")
    return client.put(
        f"/api/v1/papers/{paper_id}/links", json=body, headers={"X-CSRF-Token": token}
    )


def _submit_as(store: Store, username: str, paper_id: str) -> None:
    found = find_user(store=store, username=username)
    assert found is not None
    add_submission(
        store=store, user_id=found[0].user_id, paper_id=paper_id, feed_date=HF_DAY, now=NOW,
        daily_cap=5,
    )  # fmt: skip


def _hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


def test_the_submitter_sets_links_others_may_not(
    alice: TestClient, client: TestClient, loaded_store: Store
) -> None:
    body = {"code_url": "https://github.com/alice/code", "project_url": "https://a.example/p"}
    assert client.put(f"/api/v1/papers/{PAPER}/links", json=body).status_code in (401, 403)
    refused = _put(alice, PAPER, body)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "submitted this paper" in refused.json()["error"]["message"]  # type: ignore[attr-defined]
    _submit_as(loaded_store, "alice", PAPER)
    page = alice.get(f"/papers/{PAPER}").text
    assert 'action="/papers/2410.16251/links"' in page  # the form shows for her
    hostile = _put(alice, PAPER, {"code_url": "javascript:alert(1)", "project_url": None})
    assert hostile.status_code == 422  # type: ignore[attr-defined]
    assert "code_url" in hostile.json()["error"]["message"]  # type: ignore[attr-defined]
    done = _put(alice, PAPER, body)
    assert done.status_code == 200, done.text  # type: ignore[attr-defined]
    assert done.json() == {"paper_id": PAPER, **body, "links_edited_by": "alice"}  # type: ignore[attr-defined]
    detail = client.get(f"/api/v1/papers/{PAPER}").json()
    assert (detail["code_url"], detail["links_edited_by"]) == (body["code_url"], "alice")
    assert detail["submitted_by"] == {
        "name": "alice", "fullname": "", "avatar_url": None, "url": "/users/alice", "local": True
    }  # fmt: skip
    assert 'href="https://github.com/alice/code"' in client.get(f"/papers/{PAPER}").text
    assert 'href="/users/alice"' in client.get(f"/daily/{HF_DAY}").text
    # the form of the page does the same
    token = csrf_of(alice, f"/papers/{PAPER}")
    r = alice.post(
        f"/papers/{PAPER}/links",
        data={"csrf_token": token, "code_url": "", "project_url": "https://b.example/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    stored = get_paper(store=loaded_store, paper_id=PAPER)
    assert stored is not None and (stored.code_url, stored.project_url) == (
        None,
        "https://b.example/",
    )


def test_an_admin_sets_links_of_any_paper(settings: Settings, loaded_store: Store) -> None:
    create_user(
        store=loaded_store, username="root", email=None, password_hash=hash_password(PASSWORD),
        now=NOW, is_admin=True,
    )  # fmt: skip
    with TestClient(create_app(settings, store=loaded_store)) as admin:
        token = csrf_of(admin, "/signin")
        r = admin.post(
            "/signin",
            data={"username": "root", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303
        done = _put(admin, "hep-th/9901001", {"code_url": "https://gitlab.com/a/b"})
        assert done.status_code == 200  # type: ignore[attr-defined]
        assert done.json()["project_url"] is None  # type: ignore[attr-defined]


def test_links_that_are_not_http_are_never_written(client: TestClient, loaded_store: Store) -> None:
    # A row written before links were checked, or by hand: pages check again.
    old = get_paper(store=loaded_store, paper_id=PAPER)
    assert old is not None
    upsert_papers(
        store=loaded_store,
        papers_in=[
            Paper(
                paper_id=PAPER, arxiv_id=PAPER, title=old.title, source="export",
                code_url="javascript:alert(1)", project_url="JaVaScRiPt:alert(2)",
                thumbnail_url="javascript:alert(3)",
            )
        ],
    )  # fmt: skip
    for path in (f"/papers/{PAPER}", f"/daily/{HF_DAY}", "/search?q=diffusion", "/"):
        html = client.get(path).text
        assert not [h for h in _hrefs(html) if "javascript" in h.lower()], path
    detail = client.get(f"/api/v1/papers/{PAPER}").json()
    assert detail["code_url"] is None and detail["project_url"] is None
    assert "javascript" not in client.get(f"/api/papers/{PAPER}").text.lower()
    assert "javascript" not in client.get(f"/papers/{PAPER}.md").text.lower()


def test_has_code_filter_on_lists_and_search(
    client: TestClient, loaded_store: Store, alice: TestClient
) -> None:
    _submit_as(loaded_store, "alice", PAPER)
    assert _put(alice, PAPER, {"code_url": "https://github.com/o/r"}).status_code == 200  # type: ignore[attr-defined]
    listed = client.get("/api/v1/papers", params={"has_code": "true"}).json()
    assert [c["paper_id"] for c in listed["items"]] == [PAPER]
    day = client.get(f"/api/v1/daily/{HF_DAY}", params={"has_code": "true"}).json()
    assert [c["paper_id"] for c in day["items"]] == [PAPER]
    assert len(client.get(f"/api/v1/daily/{HF_DAY}").json()["items"]) > 1
    word = "really"  # in its title
    assert len(client.get("/api/v1/search", params={"q": "LLMs"}).json()["items"]) >= 2
    found = client.get("/api/v1/search", params={"q": word, "has_code": "true"}).json()
    assert [c["paper_id"] for c in found["items"]] == [PAPER]
    none = client.get("/api/v1/search", params={"q": "LLMs", "has_code": "true"}).json()
    assert none["items"] == []
    page = client.get(f"/daily/{HF_DAY}", params={"has_code": "true"}).text
    assert 'aria-pressed="true"' in page
    detail = client.get(f"/api/v1/papers/{PAPER}").json()
    lists = (
        "/api/v1/trending?window=month",
        f"/api/v1/categories/{detail['categories'][0]}",
        f"/api/v1/authors/{detail['authors'][0]}",
    )
    for path in lists:
        coded = client.get(path, params={"has_code": "true"}).json()
        assert [c["paper_id"] for c in coded["items"]] == [PAPER], path
        assert coded["pagination"]["total"] == 1, path
        page = client.get(path.replace("/api/v1", ""), params={"has_code": "true"}).text
        assert 'aria-pressed="true">Has code' in page, path


def test_cards_show_the_source_submitter_thumbnail_and_summary(
    client: TestClient, loaded_store: Store
) -> None:
    paper = get_paper(store=loaded_store, paper_id="2410.17243")
    assert paper is not None and paper.submitted_by is not None
    upsert_papers(
        store=loaded_store,
        papers_in=[paper.replace(ai_summary="A short summary.", source="hf-daily")],
    )
    html = client.get(f"/daily/{HF_DAY}").text
    assert (
        'src="https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2410.17243.png"'
        in html
    )
    assert 'href="https://huggingface.co/ClownRat"' in html and "Zesen Cheng" in html
    assert 'src="https://huggingface.co/avatars/1b09e2742aecce1bbdc57f0c4504cf38.svg"' in html
    assert "A short summary." in html
    assert re.search(r'<details class="abstract-switch"><summary>Abstract</summary>', html)
    card = client.get(f"/api/v1/daily/{HF_DAY}").json()["items"]
    first = next(c for c in card if c["paper_id"] == "2410.17243")
    assert first["num_comments"] == first["source_comments"] == 3
    assert first["submitted_by"]["name"] == "ClownRat" and not first["submitted_by"]["local"]
