"""From stored comments to what pages and the API show: threads with rendered bodies,
author badges, the viewer's votes and rights; store refusals as API errors; and how a
discussion form answers (on to the comment, or the refusal with the text kept)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from paperscope.config import Settings
from paperscope.models import User
from paperscope.site_paths import paper_url
from paperscope.store import Store
from paperscope.store.comment_votes import voted_by
from paperscope.store.discussions import (
    ORDERS,
    AccountBanned,
    Comment,
    CommentNotFound,
    CommentRefused,
    DiscussionError,
    NotYourComment,
    Order,
    RateLimited,
    ThreadNode,
    ThreadPage,
    author_participating,
    claimants_by_paper,
    is_paper_author,
    list_threads,
    thread_position,
    visible_comment_counts,
)
from paperscope.store.moderation import ReportRefused
from paperscope.web.data_cache import memo_for
from paperscope.web.discussion_schemas import CommentAuthor, CommentOut, CommentPage
from paperscope.web.errors import ApiError, invalid_field
from paperscope.web.markup import render_comment
from paperscope.web.rendering import back_url, render
from paperscope.web.views import pagination

THREADS_PER_PAGE = 20
DISCUSSION_MEMO_SIZE = 1000  # pages of threads kept per worker
Result = TypeVar("Result")


def api_error(exc: DiscussionError | ReportRefused) -> ApiError:
    """The HTTP answer to a refusal from the store."""
    if isinstance(exc, RateLimited):
        return ApiError(
            429, "rate_limited", str(exc), {"retry_after_seconds": exc.retry_after_seconds}
        )
    if isinstance(exc, CommentNotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, NotYourComment):
        return ApiError(403, "forbidden", str(exc))
    if isinstance(exc, AccountBanned):
        return ApiError(403, "account_banned", str(exc))
    if isinstance(exc, CommentRefused | ReportRefused):
        return invalid_field(exc.field, str(exc), code="invalid_comment")
    return ApiError(400, "invalid_request", str(exc))


def refusals(action: Callable[[], Result]) -> Result:
    """Run a store call, turning its refusals into API errors."""
    try:
        return action()
    except (DiscussionError, ReportRefused) as exc:
        raise api_error(exc) from exc


@dataclass(frozen=True, slots=True)
class TypedText:
    """What a discussion form sent, shown again with a refusal so nothing typed is lost."""

    text: str
    paper_id: str
    parent_id: int | None = None
    field: str = "body"  # or "reason": the form's one text field


def invalid_text(exc: ApiError) -> bool:
    """Refusals answered with the typed text kept: of the text itself, or of a form
    sent after the session ended (sign in, then send it again)."""
    return exc.status in (401, 422)


def form_answer(
    request: Request,
    change: Callable[[], str],
    *,
    typed: TypedText,
    shown: Callable[[ApiError], bool] = invalid_text,
) -> Response:
    """A discussion form's answer: a 303 to the URL ``change`` returns, or, for a
    refusal ``shown`` picks, the refusal in words with the ``typed`` text to send
    again. Other refusals become the error page."""
    try:
        target = change()
    except ApiError as exc:
        if not shown(exc):
            raise
        context = {
            "error": exc,
            "action": request.url.path,
            "body": typed.text,
            "parent_id": typed.parent_id,
            "field": typed.field,
            "back": paper_url(typed.paper_id) + "#discussion",
        }
        return render(
            request, "discussions/form_error.html", context, json_model=None, status_code=exc.status
        )
    return RedirectResponse(target, status_code=303)


def comment_url(comment: Comment) -> str:
    return f"{paper_url(comment.paper_id)}#comment-{comment.comment_id}"


def comment_location(
    store: Store,
    comment: Comment,
    *,
    order: Order = "newest",
    viewer: User | None = None,
    reported: bool = False,
) -> str:
    """The paper page that shows ``comment``, at the comment: its thread may be on a
    later page of the discussion than the first (a reply in an old thread, a link
    from a mail), where ``#comment-N`` alone would find nothing."""
    found = thread_position(
        store=store,
        comment_id=comment.comment_id,
        order=order,
        include_hidden=bool(viewer and viewer.is_admin),
    )
    page = found[1] // THREADS_PER_PAGE + 1 if found else 1
    params: dict[str, str | int] = {}
    if order != "newest":
        params["order"] = order
    if page > 1:
        params["page"] = page
    if reported:
        params["reported"] = comment.comment_id
    query = f"?{urlencode(params)}" if params else ""
    return f"{paper_url(comment.paper_id)}{query}#comment-{comment.comment_id}"


def order_of_referer(request: Request) -> Order:
    """The comment order of the page a form was sent from (newest when unknown), so
    the answer shows the discussion as the reader had it."""
    query = parse_qs(urlsplit(back_url(request, "")).query)
    value = query.get("order", [""])[0]
    return value if value in ORDERS else "newest"


