"""paperscope as a library: one object over a data folder that imports, indexes,
searches, lists the daily feed and trending papers, and reads and writes a reader's
library, for notebooks, scripts and the MCP server.

    import paperscope

    with paperscope.open("paperscope-data") as ps:
        ps.import_path("papers.jsonl")
        ps.index()
        for hit in ps.search("state space models", categories="cs.LG").hits:
            print(hit.paper_id, ps.paper(hit.paper_id).title)

It sits above the stages (ingest, store, index, search, rank) and below the adapters
(CLI, web, MCP): every method makes the same stage calls the CLI and the web make.
The store, the search engine and the recommender open on first use, so opening is
instant and nothing loads a model until a search needs one. Thread-safe: the MCP
server calls it from worker threads. docs/python.md documents it with examples.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from paperscope.config import Settings
from paperscope.models import Hit, LibraryItem, Paper, PaperStats, SearchQuery, SearchResults, User
from paperscope.periods import (
    Period,
    PeriodError,
    day_period,
    parse_date,
    parse_day,
    parse_month,
    parse_week,
)

if TYPE_CHECKING:
    from paperscope.index.catch_up import CatchUpReport, ProgressCallback
    from paperscope.ingest.pipeline import FileImport
    from paperscope.rank.recommend import Recommendations, Recommender
    from paperscope.rank.recommend import Window as RecommendWindow
    from paperscope.rank.trending import Window as TrendingWindow
    from paperscope.search.service import SearchService
    from paperscope.store import Store

__all__ = [
    "DailyPapers",
    "InvalidArgument",
    "LibraryPage",
    "NotFound",
    "NotReady",
    "Paperscope",
    "PaperscopeError",
    "TrendingPaper",
    "open_instance",
]

log = logging.getLogger("paperscope")

SORTS = ("relevance", "newest", "oldest", "citations")
MODES = ("hybrid", "bm25", "dense")
FEED_SORTS = ("upvotes", "newest")
TRENDING_WINDOWS = ("day", "week", "month")
RECOMMEND_WINDOWS = ("day", "week", "month", "all")
MAX_LIMIT = 1000  # the search engine's own ceiling (search/engine.py)
# The deepest search result a caller may skip to: each retriever ranks offset + limit
# candidates, so a deeper page would rank most of a large index to show a few hits.
MAX_SEARCH_OFFSET = 100_000
MAX_ROW_OFFSET = 2**63 - 1  # the largest integer both databases bind (store/database.py)


class PaperscopeError(Exception):
    """Something the caller can fix; the message says what and how."""


class InvalidArgument(PaperscopeError, ValueError):
    """An argument out of range or in the wrong form."""


class NotFound(PaperscopeError, LookupError):
    """No such paper, user or library item."""


class NotReady(PaperscopeError):
    """The data folder lacks what the call needs (no index yet, no candidates)."""


@dataclass(frozen=True, slots=True)
class DailyPapers:
    """One period of the daily feed, most upvoted (or newest) first."""

    period: Period
    papers: list[Paper]
    total: int  # papers in the whole period, for paging


@dataclass(frozen=True, slots=True)
class TrendingPaper:
    paper: Paper
    score: float  # time-decayed activity (rank/trending.py)


@dataclass(frozen=True, slots=True)
class LibraryPage:
    """A page of a reader's library (newest save first) with the papers themselves."""

    items: list[LibraryItem]
    papers: dict[str, Paper]
    total: int


def open_instance(source: str | Path | Settings | None = None, **settings: Any) -> Paperscope:
    """``paperscope.open``: a data folder, a Settings object, or None for the
    ``PAPERSCOPE_*`` environment; keyword arguments override single settings."""
    if isinstance(source, Settings):
        resolved = source.model_copy(update=settings) if settings else source
    elif source is not None:
        resolved = Settings(data_dir=Path(source), **settings)
    else:
        resolved = Settings(**settings)
    return Paperscope(resolved)


