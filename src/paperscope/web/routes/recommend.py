"""The "For you" page and its JSON twin, thumbs up/down and "not interested" on any
paper card, and cold-start onboarding. Thin: every ranking decision is in
rank/recommend/."""

from __future__ import annotations

from typing import Literal

from fastapi import Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from paperscope.models import User
from paperscope.rank.recommend import (
    WINDOWS,
    CandidatesError,
    Recommendations,
    Recommender,
    UnknownTag,
    Window,
    lazy_query_embedder,
)
from paperscope.site_paths import paper_url
from paperscope.store import Store
from paperscope.store.feedback import (
    add_interests,
    get_feedback,
    known_categories,
    load_user_signals,
    remove_interest,
    set_feedback,
)
from paperscope.store.papers import get_paper, get_papers, list_paper_ids
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, StoreDep
from paperscope.web.errors import NotFound, invalid_field
from paperscope.web.followed import FollowedCard, followed_cards
from paperscope.web.rendering import back_url, json_response, render, templates
from paperscope.web.routing import Routes
from paperscope.web.schemas import PaperCard
from paperscope.web.security import csrf_token
from paperscope.web.views import cards_for

routes = Routes()
FeedbackKind = Literal["up", "down", "not_interested"]
MAX_ITEMS = 200
ONBOARDING_PAPERS = 12


class SimilarPaper(BaseModel):
    paper_id: str
    title: str
    url: str


class ReasonOut(BaseModel):
    group: str = Field(description='"tag:<name>", "likes" or "interests"')
    tag: str | None = Field(None, description="The library tag this came from")
    similar_to: list[str] = Field(description="Your papers it is closest to, closest first")
    similar: list[SimilarPaper] = Field(
        default_factory=list, description="The same papers with their titles"
    )
    interests: list[str] = Field(description="Your stated interests it matches")
    text: str = Field(description="The reason in one line")


class ForYouItem(PaperCard):
    reason: ReasonOut
    feedback: FeedbackKind | None = None


class CategoryCount(BaseModel):
    category: str
    papers: int


class InterestsOut(BaseModel):
    texts: list[str]
    categories: list[str]


class ForYouPage(BaseModel):
    items: list[ForYouItem]
    window: Window
    windows: list[str]
    tag: str | None = None
    tags: list[str]
    since: str | None = Field(None, description="First day of the window (ISO date)")
    needs_onboarding: bool = Field(description="No signals yet: pick papers or interests")
    interests: InterestsOut
    categories: list[CategoryCount] = Field(description="Categories to pick from (onboarding)")
    starter_papers: list[PaperCard] = Field(description="Recent papers to pick from (onboarding)")
    notice: str | None = None
    followed: list[FollowedCard] = Field(
        default_factory=list,
        description="New papers and submissions of the authors and accounts you follow",
    )


class FeedbackState(BaseModel):
    paper_id: str
    feedback: FeedbackKind | None


class FeedbackRequest(BaseModel):
    kind: FeedbackKind | None = Field(description="null clears your judgement")


class InterestsRequest(BaseModel):
    texts: list[str] = Field(default_factory=list, description="Research interests in words")
    categories: list[str] = Field(default_factory=list, description="arXiv categories")
    papers: list[str] = Field(default_factory=list, description="Papers you like (ids)")


def get_recommender(request: Request) -> Recommender:
    """One recommender per app, made on first use (it maps the candidate matrix)."""
    state = request.app.state
    if getattr(state, "recommender", None) is None:
        settings = state.settings
        state.recommender = Recommender.open(
            settings=settings,
            store=state.store,
            embed_query=lazy_query_embedder(settings),
            # with INDEX_URL, the candidates come with each published generation
            folder=state.search.recommend_folder if settings.index_url else None,
        )
    recommender: Recommender = state.recommender
    return recommender


