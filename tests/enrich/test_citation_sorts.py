"""Sorting by citations where papers are listed: the search engine (its matching ids
ordered by OpenAlex counts) and the store's listing query, on SQLite and PostgreSQL,
after a real enrichment run against the OpenAlex replay."""

from __future__ import annotations

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes
from paperscope.ingest.enrich_openalex import enrich_openalex
from paperscope.models import SearchQuery
from paperscope.search.engine import SearchEngine
from paperscope.store import Store
from paperscope.store.title_search import search_titles

MOST_CITED_FIRST = ["1512.03385", "1706.03762", "ps-deeplearning", "1810.04805", "1409.0473"]


def test_search_sorts_matching_papers_by_citations(
    stored_papers: Store, openalex_settings: Settings
) -> None:
    enrich_openalex(settings=openalex_settings, store=stored_papers)
    catch_up_indexes(settings=openalex_settings, store=stored_papers, dense=False)
    engine = SearchEngine.open(settings=openalex_settings, store=stored_papers)
    query = SearchQuery(text="abstract", mode="bm25", sort="citations", limit=3)
    first = engine.search(query)
    assert [h.paper_id for h in first.hits] == MOST_CITED_FIRST[:3]
    rest = engine.search(SearchQuery(text="abstract", mode="bm25", sort="citations", offset=3))
    # Uncounted papers come after the counted ones, in relevance order.
    assert [h.paper_id for h in rest.hits][:2] == MOST_CITED_FIRST[3:]
    assert {h.paper_id for h in rest.hits[2:]} == {"2401.00001", "ps-noidentifier"}
    assert first.total == rest.total == 7
    narrowed = engine.search(SearchQuery(text="deep", mode="bm25", sort="citations"))
    assert [h.paper_id for h in narrowed.hits] == ["1512.03385", "ps-deeplearning", "1810.04805"]
    assert "unknown sort" not in (narrowed.notice or "")


def test_listing_sorts_by_citations_then_date(
    stored_papers: Store, openalex_settings: Settings
) -> None:
    enrich_openalex(settings=openalex_settings, store=stored_papers)
    rows, total = search_titles(store=stored_papers, terms=[], by_citations=True, limit=50)
    # Uncounted papers last, newest first among them.
    assert [r[0] for r in rows] == [*MOST_CITED_FIRST, "ps-noidentifier", "2401.00001"]
    assert total == 7
    page, _ = search_titles(
        store=stored_papers, terms=["deep"], by_citations=True, limit=1, offset=1
    )
    assert [r[0] for r in page] == ["ps-deeplearning"]
