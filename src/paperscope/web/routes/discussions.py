"""Discussions on papers: the JSON API (threads, post, edit, delete, upvote, report) and
the forms of the paper page's discussion. Registered before papers: its
/api/v1/papers/{id}/comments would otherwise be read as a paper id."""

from __future__ import annotations

from fastapi import BackgroundTasks, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from paperscope.config import Settings
from paperscope.feeds.reply_mail import (
    address_confirmed,
    confirm_reply_mail,
    enable_reply_mail,
    queue_reply_mail,
    unsubscribe_from_replies,
)
from paperscope.models import User
from paperscope.site_paths import paper_url
from paperscope.store import Store
from paperscope.store.comment_votes import set_comment_vote
from paperscope.store.database import MAX_ROW_ID
from paperscope.store.discussions import (
    BodyLimits,
    Comment,
    claimants_by_paper,
    delete_comment,
    edit_comment,
    get_comment,
    post_comment,
    reply_mail_enabled,
    set_reply_mail,
)
from paperscope.store.moderation import report_comment
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, MaybeUser, RowId, SettingsDep, StoreDep
from paperscope.web.discussion_schemas import (
    BODY_HARD_LIMIT,
    CommentEdit,
    CommentIn,
    CommentOut,
    CommentPage,
    CommentVoteIn,
    CommentVoteState,
    DiscussionSettings,
    DiscussionSettingsIn,
    ReportIn,
    ReportOut,
)
from paperscope.web.discussion_views import (
    THREADS_PER_PAGE,
    TypedText,
    comment_location,
    comment_out,
    comment_page,
    form_answer,
    order_of_referer,
    parse_order,
    refusals,
)
from paperscope.web.errors import ApiError, NotSignedIn
from paperscope.web.rendering import back_url, json_response, render
from paperscope.web.routing import Routes
from paperscope.web.views import MAX_LIMIT, PageParam, load_paper

routes = Routes()
TAGS = ["discussions"]


def _out(store: Store, comment: Comment, user: User | None) -> CommentOut:
    claimants = claimants_by_paper(store=store, paper_ids=[comment.paper_id])
    return comment_out(comment, viewer=user, claimants=claimants)


def _post(
    store: Store,
    settings: Settings,
    user: User,
    paper_id: str,
    body: str,
    parent_id: int | None,
    tasks: BackgroundTasks,
) -> Comment:
    paper = load_paper(store, paper_id)
    limits = BodyLimits(max_chars=settings.comment_max_chars, per_hour=settings.comments_per_hour)
    created = refusals(
        lambda: post_comment(
            store=store,
            paper_id=paper.paper_id,
            user_id=user.user_id,
            body=body,
            parent_id=parent_id,
            limits=limits,
            now=now_utc(),
        )
    )
    if created.parent_id is not None:
        # After the response: the poster never waits on building a mail.
        tasks.add_task(queue_reply_mail, store=store, settings=settings, reply=created, paper=paper)
    return created


def _edit(store: Store, settings: Settings, user: User, comment_id: int, body: str) -> Comment:
    return refusals(
        lambda: edit_comment(
            store=store,
            comment_id=comment_id,
            user_id=user.user_id,
            body=body,
            max_chars=settings.comment_max_chars,
            now=now_utc(),
        )
    )


def _delete(store: Store, user: User, comment_id: int) -> Comment:
    return refusals(
        lambda: delete_comment(
            store=store, comment_id=comment_id, user_id=user.user_id, now=now_utc()
        )
    )


def _report(store: Store, user: User, comment_id: int, reason: str) -> bool:
    """True when this is the account's first report of the comment."""
    return refusals(
        lambda: report_comment(
            store=store,
            comment_id=comment_id,
            user_id=user.user_id,
            reason=reason,
            now=now_utc(),
        )
    )


# ---------------------------------------------------------------- JSON API


