"""`GET /api/daily_papers`, shaped like Hugging Face's endpoint of the same name, so
scripts written for HF Papers work against paperscope unchanged."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from fastapi import Query, Response

from paperscope.models import Paper, PaperStats
from paperscope.rank.trending import rank_trending
from paperscope.store.accounts import get_user
from paperscope.store.daily_feed import feed_day_near, list_feed
from paperscope.store.papers import get_papers
from paperscope.store.submissions import submitters
from paperscope.store.upvotes import get_stats
from paperscope.web.deps import SettingsDep, StoreDep
from paperscope.web.periods import Period, day_period, parse_day, parse_month, parse_week
from paperscope.web.rendering import json_response
from paperscope.web.routing import Routes

routes = Routes()
MAX_PERIOD_PAPERS = 5000


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def _object_id(*parts: str) -> str:
    """A stable 24-hex id in the style of HF's (MongoDB) ids."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:24]


def _submitter(name: str) -> dict[str, Any]:
    return {
        "avatarUrl": "",
        "followerCount": 0,
        "fullname": name,
        "isHf": False,
        "isMod": False,
        "isPro": False,
        "name": name,
        "type": "user",
    }


def hf_entry(
    paper: Paper, stats: PaperStats | None, submitted_by: str, submitted_at: datetime
) -> dict[str, Any]:
    title = " ".join(paper.title.split())
    inner: dict[str, Any] = {
        "id": paper.paper_id,
        "authors": [
            {"_id": _object_id(paper.paper_id, str(i)), "name": name, "hidden": False}
            for i, name in enumerate(paper.authors)
        ],
        "publishedAt": _iso(paper.submitted_at),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": stats.total_upvotes if stats else (paper.external_upvotes or 0),
        "discussionId": _object_id("discussion", paper.paper_id),
    }
    if paper.ai_summary:
        inner["ai_summary"] = paper.ai_summary
    if paper.ai_keywords:
        inner["ai_keywords"] = list(paper.ai_keywords)
    if paper.code_url:
        inner["githubRepo"] = paper.code_url
    if paper.project_url:
        inner["projectPage"] = paper.project_url
    return {
        "paper": inner,
        "publishedAt": _iso(submitted_at),
        "title": title,
        "summary": paper.abstract,
        "thumbnail": "",
        "mediaUrls": [],
        "numComments": 0,
        "submittedBy": _submitter(submitted_by),
        "isAuthorParticipating": False,
    }


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


@routes.api(
    "/api/daily_papers", summary="Daily papers (HF format)", tags=["hugging face compatible"]
)
def daily_papers(
    store: StoreDep,
    settings: SettingsDep,
    date_: str | None = Query(None, alias="date", description="YYYY-MM-DD; default: latest day"),
    week: str | None = Query(None, description="ISO week, 2024-W43"),
    month: str | None = Query(None, description="Month, 2024-10"),
    sort: Literal["publishedAt", "trending"] = Query("publishedAt"),
    p: int = Query(0, ge=0, le=10_000, description="Page, from 0"),
    limit: int = Query(50, ge=1, le=100),
) -> Response:
    """A JSON array of entries with HF's keys (paper{id, authors, publishedAt, title,
    summary, upvotes, discussionId}, publishedAt, title, summary, thumbnail, numComments,
    submittedBy ...)."""
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
    )
    if sort == "trending":
        ranked = [
            t.paper_id
            for t in rank_trending(
                store=store, window="month", now=datetime.now(UTC), paper_ids=ids
            )
        ]
        ids = ranked + [i for i in ids if i not in set(ranked)]
    ids = ids[p * limit : (p + 1) * limit]
    return json_response(_entries(store, ids, period.start))


def _entries(store: StoreDep, ids: list[str], day: date) -> list[dict[str, Any]]:
    papers = get_papers(store=store, paper_ids=ids)
    stats = get_stats(store=store, paper_ids=ids)
    subs = submitters(store=store, paper_ids=ids)
    names: dict[int, str] = {}
    out = []
    for paper in papers:
        if paper.paper_id in subs:
            user_id, at = subs[paper.paper_id]
            if user_id not in names:
                found = get_user(store=store, user_id=user_id)
                names[user_id] = found.username if found else "paperscope"
            by = names[user_id]
        else:
            at = datetime.combine(paper.feed_date or day, time(), tzinfo=UTC)
            by = paper.submitter or "arxiv"
        out.append(hf_entry(paper, stats.get(paper.paper_id), by, at))
    return out
