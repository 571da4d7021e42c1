"""`paperscope mcp` over stdio, driven by the MCP SDK's own client: every tool, its
filters, and the tool errors a malformed call gets."""

from __future__ import annotations

import json
from datetime import date

import pytest
from mcp_calls import Session, over_stdio
from mcp_samples import SAVED, McpData

from paperscope.instance import Paperscope

TOOLS = {
    "search_papers",
    "get_paper",
    "similar_papers",
    "daily_papers",
    "trending_papers",
    "library_list",
    "library_add",
    "recommend",
}

CALLS = [
    ("search", "search_papers", {"query": "higgs boson", "limit": 5}),
    ("search_typo", "search_papers", {"query": "higgs bosn", "limit": 3}),
    ("search_hep", "search_papers", {"query": "quark", "category": "hep-ph", "limit": 20}),
    (
        "search_dates",
        "search_papers",
        {"query": "", "date_from": "2007-04-01", "date_to": "2007-04-01", "sort": "newest"},
    ),
    ("search_author", "search_papers", {"query": "", "author": "Nadolsky"}),
    ("search_cited", "search_papers", {"query": "quark", "sort": "citations", "limit": 5}),
    ("search_no_category", "search_papers", {"query": "quark", "category": "zz.ZZ"}),
    ("search_arxiv_category", "search_papers", {"query": "quark", "category": "cs.LG"}),
    ("paper", "get_paper", {"paper_id": "arXiv:0704.0001v2"}),
    ("similar", "similar_papers", {"paper_id": SAVED[0], "limit": 4}),
    ("daily_day", "daily_papers", {"date": "2007-04-02", "limit": 100}),
    ("daily_week", "daily_papers", {"week": "2007-W14", "limit": 5}),
    ("daily_month", "daily_papers", {"month": "2007-04", "limit": 5}),
    ("daily_hep", "daily_papers", {"month": "2007-04", "limit": 100, "category": "HEP-PH"}),
    ("trending", "trending_papers", {"window": "week"}),
    ("trending_math", "trending_papers", {"window": "week", "category": "MATH"}),
    ("library", "library_list", {}),
    ("add", "library_add", {"paper_id": "0704.0002", "tags": ["Graphs", "to read"], "note": "n"}),
    ("library_after", "library_list", {"tag": "graphs"}),
    ("recommend", "recommend", {"window": "all", "limit": 5}),
    # malformed calls
    ("unknown_paper", "get_paper", {"paper_id": "9999.99999"}),
    ("unknown_similar", "similar_papers", {"paper_id": "hep-th/9901999"}),
    ("bad_date", "daily_papers", {"date": "2007-13-45"}),
    ("bad_week", "daily_papers", {"week": "2007-W60"}),
    ("two_periods", "daily_papers", {"date": "2007-04-02", "month": "2007-04"}),
    ("bad_from", "search_papers", {"query": "x", "date_from": "yesterday"}),
    (
        "swapped",
        "search_papers",
        {"query": "x", "date_from": "2008-01-01", "date_to": "2007-01-01"},
    ),
    ("limit_high", "search_papers", {"query": "x", "limit": 5000}),
    ("limit_zero", "trending_papers", {"limit": 0}),
    ("bad_sort", "search_papers", {"query": "x", "sort": "random"}),
    ("missing_arg", "get_paper", {}),
    ("unknown_arg", "search_papers", {"bogus_arg": 1}),
    ("unknown_args", "get_paper", {"paper_id": "0704.0001", "id": "x", "verbose": True}),
    ("unknown_and_bad", "trending_papers", {"limit": 0, "windw": "day"}),
    ("add_unknown", "library_add", {"paper_id": "0000.00000"}),
    ("unknown_tag", "recommend", {"tag": "no-such-tag"}),
]


@pytest.fixture(scope="module")
def alice_session(mcp_data: McpData) -> Session:
    env = {
        "PAPERSCOPE_DATA_DIR": str(mcp_data.settings.data_dir),
        "PAPERSCOPE_EMBEDDING_CACHE_DIR": str(mcp_data.settings.embedding_cache_dir),
        "PAPERSCOPE_PUBLIC_BASE_URL": mcp_data.settings.public_base_url,
    }
    return over_stdio(src=mcp_data.src, args=["--user", "alice"], env=env, calls=CALLS)


@pytest.fixture(scope="module")
def api(mcp_data: McpData) -> Paperscope:
    with Paperscope(mcp_data.settings) as opened:
        yield opened


def test_lists_every_tool(alice_session: Session) -> None:
    assert set(alice_session.tools) == TOOLS


