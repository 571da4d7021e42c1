"""Collections: named, ordered lists of papers with notes, public or private, with a
page, a JSON twin, an Atom/RSS feed, upvotes, reference-manager export and "add to a
collection" on every paper card. A private collection answers 404 to everyone but its
owner, on every path. Thin: storage is store/collections.py."""

from __future__ import annotations

from typing import Literal, TypeVar

from fastapi import Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from paperscope.feeds.syndication import FeedInfo
from paperscope.models import User
from paperscope.references import export_paper_ids
from paperscope.store import Store
from paperscope.store.collections import (
    MAX_COLLECTIONS,
    Collection,
    CollectionFull,
    add_item,
    collection_titles,
    create_collection,
    delete_collection,
    get_collection,
    has_upvoted,
    list_collections,
    list_items,
    move_item,
    remove_item,
    reorder_items,
    set_item_note,
    toggle_collection_upvote,
    update_collection,
)
from paperscope.store.database import MAX_ROW_ID
from paperscope.store.papers import resolve_paper_id
from paperscope.validation_words import describe, error_field
from paperscope.web.auth import now_utc, resolve_user
from paperscope.web.deps import CurrentUser, MaybeUser, RowId, SettingsDep, StoreDep
from paperscope.web.downloads import ExportFormat, download
from paperscope.web.errors import ApiError, NotFound, invalid_field
from paperscope.web.feed_responses import FEED_KINDS, feed_response, self_path
from paperscope.web.people_schemas import (
    CollectionChange,
    CollectionIn,
    CollectionItemOut,
    CollectionList,
    CollectionPage,
    CollectionSummary,
    CollectionUpvote,
    ItemIn,
    NoteIn,
    OrderIn,
)
from paperscope.web.rendering import (
    back_url,
    collection_url,
    json_response,
    render,
    templates,
    wants_json,
)
from paperscope.web.routing import Routes
from paperscope.web.views import cards_for, collection_summary, holding_links, load_paper

routes = Routes()
_TAGS = ["collections"]
FormModel = TypeVar("FormModel", CollectionIn, ItemIn)


def _visible(store: Store, collection_id: int, user: User | None) -> Collection:
    """The collection if the viewer may see it; 404 alike for missing and private."""
    found = get_collection(store=store, collection_id=collection_id)
    if found is None or not (found.is_public or (user and user.user_id == found.user_id)):
        raise NotFound(f"No collection {collection_id} here.", {"collection_id": collection_id})
    return found


def _owned(store: Store, collection_id: int, user: User) -> Collection:
    found = _visible(store, collection_id, user)
    if found.user_id != user.user_id:
        raise ApiError(403, "forbidden", "Only the owner of this collection can change it.")
    return found


def _not_in_collection(paper_id: str) -> NotFound:
    return NotFound(f"{paper_id!r} is not in this collection.", {"paper_id": paper_id})


def _to_collection(collection_id: int) -> Response:
    """Where a form that changed a collection sends the browser."""
    return RedirectResponse(collection_url(collection_id), status_code=303)


def _update(store: Store, collection_id: int, body: CollectionIn | CollectionChange) -> Collection:
    changed = update_collection(
        store=store,
        collection_id=collection_id,
        now=now_utc(),
        title=body.title,
        description=body.description,
        is_public=body.public,
    )
    assert changed is not None  # the caller checked ownership: the collection exists
    return changed


def user_collections(request: Request) -> list[tuple[int, str]]:
    """(id, title) of the viewer's collections for the "add to a collection" menus of a
    page, looked up once per request."""
    cached: list[tuple[int, str]] | None = getattr(request.state, "own_collections", None)
    if cached is None:
        user = resolve_user(request)
        store: Store = request.app.state.store
        cached = collection_titles(store=store, user_id=user.user_id) if user else []
        request.state.own_collections = cached
    return cached


templates.env.globals["user_collections"] = user_collections


def _page_model(store: Store, c: Collection, user: User | None) -> CollectionPage:
    items = list_items(store=store, collection_id=c.collection_id)
    cards = {
        card.paper_id: card
        for card in cards_for(store=store, paper_ids=[i.paper_id for i in items], user=user)
    }
    return CollectionPage(
        **collection_summary(c).model_dump(),
        items=[
            CollectionItemOut(
                paper=cards[i.paper_id], note=i.note, position=i.position, added_at=i.added_at
            )
            for i in items
            if i.paper_id in cards
        ],
        is_owner=bool(user and user.user_id == c.user_id),
        upvoted=has_upvoted(store=store, collection_id=c.collection_id, user_id=user.user_id)
        if user
        else None,
        feed_url=f"{collection_url(c.collection_id)}.atom",
        export_url=f"{collection_url(c.collection_id)}/export",
    )