@routes.twin(
    "/for-you",
    "/api/v1/for-you",
    response_model=ForYouPage,
    summary="Recommended for you",
    tags=["recommendations"],
)
def for_you(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    recommender: Recommender = Depends(get_recommender),
    window: Window = Query("week", description="day, week, month or all"),
    tag: str | None = Query(None, description="Only this library tag"),
    limit: int = Query(30, ge=1, le=MAX_ITEMS),
) -> Response:
    """Papers picked for you from your library, upvotes, thumbs and interests."""
    notice = None
    try:
        result = recommender.recommend(
            user_id=user.user_id, tag=tag or None, window=window, limit=limit
        )
    except UnknownTag as exc:
        raise NotFound(str(exc), {"tag": tag}) from exc
    except CandidatesError as exc:
        result = Recommendations([], window, tag, None, False, 0, 0)
        notice = f"Recommendations are not ready yet: {exc}"
    page = _page(store, user, result, notice)
    page.followed = followed_cards(store=store, user=user, window=window, now=now_utc())
    return render(request, "recommend/for_you.html", {"nav_id": "foryou"}, json_model=page)


def _page(store: Store, user: User, result: Recommendations, notice: str | None) -> ForYouPage:
    signals = load_user_signals(store=store, user_id=user.user_id)
    ids = [item.paper_id for item in result.items]
    cards = {c.paper_id: c for c in cards_for(store=store, paper_ids=ids, user=user)}
    judged = get_feedback(store=store, user_id=user.user_id, paper_ids=ids)
    titles = _titles(store, [p for item in result.items for p in item.reason.similar_to])
    items = [
        ForYouItem(
            **cards[item.paper_id].model_dump(),
            reason=ReasonOut(
                group=item.reason.group,
                tag=item.reason.tag,
                similar_to=list(item.reason.similar_to),
                similar=[
                    SimilarPaper(paper_id=p, title=titles[p], url=paper_url(p))
                    for p in item.reason.similar_to
                    if p in titles
                ],
                interests=list(item.reason.interests),
                text=item.reason.text_with(titles),
            ),
            feedback=judged.get(item.paper_id),
        ).model_copy(update={"score": item.score})
        for item in result.items
        if item.paper_id in cards
    ]
    onboarding = result.needs_onboarding
    return ForYouPage(
        items=items,
        window=result.window,
        windows=list(WINDOWS),
        tag=result.tag,
        tags=sorted({t for tags in signals.library.values() for t in tags}),
        since=result.since.isoformat() if result.since else None,
        needs_onboarding=onboarding,
        interests=InterestsOut(
            texts=[v for k, v in signals.interests if k == "text"],
            categories=[v for k, v in signals.interests if k == "category"],
        ),
        categories=[
            CategoryCount(category=c, papers=n) for c, n in known_categories(store=store, limit=60)
        ]
        if onboarding
        else [],
        starter_papers=_starter_papers(store, user) if onboarding else [],
        notice=notice,
    )


def _titles(store: Store, paper_ids: list[str]) -> dict[str, str]:
    """Titles of the reader's papers that reasons name, so a reason reads as titles."""
    wanted = list(dict.fromkeys(paper_ids))
    return {p.paper_id: p.title for p in get_papers(store=store, paper_ids=wanted)}


def _starter_papers(store: Store, user: User) -> list[PaperCard]:
    ids = list_paper_ids(store=store, limit=ONBOARDING_PAPERS)
    return cards_for(store=store, paper_ids=ids, user=user)


# ---------------------------------------------------------------- feedback


def _paper_id(store: Store, paper_id: str) -> str:
    paper = get_paper(store=store, paper_id=paper_id)
    if paper is None:
        raise NotFound(f"No paper {paper_id!r} here.", {"paper_id": paper_id})
    return paper.paper_id


