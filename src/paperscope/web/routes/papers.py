"""Paper pages, BibTeX, similar papers and upvotes (pages and JSON)."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import Form, Query, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse

from paperscope.models import Paper, User
from paperscope.references.bibtex import bibtex_entry
from paperscope.search.service import SearchService
from paperscope.site_paths import paper_url
from paperscope.store import Store
from paperscope.store.paper_links import NotAnHttpUrl, can_edit_links, set_paper_links
from paperscope.store.title_search import search_titles
from paperscope.store.upvotes import get_stats, set_upvote, toggle_upvote
from paperscope.web.auth import now_utc
from paperscope.web.data_cache import memo_for
from paperscope.web.deps import CurrentUser, MaybeUser, StoreDep
from paperscope.web.discussion_views import paper_discussion
from paperscope.web.errors import ApiError, invalid_field
from paperscope.web.hf_views import markdown_response, wants_markdown
from paperscope.web.rendering import back_url, json_response, render, templates, wants_json
from paperscope.web.routing import Routes
from paperscope.web.schemas import (
    PaperDetail,
    PaperLinksIn,
    PaperLinksOut,
    PaperList,
    SimilarPage,
    UpvoteRequest,
    UpvoteState,
)
from paperscope.web.security import csrf_token
from paperscope.web.views import (
    MAX_LIMIT,
    LimitParam,
    PageParam,
    cards_for,
    holding_links,
    load_paper,
    pagination,
    paper_detail,
)

routes = Routes()
SIMILAR_COUNT = 8
SIMILAR_MEMO_SIZE = 2000
# The same bounds as every list's limit (1 to MAX_LIMIT); a paper page shows SIMILAR_COUNT.
SimilarLimitParam = Query(
    SIMILAR_COUNT, ge=1, le=MAX_LIMIT, description=f"How many papers, 1 to {MAX_LIMIT}"
)


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


def _similar_cards(
    request: Request,
    store: Store,
    user: User | None,
    paper_id: str,
    limit: int = SIMILAR_COUNT,
) -> SimilarPage:
    search: SearchService = request.app.state.search
    # The same for every reader until the data (or, within a minute, the index) changes.
    memo = memo_for(store, "similar", SIMILAR_MEMO_SIZE)
    ids: list[str] | None = memo.get_or_compute(
        (paper_id, limit, int(time.time() // 60)),
        lambda: search.similar(paper_id, limit=limit + 1),
    )
    notice = None
    if ids is None:
        notice = "Similar papers appear once the search index is built (`paperscope index`)."
        ids = []
    ids = [i for i in ids if i != paper_id][:limit]
    return SimilarPage(
        paper_id=paper_id, items=cards_for(store=store, paper_ids=ids, user=user), notice=notice
    )


@routes.twin(
    "/papers/{paper_id:path}/similar",
    "/api/v1/papers/{paper_id:path}/similar",
    response_model=SimilarPage,
    summary="Similar papers",
    tags=["papers"],
)
def similar_papers(
    request: Request,
    paper_id: str,
    store: StoreDep,
    user: MaybeUser,
    limit: int = SimilarLimitParam,
) -> Response:
    """Papers most like this one (semantic neighbours from the search index)."""
    paper = load_paper(store, paper_id)
    redirect = _canonical_redirect(request, paper_id, paper, "/similar")
    if redirect:
        return redirect
    return render(
        request,
        "similar.html",
        json_model=_similar_cards(request, store, user, paper.paper_id, limit),
    )


@routes.twin(
    "/papers/{paper_id:path}/bibtex",
    "/api/v1/papers/{paper_id:path}/bibtex",
    summary="BibTeX",
    tags=["papers"],
)
def bibtex(request: Request, paper_id: str, store: StoreDep) -> Response:
    """BibTeX entry of a paper, as text."""
    paper = load_paper(store, paper_id)
    redirect = _canonical_redirect(request, paper_id, paper, "/bibtex")
    return redirect or PlainTextResponse(
        bibtex_entry(paper, abstract=False), media_type="application/x-bibtex; charset=utf-8"
    )


@routes.page("/papers/{paper_id:path}/upvote", methods=["POST"], csrf=True)
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
    return RedirectResponse(back_url(request, paper_url(paper.paper_id)), status_code=303)


def _fragment_context(request: Request, user: User, state: UpvoteState) -> dict[str, object]:
    return {"request": request, "user": user, "csrf_token": csrf_token(request), "data": state}


def _state(store: Store, paper_id: str, upvoted: bool) -> UpvoteState:
    stats = get_stats(store=store, paper_ids=[paper_id])[paper_id]
    return UpvoteState(paper_id=paper_id, upvoted=upvoted, upvotes=stats.total_upvotes)


@routes.api(
    "/api/v1/papers/{paper_id:path}/upvote",
    methods=["POST"],
    csrf=True,
    response_model=UpvoteState,
    summary="Upvote",
    tags=["papers"],
)
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


@routes.api(
    "/api/v1/papers/{paper_id:path}/upvote",
    methods=["DELETE"],
    csrf=True,
    response_model=UpvoteState,
    summary="Remove upvote",
    tags=["papers"],
)
def api_remove_upvote(paper_id: str, store: StoreDep, user: CurrentUser) -> Response:
    """Remove your upvote (idempotent)."""
    paper = load_paper(store, paper_id)
    set_upvote(
        store=store, user_id=user.user_id, paper_id=paper.paper_id, upvoted=False, now=now_utc()
    )
    return json_response(_state(store, paper.paper_id, False))


@routes.api("/api/v1/papers", response_model=PaperList, summary="List papers", tags=["papers"])
def list_papers(
    request: Request,
    store: StoreDep,
    user: MaybeUser,
    category: str | None = Query(None, description="arXiv category, e.g. cs.LG"),
    author: str | None = Query(None, description="Author name (any case or accents)"),
    sort: Literal["newest", "oldest", "citations"] = Query(
        "newest",
        description="newest, oldest, or citations (most cited first, by OpenAlex counts)",
    ),
    has_code: bool = Query(False, description="Only papers with a code link"),
    page: int = PageParam,
    limit: int = LimitParam,
) -> Response:
    """All papers, newest first, optionally of one category or author, or with code."""
    rows, total = search_titles(
        store=store,
        terms=[],
        categories=[category] if category else [],
        authors=[author] if author else [],
        newest_first=sort != "oldest",
        by_citations=sort == "citations",
        limit=limit,
        offset=(page - 1) * limit,
        has_code=has_code,
    )
    model = PaperList(
        items=cards_for(store=store, paper_ids=[r[0] for r in rows], user=user),
        pagination=pagination(request, page=page, limit=limit, total=total),
    )
    return render(request, "similar.html", json_model=model)


def _set_links(store: Store, user: User, paper_id: str, body: PaperLinksIn) -> Paper:
    paper = load_paper(store, paper_id)
    if not can_edit_links(store, user, paper.paper_id):
        raise ApiError(
            403,
            "forbidden",
            "Only the person who submitted this paper, one of its claimed authors or an "
            "administrator can set its links.",
        )
    try:
        return set_paper_links(
            store=store,
            paper_id=paper.paper_id,
            code_url=body.code_url,
            project_url=body.project_url,
            edited_by=user.username,
        )
    except NotAnHttpUrl as exc:
        raise invalid_field(str(exc).split()[0], str(exc), kind="url_scheme") from exc


@routes.api(
    "/api/v1/papers/{paper_id:path}/links",
    methods=["PUT"],
    csrf=True,
    response_model=PaperLinksOut,
    summary="Set code and project links",
    tags=["papers"],
)
def api_set_links(
    paper_id: str, body: PaperLinksIn, store: StoreDep, user: CurrentUser
) -> Response:
    """Set both links (http or https only; null or "" removes one). For the paper's
    submitter and administrators; later imports keep them."""
    paper = _set_links(store, user, paper_id, body)
    return json_response(
        PaperLinksOut(
            paper_id=paper.paper_id,
            code_url=paper.code_url,
            project_url=paper.project_url,
            links_edited_by=paper.links_edited_by,
        )
    )


@routes.page("/papers/{paper_id:path}/links", methods=["POST"], csrf=True)
def links_form(
    request: Request,
    paper_id: str,
    store: StoreDep,
    user: CurrentUser,
    code_url: str = Form("", max_length=2000),
    project_url: str = Form("", max_length=2000),
) -> Response:
    """The links form of the paper page."""
    paper = _set_links(
        store, user, paper_id, PaperLinksIn(code_url=code_url, project_url=project_url)
    )
    return RedirectResponse(paper_url(paper.paper_id) + "#links", status_code=303)


@routes.twin(
    "/papers/{paper_id:path}",
    "/api/v1/papers/{paper_id:path}",
    response_model=PaperDetail,
    summary="A paper",
    tags=["papers"],
)
def paper_page(request: Request, paper_id: str, store: StoreDep, user: MaybeUser) -> Response:
    """A paper: metadata, links, upvotes, your library entry, BibTeX, similar papers."""
    paper = load_paper(store, paper_id)
    redirect = _canonical_redirect(request, paper_id, paper)
    if redirect:
        return redirect
    if wants_markdown(request):
        return markdown_response(request, store, paper)
    detail = paper_detail(store=store, paper=paper, user=user)
    if wants_json(request):
        return render(request, "paper.html", json_model=detail)
    # The page lists similar papers by title and authors only: no reader marks to read.
    similar = _similar_cards(request, store, None, paper.paper_id)
    discussion = paper_discussion(request, store=store, paper_id=paper.paper_id, viewer=user)
    context = {
        "similar": similar,
        "discussion": discussion,
        "in_collections": holding_links(store, user, paper.paper_id) if user else [],
    }
    return render(request, "paper.html", context, json_model=detail)
