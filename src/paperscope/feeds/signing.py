"""Signed links in mails: confirm, unsubscribe, manage preferences.

A token names one subscriber (and, for unsubscribe, one subscription) and the address
it was sent to; it is signed with the site's secret key, so nobody can forge a link to
someone else's subscription. Unsubscribe and manage links do not expire (RFC 8058 asks
that unsubscribe links keep working); confirmation links do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from paperscope.config import Settings

CONFIRM_MAX_AGE_SECONDS = 14 * 24 * 3600
# Only ever used with dev_mode on; Settings users outside dev mode must set a key.
_DEV_KEY = "paperscope-dev-only-key"


class SigningKeyMissing(Exception):
    """No secret key configured outside development mode."""


@dataclass(frozen=True, slots=True)
class LinkClaim:
    subscriber_id: int
    email: str
    subscription_id: int | None = None


def signing_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    if settings.dev_mode:
        return _DEV_KEY
    raise SigningKeyMissing(
        "PAPERSCOPE_SECRET_KEY is not set: mail links cannot be signed. Set it to a long "
        "random string (python -c 'import secrets; print(secrets.token_urlsafe(32))')."
    )


def _payload(claim: LinkClaim) -> list[Any]:
    return [claim.subscriber_id, claim.email, claim.subscription_id]


def _claim(payload: Any) -> LinkClaim | None:
    if not (isinstance(payload, list) and len(payload) == 3):
        return None
    subscriber_id, email, subscription_id = payload
    if not isinstance(subscriber_id, int) or not isinstance(email, str):
        return None
    if subscription_id is not None and not isinstance(subscription_id, int):
        return None
    return LinkClaim(subscriber_id, email, subscription_id)


def make_token(settings: Settings, purpose: str, claim: LinkClaim) -> str:
    """A URL-safe token for ``purpose`` (confirm | unsubscribe | manage)."""
    salt = f"paperscope.feeds.{purpose}"
    if purpose == "confirm":
        return URLSafeTimedSerializer(signing_key(settings), salt=salt).dumps(_payload(claim))
    return URLSafeSerializer(signing_key(settings), salt=salt).dumps(_payload(claim))


def read_token(settings: Settings, purpose: str, token: str) -> LinkClaim | None:
    """The claim in a valid token, or None for a forged, altered or expired one."""
    salt = f"paperscope.feeds.{purpose}"
    try:
        if purpose == "confirm":
            timed = URLSafeTimedSerializer(signing_key(settings), salt=salt)
            payload = timed.loads(token, max_age=CONFIRM_MAX_AGE_SECONDS)
        else:
            payload = URLSafeSerializer(signing_key(settings), salt=salt).loads(token)
    except (SignatureExpired, BadSignature):
        return None
    return _claim(payload)
