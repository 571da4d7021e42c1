"""Search: hybrid search with filters, sorts and pagination (page and JSON); a query
that names a paper (arXiv id, URL, DOI) goes to that paper; facets, the month chart,
suggestions when nothing matches, and links to subscribe to the search."""

from __future__ import annotations

import time
from datetime import date
from typing import Literal
from urllib.parse import quote, urlencode

from fastapi import Query, Request, Response
from fastapi.responses import RedirectResponse

from paperscope.arxiv_ids import abs_url
from paperscope.models import Facets, SearchQuery, SearchResults
from paperscope.search.identifiers import Identifier, identify
from paperscope.search.query import MAX_QUERY_CHARS, QUERY_HARD_LIMIT, parse_query
from paperscope.search.service import SearchService
from paperscope.search.suggest import broader_query
from paperscope.site_paths import paper_url
from paperscope.store import Store
from paperscope.web.data_cache import VersionedMemo, memo_for
from paperscope.web.deps import MaybeUser, StoreDep
from paperscope.web.errors import invalid_field
from paperscope.web.rendering import render, twin_url, wants_json
from paperscope.web.routing import Routes
from paperscope.web.schemas import (
    FacetLink,
    MonthCount,
    Respelling,
    SearchFacets,
    SearchPage,
    Suggestion,
)
from paperscope.web.search_slots import takes_search_slot
from paperscope.web.views import cards_for, pagination

routes = Routes()
SEARCH_LIMIT_MAX = 50
MAX_CHART_BARS = 120
SEARCH_MEMO_SIZE = 256
DEFAULT_LIMIT = 20