def test_search_results_are_compact_and_relevant(alice_session: Session, api: Paperscope) -> None:
    found = alice_session.answers["search"]
    assert not found.is_error, found.text
    results = found.data["results"]
    assert 0 < len(results) <= 5
    for result in results:
        assert set(result) == {
            "id", "title", "authors", "author_count", "date", "summary", "score", "url"
        }  # fmt: skip
        paper = api.paper(result["id"])
        assert result["authors"] == list(paper.authors[:3])
        assert result["author_count"] == len(paper.authors)
        assert len(result["summary"]) <= 201
        assert result["url"] == f"https://papers.example.org/papers/{result['id']}"
        assert result["date"] == paper.submitted_at.date().isoformat()
    top = api.paper(results[0]["id"])
    assert "higgs" in (top.title + top.abstract).lower()
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_search_offers_a_respelling(alice_session: Session) -> None:
    typo = alice_session.answers["search_typo"]
    assert not typo.is_error, typo.text
    assert typo.data["did_you_mean"] == "higgs boson" and typo.data["total"] > 0
    assert alice_session.answers["search"].data["did_you_mean"] is None


def test_search_filters(alice_session: Session, api: Paperscope) -> None:
    hep = alice_session.answers["search_hep"].data["results"]
    assert hep and all("hep-ph" in api.paper(r["id"]).categories for r in hep)
    dated = alice_session.answers["search_dates"].data["results"]
    assert dated and all(r["date"] == "2007-04-01" for r in dated)
    by_author = alice_session.answers["search_author"].data["results"]
    assert by_author and all(
        any("Nadolsky" in a for a in api.paper(r["id"]).authors) for r in by_author
    )


def test_search_sorts_by_citations_as_the_site_does(
    alice_session: Session, api: Paperscope
) -> None:
    cited = alice_session.answers["search_cited"]
    assert not cited.is_error, cited.text
    expected = api.search("quark", sort="citations", limit=5)
    assert [r["id"] for r in cited.data["results"]] == [h.paper_id for h in expected.hits]
    assert cited.data["results"]


def test_a_category_no_paper_has_gets_a_notice(alice_session: Session) -> None:
    unknown = alice_session.answers["search_no_category"]
    assert not unknown.is_error, unknown.text
    assert unknown.data["total"] == 0
    assert "'zz.ZZ'" in unknown.data["notice"] and "not an arXiv category" in unknown.data["notice"]
    # An arXiv category is a fine filter even when no paper here is in it yet.
    arxiv = alice_session.answers["search_arxiv_category"]
    assert arxiv.data["total"] == 0 and arxiv.data["notice"] is None


def test_answers_are_compact_json(alice_session: Session) -> None:
    firsts = {"search": "query", "paper": "id", "daily_week": "period", "library": "user"}
    for label, first in firsts.items():
        got = alice_session.answers[label]
        assert not got.is_error, got.text
        # No indentation, no space after separators (a newline inside a value is \n).
        assert "\n" not in got.text and got.text.startswith(f'{{"{first}":')
        assert json.loads(got.text) == got.data


def test_tool_schemas_refuse_other_arguments(alice_session: Session) -> None:
    for tool in TOOLS:
        assert alice_session.input_schemas[tool]["additionalProperties"] is False


def test_get_paper_is_complete(alice_session: Session, api: Paperscope) -> None:
    data = alice_session.answers["paper"].data
    paper = api.paper("0704.0001")
    assert data["id"] == "0704.0001"
    assert data["abstract"] == " ".join(paper.abstract.split())
    assert data["authors"] == list(paper.authors)
    assert data["doi"] == paper.doi and data["journal_ref"] == paper.journal_ref
    assert data["upvotes"] == 2  # alice's and bob's
    assert data["saves"] == 1
    assert data["abs_url"] == "https://arxiv.org/abs/0704.0001"


def test_similar_papers(alice_session: Session) -> None:
    data = alice_session.answers["similar"].data
    assert data["paper"]["id"] == SAVED[0]
    ids = [r["id"] for r in data["similar"]]
    assert 0 < len(ids) <= 4 and SAVED[0] not in ids


def test_daily_papers_by_day_week_month(alice_session: Session, api: Paperscope) -> None:
    day = alice_session.answers["daily_day"].data
    assert (day["period"], day["start"], day["end"]) == ("day", "2007-04-02", "2007-04-02")
    expected = api.daily(date="2007-04-02", limit=100)
    assert day["total"] == expected.total > 0
    assert [p["id"] for p in day["papers"]] == [p.paper_id for p in expected.papers]
    assert day["papers"][0]["id"] == SAVED[0]  # the most upvoted paper of that day
    week = alice_session.answers["daily_week"].data
    assert (week["key"], week["start"], week["end"]) == ("2007-W14", "2007-04-02", "2007-04-08")
    assert week["total"] == api.daily(week="2007-W14").total
    month = alice_session.answers["daily_month"].data
    assert month["total"] == api.daily(month="2007-04").total >= week["total"]
    assert len(month["papers"]) == 5
    assert all(date.fromisoformat(p["date"]).month in (3, 4) for p in month["papers"])
    # One category, typed in any case: that category's papers of the month, and only them.
    hep = alice_session.answers["daily_hep"].data
    expected = api.daily(month="2007-04", limit=100, category="hep-ph")
    assert 0 < hep["total"] == expected.total < month["total"]
    assert [p["id"] for p in hep["papers"]] == [p.paper_id for p in expected.papers]
    assert all("hep-ph" in p.categories for p in expected.papers)


