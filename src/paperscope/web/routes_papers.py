"""Paper pages, BibTeX, similar papers and upvotes (pages and JSON)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

from paperscope.models import Paper, User
from paperscope.store import Store
from paperscope.store.papers import get_paper
from paperscope.store.title_search import search_titles
from paperscope.store.upvotes import get_stats, set_upvote, toggle_upvote
from paperscope.web.auth import now_utc
from paperscope.web.bibtex import make_bibtex
from paperscope.web.deps import CurrentUser, MaybeUser, StoreDep, render, verify_csrf
from paperscope.web.errors import NotFound
from paperscope.web.rendering import json_response, paper_url, templates, wants_json
from paperscope.web.routing import add_twin
from paperscope.web.schemas import PaperDetail, PaperList, SimilarPage, UpvoteRequest, UpvoteState
from paperscope.web.search_adapter import SearchAdapter
from paperscope.web.views import LimitParam, PageParam, cards_for, pagination, paper_detail

router = APIRouter()
SIMILAR_COUNT = 8


def load_paper(store: Store, paper_id: str) -> Paper:
    paper = get_paper(store=store, paper_id=paper_id)
    if paper is None:
        raise NotFound(
            f"No paper {paper_id!r} here. Check the id, or submit it from arXiv at /submit.",
            {"paper_id": paper_id},
        )
    return paper


def _canonical_redirect(
    request: Request, given: str, paper: Paper, suffix: str = ""
) -> Response | None:
    if given == paper.paper_id:
        return None
    prefix = "/api/v1/papers/" if request.url.path.startswith("/api/") else "/papers/"
    target = prefix + paper_url(paper.paper_id).removeprefix("/papers/") + suffix
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(target, status_code=301)


def paper_page(request: Request, paper_id: str, store: StoreDep, user: MaybeUser) -> Response:
    """A paper: metadata, links, upvotes, your library entry, BibTeX, similar papers."""
    paper = load_paper(store, paper_id)
    redirect = _canonical_redirect(request, paper_id, paper)
    if redirect:
        return redirect
    detail = paper_detail(store=store, paper=paper, user=user)
    if wants_json(request):
        return render(request, "paper.html", json_model=detail)
    similar = _similar_cards(request, store, user, paper.paper_id)
    return render(request, "paper.html", {"similar": similar}, json_model=detail)


def _similar_cards(request: Request, store: Store, user: User | None, paper_id: str) -> SimilarPage:
    search: SearchAdapter = request.app.state.search
    ids = search.similar(paper_id, limit=SIMILAR_COUNT + 1)
    notice = None
    if ids is None:
        notice = "Similar papers appear once the search index is built (`paperscope index`)."
        ids = []
    ids = [i for i in ids if i != paper_id][:SIMILAR_COUNT]
    return SimilarPage(
        paper_id=paper_id, items=cards_for(store=store, paper_ids=ids, user=user), notice=notice
    )


def similar_papers(request: Request, paper_id: str, store: StoreDep, user: MaybeUser) -> Response:
    """Papers most like this one (semantic neighbours from the search index)."""
    paper = load_paper(store, paper_id)
    redirect = _canonical_redirect(request, paper_id, paper, "/similar")
    if redirect:
        return redirect
    return render(
        request, "similar.html", json_model=_similar_cards(request, store, user, paper.paper_id)
    )


def bibtex(request: Request, paper_id: str, store: StoreDep) -> Response:
    """BibTeX entry of a paper, as text."""
    paper = load_paper(store, paper_id)
    redirect = _canonical_redirect(request, paper_id, paper, "/bibtex")
    return redirect or PlainTextResponse(
        make_bibtex(paper), media_type="application/x-bibtex; charset=utf-8"
    )


def _back(request: Request, fallback: str) -> str:
    """Where a form should return: the page it came from when that is on this site."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if referer and parts.netloc == request.url.netloc and parts.path.startswith("/"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return fallback