@routes.twin(
    "/search", "/api/v1/search", response_model=SearchPage, summary="Search papers", tags=["search"]
)
@takes_search_slot
def search(
    request: Request,
    store: StoreDep,
    user: MaybeUser,
    q: str = Query(
        "",
        max_length=QUERY_HARD_LIMIT,
        description=f"Words, a phrase, or a question (cut at {MAX_QUERY_CHARS:,} characters)",
    ),
    category: str | None = Query(None, description="arXiv category, e.g. cs.CL"),
    author: str | None = Query(None, description="Author name"),
    date_from: date | None = Query(None, alias="from", description="Submitted on or after"),
    date_to: date | None = Query(None, alias="to", description="Submitted on or before"),
    sort: Literal["relevance", "newest", "oldest", "citations"] = Query("relevance"),
    has_code: bool = Query(False, description="Only papers with a code link"),
    page: int = Query(1, ge=1, le=500),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=SEARCH_LIMIT_MAX),
) -> Response:
    """Hybrid (keyword + semantic) search. A plain `def` run on a thread once one of
    the process's search slots is free (web/search_slots.py), so the engine's
    blocking work never stalls the event loop."""
    text = q.strip()
    model = SearchPage(
        q=text,
        category=category,
        author=author,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        has_code=has_code,
        items=[],
        pagination=pagination(request, page=page, limit=limit, total=0),
    )
    if not (category or author) and parse_query(text).is_empty:
        # Text that holds nothing to search for ("🤖", "((") gets the empty search
        # box's answer, not a listing of the whole library counted as matches.
        prompt = "Type a few words to search titles and abstracts, or filter by category or author."
        shown = text if len(text) <= 80 else text[:80] + "…"
        model.notice = f"There is nothing to search for in “{shown}”. {prompt}" if text else prompt
        return render(request, "search.html", {}, json_model=model)
    if date_from and date_to and date_from > date_to:
        said = "The 'from' date is after the 'to' date; swap them."
        return _refuse(request, model, said, fields=("from", "to"))
    service: SearchService = request.app.state.search
    try:
        outcome = _search(
            store,
            service,
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
                facets=True,
            ),
        )
    except ValueError as exc:  # the engine refuses a query it cannot parse
        return _refuse(request, model, f"This query could not be run: {exc}")
    if outcome.exact_match and identify(text) is not None and not wants_json(request):
        return RedirectResponse(paper_url(outcome.exact_match), status_code=303)
    cards = {
        c.paper_id: c
        for c in cards_for(
            store=store,
            paper_ids=[h.paper_id for h in outcome.hits],
            user=user,
            papers=outcome.papers,
        )
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
    _describe(request, model, outcome)
    return render(request, "search.html", {"chart": _chart(model.facets)}, json_model=model)


def _search(store: Store, service: SearchService, query: SearchQuery) -> SearchResults:
    """The results, memoised per data version (and minute: a new index is picked up
    within seconds of its writing), so a popular query, or the next page of one,
    skips the engine."""
    key = (query, int(time.time() // 60))
    memo: VersionedMemo[tuple[SearchQuery, int], SearchResults]
    memo = memo_for(store, "searches", SEARCH_MEMO_SIZE)
    return memo.get_or_compute(key, lambda: service.search(query))


def _chart(facets: SearchFacets | None) -> dict[str, object] | None:
    """Bars for the page's chart: one per month, or per year when months would be
    too thin to see (a topic spanning decades)."""
    if facets is None or not facets.months:
        return None
    if len(facets.months) <= MAX_CHART_BARS:
        return {"unit": "month", "bars": [(m.month, m.count) for m in facets.months]}
    years = {int(y.label): y.count for y in facets.years}
    span = range(min(years), max(years) + 1)
    return {"unit": "year", "bars": [(str(year), years.get(year, 0)) for year in span]}


def _describe(request: Request, model: SearchPage, outcome: SearchResults) -> None:
    """The honest count, facets, subscription links and, for no match, suggestions."""
    model.total = outcome.total
    model.total_is_estimate = outcome.total_is_estimate
    model.exact_match = outcome.exact_match
    if outcome.facets is not None and outcome.total:
        model.facets = _facets(request, model, outcome.facets)
    filters = {"q": model.q, "category": model.category, "author": model.author}
    # An id or DOI names one paper: no new paper will ever match it.
    if identify(model.q) is None:
        model.alert_url = "/subscribe?" + urlencode({k: v for k, v in filters.items() if v})
        if model.q:
            # The feed holds what this page holds; an alert has no dates to keep.
            narrowed = filters | {
                "from": model.date_from.isoformat() if model.date_from else None,
                "to": model.date_to.isoformat() if model.date_to else None,
                "has_code": "true" if model.has_code else None,
            }
            model.feed_url = "/search.atom?" + urlencode({k: v for k, v in narrowed.items() if v})
    spelled = _respelled(request, model, outcome)
    if outcome.total == 0:
        model.suggestions = _suggestions(request, model, spelled)
    else:
        model.did_you_mean = spelled


def _search_url(request: Request, model: SearchPage, **changes: str | None) -> str:
    """This search with some parameters changed (None drops): the page, or for a JSON
    answer its JSON (web/rendering.twin_url); the page number starts again, every
    other choice is kept."""
    limit = model.pagination.limit
    params: dict[str, str | None] = {
        "q": model.q,
        "category": model.category,
        "author": model.author,
        "from": model.date_from.isoformat() if model.date_from else None,
        "to": model.date_to.isoformat() if model.date_to else None,
        "sort": model.sort if model.sort != "relevance" else None,
        "has_code": "true" if model.has_code else None,
        "limit": str(limit) if limit != DEFAULT_LIMIT else None,
    }
    params.update(changes)
    return twin_url(request, "/search?" + urlencode({k: v for k, v in params.items() if v}))


def _facets(request: Request, model: SearchPage, facets: Facets) -> SearchFacets:
    return SearchFacets(
        categories=[
            FacetLink(label=name, count=count, url=_search_url(request, model, category=name))
            for name, count in facets.categories
        ],
        years=[
            FacetLink(
                label=str(year),
                count=count,
                url=_search_url(
                    request, model, **{"from": f"{year:04d}-01-01", "to": f"{year:04d}-12-31"}
                ),
            )
            for year, count in facets.years
        ],
        months=[MonthCount(month=month, count=count) for month, count in facets.months],
        # The years count every dated match; the rest (papers from plain-text dumps)
        # are said too, so that the counts add up to the total.
        undated=max(model.total - sum(n for _, n in facets.years), 0)
        if facets.sample >= 1 and not model.total_is_estimate
        else 0,
        sample=facets.sample,
    )


def _suggestions(
    request: Request, model: SearchPage, spelled: Respelling | None
) -> list[Suggestion]:
    """For an identifier, ways to get that paper; otherwise drop a filter, a
    respelling from the index's own words, a broader query."""
    named = identify(model.q) if model.q else None
    if named is not None:
        return _elsewhere(named)
    out: list[Suggestion] = []
    for label, key, value in (
        ("category", "category", model.category),
        ("author", "author", model.author),
        ("'from' date", "from", model.date_from),
        ("'to' date", "to", model.date_to),
    ):
        if value:
            out.append(
                Suggestion(
                    label=f"without the {label} filter",
                    url=_search_url(request, model, **{key: None}),
                )
            )
    if spelled:
        out.append(Suggestion(label=f"did you mean “{spelled.q}”?", url=spelled.url))
    broader = broader_query(model.q) if model.q else None
    if broader:
        out.append(
            Suggestion(
                label=f"any of the words: {broader}", url=_search_url(request, model, q=broader)
            )
        )
    return out


def _elsewhere(named: Identifier) -> list[Suggestion]:
    """A paper named by id that this library lacks: where it is, and (for arXiv) the
    submit form, which fetches it from arXiv into the library."""
    if named.kind == "doi":
        return [Suggestion(label="open it at doi.org", url=f"https://doi.org/{quote(named.value)}")]
    return [
        Suggestion(
            label="submit it: fetch it from arXiv into this library",
            url="/submit?" + urlencode({"arxiv_id": named.value}),
        ),
        Suggestion(label="open it on arxiv.org", url=abs_url(named.value)),
    ]


def _respelled(request: Request, model: SearchPage, outcome: SearchResults) -> Respelling | None:
    spelled = outcome.did_you_mean
    return Respelling(q=spelled, url=_search_url(request, model, q=spelled)) if spelled else None


def _refuse(
    request: Request, model: SearchPage, message: str, *, fields: tuple[str, ...] = ()
) -> Response:
    """A query we cannot run: the API's error object (naming ``fields`` when the
    parameters are at fault, not the query), or the page with the message and the
    query still in the box."""
    if wants_json(request):
        if fields:
            raise invalid_field(fields, message)
        raise invalid_field("q", message, code="invalid_query")
    model.error = message
    return render(request, "search.html", {}, json_model=model, status_code=422)
