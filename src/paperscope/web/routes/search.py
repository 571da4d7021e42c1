"""Search: hybrid search with filters, sorts and pagination (page and JSON)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import Query, Request, Response

from paperscope.models import SearchQuery
from paperscope.search.service import SearchService
from paperscope.web.deps import MaybeUser, StoreDep
from paperscope.web.errors import ApiError
from paperscope.web.rendering import render, wants_json
from paperscope.web.routing import Routes
from paperscope.web.schemas import SearchPage
from paperscope.web.views import cards_for, pagination

routes = Routes()
SEARCH_LIMIT_MAX = 50
MAX_QUERY_LENGTH = 500


@routes.twin(
    "/search", "/api/v1/search", response_model=SearchPage, summary="Search papers", tags=["search"]
)
def search(
    request: Request,
    store: StoreDep,
    user: MaybeUser,
    q: str = Query("", max_length=MAX_QUERY_LENGTH, description="Words, a phrase, or a question"),
    category: str | None = Query(None, description="arXiv category, e.g. cs.CL"),
    author: str | None = Query(None, description="Author name"),
    date_from: date | None = Query(None, alias="from", description="Submitted on or after"),
    date_to: date | None = Query(None, alias="to", description="Submitted on or before"),
    sort: Literal["relevance", "newest", "oldest", "citations"] = Query("relevance"),
    has_code: bool = Query(False, description="Only papers with a code link"),
    page: int = Query(1, ge=1, le=500),
    limit: int = Query(20, ge=1, le=SEARCH_LIMIT_MAX),
) -> Response:
    """Hybrid (keyword + semantic) search. A plain `def`: FastAPI runs it in the
    thread pool, so the engine's blocking work never stalls the event loop."""
    text = q.strip()
    model = SearchPage(
        q=text,
        category=category,
        author=author,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        items=[],
        pagination=pagination(request, page=page, limit=limit, total=0),
    )
    if not text and not (category or author):
        model.notice = (
            "Type a few words to search titles and abstracts, or filter by category or author."
        )
        return render(request, "search.html", {}, json_model=model)
    if date_from and date_to and date_from > date_to:
        return _refuse(request, model, "The 'from' date is after the 'to' date; swap them.")
    service: SearchService = request.app.state.search
    try:
        outcome = service.search(
            SearchQuery(
                text=text,
                categories=(category,) if category else (),
                authors=(author,) if author else (),
                date_from=date_from,
                date_to=date_to,
                sort=sort,
                limit=limit,
                offset=(page - 1) * limit,
                has_code=has_code,
            )
        )
    except ValueError as exc:  # the engine refuses a query it cannot parse
        return _refuse(request, model, f"This query could not be run: {exc}")
    cards = {
        c.paper_id: c
        for c in cards_for(store=store, paper_ids=[h.paper_id for h in outcome.hits], user=user)
    }
    for hit in outcome.hits:
        found = cards.get(hit.paper_id)
        if found is not None:
            found.title_html, found.abstract_html, found.score = (
                hit.title_html,
                hit.abstract_html,
                hit.score,
            )
            model.items.append(found)
    model.pagination = pagination(request, page=page, limit=limit, total=outcome.total)
    model.notice = outcome.notice
    return render(request, "search.html", {}, json_model=model)


def _refuse(request: Request, model: SearchPage, message: str) -> Response:
    """A query we cannot run: the API's error object, or the page with the message
    and the query still in the box."""
    if wants_json(request):
        raise ApiError(422, "invalid_query", message, {"q": model.q})
    model.error = message
    return render(request, "search.html", {}, json_model=model, status_code=422)
