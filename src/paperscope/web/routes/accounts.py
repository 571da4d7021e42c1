"""Sign up, sign in, sign out, password change and personal API tokens."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from paperscope.config import Settings
from paperscope.feeds.reply_mail import address_confirmed
from paperscope.models import User
from paperscope.store import Store
from paperscope.store.accounts import list_api_tokens, revoke_api_token
from paperscope.store.discussions import reply_mail_enabled
from paperscope.store.email_verification import verified_email
from paperscope.web import auth
from paperscope.web.deps import CurrentUser, MaybeUser, RowId, SettingsDep, StoreDep
from paperscope.web.errors import ApiError
from paperscope.web.rendering import render
from paperscope.web.routing import Routes
from paperscope.web.schemas import AccountPage, TokenOut, UserOut
from paperscope.web.signin_links import reason_text, safe_next

routes = Routes()


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _form_page(
    request: Request,
    template: str,
    *,
    error: ApiError | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    next_path: str | None = None,
) -> Response:
    """A sign-in or sign-up form. ``next_path`` is the form's own hidden field after a
    failed post, so a mistyped password keeps where the reader was going."""
    target = safe_next(next_path or request.query_params.get("next"))
    reason = request.query_params.get("reason")
    context = {
        "error": error,
        "values": values or {},
        "next": target,
        "reason": None if error else reason_text(reason, target),
    }
    return render(request, template, context, json_model=None, status_code=status)


def _enter(
    request: Request,
    store: Store,
    settings: Settings,
    account: Callable[[], User],
    *,
    template: str,
    values: dict[str, str],
    next_path: str,
) -> Response:
    """Sign up or in: with the ``account`` it returns, a session starts and the reader
    goes on to ``next_path``; a refusal shows the form again with what was typed
    (``values``: never the password)."""
    try:
        user = account()
    except ApiError as exc:
        return _form_page(
            request, template, error=exc, values=values, status=exc.status, next_path=next_path
        )
    response = RedirectResponse(safe_next(next_path), status_code=303)
    auth.start_session(
        request=request, response=response, store=store, settings=settings, user=user
    )
    return response


@routes.page("/signup")
def signup_page(request: Request, user: MaybeUser) -> Response:
    if user:
        return RedirectResponse("/", status_code=303)
    return _form_page(request, "accounts/signup.html")


@routes.page("/signup", methods=["POST"], csrf=True)
def signup(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    username: str = Form(""),
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    return _enter(
        request,
        store,
        settings,
        lambda: auth.sign_up(store=store, username=username, email=email, password=password),
        template="accounts/signup.html",
        values={"username": username, "email": email},
        next_path=next,
    )


@routes.page("/signin")
def signin_page(request: Request, user: MaybeUser) -> Response:
    if user:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _form_page(request, "accounts/signin.html")


@routes.page("/signin", methods=["POST"], csrf=True)
def signin(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    return _enter(
        request,
        store,
        settings,
        lambda: auth.sign_in(
            store=store,
            settings=settings,
            username=username,
            password=password,
            ip=_client_ip(request),
        ),
        template="accounts/signin.html",
        values={"username": username},
        next_path=next,
    )


@routes.page("/signout", methods=["POST"], csrf=True)
def signout(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    response = RedirectResponse("/", status_code=303)
    auth.end_session(request=request, response=response, store=store, settings=settings)
    return response


def _account_model(store: Store, user: User, new_token: str | None = None) -> AccountPage:
    tokens = [
        TokenOut(
            token_id=t.token_id, name=t.name, created_at=t.created_at, last_used_at=t.last_used_at
        )
        for t in list_api_tokens(store=store, user_id=user.user_id)
    ]
    return AccountPage(
        username=user.username,
        email=user.email,
        email_verified=verified_email(store=store, user_id=user.user_id) is not None,
        tokens=tokens,
        new_token=new_token,
    )


@routes.page("/account")
def account_page(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    return render(
        request,
        "accounts/account.html",
        {
            "message": request.query_params.get("done"),
            "reply_mail": reply_mail_enabled(store=store, user_id=user.user_id),
            "reply_mail_confirmed": address_confirmed(store=store, email=user.email),
        },
        json_model=_account_model(store, user),
    )


@routes.page("/account/password", methods=["POST"], csrf=True)
def change_password(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    current_password: str = Form(""),
    new_password: str = Form(""),
) -> Response:
    try:
        auth.change_password(
            store=store,
            user=user,
            current=current_password,
            new=new_password,
            keep_session=auth.session_hash(request),
        )
    except auth.AuthError as exc:
        return render(
            request,
            "accounts/account.html",
            {"error": exc},
            json_model=_account_model(store, user),
            status_code=exc.status,
        )
    return RedirectResponse("/account?done=password", status_code=303)


@routes.page("/account/tokens", methods=["POST"], csrf=True)
def create_token(
    request: Request, store: StoreDep, user: CurrentUser, name: str = Form("")
) -> Response:
    _token, secret = auth.create_api_token(store=store, user=user, name=name)
    return render(
        request, "accounts/account.html", {}, json_model=_account_model(store, user, secret)
    )


@routes.page("/account/tokens/{token_id}/revoke", methods=["POST"], csrf=True)
def revoke_token(token_id: RowId, store: StoreDep, user: CurrentUser) -> Response:
    # Someone else's token looks exactly like a missing one: ids reveal nothing.
    if not revoke_api_token(store=store, user_id=user.user_id, token_id=token_id):
        raise ApiError(
            404,
            "not_found",
            f"You have no API token {token_id}: it was revoked already, or the id is "
            "mistyped. Your tokens are listed on /account.",
        )
    return RedirectResponse("/account?done=revoked", status_code=303)


@routes.api("/api/v1/me", response_model=UserOut, summary="Who am I", tags=["account"])
def me(user: CurrentUser) -> UserOut:
    """The account the request is authenticated as."""
    return UserOut(user_id=user.user_id, username=user.username)
