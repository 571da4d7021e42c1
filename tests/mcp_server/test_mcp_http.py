"""The MCP server at /mcp of `paperscope serve` (a live uvicorn on loopback), driven by
the SDK's streamable HTTP client: the anonymous tools without a token, the user tools
with a personal API token as Bearer, and a tool error that says so without one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from mcp_calls import Session, over_http
from mcp_samples import SAVED, McpData

from loopback_server import serve_app
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web.app import create_app

ANONYMOUS_CALLS = [
    ("search", "search_papers", {"query": "higgs boson", "limit": 3}),
    ("paper", "get_paper", {"paper_id": SAVED[1]}),
    ("similar", "similar_papers", {"paper_id": SAVED[1], "limit": 3}),
    ("daily", "daily_papers", {"month": "2007-04", "limit": 3}),
    ("trending", "trending_papers", {"window": "month", "limit": 3}),
    ("library", "library_list", {}),
    ("add", "library_add", {"paper_id": SAVED[1]}),
    ("recommend", "recommend", {}),
    ("unknown", "get_paper", {"paper_id": "1234.5678"}),
    ("bad_month", "daily_papers", {"month": "2007-13"}),
]
USER_CALLS = [
    ("add", "library_add", {"paper_id": "0704.0003", "tags": ["http"], "note": "via /mcp"}),
    ("library", "library_list", {"tag": "http"}),
    ("recommend", "recommend", {"window": "all", "limit": 3}),
]


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    store = Store.open(settings)
    try:
        with serve_app(create_app(settings, store=store)) as url:
            yield url
    finally:
        store.close()


@pytest.fixture(scope="module")
def server(mcp_data: McpData) -> Iterator[str]:
    with live_server(mcp_data.settings) as url:
        yield url


@pytest.fixture(scope="module")
def anonymous(server: str) -> Session:
    return over_http(url=f"{server}/mcp", headers={}, calls=ANONYMOUS_CALLS)


def test_anonymous_tools_answer_without_a_token(anonymous: Session) -> None:
    assert len(anonymous.tools) == 8
    for label in ("search", "paper", "similar", "daily", "trending"):
        assert not anonymous.answers[label].is_error, anonymous.answers[label].text
    assert anonymous.answers["search"].data["results"]
    assert anonymous.answers["paper"].data["id"] == SAVED[1]
    assert SAVED[1] not in [p["id"] for p in anonymous.answers["similar"].data["similar"]]
    assert anonymous.answers["daily"].data["key"] == "2007-04"
    assert anonymous.answers["trending"].data["papers"][0]["id"] == SAVED[0]


def test_user_tools_need_a_bearer_token(anonymous: Session) -> None:
    for label in ("library", "add", "recommend"):
        got = anonymous.answers[label]
        assert got.is_error
        assert "needs a personal API token" in got.text
        assert "Authorization: Bearer ps_" in got.text


def test_malformed_calls_get_tool_errors_over_http(anonymous: Session) -> None:
    assert anonymous.answers["unknown"].is_error
    assert "no paper '1234.5678'" in anonymous.answers["unknown"].text
    assert anonymous.answers["bad_month"].is_error
    assert "Not a valid month: '2007-13'" in anonymous.answers["bad_month"].text


def test_user_tools_act_for_the_token_owner(server: str, mcp_data: McpData) -> None:
    headers = {"Authorization": f"Bearer {mcp_data.token}"}
    session = over_http(url=f"{server}/mcp", headers=headers, calls=USER_CALLS)
    added = session.answers["add"].data
    assert added["user"] == "alice"
    assert added["saved"]["tags"] == ["http"] and added["saved"]["note"] == "via /mcp"
    listed = session.answers["library"].data
    assert [i["id"] for i in listed["items"]] == ["0704.0003"]
    recommended = session.answers["recommend"].data
    assert recommended["user"] == "alice" and recommended["papers"]
    assert not {p["id"] for p in recommended["papers"]} & {*SAVED, "0704.0003"}


def test_a_wrong_token_is_a_tool_error(server: str) -> None:
    headers = {"Authorization": "Bearer ps_not-a-real-token"}
    session = over_http(url=f"{server}/mcp", headers=headers, calls=[("l", "library_list", {})])
    assert session.answers["l"].is_error
    assert "not valid" in session.answers["l"].text


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def test_json_rpc_answers_pass_the_security_middleware(server: str) -> None:
    response = httpx.post(f"{server}/mcp", json=INITIALIZE, headers=ACCEPT)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["result"]["serverInfo"]["name"] == "paperscope"
    assert "content-security-policy" in response.headers  # still there, and harmless


def test_foreign_hosts_and_origins_are_refused(server: str) -> None:
    evil_origin = httpx.post(
        f"{server}/mcp", json=INITIALIZE, headers=ACCEPT | {"Origin": "https://evil.example"}
    )
    assert evil_origin.status_code == 403
    rebound = httpx.post(
        f"{server}/mcp", json=INITIALIZE, headers=ACCEPT | {"Host": "evil.example:8000"}
    )
    assert rebound.status_code == 421
    public = httpx.post(
        f"{server}/mcp", json=INITIALIZE, headers=ACCEPT | {"Host": "papers.example.org"}
    )
    assert public.status_code == 200


def test_not_json_is_refused_without_a_traceback(server: str) -> None:
    response = httpx.post(
        f"{server}/mcp", content=b"{not json", headers=ACCEPT | {"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text


def test_single_user_mode_needs_no_token(mcp_data: McpData) -> None:
    settings = mcp_data.settings.model_copy(update={"single_user": True})
    calls = [("add", "library_add", {"paper_id": "0704.0004"}), ("l", "library_list", {})]
    with live_server(settings) as url:
        session = over_http(url=f"{url}/mcp", headers={}, calls=calls)
    assert session.answers["add"].data["user"] == "local"
    assert [i["id"] for i in session.answers["l"].data["items"]] == ["0704.0004"]


def test_get_is_refused_at_once_not_left_open(server: str) -> None:
    r = httpx.get(f"{server}/mcp", headers={"accept": "text/event-stream"}, timeout=5)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert "stateless" in r.json()["error"]["message"]
