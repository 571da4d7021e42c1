"""Author and category pages: every paper of one author or one category."""

from __future__ import annotations

from typing import Literal

from fastapi import Query, Request, Response

from paperscope.sources.arxiv_categories import is_category
from paperscope.store.author_names import spellings
from paperscope.store.title_search import search_titles
from paperscope.web.category_spelling import respelled_category
from paperscope.web.data_cache import memo_for
from paperscope.web.deps import MaybeUser, StoreDep
from paperscope.web.errors import NotFound, no_such_category
from paperscope.web.feed_links import browse_links
from paperscope.web.people_schemas import AuthorPage
from paperscope.web.people_views import author_page, author_page_exists
from paperscope.web.rendering import render
from paperscope.web.routing import Routes
from paperscope.web.schemas import BrowsePage
from paperscope.web.views import HasCodeParam, LimitParam, PageParam, cards_for, pagination

routes = Routes()
BrowseSort = Literal["newest", "oldest", "citations"]
LISTING_MEMO_SIZE = 512


def _browse_model(
    request: Request,
    store: StoreDep,
    user: MaybeUser,
    kind: str,
    name: str,
    sort: BrowseSort,
    page: int,
    limit: int,
    has_code: bool,
) -> BrowsePage:
    def listing() -> tuple[list[str], int]:
        rows, total = search_titles(
            store=store,
            terms=[],
            categories=[name] if kind == "category" else [],
            authors=[name] if kind == "author" else [],
            newest_first=sort != "oldest",
            by_citations=sort == "citations",
            limit=limit,
            offset=(page - 1) * limit,
            has_code=has_code,
        )
        return [row[0] for row in rows], total

    # The list is everyone's at one data version; only the cards' marks are the
    # reader's. Signed-in readers (whose pages are not kept whole) would otherwise
    # count a whole archive row by row on every page.
    ids, total = memo_for(store, "listings", LISTING_MEMO_SIZE).get_or_compute(
        (kind, name, sort, page, limit, has_code), listing
    )
    feed_url, alert_url = browse_links(kind, name)
    return BrowsePage(
        feed_url=feed_url,
        alert_url=alert_url,
        kind=kind,
        name=name,
        sort=sort,
        items=cards_for(store=store, paper_ids=ids, user=user),
        pagination=pagination(request, page=page, limit=limit, total=total),
    )


def _named(name: str, wanted: str) -> None:
    """A page for a blank name would list nothing and offer to follow nobody."""
    if not name.strip():
        raise NotFound(f"This address names no {wanted}: add one after the last slash.")


@routes.twin(
    "/authors/{name}",
    "/api/v1/authors/{name}",
    response_model=AuthorPage,
    summary="Papers of an author",
    tags=["papers"],
)
def author(
    request: Request,
    name: str,
    store: StoreDep,
    user: MaybeUser,
    sort: BrowseSort = Query("newest"),
    page: int = PageParam,
    limit: int = LimitParam,
    has_code: bool = HasCodeParam,
) -> Response:
    """Papers by one author (matched ignoring case and accents), the accounts approved
    as this author, and whether you follow them."""
    _named(name, "author")
    # The page is headed with the spelling the author's papers use most, whatever
    # spelling the address has ("/authors/soren hauberg" shows Søren Hauberg).
    written = [printed for printed, _ in spellings(store=store, name=name)]
    shown = written[0] if written else name.strip()
    base = _browse_model(request, store, user, "author", shown, sort, page, limit, has_code)
    model = author_page(store=store, user=user, base=base, also_written=written[1:])
    # With a filter, an empty list says nothing of whether the author has papers.
    papers = None if has_code else model.pagination.total
    if not author_page_exists(store=store, name=name, papers=papers):
        raise NotFound(
            f"No paper by “{name}” here (names match ignoring case and accents): "
            "try part of the name in the search box.",
            {"author": name},
        )
    return render(request, "people/author.html", {}, json_model=model)


@routes.twin(
    "/categories/{name}",
    "/api/v1/categories/{name}",
    response_model=BrowsePage,
    summary="Papers of a category",
    tags=["papers"],
)
def category(
    request: Request,
    name: str,
    store: StoreDep,
    user: MaybeUser,
    sort: BrowseSort = Query("newest"),
    page: int = PageParam,
    limit: int = LimitParam,
    has_code: bool = HasCodeParam,
) -> Response:
    """Papers in one arXiv category, or a whole archive ("cs"); another case of an
    arXiv name redirects to arXiv's spelling (/categories/cs.lg -> /categories/cs.LG)."""
    _named(name, "category")
    prefix = "/api/v1/categories/" if request.url.path.startswith("/api/") else "/categories/"
    moved = respelled_category(request, name, lambda spelled: prefix + spelled)
    if moved is not None:
        return moved
    model = _browse_model(request, store, user, "category", name, sort, page, limit, has_code)
    if not (model.pagination.total or has_code or is_category(name)):
        raise no_such_category(name)
    return render(request, "browse.html", {}, json_model=model)
