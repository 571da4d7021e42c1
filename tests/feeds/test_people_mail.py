"""Mail of the people features through a real SMTP server on loopback: the e-mail
verification link, and followed authors and accounts in a personal digest."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from feeds_helpers import SmtpSink

from paperscope.config import Settings
from paperscope.feeds import subscriptions as subs
from paperscope.feeds.runner import run_pass
from paperscope.people.email_verification import send_verification, verify_email
from paperscope.store import Store
from paperscope.store.accounts import create_user, get_user
from paperscope.store.email_verification import verified_email
from paperscope.store.follows import follow, target_of
from paperscope.store.outbox import count_messages
from paperscope.store.submissions import add_submission
from paperscope.store.subscriptions import get_subscriber


def _text(received: object) -> str:
    message = received.message  # type: ignore[attr-defined]
    return str(message.get_body(("plain",)).get_content())


def test_verification_link_goes_out_and_proves_the_address(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    now = datetime.now(UTC)
    user = create_user(
        store=sample_store, username="ada", email="ada@lab.example.org", password_hash=None, now=now
    )
    assert send_verification(store=sample_store, settings=mail_settings, user=user, now=now)
    run_pass(store=sample_store, settings=mail_settings, force=True)
    [mail] = smtp_sink.to("ada@lab.example.org")
    assert mail.message["Subject"] == "Confirm your e-mail address on paperscope"
    found = re.search(r"https://papers\.example\.org/account/verify-email/(\S+)", _text(mail))
    assert found is not None
    token = found.group(1)
    # Altered or expired links prove nothing.
    assert (
        verify_email(store=sample_store, settings=mail_settings, token=token[:-2] + "xx", now=now)
        is None
    )
    assert verified_email(store=sample_store, user_id=user.user_id) is None
    assert verify_email(store=sample_store, settings=mail_settings, token=token, now=now) == (
        user.user_id
    )
    assert verified_email(store=sample_store, user_id=user.user_id) == ("ada@lab.example.org", now)
    # The flood guard: five a day.
    account = get_user(store=sample_store, user_id=user.user_id)
    assert account is not None
    sent = [
        send_verification(
            store=sample_store, settings=mail_settings, user=account, now=now + timedelta(seconds=i)
        )
        for i in range(1, 7)
    ]
    assert sent == [True, True, True, True, False, False]


def test_a_double_click_is_no_refusal(sample_store: Store, mail_settings: Settings) -> None:
    now = datetime.now(UTC)
    user = create_user(
        store=sample_store, username="eve", email="eve@example.org", password_hash=None, now=now
    )
    twice = [
        send_verification(store=sample_store, settings=mail_settings, user=user, now=now)
        for _ in range(2)
    ]
    assert twice == [True, True]
    subscriber = get_subscriber(store=sample_store, email="eve@example.org")
    assert subscriber is not None
    one_mail = count_messages(
        store=sample_store,
        subscriber_id=subscriber.subscriber_id,
        kind="confirm",
        since=now - timedelta(days=1),
    )
    assert one_mail == 1


def test_followed_author_and_account_appear_in_the_digest(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    now = datetime.now(UTC)
    reader = create_user(
        store=sample_store,
        username="reader",
        email="reader@example.org",
        password_hash=None,
        now=now,
    )
    bob = create_user(store=sample_store, username="bob", email=None, password_hash=None, now=now)
    follow(
        store=sample_store,
        user_id=reader.user_id,
        kind="author",
        target=target_of("author", "C. Balázs"),
        label="C. Balázs",
        now=now,
    )
    follow(
        store=sample_store,
        user_id=reader.user_id,
        kind="user",
        target=target_of("user", bob.user_id),
        label="bob",
        now=now,
    )
    add_submission(
        store=sample_store,
        user_id=bob.user_id,
        paper_id="0704.0002",
        feed_date=now.date(),
        now=now,
        daily_cap=10,
    )
    spec = subs.make_spec(recommendations=True)
    subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="reader@example.org",
        spec=spec,
        user_id=reader.user_id,
        confirmed=True,
    )
    report = run_pass(
        store=sample_store, settings=mail_settings, force=True, now=now + timedelta(minutes=1)
    )
    assert report.delivery.sent == 1, report
    [mail] = smtp_sink.to("reader@example.org")
    text = _text(mail)
    assert "Because you follow C. Balázs" in text
    assert "Calculation of prompt diphoton production cross sections" in text
    assert "Because you follow bob" in text
    assert "https://papers.example.org/papers/0704.0002" in text
