"""Submissions: a signed-in user proposes an arXiv paper for today's feed."""

from __future__ import annotations

from fastapi import Form, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from paperscope.arxiv_ids import parse_pasted_arxiv_id
from paperscope.config import Settings
from paperscope.models import Paper, User
from paperscope.site_paths import day_url
from paperscope.store import Store
from paperscope.store.daily_feed import in_feed, submitted_day
from paperscope.store.papers import get_paper, upsert_papers
from paperscope.store.submissions import (
    AlreadySubmitted,
    SubmissionCapReached,
    add_submission,
    record_failed_fetch,
    submissions_left,
)
from paperscope.web.arxiv_fetches import ArxivFetches, FetchBusy, FetchFailed
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, SettingsDep, StoreDep
from paperscope.web.errors import ApiError, invalid_field
from paperscope.web.rendering import json_response, render
from paperscope.web.routing import Routes
from paperscope.web.schemas import SubmissionOut, SubmitPage
from paperscope.web.views import cards_for

routes = Routes()
MAX_ID_CHARS = 300  # an arXiv URL with its version and query is far shorter


class SubmitRequest(BaseModel):
    arxiv_id: str = Field(
        max_length=MAX_ID_CHARS,
        description="An arXiv id or URL: 2410.17243, arXiv:2410.17243v2, https://arxiv.org/abs/...",
    )


def _check(store: Store, settings: Settings, user: User, text: str) -> tuple[str, Paper | None]:
    """The id's base form and the paper when already stored; 422 or 429 first."""
    parsed = parse_pasted_arxiv_id(text)
    if parsed is None:
        raise invalid_field(
            "arxiv_id",
            f"{text.strip()[:100]!r} is not an arXiv id or URL. Use e.g. 2410.17243 or https://arxiv.org/abs/2410.17243.",
            code="invalid_arxiv_id",
        )
    left = submissions_left(
        store=store, user_id=user.user_id, now=now_utc(), daily_cap=settings.submissions_per_day
    )
    if left == 0:
        raise _cap_reached(settings.submissions_per_day)
    return parsed.base, get_paper(store=store, paper_id=parsed.base)


def _cap_reached(cap: int) -> ApiError:
    return ApiError(
        429, "submission_cap", f"You have used today's {cap} submissions; try again tomorrow."
    )


async def _fetch(request: Request, store: Store, user: User, arxiv_id: str) -> Paper:
    """The paper from arXiv, off the request thread pool; a failure counts toward
    the cap and is told in words (the technical cause goes to the log)."""
    fetches: ArxivFetches = request.app.state.arxiv_fetches
    try:
        paper = await fetches.fetch(arxiv_id)
    except FetchBusy:
        raise ApiError(
            503,
            "busy",
            "Many papers are being fetched from arXiv right now; try again in a minute.",
        ) from None
    except FetchFailed:
        await run_in_threadpool(
            record_failed_fetch, store=store, user_id=user.user_id, now=now_utc()
        )
        raise ApiError(
            502,
            "arxiv_unreachable",
            f"arXiv could not be reached to fetch {arxiv_id}; try again later.",
            {"arxiv_id": arxiv_id},
        ) from None
    if paper is None:
        await run_in_threadpool(
            record_failed_fetch, store=store, user_id=user.user_id, now=now_utc()
        )
        raise ApiError(
            404,
            "not_found",
            f"There is no arXiv paper {arxiv_id}: check the id.",
            {"arxiv_id": arxiv_id},
        )
    await run_in_threadpool(upsert_papers, store=store, papers_in=[paper])
    return paper


async def submit_paper(
    *, request: Request, store: Store, settings: Settings, user: User, text: str
) -> SubmissionOut:
    """Validate, fetch when unknown, refuse duplicates and over-cap, record."""
    arxiv_id, paper = await run_in_threadpool(_check, store, settings, user, text)
    if paper is None:
        paper = await _fetch(request, store, user, arxiv_id)
    return await run_in_threadpool(_record, store, settings, user, paper)


