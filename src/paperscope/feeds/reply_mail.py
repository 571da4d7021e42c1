"""Mail to a comment's author when someone replies, through the outbox.

Opt-in: only accounts that turned "mail me replies" on in their settings get one, at
the address of their account. The outbox's rules hold: nothing goes to an address
that has not been proven (turning the setting on mails a confirmation link first, as
subscriptions do), nor to one that unsubscribed or is paused after bounces; each reply
is queued at most once (its idempotency key), and every mail carries a one-click
unsubscribe link (RFC 8058) that turns the setting off."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from paperscope.config import Settings
from paperscope.feeds.mail_queue import queue_mail
from paperscope.feeds.mail_render import mail_domain, message_id_for, site_url
from paperscope.feeds.signing import signing_key
from paperscope.models import Paper, User
from paperscope.site_paths import comment_link
from paperscope.store import Store
from paperscope.store.accounts import get_user
from paperscope.store.discussions import Comment, get_comment, reply_mail_enabled, set_reply_mail
from paperscope.store.subscriptions import Subscriber, ensure_subscriber, get_subscriber

log = logging.getLogger(__name__)
_SALT = "paperscope.discussions.unsubscribe"
_CONFIRM_SALT = "paperscope.discussions.confirm"
CONFIRM_MAX_AGE_SECONDS = 14 * 24 * 3600
EXCERPT_CHARS = 600


def unsubscribe_token(settings: Settings, user_id: int, email: str) -> str:
    return str(URLSafeSerializer(signing_key(settings), salt=_SALT).dumps([user_id, email]))


def unsubscribe_from_replies(*, store: Store, settings: Settings, token: str) -> bool:
    """Follow a reply mail's unsubscribe link: the account's reply mails stop. False for
    a forged or altered link, or one sent to an address the account no longer has."""
    try:
        payload = URLSafeSerializer(signing_key(settings), salt=_SALT).loads(token)
    except BadSignature:
        return False
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return False
    user = get_user(store=store, user_id=payload[0])
    if user is None or user.email != payload[1]:
        return False
    set_reply_mail(store=store, user_id=user.user_id, enabled=False)
    return True


def confirmed_subscriber(*, store: Store, email: str | None) -> Subscriber | None:
    """The subscriber of ``email`` if mail may go there: proven, and neither
    unsubscribed nor paused after bounces."""
    if not email:
        return None
    found = get_subscriber(store=store, email=email)
    if found is None or found.confirmed_at is None or found.state != "active":
        return None
    return found


def address_confirmed(*, store: Store, email: str | None) -> bool:
    """Whether mail may go to ``email`` (see confirmed_subscriber)."""
    return confirmed_subscriber(store=store, email=email) is not None


def enable_reply_mail(*, store: Store, settings: Settings, user: User, now: datetime) -> str:
    """Turn reply mails on. Returns ``on`` when mail can flow at once, ``confirm_sent``
    when the address first gets a confirmation link (at most one a day), or
    ``no_email`` when the account has no address."""
    set_reply_mail(store=store, user_id=user.user_id, enabled=True)
    if not user.email:
        return "no_email"
    if address_confirmed(store=store, email=user.email):
        return "on"
    subscriber = ensure_subscriber(store=store, email=user.email, now=now)
    key = f"confirm-replies:{subscriber.subscriber_id}:{now:%Y-%m-%d}"
    token = URLSafeTimedSerializer(signing_key(settings), salt=_CONFIRM_SALT).dumps(
        [user.user_id, user.email]
    )
    link = site_url(settings, f"/discussions/confirm/{token}")
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.smtp_sender
    message["To"] = user.email
    message["Subject"] = "Confirm reply mails from paperscope"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id_for(settings, key)
    message.set_content(
        f"Someone (hopefully you, as {user.username}) asked paperscope to mail this address "
        f"when someone replies to their comments.\n\nConfirm: {link}\n\n"
        "If it was not you, ignore this mail: nothing else will be sent.\n",
        cte="quoted-printable",
    )
    queue_mail(
        store=store,
        mail=message,
        key=key,
        kind="confirm",
        subscriber_id=subscriber.subscriber_id,
        recipient=user.email,
        now=now,
    )
    return "confirm_sent"


def confirm_reply_mail(*, store: Store, settings: Settings, token: str) -> bool:
    """Follow the confirmation link: the address is proven and linked to the account.
    False for a forged, altered or expired link, or an address the account left."""
    serializer = URLSafeTimedSerializer(signing_key(settings), salt=_CONFIRM_SALT)
    try:
        payload = serializer.loads(token, max_age=CONFIRM_MAX_AGE_SECONDS)
    except (SignatureExpired, BadSignature):
        return False
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        return False
    user = get_user(store=store, user_id=payload[0])
    if user is None or not user.email or user.email != payload[1]:
        return False
    ensure_subscriber(
        store=store, email=user.email, now=datetime.now(UTC), user_id=user.user_id, confirmed=True
    )
    return True


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + " …"


def reply_message(
    *, settings: Settings, to: str, reply: Comment, paper: Paper, key: str, unsubscribe: str
) -> EmailMessage:
    link = site_url(settings, comment_link(reply.comment_id))
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.smtp_sender
    message["To"] = to
    message["Subject"] = (
        f"{reply.username} replied to you on “{' '.join(paper.title.split())[:120]}”"
    )
    message["Date"] = format_datetime(reply.created_at)
    message["Message-ID"] = message_id_for(settings, key)
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["List-Id"] = f"paperscope replies <replies.{mail_domain(settings)}>"
    text = (
        f"{reply.username} replied to your comment on {' '.join(paper.title.split())}:\n\n"
        f"{_excerpt(reply.body)}\n\nRead and answer: {link}\n\n"
        f"You get this because you asked to be mailed replies. Stop: {unsubscribe}\n"
    )
    message.set_content(text, cte="quoted-printable")
    return message


def queue_reply_mail(*, store: Store, settings: Settings, reply: Comment, paper: Paper) -> bool:
    """Queue the mail for ``reply`` to its parent's author, if they want it; True when
    a message was added to the outbox. Never raises: a reply is posted whatever
    happens to its mail."""
    try:
        return _queue(store, settings, reply, paper)
    except Exception:  # the comment is saved; a mail problem must not surface as an error
        log.exception("could not queue the reply mail for comment %s", reply.comment_id)
        return False


def _queue(store: Store, settings: Settings, reply: Comment, paper: Paper) -> bool:
    if reply.parent_id is None:
        return False
    parent = get_comment(store=store, comment_id=reply.parent_id)
    if parent is None or parent.user_id == reply.user_id:
        return False
    if not reply_mail_enabled(store=store, user_id=parent.user_id):
        return False
    account = get_user(store=store, user_id=parent.user_id)
    if account is None or not account.email:
        return False
    subscriber = confirmed_subscriber(store=store, email=account.email)
    if subscriber is None:
        return False  # not proven yet, unsubscribed from all mail, or paused after bounces
    key = f"reply:{reply.comment_id}"
    unsubscribe = site_url(
        settings,
        f"/discussions/unsubscribe/{unsubscribe_token(settings, account.user_id, account.email)}",
    )
    message = reply_message(
        settings=settings,
        to=account.email,
        reply=reply,
        paper=paper,
        key=key,
        unsubscribe=unsubscribe,
    )
    return queue_mail(
        store=store,
        mail=message,
        key=key,
        kind="reply",
        subscriber_id=subscriber.subscriber_id,
        recipient=account.email,
        now=datetime.now(UTC),
    )