def test_trending_papers(alice_session: Session, api: Paperscope) -> None:
    data = alice_session.answers["trending"].data
    ids = [p["id"] for p in data["papers"]]
    # Two upvotes and a save beat a save alone, which beats an older upvote.
    # (Other modules' tests may add activity of their own: compare the seeded papers.)
    assert ids[0] == SAVED[0]
    assert {*SAVED, "0704.0002"} <= set(ids)
    assert all(ids.index(saved) < ids.index("0704.0002") for saved in SAVED)
    scores = [p["score"] for p in data["papers"]]
    assert scores == sorted(scores, reverse=True)
    # Narrowed to the math archive (typed in capitals): 0704.0002 (math.CO), not the
    # hep-ph papers alice saved; every paper listed is in math.
    math = [p["id"] for p in alice_session.answers["trending_math"].data["papers"]]
    assert "0704.0002" in math and not set(SAVED) & set(math)
    assert all(any(c.startswith("math.") for c in p.categories) for p in api.papers(math))


def test_library_tools_act_for_the_chosen_user(alice_session: Session) -> None:
    library = alice_session.answers["library"].data
    assert library["user"] == "alice"
    items = {i["id"]: i for i in library["items"]}
    for paper_id in SAVED:
        assert items[paper_id]["tags"] == ["qcd"]
        assert items[paper_id]["note"] == f"read {paper_id} again"
    added = alice_session.answers["add"].data["saved"]
    assert added["id"] == "0704.0002"
    assert added["tags"] == ["graphs", "to-read"]  # normalised as on the site
    assert added["note"] == "n"
    after = alice_session.answers["library_after"].data
    assert [i["id"] for i in after["items"]] == ["0704.0002"]


def test_recommend(alice_session: Session) -> None:
    data = alice_session.answers["recommend"].data
    assert data["user"] == "alice" and data["notice"] is None
    ids = [p["id"] for p in data["papers"]]
    assert ids and not set(ids) & {*SAVED, "0704.0002"}
    assert all(p["why"] for p in data["papers"])


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("unknown_paper", "no paper '9999.99999'"),
        ("unknown_similar", "no paper 'hep-th/9901999'"),
        ("bad_date", "Not a valid date: '2007-13-45'"),
        ("bad_week", "Not a valid week: '2007-W60'"),
        ("two_periods", "give one of date, week or month"),
        ("bad_from", "Not a valid date for date_from: 'yesterday'. Use the form 2024-10-25."),
        ("swapped", "date_from 2008-01-01 is after date_to 2007-01-01"),
        ("limit_high", "search_papers: limit must be at most 100 (got 5000)."),
        ("limit_zero", "trending_papers: limit must be at least 1 (got 0)."),
        (
            "bad_sort",
            "sort must be one of 'relevance', 'newest', 'oldest' or 'citations' (got 'random')",
        ),
        ("missing_arg", "get_paper: paper_id is required."),
        (
            "unknown_arg",
            "search_papers: search_papers takes no argument 'bogus_arg' (its arguments: "
            "query, category, author, date_from, date_to, sort, limit).",
        ),
        ("unknown_args", "get_paper takes no arguments 'id', 'verbose' (its arguments: paper_id)"),
        (
            "unknown_and_bad",
            "trending_papers takes no argument 'windw' (its arguments: window, limit, "
            "category); "
            "limit must be at least 1 (got 0).",
        ),
        ("add_unknown", "no paper '0000.00000'"),
        ("unknown_tag", 'no papers tagged "no-such-tag"'),
    ],
)
def test_malformed_calls_get_tool_errors(alice_session: Session, label: str, reason: str) -> None:
    got = alice_session.answers[label]
    assert got.is_error
    assert reason in got.text
    assert "Traceback" not in got.text and "pydantic" not in got.text


def test_without_a_user_the_user_tools_explain(mcp_data: McpData) -> None:
    env = {"PAPERSCOPE_DATA_DIR": str(mcp_data.settings.data_dir)}
    calls = [
        ("library", "library_list", {}),
        ("add", "library_add", {"paper_id": "0704.0001"}),
        ("recommend", "recommend", {}),
        ("paper", "get_paper", {"paper_id": "0704.0001"}),
    ]
    session = over_stdio(src=mcp_data.src, args=[], env=env, calls=calls)
    for label in ("library", "add", "recommend"):
        assert session.answers[label].is_error
        assert "paperscope mcp --user NAME" in session.answers[label].text
    assert not session.answers["paper"].is_error


def test_a_token_in_the_environment_chooses_the_user(mcp_data: McpData) -> None:
    env = {
        "PAPERSCOPE_DATA_DIR": str(mcp_data.settings.data_dir),
        "PAPERSCOPE_MCP_TOKEN": mcp_data.token,
    }
    session = over_stdio(src=mcp_data.src, args=[], env=env, calls=[("l", "library_list", {})])
    assert session.answers["l"].data["user"] == "alice"
