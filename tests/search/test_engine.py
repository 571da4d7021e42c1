"""SearchEngine on the indexed seed corpus: golden rankings, filters in both
retrievers, sorting, paging, explanations, robustness and similar papers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_samples import load_seed, paper_id, seed_papers

from paperscope.config import Settings
from paperscope.index.catch_up import catch_up_indexes
from paperscope.models import Paper, SearchQuery
from paperscope.search.engine import SearchEngine, UnknownPaperError
from paperscope.store import Store
from paperscope.store.papers import upsert_papers

ADAMP = paper_id(0)  # "AdamP: Slowing Down the Slowdown for Momentum Optimizers ..."
PREFERENCE = paper_id(80)  # "Preference Learning Algorithms Do Not Learn Preference Rankings"


def top(engine: SearchEngine, text: str, mode: str, limit: int = 3, **extra: object) -> list[str]:
    results = engine.search(SearchQuery(text=text, mode=mode, limit=limit, **extra))  # type: ignore[arg-type]
    return [hit.paper_id for hit in results.hits]


# Golden rankings: a change here is a ranking change, to be explained in the commit.
GOLDEN = {
    # "scale" (in 22 of the 81 papers) is left out of "scale-invariant" as a common part
    # (index/lexical_compile.py): the paper that only scales batch sizes drops to 4th.
    ("momentum optimizer scale-invariant weights", "bm25"): [ADAMP, paper_id(60), paper_id(73)],
    ("momentum optimizer scale-invariant weights", "dense"): [ADAMP, paper_id(62), paper_id(67)],
    ("momentum optimizer scale-invariant weights", "hybrid"): [ADAMP, paper_id(62), paper_id(67)],
    # Both parts of "sub-optimal" are common here; only the rarer, "sub", stays, so a paper
    # on "model performance" passes one that is only about optimal decoding.
    ("sub-optimal model performance", "bm25"): [paper_id(3), paper_id(1), paper_id(10)],
    ("sub-optimal model performance", "hybrid"): [paper_id(10), paper_id(3), paper_id(1)],
    # Without "learning" on the lexical side (in half the papers: the common-word cut),
    # the paper on preference-based finetuning passes the one on low-rank models.
    ("preference learning ranking", "hybrid"): [PREFERENCE, paper_id(19), paper_id(37)],
    # Queries are embedded in int8 (QUERY_EMBEDDING_PRECISION): in fp32, 23 came before 3.
    ("why does my model underperform", "hybrid"): [paper_id(58), paper_id(3), paper_id(23)],
}


@pytest.mark.parametrize(("text", "mode"), sorted(GOLDEN))
def test_golden_rankings(engine: SearchEngine, text: str, mode: str) -> None:
    assert top(engine, text, mode) == GOLDEN[(text, mode)]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_ranking_is_the_order_search_shows(engine: SearchEngine, mode: str) -> None:
    # ranking() (evaluation, benchmarks) must rank as the pages do, common-word cut included.
    for text in ("preference learning ranking", "why does my model underperform", "momentum"):
        ranked = engine.ranking(SearchQuery(text=text, mode=mode, limit=20))  # type: ignore[arg-type]
        assert [paper_id for paper_id, _ in ranked] == top(engine, text, mode, limit=20)


def test_side_by_side_retrievers_answer_as_one_after_the_other(engine: SearchEngine) -> None:
    queries = [
        SearchQuery(text="preference learning ranking"),
        SearchQuery(text="momentum optimizers", mode="dense", categories=("cs.LG",)),
        SearchQuery(text="language model -survey", limit=5, offset=3),
    ]
    side_by_side = [engine.search(q) for q in queries]
    engine.parallel_retrievers = False
    try:
        one_after_the_other = [engine.search(q) for q in queries]
    finally:
        engine.parallel_retrievers = True
    for a, b in zip(side_by_side, one_after_the_other, strict=True):
        assert [(h.paper_id, h.score) for h in a.hits] == [(h.paper_id, h.score) for h in b.hits]
        assert a.total == b.total and a.total > 0
        assert {"lexical", "embed", "dense"} <= set(a.timings)


def test_hits_explain_themselves(engine: SearchEngine) -> None:
    results = engine.search(SearchQuery(text="momentum optimizers", limit=5))
    first = results.hits[0]
    assert first.paper_id == ADAMP and first.rank == 1
    assert first.bm25_score is not None and first.bm25_score > 0
    assert first.semantic_score is not None and 0 < first.semantic_score <= 1
    assert 0 < first.score <= 1
    assert "<mark>Momentum</mark> <mark>Optimizers</mark>" in first.title_html
    assert set(first.matched_terms) >= {"momentum", "optimizers"}
    assert "<mark>" in first.abstract_html
    assert [hit.rank for hit in results.hits] == [1, 2, 3, 4, 5]
    assert results.timings["total"] > 0


def test_html_in_titles_is_escaped(engine: SearchEngine) -> None:
    hit = engine.search(SearchQuery(text="<script>alert(1)</script> momentum", limit=1)).hits[0]
    assert "<script>" not in hit.title_html and "<script>" not in hit.abstract_html


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_filters_apply_in_every_mode(engine: SearchEngine, mode: str) -> None:
    by_id = {p.paper_id: p for p in seed_papers()}
    query = SearchQuery(
        text="neural network training",
        mode=mode,
        categories=("stat.ML",),
        date_from=date(2024, 1, 10),
        date_to=date(2024, 3, 1),
        limit=50,
    )
    results = engine.search(query)
    assert results.hits
    for hit in results.hits:
        paper = by_id[hit.paper_id]
        assert "stat.ML" in paper.categories
        assert paper.submitted_at is not None
        assert date(2024, 1, 10) <= paper.submitted_at.date() <= date(2024, 3, 1)


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_author_source_and_paper_id_filters(engine: SearchEngine, mode: str) -> None:
    lovelace = engine.search(
        SearchQuery(text="learning", mode=mode, authors=("Ada Lovelace",), limit=50)
    )
    expected = {paper_id(i) for i in range(0, 81, 7)}
    assert {hit.paper_id for hit in lovelace.hits} <= expected
    assert lovelace.hits
    chosen = frozenset({ADAMP, PREFERENCE, paper_id(5)})
    among = engine.search(SearchQuery(text="learning", mode=mode, paper_ids=chosen, limit=50))
    assert {hit.paper_id for hit in among.hits} <= chosen
    hf = engine.search(SearchQuery(text="model", mode=mode, sources=("hf-daily",), limit=50))
    assert all(int(hit.paper_id[-3:]) % 2 == 0 for hit in hf.hits)


def test_query_syntax_constrains_semantic_candidates(engine: SearchEngine) -> None:
    results = engine.search(SearchQuery(text="optimizer -momentum", mode="hybrid", limit=100))
    assert ADAMP not in [hit.paper_id for hit in results.hits]
    by_author = engine.search(SearchQuery(text="au:lovelace", mode="hybrid", limit=100))
    assert {hit.paper_id for hit in by_author.hits} == {paper_id(i) for i in range(0, 81, 7)}


def test_sorting_by_date(engine: SearchEngine) -> None:
    for mode in ("bm25", "hybrid"):
        newest = engine.search(SearchQuery(text="learning", mode=mode, sort="newest", limit=10))
        ids = [hit.paper_id for hit in newest.hits]
        assert ids == sorted(ids, reverse=True)  # ids grow with the date in this corpus
        oldest = engine.search(SearchQuery(text="learning", mode=mode, sort="oldest", limit=10))
        assert [h.paper_id for h in oldest.hits] == sorted(h.paper_id for h in oldest.hits)


@pytest.mark.parametrize("mode", ["bm25", "hybrid"])
def test_pages_tile_the_ranking(engine: SearchEngine, mode: str) -> None:
    whole = engine.search(SearchQuery(text="language model", mode=mode, limit=30))
    pages = [
        engine.search(SearchQuery(text="language model", mode=mode, limit=10, offset=offset))
        for offset in (0, 10, 20)
    ]
    assert [h.paper_id for page in pages for h in page.hits] == [h.paper_id for h in whole.hits]
    assert pages[2].hits[0].rank == 21
    assert all(page.total == whole.total for page in pages)


def test_min_score_keeps_strong_hits(engine: SearchEngine) -> None:
    strict = engine.search(SearchQuery(text="momentum optimizers", min_score=0.5, limit=50))
    assert [hit.paper_id for hit in strict.hits] == [ADAMP]
    assert strict.total == 1


def test_empty_query_lists_newest(engine: SearchEngine) -> None:
    results = engine.search(SearchQuery(text="   ", limit=3))
    assert results.notice and "empty query" in results.notice
    assert [hit.paper_id for hit in results.hits] == [paper_id(80), paper_id(79), paper_id(78)]
    assert results.total == 81


def test_repairs_are_reported_to_the_caller(engine: SearchEngine) -> None:
    results = engine.search(SearchQuery(text='"momentum optimizers', mode="bm25"))
    assert results.hits and results.notice == "unbalanced quote ignored"
    long = engine.search(SearchQuery(text="momentum " * 2_000, mode="bm25"))
    assert long.notice and "shortened" in long.notice
    odd = engine.search(SearchQuery(text="momentum", mode="sideways", sort="random", limit=-3))
    assert odd.hits and odd.notice and "unknown mode" in odd.notice


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=80), mode=st.sampled_from(["bm25", "hybrid"]))
def test_any_text_gets_an_answer(engine: SearchEngine, text: str, mode: str) -> None:
    results = engine.search(SearchQuery(text=text, mode=mode, limit=5))
    assert results.total >= len(results.hits)


def test_similar_papers(engine: SearchEngine) -> None:
    hits = engine.similar(f"https://arxiv.org/abs/{ADAMP}v2", limit=3)
    assert [hit.paper_id for hit in hits] == [paper_id(62), paper_id(45), paper_id(70)]
    assert all(hit.semantic_score is not None for hit in hits)
    with pytest.raises(UnknownPaperError):
        engine.similar("9999.99999")


def test_query_vectors_and_paper_vectors(engine: SearchEngine) -> None:
    query = engine.embed_query("momentum optimizers")
    vectors = engine.paper_vectors([ADAMP, PREFERENCE])
    assert vectors.shape == (2, query.shape[0])
    assert float(vectors[0] @ query) > float(vectors[1] @ query)


def test_date_sorted_keyword_pages_tile(engine: SearchEngine) -> None:
    def page(offset: int, limit: int) -> list[str]:
        query = SearchQuery(text="learning", mode="bm25", sort="oldest", limit=limit, offset=offset)
        return [hit.paper_id for hit in engine.search(query).hits]

    assert page(0, 4) + page(4, 4) == page(0, 8)
    assert (
        engine.search(SearchQuery(text="learning", mode="bm25", sort="oldest", offset=4))
        .hits[0]
        .rank
        == 5
    )


def test_new_papers_show_up_without_reopening(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperscope.search import engine as engine_module

    monkeypatch.setattr(engine_module, "REFRESH_CHECK_SECONDS", 0.0)
    load_seed(store, seed_papers()[:5])
    catch_up_indexes(settings=settings, store=store, dense=False)
    fresh = SearchEngine.open(settings=settings, store=store)
    assert fresh.search(SearchQuery(text="zebrafish", mode="bm25")).total == 0
    zebrafish = Paper(paper_id="ps-zebra", title="Zebrafish fin regeneration atlas")
    upsert_papers(store=store, papers_in=[zebrafish])
    catch_up_indexes(settings=settings, store=store, dense=False)
    found = fresh.search(SearchQuery(text="zebrafish", mode="bm25"))
    assert [hit.paper_id for hit in found.hits] == ["ps-zebra"]
