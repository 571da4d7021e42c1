"""The search page and its JSON twin on an indexed sample (both retrievers, the real
embedding model): nothing for nonsense, ids and DOIs going to their paper, the honest
count, facets, the month chart, suggestions and the subscription links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.papers import upsert_papers
from paperscope.web.app import create_app


@pytest.mark.parametrize("nonsense", ["zzzxqj", "qwxz blorft"])
def test_nonsense_finds_nothing_in_page_and_api(searchable: TestClient, nonsense: str) -> None:
    data = searchable.get("/api/v1/search", params={"q": nonsense}).json()
    assert data["items"] == [] and data["total"] == 0 and data["pagination"]["total"] == 0
    assert data["facets"] is None
    page = searchable.get("/search", params={"q": nonsense})
    assert page.status_code == 200
    assert "No paper matches" in page.text and 'class="cards"' not in page.text


@pytest.mark.parametrize(
    "spelling",
    [
        "2410.17243",
        "arXiv:2410.17243v1",
        "https://arxiv.org/abs/2410.17243v2",
        "https://arxiv.org/pdf/2410.17243v1.pdf",
        "https://huggingface.co/papers/2410.17243",
        "https://doi.org/10.48550/arXiv.2410.17243",
    ],
)
def test_an_id_goes_straight_to_the_paper(searchable: TestClient, spelling: str) -> None:
    page = searchable.get("/search", params={"q": spelling}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/papers/2410.17243"
    data = searchable.get("/api/v1/search", params={"q": spelling}).json()
    assert data["exact_match"] == "2410.17243" and data["total"] == 1
    assert [item["paper_id"] for item in data["items"]] == ["2410.17243"]


def test_old_style_ids_and_dois_redirect(searchable: TestClient) -> None:
    for text, target in (
        ("https://arxiv.org/abs/hep-th/9901001v2", "/papers/hep-th/9901001"),
        ("https://doi.org/10.5555/SEED.0", "/papers/2301.10001"),
    ):
        page = searchable.get("/search", params={"q": text}, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == target


def test_an_exact_title_ranks_first_without_redirecting(searchable: TestClient) -> None:
    title = searchable.get("/api/v1/search", params={"q": "memory"}).json()["items"][0]["title"]
    page = searchable.get("/search", params={"q": title}, follow_redirects=False)
    assert page.status_code == 200
    data = searchable.get("/api/v1/search", params={"q": title}).json()
    assert data["exact_match"] == data["items"][0]["paper_id"]


def test_count_facets_and_links(searchable: TestClient) -> None:
    data = searchable.get("/api/v1/search", params={"q": "language model", "limit": 5}).json()
    facets = data["facets"]
    assert data["total"] == data["pagination"]["total"] > len(data["items"])
    assert sum(year["count"] for year in facets["years"]) == data["total"]
    assert sum(month["count"] for month in facets["months"]) == data["total"]
    assert facets["categories"][0]["count"] >= facets["categories"][-1]["count"]
    link = facets["categories"][0]
    assert link["url"].startswith("/api/v1/search?")  # an API answer links API answers
    narrowed = searchable.get(link["url"]).json()
    assert narrowed["total"] == link["count"]
    year = facets["years"][0]
    assert parse_qs(urlsplit(year["url"]).query)["from"] == [f"{year['label']}-01-01"]
    assert searchable.get(year["url"]).json()["total"] == (year["count"])
    page = searchable.get("/search", params={"q": "language model"})
    assert f"{data['total']:,} matching papers" in page.text
    assert '<svg viewBox="0 0' in page.text and "<rect" in page.text
    assert 'rel="alternate" type="application/atom+xml"' in page.text
    assert 'href="/search.atom?q=language+model"' in page.text
    assert 'href="/subscribe?q=language+model"' in page.text
    assert "Alert me about new matches" in page.text
    form = searchable.get(data["alert_url"])
    assert form.status_code == 200 and 'value="language model"' in form.text


def test_facet_and_suggestion_links_keep_the_other_choices(searchable: TestClient) -> None:
    params = {"q": "language model", "limit": "5", "sort": "newest", "has_code": "false"}
    data = searchable.get("/api/v1/search", params=params).json()
    assert data["has_code"] is False
    link = parse_qs(urlsplit(data["facets"]["categories"][0]["url"]).query)
    assert link["limit"] == ["5"] and link["sort"] == ["newest"] and "has_code" not in link
    assert "page" not in link  # a narrower search starts at its first page
    coded = {"q": "memroy", "has_code": "true", "category": "math.AG"}
    data = searchable.get("/api/v1/search", params=coded).json()
    assert data["has_code"] is True and data["total"] == 0
    for suggestion in data["suggestions"]:
        assert parse_qs(urlsplit(suggestion["url"]).query)["has_code"] == ["true"]


def test_no_results_page_suggests_a_way_out(searchable: TestClient) -> None:
    params = {"q": "memroy", "category": "math.AG"}
    data = searchable.get("/api/v1/search", params=params).json()
    assert data["total"] == 0
    labels = [s["label"] for s in data["suggestions"]]
    assert "without the category filter" in labels
    assert "did you mean “memory”?" in labels
    dropped = next(s["url"] for s in data["suggestions"] if "category" in s["label"])
    assert "category" not in dropped and "q=memroy" in dropped
    page = searchable.get("/search", params=params)
    assert "No paper matches “memroy”" in page.text and "did you mean" in page.text
    broader = searchable.get("/api/v1/search", params={"q": '"memroy barier"', "category": "x.Y"})
    assert any("any of the words" in s["label"] for s in broader.json()["suggestions"])


def test_a_missing_id_links_the_submit_form_and_arxiv(searchable: TestClient) -> None:
    data = searchable.get("/api/v1/search", params={"q": "arXiv:2312.99999v2"}).json()
    assert data["total"] == 0
    assert data["notice"] == "No paper with arXiv id 2312.99999 in this library yet."
    urls = {s["label"]: s["url"] for s in data["suggestions"]}
    assert urls == {
        "submit it: fetch it from arXiv into this library": "/submit?arxiv_id=2312.99999",
        "open it on arxiv.org": "https://arxiv.org/abs/2312.99999",
    }
    page = searchable.get("/search", params={"q": "arXiv:2312.99999v2"}).text
    assert 'href="/submit?arxiv_id=2312.99999"' in page
    # An id names one paper: no alert or feed of "new matches" is offered for it.
    assert data["alert_url"] is None and data["feed_url"] is None
    assert "Alert me about new matches" not in page and 'rel="alternate"' not in page
    doi = searchable.get("/api/v1/search", params={"q": "doi:10.1000/None"}).json()
    assert [s["url"] for s in doi["suggestions"]] == ["https://doi.org/10.1000/none"]


def test_a_typo_beside_matching_words_is_respelled_above_the_results(
    searchable: TestClient,
) -> None:
    data = searchable.get("/api/v1/search", params={"q": "langauge models"}).json()
    assert data["total"] > 0  # "models" alone matches
    assert data["did_you_mean"] == {
        "q": "language models",
        "url": "/api/v1/search?q=language+models",
    }
    # The page asked for JSON links the pages' JSON.
    same = searchable.get("/search", params={"q": "langauge models", "format": "json"}).json()
    assert same["did_you_mean"]["url"] == "/search?q=language+models&format=json"
    assert data["suggestions"] == []
    page = searchable.get("/search", params={"q": "langauge models", "category": "cs.CL"})
    assert 'Did you mean <a href="/search?q=language+models&amp;category=cs.CL">' in page.text
    assert 'class="cards"' in page.text
    # Spelled right, or with field syntax (whose respelling could change its meaning):
    # nothing offered.
    for q in ("language models", 'langauge "language models"'):
        data = searchable.get("/api/v1/search", params={"q": q}).json()
        assert data["total"] > 0 and data["did_you_mean"] is None


def test_sampled_facets_say_they_are_estimates(
    searchable: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = searchable.app.state.search.engine()  # type: ignore[attr-defined]
    monkeypatch.setattr(engine, "facet_exact_limit", 10)
    monkeypatch.setattr(engine, "facet_sample", 5)
    params = {"q": "language models training"}
    data = searchable.get("/api/v1/search", params=params).json()
    share = data["facets"]["sample"]
    assert 0 < share < 1 and data["total"] > 10
    # Scaled-up counts: every one is a multiple of the sampling step.
    step = round(1 / share)
    assert all(year["count"] % step == 0 for year in data["facets"]["years"])
    page = searchable.get("/search", params=params).text
    assert f"Counts estimated from 1 in {step} of the matches." in page
    assert f"{data['total']:,} matching papers" in page  # the total stays exact


def test_a_pasted_abstract_is_cut_with_a_notice_not_refused(searchable: TestClient) -> None:
    abstract = "We study memory efficient attention for long context language models. " * 40
    data = searchable.get("/api/v1/search", params={"q": abstract}).json()
    assert len(abstract) > 2_000 and data["total"] > 0
    assert "query shortened to its first 1000 characters" in data["notice"]
    page = searchable.get("/search", params={"q": abstract})
    assert page.status_code == 200 and "query shortened" in page.text
    # Past the hard limit a request is refused, and says which parameter.
    refused = searchable.get("/api/v1/search", params={"q": "a" * 20_001})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["fields"][0]["field"] == "q"


@pytest.mark.parametrize("text", ["🤖", "((", "AND AND", '"', "au:"])
def test_nothing_to_search_for_is_not_the_whole_library(searchable: TestClient, text: str) -> None:
    data = searchable.get("/api/v1/search", params={"q": text}).json()
    assert data["items"] == [] and data["total"] == 0
    assert data["notice"].startswith(f"There is nothing to search for in “{text}”.")
    page = searchable.get("/search", params={"q": text})
    assert page.status_code == 200
    assert "matching paper" not in page.text and 'class="cards"' not in page.text
    # With a filter, the words are not needed: the filter's papers are listed.
    listed = searchable.get("/api/v1/search", params={"q": text, "category": "cs.CL"}).json()
    assert listed["total"] > 0


def test_dates_the_wrong_way_round_name_both_fields(searchable: TestClient) -> None:
    params = {"q": "memory", "from": "2024-05-01", "to": "2023-01-01"}
    refused = searchable.get("/api/v1/search", params=params)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert [f["field"] for f in error["details"]["fields"]] == ["from", "to"]
    assert "swap them" in error["message"]
    page = searchable.get("/search", params=params)
    assert page.status_code == 422 and "swap them" in page.text
    # The page does not go on to say that no paper matches, or what to try instead.
    assert "No paper matches" not in page.text and "Try other" not in page.text


@pytest.mark.parametrize("typed", ["cs.CL", "CS.cl", " cs.CL "])
def test_a_category_code_lists_that_category(searchable: TestClient, typed: str) -> None:
    listed = searchable.get("/api/v1/search", params={"category": "cs.CL", "limit": 50}).json()
    assert listed["total"] > 0
    data = searchable.get("/api/v1/search", params={"q": typed, "limit": 50}).json()
    assert data["total"] == listed["total"]
    assert [i["paper_id"] for i in data["items"]] == [i["paper_id"] for i in listed["items"]]
    assert all("cs.CL" in item["categories"] for item in data["items"])
    assert data["notice"].startswith("cs.CL is an arXiv category: showing its papers, newest")
    assert data["did_you_mean"] is None
    page = searchable.get("/search", params={"q": typed})
    assert page.status_code == 200 and "cs.CL is an arXiv category" in page.text


def test_a_typed_category_narrows_a_category_filter(searchable: TestClient) -> None:
    # The page's category facets link the query with a category added: both hold.
    both = searchable.get("/api/v1/search", params={"q": "cs.CL", "category": "cs.LG"}).json()
    alone = searchable.get("/api/v1/search", params={"q": "cs.CL"}).json()
    assert 0 < both["total"] <= alone["total"]
    assert all({"cs.CL", "cs.LG"} <= set(item["categories"]) for item in both["items"])
    oldest = searchable.get("/api/v1/search", params={"q": "cs.CL", "sort": "oldest"}).json()
    assert oldest["total"] == alone["total"]
    assert oldest["notice"].startswith("cs.CL is an arXiv category: showing its papers, oldest")


def test_a_quoted_code_or_a_word_archive_is_searched_as_text(searchable: TestClient) -> None:
    quoted = searchable.get("/api/v1/search", params={"q": '"cs.CL"'}).json()
    word = searchable.get("/api/v1/search", params={"q": "math"}).json()
    for data in (quoted, word):
        assert "arXiv category" not in (data["notice"] or "")


def test_the_years_say_how_many_matches_are_undated(
    tmp_path: Path, indexed_search_sample: Callable[[Path], Settings]
) -> None:
    """Papers from plain-text dumps have no date, so no year counts them; the facets say
    how many, and the counts add up to the total."""
    settings = indexed_search_sample(tmp_path / "data")
    store = Store.open(settings)
    quokkas = [
        Paper(paper_id=f"ps-quokka{n}", title=f"Quokkas on Rottnest, part {n}", abstract="")
        for n in range(2)
    ]
    dated = Paper(
        paper_id="2301.99999",
        arxiv_id="2301.99999",
        title="Quokkas and their island",
        abstract="A census of quokkas.",
        submitted_at=datetime(2023, 5, 1, tzinfo=UTC),
    )
    upsert_papers(store=store, papers_in=[*quokkas, dated])
    catch_up_indexes(settings=settings, store=store)
    try:
        with TestClient(create_app(settings, store=store)) as client:
            data = client.get("/api/v1/search", params={"q": "quokkas"}).json()
            assert data["total"] == 3
            facets = data["facets"]
            assert [(y["label"], y["count"]) for y in facets["years"]] == [("2023", 1)]
            assert facets["undated"] == 2
            page = client.get("/search", params={"q": "quokkas"}).text
            assert "undated <span" in page
            for q in ("attention", "language models", "graph"):
                found = client.get("/api/v1/search", params={"q": q}).json()
                f = found["facets"]
                if f["sample"] == 1 and not found["total_is_estimate"]:
                    assert sum(y["count"] for y in f["years"]) + f["undated"] == found["total"], q
    finally:
        store.close()
