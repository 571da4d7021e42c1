"""What goes into a digest: trending papers, saved-search matches, followed categories
and authors, recommendations. One ContentSource per run caches what subscribers share
(the trending list, the set of new papers, loaded papers), so 10,000 digests do not
ask the same questions 10,000 times."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.config import Settings
from paperscope.models import Paper
from paperscope.rank.trending import Trending, in_category, rank_trending
from paperscope.store import Store
from paperscope.store.follows import FollowedPaper, followed_papers
from paperscope.store.papers import get_papers
from paperscope.store.subscriptions import Subscription, papers_arrived

if TYPE_CHECKING:
    from paperscope.search.engine import SearchEngine

log = logging.getLogger(__name__)

# Saved-search alerts keep a hit only if its cosine similarity to the query (all-MiniLM-
# L6-v2) reaches this; calibrated on SciFact (bench/alert_threshold.py, docs/digests.md).
DEFAULT_MIN_SEMANTIC_SCORE = 0.40
# Keeps a digest under ~100 KB: Gmail clips longer mails behind a "view entire" link.
MAX_PER_SECTION = 15
ALERT_SEARCH_DEPTH = 3 * MAX_PER_SECTION


@dataclass(frozen=True, slots=True)
class DigestItem:
    paper: Paper
    score: float | None = None


@dataclass(frozen=True, slots=True)
class DigestSection:
    key: str  # trending | search | follow | followed | recommended
    title: str
    items: tuple[DigestItem, ...]
    more: int = 0  # matches left out to keep the mail short
    more_url: str | None = None  # a path on the site listing the rest


@dataclass(frozen=True, slots=True)
class Digest:
    subscription: Subscription
    period: str
    sections: tuple[DigestSection, ...]
    built_at: datetime

    @property
    def paper_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.paper.paper_id for s in self.sections for i in s.items))

    @property
    def paper_count(self) -> int:
        return len(self.paper_ids)


class ContentUnavailable(Exception):
    """A source a subscription needs cannot answer now (e.g. no search index yet)."""


@dataclass
class ContentSource:
    store: Store
    settings: Settings
    now: datetime
    _arrived: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)
    # Keyed by (window, category): "" is the whole site's trending.
    _trending: dict[tuple[str, str], list[Trending]] = field(default_factory=dict)
    _papers: dict[str, Paper] = field(default_factory=dict)
    _engine: SearchEngine | None = None
    _unindexed: dict[datetime, int] = field(default_factory=dict)
    _recommender: Any = None
    _root: Path | None = None  # the published generation this pass reads (INDEX_URL)

    # ------------------------------------------------------------ shared lookups

    def arrived(
        self, since: datetime, categories: tuple[str, ...] = (), authors: tuple[str, ...] = ()
    ) -> list[str]:
        key = (since, categories, authors)
        if key not in self._arrived:
            self._arrived[key] = papers_arrived(
                store=self.store,
                since=since,
                until=self.now,
                categories=categories,
                authors=authors,
            )
        return self._arrived[key]

    def papers(self, ids: list[str]) -> list[Paper]:
        missing = [i for i in ids if i not in self._papers]
        if missing:
            for paper in get_papers(store=self.store, paper_ids=missing):
                self._papers[paper.paper_id] = paper
        return [self._papers[i] for i in ids if i in self._papers]

    def trending(self, window: str, category: str | None = None) -> list[Trending]:
        """The window's trending papers, best first, only those in ``category`` (a
        category or archive, as the trending page narrows) when given. Ranked once per
        window and run, and narrowed once per category: every subscriber shares them."""
        key = (window, category or "")
        if key not in self._trending:
            self._trending[key] = (
                in_category(self.trending(window), store=self.store, category=category)
                if category
                else self._rank_trending(window)
            )
        return self._trending[key]

    def _rank_trending(self, window: str) -> list[Trending]:
        return rank_trending(
            store=self.store, window="week" if window == "week" else "day", now=self.now
        )

    def search(self, subscription: Subscription, since: datetime) -> list[tuple[str, float]]:
        """Saved-search matches among the papers that arrived since ``since`` (hybrid
        engine), strongest first, weak ones dropped by the relevance threshold."""
        from paperscope.search.engine import SearchQuery

        spec = subscription.spec
        candidates = self.arrived(since)
        if not candidates or not spec.search_query:
            return []
        engine = self._search_engine()
        self._require_indexed(engine, since, candidates)
        results = engine.search(
            SearchQuery(
                text=spec.search_query,
                categories=spec.categories,
                authors=spec.authors,
                mode="hybrid",
                # The digest shows 15; fetching (and highlighting) far more per alert
                # would make it the most expensive part of a digest.
                limit=min(len(candidates), ALERT_SEARCH_DEPTH),
                paper_ids=frozenset(candidates),
            )
        )
        threshold = spec.min_score if spec.min_score is not None else DEFAULT_MIN_SEMANTIC_SCORE
        return [
            (hit.paper_id, float(hit.semantic_score))
            for hit in results.hits
            if hit.semantic_score is not None and hit.semantic_score >= threshold
        ]

    def _require_indexed(self, engine: SearchEngine, since: datetime, ids: list[str]) -> None:
        """Alerts judge new papers by their embedding: until `paperscope index` has
        embedded them, wait (the digest is retried next run) rather than miss them."""
        if since not in self._unindexed:
            index = engine.semantic.index
            self._unindexed[since] = len(ids) if index is None else len(ids) - len(index.known(ids))
        missing = self._unindexed[since]
        if missing:
            raise ContentUnavailable(
                f"{missing} new papers are not in the search index yet; run `paperscope index`"
            )

    def _search_engine(self) -> SearchEngine:
        if self._engine is None:
            from paperscope.search.engine import SearchEngine

            try:
                self._engine = SearchEngine.open(
                    settings=self.settings, store=self.store, root=self._published_root()
                )
            except Exception as exc:  # no index yet, a stale manifest: say so, retry later
                raise ContentUnavailable(f"search index unavailable: {exc}") from exc
        return self._engine

    def followed(self, subscription: Subscription, since: datetime) -> list[FollowedPaper]:
        """What the authors and accounts the subscriber's account follows brought since
        ``since`` (the For-you page's query), newest first."""
        if subscription.user_id is None:
            return []
        return followed_papers(
            store=self.store,
            user_id=subscription.user_id,
            since=since,
            until=self.now,
            limit=MAX_PER_SECTION * 4,
        )

    def _published_root(self) -> Path | None:
        """With INDEX_URL, the generation published now (fetched once per pass), so a
        worker on any host builds from the same index as the web instances."""
        if not self.settings.index_url:
            return None
        from paperscope.index.publish import local_generation

        if self._root is None:
            self._root = local_generation(settings=self.settings)
        return self._root

    def _published_recommend_folder(self) -> Path | None:
        from paperscope.index.publish import RECOMMEND_PART, PublishError

        try:
            root = self._published_root()
        except (PublishError, OSError) as exc:
            log.warning("no published index for recommendations: %s", exc)
            return None
        return root / RECOMMEND_PART if root is not None else None

    def recommended(self, subscription: Subscription, limit: int) -> list[str]:
        """The reader's personal recommendations of the period; empty (and logged) when
        the recommender cannot answer, so the rest of the digest still goes out."""
        if subscription.user_id is None:
            return []
        from paperscope.rank.recommend import CandidatesError, Recommender, lazy_query_embedder

        if self._recommender is None:
            self._recommender = Recommender.open(
                settings=self.settings,
                store=self.store,
                embed_query=lazy_query_embedder(self.settings),
                folder=self._published_recommend_folder if self.settings.index_url else None,
            )
        window = "week" if subscription.spec.frequency == "weekly" else "day"
        try:
            found = self._recommender.recommend(
                user_id=subscription.user_id, window=window, limit=limit, today=self.now.date()
            )
        except (CandidatesError, OSError) as exc:
            log.warning(
                "no recommendations for subscription %s: %s", subscription.subscription_id, exc
            )
            return []
        return [item.paper_id for item in found.items]
