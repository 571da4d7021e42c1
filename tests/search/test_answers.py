"""Answers that mean what they say: nothing for nonsense, totals equal to the real
number of matches (counted here by brute force over the seed corpus), identifiers in
every spelling going straight to their paper, and facets of the whole match set."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
from search_samples import paper_id, seed_papers

from paperscope.config import Settings
from paperscope.index.analysis import WORD, analyze_name, analyze_word
from paperscope.index.catch_up import catch_up_indexes
from paperscope.models import Paper, SearchQuery
from paperscope.search.engine import SearchEngine
from paperscope.search.service import FALLBACK_NOTICE, SearchService
from paperscope.store import Store
from paperscope.store.papers import upsert_papers

NONSENSE = ("zzzxqj", "qwxz blorft", "xq zzkvw qqpth")


@pytest.mark.parametrize("text", NONSENSE)
@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_nonsense_finds_nothing(engine: SearchEngine, text: str, mode: str) -> None:
    results = engine.search(SearchQuery(text=text, mode=mode, facets=True))
    assert results.hits == []
    assert results.total == 0
    assert results.facets is not None and results.facets.categories == ()


def _text_tokens(paper: Paper) -> set[str]:
    return {t for w in WORD.findall(f"{paper.title} {paper.abstract}") for t in analyze_word(w)}


def _tokens(paper: Paper) -> set[str]:
    names = [w for author in paper.authors for w in WORD.findall(author)]
    return _text_tokens(paper) | {t for w in names for t in analyze_name(w)}


def _matching_words(engine: SearchEngine, text: str, mode: str) -> list[str]:
    """The words that make a lexical match: outside bm25 mode, a query of three words
    or more leaves out those in more than the engine's common-word share of the
    papers (search/common_words.py), unless every word is that common."""
    words = text.split()
    if mode == "bm25" or len(words) < 3:
        return words
    corpus = [_text_tokens(p) for p in seed_papers()]
    most = engine.common_word_share * len(corpus)
    kept = [
        w
        for w in words
        if analyze_word(w) and min(sum(t in c for c in corpus) for t in analyze_word(w)) <= most
    ]
    return kept or words


def _passes(paper: Paper, extra: dict[str, Any]) -> bool:
    if "categories" in extra and not set(extra["categories"]) & set(paper.categories):
        return False
    if "sources" in extra and paper.source not in extra["sources"]:
        return False
    day = paper.submitted_at.date() if paper.submitted_at else None
    if "date_from" in extra and (day is None or day < extra["date_from"]):
        return False
    return not ("date_to" in extra and (day is None or day > extra["date_to"]))


def real_matches(engine: SearchEngine, text: str, mode: str, extra: dict[str, Any]) -> set[str]:
    """Papers containing any query word (BM25's OR; see _matching_words), plus,
    outside bm25 mode, those whose cosine with the query reaches the floor; all
    passing the filters. (Dense mode ranks by cosine alone but keeps the same
    matches: on 81 papers every paper is among its candidates.)"""
    papers = [p for p in seed_papers() if _passes(p, extra)]
    wanted = {t for w in _matching_words(engine, text, mode) for t in analyze_word(w)}
    lexical = {p.paper_id for p in papers if _tokens(p) & wanted}
    if mode == "bm25":
        return lexical
    ids = [p.paper_id for p in papers]
    cosines = engine.paper_vectors(ids) @ engine.embed_query(text)
    floor = engine.fusion.dense_floor
    close = {pid for pid, c in zip(ids, np.asarray(cosines), strict=True) if c >= floor}
    return close | lexical


CASES: list[tuple[str, dict[str, Any]]] = [
    ("momentum optimizers", {}),
    ("language model", {"categories": ("cs.CL",)}),
    ("sparse attention", {"date_from": date(2024, 1, 20), "date_to": date(2024, 2, 20)}),
    ("reinforcement learning reward", {"sources": ("hf-daily",)}),
    ("diffusion", {}),
    # "model" and "language" are each in more than a fifth of the seed papers.
    ("language model for protein design", {}),
]


@pytest.mark.parametrize(("text", "extra"), CASES)
@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_total_is_the_real_number_of_matches(
    engine: SearchEngine, text: str, extra: dict[str, Any], mode: str
) -> None:
    expected = real_matches(engine, text, mode, extra)
    results = engine.search(SearchQuery(text=text, mode=mode, limit=1_000, **extra))
    assert not results.total_is_estimate  # 81 papers: every candidate was fetched
    assert results.total == len(expected)
    assert {hit.paper_id for hit in results.hits} == expected
    # A page says the same total.
    page = engine.search(SearchQuery(text=text, mode=mode, limit=3, offset=2, **extra))
    assert page.total == len(expected)


@pytest.mark.parametrize(("text", "extra"), CASES[:3])
def test_facets_count_the_whole_match_set(
    engine: SearchEngine, text: str, extra: dict[str, Any]
) -> None:
    expected = real_matches(engine, text, "hybrid", extra)
    results = engine.search(SearchQuery(text=text, limit=2, facets=True, **extra))
    facets = results.facets
    assert facets is not None and len(results.hits) == 2
    chosen = [p for p in seed_papers() if p.paper_id in expected]
    categories = Counter(c for p in chosen for c in p.categories)
    assert dict(facets.categories) == dict(categories)
    counts = [n for _, n in facets.categories]
    assert counts == sorted(counts, reverse=True)
    assert sum(n for _, n in facets.years) == len(expected)
    months = Counter(f"{p.submitted_at:%Y-%m}" for p in chosen if p.submitted_at)
    assert {m: n for m, n in facets.months if n} == dict(months)
    assert sum(n for _, n in facets.months) == len(expected)


def test_listing_facets_cover_every_paper(engine: SearchEngine) -> None:
    facets = engine.search(SearchQuery(text="", facets=True)).facets
    assert facets is not None
    assert facets.years == ((2024, len(seed_papers())),)
    assert [m for m, _ in facets.months] == ["2024-01", "2024-02", "2024-03"]


SPELLINGS = [
    "{id}",
    "  {id}v2 ",
    "arXiv:{id}",
    "arxiv:{id}v1",
    "https://arxiv.org/abs/{id}",
    "https://arxiv.org/abs/{id}v3",
    "http://arxiv.org/pdf/{id}v2.pdf",
    "https://arxiv.org/pdf/{id}",
    "https://arxiv.org/pdf/{id}v1",
    "arxiv.org/html/{id}v1",
    "https://www.arxiv.org/abs/{id}?context=cs",
    "https://export.arxiv.org/abs/{id}",
    "https://huggingface.co/papers/{id}",
    "huggingface.co/papers/{id}#community",
    "https://hf.co/papers/{id}",
    "10.48550/arXiv.{id}",
    "https://doi.org/10.48550/arXiv.{id}",
    "doi:10.48550/ARXIV.{id}",
    # as citations and listings write it around the id
    "arXiv: {id}",
    "arxiv {id}",
    "arXiv:{id}v2 [cs.CL]",
    "({id})",
    "[{id}]",
    "{id}.",
    "“{id}”",
    # the sites readers open arXiv papers on
    "https://ar5iv.labs.arxiv.org/html/{id}",
    "https://ar5iv.org/abs/{id}",
    "https://www.alphaxiv.org/abs/{id}v1",
    "https://alphaxiv.org/overview/{id}",
    "https://www.semanticscholar.org/arxiv/{id}",
    "https://browse.arxiv.org/abs/{id}",
]


@pytest.mark.parametrize(
    "text",
    ["arxiv {id} attention", "{id} attention", "arXiv:{id} [cs.CL] 24 Oct 2024", "arxiv"],
)
def test_an_id_among_words_is_searched_as_words(engine: SearchEngine, text: str) -> None:
    """Only a query that is an id and nothing else (besides its label, brackets or a
    listing's category) goes straight to a paper."""
    results = engine.search(SearchQuery(text=text.format(id=paper_id(4)), mode="bm25"))
    assert results.exact_match is None


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("mode", ["hybrid", "bm25"])
def test_arxiv_ids_go_straight_to_their_paper(
    engine: SearchEngine, spelling: str, mode: str
) -> None:
    wanted = paper_id(4)
    results = engine.search(SearchQuery(text=spelling.format(id=wanted), mode=mode))
    assert [hit.paper_id for hit in results.hits] == [wanted]
    assert results.hits[0].exact
    assert results.exact_match == wanted
    assert results.total == 1


def test_an_unknown_id_says_so(engine: SearchEngine) -> None:
    results = engine.search(SearchQuery(text="arXiv:2312.99999"))
    assert results.hits == [] and results.total == 0 and results.exact_match is None
    assert results.notice == "No paper with arXiv id 2312.99999 in this library yet."


def test_an_exact_title_ranks_first(engine: SearchEngine) -> None:
    target = seed_papers()[30]
    for text in (target.title, target.title.lower().replace(":", " ")):
        results = engine.search(SearchQuery(text=text, limit=5))
        assert results.hits[0].paper_id == target.paper_id
        assert results.hits[0].exact and results.exact_match == target.paper_id
        assert not any(hit.exact for hit in results.hits[1:])
    plain = engine.search(SearchQuery(text="momentum optimizers"))
    assert plain.exact_match is None and not any(hit.exact for hit in plain.hits)


OLD_STYLE = Paper(
    paper_id="hep-th/9901001",
    arxiv_id="hep-th/9901001",
    title="Strings on branes",
    abstract="Old-style identifiers.",
)
WITH_DOI = Paper(
    paper_id="2101.00001",
    arxiv_id="2101.00001",
    title="On the dangers of stochastic parrots",
    abstract="Language models can be too big.",
    doi="10.1145/3442188.3445922",
)


@pytest.fixture
def small_engine(settings: Settings, store: Store) -> SearchEngine:
    filler = Paper(paper_id="2101.00002", title="Parrots", abstract="Birds that talk.")
    upsert_papers(store=store, papers_in=[OLD_STYLE, WITH_DOI, filler])
    catch_up_indexes(settings=settings, store=store, dense=False)
    return SearchEngine.open(settings=settings, store=store)


@pytest.mark.parametrize(
    "spelling",
    [
        "hep-th/9901001",
        "hep-th/9901001v2",
        "arXiv:hep-th/9901001",
        "https://arxiv.org/abs/hep-th/9901001v1",
        "https://arxiv.org/pdf/hep-th/9901001.pdf",
        "https://arxiv.org/pdf/hep-th/9901001v2.pdf",
    ],
)
def test_old_style_ids_find_their_paper(small_engine: SearchEngine, spelling: str) -> None:
    results = small_engine.search(SearchQuery(text=spelling))
    assert [hit.paper_id for hit in results.hits] == ["hep-th/9901001"]
    assert results.exact_match == "hep-th/9901001"


@pytest.mark.parametrize(
    "spelling",
    [
        "10.1145/3442188.3445922",
        "10.1145/3442188.3445922.",
        "doi:10.1145/3442188.3445922",
        "DOI: 10.1145/3442188.3445922",
        "https://doi.org/10.1145/3442188.3445922",
        "http://dx.doi.org/10.1145/3442188.3445922",
        "https://doi.org/10.1145%2F3442188.3445922",
        "HTTPS://DOI.ORG/10.1145/3442188.3445922",
        "https://doi.org/10.1145/3442188.3445922#citations",
        # publishers' pages that put the DOI after /doi/
        "https://dl.acm.org/doi/10.1145/3442188.3445922",
        "https://dl.acm.org/doi/pdf/10.1145/3442188.3445922?casa_token=x",
    ],
)
def test_dois_find_their_paper(small_engine: SearchEngine, spelling: str) -> None:
    results = small_engine.search(SearchQuery(text=spelling))
    assert [hit.paper_id for hit in results.hits] == ["2101.00001"]
    assert results.hits[0].exact and results.exact_match == "2101.00001"


def test_an_unknown_doi_says_so(small_engine: SearchEngine) -> None:
    results = small_engine.search(SearchQuery(text="https://doi.org/10.1000/none"))
    assert results.total == 0 and results.hits == []
    assert results.notice == "No paper with DOI 10.1000/none in this library yet."


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("arXiv:hep-th/9901001v2", "hep-th/9901001"),
        ("https://arxiv.org/abs/2101.00001", "2101.00001"),
        ("https://doi.org/10.1145/3442188.3445922", "2101.00001"),
    ],
)
def test_ids_are_looked_up_before_the_first_index(
    settings: Settings, store: Store, spelling: str, expected: str
) -> None:
    upsert_papers(store=store, papers_in=[OLD_STYLE, WITH_DOI])
    service = SearchService(settings=settings, store=store)
    assert service.engine() is None  # nothing indexed: the store-only fallback
    results = service.search(SearchQuery(text=spelling))
    assert [hit.paper_id for hit in results.hits] == [expected]
    assert results.hits[0].exact and results.exact_match == expected
    assert results.notice is None
    unknown = service.search(SearchQuery(text="arXiv:2101.99999"))
    assert unknown.hits == [] and unknown.total == 0
    assert unknown.notice == "No paper with arXiv id 2101.99999 in this library yet."
    words = service.search(SearchQuery(text="stochastic parrots"))
    assert [hit.paper_id for hit in words.hits] == ["2101.00001"]
    assert words.notice == FALLBACK_NOTICE and words.exact_match is None


