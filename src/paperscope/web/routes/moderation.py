"""Moderation for administrators: the queue of reported comments (page and JSON),
hiding and showing comments, dismissing reports, banning and unbanning accounts."""

from __future__ import annotations

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from paperscope.models import User
from paperscope.store import Store
from paperscope.store.accounts import find_user
from paperscope.store.moderation import (
    ban_user,
    dismiss_reports,
    is_banned,
    list_bans,
    moderation_queue,
    set_hidden,
    unban_user,
)
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, RowId, StoreDep
from paperscope.web.discussion_schemas import (
    BanIn,
    BanOut,
    BanState,
    CommentOut,
    ModerationItem,
    ModerationQueue,
    ReportEntry,
)
from paperscope.web.discussion_views import comment_out, refusals
from paperscope.web.errors import ApiError, invalid_field
from paperscope.web.rendering import json_response, render
from paperscope.web.routing import Routes

routes = Routes()
TAGS = ["moderation"]
QUEUE = "/admin/moderation"


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise ApiError(
            403,
            "admin_only",
            "Only administrators can moderate discussions. An operator can make an "
            "account an administrator with `paperscope users admin USERNAME`.",
        )


def _queue(store: Store, viewer: User) -> ModerationQueue:
    items = []
    for entry in moderation_queue(store=store):
        comment = entry.comment
        items.append(
            ModerationItem(
                comment=comment_out(comment, viewer=viewer, claimants={}),
                author=comment.username,
                author_banned=is_banned(store=store, user_id=comment.user_id),
                reports=[
                    ReportEntry(username=r.username, reason=r.reason, created_at=r.created_at)
                    for r in entry.reports
                ],
            )
        )
    bans = [
        BanOut(username=b.username, reason=b.reason, banned_at=b.banned_at)
        for b in list_bans(store=store)
    ]
    return ModerationQueue(items=items, bans=bans)


@routes.twin(
    QUEUE,
    "/api/v1/admin/moderation",
    response_model=ModerationQueue,
    summary="Reported comments and banned accounts",
    tags=TAGS,
)
def moderation_page(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    """Comments with open reports (most reported first) and the banned accounts."""
    require_admin(user)
    context = {"message": request.query_params.get("done")}
    return render(request, "discussions/moderation.html", context, json_model=_queue(store, user))


def _hide(store: Store, user: User, comment_id: int, hidden: bool) -> CommentOut:
    require_admin(user)
    changed = refusals(
        lambda: set_hidden(
            store=store, comment_id=comment_id, hidden=hidden, by=user.user_id, now=now_utc()
        )
    )
    return comment_out(changed, viewer=user, claimants={})


@routes.api(
    "/api/v1/comments/{comment_id}/hide",
    methods=["POST"],
    csrf=True,
    response_model=CommentOut,
    summary="Hide a comment",
    tags=TAGS,
)
def api_hide(comment_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    """Hide a comment from everyone but administrators; settles its reports."""
    return json_response(_hide(store, user, comment_id, True))


@routes.api(
    "/api/v1/comments/{comment_id}/hide",
    methods=["DELETE"],
    csrf=True,
    response_model=CommentOut,
    summary="Show a hidden comment again",
    tags=TAGS,
)
def api_unhide(comment_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    return json_response(_hide(store, user, comment_id, False))


@routes.api(
    "/api/v1/comments/{comment_id}/reports",
    methods=["DELETE"],
    csrf=True,
    summary="Dismiss a comment's reports",
    tags=TAGS,
)
def api_dismiss(comment_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    """Settle the open reports without hiding the comment."""
    require_admin(user)
    count = refusals(lambda: dismiss_reports(store=store, comment_id=comment_id, now=now_utc()))
    return json_response({"comment_id": comment_id, "dismissed": count})


def _ban(store: Store, admin: User, username: str, banned: bool, reason: str) -> BanState:
    require_admin(admin)
    found = find_user(store=store, username=username)
    if found is None:
        raise ApiError(404, "not_found", f"There is no account named {username!r}.")
    target = found[0]
    if banned and target.user_id == admin.user_id:
        raise invalid_field("username", "You cannot ban your own account.")
    if banned:
        ban_user(
            store=store,
            user_id=target.user_id,
            banned_by=admin.user_id,
            reason=reason,
            now=now_utc(),
        )
    else:
        unban_user(store=store, user_id=target.user_id)
    return BanState(username=target.username, banned=banned)


@routes.api(
    "/api/v1/users/{username}/ban",
    methods=["POST"],
    csrf=True,
    response_model=BanState,
    summary="Ban an account",
    tags=TAGS,
)
def api_ban(
    username: str, store: StoreDep, user: CurrentUser, body: BanIn | None = None
) -> Response:
    """The account can no longer sign in, post, vote or report; its sessions end."""
    return json_response(_ban(store, user, username, True, body.reason if body else ""))


@routes.api(
    "/api/v1/users/{username}/ban",
    methods=["DELETE"],
    csrf=True,
    response_model=BanState,
    summary="Lift a ban",
    tags=TAGS,
)
def api_unban(username: str, store: StoreDep, user: CurrentUser) -> Response:
    return json_response(_ban(store, user, username, False, ""))


# ---------------------------------------------------------------- forms


@routes.page("/admin/comments/{comment_id}/hide", methods=["POST"], csrf=True)
def hide_form(
    comment_id: RowId, store: StoreDep, user: CurrentUser, action: str = Form("hide")
) -> Response:
    changed = _hide(store, user, comment_id, action != "unhide")
    done = "hidden" if action != "unhide" else "shown"
    return RedirectResponse(f"{QUEUE}?done={done}#comment-{changed.comment_id}", status_code=303)


@routes.page("/admin/comments/{comment_id}/dismiss", methods=["POST"], csrf=True)
def dismiss_form(comment_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    require_admin(user)
    refusals(lambda: dismiss_reports(store=store, comment_id=comment_id, now=now_utc()))
    return RedirectResponse(f"{QUEUE}?done=dismissed", status_code=303)


@routes.page("/admin/users/{username}/ban", methods=["POST"], csrf=True)
def ban_form(
    username: str,
    store: StoreDep,
    user: CurrentUser,
    action: str = Form("ban"),
    reason: str = Form("", max_length=200),
) -> Response:
    state = _ban(store, user, username, action != "unban", reason)
    return RedirectResponse(
        f"{QUEUE}?done={'banned' if state.banned else 'unbanned'}", status_code=303
    )
