"""RSS/Atom feeds of every list (daily, trending, a search, a category, an author, a
public tag), with HTTP caching. Thin: each route calls feeds/ or store/."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import Query, Request, Response

from paperscope.feeds.syndication import FEED_SIZE, FeedInfo
from paperscope.models import SearchQuery
from paperscope.periods import Period, PeriodKind, day_period
from paperscope.rank.trending import rank_trending
from paperscope.search.service import SearchService
from paperscope.sources.arxiv_categories import category_filter, is_category
from paperscope.store.daily_feed import feed_day_near, list_feed
from paperscope.store.paper_categories import only_in_category
from paperscope.store.papers import list_paper_ids
from paperscope.store.subscriptions import (
    public_tag_papers,
)
from paperscope.web.category_spelling import respelled_category
from paperscope.web.deps import SettingsDep, StoreDep
from paperscope.web.errors import ApiError, no_such_category
from paperscope.web.feed_responses import FEED_KINDS, feed_response, self_path
from paperscope.web.periods import period_of
from paperscope.web.routing import Routes
from paperscope.web.search_slots import takes_search_slot

routes = Routes()


# ------------------------------------------------------------------ feeds


def daily_feed(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    period: PeriodKind = Query("day", description="day, week or month"),
) -> Response:
    """The latest feed day's papers, or those of the ISO week or month holding it."""
    mode, cats = settings.feed_mode, settings.feed_categories
    today = datetime.now(UTC).date()
    day = feed_day_near(store=store, mode=mode, categories=cats, before=today, inclusive=True)
    day = day or feed_day_near(store=store, mode=mode, categories=cats)
    span = _feed_period(period, day)
    ids: list[str] = []
    if span is not None:
        ids, _ = list_feed(
            store=store,
            start=span.start,
            end=span.end,
            mode=mode,
            categories=cats,
            sort="upvotes",
            limit=FEED_SIZE,
        )
    if period == "day":
        title = "paperscope daily papers" + (f" for {day:%-d %B %Y}" if day else "")
        info = FeedInfo(title, "The papers of the daily feed.", "/", self_path(request))
    else:
        title = f"paperscope papers of the {period}" + (f": {span.label}" if span else "")
        page = span.path if span else "/"
        info = FeedInfo(
            title, f"The {period}'s papers, most upvoted first.", page, self_path(request)
        )
    return feed_response(request, settings, store, info, ids)


def _feed_period(kind: PeriodKind, day: date | None) -> Period | None:
    if day is None:
        return None
    try:
        return period_of(kind, day)
    except OverflowError:
        return day_period(day)  # a week past the calendar's end: that day alone


def trending_feed(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    window: Literal["day", "week", "month"] = Query("week", description="day, week or month"),
    category: str | None = Query(
        None, max_length=100, description="Only trending papers in this category or archive"
    ),
) -> Response:
    chosen = category_filter(category)
    ids = [t.paper_id for t in rank_trending(store=store, window=window, now=datetime.now(UTC))]
    page: dict[str, str] = {"window": window}
    if chosen:
        ids = only_in_category(store=store, paper_ids=ids, category=chosen)
        page["category"] = chosen
    info = FeedInfo(
        f"paperscope trending papers{f' in {chosen}' if chosen else ''} ({window})",
        "What readers are upvoting, saving and submitting now.",
        "/trending?" + urlencode(page),
        self_path(request),
    )
    return feed_response(request, settings, store, info, ids)


@takes_search_slot
def search_feed(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    q: str = Query("", description="Search query"),
    category: Annotated[list[str] | None, Query(description="Category filter")] = None,
    author: Annotated[list[str] | None, Query(description="Author filter")] = None,
    date_from: date | None = Query(None, alias="from", description="Submitted on or after"),
    date_to: date | None = Query(None, alias="to", description="Submitted on or before"),
    has_code: bool = Query(False, description="Only papers with a code link"),
) -> Response:
    """A search's best matches as a feed, narrowed by the search page's filters."""
    if not q.strip():
        raise ApiError(400, "missing_query", "Add a search query: /search.atom?q=your+topic")
    search: SearchService = request.app.state.search
    outcome = search.search(
        SearchQuery(
            text=q,
            categories=tuple(category or ()),
            authors=tuple(author or ()),
            date_from=date_from,
            date_to=date_to,
            has_code=has_code,
            limit=FEED_SIZE,
        )
    )
    narrowed = {"from": date_from, "to": date_to, "has_code": "true" if has_code else None}
    page = "/search?" + urlencode(
        {
            "q": q,
            "category": category or [],
            "author": author or [],
            **{k: str(v) for k, v in narrowed.items() if v},
        },
        doseq=True,
    )
    info = FeedInfo(f"paperscope search: {q}", f"Papers matching “{q}”.", page, self_path(request))
    return feed_response(request, settings, store, info, [h.paper_id for h in outcome.hits])


def category_feed(request: Request, store: StoreDep, settings: SettingsDep, name: str) -> Response:
    kind = ".rss" if request.url.path.endswith(".rss") else ".atom"
    moved = respelled_category(request, name, lambda spelled: f"/categories/{spelled}{kind}")
    if moved is not None:
        return moved
    ids = list_paper_ids(store=store, category=name, limit=FEED_SIZE)
    if not ids and not is_category(name):
        raise no_such_category(name)
    info = FeedInfo(
        f"paperscope: new in {name}",
        f"The newest papers in {name}.",
        "/categories/" + quote(name, safe=""),
        self_path(request),
    )
    return feed_response(request, settings, store, info, ids)


def author_feed(request: Request, store: StoreDep, settings: SettingsDep, name: str) -> Response:
    ids = list_paper_ids(store=store, author=name, limit=FEED_SIZE)
    info = FeedInfo(
        f"paperscope: papers by {name}",
        f"The newest papers by {name}.",
        "/authors/" + quote(name, safe=""),
        self_path(request),
    )
    return feed_response(request, settings, store, info, ids)


def tag_feed(request: Request, store: StoreDep, settings: SettingsDep, tag: str) -> Response:
    ids = public_tag_papers(store=store, tag=tag, limit=FEED_SIZE)
    info = FeedInfo(
        f"paperscope tag: {tag}",
        f"Papers readers filed under “{tag}”.",
        "/",  # a public tag has no HTML page: the site stands in for it
        self_path(request),
    )
    return feed_response(request, settings, store, info, ids)


def _add_feed_routes() -> None:
    """Explicit .rss and .atom paths (the endpoint reads which from the path): a
    `{kind}` parameter after a dot would also match category names such as cs.LG."""
    endpoints = (
        ("/daily", daily_feed),
        ("/trending", trending_feed),
        ("/search", search_feed),
        ("/categories/{name}", category_feed),
        ("/authors/{name}", author_feed),
        ("/tags/{tag}", tag_feed),
    )
    for path, endpoint in endpoints:
        for kind in FEED_KINDS:
            routes.page(f"{path}.{kind}")(endpoint)


_add_feed_routes()