class Paperscope:
    """A paperscope data folder (or database) opened for use from Python."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        search: SearchService | None = None,
    ) -> None:
        """``store`` and ``search`` share an app's open store and search service (the
        web app's, so one process loads the indexes and model once); they are not
        closed here."""
        if store is None:
            _check_data_dir(settings.data_dir)
        self.settings = settings
        self._store = store
        self._owns_store = store is None
        self._search = search
        self._owns_search = search is None
        self._recommender: Recommender | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<Paperscope {self.settings.data_dir}>"

    def __enter__(self) -> Paperscope:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the store (when this object opened it) and forget the engine."""
        with self._lock:
            if self._store is not None and self._owns_store:
                self._store.close()
                self._store = None
            self._search = None
            self._recommender = None

    # -- what opens lazily ------------------------------------------------------------

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                from paperscope.store import Store

                if self.settings.is_sqlite:
                    _make_data_dir(self.settings.data_dir)
                self._store = Store.open(self.settings)
                self._owns_store = True
            return self._store

    def _search_service(self) -> SearchService:
        from paperscope.search.service import SearchService

        with self._lock:
            if self._search is None:
                self._search = SearchService(settings=self.settings, store=self.store)
            return self._search

    # -- papers -------------------------------------------------------------------------

    def paper(self, paper_id: str) -> Paper:
        """One paper by its id in any spelling (``2401.12345v2``, an arXiv URL)."""
        from paperscope.store.papers import get_paper

        found = get_paper(store=self.store, paper_id=_text(paper_id, "paper_id"))
        if found is None:
            raise NotFound(f"no paper {paper_id!r} in this paperscope")
        return found

    def papers(self, paper_ids: Sequence[str]) -> list[Paper]:
        """The papers of ``paper_ids`` that exist, in the order asked."""
        from paperscope.store.papers import get_papers

        found = {p.paper_id: p for p in get_papers(store=self.store, paper_ids=list(paper_ids))}
        return [found[pid] for pid in dict.fromkeys(paper_ids) if pid in found]

    def stats(self, paper_ids: Sequence[str]) -> dict[str, PaperStats]:
        """Upvotes, saves and views of each known paper."""
        from paperscope.store.upvotes import get_stats

        return get_stats(store=self.store, paper_ids=list(paper_ids))

    # -- search -------------------------------------------------------------------------

    def search(
        self,
        text: str = "",
        *,
        categories: str | Sequence[str] = (),
        authors: str | Sequence[str] = (),
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        sort: str = "relevance",
        mode: str = "hybrid",
        limit: int = 20,
        offset: int = 0,
    ) -> SearchResults:
        """Hybrid search (syntax: docs/search.md). Dates bound the submission date,
        inclusive; an empty ``text`` lists the newest papers that pass the filters.
        Before the first ``index()`` this is a plain title match, and ``notice`` says so."""
        query = SearchQuery(
            text=_text(text, "text", allow_empty=True),
            categories=_names(categories),
            authors=_names(authors),
            date_from=_date(date_from, "date_from"),
            date_to=_date(date_to, "date_to"),
            sort=_choice(sort, SORTS, "sort"),
            mode=_choice(mode, MODES, "mode"),
            limit=_limit(limit),
            offset=_offset(offset, MAX_SEARCH_OFFSET),
        )
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise InvalidArgument(
                f"date_from {query.date_from} is after date_to {query.date_to}: swap them"
            )
        return self._search_service().search(query)

    def did_you_mean(self, text: str, *, matched: bool = False) -> str | None:
        """``text`` with the words no paper holds respelled from the index's own
        vocabulary, as the search page offers it: ``matched`` (the search found papers)
        offers it only for plain words. None when there is nothing to respell, for an
        arXiv id or DOI, and before the first ``index()``."""
        return self._search_service().spelling(
            _text(text, "text", allow_empty=True), beside_results=matched
        )

    def similar(self, paper_id: str, *, limit: int = 10) -> list[Hit]:
        """The papers most like one paper, itself excluded."""
        from paperscope.search.engine import UnknownPaperError

        engine = self._search_service().engine()
        if engine is None:
            raise NotReady(
                "similar papers need the search index: build it with `paperscope index` "
                "or Paperscope.index()"
            )
        try:
            return engine.similar(_text(paper_id, "paper_id"), limit=_limit(limit))
        except UnknownPaperError:
            raise NotFound(f"no paper {paper_id!r} in this paperscope") from None

    # -- daily feed and trending ----------------------------------------------------------

    def daily(
        self,
        *,
        date: date | str | None = None,
        week: str | None = None,
        month: str | None = None,
        sort: str = "upvotes",
        limit: int = 50,
        offset: int = 0,
        category: str | None = None,
    ) -> DailyPapers:
        """The feed of a day (``2024-10-25``), an ISO week (``2024-W43``) or a month
        (``2024-10``); with none given, the latest day that has papers. ``category``
        keeps the papers in one category or whole archive (``cs.CL``, ``cs``, any
        case), as the feed page's filter does."""
        from paperscope.sources.arxiv_categories import category_filter
        from paperscope.store.daily_feed import list_feed

        period = self._period(date, week, month)
        ids, total = list_feed(
            store=self.store,
            start=period.start,
            end=period.end,
            mode=self.settings.feed_mode,
            categories=self.settings.feed_categories,
            sort="newest" if _choice(sort, FEED_SORTS, "sort") == "newest" else "upvotes",
            limit=_limit(limit),
            offset=_offset(offset, MAX_ROW_OFFSET),
            category=category_filter(category),
        )
        return DailyPapers(period=period, papers=self.papers(ids), total=total)

    def _period(self, day: date | str | None, week: str | None, month: str | None) -> Period:
        given = [name for name, v in (("date", day), ("week", week), ("month", month)) if v]
        if len(given) > 1:
            raise InvalidArgument(f"give one of date, week or month, not {' and '.join(given)}")
        try:
            if week:
                return parse_week(week)
            if month:
                return parse_month(month)
            if isinstance(day, date):
                return day_period(day)
            if day:
                return parse_day(day)
        except PeriodError as exc:
            raise InvalidArgument(str(exc)) from None
        return day_period(self._latest_feed_day())

    def _latest_feed_day(self) -> date:
        from paperscope.store.daily_feed import feed_day_near

        today = datetime.now(UTC).date()
        mode, categories = self.settings.feed_mode, self.settings.feed_categories
        near = feed_day_near(
            store=self.store, mode=mode, categories=categories, before=today, inclusive=True
        )
        return near or feed_day_near(store=self.store, mode=mode, categories=categories) or today

    def trending(
        self, *, window: str = "week", limit: int = 20, category: str | None = None
    ) -> list[TrendingPaper]:
        """Papers ranked by time-decayed upvotes, saves and submissions in ``window``
        (day, week or month); empty when nothing happened in it. ``category`` keeps
        those in one category or whole archive (``cs.CL``, ``cs``, any case), as the
        trending page's filter does."""
        from paperscope.rank.trending import in_category, rank_trending
        from paperscope.sources.arxiv_categories import category_filter

        ranked = rank_trending(
            store=self.store,
            window=cast("TrendingWindow", _choice(window, TRENDING_WINDOWS, "window")),
            now=datetime.now(UTC),
        )
        chosen = category_filter(category)
        if chosen:
            ranked = in_category(ranked, store=self.store, category=chosen)
        ranked = ranked[: _limit(limit)]
        papers = {p.paper_id: p for p in self.papers([t.paper_id for t in ranked])}
        return [TrendingPaper(papers[t.paper_id], t.score) for t in ranked if t.paper_id in papers]

    # -- a reader's library and recommendations ---------------------------------------------

    def user(self, username: str) -> User:
        from paperscope.store.accounts import find_user

        found = find_user(store=self.store, username=_text(username, "username"))
        if found is None:
            raise NotFound(f"no user {username!r} (`paperscope users list` shows them)")
        return found[0]

    def ensure_user(self, username: str) -> User:
        """The reader named ``username``, created when missing, without a password: a
        reader for scripts. People who sign in on the site get their account from
        `paperscope users add` or the sign-up page."""
        from paperscope.store.accounts import USERNAME_PATTERN, USERNAME_RULE, ensure_user

        name = _text(username, "username").strip()
        if not USERNAME_PATTERN.fullmatch(name):
            raise InvalidArgument(f"username {name!r}: {USERNAME_RULE}")
        return ensure_user(store=self.store, username=name, now=datetime.now(UTC))

    def _user(self, user: User | str) -> User:
        return user if isinstance(user, User) else self.user(user)

    def library(
        self, user: User | str, *, tag: str | None = None, limit: int = 50, offset: int = 0
    ) -> LibraryPage:
        """A reader's saved papers, newest save first, optionally only one tag."""
        from paperscope.store.library import list_items

        items, total = list_items(
            store=self.store,
            user_id=self._user(user).user_id,
            tag=tag.strip() if tag else None,
            limit=_limit(limit),
            offset=_offset(offset, MAX_ROW_OFFSET),
        )
        papers = {p.paper_id: p for p in self.papers([i.paper_id for i in items])}
        return LibraryPage(items=items, papers=papers, total=total)

    def save(
        self,
        user: User | str,
        paper_id: str,
        *,
        tags: Sequence[str] | None = None,
        note: str | None = None,
    ) -> LibraryItem:
        """Save a paper to a reader's library (again: given tags and note replace the
        old ones, omitted ones stay)."""
        from paperscope.store.library import InvalidTags, save_paper

        owner = self._user(user)
        paper = self.paper(paper_id)
        if isinstance(tags, str):
            tags = tags.split(",")
        try:
            return save_paper(
                store=self.store,
                user_id=owner.user_id,
                paper_id=paper.paper_id,
                now=datetime.now(UTC),
                tags=tags,
                note=note,
            )
        except InvalidTags as exc:
            raise InvalidArgument(f"tags: {exc}") from None

    def recommend(
        self, user: User | str, *, tag: str | None = None, window: str = "week", limit: int = 20
    ) -> Recommendations:
        """A reader's "For you" list (rank/recommend.py), each with its reason."""
        from paperscope.rank.recommend import CandidatesError, UnknownTag
        from paperscope.rank.recommend.groups import EmbedderUnavailable

        owner = self._user(user)
        chosen = cast("RecommendWindow", _choice(window, RECOMMEND_WINDOWS, "window"))
        try:
            return self._recommender_instance().recommend(
                user_id=owner.user_id, tag=tag or None, window=chosen, limit=_limit(limit)
            )
        except UnknownTag as exc:
            raise InvalidArgument(str(exc)) from None
        except (CandidatesError, EmbedderUnavailable) as exc:
            raise NotReady(f"recommendations are not available: {exc}") from None

    def _recommender_instance(self) -> Recommender:
        from paperscope.rank.recommend import Recommender, lazy_query_embedder

        with self._lock:
            if self._recommender is None:
                self._recommender = Recommender.open(
                    settings=self.settings,
                    store=self.store,
                    embed_query=lazy_query_embedder(self.settings),
                )
            return self._recommender

    # -- import and index -------------------------------------------------------------------

    def import_path(
        self, path: str | Path, *, format: str = "auto", strict: bool = False
    ) -> FileImport:
        """Import a file (arXiv snapshot, OAI-PMH XML, HF daily papers, text or a
        paperscope export; gzip is read as is). Bad records are reported in
        ``.report.rejected`` and skipped; the papers still need ``index()``."""
        from paperscope.ingest.pipeline import SourceFileError, import_file

        try:
            return import_file(store=self.store, path=Path(path), format_name=format, strict=strict)
        except SourceFileError as exc:
            raise InvalidArgument(str(exc)) from None

    def index(
        self,
        *,
        rebuild: bool = False,
        dense: bool = True,
        progress: ProgressCallback | None = None,
    ) -> CatchUpReport:
        """Bring the search indexes up to date with the store (what `paperscope index`
        does), then the recommendation candidates."""
        from paperscope.index.artifacts import ArtifactError, IndexMismatchError
        from paperscope.index.catch_up import catch_up_indexes
        from paperscope.index.embedder import EmbedderError
        from paperscope.rank.recommend import CandidatesError, refresh_candidates_from_index

        try:
            report = catch_up_indexes(
                settings=self.settings,
                store=self.store,
                progress=progress,
                rebuild=rebuild,
                dense=dense,
            )
        except (ArtifactError, IndexMismatchError, EmbedderError) as exc:
            raise NotReady(str(exc)) from None
        if dense:
            try:
                refresh_candidates_from_index(settings=self.settings, store=self.store)
            except CandidatesError as exc:
                log.warning("recommendations not refreshed: %s", exc)
        with self._lock:
            engine = self._search.engine() if self._search is not None else None
            if engine is not None:
                engine.refresh()
            elif self._owns_search:
                # A service that failed to open remembers it for a while: start afresh.
                self._search = None
        return report


