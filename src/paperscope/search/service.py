"""The one door the web app, feeds and adapters use to search: the engine
(search/engine.py) opened lazily on the first search, since loading models and
indexes at app start would slow every start and test, and reopened at most once a
minute after a failure. While it cannot be used (index not built yet, or unreadable)
searches fall back to a plain title match in the store, and say so; an arXiv id or a
DOI is still looked up and goes straight to its paper."""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.config import Settings
from paperscope.models import Hit, SearchQuery, SearchResults
from paperscope.search.categories import (
    listing_notice,
    named_category,
    unknown_categories,
    unknown_categories_notice,
)
from paperscope.search.highlight import Highlighter, query_tokens
from paperscope.search.identifiers import (
    Identifier,
    exact_hit,
    identified_paper,
    identify,
    not_in_library,
)
from paperscope.store import Store
from paperscope.store.title_search import search_titles

if TYPE_CHECKING:
    from paperscope.search.engine import SearchEngine
    from paperscope.search.following import IndexFollower

log = logging.getLogger("paperscope.search")
RETRY_SECONDS = 60.0
FALLBACK_NOTICE = (
    "The search index is not available yet, so this is a plain title match. "
    "Run `paperscope index` to enable full hybrid search."
)


def open_engine(*, settings: Settings, store: Store) -> tuple[SearchEngine, Path | None]:
    """The search engine over the local index or, with INDEX_URL, over the generation
    published there now (fetched into the local cache when new), with that copy's root."""
    from paperscope.search.engine import SearchEngine

    if not settings.index_url:
        return SearchEngine.open(settings=settings, store=store), None
    from paperscope.index.publish import local_generation

    root = local_generation(settings=settings)
    return SearchEngine.open(settings=settings, store=store, root=root), root


class SearchService:
    def __init__(self, *, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store
        self._engine: SearchEngine | None = None
        self._failed_at = 0.0
        self._lock = threading.Lock()
        self._follower: IndexFollower | None = None
        self.generation: str | None = None  # the published generation in use (INDEX_URL)
        self._root: Path | None = None  # its local copy

    def start(self) -> None:
        """With INDEX_URL, start following the published generations (the app's
        lifespan calls this); without it, the local index is opened on first use."""
        if self._settings.index_url and self._follower is None:
            from paperscope.search.following import IndexFollower

            self._follower = IndexFollower(settings=self._settings, store=self._store, service=self)
            self._follower.start()

    def stop(self) -> None:
        if self._follower is not None:
            self._follower.stop()
            self._follower = None

    def install(self, engine: SearchEngine, *, generation: str, root: Path) -> None:
        """Swap in ``engine`` in one step: requests that already hold the previous
        engine finish on it, the next ones use this one."""
        with self._lock:
            self._engine, self.generation, self._root = engine, generation, root

    def published_root(self) -> Path | None:
        """The local copy of the generation in use (its lexical, dense and recommend
        folders), or None before the first one is loaded."""
        return self._root

    def recommend_folder(self) -> Path | None:
        """The recommendation candidates of the generation in use, or None."""
        from paperscope.index.publish import RECOMMEND_PART

        root = self._root
        return root / RECOMMEND_PART if root is not None else None

    def engine(self) -> SearchEngine | None:
        """The engine, or None while it cannot be opened."""
        with self._lock:
            if self._engine is not None:
                return self._engine
            if self._follower is not None:
                return None  # until the follower has loaded the first generation
            if self._failed_at and time.monotonic() - self._failed_at < RETRY_SECONDS:
                return None
            try:
                self._engine = self._open()
            except Exception as exc:  # missing module, missing index, bad manifest ...
                self._failed_at = time.monotonic()
                log.warning("search engine unavailable: %s", str(exc) or type(exc).__name__)
                return None
            return self._engine

    def _open(self) -> SearchEngine:
        """The engine of open_engine; with INDEX_URL and no follower (the Python API,
        `paperscope mcp`), the generation published now is kept until the process ends."""
        engine, root = open_engine(settings=self._settings, store=self._store)
        if root is not None:
            self.generation, self._root = root.name, root
        return engine

    def search(self, query: SearchQuery) -> SearchResults:
        engine = self.engine()
        if engine is None:
            identifier = identify(query.text)
            if identifier is not None:
                return self._identified(query, identifier)
            category = named_category(query.text)
            if category is not None:
                # Its papers by date, as the engine lists them: no index is needed.
                return self._title_match(query, category=category)
            return self._title_match(query)
        return engine.search(query)

    def spelling(self, text: str, *, beside_results: bool = False) -> str | None:
        """A respelling of ``text`` from the index's vocabulary, or None."""
        engine = self.engine()
        return engine.spelling(text, beside_results=beside_results) if engine else None

    def similar(self, paper_id: str, limit: int = 10) -> list[str] | None:
        """Ids of papers like this one, or None while the engine is unavailable."""
        engine = self.engine()
        if engine is None:
            return None
        try:
            return [h.paper_id for h in engine.similar(paper_id, limit=limit)]
        except Exception as exc:  # e.g. the paper is not indexed yet
            log.info("no similar papers for %s: %s", paper_id, exc)
            return []

    def _identified(self, query: SearchQuery, identifier: Identifier) -> SearchResults:
        """An id or DOI, looked up in the store as the engine does."""
        paper = identified_paper(store=self._store, identifier=identifier)
        if paper is None:
            return SearchResults([], 0, query, not_in_library(identifier))
        hits = [exact_hit(paper)] if query.offset == 0 else []
        return SearchResults(hits, 1, query, exact_match=paper.paper_id)

    def _title_match(self, query: SearchQuery, *, category: str | None = None) -> SearchResults:
        """The words of the query in titles, or with ``category`` (the query is its code)
        that category's papers, within the query's category filters if it has any."""
        typed = [] if category else re.findall(r"\w+", query.text.casefold())
        words = [t for t in typed if len(t) > 1][:8]
        found, total = search_titles(
            store=self._store,
            terms=words,
            categories=query.categories or ([category] if category else []),
            within=category if query.categories else None,
            authors=query.authors,
            date_from=query.date_from,
            date_to=query.date_to,
            newest_first=query.sort != "oldest",
            by_citations=query.sort == "citations",
            limit=query.limit,
            offset=query.offset,
            has_code=query.has_code,
        )
        highlighted = Highlighter(query_tokens(words)).papers([(t, a) for _, t, a in found])
        hits = []
        for rank, ((paper_id, _, _), marked) in enumerate(
            zip(found, highlighted, strict=True), start=query.offset + 1
        ):
            hits.append(
                Hit(
                    paper_id=paper_id,
                    score=0.0,
                    bm25_score=None,
                    semantic_score=None,
                    rank=rank,
                    title_html=marked.title_html,
                    abstract_html=marked.abstract_html,
                    matched_terms=marked.matched_terms,
                )
            )
        unknown = unknown_categories(query.categories, self._has_category)
        said = listing_notice(category, query) if category else FALLBACK_NOTICE
        notice = "; ".join(filter(None, (said, unknown_categories_notice(unknown))))
        return SearchResults(hits=hits, total=total, query=query, notice=notice)

    def _has_category(self, name: str) -> bool:
        """Whether any paper in the store is in category ``name`` (or the archive)."""
        return search_titles(store=self._store, terms=[], categories=[name], limit=1)[1] > 0
