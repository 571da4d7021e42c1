"""Citations where readers see them: the paper JSON and page, and lists and search
sorted by citations, on SQLite and PostgreSQL, after a real enrichment run against the
OpenAlex replay (tests/enrich)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enrich.enrich_samples import enrich_sample
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.web.app import create_app

MOST_CITED_FIRST = ["1512.03385", "1706.03762", "ps-deeplearning", "1810.04805", "1409.0473"]


@pytest.fixture
def cited(any_store: Store, settings: Settings) -> Iterator[TestClient]:
    enrich_sample(store=any_store, settings=settings)
    with TestClient(create_app(settings, store=any_store)) as c:
        yield c


def test_paper_json_carries_counts_and_stored_references(cited: TestClient) -> None:
    data = cited.get("/api/v1/papers/1706.03762").json()
    assert data["cited_by_count"] == 118412
    assert data["reference_count"] == 6 and data["openalex_id"] == "W2963403868"
    refs = data["references"]
    assert [r["paper_id"] for r in refs] == ["1512.03385", "1409.0473"]
    assert refs[0] == {
        "paper_id": "1512.03385",
        "url": "/papers/1512.03385",
        "title": "Deep Residual Learning for Image Recognition",
        "authors": ["A. Author"],
        "submitted_at": "2015-12-10T00:00:00Z",
        "cited_by_count": 201544,
    }


def test_a_paper_without_counts_says_so_in_json_and_shows_no_section(cited: TestClient) -> None:
    data = cited.get("/api/v1/papers/ps-noidentifier").json()
    assert data["cited_by_count"] is None and data["references"] == []
    assert data["reference_count"] is None and data["openalex_id"] is None
    page = cited.get("/papers/ps-noidentifier")
    assert page.status_code == 200 and 'id="citations"' not in page.text
    # Looked up, but OpenAlex has no such work: nothing to show either.
    assert 'id="citations"' not in cited.get("/papers/2401.00001").text


def test_paper_page_shows_the_count_and_the_references_here(cited: TestClient) -> None:
    html = cited.get("/papers/1706.03762").text
    section = html[
        html.index('id="citations"') : html.index("</section>", html.index('id="citations"'))
    ]
    assert re.search(r'data-testid="cited-by-count">118,412</strong>\s*citations', section)
    assert 'href="https://openalex.org/W2963403868"' in section
    assert "(2 of 6)" in section
    links = re.findall(r'<li><a class="math" href="([^"]+)">([^<]+)</a>', section)
    assert links == [
        ("/papers/1512.03385", "Deep Residual Learning for Image Recognition"),
        ("/papers/1409.0473", "Neural Machine Translation by Jointly Learning to Align and "
         "Translate"),
    ]  # fmt: skip
    assert "201,544 citations" in section
    lonely = cited.get("/papers/1409.0473").text
    assert "None of its 1 references is in this collection yet." in lonely


def test_papers_list_sorts_by_citations(cited: TestClient) -> None:
    data = cited.get("/api/v1/papers", params={"sort": "citations"}).json()
    ids = [c["paper_id"] for c in data["items"]]
    assert ids == [*MOST_CITED_FIRST, "ps-noidentifier", "2401.00001"]
    assert [c["cited_by_count"] for c in data["items"]][:2] == [201544, 118412]
    assert data["items"][-1]["cited_by_count"] is None
    paged = cited.get("/api/v1/papers", params={"sort": "citations", "limit": 2, "page": 2})
    assert [c["paper_id"] for c in paged.json()["items"]] == MOST_CITED_FIRST[2:4]
    bad = cited.get("/api/v1/papers", params={"sort": "popular"})
    assert bad.status_code == 422 and "sort" in bad.text


def test_category_page_and_search_sort_by_citations(cited: TestClient) -> None:
    listed = cited.get("/api/v1/categories/cs.LG", params={"sort": "citations"}).json()
    assert [c["paper_id"] for c in listed["items"]][:5] == MOST_CITED_FIRST
    html = cited.get("/categories/cs.LG", params={"sort": "citations"}).text
    assert 'aria-current="true">Most cited</a>' in html
    assert "201,544 citations" in html
    # No search index here: the search falls back to the title match, sorted the same.
    found = cited.get("/api/v1/search", params={"q": "deep", "sort": "citations"}).json()
    assert [c["paper_id"] for c in found["items"]] == [
        "1512.03385",
        "ps-deeplearning",
        "1810.04805",
    ]
    page = cited.get("/search", params={"q": "deep", "sort": "citations"}).text
    assert '<option value="citations" selected>Most cited</option>' in page
