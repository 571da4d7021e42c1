"""Proving an account's e-mail address: a signed, expiring link goes out through the
mail outbox (as a confirmation mail, so the usual flood guard and retries apply), and
following it sets users.email_verified_at. Claims use the proven domain."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from paperscope.config import Settings
from paperscope.feeds.mail_queue import queue_mail
from paperscope.feeds.mail_render import render_email_verification, site_url
from paperscope.feeds.signing import signing_key
from paperscope.feeds.subscriptions import normalise_email
from paperscope.models import User
from paperscope.store import Store
from paperscope.store.email_verification import mark_email_verified
from paperscope.store.outbox import count_messages
from paperscope.store.subscriptions import ensure_subscriber

VERIFY_MAX_AGE = timedelta(days=2)
MAX_MAILS_PER_DAY = 5  # a button pressed in a loop must not flood the address
_SALT = "paperscope.people.verify-email"


class VerificationRefused(ValueError):
    """No mail can be sent; the message says why."""


def make_verify_token(settings: Settings, user_id: int, email: str) -> str:
    return URLSafeTimedSerializer(signing_key(settings), salt=_SALT).dumps([user_id, email])


def read_verify_token(settings: Settings, token: str) -> tuple[int, str] | None:
    """(user id, address) of a valid link, None for a forged, altered or expired one."""
    serializer = URLSafeTimedSerializer(signing_key(settings), salt=_SALT)
    try:
        payload = serializer.loads(token, max_age=int(VERIFY_MAX_AGE.total_seconds()))
    except (SignatureExpired, BadSignature):
        return None
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    user_id, email = payload
    if not isinstance(user_id, int) or not isinstance(email, str):
        return None
    return user_id, email


def send_verification(*, store: Store, settings: Settings, user: User, now: datetime) -> bool:
    """Queue the verification mail to the account's address; False when the address
    already got MAX_MAILS_PER_DAY of them in the last day."""
    if not user.email:
        raise VerificationRefused("Your account has no e-mail address to confirm.")
    address = normalise_email(user.email)
    # The outbox addresses subscribers: the address gets an (unconfirmed) one, which
    # receives nothing but confirmation mails until it subscribes to something.
    subscriber = ensure_subscriber(store=store, email=address, now=now)
    recent = count_messages(
        store=store,
        subscriber_id=subscriber.subscriber_id,
        kind="confirm",
        since=now - timedelta(days=1),
    )
    if recent >= MAX_MAILS_PER_DAY:
        return False
    token = make_verify_token(settings, user.user_id, user.email)
    # The address's subscriber is in the key: a new address must get its own link even
    # in the second the old one got one.
    key = f"verify-email:{user.user_id}:{subscriber.subscriber_id}:{int(now.timestamp())}"
    mail = render_email_verification(
        settings=settings,
        email=address,
        username=user.username,
        verify_url=site_url(settings, f"/account/verify-email/{token}"),
        valid_days=VERIFY_MAX_AGE.days,
        idempotency_key=key,
        sent=now,
    )
    # False only when this second's mail is queued already (a double click): a link
    # is on its way either way, so that is no refusal.
    queue_mail(
        store=store,
        mail=mail,
        key=key,
        kind="confirm",
        subscriber_id=subscriber.subscriber_id,
        recipient=address,
        now=now,
    )
    return True


def verify_email(*, store: Store, settings: Settings, token: str, now: datetime) -> int | None:
    """Prove the address a link names; the account's id, or None for a bad link or an
    account whose address has changed since."""
    found = read_verify_token(settings, token)
    if found is None:
        return None
    user_id, email = found
    return (
        user_id if mark_email_verified(store=store, user_id=user_id, email=email, now=now) else None
    )
