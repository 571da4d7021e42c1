"""Proving your account's e-mail address: a page with the address and its state, a
button that mails a signed link, and the link's landing page. Authorship claims use
the proven domain (paperscope.people.claims)."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from paperscope.feeds.signing import SigningKeyMissing
from paperscope.people.email_verification import (
    VerificationRefused,
    send_verification,
    verify_email,
)
from paperscope.store.email_verification import verified_email
from paperscope.web.auth import now_utc
from paperscope.web.deps import CurrentUser, SettingsDep, StoreDep
from paperscope.web.errors import ApiError
from paperscope.web.people_schemas import EmailStatus
from paperscope.web.rendering import render, wants_json
from paperscope.web.routing import Routes

routes = Routes()


def _status(store: StoreDep, user: CurrentUser, sent: bool | None = None) -> EmailStatus:
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
    return render(request, "people/email.html", json_model=_status(store, user, sent))


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
