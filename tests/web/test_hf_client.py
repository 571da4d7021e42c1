"""The official huggingface_hub client, and its `hf papers` commands, against a live
paperscope server on loopback seeded from the real daily-papers sample: every papers
method works, and what the import kept comes back as the source file had it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from paperscope.config import Settings
from paperscope.ingest.pipeline import import_file
from paperscope.store import Store
from paperscope.store.accounts import create_user
from paperscope.store.claims import add_claim
from paperscope.store.submissions import add_submission
from paperscope.web.app import create_app

hub = pytest.importorskip("huggingface_hub", reason="install paperscope[test]")
hub_constants = pytest.importorskip("huggingface_hub.constants")

SAMPLE = "hf/daily_papers_2024-10-25.first8.json"
DAY = "2024-10-25"
# What Hugging Face adds to some entries and the 8-entry sample happens not to carry:
# put on two entries of a copy of the sample, in HF's own places and shapes.
EXTRAS: dict[str, dict[str, Any]] = {
    "2410.17243": {
        "githubRepo": "https://github.com/DAMO-NLP-SG/Inf-CLIP",
        "githubStars": 212,
        "projectPage": "https://example.org/inf-clip",
        "ai_summary": "Tiled contrastive loss lets batch sizes grow to millions.",
        "ai_keywords": ["contrastive loss", "tiling", "ring communication"],
        "organization": {
            "_id": "61e9a1b5e4e2f2c3f1a0b7c9",
            "name": "DAMO-NLP-SG",
            "fullname": "DAMO Academy",
            "avatar": "https://cdn-avatars.huggingface.co/v1/production/uploads/damo.png",
        },
    },
    "2410.16251": {"githubRepo": "https://github.com/example/second", "githubStars": 0},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


CLAIMED_AT = datetime(2024, 10, 25, 9, 30, tzinfo=UTC)
LOCAL_CLAIM = "Lidong Bing"  # on 2410.17243, where Hugging Face lists him as LidongBing


@pytest.fixture
def source(shared_data: Path, tmp_path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((shared_data / SAMPLE).read_text())
    for entry in entries:
        entry["paper"].update(EXTRAS.get(entry["paper"]["id"], {}))
    (tmp_path / "daily.json").write_text(json.dumps(entries))
    return entries


@pytest.fixture
def server(tmp_path: Path, source: list[dict[str, Any]]) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True)
    store = Store.open(settings)
    assert import_file(store=store, path=tmp_path / "daily.json").report.new == 8
    now = datetime(2024, 10, 25, 0, 10, tzinfo=UTC)  # before HF listed it (01:32)
    ada = create_user(store=store, username="ada", email=None, password_hash=None, now=now)
    add_submission(
        store=store, user_id=ada.user_id, paper_id="2410.18533", feed_date=now.date(), now=now,
        daily_cap=5,
    )  # fmt: skip
    add_claim(
        store=store, user_id=ada.user_id, paper_id="2410.18533", author_name="Zechen Sun",
        now=CLAIMED_AT, approved_by="admin",
    )  # fmt: skip
    # an author Hugging Face links to an account of its own: the claim here wins
    add_claim(
        store=store, user_id=ada.user_id, paper_id="2410.17243", author_name=LOCAL_CLAIM,
        now=CLAIMED_AT, approved_by="admin",
    )  # fmt: skip
    port = _free_port()
    app = create_app(settings, store=store)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture
def api(server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    # The embedder puts the process in HF offline mode (models load from disk only);
    # this client talks to the loopback server alone, so it may go "online".
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    return hub.HfApi(endpoint=server, token=False)


def test_an_approved_author_claim_shows_as_on_hf(api: Any) -> None:
    authors = api.paper_info("2410.18533").authors
    claimed = next(a for a in authors if a.name == "Zechen Sun")
    assert claimed.user.username == "ada" and claimed.status == "claimed_verified"
    assert claimed.status_last_changed_at == CLAIMED_AT


def test_authors_come_back_as_hugging_face_listed_them(
    api: Any, server: str, source: list[dict[str, Any]]
) -> None:
    claimed_here = {("2410.18533", "Zechen Sun"), ("2410.17243", LOCAL_CLAIM)}
    checked = 0
    for entry in source:
        paper_id = entry["paper"]["id"]
        authors = api.paper_info(paper_id).authors
        raw = httpx.get(f"{server}/api/papers/{paper_id}").json()["authors"]
        for got, json_got, said in zip(authors, raw, entry["paper"]["authors"], strict=True):
            assert got.name == said["name"] and got.hidden is False
            if (paper_id, said["name"]) in claimed_here:
                continue
            if "user" not in said:
                assert got.user is None and got.status is None
                assert got.status_last_changed_at is None
                continue
            assert got.user.username == said["user"]["user"]
            assert got.user.avatar_url == said["user"]["avatarUrl"]
            assert got.status == said["status"]
            assert got.status_last_changed_at == _stamp(said["statusLastChangedAt"])
            assert json_got["user"] == said["user"]  # the whole user object, as it came
            assert json_got["statusLastChangedAt"] == said["statusLastChangedAt"]
            checked += 1
    assert checked == 27  # every author HF linked to an account, but the one claimed here
    # an approved claim here wins over what Hugging Face said of that author
    mine = next(a for a in api.paper_info("2410.17243").authors if a.name == LOCAL_CLAIM)
    assert (mine.user.username, mine.status) == ("ada", "claimed_verified")
    assert mine.status_last_changed_at == CLAIMED_AT
    listed = next(a for a in api.list_daily_papers(date=DAY) if a.id == "2410.17243").authors
    assert [a.user.username for a in listed if a.user] == ["ClownRat", "Zhiqiang007", "ada"]


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_daily_papers_hand_back_what_the_source_said(
    server: str, source: list[dict[str, Any]]
) -> None:
    ours = httpx.get(f"{server}/api/daily_papers", params={"date": DAY}).json()
    by_id = {e["paper"]["id"]: e for e in ours}
    assert set(by_id) == {e["paper"]["id"] for e in source}
    for entry in source:
        got = by_id[entry["paper"]["id"]]
        if got["paper"]["id"] != "2410.18533":  # submitted here first: our account shows
            assert got["submittedBy"] == entry["submittedBy"]
            assert got["publishedAt"] == entry["publishedAt"]
        assert got["thumbnail"] == entry["thumbnail"]
        assert got["paper"]["publishedAt"] == entry["paper"]["publishedAt"]
        assert got["numComments"] == entry["numComments"]
        assert got["mediaUrls"] == entry.get("mediaUrls", [])
        for key in ("githubRepo", "githubStars", "projectPage", "ai_summary", "ai_keywords"):
            assert got["paper"].get(key) == entry["paper"].get(key), key
        assert got["paper"].get("organization") == entry["paper"].get("organization")


def test_list_daily_papers_with_the_official_client(api: Any, source: list[dict[str, Any]]) -> None:
    papers = list(api.list_daily_papers(date=DAY))
    assert len(papers) == 8
    by_id = {p.id: p for p in papers}
    for entry in source:
        info = by_id[entry["paper"]["id"]]
        assert info.title == " ".join(entry["title"].split())
        assert info.published_at == _stamp(entry["paper"]["publishedAt"])
        assert info.comments == entry["numComments"]
        assert info.thumbnail == entry["thumbnail"]
        assert info.upvotes == entry["paper"]["upvotes"]
        assert info.github_repo == entry["paper"].get("githubRepo")
        assert info.github_stars == entry["paper"].get("githubStars")
        assert [a.name for a in info.authors] == [a["name"] for a in entry["paper"]["authors"]]
        if entry["paper"]["id"] != "2410.18533":
            assert info.submitted_at == _stamp(entry["publishedAt"])
            assert info.submitted_by.name == entry["submittedBy"]["name"]
            assert info.submitted_by.fullname == entry["submittedBy"]["fullname"]
            assert info.submitted_by.avatar_url == entry["submittedBy"]["avatarUrl"]
    first = by_id["2410.17243"]
    assert first.ai_summary == EXTRAS["2410.17243"]["ai_summary"]
    assert first.ai_keywords == EXTRAS["2410.17243"]["ai_keywords"]
    assert first.organization.fullname == "DAMO Academy"
    assert first.project_page == "https://example.org/inf-clip"
    assert by_id["2410.18533"].submitted_by.username == "ada"  # submitted here first
    assert by_id["2410.18533"].submitted_at == datetime(2024, 10, 25, 0, 10, tzinfo=UTC)


def test_periods_submitter_sort_and_pages(api: Any, source: list[dict[str, Any]]) -> None:
    ids = {e["paper"]["id"] for e in source}
    assert {p.id for p in api.list_daily_papers(week="2024-W43")} == ids
    assert {p.id for p in api.list_daily_papers(month="2024-10")} == ids
    assert list(api.list_daily_papers(date="2024-10-26")) == []
    name = source[0]["submittedBy"]["name"]
    theirs = {e["paper"]["id"] for e in source if e["submittedBy"]["name"] == name}
    assert {p.id for p in api.list_daily_papers(date=DAY, submitter=name)} == theirs
    # a Hugging Face submitter in any case, as an account here
    assert {p.id for p in api.list_daily_papers(date=DAY, submitter=name.swapcase())} == theirs
    assert [p.id for p in api.list_daily_papers(date=DAY, submitter="ADA")] == ["2410.18533"]
    assert list(api.list_daily_papers(date=DAY, submitter="nobody-here")) == []
    trending = [p.id for p in api.list_daily_papers(date=DAY, sort="trending")]
    assert sorted(trending) == sorted(ids)
    pages = [
        [p.id for p in api.list_daily_papers(date=DAY, sort="trending", p=page, limit=3)]
        for page in range(3)
    ]
    assert [len(page) for page in pages] == [3, 3, 2]
    assert [i for page in pages for i in page] == trending
    newest = [p.id for p in api.list_daily_papers(date=DAY, sort="publishedAt")]
    assert sorted(newest) == sorted(ids)


def test_search_info_and_read(api: Any, server: str, source: list[dict[str, Any]]) -> None:
    found = [p.id for p in api.list_papers(query="contrastive loss memory", limit=5)]
    assert found[0] == "2410.17243"
    assert len(list(api.list_papers(query="the", limit=2))) == 2
    info = api.paper_info("2410.17243")
    entry = source[0]
    assert info.id == "2410.17243" and info.title.startswith("Breaking the Memory Barrier")
    assert [a.name for a in info.authors] == [a["name"] for a in entry["paper"]["authors"]]
    assert info.published_at == _stamp(entry["paper"]["publishedAt"])
    assert info.submitted_at == _stamp(entry["publishedAt"])
    assert info.summary.startswith("Contrastive loss is a powerful approach")
    assert info.upvotes == entry["paper"]["upvotes"] and info.discussion_id
    assert info.comments == entry["numComments"]
    assert (info.github_repo, info.github_stars) == ("https://github.com/DAMO-NLP-SG/Inf-CLIP", 212)
    assert info.ai_keywords == EXTRAS["2410.17243"]["ai_keywords"]
    assert info.organization.name == "DAMO-NLP-SG"
    assert info.submitted_by.username == entry["submittedBy"]["name"]
    with pytest.raises(hub.errors.HfHubHTTPError) as missing:
        api.paper_info("2101.00001")
    assert missing.value.response.status_code == 404
    text = api.read_paper("2410.17243")
    assert text.startswith("# Breaking the Memory Barrier")
    assert "## Abstract" in text and "Contrastive loss is a powerful approach" in text
    assert "<https://github.com/DAMO-NLP-SG/Inf-CLIP> (212 stars)" in text
    page = httpx.get(f"{server}/papers/2410.17243", headers={"Accept": "text/markdown"})
    assert page.headers["content-type"].startswith("text/markdown") and page.text == text
    assert httpx.get(f"{server}/papers/2410.17243").headers["content-type"].startswith("text/html")


def test_hugging_face_site_paths_land_on_our_pages(server: str) -> None:
    for path, target in (
        ("/papers/date/2024-10-25", "/daily/2024-10-25"),
        ("/papers/week/2024-W43", "/daily/week/2024-W43"),
        ("/papers/month/2024-10", "/daily/month/2024-10"),
    ):
        r = httpx.get(server + path)
        assert r.status_code == 301 and r.headers["location"] == target
        assert httpx.get(server + path, follow_redirects=True).status_code == 200
    assert "Breaking the Memory Barrier" in httpx.get(f"{server}/papers/2410.17243").text
    assert httpx.get(f"{server}/papers/date/yesterday").status_code == 422


def _hf(server: str, tmp_path: Path, *args: str) -> str:
    offline = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")  # set by the embedder, see `api`
    env = {
        **{k: v for k, v in os.environ.items() if k not in offline},
        "HF_ENDPOINT": server,
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from huggingface_hub.cli.hf import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_hf_papers_commands(server: str, tmp_path: Path, source: list[dict[str, Any]]) -> None:
    listed = json.loads(_hf(server, tmp_path, "papers", "ls", "--date", DAY, "--format", "json"))
    assert {p["id"] for p in listed} == {e["paper"]["id"] for e in source}
    mine = json.loads(
        _hf(server, tmp_path, "papers", "ls", "--date", DAY, "--submitter", "ada", "--json")
    )
    assert [p["id"] for p in mine] == ["2410.18533"]
    found = json.loads(_hf(server, tmp_path, "papers", "search", "contrastive loss", "--json"))
    assert found[0]["id"] == "2410.17243"
    info = json.loads(_hf(server, tmp_path, "papers", "info", "2410.17243", "--json"))
    assert info["github_repo"] == "https://github.com/DAMO-NLP-SG/Inf-CLIP"
    assert info["comments"] == source[0]["numComments"]
    read = _hf(server, tmp_path, "papers", "read", "2410.17243")
    assert read.startswith("# Breaking the Memory Barrier")
