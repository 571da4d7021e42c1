"""Hybrid search: BM25 and semantic retrieval, fused, filtered, sorted, paged and
explained. The one search implementation behind the web app, digests, saved-search
alerts, recommendations and the CLI.

API::

    engine = SearchEngine.open(settings=settings, store=store)
    results = engine.search(SearchQuery(text="diffusion au:ho", categories=("cs.LG",)))
    results.hits        # list[Hit]: paper_id, score, bm25_score, semantic_score, rank,
                        #   title_html, abstract_html (escaped, <mark>ed), matched_terms
    results.total       # how many papers match (see below)
    results.total_is_estimate   # True: total is a lower bound, shown as "about N"
    results.exact_match # paper id when the query is an id, a DOI or an exact title
    results.facets      # Facets per category, year and month (SearchQuery(facets=True))
    results.notice      # what was repaired or ignored in the query, or None; also
                        #   a category filter neither arXiv's nor any paper's here
    engine.similar(paper_id, limit=10)   # list[Hit], the paper itself excluded
    engine.embed_query(text)             # float32 (dim,), L2-normalised
    engine.paper_vectors(paper_ids)      # float32 rows of the ids that are embedded
    engine.refresh()                     # see what `paperscope index` wrote since
                                         #   (also done by itself, checked every 5 s)

``SearchQuery`` fields: ``text`` (syntax in search/query.py); ``categories``,
``authors``, ``sources`` (any value may match), ``date_from``/``date_to`` (submitted
date, inclusive), ``paper_ids`` (search only among these) and ``has_code`` (papers with
a code link) filter both retrievers;
``sort`` is relevance, newest, oldest or citations (the fused candidates, most cited
first, by OpenAlex counts); ``mode`` is hybrid, bm25 or dense;
``limit``/``offset`` page; ``min_score`` drops hits whose score is lower (in hybrid
mode the fused score is in [0, 1], see search/fusion.py).

Each retriever fetches its best ``max(200, offset + limit)`` candidates; both scores
are then known for every candidate and fused. Dense neighbours are always close to
something, so a dense candidate without any lexical match is kept only when its cosine
reaches ``FusionSettings.dense_floor`` (learned on SciFact train, docs/search.md): a
nonsense query finds nothing. A paper matches when it matches the query lexically
(its words with the query's own AND/OR/NOT) or is such a close dense neighbour;
``total`` counts them: tantivy counts every lexical match, plus the dense-only
matches among the candidates. When even the weakest dense candidate fetched passes
the floor, more may lie beyond the fetch depth: ``total_is_estimate`` is then True.

A query that is an arXiv id (any spelling), a DOI or a doi.org address returns that
paper alone (search/identifiers.py); a paper whose title is exactly the query ranks
first. Either way ``Hit.exact`` and ``SearchResults.exact_match`` say so. An empty
query lists the newest papers that pass the filters. When the dense index is
missing, hybrid and dense searches answer with BM25 and say so.

Opening is cheap: indexes are memory-mapped, the embedding model is loaded on the first
query that needs it and kept. Thread-safe for concurrent searches.
"""

from __future__ import annotations

import dataclasses
import html
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperscope.config import Settings
from paperscope.index.catch_up import dense_index_dir, lexical_index_dir
from paperscope.index.embedder import available_cores
from paperscope.index.lexical import LexicalIndex, LexicalResult
from paperscope.index.lexical_compile import Filters
from paperscope.models import Facets, Hit, Paper, SearchQuery, SearchResults
from paperscope.search.categories import (
    category_listing,
    unknown_categories,
    unknown_categories_notice,
)
from paperscope.search.common_words import COMMON_WORD_SHARE, without_common_words
from paperscope.search.feedback import FeedbackSettings, expand
from paperscope.search.fusion import FusionSettings, fuse, fusion_for_model
from paperscope.search.highlight import Highlighted, Highlighter, query_tokens
from paperscope.search.identifiers import (
    Identifier,
    exact_hit,
    identified_paper,
    identify,
    not_in_library,
)
from paperscope.search.query import (
    Node,
    ParsedQuery,
    Text,
    names_only,
    parse_query,
    plain_words,
)
from paperscope.search.semantic import SemanticSide
from paperscope.search.similar import find_similar
from paperscope.search.suggest import respelling_to_offer
from paperscope.store import Store
from paperscope.store.citations import order_by_citations
from paperscope.store.paper_links import paper_ids_with_code
from paperscope.store.papers import find_by_title, get_papers, resolve_paper_id