def upvote_form(request: Request, paper_id: str, store: StoreDep, user: CurrentUser) -> Response:
    """The upvote button: toggles, answers htmx with the new button, else redirects back."""
    paper = load_paper(store, paper_id)
    upvoted, _local = toggle_upvote(
        store=store, user_id=user.user_id, paper_id=paper.paper_id, now=now_utc()
    )
    state = _state(store, paper.paper_id, upvoted)
    if request.headers.get("hx-request"):
        return templates.TemplateResponse(
            request, "_upvote.html", _fragment_context(request, user, state)
        )
    return RedirectResponse(_back(request, paper_url(paper.paper_id)), status_code=303)


def _fragment_context(request: Request, user: User, state: UpvoteState) -> dict[str, object]:
    from paperscope.web.deps import csrf_token

    return {"request": request, "user": user, "csrf_token": csrf_token(request), "data": state}


def _state(store: Store, paper_id: str, upvoted: bool) -> UpvoteState:
    stats = get_stats(store=store, paper_ids=[paper_id])[paper_id]
    return UpvoteState(paper_id=paper_id, upvoted=upvoted, upvotes=stats.total_upvotes)


def api_upvote(
    paper_id: str,
    store: StoreDep,
    user: CurrentUser,
    body: UpvoteRequest | None = None,
) -> Response:
    """Upvote a paper (idempotent); ``{"upvoted": false}`` removes the upvote."""
    paper = load_paper(store, paper_id)
    wanted = True if body is None else body.upvoted
    set_upvote(
        store=store, user_id=user.user_id, paper_id=paper.paper_id, upvoted=wanted, now=now_utc()
    )
    return json_response(_state(store, paper.paper_id, wanted))


def api_remove_upvote(paper_id: str, store: StoreDep, user: CurrentUser) -> Response:
    """Remove your upvote (idempotent)."""
    paper = load_paper(store, paper_id)
    set_upvote(
        store=store, user_id=user.user_id, paper_id=paper.paper_id, upvoted=False, now=now_utc()
    )
    return json_response(_state(store, paper.paper_id, False))


def list_papers(
    request: Request,
    store: StoreDep,
    user: MaybeUser,
    category: str | None = Query(None, description="arXiv category, e.g. cs.LG"),
    author: str | None = Query(None, description="Author name (any case or accents)"),
    sort: str = Query("newest", pattern="^(newest|oldest)$"),
    page: int = PageParam,
    limit: int = LimitParam,
) -> Response:
    """All papers, newest first, optionally of one category or author."""
    rows, total = search_titles(
        store=store,
        terms=[],
        categories=[category] if category else [],
        authors=[author] if author else [],
        newest_first=sort != "oldest",
        limit=limit,
        offset=(page - 1) * limit,
    )
    model = PaperList(
        items=cards_for(store=store, paper_ids=[r[0] for r in rows], user=user),
        pagination=pagination(request, page=page, limit=limit, total=total),
    )
    return render(request, "similar.html", json_model=model)


csrf = [Depends(verify_csrf)]
router.add_api_route(
    "/papers/{paper_id:path}/upvote",
    upvote_form,
    methods=["POST"],
    include_in_schema=False,
    dependencies=csrf,
)
router.add_api_route(
    "/api/v1/papers/{paper_id:path}/upvote",
    api_upvote,
    methods=["POST"],
    dependencies=csrf,
    response_model=UpvoteState,
    tags=["papers"],
    summary="Upvote",
)
router.add_api_route(
    "/api/v1/papers/{paper_id:path}/upvote",
    api_remove_upvote,
    methods=["DELETE"],
    dependencies=csrf,
    response_model=UpvoteState,
    tags=["papers"],
    summary="Remove upvote",
)
add_twin(
    router,
    None,
    "/api/v1/papers",
    list_papers,
    response_model=PaperList,
    summary="List papers",
    tags=["papers"],
)
add_twin(
    router,
    "/papers/{paper_id:path}/bibtex",
    "/api/v1/papers/{paper_id:path}/bibtex",
    bibtex,
    summary="BibTeX",
    tags=["papers"],
)
add_twin(
    router,
    "/papers/{paper_id:path}/similar",
    "/api/v1/papers/{paper_id:path}/similar",
    similar_papers,
    response_model=SimilarPage,
    summary="Similar papers",
    tags=["papers"],
)
add_twin(
    router,
    "/papers/{paper_id:path}",
    "/api/v1/papers/{paper_id:path}",
    paper_page,
    response_model=PaperDetail,
    summary="A paper",
    tags=["papers"],
)