def _record(store: Store, settings: Settings, user: User, paper: Paper) -> SubmissionOut:
    now = now_utc()
    day = now.date()
    duplicate = ApiError(
        409,
        "duplicate",
        f"{paper.paper_id} is already in today's feed.",
        {"paper_id": paper.paper_id},
    )
    if in_feed(
        store=store,
        paper_id=paper.paper_id,
        day=day,
        mode=settings.feed_mode,
        categories=settings.feed_categories,
    ):
        raise duplicate
    earlier = submitted_day(store=store, paper_id=paper.paper_id)
    if earlier is not None:
        # Put forward once: brought back, it would top a later day with the upvotes of
        # its first (and under its first submitter's name).
        raise ApiError(
            409,
            "already_featured",
            f"{paper.paper_id} was put forward for the feed of {earlier.day} "
            f"{earlier:%B %Y} already: see {day_url(earlier)}.",
            {"paper_id": paper.paper_id, "feed_date": earlier.isoformat()},
        )
    try:
        sub = add_submission(
            store=store,
            user_id=user.user_id,
            paper_id=paper.paper_id,
            feed_date=day,
            now=now,
            daily_cap=settings.submissions_per_day,
        )
    except AlreadySubmitted:
        raise duplicate from None
    except SubmissionCapReached as exc:
        raise _cap_reached(exc.cap) from None
    card = cards_for(store=store, paper_ids=[paper.paper_id], user=user)[0]
    left = submissions_left(
        store=store, user_id=user.user_id, now=now_utc(), daily_cap=settings.submissions_per_day
    )
    return SubmissionOut(
        paper=card, feed_date=sub.feed_date, submitted_at=sub.submitted_at, submissions_left=left
    )


def _page(
    store: Store, settings: Settings, user: User, submitted: SubmissionOut | None = None
) -> SubmitPage:
    left = submissions_left(
        store=store, user_id=user.user_id, now=now_utc(), daily_cap=settings.submissions_per_day
    )
    return SubmitPage(
        submissions_left=left, daily_cap=settings.submissions_per_day, submitted=submitted
    )


@routes.page("/submit")
def submit_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: CurrentUser,
    arxiv_id: str = Query(
        "", max_length=MAX_ID_CHARS, description="Prefills the form (search links it)"
    ),
) -> Response:
    return render(
        request,
        "submit.html",
        {"nav_id": "submit", "value": arxiv_id},
        json_model=_page(store, settings, user),
    )


@routes.page("/submit", methods=["POST"], csrf=True)
async def submit_form(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: CurrentUser,
    # No max_length here: a refusal must come back on the form, not as an error page.
    arxiv_id: str = Form(""),
) -> Response:
    try:
        if len(arxiv_id) > MAX_ID_CHARS:
            raise invalid_field(
                "arxiv_id",
                f"That is {len(arxiv_id)} characters long; an arXiv id or URL has at most "
                f"{MAX_ID_CHARS}.",
                kind="string_too_long",
                code="invalid_arxiv_id",
            )
        done = await submit_paper(
            request=request, store=store, settings=settings, user=user, text=arxiv_id
        )
    except ApiError as exc:
        page = await run_in_threadpool(_page, store, settings, user)
        return render(
            request,
            "submit.html",
            {"nav_id": "submit", "error": exc, "value": arxiv_id[:MAX_ID_CHARS]},
            json_model=page,
            status_code=exc.status,
        )
    page = await run_in_threadpool(_page, store, settings, user, done)
    return render(request, "submit.html", {"nav_id": "submit"}, json_model=page)


@routes.api(
    "/api/v1/submit",
    methods=["POST"],
    csrf=True,
    response_model=SubmissionOut,
    status_code=201,
    summary="Submit a paper to today's feed",
    tags=["feed"],
)
async def api_submit(
    request: Request, body: SubmitRequest, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Propose an arXiv paper for today's feed (fetched from arXiv when unknown)."""
    done = await submit_paper(
        request=request, store=store, settings=settings, user=user, text=body.arxiv_id
    )
    return json_response(done, 201)