def test_exact_title_first_even_when_words_rank_it_lower(small_engine: SearchEngine) -> None:
    # "Parrots" alone: the paper titled so comes first although the longer title
    # also holds the word.
    results = small_engine.search(SearchQuery(text="parrots", mode="bm25"))
    assert results.hits[0].paper_id == "2101.00002" and results.hits[0].exact
    assert results.total == 2


def test_a_category_that_matches_nothing_is_named(engine: SearchEngine) -> None:
    unknown = engine.search(SearchQuery(text="learning", categories=("zz.ZZ",)))
    assert unknown.total == 0
    assert unknown.notice is not None and "'zz.ZZ'" in unknown.notice
    assert "not an arXiv category" in unknown.notice
    # arXiv's categories in any case, held here or not, are not flagged.
    for categories in (("CS.lg",), ("math.CO",), ("hep-th",)):
        results = engine.search(SearchQuery(text="learning", categories=categories))
        assert results.notice is None or "arXiv category" not in results.notice, categories
    assert engine.search(SearchQuery(text="learning", categories=("CS.lg",))).total > 0


def test_the_store_fallback_names_an_unknown_category(settings: Settings, store: Store) -> None:
    upsert_papers(store=store, papers_in=[OLD_STYLE, WITH_DOI])
    service = SearchService(settings=settings, store=store)
    results = service.search(SearchQuery(text="parrots", categories=("nope",)))
    assert results.notice is not None
    assert results.notice.startswith(FALLBACK_NOTICE) and "'nope'" in results.notice