__all__ = ["Hit", "SearchEngine", "SearchQuery", "SearchResults", "UnknownPaperError"]

MODES = ("hybrid", "bm25", "dense")
SORTS = ("relevance", "newest", "oldest", "citations")
RETRIEVAL_DEPTH = 200
MAX_LIMIT = 1_000
REFRESH_CHECK_SECONDS = 5.0
# Facets are counted over every match up to this many matches; above it, over a
# uniform sample of at least FACET_SAMPLE matches (a power-of-two share), scaled up.
FACET_EXACT_LIMIT = 20_000
FACET_SAMPLE = 10_000
FloatArray = npt.NDArray[np.float32]
# Runs the lexical side of hybrid and dense searches beside the semantic side; shared
# by every engine of the process (an engine swapped for a new index generation has
# nothing of its own to shut down).
_RETRIEVERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="paperscope-lexical")


class _InFlight:
    """How many searches of this process are running now (each for its whole length).
    Two sides of one search run side by side only while every search in flight can
    have two cores: when the cores are already busy with other searches, a second
    thread per search only adds hand-offs (counted during retrieval only, two clients
    on two cores did 2-10% fewer searches/s; docs/performance.md run G)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    @contextmanager
    def enter(self, cores: int) -> Iterator[bool]:
        """Yields whether this search may use a second of this process's ``cores``."""
        with self._lock:
            self._count += 1
            spare = 2 * self._count <= cores
        try:
            yield spare
        finally:
            with self._lock:
                self._count -= 1


_IN_FLIGHT = _InFlight()


class UnknownPaperError(LookupError):
    """``similar`` was asked about a paper the store does not have."""


@dataclass
class _Candidates:
    ranked: list[tuple[str, float]]
    bm25: dict[str, float] = field(default_factory=dict)
    semantic: dict[str, float] = field(default_factory=dict)
    total: int = 0
    paged: bool = False  # ``ranked`` is already the requested page
    dense_only: set[str] = field(default_factory=set)  # matches without lexical match
    estimate: bool = False  # dense matches may continue beyond the fetch depth
    exact: str | None = None  # the paper whose title is the query


