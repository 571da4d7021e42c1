"""Each user's library: saved papers with tags, notes and a read flag; export as
JSON or BibTeX. Everything is scoped to the signed-in user: another user's items
answer 404, exactly like items that do not exist."""

from __future__ import annotations

from typing import Literal

import orjson
from fastapi import Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from paperscope.models import User
from paperscope.references import MAX_FILE_BYTES, export_library
from paperscope.site_paths import paper_url
from paperscope.store import Store
from paperscope.store.library import (
    InvalidTags,
    get_item,
    list_items,
    list_tags,
    remove_paper,
    save_paper,
    update_item,
)
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, StoreDep
from paperscope.web.errors import NotFound, invalid_field
from paperscope.web.rendering import json_response, render
from paperscope.web.routing import Routes
from paperscope.web.schemas import LibraryItemOut, LibraryPage, TagCount, TagList
from paperscope.web.views import LimitParam, PageParam, cards_for, load_paper, pagination

routes = Routes()
EXPORT_LIMIT = 100_000
MAX_NOTE_LENGTH = 10_000


class LibraryChange(BaseModel):
    """Fields to set; omitted fields keep their value."""

    tags: list[str] | None = Field(None, description="Replaces the item's tags")
    note: str | None = Field(None, max_length=MAX_NOTE_LENGTH)
    is_read: bool | None = None


def _items_out(store: Store, user: User, items: list) -> list[LibraryItemOut]:  # type: ignore[type-arg]
    cards = {
        c.paper_id: c
        for c in cards_for(store=store, paper_ids=[i.paper_id for i in items], user=user)
    }
    return [
        LibraryItemOut(
            paper=cards[i.paper_id],
            tags=list(i.tags),
            note=i.note,
            is_read=i.is_read,
            saved_at=i.saved_at,
        )
        for i in items
        if i.paper_id in cards
    ]


@routes.twin(
    "/library",
    "/api/v1/library",
    response_model=LibraryPage,
    summary="Your library",
    tags=["library"],
)
def library(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    tag: str | None = Query(None, description="Only items with this tag"),
    unread: bool = Query(False, description="Only unread items"),
    page: int = PageParam,
    limit: int = LimitParam,
) -> Response:
    """Your saved papers, newest first."""
    items, total = list_items(
        store=store,
        user_id=user.user_id,
        tag=tag,
        unread_only=unread,
        limit=limit,
        offset=(page - 1) * limit,
    )
    model = LibraryPage(
        items=_items_out(store, user, items),
        tags=[TagCount(tag=t, count=n) for t, n in list_tags(store=store, user_id=user.user_id)],
        tag=tag,
        unread=unread,
        pagination=pagination(request, page=page, limit=limit, total=total),
    )
    context = {"nav_id": "library", "import_max_mb": MAX_FILE_BYTES // 2**20}
    return render(request, "library.html", context, json_model=model)


@routes.api("/api/v1/tags", response_model=TagList, summary="Your tags", tags=["library"])
def tags(store: StoreDep, user: CurrentUser) -> Response:
    """Your tags and how many papers carry each."""
    found = list_tags(store=store, user_id=user.user_id)
    return json_response(TagList(tags=[TagCount(tag=t, count=n) for t, n in found]))


@routes.twin(
    "/library/export.json",
    "/api/v1/library/export.json",
    summary="Export library as JSON",
    tags=["library"],
)
def export_json(store: StoreDep, user: CurrentUser) -> Response:
    """Your whole library as JSON (papers with tags, notes, read flags)."""
    items = _items_out(store, user, _all_items(store, user))
    body = orjson.dumps(
        {"items": [i.model_dump(mode="json") for i in items]}, option=orjson.OPT_INDENT_2
    )
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="paperscope-library.json"'},
    )


@routes.twin(
    "/library/export.bib",
    "/api/v1/library/export.bib",
    summary="Export library as BibTeX",
    tags=["library"],
)
def export_bibtex(store: StoreDep, user: CurrentUser) -> Response:
    """Your whole library as a BibTeX file, with your tags and notes (the same as
    /library/export?format=bibtex)."""
    body = export_library(store=store, user_id=user.user_id, fmt="bibtex")
    return Response(
        body,
        media_type="application/x-bibtex; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="paperscope-library.bib"'},
    )