def _form_value(model: type[FormModel], **values: object) -> FormModel:
    """A form's fields checked by the API's own schema, so both refuse alike."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        said = describe(first, {})
        raise invalid_field(error_field(first), f"{said}.", kind=first["type"]) from None


# ---------------------------------------------------------------- lists and creation


@routes.twin(
    "/collections",
    "/api/v1/collections",
    response_model=CollectionList,
    summary="Your collections",
    tags=_TAGS,
)
def my_collections(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    """Your collections, public and private, most recently changed first."""
    # All of them: the listing's default page would hide the oldest past 200.
    found = list_collections(
        store=store, user_id=user.user_id, public_only=False, limit=MAX_COLLECTIONS
    )
    model = CollectionList(collections=[collection_summary(c) for c in found])
    return render(request, "collections/list.html", {"nav_id": "collections"}, json_model=model)


def _create(store: Store, user: User, body: CollectionIn) -> Collection:
    try:
        return create_collection(
            store=store,
            user_id=user.user_id,
            title=body.title,
            description=body.description,
            is_public=body.public,
            now=now_utc(),
        )
    except CollectionFull as exc:
        raise ApiError(409, "too_many_collections", f"Cannot add a collection: {exc}.") from None


@routes.api(
    "/api/v1/collections",
    methods=["POST"],
    csrf=True,
    response_model=CollectionSummary,
    status_code=201,
    summary="Create a collection",
    tags=_TAGS,
)
def api_create(body: CollectionIn, store: StoreDep, user: CurrentUser) -> Response:
    """A new, empty collection; the answer's ``id`` names it in the other calls."""
    return json_response(collection_summary(_create(store, user, body)), status_code=201)


@routes.page("/collections", methods=["POST"], csrf=True)
def create_form(
    store: StoreDep,
    user: CurrentUser,
    title: str = Form(""),
    description: str = Form(""),
    public: str = Form(""),
) -> Response:
    body = _form_value(CollectionIn, title=title, description=description, public=bool(public))
    created = _create(store, user, body)
    return RedirectResponse(collection_url(created.collection_id), status_code=303)


@routes.page("/collections/add", methods=["POST"], csrf=True)
def add_from_card(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    paper_id: str = Form(..., max_length=64),
    collection_id: str = Form(""),
    new_title: str = Form(""),
    panel: str = Form(""),
) -> Response:
    """A paper card's "add to a collection" menu: an existing collection, or a new
    (private) one named in the same form. htmx gets a line back, a plain post a
    redirect to where it came from."""
    paper = load_paper(store, paper_id)
    if new_title.strip():
        body = _form_value(CollectionIn, title=new_title, description="", public=False)
        target = _create(store, user, body)
    elif collection_id.isdigit() and int(collection_id) <= MAX_ROW_ID:
        target = _owned(store, int(collection_id), user)
    else:
        raise invalid_field(
            ("collection_id", "new_title"), "Choose a collection or name a new one.", kind="missing"
        )
    added = _add(store, target, paper.paper_id, None)
    if request.headers.get("hx-request"):
        context: dict[str, object] = {
            "request": request,
            "collection": collection_summary(target),
            "new_collection": bool(new_title.strip()),
            "already_there": not added,
        }
        if panel:
            context["in_collections"] = holding_links(store, user, paper.paper_id)
        return templates.TemplateResponse(request, "collections/_added.html", context)
    return RedirectResponse(back_url(request, collection_url(target.collection_id)), 303)


# ---------------------------------------------------------------- one collection


def collection_feed(
    request: Request, collection_id: RowId, store: StoreDep, settings: SettingsDep, user: MaybeUser
) -> Response:
    c = _visible(store, collection_id, user)
    ids = [i.paper_id for i in list_items(store=store, collection_id=collection_id)]
    info = FeedInfo(
        f"paperscope collection: {c.title}",
        c.description or f"A collection by {c.owner}.",
        collection_url(collection_id),
        self_path(request),
    )
    # Newest additions first, as a feed reader expects.
    return feed_response(request, settings, store, info, ids[::-1])


# Before the page: /collections/{id} would read "5.atom" as an id.
for _kind in FEED_KINDS:
    routes.page(f"/collections/{{collection_id}}.{_kind}")(collection_feed)


