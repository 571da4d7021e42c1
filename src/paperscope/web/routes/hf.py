"""Hugging Face's papers API and site paths, so scripts, the official
``huggingface_hub`` client (``HfApi(endpoint=...)``) and its ``hf papers`` commands
work against paperscope unchanged: ``/api/daily_papers``, ``/api/papers/search``,
``/api/papers/{id}``, ``/papers/{id}.md``, and ``/papers/date|week|month/...``
redirected to the daily pages. Shapes in web/hf_format.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import Query, Request, Response
from fastapi.responses import RedirectResponse

from paperscope.models import SearchQuery
from paperscope.rank.trending import rank_trending
from paperscope.search.query import MAX_QUERY_CHARS, QUERY_HARD_LIMIT
from paperscope.search.service import SearchService
from paperscope.store.daily_feed import feed_day_near, list_feed
from paperscope.store.papers import get_papers
from paperscope.web.deps import SettingsDep, StoreDep
from paperscope.web.errors import invalid_field
from paperscope.web.hf_format import daily_entry, paper_object
from paperscope.web.hf_views import listings, markdown_response
from paperscope.web.periods import Period, day_period, parse_day, parse_month, parse_week
from paperscope.web.rendering import json_response
from paperscope.web.routing import Routes
from paperscope.web.search_slots import takes_search_slot
from paperscope.web.views import load_paper

routes = Routes()
MAX_PERIOD_PAPERS = 5000
TAGS = ["hugging face compatible"]


def _period(
    store: StoreDep, settings: SettingsDep, date_: str | None, week: str | None, month: str | None
) -> Period | None:
    if week:
        return parse_week(week)
    if month:
        return parse_month(month)
    if date_:
        return parse_day(date_)
    latest = feed_day_near(
        store=store, mode=settings.feed_mode, categories=settings.feed_categories
    )
    return day_period(latest) if latest else None


def _entries(store: StoreDep, ids: list[str]) -> Response:
    papers = get_papers(store=store, paper_ids=ids)
    listed = listings(store, papers)
    return json_response([daily_entry(p, listed[p.paper_id]) for p in papers])


@routes.api("/api/daily_papers", summary="Daily papers (HF format)", tags=TAGS)
def daily_papers(
    store: StoreDep,
    settings: SettingsDep,
    date_: str | None = Query(None, alias="date", description="YYYY-MM-DD; default: latest day"),
    week: str | None = Query(None, description="ISO week, 2024-W43"),
    month: str | None = Query(None, description="Month, 2024-10"),
    submitter: str | None = Query(
        None, max_length=200, description="Only papers this person submitted (here or on HF)"
    ),
    sort: Literal["publishedAt", "trending"] = Query("publishedAt"),
    p: int = Query(0, ge=0, le=10_000, description="Page, from 0"),
    limit: int = Query(50, ge=1, le=100),
) -> Response:
    """A JSON array of entries with HF's keys (paper{id, authors, publishedAt, title,
    summary, upvotes, discussionId, githubRepo ...}, publishedAt, title, thumbnail,
    mediaUrls, numComments, submittedBy ...)."""
    period = _period(store, settings, date_, week, month)
    if period is None:
        return json_response([])
    ids, _ = list_feed(
        store=store,
        start=period.start,
        end=period.end,
        mode=settings.feed_mode,
        categories=settings.feed_categories,
        sort="newest",
        limit=MAX_PERIOD_PAPERS,
        submitter=submitter or None,
    )
    if sort == "trending":
        now = datetime.now(UTC)
        ranked = [
            t.paper_id for t in rank_trending(store=store, window="month", now=now, paper_ids=ids)
        ]
        ids = ranked + [i for i in ids if i not in set(ranked)]
    return _entries(store, ids[p * limit : (p + 1) * limit])


@routes.api("/api/papers/search", summary="Search papers (HF format)", tags=TAGS)
@takes_search_slot
def search_papers(
    request: Request,
    store: StoreDep,
    q: str = Query(
        "",
        max_length=QUERY_HARD_LIMIT,
        description=f"Words, a phrase, or a question (cut at {MAX_QUERY_CHARS:,} characters)",
    ),
    limit: int = Query(20, ge=1, le=100),
) -> Response:
    """Search results as daily-papers entries, best first (the site's hybrid search,
    or a title match while the search index is not built)."""
    service: SearchService = request.app.state.search
    try:
        found = service.search(SearchQuery(text=q.strip(), limit=limit))
    except ValueError as exc:
        said = f"This query could not be run: {exc}"
        raise invalid_field("q", said, code="invalid_query") from exc
    return _entries(store, [h.paper_id for h in found.hits])


@routes.api("/api/papers/{paper_id:path}", summary="A paper (HF format)", tags=TAGS)
def paper_info(paper_id: str, store: StoreDep) -> Response:
    """The paper as HF's paper object: id, authors, publishedAt, title, summary,
    upvotes, discussionId, numComments, githubRepo, githubStars, ai_summary, ai_keywords,
    organization, submittedOnDailyBy ..."""
    paper = load_paper(store, paper_id)
    return json_response(paper_object(paper, listings(store, [paper])[paper.paper_id]))


@routes.page("/papers/date/{day}")
def hf_day(day: str) -> Response:
    return RedirectResponse(parse_day(day).path, status_code=301)


@routes.page("/papers/week/{week}")
def hf_week(week: str) -> Response:
    return RedirectResponse(parse_week(week).path, status_code=301)


@routes.page("/papers/month/{month}")
def hf_month(month: str) -> Response:
    return RedirectResponse(parse_month(month).path, status_code=301)


@routes.page("/papers/{paper_id:path}.md")
def paper_as_markdown(request: Request, paper_id: str, store: StoreDep) -> Response:
    """The paper page as Markdown (HF's ``read_paper``)."""
    return markdown_response(request, store, load_paper(store, paper_id))
