"""Reply mails: queued through the outbox only for accounts that asked, delivered to a
real SMTP server on loopback, never to an address that left, and stopped by the
one-click unsubscribe link they carry."""

from __future__ import annotations

from datetime import UTC, datetime

from feeds_helpers import SmtpSink

from paperscope.config import Settings
from paperscope.feeds.outbox import deliver_pending
from paperscope.feeds.reply_mail import (
    confirm_reply_mail,
    enable_reply_mail,
    queue_reply_mail,
    unsubscribe_from_replies,
)
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.accounts import create_user, get_user
from paperscope.store.discussions import (
    BodyLimits,
    Comment,
    post_comment,
    reply_mail_enabled,
    set_reply_mail,
)
from paperscope.store.papers import get_paper, upsert_papers
from paperscope.store.subscriptions import ensure_subscriber, set_subscriber_state

LIMITS = BodyLimits(max_chars=1000, per_hour=100)
PAPER = "hep-th/9901001"


def _setup(store: Store) -> tuple[int, int, Paper]:
    upsert_papers(
        store=store, papers_in=[Paper(paper_id=PAPER, title="Old  strings", source="text")]
    )
    now = datetime.now(UTC)
    ann = create_user(
        store=store, username="ann", email="ann@example.org", password_hash=None, now=now
    )
    ben = create_user(
        store=store, username="ben", email="ben@example.org", password_hash=None, now=now
    )
    paper = get_paper(store=store, paper_id=PAPER)
    assert paper is not None
    return ann.user_id, ben.user_id, paper


def _say(store: Store, user: int, body: str, parent: int | None = None) -> Comment:
    return post_comment(
        store=store,
        paper_id=PAPER,
        user_id=user,
        body=body,
        parent_id=parent,
        limits=LIMITS,
        now=datetime.now(UTC),
    )


def test_reply_mail_is_opt_in_and_delivered(
    store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    ann, ben, paper = _setup(store)
    top = _say(store, ann, "A question")
    first = _say(store, ben, "An answer", parent=top.comment_id)
    assert not queue_reply_mail(store=store, settings=mail_settings, reply=first, paper=paper)

    # turning it on first proves the address, as subscriptions do
    account = get_user(store=store, user_id=ann)
    assert account is not None
    now = datetime.now(UTC)
    assert enable_reply_mail(store=store, settings=mail_settings, user=account, now=now) == (
        "confirm_sent"
    )
    assert enable_reply_mail(store=store, settings=mail_settings, user=account, now=now) == (
        "confirm_sent"
    )  # the same day's link is not sent twice
    unproven = _say(store, ben, "Too early", parent=top.comment_id)
    assert not queue_reply_mail(store=store, settings=mail_settings, reply=unproven, paper=paper)
    assert deliver_pending(store=store, settings=mail_settings).sent == 1
    (confirmation,) = smtp_sink.to("ann@example.org")
    link = next(
        w for w in confirmation.message.get_content().split() if "/discussions/confirm/" in w
    )
    token = link.rsplit("/", 1)[1]
    assert not confirm_reply_mail(store=store, settings=mail_settings, token=token[:-2])
    assert confirm_reply_mail(store=store, settings=mail_settings, token=token)
    assert enable_reply_mail(store=store, settings=mail_settings, user=account, now=now) == "on"

    second = _say(store, ben, "Another answer with *emphasis*", parent=top.comment_id)
    assert queue_reply_mail(store=store, settings=mail_settings, reply=second, paper=paper)
    assert not queue_reply_mail(store=store, settings=mail_settings, reply=second, paper=paper)
    own = _say(store, ann, "Replying to myself", parent=top.comment_id)
    assert not queue_reply_mail(store=store, settings=mail_settings, reply=own, paper=paper)

    report = deliver_pending(store=store, settings=mail_settings)
    assert report.sent == 1
    received = smtp_sink.to("ann@example.org")[-1]
    message = received.message
    assert message["Subject"] == "ben replied to you on “Old strings”"
    text = message.get_content()
    assert "Another answer with *emphasis*" in text
    # The comment wherever its thread is by then (/comments/N redirects to its page).
    assert f"https://papers.example.org/comments/{second.comment_id}" in text
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe.rsplit("/", 1)[1]
    assert not unsubscribe_from_replies(store=store, settings=mail_settings, token=token + "x")
    assert unsubscribe_from_replies(store=store, settings=mail_settings, token=token)
    assert not reply_mail_enabled(store=store, user_id=ann)


def test_an_address_that_left_gets_nothing(store: Store, mail_settings: Settings) -> None:
    ann, ben, paper = _setup(store)
    set_reply_mail(store=store, user_id=ann, enabled=True)
    subscriber = ensure_subscriber(
        store=store, email="ann@example.org", now=datetime.now(UTC), confirmed=True
    )
    set_subscriber_state(
        store=store,
        subscriber_id=subscriber.subscriber_id,
        state="unsubscribed",
        now=datetime.now(UTC),
    )
    top = _say(store, ann, "Hello")
    reply = _say(store, ben, "Hi", parent=top.comment_id)
    assert not queue_reply_mail(store=store, settings=mail_settings, reply=reply, paper=paper)