@routes.api(
    "/api/v1/papers/{paper_id:path}/comments",
    response_model=CommentPage,
    summary="A paper's discussion",
    tags=TAGS,
)
def api_comments(
    request: Request,
    paper_id: str,
    store: StoreDep,
    settings: SettingsDep,
    user: MaybeUser,
    order: str = Query("newest", description="newest, oldest or top (most upvoted)"),
    page: int = PageParam,
    # The paper page's size, so that page n here holds the threads of its page n.
    limit: int = Query(THREADS_PER_PAGE, ge=1, le=MAX_LIMIT, description="Threads per page"),
) -> Response:
    """Threads of comments, top-level comments paginated in ``order``, each with all its
    replies nested in ``replies``."""
    paper = load_paper(store, paper_id)
    model = comment_page(
        request,
        store=store,
        settings=settings,
        paper_id=paper.paper_id,
        viewer=user,
        order=parse_order(order),
        page=page,
        limit=limit,
    )
    return json_response(model)


@routes.api(
    "/api/v1/papers/{paper_id:path}/comments",
    methods=["POST"],
    csrf=True,
    response_model=CommentOut,
    status_code=201,
    summary="Post a comment or reply",
    tags=TAGS,
)
def api_post_comment(
    paper_id: str,
    body: CommentIn,
    store: StoreDep,
    settings: SettingsDep,
    user: CurrentUser,
    tasks: BackgroundTasks,
) -> Response:
    """Post Markdown (with ``$...$`` math); ``parent_id`` makes it a reply. 422 for an
    empty or too long body, 429 past the hourly limit, 403 for a banned account."""
    created = _post(store, settings, user, paper_id, body.body, body.parent_id, tasks)
    return json_response(_out(store, created, user), status_code=201)