def test_the_store_fallback_lists_a_typed_category(settings: Settings, store: Store) -> None:
    papers = seed_papers()
    upsert_papers(store=store, papers_in=papers)
    service = SearchService(settings=settings, store=store)
    assert service.engine() is None  # nothing indexed: the store-only fallback
    in_cl = [p for p in papers if "cs.CL" in p.categories]
    newest = [p.paper_id for p in sorted(in_cl, key=lambda p: p.submitted_at, reverse=True)]
    for typed in ("cs.CL", "CS.cl"):
        listed = service.search(SearchQuery(text=typed, limit=100))
        assert [hit.paper_id for hit in listed.hits] == newest, typed
        assert listed.total == len(newest)
        assert listed.notice is not None
        assert listed.notice.startswith("cs.CL is an arXiv category: showing its papers, newest")
    oldest = service.search(SearchQuery(text="cs.CL", sort="oldest", limit=100))
    assert [hit.paper_id for hit in oldest.hits] == newest[::-1]
    # A category filter beside it narrows: both hold, as in the engine.
    for filters, expected in (
        (("cs.LG",), newest),
        (("stat.ML",), []),
        (("stat.ML", "cs"), newest),
    ):
        both = service.search(SearchQuery(text="cs.CL", categories=filters, limit=100))
        assert [hit.paper_id for hit in both.hits] == expected, filters
        assert both.total == len(expected), filters


