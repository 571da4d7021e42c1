"""Forgotten passwords: ask for a reset link by e-mail, then choose a new password on
the page the link opens. The answer to a request never says whether the address has
an account."""

from __future__ import annotations

import logging

from fastapi import Form, Request, Response
from pydantic import BaseModel, Field

from paperscope.config import Settings
from paperscope.feeds.password_reset import request_password_reset, user_for_reset_token
from paperscope.store import Store
from paperscope.web.account_recovery import INVALID_LINK, reset_with_token
from paperscope.web.auth import AuthError, now_utc
from paperscope.web.deps import SettingsDep, StoreDep
from paperscope.web.rendering import json_response, render
from paperscope.web.routing import Routes

log = logging.getLogger("paperscope.web")
routes = Routes()
SENT = (
    "If an account uses this address, a link to choose a new password is on its way. "
    "It works once and expires after {minutes} minutes."
)
MAX_EMAIL_LENGTH = 320


class ResetRequest(BaseModel):
    email: str = Field(max_length=MAX_EMAIL_LENGTH, description="The account's e-mail address")


class NewPassword(BaseModel):
    password: str = Field(max_length=1024, description="The new password")


class RecoveryAnswer(BaseModel):
    message: str


def _ask(store: Store, settings: Settings, email: str) -> str:
    queued = request_password_reset(store=store, settings=settings, email=email, now=now_utc())
    log.info("password reset asked: %d mail(s) queued", queued)
    return SENT.format(minutes=int(settings.password_reset_minutes))


@routes.page("/forgot-password")
def forgot_page(request: Request) -> Response:
    return render(request, "accounts/forgot.html", {}, json_model=None)


@routes.page("/forgot-password", methods=["POST"], csrf=True)
def forgot(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    email: str = Form("", max_length=MAX_EMAIL_LENGTH),
) -> Response:
    message = _ask(store, settings, email)
    return render(request, "accounts/forgot.html", {"sent": message}, json_model=None)


@routes.api(
    "/api/v1/password-reset",
    methods=["POST"],
    csrf=True,
    response_model=RecoveryAnswer,
    status_code=202,
    summary="Ask for a password-reset link by e-mail",
    tags=["account"],
)
def api_forgot(body: ResetRequest, store: StoreDep, settings: SettingsDep) -> Response:
    return json_response(RecoveryAnswer(message=_ask(store, settings, body.email)), 202)


@routes.page("/reset-password/{token}")
def reset_page(request: Request, token: str, store: StoreDep, settings: SettingsDep) -> Response:
    valid = user_for_reset_token(store=store, settings=settings, token=token) is not None
    context = {"token": token, "error": None if valid else AuthError(INVALID_LINK)}
    return render(
        request, "accounts/reset.html", context, json_model=None, status_code=200 if valid else 400
    )


@routes.page("/reset-password/{token}", methods=["POST"], csrf=True)
def reset(
    request: Request,
    token: str,
    store: StoreDep,
    settings: SettingsDep,
    password: str = Form(""),
) -> Response:
    try:
        reset_with_token(store=store, settings=settings, token=token, password=password)
    except AuthError as exc:
        context = {"token": token, "error": exc}
        return render(
            request, "accounts/reset.html", context, json_model=None, status_code=exc.status
        )
    return render(request, "accounts/reset.html", {"done": True}, json_model=None)


@routes.api(
    "/api/v1/password-reset/{token}",
    methods=["POST"],
    csrf=True,
    response_model=RecoveryAnswer,
    summary="Choose a new password with a reset link's token",
    tags=["account"],
)
def api_reset(token: str, body: NewPassword, store: StoreDep, settings: SettingsDep) -> Response:
    reset_with_token(store=store, settings=settings, token=token, password=body.password)
    return json_response(RecoveryAnswer(message="Password changed; sign in with it."))