class SearchEngine:
    # The lexical side of hybrid and dense searches runs beside the semantic side while
    # cores are spare (_InFlight); False runs them one after the other
    # (bench/search_bench.py compares both; bench/search_request_cpu.py times one thread).
    parallel_retrievers = True

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        lexical: LexicalIndex,
        semantic: SemanticSide,
        fusion: FusionSettings | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.lexical = lexical
        self.semantic = semantic
        self.fusion = fusion or FusionSettings()
        self.feedback: FeedbackSettings | None = None  # RM3, see search/feedback.py
        self.depth = RETRIEVAL_DEPTH
        self.facet_exact_limit = FACET_EXACT_LIMIT
        self.facet_sample = FACET_SAMPLE
        # Hybrid and dense searches leave words in more than this share of the papers
        # out of the lexical side (search/common_words.py); 1.0 keeps every word.
        self.common_word_share = COMMON_WORD_SHARE
        # This process's share of the cores: `serve --workers N` gives each worker the
        # cores divided by N through the embedding thread count.
        self._cores = settings.embedding_threads or available_cores()
        self.follows_data_dir = True  # False for a published generation (immutable)
        self._checked_at = time.monotonic()
        self._stamps = self._manifest_stamps()

    @classmethod
    def open(cls, *, settings: Settings, store: Store, root: Path | None = None) -> SearchEngine:
        """Open the indexes in ``settings.data_dir``, or the fixed generation in ``root``
        (fetched from INDEX_URL, search/following.py), which never changes once opened;
        raises ``ArtifactError`` when there is no lexical index yet."""
        lexical_dir = root / "lexical" if root else lexical_index_dir(settings)
        dense_dir = root / "dense" if root else dense_index_dir(settings)
        lexical = LexicalIndex.open(lexical_dir, create=False)
        semantic = SemanticSide(settings=settings, directory=dense_dir)
        model = semantic.index.model_name if semantic.index is not None else None
        engine = cls(
            settings=settings,
            store=store,
            lexical=lexical,
            semantic=semantic,
            fusion=fusion_for_model(model),
        )
        engine.follows_data_dir = root is None
        return engine

    def refresh(self) -> None:
        self.lexical.reload()
        self.semantic.refresh()
        self._stamps = self._manifest_stamps()

    def _refresh_if_changed(self) -> None:
        """Pick up what `paperscope index` wrote, checking at most every few seconds
        (two stat calls), so a long-running server needs no restart."""
        now = time.monotonic()
        if not self.follows_data_dir or now - self._checked_at < REFRESH_CHECK_SECONDS:
            return
        self._checked_at = now
        if self._manifest_stamps() != self._stamps:
            self.refresh()

    def _manifest_stamps(self) -> tuple[int, int]:
        stamps = []
        for directory in (lexical_index_dir(self.settings), dense_index_dir(self.settings)):
            try:
                stamps.append((directory / "manifest.json").stat().st_mtime_ns)
            except OSError:
                stamps.append(0)
        return stamps[0], stamps[1]

    def embed_query(self, text: str) -> FloatArray:
        return self.semantic.embed_query(text)

    def paper_vectors(self, ids: Sequence[str]) -> FloatArray:
        """Vectors of the ids that are embedded, in order; filter ids with
        ``paper_id in engine.semantic.index`` first to keep rows aligned."""
        return self.semantic.vectors(ids)

    # -- search --------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        # Counted in flight for the whole search, so that searches that keep the cores
        # busy between their retrievals still count (_InFlight).
        with _IN_FLIGHT.enter(self._cores) as spare_core:
            return self._search(query, spare_core)

    def _search(self, query: SearchQuery, spare_core: bool) -> SearchResults:
        self._refresh_if_changed()
        started = time.perf_counter()
        timings: dict[str, float] = {}
        notices: list[str] = []
        query = _sanitised(query, notices)
        identifier = identify(query.text)
        if identifier is not None:
            return self._identified(query, identifier, timings, started)
        query, listed = category_listing(query)
        if listed is not None:
            notices.append(listed)
        parsed, filters, mode = self._prepare(query, notices)
        unknown = unknown_categories(query.categories, self._has_category)
        if unknown:
            notices.append(str(unknown_categories_notice(unknown)))
        timings["parse"] = _ms(started)
        if parsed.is_empty:
            return self._listing(query, filters, notices, timings)
        if query.sort in ("relevance", "newest", "oldest") and names_only(parsed.node):
            # An author's or a category's papers: all of them by date (newest first for
            # relevance), as a listing is, not only the best-scored candidates.
            sort = "newest" if query.sort == "relevance" else query.sort
            query, mode = _replace(query, {"sort": sort, "mode": "bm25"}), "bm25"
        if mode == "bm25" and query.sort in ("newest", "oldest"):
            found = self._bm25_by_date(query, parsed, filters, timings)
        else:
            found = self._relevance(query, mode, parsed, filters, timings, spare_core)
            if query.sort == "citations":
                found.ranked = self._by_citations(found.ranked)
            elif query.sort != "relevance":
                found.ranked = self._by_date(found.ranked, query.sort)
        return self._results(query, parsed, found, notices, timings, started)

    def ranking(self, query: SearchQuery) -> list[tuple[str, float]]:
        """Just the ranked (paper_id, score) list, up to ``offset + limit``: no paging,
        no highlighting, no store access. For evaluation and benchmarks."""
        with _IN_FLIGHT.enter(self._cores) as spare_core:
            return self._ranking(query, spare_core)

    def _ranking(self, query: SearchQuery, spare_core: bool) -> list[tuple[str, float]]:
        query = _sanitised(query, [])
        parsed, filters, mode = self._prepare(query, [])
        if parsed.is_empty:
            return []
        found = self._relevance(query, mode, parsed, filters, {}, spare_core)
        return found.ranked[: query.offset + query.limit]

    def _has_category(self, name: str) -> bool:
        """Whether any indexed paper is in category ``name`` (or the archive): the
        index's filter count, remembered until the index changes."""
        return self.lexical.count(Filters(categories=(name,))) > 0

    def _scope(self, query: SearchQuery) -> frozenset[str] | None:
        """The ids a search may return: ``paper_ids`` narrowed by ``has_code``."""
        if not query.has_code:
            return query.paper_ids
        with_code = paper_ids_with_code(self.store)
        return with_code if query.paper_ids is None else query.paper_ids & with_code

    def _prepare(self, query: SearchQuery, notices: list[str]) -> tuple[ParsedQuery, Filters, str]:
        """What search and ranking both search with: the parsed query, its filters and
        the mode the indexes allow (``notices`` say why it differs from the asked one).
        In semantic modes the lexical side leaves the common words out
        (search/common_words.py); the embedder and the highlighting see every word."""
        parsed = parse_query(query.text)
        notices.extend(parsed.notices)
        filters = _filters(query, self._scope(query))
        mode = query.mode
        if parsed.is_empty or mode == "bm25":
            return parsed, filters, mode
        if not self.semantic.available:
            notices.append("semantic index not built yet: keyword results only")
            return parsed, filters, "bm25"
        node = without_common_words(
            parsed.node, self.lexical.document_counter(), len(self.lexical), self.common_word_share
        )
        if node is not parsed.node:
            parsed = dataclasses.replace(parsed, node=node)
        return parsed, filters, mode

    def _relevance(
        self,
        query: SearchQuery,
        mode: str,
        parsed: ParsedQuery,
        filters: Filters,
        timings: dict[str, float],
        spare_core: bool = False,
    ) -> _Candidates:
        """Both retrievers' candidates, completed and fused; ``spare_core``: the
        lexical side may run on a second thread (_InFlight)."""
        depth = max(self.depth, query.offset + query.limit)
        # (No semantic text: only names, categories or exclusions, nothing to embed.)
        semantic_side = mode != "bm25" and bool(parsed.semantic_text)
        semantic_bm25: dict[str, float] | None = None
        if semantic_side and self.parallel_retrievers and spare_core:
            # The lexical search runs beside the query embedding and the ANN
            # (tantivy and ONNX release the GIL), so a search takes about the
            # longer of the two rather than their sum.
            pending = _RETRIEVERS.submit(self._lexical_search, parsed.node, filters, depth)
            vector, semantic = self._semantic_search(parsed.semantic_text, filters, depth, timings)
            if self.feedback is None:
                # Still beside it: the BM25 of every dense candidate, not only of
                # those the lexical search will not return, which is not known yet.
                tick = time.perf_counter()
                semantic_bm25 = self.lexical.scores_for(list(semantic), parsed.node)
                timings["dense_bm25"] = _ms(tick)
            lexical, timings["lexical"] = pending.result()
        else:
            lexical, timings["lexical"] = self._lexical_search(parsed.node, filters, depth)
            if semantic_side:
                vector, semantic = self._semantic_search(
                    parsed.semantic_text, filters, depth, timings
                )
        node = parsed.node
        if self.feedback is not None and mode != "dense":
            tick = time.perf_counter()
            node, lexical = self._with_feedback(node, lexical, filters, depth, self.feedback)
            timings["feedback"] = _ms(tick)
        bm25 = dict(lexical.hits)
        if not semantic_side:
            found = _Candidates(lexical.hits, bm25, {}, lexical.total)
        else:
            tick = time.perf_counter()
            found = self._complete(node, vector, bm25, semantic, mode, semantic_bm25)
            found.estimate = found.estimate and len(semantic) >= depth
            dense_count = len(found.ranked) if mode == "dense" else len(found.dense_only)
            found.total = dense_count + (lexical.total if mode == "hybrid" else 0)
            timings["fuse"] = _ms(tick)
        self._exact_title_first(query.text, filters, found)
        return found

    def _lexical_search(
        self, node: Node | None, filters: Filters, depth: int
    ) -> tuple[LexicalResult, float]:
        tick = time.perf_counter()
        found = self.lexical.search(node, filters=filters, limit=depth)
        return found, _ms(tick)

    def _semantic_search(
        self, text: str, filters: Filters, depth: int, timings: dict[str, float]
    ) -> tuple[FloatArray, dict[str, float]]:
        tick = time.perf_counter()
        vector = self.semantic.embed_query(text)
        timings["embed"] = _ms(tick)
        tick = time.perf_counter()
        semantic = self.semantic.nearest(vector, depth, filters=filters, lexical=self.lexical)
        timings["dense"] = _ms(tick)
        return vector, semantic

    def _with_feedback(
        self,
        node: Node | None,
        lexical: LexicalResult,
        filters: Filters,
        depth: int,
        settings: FeedbackSettings,
    ) -> tuple[Node | None, LexicalResult]:
        """RM3: search again with words of the best hits added (plain-word queries)."""
        words = plain_words(node)
        if node is None or words is None or not lexical.hits:
            return node, lexical
        top = lexical.hits[: settings.documents]
        papers = {
            p.paper_id: p for p in get_papers(store=self.store, paper_ids=[p for p, _ in top])
        }
        hits = [(papers[pid], score) for pid, score in top if pid in papers]
        expanded = expand(node, words, hits, settings)
        if expanded is node:
            return node, lexical
        return expanded, self.lexical.search(expanded, filters=filters, limit=depth)

    def _exact_title_first(self, text: str, filters: Filters, found: _Candidates) -> None:
        """Put the paper whose title is exactly the query first (one indexed lookup)."""
        titled = find_by_title(store=self.store, title=text)
        if titled and filters.active:
            allowed = self.lexical.matching(titled, filters)
            titled = [pid for pid in titled if pid in allowed]
        if not titled:
            return
        exact = titled[0]
        rest = [(pid, score) for pid, score in found.ranked if pid != exact]
        if len(rest) == len(found.ranked):
            found.total += 1
        best = max((score for _, score in found.ranked), default=0.0)
        found.ranked = [(exact, best), *rest]
        found.exact = exact

    def _complete(
        self,
        node: Node | None,
        vector: FloatArray,
        bm25: dict[str, float],
        semantic: dict[str, float],
        mode: str,
        semantic_bm25: dict[str, float] | None = None,
    ) -> _Candidates:
        """Look up the missing score of every candidate, drop semantic candidates that
        break the query's required or excluded terms, then rank. ``semantic_bm25``: the
        BM25 of the semantic candidates, when already looked up."""
        if semantic_bm25 is None:
            extra = [pid for pid in semantic if pid not in bm25]
            semantic_bm25 = self.lexical.scores_for(extra, node)
        bm25 = bm25 | {pid: s for pid, s in semantic_bm25.items() if pid not in bm25}
        # Without lexical support a dense neighbour must be close to count; with
        # required, excluded or field terms it must match lexically (a floor above
        # any cosine).
        floor = 2.0 if _requires_lexical_match(node) else self.fusion.dense_floor
        # Matches may continue past the farthest neighbour fetched when it still counts
        # (the caller checks that the fetch was full).
        farthest = min(semantic.values(), default=-1.0)
        semantic = {pid: s for pid, s in semantic.items() if pid in bm25 or s >= floor}
        dense_only = {pid for pid in semantic if pid not in bm25}
        if mode == "dense":
            ranked = sorted(semantic.items(), key=lambda item: (-item[1], item[0]))
            kept_bm25 = {p: bm25[p] for p in semantic if p in bm25}
            found = _Candidates(ranked, kept_bm25, semantic, dense_only=dense_only)
            found.estimate = farthest >= floor
            return found
        continues = farthest >= floor
        missing = [pid for pid in bm25 if pid not in semantic]
        semantic = semantic | self.semantic.cosines(vector, missing)
        ranked = fuse(bm25, semantic, self.fusion)
        return _Candidates(ranked, bm25, semantic, dense_only=dense_only, estimate=continues)

    def _bm25_by_date(
        self, query: SearchQuery, parsed: ParsedQuery, filters: Filters, timings: dict[str, float]
    ) -> _Candidates:
        tick = time.perf_counter()
        page = self.lexical.search(
            parsed.node,
            filters=filters,
            limit=query.limit,
            offset=query.offset,
            sort=query.sort,
        )
        ids = [pid for pid, _ in page.hits]
        bm25 = self.lexical.scores_for(ids, parsed.node)
        timings["lexical"] = _ms(tick)
        ranked = [(pid, bm25.get(pid, 0.0)) for pid in ids]
        return _Candidates(ranked, bm25, {}, page.total, paged=True)

    def _by_date(self, ranked: list[tuple[str, float]], sort: str) -> list[tuple[str, float]]:
        days = self.lexical.days_for([pid for pid, _ in ranked])
        sign = -1 if sort == "newest" else 1
        return sorted(ranked, key=lambda item: (sign * days.get(item[0], 0), -item[1], item[0]))

    def _by_citations(self, ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
        scores = dict(ranked)
        order = order_by_citations(store=self.store, paper_ids=list(scores))
        return [(pid, scores[pid]) for pid in order]

    def _listing(
        self, query: SearchQuery, filters: Filters, notices: list[str], timings: dict[str, float]
    ) -> SearchResults:
        sort = "oldest" if query.sort == "oldest" else "newest"
        notices.insert(0, f"empty query: showing the {sort} papers")
        tick = time.perf_counter()
        page = self.lexical.search(
            None, filters=filters, limit=query.limit, offset=query.offset, sort=sort
        )
        timings["lexical"] = _ms(tick)
        papers = {
            p.paper_id: p for p in get_papers(store=self.store, paper_ids=[p for p, _ in page.hits])
        }
        shown = [(n, pid) for n, (pid, _) in enumerate(page.hits) if pid in papers]
        marked = _highlight(Highlighter(frozenset()), [papers[pid] for _, pid in shown])
        hits = [
            _hit(papers[pid], query.offset + n + 1, 0.0, None, None, text)
            for (n, pid), text in zip(shown, marked, strict=True)
        ]
        facets = None
        if query.facets:
            facets = self.lexical.facets(None, filters=filters, sample=self._sample(page.total))
        return SearchResults(hits, page.total, query, "; ".join(notices), timings, facets=facets)

    def _identified(
        self,
        query: SearchQuery,
        identifier: Identifier,
        timings: dict[str, float],
        started: float,
    ) -> SearchResults:
        """The one paper an arXiv id or DOI names (filters do not apply: the reader
        asked for that paper), or no result and a notice saying it is not here."""
        paper = identified_paper(store=self.store, identifier=identifier)
        timings["lookup"] = _ms(started)
        if paper is None:
            empty = Facets((), (), ()) if query.facets else None
            return SearchResults([], 0, query, not_in_library(identifier), timings, facets=empty)
        hit = exact_hit(paper)
        facets = (
            self.lexical.facets(None, also=[paper.paper_id], lexical=False)
            if query.facets
            else None
        )
        hits = [hit] if query.offset == 0 else []
        return SearchResults(
            hits, 1, query, None, timings, exact_match=paper.paper_id, facets=facets
        )

    def _results(
        self,
        query: SearchQuery,
        parsed: ParsedQuery,
        found: _Candidates,
        notices: list[str],
        timings: dict[str, float],
        started: float,
    ) -> SearchResults:
        ranked, total = found.ranked, found.total
        if query.min_score is not None:
            ranked = [(p, s) for p, s in ranked if s >= query.min_score]
            total = len(ranked) if not found.paged else total
        page = ranked if found.paged else ranked[query.offset : query.offset + query.limit]
        tick = time.perf_counter()
        papers = {
            p.paper_id: p for p in get_papers(store=self.store, paper_ids=[p for p, _ in page])
        }
        shown = [(n, pid, score) for n, (pid, score) in enumerate(page) if pid in papers]
        marker = Highlighter(query_tokens(parsed.highlight_words))
        marked = _highlight(marker, [papers[pid] for _, pid, _ in shown])
        hits = [
            _hit(
                papers[pid],
                query.offset + n + 1,
                score,
                found.bm25.get(pid),
                found.semantic.get(pid),
                text,
            )
            for (n, pid, score), text in zip(shown, marked, strict=True)
        ]
        hits = [
            dataclasses.replace(h, exact=True) if h.paper_id == found.exact else h for h in hits
        ]
        timings["load"] = _ms(tick)
        facets = None
        if query.facets:
            tick = time.perf_counter()
            facets = self._facets(query, parsed, found, ranked)
            timings["facets"] = _ms(tick)
        # Worked out with the results, so every caller gets it and a memoised search
        # does not pay for it again (an unknown word costs ~0.5 ms of edits).
        spelled = self.spelling(query.text, beside_results=total > 0)
        timings["total"] = _ms(started)
        return SearchResults(
            hits,
            total,
            query,
            "; ".join(notices) or None,
            timings,
            total_is_estimate=found.estimate and query.min_score is None,
            exact_match=found.exact,
            facets=facets,
            papers=papers,
            did_you_mean=spelled,
        )

    def _facets(
        self,
        query: SearchQuery,
        parsed: ParsedQuery,
        found: _Candidates,
        ranked: list[tuple[str, float]],
    ) -> Facets:
        """Facets of the same match set that ``total`` counts."""
        filters = _filters(query, self._scope(query))
        if query.min_score is not None or query.mode == "dense":
            return self.lexical.facets(
                None, filters=filters, also=[p for p, _ in ranked], lexical=False
            )
        also = set(found.dense_only)
        if found.exact is not None:
            also.add(found.exact)
        sample = self._sample(found.total)
        return self.lexical.facets(parsed.node, filters=filters, also=also, sample=sample)

    def _sample(self, matches: int) -> float:
        """The share of ``matches`` to count facets over: all of them up to
        ``facet_exact_limit``, else the largest power-of-two share that still leaves
        at least ``facet_sample`` (a share that moves in steps keeps estimates stable
        while the match count grows)."""
        if matches <= self.facet_exact_limit:
            return 1.0
        share = 1.0
        while matches * share / 2 >= self.facet_sample:
            share /= 2
        return share

    def spelling(self, text: str, *, beside_results: bool = False) -> str | None:
        """``text`` with unknown words replaced by the closest word the index holds,
        when that is worth offering (search/suggest.py, respelling_to_offer)."""
        return respelling_to_offer(
            text, self.lexical.document_counter(), beside_results=beside_results
        )

    # -- similar papers ------------------------------------------------------------

    def similar(self, paper_id: str, *, limit: int = 10) -> list[Hit]:
        """Papers most like ``paper_id`` (any spelling: ``2401.12345v2``, a URL)."""
        self._refresh_if_changed()
        resolved = resolve_paper_id(paper_id)
        found = get_papers(store=self.store, paper_ids=[resolved])
        if not found:
            raise UnknownPaperError(f"no paper {paper_id!r} in the store")
        neighbours = find_similar(
            found[0],
            limit=max(0, min(limit, MAX_LIMIT)),
            lexical=self.lexical,
            semantic=self.semantic,
        )
        papers = {
            p.paper_id: p
            for p in get_papers(store=self.store, paper_ids=[p for p, _ in neighbours.scored])
        }
        semantic = neighbours.method == "semantic"
        shown = [(r, pid, s) for r, (pid, s) in enumerate(neighbours.scored, 1) if pid in papers]
        marked = _highlight(Highlighter(frozenset()), [papers[pid] for _, pid, _ in shown])
        return [
            _hit(
                papers[pid],
                rank,
                score,
                None if semantic else score,
                score if semantic else None,
                text,
            )
            for (rank, pid, score), text in zip(shown, marked, strict=True)
        ]


def _filters(query: SearchQuery, paper_ids: frozenset[str] | None) -> Filters:
    return Filters(
        categories=query.categories,
        authors=query.authors,
        date_from=query.date_from,
        date_to=query.date_to,
        sources=query.sources,
        paper_ids=paper_ids,
    )


def _sanitised(query: SearchQuery, notices: list[str]) -> SearchQuery:
    """Clamp what would make a search fail or run away, saying so."""
    changes: dict[str, object] = {}
    if query.mode not in MODES:
        notices.append(f"unknown mode {query.mode!r}: using hybrid")
        changes["mode"] = "hybrid"
    if query.sort not in SORTS:
        notices.append(f"unknown sort {query.sort!r}: sorting by relevance")
        changes["sort"] = "relevance"
    if not 0 < query.limit <= MAX_LIMIT:
        changes["limit"] = min(max(query.limit, 1), MAX_LIMIT)
    if query.offset < 0:
        changes["offset"] = 0
    return query if not changes else _replace(query, changes)


def _replace(query: SearchQuery, changes: dict[str, object]) -> SearchQuery:
    return dataclasses.replace(query, **changes)  # type: ignore[arg-type]


def _requires_lexical_match(node: Node | None) -> bool:
    """Whether the query has required, excluded or field-restricted parts that a
    semantic candidate must satisfy too (``-survey``, ``au:hinton``, ``a AND b``)."""
    if node is None:
        return False
    if isinstance(node, Text):
        return node.field is not None
    if any(occur != "should" for occur, _ in node.clauses):
        return True
    return all(_requires_lexical_match(child) for _, child in node.clauses)


def _hit(
    paper: Paper,
    rank: int,
    score: float,
    bm25: float | None,
    semantic: float | None,
    marked: Highlighted,
) -> Hit:
    return Hit(
        paper_id=paper.paper_id,
        score=round(float(score), 6),
        bm25_score=None if bm25 is None else round(float(bm25), 4),
        semantic_score=None if semantic is None else round(float(semantic), 4),
        rank=rank,
        title_html=marked.title_html or html.escape(paper.paper_id),
        abstract_html=marked.abstract_html,
        matched_terms=marked.matched_terms,
    )


def _highlight(marker: Highlighter, papers: list[Paper]) -> list[Highlighted]:
    return marker.papers([(paper.title, paper.abstract) for paper in papers])


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000.0, 3)