@routes.page("/papers/{paper_id:path}/feedback", methods=["POST"], csrf=True)
def feedback_form(
    request: Request,
    paper_id: str,
    store: StoreDep,
    user: CurrentUser,
    kind: FeedbackKind = Form(...),
) -> Response:
    """A thumbs button: pressing the active one again clears it. htmx gets the buttons
    back; a plain form post goes back to the page it came from."""
    pid = _paper_id(store, paper_id)
    current = get_feedback(store=store, user_id=user.user_id, paper_ids=[pid]).get(pid)
    wanted = None if current == kind else kind
    set_feedback(store=store, user_id=user.user_id, paper_id=pid, kind=wanted, now=now_utc())
    if request.headers.get("hx-request"):
        context = {"request": request, "user": user, "csrf_token": csrf_token(request),
                   "paper_id": pid, "current": wanted}  # fmt: skip
        return templates.TemplateResponse(request, "recommend/_feedback_fragment.html", context)
    return RedirectResponse(back_url(request, paper_url(pid)), status_code=303)


@routes.api(
    "/api/v1/papers/{paper_id:path}/feedback",
    methods=["POST"],
    csrf=True,
    response_model=FeedbackState,
    summary="Thumbs up, down or not interested",
    tags=["recommendations"],
)
def api_feedback(
    paper_id: str, body: FeedbackRequest, store: StoreDep, user: CurrentUser
) -> Response:
    """Set (or with ``null`` clear) your judgement of a paper; feeds your recommendations."""
    pid = _paper_id(store, paper_id)
    set_feedback(store=store, user_id=user.user_id, paper_id=pid, kind=body.kind, now=now_utc())
    return json_response(FeedbackState(paper_id=pid, feedback=body.kind))


# ---------------------------------------------------------------- onboarding


def _apply_interests(store: Store, user: User, body: InterestsRequest) -> None:
    now = now_utc()
    texts = [t for t in body.texts if t.strip()]
    if texts:
        add_interests(store=store, user_id=user.user_id, kind="text", values=texts, now=now)
    known = {c for c, _ in known_categories(store=store, limit=10_000)}
    unknown = [c for c in body.categories if c not in known]
    if unknown:
        raise invalid_field("categories", f"No papers in category {unknown[0]!r} here.",
                            code="unknown_category", extra={"categories": unknown})  # fmt: skip
    if body.categories:
        add_interests(store=store, user_id=user.user_id, kind="category",
                      values=body.categories, now=now)  # fmt: skip
    for pid in body.papers:
        set_feedback(store=store, user_id=user.user_id, paper_id=_paper_id(store, pid),
                     kind="up", now=now)  # fmt: skip


@routes.page("/for-you/interests", methods=["POST"], csrf=True)
def onboarding_form(
    store: StoreDep,
    user: CurrentUser,
    interest: str = Form(""),
    categories: list[str] = Form(default_factory=list),
    papers: list[str] = Form(default_factory=list),
) -> Response:
    """Cold start from the page: a typed interest, picked categories, picked papers."""
    _apply_interests(store, user, InterestsRequest(texts=[interest], categories=categories,
                                                   papers=papers))  # fmt: skip
    return RedirectResponse("/for-you", status_code=303)


@routes.api(
    "/api/v1/for-you/interests",
    methods=["POST"],
    csrf=True,
    response_model=InterestsOut,
    summary="Add interests",
    tags=["recommendations"],
)
def api_interests(body: InterestsRequest, store: StoreDep, user: CurrentUser) -> Response:
    """Add research interests, categories or liked papers (cold start or later)."""
    _apply_interests(store, user, body)
    signals = load_user_signals(store=store, user_id=user.user_id)
    return json_response(
        InterestsOut(
            texts=[v for k, v in signals.interests if k == "text"],
            categories=[v for k, v in signals.interests if k == "category"],
        )
    )


@routes.page("/for-you/interests/remove", methods=["POST"], csrf=True)
def remove_interest_form(
    store: StoreDep, user: CurrentUser, kind: str = Form(...), value: str = Form(...)
) -> Response:
    remove_interest(store=store, user_id=user.user_id, kind=kind, value=value)
    return RedirectResponse("/for-you", status_code=303)