def test_a_query_of_names_only_lists_newest_first(settings: Settings, store: Store) -> None:
    # By BM25 the sole author's paper would come first (the shortest authors field),
    # though it is the oldest: a name gives relevance nothing to rank by.
    def paper(n: int, authors: tuple[str, ...], day: date) -> Paper:
        return Paper(
            paper_id=f"2101.0001{n}",
            arxiv_id=f"2101.0001{n}",
            title=f"Paper {n} on graphs",
            abstract="Graphs and more graphs.",
            authors=authors,
            categories=("math.CO",),
            submitted_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
        )

    upsert_papers(
        store=store,
        papers_in=[
            paper(1, ("Ada Lovelace",), date(2019, 1, 1)),
            paper(2, ("Ada Lovelace", "Charles Babbage", "Mary Somerville"), date(2023, 1, 1)),
            paper(3, ("Charles Babbage", "Ada Lovelace"), date(2021, 1, 1)),
            paper(4, ("Mary Somerville",), date(2022, 1, 1)),
        ],
    )
    catch_up_indexes(settings=settings, store=store, dense=False)
    engine = SearchEngine.open(settings=settings, store=store)
    newest = ["2101.00012", "2101.00013", "2101.00011"]
    for text, expected in (
        ("au:lovelace", newest),
        ("+au:lovelace +cat:math.CO", newest),
        ('au:"ada lovelace" -somerville', newest[1:]),
    ):
        found = engine.search(SearchQuery(text=text))
        assert [hit.paper_id for hit in found.hits] == expected, text
        assert found.total == len(expected)
    # Whatever the mode asked for: there is no text to embed.
    dense = engine.search(SearchQuery(text="au:lovelace", mode="dense", facets=True, limit=2))
    assert [hit.paper_id for hit in dense.hits] == newest[:2] and dense.total == 3
    # facets of every match, not of the page
    assert dense.facets is not None and dict(dense.facets.categories) == {"math.CO": 3}
    # An asked-for sort is kept; words beside the names, or names that are optional
    # (a paper with more of them ranks higher), are ranked by relevance as before.
    oldest = engine.search(SearchQuery(text="au:lovelace", sort="oldest"))
    assert [hit.paper_id for hit in oldest.hits] == newest[::-1]
    for text in ("au:lovelace graphs", "au:lovelace au:somerville"):
        ranked = engine.search(SearchQuery(text=text, mode="bm25"))
        assert ranked.total == 4 and ranked.query.sort == "relevance", text