@routes.twin(
    "/collections/{collection_id}",
    "/api/v1/collections/{collection_id}",
    response_model=CollectionPage,
    summary="A collection",
    tags=_TAGS,
)
def collection_page(
    request: Request, collection_id: RowId, store: StoreDep, user: MaybeUser
) -> Response:
    """A collection with its papers in order and their notes (404 if private and not
    yours)."""
    found = _visible(store, collection_id, user)
    model = _page_model(store, found, user)
    context = {"nav_id": "collections", "title": found.title}
    return render(request, "collections/page.html", context, json_model=model)


@routes.api(
    "/api/v1/collections/{collection_id}",
    methods=["PATCH"],
    csrf=True,
    response_model=CollectionPage,
    summary="Edit a collection",
    tags=_TAGS,
)
def api_edit(
    collection_id: RowId, body: CollectionChange, store: StoreDep, user: CurrentUser
) -> Response:
    """Change the title, description or visibility."""
    _owned(store, collection_id, user)
    return json_response(_page_model(store, _update(store, collection_id, body), user))


@routes.page("/collections/{collection_id}/edit", methods=["POST"], csrf=True)
def edit_form(
    collection_id: RowId,
    store: StoreDep,
    user: CurrentUser,
    title: str = Form(""),
    description: str = Form(""),
    public: str = Form(""),
) -> Response:
    _owned(store, collection_id, user)
    body = _form_value(CollectionIn, title=title, description=description, public=bool(public))
    _update(store, collection_id, body)
    return _to_collection(collection_id)