def comment_out(
    comment: Comment,
    *,
    viewer: User | None,
    claimants: Mapping[str, Set[int]],
    voted: Set[int] = frozenset(),
    replies: list[CommentOut] | None = None,
) -> CommentOut:
    """One comment as shown to ``viewer``: administrators read hidden text (marked);
    nobody reads deleted text, which is gone."""
    state = comment.state
    readable = state == "visible" or (state == "hidden" and viewer is not None and viewer.is_admin)
    author = None
    if state != "deleted":
        author = CommentAuthor(
            username=comment.username,
            url="/users/" + quote(comment.username),
            is_paper_author=is_paper_author(comment, claimants),
        )
    return CommentOut(
        comment_id=comment.comment_id,
        paper_id=comment.paper_id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        state=state,
        body=comment.body if readable else None,
        body_html=render_comment(comment.body) if readable else None,
        author=author if (readable or state == "hidden") else None,
        upvotes=comment.upvotes,
        upvoted=(comment.comment_id in voted) if viewer else None,
        created_at=comment.created_at,
        # Nothing of a deleted comment's text is told, not even that it was edited.
        edited_at=None if state == "deleted" else comment.edited_at,
        edited=state != "deleted" and comment.edited_at is not None,
        can_edit=viewer is not None and viewer.user_id == comment.user_id and state == "visible",
        url=comment_url(comment),
        replies=replies or [],
    )


def _tree(
    node: ThreadNode, viewer: User | None, claimants: Mapping[str, Set[int]], voted: Set[int]
) -> CommentOut:
    kids = [_tree(k, viewer, claimants, voted) for k in node.replies]
    return comment_out(node.comment, viewer=viewer, claimants=claimants, voted=voted, replies=kids)


def parse_order(value: str | None) -> Order:
    if value is None or value == "":
        return "newest"
    if value not in ORDERS:
        raise invalid_field(
            "order", f"Unknown order {value!r}: use newest, oldest or top.", kind="literal_error"
        )
    return value


def comment_page(
    request: Request,
    *,
    store: Store,
    settings: Settings,
    paper_id: str,
    viewer: User | None,
    order: Order,
    page: int,
    limit: int = THREADS_PER_PAGE,
) -> CommentPage:
    """A page of the paper's discussion, as the paper page and the API show it. What
    every reader sees alike is memoised at the data version (each comment, vote,
    moderation and claim decision bumps it); only the reader's votes are read anew."""
    include_hidden = bool(viewer and viewer.is_admin)
    shared: _SharedDiscussion = memo_for(store, "discussions", DISCUSSION_MEMO_SIZE).get_or_compute(
        (paper_id, order, page, limit, include_hidden),
        lambda: _shared_discussion(store, paper_id, order, page, limit, include_hidden),
    )
    found, claimants = shared.threads, shared.claimants
    voted = (
        voted_by(store=store, user_id=viewer.user_id, comment_ids=found.comment_ids)
        if viewer and found.comment_ids
        else set()
    )
    return CommentPage(
        paper_id=found.paper_id,
        order=order,
        items=[_tree(n, viewer, claimants, voted) for n in found.threads],
        pagination=pagination(request, page=page, limit=limit, total=found.total_threads),
        num_comments=shared.num_comments,
        author_participating=shared.author_participating,
        can_post=viewer is not None,
        max_chars=settings.comment_max_chars,
    )


@dataclass(frozen=True, slots=True)
class _SharedDiscussion:
    threads: ThreadPage
    claimants: Mapping[str, Set[int]]
    num_comments: int
    author_participating: bool


def _shared_discussion(
    store: Store, paper_id: str, order: Order, page: int, limit: int, include_hidden: bool
) -> _SharedDiscussion:
    found = list_threads(
        store=store,
        paper_id=paper_id,
        order=order,
        page=page,
        limit=limit,
        include_hidden=include_hidden,
    )
    claimants = claimants_by_paper(store=store, paper_ids=[found.paper_id])
    counts = visible_comment_counts(store=store, paper_ids=[found.paper_id])
    participating = author_participating(store=store, claimants=claimants)
    return _SharedDiscussion(
        found, claimants, counts.get(found.paper_id, 0), found.paper_id in participating
    )


def paper_discussion(
    request: Request, *, store: Store, paper_id: str, viewer: User | None
) -> CommentPage:
    """The discussion shown on the paper page, in the order and page its query asks
    for (``order``, ``page``); a bad value falls back rather than losing the page."""
    settings: Settings = request.app.state.settings
    try:
        order = parse_order(request.query_params.get("order"))
    except ApiError:
        order = "newest"
    raw_page = request.query_params.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= 10_000 else 1
    return comment_page(
        request,
        store=store,
        settings=settings,
        paper_id=paper_id,
        viewer=viewer,
        order=order,
        page=page,
    )
