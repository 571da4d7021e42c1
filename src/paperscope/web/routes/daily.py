"""The daily feed (by day, week or month) and trending, as pages and JSON."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response

from paperscope.config import Settings
from paperscope.models import User
from paperscope.rank.trending import rank_trending
from paperscope.sources.arxiv_categories import category_filter
from paperscope.store import Store
from paperscope.store.daily_feed import feed_category_counts, feed_day_near, list_feed
from paperscope.store.paper_categories import categories_of, in_category
from paperscope.store.paper_links import paper_ids_with_code
from paperscope.web.data_cache import memo_for
from paperscope.web.deps import MaybeUser, SettingsDep, StoreDep
from paperscope.web.errors import invalid_field
from paperscope.web.feed_links import browse_links, daily_links, trending_links
from paperscope.web.periods import (
    Period,
    PeriodKind,
    day_period,
    parse_day,
    parse_month,
    parse_week,
    switched_period,
)
from paperscope.web.rendering import query_url, render, twin_url
from paperscope.web.routing import Routes
from paperscope.web.schemas import DailyPage, FacetLink, PaperCard, TrendingPage
from paperscope.web.views import (
    DEFAULT_LIMIT,
    HasCodeParam,
    LimitParam,
    PageParam,
    cards_for,
    pagination,
)

routes = Routes()

Sort = Literal["upvotes", "trending", "newest"]
SortParam = Query("upvotes", description="upvotes, trending or newest")
SORT_OPTIONS = (("upvotes", "Most upvoted"), ("trending", "Trending"), ("newest", "Newest"))
# Trending order within a period is computed over at most this many of its papers.
MAX_RANKED = 5000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FEED_MEMO_SIZE = 512
CategoryParam = Query(
    None,
    max_length=100,
    description="Only papers in this arXiv category or whole archive (cs.CL, cs), any case",
)


def today() -> date:
    return datetime.now(UTC).date()


def _feed_ids(
    store: Store,
    settings: Settings,
    period: Period,
    sort: Sort,
    page: int,
    limit: int,
    has_code: bool = False,
    category: str | None = None,
) -> tuple[list[str], int]:
    mode, cats = settings.feed_mode, settings.feed_categories
    if sort != "trending":
        return list_feed(
            store=store,
            start=period.start,
            end=period.end,
            mode=mode,
            categories=cats,
            sort=sort,
            limit=limit,
            offset=(page - 1) * limit,
            has_code=has_code,
            category=category,
        )
    ids, total = list_feed(
        store=store,
        start=period.start,
        end=period.end,
        mode=mode,
        categories=cats,
        sort="upvotes",
        limit=MAX_RANKED,
        has_code=has_code,
        category=category,
    )
    ranked = [
        t.paper_id
        for t in rank_trending(store=store, window="month", now=datetime.now(UTC), paper_ids=ids)
    ]
    ordered = ranked + [i for i in ids if i not in set(ranked)]
    return ordered[(page - 1) * limit : page * limit], total


def _neighbours(store: Store, settings: Settings, period: Period) -> tuple[str | None, str | None]:
    if period.kind != "day":
        earlier, later = period.adjacent(-1), period.adjacent(1)
        return (
            earlier.path if earlier else None,
            later.path if later and later.start <= today() else None,
        )
    mode, cats = settings.feed_mode, settings.feed_categories
    before = feed_day_near(store=store, mode=mode, categories=cats, before=period.start)
    after = feed_day_near(store=store, mode=mode, categories=cats, after=period.start)
    return (day_period(before).path if before else None, day_period(after).path if after else None)


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """What every daily-feed route reads besides its period: one dependency, so the
    day, week, month and home routes declare the shared query parameters once."""

    request: Request
    store: Store
    settings: Settings
    user: User | None
    sort: Sort
    has_code: bool
    page: int
    limit: int
    category: str | None


# A coroutine, like the store and settings dependencies: it only gathers what FastAPI
# has already parsed, not worth a hop to the thread pool.
async def _feed_request(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: MaybeUser,
    sort: Sort = SortParam,
    has_code: bool = HasCodeParam,
    page: int = PageParam,
    limit: int = LimitParam,
    category: str | None = CategoryParam,
) -> FeedRequest:
    chosen = category_filter(category)
    return FeedRequest(request, store, settings, user, sort, has_code, page, limit, chosen)


FeedRequestDep = Annotated[FeedRequest, Depends(_feed_request)]


def _filters(feed: FeedRequest) -> str:
    """The reader's choices that hold across periods (sort, has_code, category, page
    size), as a query string for the links to other periods; the page number does not
    carry over."""
    params: dict[str, str | int] = {}
    if feed.sort != "upvotes":
        params["sort"] = feed.sort
    if feed.has_code:
        params["has_code"] = "true"
    if feed.category:
        params["category"] = feed.category
    if feed.limit != DEFAULT_LIMIT:
        params["limit"] = feed.limit
    return "?" + urlencode(params) if params else ""


def _category_links(request: Request, counts: list[tuple[str, int]]) -> list[FacetLink]:
    """The category chips: this page narrowed to each category (from page 1)."""
    return [
        FacetLink(label=name, count=n, url=query_url(request, category=name, page=None))
        for name, n in counts
    ]


def _switch_url(period: Period, kind: PeriodKind, query: str) -> str | None:
    """A link of the Day / Week / Month switch (the rule: web/periods.switched_period)."""
    found = switched_period(period, kind, today=today())
    return found.path + query if found else None


def _daily(feed: FeedRequest, period: Period, notice: str | None = None) -> Response:
    request, store, settings, user = feed.request, feed.store, feed.settings, feed.user
    sort, page, limit, has_code = feed.sort, feed.page, feed.limit, feed.has_code
    category = feed.category
    in_future = period.start > today()
    ids: list[str]
    # Everyone's feed is the same at one data version (the trending order and the links
    # to other periods also move with the clock: a minute's bucket), so only the cards'
    # own marks are made per reader.
    memo = memo_for(store, "feeds", FEED_MEMO_SIZE)
    minute = int(time.time() // 60)
    where = (settings.feed_mode, settings.feed_categories, period.kind, period.start, minute)
    if in_future:
        # Nothing can be filed under a day that has not come yet: say so, not "0 papers".
        ids, total = [], 0
        notice = f"{period.label} is in the future, so there are no papers for it yet."
    else:
        ids, total = memo.get_or_compute(
            (*where, sort, page, limit, has_code, category),
            lambda: _feed_ids(store, settings, period, sort, page, limit, has_code, category),
        )
    counts = (
        []
        if in_future
        else memo.get_or_compute(
            ("categories", *where, has_code),
            lambda: feed_category_counts(
                store=store,
                start=period.start,
                end=period.end,
                mode=settings.feed_mode,
                categories=settings.feed_categories,
                has_code=has_code,
            ),
        )
    )
    prev_path, next_path = memo.get_or_compute(
        ("neighbours", *where), lambda: _neighbours(store, settings, period)
    )
    query = _filters(feed)
    feed_url, alert_url, alert_label = daily_links(period.kind)
    if category:
        # A narrowed feed is followed as that category's new papers.
        feed_url, alert_url = browse_links("category", category)
        alert_label = f"New {category} papers by mail"
    model = DailyPage(
        feed_url=feed_url,
        alert_url=alert_url,
        items=cards_for(store=store, paper_ids=ids, user=user),
        pagination=pagination(request, page=page, limit=limit, total=total),
        period=period.kind,
        label=period.label,
        start=period.start,
        end=period.end,
        sort=sort,
        prev_url=twin_url(request, prev_path + query if prev_path else None),
        next_url=twin_url(request, next_path + query if next_path else None),
        day_url=twin_url(request, _switch_url(period, "day", query)),
        week_url=twin_url(request, _switch_url(period, "week", query)),
        month_url=twin_url(request, _switch_url(period, "month", query)),
        alert_label=alert_label,
        notice=notice,
        in_future=in_future,
        category=category,
        category_counts=_category_links(request, counts),
    )
    return render(
        request,
        "daily.html",
        # current: the period holds today, so an empty one may still fill ("yet").
        {
            "nav_id": "daily",
            "sort_options": SORT_OPTIONS,
            "period": period,
            "current": not in_future and period.end >= today(),
        },
        json_model=model,
    )


@routes.twin("/", "/api/v1/daily", response_model=DailyPage, summary="Daily feed", tags=["feed"])
@routes.page("/daily")
def home(
    feed: FeedRequestDep,
    date_: str | None = Query(None, alias="date", description="A day: 2024-10-25"),
    week: str | None = Query(None, description="An ISO week: 2024-W43"),
    month: str | None = Query(None, description="A month: 2024-10"),
) -> Response:
    """Today's feed; when today has no papers yet, the most recent day that has."""
    given = [name for name, value in (("date", date_), ("week", week), ("month", month)) if value]
    if len(given) > 1:
        said = f"Give one of date, week or month, not {' and '.join(given)}."
        raise invalid_field(given, said, kind="one_of")
    if week:
        return _daily(feed, parse_week(week))
    if month:
        return _daily(feed, parse_month(month))
    if date_:
        return _daily(feed, parse_day(date_))
    store, settings = feed.store, feed.settings
    day, notice = today(), None
    latest = feed_day_near(
        store=store,
        mode=settings.feed_mode,
        categories=settings.feed_categories,
        before=day,
        inclusive=True,
    )
    latest = latest or feed_day_near(
        store=store, mode=settings.feed_mode, categories=settings.feed_categories
    )
    if latest and latest != day:
        notice = (
            "No papers for today yet, so this is the latest day with papers: "
            f"{latest:%A} {latest.day} {latest:%B %Y}."
        )
        day = latest
    return _daily(feed, day_period(day), notice)