@routes.api(
    "/api/v1/collections/{collection_id}",
    methods=["DELETE"],
    csrf=True,
    status_code=204,
    summary="Delete a collection",
    tags=_TAGS,
)
def api_delete(collection_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    _owned(store, collection_id, user)
    delete_collection(store=store, collection_id=collection_id)
    return Response(status_code=204)


@routes.page("/collections/{collection_id}/delete", methods=["POST"], csrf=True)
def delete_form(collection_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    _owned(store, collection_id, user)
    delete_collection(store=store, collection_id=collection_id)
    return RedirectResponse("/collections", status_code=303)


# ---------------------------------------------------------------- items


def _add(store: Store, c: Collection, paper_id: str, note: str | None) -> bool:
    try:
        return add_item(
            store=store, collection_id=c.collection_id, paper_id=paper_id, note=note, now=now_utc()
        )
    except CollectionFull as exc:
        raise ApiError(409, "collection_full", f"Cannot add {paper_id}: {exc}.") from None


@routes.api(
    "/api/v1/collections/{collection_id}/items",
    methods=["POST"],
    csrf=True,
    response_model=CollectionItemOut,
    status_code=201,
    summary="Add a paper to a collection",
    tags=_TAGS,
)
def api_add_item(
    collection_id: RowId, body: ItemIn, store: StoreDep, user: CurrentUser
) -> Response:
    """Append a paper (201), or change the note of one already there (200)."""
    c = _owned(store, collection_id, user)
    paper = load_paper(store, body.paper_id)
    created = _add(store, c, paper.paper_id, body.note)
    return json_response(_item_out(store, c, paper.paper_id, user), 201 if created else 200)


def _item_out(store: Store, c: Collection, paper_id: str, user: User) -> CollectionItemOut:
    page = _page_model(store, c, user)
    for item in page.items:
        if item.paper.paper_id == paper_id:
            return item
    raise _not_in_collection(paper_id)


@routes.page("/collections/{collection_id}/items", methods=["POST"], csrf=True)
def add_item_form(
    collection_id: RowId,
    store: StoreDep,
    user: CurrentUser,
    paper_id: str = Form(...),
    note: str = Form(""),
) -> Response:
    c = _owned(store, collection_id, user)
    body = _form_value(ItemIn, paper_id=paper_id.strip(), note=note)
    paper = load_paper(store, body.paper_id)
    _add(store, c, paper.paper_id, body.note or None)
    return _to_collection(collection_id)


@routes.api(
    "/api/v1/collections/{collection_id}/items/{paper_id:path}",
    methods=["PUT"],
    csrf=True,
    response_model=CollectionItemOut,
    summary="Change an item's note",
    tags=_TAGS,
)
def api_note(
    collection_id: RowId, paper_id: str, body: NoteIn, store: StoreDep, user: CurrentUser
) -> Response:
    c = _owned(store, collection_id, user)
    # Items are named in any spelling, as adding one accepts (``arXiv:2401.12345v2``);
    # the paper itself need not be in the store any more.
    paper_id = resolve_paper_id(paper_id)
    if not set_item_note(
        store=store, collection_id=collection_id, paper_id=paper_id, note=body.note, now=now_utc()
    ):
        raise _not_in_collection(paper_id)
    return json_response(_item_out(store, c, paper_id, user))


@routes.page("/collections/{collection_id}/items/{paper_id:path}/note", methods=["POST"], csrf=True)
def note_form(
    collection_id: RowId, paper_id: str, store: StoreDep, user: CurrentUser, note: str = Form("")
) -> Response:
    _owned(store, collection_id, user)
    paper_id = resolve_paper_id(paper_id)
    try:
        body = NoteIn(note=note)
    except ValidationError:
        raise invalid_field(
            "note", "Note must be at most 2000 characters.", kind="string_too_long"
        ) from None
    set_item_note(
        store=store, collection_id=collection_id, paper_id=paper_id, note=body.note, now=now_utc()
    )
    return _to_collection(collection_id)


@routes.page("/collections/{collection_id}/items/{paper_id:path}/move", methods=["POST"], csrf=True)
def move_form(
    collection_id: RowId,
    paper_id: str,
    store: StoreDep,
    user: CurrentUser,
    direction: Literal["up", "down"] = Form(...),
) -> Response:
    _owned(store, collection_id, user)
    paper_id = resolve_paper_id(paper_id)
    move_item(
        store=store,
        collection_id=collection_id,
        paper_id=paper_id,
        offset=-1 if direction == "up" else 1,
        now=now_utc(),
    )
    return _to_collection(collection_id)


@routes.api(
    "/api/v1/collections/{collection_id}/order",
    methods=["PUT"],
    csrf=True,
    response_model=CollectionPage,
    summary="Reorder a collection",
    tags=_TAGS,
)
def api_order(collection_id: RowId, body: OrderIn, store: StoreDep, user: CurrentUser) -> Response:
    """Put the items in this order; it must name every item exactly once."""
    c = _owned(store, collection_id, user)
    if not reorder_items(
        store=store,
        collection_id=collection_id,
        paper_ids=[resolve_paper_id(p) for p in body.paper_ids],
        now=now_utc(),
    ):
        raise invalid_field(
            "paper_ids", "paper_ids must list every item of the collection once.", code="bad_order"
        )
    return json_response(_page_model(store, c, user))


@routes.api(
    "/api/v1/collections/{collection_id}/items/{paper_id:path}",
    methods=["DELETE"],
    csrf=True,
    status_code=204,
    summary="Remove a paper from a collection",
    tags=_TAGS,
)
def api_remove_item(
    collection_id: RowId, paper_id: str, store: StoreDep, user: CurrentUser
) -> Response:
    _owned(store, collection_id, user)
    paper_id = resolve_paper_id(paper_id)
    if not remove_item(store=store, collection_id=collection_id, paper_id=paper_id, now=now_utc()):
        raise _not_in_collection(paper_id)
    return Response(status_code=204)


@routes.page(
    "/collections/{collection_id}/items/{paper_id:path}/remove", methods=["POST"], csrf=True
)
def remove_form(
    collection_id: RowId, paper_id: str, store: StoreDep, user: CurrentUser
) -> Response:
    _owned(store, collection_id, user)
    paper_id = resolve_paper_id(paper_id)
    remove_item(store=store, collection_id=collection_id, paper_id=paper_id, now=now_utc())
    return _to_collection(collection_id)


# ---------------------------------------------------------------- upvotes, export, feed


@routes.twin(
    "/collections/{collection_id}/upvote",
    "/api/v1/collections/{collection_id}/upvote",
    methods=["POST"],
    csrf=True,
    response_model=CollectionUpvote,
    summary="Upvote a collection (again: take it back)",
    tags=_TAGS,
)
def upvote(request: Request, collection_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    _visible(store, collection_id, user)
    upvoted, count = toggle_collection_upvote(
        store=store, collection_id=collection_id, user_id=user.user_id, now=now_utc()
    )
    if wants_json(request):
        return json_response(CollectionUpvote(id=collection_id, upvoted=upvoted, upvotes=count))
    return _to_collection(collection_id)


@routes.twin(
    "/collections/{collection_id}/export",
    "/api/v1/collections/{collection_id}/export",
    summary="Export a collection as BibTeX, RIS or CSL-JSON",
    tags=_TAGS,
)
def export(
    collection_id: RowId,
    store: StoreDep,
    user: MaybeUser,
    fmt: ExportFormat = Query("bibtex", alias="format", description="bibtex, ris or csl-json"),
) -> Response:
    """The collection's papers in its order, for a reference manager."""
    c = _visible(store, collection_id, user)
    ids = [i.paper_id for i in list_items(store=store, collection_id=collection_id)]
    text = export_paper_ids(store=store, paper_ids=ids, fmt=fmt)
    return download(text, fmt, f"paperscope-collection-{collection_id}-{c.title[:40]}")
