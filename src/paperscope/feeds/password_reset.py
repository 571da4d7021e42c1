"""Password reset by e-mail: a signed link that expires (password_reset_minutes) and
works once, since it carries a fingerprint of the password hash it was made for and
a new password changes the hash. The mail goes through the outbox like every mail;
nothing tells the requester whether the address has an account."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from paperscope.config import Settings
from paperscope.feeds.mail_queue import queue_mail
from paperscope.feeds.mail_render import render_password_reset, site_url
from paperscope.feeds.signing import signing_key
from paperscope.models import User
from paperscope.store import Store
from paperscope.store.account_recovery import user_with_hash, users_with_email
from paperscope.store.outbox import count_messages
from paperscope.store.subscriptions import ensure_subscriber

RESET_KIND = "password_reset"
_SALT = "paperscope.accounts.password-reset"
# At most this many reset mails per address per hour: the form cannot flood a mailbox.
MAX_RESET_MAILS = 3
RESET_MAIL_WINDOW = timedelta(hours=1)


def _fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:24]


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_key(settings), salt=_SALT)


def make_reset_token(settings: Settings, user_id: int, password_hash: str | None) -> str:
    return _serializer(settings).dumps([user_id, _fingerprint(password_hash)])


def user_for_reset_token(*, store: Store, settings: Settings, token: str) -> User | None:
    """The account a valid, unexpired, unused link was made for; None otherwise."""
    try:
        payload = _serializer(settings).loads(
            token, max_age=int(settings.password_reset_minutes * 60)
        )
    except (SignatureExpired, BadSignature):
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return None
    found = user_with_hash(store=store, user_id=payload[0])
    if found is None or _fingerprint(found[1]) != payload[1]:
        return None  # the password changed since: the link was used (or is stale)
    return found[0]


def request_password_reset(*, store: Store, settings: Settings, email: str, now: datetime) -> int:
    """Queue a reset mail to each account with this address; returns how many were
    queued (for logs and tests only: the page says the same whatever the count)."""
    queued = 0
    for user, password_hash in users_with_email(store=store, email=email):
        if not user.email:
            continue
        subscriber = ensure_subscriber(store=store, email=user.email.strip(), now=now)
        recent = count_messages(
            store=store,
            subscriber_id=subscriber.subscriber_id,
            kind=RESET_KIND,
            since=now - RESET_MAIL_WINDOW,
        )
        if recent >= MAX_RESET_MAILS:
            continue
        token = make_reset_token(settings, user.user_id, password_hash)
        key = f"{RESET_KIND}:{user.user_id}:{now.timestamp():.6f}"
        mail = render_password_reset(
            settings=settings,
            email=user.email,
            username=user.username,
            reset_url=site_url(settings, f"/reset-password/{token}"),
            minutes=int(settings.password_reset_minutes),
            idempotency_key=key,
            sent=now,
        )
        queued += queue_mail(
            store=store,
            mail=mail,
            key=key,
            kind=RESET_KIND,
            subscriber_id=subscriber.subscriber_id,
            recipient=user.email,
            now=now,
        )
    return queued