@routes.api(
    "/api/v1/comments/{comment_id}",
    methods=["PATCH"],
    csrf=True,
    response_model=CommentOut,
    summary="Edit your comment",
    tags=TAGS,
)
def api_edit_comment(
    comment_id: RowId, body: CommentEdit, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Replace the text of your own comment; it is then marked edited."""
    changed = _edit(store, settings, user, comment_id, body.body)
    return json_response(_out(store, changed, user))


@routes.api(
    "/api/v1/comments/{comment_id}",
    methods=["DELETE"],
    csrf=True,
    response_model=CommentOut,
    summary="Delete your comment",
    tags=TAGS,
)
def api_delete_comment(comment_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    """Delete your own comment: its text is erased; replies to it stay, under "[deleted]"."""
    return json_response(_out(store, _delete(store, user, comment_id), user))


def _vote(store: Store, user: User, comment_id: int, upvoted: bool | None) -> CommentVoteState:
    state, count = refusals(
        lambda: set_comment_vote(
            store=store, comment_id=comment_id, user_id=user.user_id, upvoted=upvoted, now=now_utc()
        )
    )
    return CommentVoteState(comment_id=comment_id, upvoted=state, upvotes=count)


@routes.api(
    "/api/v1/comments/{comment_id}/upvote",
    methods=["POST"],
    csrf=True,
    response_model=CommentVoteState,
    summary="Upvote a comment",
    tags=TAGS,
)
def api_upvote_comment(
    comment_id: RowId, store: StoreDep, user: CurrentUser, body: CommentVoteIn | None = None
) -> Response:
    """One upvote per account (idempotent); ``{"upvoted": false}`` removes it."""
    return json_response(_vote(store, user, comment_id, True if body is None else body.upvoted))


@routes.api(
    "/api/v1/comments/{comment_id}/upvote",
    methods=["DELETE"],
    csrf=True,
    response_model=CommentVoteState,
    summary="Remove your upvote from a comment",
    tags=TAGS,
)
def api_unvote_comment(comment_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    return json_response(_vote(store, user, comment_id, False))


@routes.api(
    "/api/v1/comments/{comment_id}/report",
    methods=["POST"],
    csrf=True,
    response_model=ReportOut,
    summary="Report a comment to the administrators",
    tags=TAGS,
)
def api_report_comment(
    comment_id: RowId, body: ReportIn, store: StoreDep, user: CurrentUser
) -> Response:
    """Once per account and comment, with a short reason (at most 200 characters)."""
    added = _report(store, user, comment_id, body.reason)
    return json_response(
        ReportOut(comment_id=comment_id, reported=added), status_code=201 if added else 200
    )


def _settings_of(store: Store, user: User, sent: bool = False) -> DiscussionSettings:
    return DiscussionSettings(
        reply_mail=reply_mail_enabled(store=store, user_id=user.user_id),
        address_confirmed=address_confirmed(store=store, email=user.email),
        confirmation_sent=sent,
    )


def _change_settings(store: Store, settings: Settings, user: User, reply_mail: bool) -> bool:
    """Apply the choice; True when a confirmation link was mailed."""
    if not reply_mail:
        set_reply_mail(store=store, user_id=user.user_id, enabled=False)
        return False
    status = enable_reply_mail(store=store, settings=settings, user=user, now=now_utc())
    return status == "confirm_sent"


@routes.api(
    "/api/v1/me/discussions",
    response_model=DiscussionSettings,
    summary="Your discussion settings",
    tags=TAGS,
)
def api_discussion_settings(store: StoreDep, user: CurrentUser) -> Response:
    return json_response(_settings_of(store, user))


@routes.api(
    "/api/v1/me/discussions",
    methods=["PUT"],
    csrf=True,
    response_model=DiscussionSettings,
    summary="Change your discussion settings",
    tags=TAGS,
)
def api_set_discussion_settings(
    body: DiscussionSettingsIn, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """``reply_mail``: be mailed (at your account's address) when someone replies to you.
    An address not yet proven first gets a confirmation link."""
    sent = _change_settings(store, settings, user, body.reply_mail)
    return json_response(_settings_of(store, user, sent))


# ---------------------------------------------------------------- forms of the paper page


@routes.page("/papers/{paper_id:path}/comments", methods=["POST"], csrf=True)
def comment_form(
    request: Request,
    paper_id: str,
    store: StoreDep,
    settings: SettingsDep,
    user: MaybeUser,
    tasks: BackgroundTasks,
    body: str = Form("", max_length=BODY_HARD_LIMIT),
    parent_id: int | None = Form(None, ge=1, le=MAX_ROW_ID),
) -> Response:
    def post() -> str:
        created = _post(store, settings, _signed_in(user), paper_id, body, parent_id, tasks)
        return comment_location(store, created, order=order_of_referer(request), viewer=user)

    return form_answer(
        request,
        post,
        typed=TypedText(body, paper_id, parent_id),
        # A missing paper is the 404 page; every other refusal keeps the text.
        shown=lambda exc: not (exc.code == "not_found" and parent_id is None),
    )


def _signed_in(user: User | None) -> User:
    """The account behind a form that keeps typed text: a session that ended while
    the reader wrote is answered with the text kept, not a bare error page."""
    if user is None:
        raise NotSignedIn(
            "You are not signed in (your session may have ended), so this was not saved. "
            "Copy your text below, sign in, and send it again."
        )
    return user


def _owned_comment(store: Store, comment_id: int) -> Comment:
    found = get_comment(store=store, comment_id=comment_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no comment {comment_id}.")
    return found


@routes.page("/comments/{comment_id}")
def comment_permalink(comment_id: RowId, store: StoreDep, user: MaybeUser) -> Response:
    """A link to one comment that keeps working as the discussion grows: to the page
    of the paper's discussion that shows its thread now."""
    found = _owned_comment(store, comment_id)
    return RedirectResponse(comment_location(store, found, viewer=user), status_code=303)


@routes.page("/comments/{comment_id}/edit", methods=["POST"], csrf=True)
def edit_form(
    request: Request,
    comment_id: RowId,
    store: StoreDep,
    settings: SettingsDep,
    user: MaybeUser,
    body: str = Form("", max_length=BODY_HARD_LIMIT),
) -> Response:
    existing = _owned_comment(store, comment_id)

    def edit() -> str:
        _edit(store, settings, _signed_in(user), comment_id, body)
        return _back_at(request, existing.paper_id, f"comment-{comment_id}")

    return form_answer(request, edit, typed=TypedText(body, existing.paper_id))


@routes.page("/comments/{comment_id}/delete", methods=["POST"], csrf=True)
def delete_form(
    request: Request, comment_id: RowId, store: StoreDep, user: CurrentUser
) -> Response:
    gone = _delete(store, user, comment_id)
    return RedirectResponse(_back_at(request, gone.paper_id, "discussion"), status_code=303)


@routes.page("/comments/{comment_id}/upvote", methods=["POST"], csrf=True)
def upvote_form(
    request: Request, comment_id: RowId, store: StoreDep, user: CurrentUser
) -> Response:
    """The comment's upvote button: toggles."""
    found = _owned_comment(store, comment_id)
    _vote(store, user, comment_id, None)
    return RedirectResponse(
        _back_at(request, found.paper_id, f"comment-{comment_id}"), status_code=303
    )


def _back_at(request: Request, paper_id: str, anchor: str) -> str:
    """The page the form was on (the paper page in the reader's comment order, say), at
    ``anchor``; the paper page when the browser sent no Referer."""
    return back_url(request, paper_url(paper_id)).split("#")[0] + "#" + anchor


@routes.page("/comments/{comment_id}/report", methods=["POST"], csrf=True)
def report_form(
    request: Request,
    comment_id: RowId,
    store: StoreDep,
    user: CurrentUser,
    reason: str = Form("", max_length=2000),
) -> Response:
    found = _owned_comment(store, comment_id)

    def report() -> str:
        _report(store, user, comment_id, reason)
        order = order_of_referer(request)
        return comment_location(store, found, order=order, viewer=user, reported=True)

    return form_answer(request, report, typed=TypedText(reason, found.paper_id, field="reason"))


@routes.page("/account/discussions", methods=["POST"], csrf=True)
def discussion_settings_form(
    store: StoreDep, settings: SettingsDep, user: CurrentUser, reply_mail: str = Form("")
) -> Response:
    sent = _change_settings(store, settings, user, reply_mail == "1")
    done = "discussions-confirm" if sent else "discussions"
    return RedirectResponse(f"/account?done={done}", status_code=303)


@routes.page("/discussions/confirm/{token}")
def reply_confirm_page(request: Request, token: str) -> Response:
    # GET changes nothing: mail scanners open links. The button POSTs.
    context = {"token": token, "done": None, "confirm": True}
    return render(request, "discussions/unsubscribe.html", context, json_model=None)


@routes.page("/discussions/confirm/{token}", methods=["POST"])
def reply_confirm(request: Request, token: str, store: StoreDep, settings: SettingsDep) -> Response:
    """The signed, expiring token is the authority (no CSRF token)."""
    done = confirm_reply_mail(store=store, settings=settings, token=token)
    return render(
        request,
        "discussions/unsubscribe.html",
        {"token": token, "done": done, "confirm": True},
        json_model=None,
        status_code=200 if done else 400,
    )


@routes.page("/discussions/unsubscribe/{token}")
def reply_unsubscribe_page(request: Request, token: str) -> Response:
    # GET never unsubscribes: mail scanners open links. The button POSTs (RFC 8058).
    context = {"token": token, "done": None}
    return render(request, "discussions/unsubscribe.html", context, json_model=None)


@routes.page("/discussions/unsubscribe/{token}", methods=["POST"])
def reply_unsubscribe(
    request: Request, token: str, store: StoreDep, settings: SettingsDep
) -> Response:
    """One-click unsubscribe: the signed token is the authority (no CSRF token)."""
    done = unsubscribe_from_replies(store=store, settings=settings, token=token)
    return render(
        request,
        "discussions/unsubscribe.html",
        {"token": token, "done": done},
        json_model=None,
        status_code=200 if done else 400,
    )