@routes.twin(
    "/daily/{day}",
    "/api/v1/daily/{day}",
    response_model=DailyPage,
    summary="A day's feed",
    tags=["feed"],
)
def daily_day(day: str, feed: FeedRequestDep) -> Response:
    """The papers of one day (YYYY-MM-DD)."""
    return _daily(feed, parse_day(day))


@routes.twin(
    "/daily/week/{week}",
    "/api/v1/daily/week/{week}",
    response_model=DailyPage,
    summary="A week's feed",
    tags=["feed"],
)
def daily_week(week: str, feed: FeedRequestDep) -> Response:
    """The papers of one ISO week (2024-W43)."""
    return _daily(feed, parse_week(week))


@routes.twin(
    "/daily/month/{month}",
    "/api/v1/daily/month/{month}",
    response_model=DailyPage,
    summary="A month's feed",
    tags=["feed"],
)
def daily_month(month: str, feed: FeedRequestDep) -> Response:
    """The papers of one month (2024-10)."""
    return _daily(feed, parse_month(month))


TrendSort = Literal["trending", "newest", "upvotes"]


@routes.twin(
    "/trending",
    "/api/v1/trending",
    response_model=TrendingPage,
    summary="Trending papers",
    tags=["feed"],
)
def trending(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: MaybeUser,
    window: Literal["day", "week", "month"] = Query("week", description="day, week or month"),
    sort: TrendSort = Query("trending", description="trending, newest or upvotes"),
    page: int = PageParam,
    limit: int = LimitParam,
    has_code: bool = HasCodeParam,
    category: str | None = CategoryParam,
) -> Response:
    """Papers ranked by time-decayed activity (formula: docs/web.md)."""
    chosen = category_filter(category)
    # The same for every reader at one data version, within a minute of decay.
    memo = memo_for(store, "feeds", FEED_MEMO_SIZE)
    where = (window, int(time.time() // 60))
    ranked = memo.get_or_compute(
        ("trending", *where),
        lambda: rank_trending(store=store, window=window, now=datetime.now(UTC)),
    )
    notice = None
    ids = [t.paper_id for t in ranked]
    if has_code:
        ids = memo.get_or_compute(("trending with code", *where), lambda: _with_code(store, ids))
    scores = {t.paper_id: t.score for t in ranked}
    cats = memo.get_or_compute(
        ("trending categories", *where, has_code),
        lambda: categories_of(store=store, paper_ids=ids),
    )
    counts = _counted(cats)
    if chosen:
        ids = [pid for pid in ids if in_category(cats.get(pid, ()), chosen)]
    if not ids:
        kind = (f" in {chosen}" if chosen else "") + (" with code" if has_code and ranked else "")
        notice = (
            f"No paper{kind} has been upvoted, saved or submitted in the last {window}; "
            f"showing the latest papers{kind} instead."
        )
        ids, _ = list_feed(
            store=store,
            start=date.min,
            end=today(),
            mode=settings.feed_mode,
            categories=settings.feed_categories,
            sort="newest",
            limit=limit * 5,
            has_code=has_code,
            category=chosen,
        )
    items = _sorted_cards(store, user, ids, sort, page, limit)
    for c in items:
        c.score = round(scores[c.paper_id], 3) if c.paper_id in scores else None
    feed_url, alert_url = trending_links(window, chosen)
    model = TrendingPage(
        feed_url=feed_url,
        alert_url=alert_url,
        items=items,
        pagination=pagination(request, page=page, limit=limit, total=len(ids)),
        window=window,
        sort=sort,
        notice=notice,
        alert_label=f"Trending in {chosen} by mail" if chosen else "Get these by mail",
        category=chosen,
        category_counts=_category_links(request, counts),
    )
    return render(request, "trending.html", {"nav_id": "trending"}, json_model=model)


def _counted(categories: dict[str, tuple[str, ...]]) -> list[tuple[str, int]]:
    """Papers per category, most first, then by name (a paper counts in each of its
    categories, as the filter finds it under each)."""
    counts = Counter(c for cats in categories.values() for c in dict.fromkeys(cats))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _with_code(store: Store, ids: list[str]) -> list[str]:
    with_code = paper_ids_with_code(store)
    return [pid for pid in ids if pid in with_code]


def _sorted_cards(
    store: Store, user: User | None, ids: list[str], sort: str, page: int, limit: int
) -> list[PaperCard]:
    if sort != "trending":
        # Re-sorting a window's papers needs their dates or counts: load all, page after.
        cards = cards_for(store=store, paper_ids=ids[:MAX_RANKED], user=user)
        if sort == "newest":
            cards.sort(key=lambda c: c.submitted_at or _EPOCH, reverse=True)
        else:
            cards.sort(key=lambda c: c.upvotes, reverse=True)
        return cards[(page - 1) * limit : page * limit]
    return cards_for(store=store, paper_ids=ids[(page - 1) * limit : page * limit], user=user)