@routes.page("/library/{paper_id:path}", methods=["POST"], csrf=True)
def library_form(
    request: Request,
    paper_id: str,
    store: StoreDep,
    user: CurrentUser,
    action: Literal["save", "add", "remove"] = Form("save"),
    tags: str = Form(""),
    note: str = Form("", max_length=MAX_NOTE_LENGTH),
    is_read: str = Form(""),
) -> Response:
    """The paper page's library form: save or update (tags, note, read) or remove; and
    a card's "Save" (``add``: into the library as it is, nothing of an item changed)."""
    paper = load_paper(store, paper_id)
    if action == "add":
        _save(store, user, paper.paper_id, None, None)
        if request.headers.get("hx-request"):
            return HTMLResponse('<span class="chip tag">in library</span>')
    elif action == "remove":
        remove_paper(store=store, user_id=user.user_id, paper_id=paper.paper_id)
    else:
        existing = get_item(store=store, user_id=user.user_id, paper_id=paper.paper_id)
        _save(store, user, paper.paper_id, [tags], note)
        if existing is not None:
            update_item(
                store=store, user_id=user.user_id, paper_id=paper.paper_id, is_read=bool(is_read)
            )
    return RedirectResponse(paper_url(paper.paper_id) + "#library-panel", status_code=303)


def _save(
    store: Store, user: User, paper_id: str, tags: list[str] | None, note: str | None
) -> None:
    try:
        save_paper(
            store=store,
            user_id=user.user_id,
            paper_id=paper_id,
            now=now_utc(),
            tags=tags,
            note=note,
        )
    except InvalidTags as exc:
        raise invalid_field("tags", str(exc), code="invalid_tags") from exc


def _item_model(store: Store, user: User, paper_id: str) -> LibraryItemOut:
    item = get_item(store=store, user_id=user.user_id, paper_id=paper_id)
    if item is None:
        raise NotFound(f"{paper_id!r} is not in your library.", {"paper_id": paper_id})
    return _items_out(store, user, [item])[0]


@routes.api(
    "/api/v1/library/{paper_id:path}",
    response_model=LibraryItemOut,
    summary="A saved paper",
    tags=["library"],
)
def api_get_item(paper_id: str, store: StoreDep, user: CurrentUser) -> Response:
    """One saved paper of yours (404 when you have not saved it)."""
    paper = load_paper(store, paper_id)
    return json_response(_item_model(store, user, paper.paper_id))


@routes.api(
    "/api/v1/library/{paper_id:path}",
    methods=["PUT"],
    csrf=True,
    response_model=LibraryItemOut,
    summary="Save or update a paper",
    tags=["library"],
)
def api_save_item(
    paper_id: str, change: LibraryChange, store: StoreDep, user: CurrentUser
) -> Response:
    """Save a paper, or change its tags, note or read flag."""
    paper = load_paper(store, paper_id)
    _save(store, user, paper.paper_id, change.tags, change.note)
    if change.is_read is not None:
        update_item(
            store=store, user_id=user.user_id, paper_id=paper.paper_id, is_read=change.is_read
        )
    return json_response(_item_model(store, user, paper.paper_id))


@routes.api(
    "/api/v1/library/{paper_id:path}",
    methods=["DELETE"],
    csrf=True,
    status_code=204,
    summary="Remove a paper",
    tags=["library"],
)
def api_remove_item(paper_id: str, store: StoreDep, user: CurrentUser) -> Response:
    """Remove a paper from your library."""
    paper = load_paper(store, paper_id)
    if not remove_paper(store=store, user_id=user.user_id, paper_id=paper.paper_id):
        raise NotFound(f"{paper_id!r} is not in your library.", {"paper_id": paper_id})
    return Response(status_code=204)


def _all_items(store: Store, user: User) -> list:  # type: ignore[type-arg]
    items, _ = list_items(store=store, user_id=user.user_id, limit=EXPORT_LIMIT)
    return items
