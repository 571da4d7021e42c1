"""Mail to a comment's author when someone replies, through the outbox.

Opt-in: only accounts that turned "mail me replies" on in their settings get one, at
the address of their account. The outbox's rules hold: an address that unsubscribed
or is paused after bounces gets nothing, each reply is queued at most once (its
idempotency key), and every mail carries a one-click unsubscribe link (RFC 8058) that
turns the setting off."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from itsdangerous import BadSignature, URLSafeSerializer

from paperscope.config import Settings
from paperscope.feeds.mail_render import mail_domain, message_id_for, site_url
from paperscope.feeds.signing import signing_key
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import get_user
from paperscope.store.discussions import Comment, get_comment, reply_mail_enabled, set_reply_mail
from paperscope.store.outbox import NewMessage, enqueue_message
from paperscope.store.subscriptions import ensure_subscriber

log = logging.getLogger(__name__)
_SALT = "paperscope.discussions.unsubscribe"
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


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + " …"


def reply_message(
    *, settings: Settings, to: str, reply: Comment, paper: Paper, key: str, unsubscribe: str
) -> EmailMessage:
    link = site_url(settings, f"/papers/{paper.paper_id}#comment-{reply.comment_id}")
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
    subscriber = ensure_subscriber(store=store, email=account.email, now=datetime.now(UTC))
    if subscriber.state != "active":  # unsubscribed from all mail, or paused after bounces
        return False
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
    return enqueue_message(
        store=store,
        message=NewMessage(
            idempotency_key=key,
            kind="reply",
            subscriber_id=subscriber.subscriber_id,
            subscription_id=None,
            recipient=account.email,
            message_id=str(message["Message-ID"]),
            body=message.as_bytes(),
        ),
        now=datetime.now(UTC),
    )
