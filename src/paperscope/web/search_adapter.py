"""The web's one door to the search engine (search/engine.py).

The engine is opened lazily on the first search (loading models and indexes at app
start would slow every start and test), in a worker thread, and reopened at most
once a minute after a failure. While it cannot be used (index not built yet, or
unreadable) searches fall back to a plain title match in the store and say so."""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from paperscope.config import Settings
from paperscope.models import SearchQuery
from paperscope.store import Store
from paperscope.store.title_search import search_titles

log = logging.getLogger("paperscope.web")
RETRY_SECONDS = 60.0

SORTS = ("relevance", "newest", "oldest")


@dataclass(frozen=True, slots=True)
class SearchRequest:
    text: str
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class FoundPaper:
    paper_id: str
    title_html: str  # escaped, matches wrapped in <mark>
    abstract_html: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    hits: list[FoundPaper] = field(default_factory=list)
    total: int = 0
    notice: str | None = None


class SearchAdapter:
    def __init__(self, *, settings: Settings, store: Store) -> None:
        self._settings = settings
        self._store = store
        self._engine: Any = None
        self._failed_at = 0.0
        self._failure = ""
        self._lock = threading.Lock()

    def _open(self) -> Any:
        with self._lock:
            if self._engine is not None:
                return self._engine
            if self._failed_at and time.monotonic() - self._failed_at < RETRY_SECONDS:
                return None
            try:
                from paperscope.search.engine import SearchEngine

                self._engine = SearchEngine.open(settings=self._settings, store=self._store)
            except Exception as exc:  # missing module, missing index, bad manifest ...
                self._failed_at = time.monotonic()
                self._failure = str(exc) or type(exc).__name__
                log.warning("search engine unavailable: %s", self._failure)
                return None
            return self._engine

    def search(self, request: SearchRequest) -> SearchOutcome:
        engine = self._open()
        if engine is None:
            return self._fallback(request)
        query = SearchQuery(
            text=request.text,
            categories=request.categories,
            authors=request.authors,
            date_from=request.date_from,
            date_to=request.date_to,
            sort=request.sort,
            mode="hybrid",
            limit=request.limit,
            offset=request.offset,
        )
        results = engine.search(query)
        hits = [
            FoundPaper(h.paper_id, h.title_html, h.abstract_html, float(h.score))
            for h in results.hits
        ]
        return SearchOutcome(hits=hits, total=int(results.total), notice=results.notice or None)

    def similar(self, paper_id: str, limit: int = 10) -> list[str] | None:
        """Ids of papers like this one, or None while the engine is unavailable."""
        engine = self._open()
        if engine is None:
            return None
        try:
            return [h.paper_id for h in engine.similar(paper_id, limit=limit)]
        except Exception as exc:  # e.g. the paper is not indexed yet
            log.info("no similar papers for %s: %s", paper_id, exc)
            return []

    def _fallback(self, request: SearchRequest) -> SearchOutcome:
        terms = [t for t in re.findall(r"\w+", request.text.casefold()) if len(t) > 1][:8]
        found, total = search_titles(
            store=self._store,
            terms=terms,
            categories=request.categories,
            authors=request.authors,
            date_from=request.date_from,
            date_to=request.date_to,
            newest_first=request.sort != "oldest",
            limit=request.limit,
            offset=request.offset,
        )
        hits = [
            FoundPaper(pid, highlight(title, terms), highlight(abstract[:600], terms))
            for pid, title, abstract in found
        ]
        notice = (
            "The search index is not available yet, so this is a plain title match. "
            "Run `paperscope index` to enable full hybrid search."
        )
        return SearchOutcome(hits=hits, total=total, notice=notice)


def highlight(text: str, terms: list[str]) -> str:
    """Escape ``text`` and wrap whole-word-prefix matches of ``terms`` in <mark>."""
    escaped = html.escape(text)
    if not terms:
        return escaped
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(html.escape(t)) for t in terms) + r")", re.IGNORECASE
    )
    return pattern.sub(r"<mark>\1</mark>", escaped)
