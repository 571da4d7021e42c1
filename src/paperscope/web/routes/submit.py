"""Submissions: a signed-in user proposes an arXiv paper for today's feed."""

from __future__ import annotations

import logging

from fastapi import Form, Request, Response
from pydantic import BaseModel, Field

from paperscope.arxiv_ids import parse_arxiv_id
from paperscope.config import Settings
from paperscope.ingest.harvest import HarvestError, fetch_paper
from paperscope.models import Paper, User
from paperscope.store import Store
from paperscope.store.daily_feed import in_feed
from paperscope.store.papers import get_paper, upsert_papers
from paperscope.store.submissions import (
    AlreadySubmitted,
    SubmissionCapReached,
    add_submission,
    submissions_left,
)
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, SettingsDep, StoreDep
from paperscope.web.errors import ApiError
from paperscope.web.rendering import json_response, render
from paperscope.web.routing import Routes
from paperscope.web.schemas import SubmissionOut, SubmitPage
from paperscope.web.views import cards_for

log = logging.getLogger("paperscope.web")
routes = Routes()


class SubmitRequest(BaseModel):
    arxiv_id: str = Field(
        max_length=300,
        description="An arXiv id or URL: 2410.17243, arXiv:2410.17243v2, https://arxiv.org/abs/...",
    )


def _fetch(settings: Settings, arxiv_id: str) -> Paper | None:
    # A web request must answer quickly: one retry, not a harvest's patience.
    quick = settings.model_copy(
        update={"harvest_max_retries": min(settings.harvest_max_retries, 1)}
    )
    try:
        return fetch_paper(settings=quick, arxiv_id=arxiv_id)
    except HarvestError as exc:  # network or arXiv API trouble: the user can retry later
        log.warning("fetching %s from arXiv failed: %s", arxiv_id, exc)
        raise ApiError(
            502,
            "upstream_error",
            f"Could not fetch {arxiv_id} from arXiv right now ({exc}). Try again in a few minutes.",
        ) from None


def submit_paper(*, store: Store, settings: Settings, user: User, text: str) -> SubmissionOut:
    """Validate, fetch when unknown, refuse duplicates and over-cap, record."""
    parsed = parse_arxiv_id(text)
    if parsed is None:
        raise ApiError(
            422,
            "invalid_arxiv_id",
            f"{text.strip()[:100]!r} is not an arXiv id or URL. Use e.g. 2410.17243 or https://arxiv.org/abs/2410.17243.",
            {"field": "arxiv_id"},
        )
    now = now_utc()
    if (
        submissions_left(
            store=store, user_id=user.user_id, now=now, daily_cap=settings.submissions_per_day
        )
        == 0
    ):
        raise ApiError(
            429,
            "submission_cap",
            f"You have used today's {settings.submissions_per_day} submissions; "
            "try again tomorrow.",
        )
    paper = get_paper(store=store, paper_id=parsed.base)
    if paper is None:
        paper = _fetch(settings, parsed.base)
        if paper is None:
            raise ApiError(
                404,
                "not_found",
                f"arXiv has no paper {parsed.base}. Check the id.",
                {"arxiv_id": parsed.base},
            )
        upsert_papers(store=store, papers_in=[paper])
    day = now.date()
    if in_feed(
        store=store,
        paper_id=paper.paper_id,
        day=day,
        mode=settings.feed_mode,
        categories=settings.feed_categories,
    ):
        raise ApiError(
            409,
            "duplicate",
            f"{paper.paper_id} is already in today's feed.",
            {"paper_id": paper.paper_id},
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
        raise ApiError(
            409,
            "duplicate",
            f"{paper.paper_id} is already in today's feed.",
            {"paper_id": paper.paper_id},
        ) from None
    except SubmissionCapReached as exc:
        raise ApiError(
            429,
            "submission_cap",
            f"You have used today's {exc.cap} submissions; try again tomorrow.",
        ) from None
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
    request: Request, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    return render(
        request, "submit.html", {"nav_id": "submit"}, json_model=_page(store, settings, user)
    )


@routes.page("/submit", methods=["POST"], csrf=True)
def submit_form(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: CurrentUser,
    arxiv_id: str = Form("", max_length=300),
) -> Response:
    try:
        done = submit_paper(store=store, settings=settings, user=user, text=arxiv_id)
    except ApiError as exc:
        return render(
            request,
            "submit.html",
            {"nav_id": "submit", "error": exc, "value": arxiv_id},
            json_model=_page(store, settings, user),
            status_code=exc.status,
        )
    return render(
        request, "submit.html", {"nav_id": "submit"}, json_model=_page(store, settings, user, done)
    )


@routes.api(
    "/api/v1/submit",
    methods=["POST"],
    csrf=True,
    response_model=SubmissionOut,
    status_code=201,
    summary="Submit a paper to today's feed",
    tags=["feed"],
)
def api_submit(
    body: SubmitRequest, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Propose an arXiv paper for today's feed (fetched from arXiv when unknown)."""
    return json_response(
        submit_paper(store=store, settings=settings, user=user, text=body.arxiv_id), 201
    )