# -- argument checks: one clear message per mistake ------------------------------------------


def _text(value: object, name: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be text, not {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise InvalidArgument(f"{name} is empty")
    return value


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    if not isinstance(value, (str, list, tuple)):
        raise InvalidArgument(f"give names as text or a list of text, not {type(value).__name__}")
    items = [value] if isinstance(value, str) else list(value)
    return tuple(s.strip() for s in items if isinstance(s, str) and s.strip())


def _date(value: date | str | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InvalidArgument(f"{name} must be a date or text such as 2024-10-25, not {value!r}")
    if not value.strip():
        return None
    try:
        return parse_date(value, name=name)
    except PeriodError as exc:
        raise InvalidArgument(str(exc)) from None


def _check_data_dir(path: Path) -> None:
    """A data folder that names a file is refused in the command line's words."""
    if path.exists() and not path.is_dir():
        raise InvalidArgument(
            f"data folder {path} is a file; point paperscope.open() or PAPERSCOPE_DATA_DIR "
            "at a folder"
        )


def _make_data_dir(path: Path) -> None:
    """Create the data folder, or say why it cannot be used."""
    _check_data_dir(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PaperscopeError(
            f"cannot create the data folder {path}: {exc.strerror or exc}"
        ) from exc


def _choice(value: str, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise InvalidArgument(f"{name} {value!r} is not one of: {', '.join(allowed)}")
    return value


def _at_least(value: int, low: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgument(f"{name} must be a whole number of at least {low}, not {value!r}")
    return value


def _offset(value: int, maximum: int) -> int:
    _at_least(value, 0, "offset")
    if value > maximum:
        raise InvalidArgument(f"offset must be at most {maximum:,}, not {value}")
    return value


def _limit(value: int) -> int:
    _at_least(value, 1, "limit")
    if value > MAX_LIMIT:
        raise InvalidArgument(f"limit must be at most {MAX_LIMIT}, not {value}")
    return value
