"""Submissions to today's feed, and the Hugging Face-compatible daily papers API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from web_samples import csrf_of, sign_up

from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web.app import create_app


def _submit(c: TestClient, text: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = c.post("/api/v1/submit", json={"arxiv_id": text}, headers={"X-CSRF-Token": csrf_of(c, "/")})
    return r.status_code, r.json()


def test_submission_enters_todays_feed(alice: TestClient) -> None:
    today = datetime.now(UTC).date().isoformat()
    assert alice.get(f"/api/v1/daily/{today}").json()["pagination"]["total"] == 0
    status, body = _submit(alice, "https://arxiv.org/abs/hep-th/9901001v2")
    assert status == 201 and body["paper"]["paper_id"] == "hep-th/9901001"
    feed = alice.get("/api/v1/daily").json()
    assert feed["start"] == today and [i["paper_id"] for i in feed["items"]] == ["hep-th/9901001"]
    status, body = _submit(alice, "hep-th/9901001")
    assert status == 409 and "already in today's feed" in body["error"]["message"]


def test_a_paper_put_forward_before_is_not_brought_back(alice: TestClient) -> None:
    # On Hugging Face's listing of 25 October 2024: a submission today would put it
    # at the top of today's feed with that day's upvotes.
    status, body = _submit(alice, "https://arxiv.org/abs/2410.17243v2")
    assert status == 409 and body["error"]["code"] == "already_featured"
    # as a citation or arXiv's listing writes it, too
    for pasted in ("arXiv:2410.17243v2 [cs.CV]", "arXiv: 2410.17243", "(2410.17243)"):
        assert _submit(alice, pasted)[1]["error"]["code"] == "already_featured", pasted
    assert "25 October 2024" in body["error"]["message"]
    assert "/daily/2024-10-25" in body["error"]["message"]
    assert body["error"]["details"]["feed_date"] == "2024-10-25"
    today = datetime.now(UTC).date().isoformat()
    assert alice.get(f"/api/v1/daily/{today}").json()["pagination"]["total"] == 0
    page = alice.post(
        "/submit", data={"arxiv_id": "2410.17243", "csrf_token": csrf_of(alice, "/submit")}
    )
    assert page.status_code == 409 and "25 October 2024" in page.text


def test_malformed_ids_and_the_daily_cap(settings: Settings, loaded_store: Store) -> None:
    capped = settings.model_copy(update={"submissions_per_day": 1})
    with TestClient(create_app(capped, store=loaded_store)) as c:
        sign_up(c, "henry")
        status, body = _submit(c, "not an id")
        assert status == 422 and body["error"]["code"] == "invalid_arxiv_id"
        assert "2410.17243" in body["error"]["message"]  # says what a valid one looks like
        assert _submit(c, "hep-th/9901001")[0] == 201
        status, body = _submit(c, "2410.99999")
        assert status == 429 and "submissions" in body["error"]["message"]
        page = c.get("/submit").text
        assert "0 of 1 submissions left" in page


def test_the_submit_form_is_prefilled_from_its_link(alice: TestClient) -> None:
    form = alice.get("/submit", params={"arxiv_id": "2312.99999"}).text
    assert 'name="arxiv_id" value="2312.99999"' in form
    hostile = alice.get("/submit", params={"arxiv_id": '"><script>x()</script>'}).text
    assert "<script>x()" not in hostile and "&lt;script&gt;" in hostile


def test_an_overlong_id_is_refused_on_the_form(alice: TestClient) -> None:
    token = csrf_of(alice, "/submit")
    r = alice.post("/submit", data={"arxiv_id": "2410." + "1" * 5000, "csrf_token": token})
    assert r.status_code == 422
    assert "5005 characters long; an arXiv id or URL has at most 300" in r.text
    assert 'name="arxiv_id"' in r.text  # the form, not an error page


def _key_paths(value: object, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        out = set()
        for k, v in value.items():
            out.add(prefix + k)
            if k in ("authors", "paper", "submittedBy"):
                out |= _key_paths(v, prefix + k + ".")
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return _key_paths(value[0], prefix)
    return set()


def test_hf_daily_papers_has_hf_shape(client: TestClient, shared_data: Path) -> None:
    sample = json.loads((shared_data / "hf" / "daily_papers_2024-10-25.first8.json").read_text())
    ours = client.get("/api/daily_papers?date=2024-10-25").json()
    assert len(ours) == 9
    # Keys every sample entry has (optional ones, like an author's claimed user, aside)
    required = set.intersection(*(_key_paths(e) for e in sample))
    required -= {"paper.authors.status", "paper.authors.statusLastChangedAt", "paper.authors.user"}
    for entry in ours:
        assert required <= _key_paths(entry), required - _key_paths(entry)
    by_id = {e["paper"]["id"]: e for e in ours}
    first = sample[0]["paper"]
    assert by_id[first["id"]]["paper"]["upvotes"] == first["upvotes"]
    assert by_id[first["id"]]["paper"]["publishedAt"] == first["publishedAt"]
    assert [a["name"] for a in by_id[first["id"]]["paper"]["authors"]] == [
        a["name"] for a in first["authors"]
    ]
    paged = client.get("/api/daily_papers?date=2024-10-25&limit=4&p=2").json()
    assert len(paged) == 1
    assert client.get("/api/daily_papers?week=2024-W43").status_code == 200
    assert len(client.get("/api/daily_papers").json()) == 9  # latest day by default
    bad = client.get("/api/daily_papers?date=yesterday")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_submitting_an_unknown_paper_fetches_it_from_arxiv(
    settings: Settings, loaded_store: Store
) -> None:
    from harvest.replay_server import ReplayServer

    feed = (Path(__file__).parents[1] / "fixtures" / "arxiv" / "api_query_cs_lg.xml").read_bytes()
    with ReplayServer([], api_feed=feed) as server:
        local = settings.model_copy(update={"arxiv_api_url": server.api_url})
        with TestClient(create_app(local, store=loaded_store)) as c:
            sign_up(c, "iris")
            status, body = _submit(c, "https://arxiv.org/abs/2401.17262v1")
            assert status == 201, body
            assert body["paper"]["paper_id"] == "2401.17262"
            page = c.get("/papers/2401.17262")
            assert page.status_code == 200 and body["paper"]["title"][:20] in page.text
            # arXiv does not know this one: a clear 404-style refusal, nothing stored
            status, body = _submit(c, "2401.99999")
            assert status in (404, 422) and "2401.99999" in body["error"]["message"]
    assert [r[1].get("id_list") for r in server.requests if r[0] == "/api/query"] == [
        "2401.17262",
        "2401.99999",
    ]
