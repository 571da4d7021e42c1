"""Your account's e-mail address: a page with the address and its state, a form that
sets or changes it (then mails a link to prove it), a button that mails the link
again, and the link's landing page. Authorship claims use the proven domain
(paperscope.people.claims)."""

from __future__ import annotations

from typing import Any

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from paperscope.config import Settings
from paperscope.feeds.signing import SigningKeyMissing
from paperscope.models import User
from paperscope.people.email_verification import (
    VerificationRefused,
    send_verification,
    verify_email,
)
from paperscope.store import Store
from paperscope.store.accounts import has_password
from paperscope.store.email_verification import verified_email
from paperscope.web import auth
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, SettingsDep, StoreDep
from paperscope.web.errors import ApiError
from paperscope.web.people_schemas import EmailChange, EmailStatus
from paperscope.web.rendering import json_response, render, wants_json
from paperscope.web.routing import Routes

routes = Routes()


def _status(store: Store, user: User, sent: bool | None = None) -> EmailStatus:
    proven = verified_email(store=store, user_id=user.user_id)
    return EmailStatus(email=user.email, verified_at=proven[1] if proven else None, sent=sent)


@routes.twin(
    "/account/email",
    "/api/v1/account/email",
    response_model=EmailStatus,
    summary="Your e-mail address and whether it is verified",
    tags=["people"],
)
def email_page(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    sent = request.query_params.get("sent") == "1" or None
    changed = request.query_params.get("changed") == "1"
    return _email_form(request, store, user, {"changed": changed}, sent=sent)


def _email_form(
    request: Request,
    store: Store,
    user: User,
    context: dict[str, Any],
    *,
    sent: bool | None = None,
    status: int = 200,
) -> Response:
    """The page with its change form; ``context`` adds an ``error`` and what was typed."""
    full = {"needs_password": has_password(store=store, user_id=user.user_id)} | context
    return render(
        request,
        "people/email.html",
        full,
        json_model=_status(store, user, sent),
        status_code=status,
    )


def _change_email(
    request: Request, store: Store, settings: Settings, user: User, email: str, current: str
) -> tuple[User, bool]:
    """Store the new address and mail it a link; (the account now, whether a link went).
    The address is kept even when no link can go now: the button sends one later."""
    changed = auth.change_email(store=store, user=user, current=current, email=email)
    local = request.app.state.local_user
    if local is not None and local.user_id == changed.user_id:
        # Single-user mode serves a copy of the account made at start-up.
        request.app.state.local_user = changed
    request.state.user = changed
    try:
        sent = send_verification(store=store, settings=settings, user=changed, now=now_utc())
    except SigningKeyMissing:
        sent = False
    return changed, sent


@routes.page("/account/email", methods=["POST"], csrf=True)
def change_email_form(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    user: CurrentUser,
    email: str = Form(""),
    current_password: str = Form(""),
) -> Response:
    """The form on /account/email: a refusal shows it again with the address typed."""
    try:
        _user, sent = _change_email(request, store, settings, user, email, current_password)
    except ApiError as exc:
        context = {"error": exc, "values": {"email": email}}
        return _email_form(request, store, user, context, status=exc.status)
    target = "/account/email?sent=1" if sent else "/account/email?changed=1"
    return RedirectResponse(target, status_code=303)


@routes.api(
    "/api/v1/account/email",
    methods=["PUT"],
    csrf=True,
    response_model=EmailStatus,
    summary="Set or change your e-mail address",
    tags=["people"],
)
def api_change_email(
    request: Request, body: EmailChange, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """The new address is unverified until its owner follows the link mailed to it
    (``sent``: whether one went now). ``current_password`` is required when the account
    has a password."""
    changed, sent = _change_email(request, store, settings, user, body.email, body.current_password)
    return json_response(_status(store, changed, sent))


@routes.twin(
    "/account/email/verify",
    "/api/v1/account/email/verify",
    methods=["POST"],
    csrf=True,
    response_model=EmailStatus,
    summary="Mail a verification link",
    tags=["people"],
)
def send_link(
    request: Request, store: StoreDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    """Queue a mail with a link (valid two days) that proves your address; at most five
    a day."""
    try:
        sent = send_verification(store=store, settings=settings, user=user, now=now_utc())
    except VerificationRefused as exc:
        raise ApiError(422, "no_email", str(exc)) from None
    except SigningKeyMissing as exc:
        raise ApiError(503, "mail_unavailable", str(exc)) from None
    if not sent:
        raise ApiError(
            429,
            "too_many_requests",
            "Five verification mails went out today: "
            "follow the newest link, or try again tomorrow.",
        )
    if wants_json(request):
        return render(request, "people/email.html", json_model=_status(store, user, True))
    return RedirectResponse("/account/email?sent=1", status_code=303)


@routes.page("/account/verify-email/{token}")
def follow_link(request: Request, token: str, store: StoreDep, settings: SettingsDep) -> Response:
    """The mailed link: no sign-in needed, the signature is the proof."""
    user_id = verify_email(store=store, settings=settings, token=token, now=now_utc())
    context = {"verified": user_id is not None}
    return render(
        request,
        "people/email_verified.html",
        context,
        json_model=None,
        status_code=200 if user_id is not None else 400,
    )
