"""Digests end to end: subscribe, confirm, build, send through a real SMTP server on
loopback, and read what it received."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from feeds_helpers import SmtpSink

from paperscope.config import Settings
from paperscope.feeds import subscriptions as subs
from paperscope.feeds.content import Digest, DigestItem, DigestSection
from paperscope.feeds.digest import mail_links
from paperscope.feeds.mail_render import render_digest
from paperscope.feeds.runner import run_pass
from paperscope.models import Paper
from paperscope.store import Store
from paperscope.store.outbox import count_by_state, list_messages
from paperscope.store.papers import get_papers, upsert_papers
from paperscope.store.subscriptions import get_subscriber, get_subscription


def _html_and_text(received: object) -> tuple[str, str]:
    message = received.message  # type: ignore[attr-defined]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    return html, text


def test_confirmed_subscriber_gets_one_correct_digest(
    any_sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    spec = subs.make_spec(categories=["hep-ph"], trending="day", trending_limit=3)
    subs.subscribe(
        store=any_sample_store,
        settings=mail_settings,
        email="Ada@Example.org",
        spec=spec,
        confirmed=True,
    )
    report = run_pass(store=any_sample_store, settings=mail_settings, force=True)
    assert (report.build.built, report.delivery.sent) == (1, 1)

    [mail] = smtp_sink.to("Ada@example.org")
    message = mail.message
    assert mail.sender == "digest@papers.example.org"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<https://papers\.example\.org/unsubscribe/\S+>", message["List-Unsubscribe"]
    )
    # as sent: one plain line, not RFC 2047 encoded words that mail clients do not decode
    assert re.search(
        rb"\r\nList-Unsubscribe: <https://papers\.example\.org/unsubscribe/\S+>\r\n", mail.raw
    )
    assert message["Message-ID"].endswith("@papers.example.org>")
    html, text = _html_and_text(mail)
    # the first record of the snapshot is hep-ph; its title, authors and links appear
    assert "Calculation of prompt diphoton production cross sections" in text
    assert "C. Balázs" in html and "https://arxiv.org/pdf/0704.0001" in html
    assert "https://papers.example.org/papers/0704.0001" in text
    assert "arXiv: https://arxiv.org/abs/0704.0001" in text  # the plain-text part too
    assert "\n  hep-ph\r\n" in text  # and its categories (lines end in CRLF as sent)
    # what the mail leaves out is one click away, on the category's page
    assert re.search(
        r"\.\.\. and \d+ more: https://papers\.example\.org/categories/hep-ph\r\n", text
    )
    assert 'href="https://papers.example.org/categories/hep-ph"' in html
    assert "Trending today" in html and "New in hep-ph" in html
    assert "/subscriptions/manage/" in text and "/unsubscribe/" in html

    # the period is done: another run sends nothing more
    again = run_pass(store=any_sample_store, settings=mail_settings, force=True)
    assert (again.build.due, again.delivery.sent) == (0, 0)
    assert len(smtp_sink.received) == 1


def test_a_digest_is_dated_on_the_subscribers_own_calendar(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="tokyo@example.org",
        spec=subs.make_spec(categories=["hep-ph"], time_zone="Asia/Tokyo"),
        confirmed=True,
    )
    # the next 23:xx UTC (within a day of the sample's arrival): 08:xx the next day in Tokyo
    now = datetime.now(UTC)
    now += timedelta(hours=(23 - now.hour) % 24)
    tokyo = (now + timedelta(hours=9)).date()
    run_pass(store=sample_store, settings=mail_settings, force=True, now=now)
    [mail] = smtp_sink.to("tokyo@example.org")
    day = f"{tokyo:%A} {tokyo.day} {tokyo:%B %Y}"
    assert mail.message["Subject"].endswith(f"({day})")
    html, text = _html_and_text(mail)
    assert text.startswith(f"paperscope · {day}") and day in html


def test_a_digest_names_its_frequency_in_plain_words(
    sample_store: Store, mail_settings: Settings
) -> None:
    subscription = subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="w@example.org",
        spec=subs.make_spec(categories=["hep-ph"], frequency="weekdays"),
        confirmed=True,
    ).subscription
    [paper] = get_papers(store=sample_store, paper_ids=["0704.0001"])
    digest = Digest(
        subscription,
        "2026-12-07",
        (DigestSection("follow", "New in hep-ph", (DigestItem(paper),)),),
        datetime(2026, 12, 7, 8, tzinfo=UTC),
    )
    message = render_digest(
        settings=mail_settings,
        digest=digest,
        links=mail_links(mail_settings, subscription),
        idempotency_key="digest:1:2026-12-07",
    )
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Your weekday digest" in text and "Your weekday digest" in html
    assert "weekdays digest" not in text + html


def test_an_alert_on_a_query_with_line_breaks_still_renders(
    sample_store: Store, mail_settings: Settings
) -> None:
    subscription = subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="q@example.org",
        spec=subs.make_spec(search="diphoton\r\nBcc: other@example.org"),
        confirmed=True,
    ).subscription
    [paper] = get_papers(store=sample_store, paper_ids=["0704.0001"])
    section = DigestSection("search", "New for “diphoton”", (DigestItem(paper, 0.6),))
    digest = Digest(subscription, "2026-12-07", (section,), datetime(2026, 12, 7, 8, tzinfo=UTC))
    message = render_digest(
        settings=mail_settings,
        digest=digest,
        links=mail_links(mail_settings, subscription),
        idempotency_key="digest:1:2026-12-07",
    )
    assert message["Subject"] == "1 new paper for your alert: diphoton Bcc: other@example.org"
    assert message["Bcc"] is None and b"\r\nBcc:" not in message.as_bytes()


def test_nothing_is_sent_before_the_address_is_confirmed(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    spec = subs.make_spec(categories=["hep-ph"])
    result = subs.subscribe(
        store=sample_store, settings=mail_settings, email="grace@example.org", spec=spec
    )
    assert result.confirmation_queued
    run_pass(store=sample_store, settings=mail_settings, force=True)
    [confirmation] = smtp_sink.to("grace@example.org")
    assert confirmation.message["Subject"] == "Confirm your paperscope subscription"
    _, text = _html_and_text(confirmation)
    token = re.search(r"/subscribe/confirm/(\S+)", text).group(1)  # type: ignore[union-attr]

    assert subs.confirm(store=sample_store, settings=mail_settings, token=token[:-2] + "xx") is None
    confirmed = subs.confirm(store=sample_store, settings=mail_settings, token=token)
    assert confirmed is not None and confirmed.is_confirmed

    run_pass(store=sample_store, settings=mail_settings, force=True)
    mails = smtp_sink.to("grace@example.org")
    assert len(mails) == 2 and "digest" in mails[1].message["Subject"]


def test_unsubscribe_link_stops_only_its_own_subscription(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    a = subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="a@example.org",
        spec=subs.make_spec(categories=["hep-ph"]),
        confirmed=True,
    )
    b = subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="b@example.org",
        spec=subs.make_spec(categories=["hep-ph"]),
        confirmed=True,
    )
    run_pass(store=sample_store, settings=mail_settings, force=True)
    header = smtp_sink.to("a@example.org")[0].message["List-Unsubscribe"]
    token = header.rsplit("/", 1)[1].rstrip(">")

    forged = token.replace(token[5], "A" if token[5] != "A" else "B", 1)
    assert subs.unsubscribe(store=sample_store, settings=mail_settings, token=forged) is None
    done = subs.unsubscribe(store=sample_store, settings=mail_settings, token=token)
    assert done is not None and done.subscription_id == a.subscription.subscription_id
    assert not done.active
    other = get_subscription(store=sample_store, subscription_id=b.subscription.subscription_id)
    assert other is not None and other.active
    # a link signed with another key is refused
    stranger = mail_settings.model_copy(update={"secret_key": "another-key"})
    assert subs.unsubscribe(store=sample_store, settings=stranger, token=token) is None


def test_markup_in_titles_is_escaped(
    store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    upsert_papers(
        store=store,
        papers_in=[
            Paper(
                paper_id="2401.00001",
                arxiv_id="2401.00001",
                title='<script>alert("x")</script> Attention & <b>Bold</b> claims',
                abstract="We show that <img src=x onerror=alert(1)> is harmless.",
                authors=("Eve <eve@example.org>",),
                categories=("cs.LG",),
                primary_category="cs.LG",
            )
        ],
    )
    subs.subscribe(
        store=store,
        settings=mail_settings,
        email="r@example.org",
        spec=subs.make_spec(categories=["cs.LG"]),
        confirmed=True,
    )
    run_pass(store=store, settings=mail_settings, force=True)
    html, text = _html_and_text(smtp_sink.to("r@example.org")[0])
    assert "<script>" not in html and "<img" not in html and "<b>Bold" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html and "Eve &lt;eve@example.org&gt;" in html
    assert '<script>alert("x")</script> Attention & <b>Bold</b> claims' in text


def test_a_digest_with_nothing_new_is_not_sent(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="q@example.org",
        spec=subs.make_spec(categories=["q-bio.NC"]),
        confirmed=True,
    )
    report = run_pass(store=sample_store, settings=mail_settings, force=True)
    assert (report.build.due, report.build.empty, report.build.built) == (1, 1, 0)
    assert smtp_sink.received == []


def test_only_papers_that_arrived_since_the_last_digest_are_sent(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="n@example.org",
        spec=subs.make_spec(categories=["hep-ph"]),
        confirmed=True,
    )
    run_pass(store=sample_store, settings=mail_settings, force=True, now=datetime.now(UTC))
    first = len(smtp_sink.received)
    assert first == 1
    upsert_papers(
        store=sample_store,
        papers_in=[
            Paper(
                paper_id="2402.00002",
                arxiv_id="2402.00002",
                title="A brand new collider study",
                categories=("hep-ph",),
                primary_category="hep-ph",
            )
        ],
    )
    second = run_pass(
        store=sample_store,
        settings=mail_settings,
        force=True,
        now=datetime.now(UTC) + timedelta(days=1),
    )
    assert second.build.built == 1, second
    mails = smtp_sink.to("n@example.org")
    assert len(mails) == first + 1
    _, text = _html_and_text(mails[-1])
    assert "A brand new collider study" in text
    assert text.count("https://papers.example.org/papers/") == 1


def test_permanent_refusals_bounce_and_pause_the_address(
    any_sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    for n in range(3):
        subs.subscribe(
            store=any_sample_store,
            settings=mail_settings,
            email="bounce@example.org",
            spec=subs.make_spec(categories=["hep-ph"], trending="day", trending_limit=n + 1),
            confirmed=True,
        )
    report = run_pass(store=any_sample_store, settings=mail_settings, force=True)
    assert (report.delivery.sent, report.delivery.bounced, report.delivery.paused) == (0, 3, 1)
    subscriber = get_subscriber(store=any_sample_store, email="bounce@example.org")
    assert subscriber is not None and subscriber.state == "paused"
    assert subscriber.bounce_count == 3 and "550" in (subscriber.last_error or "")
    assert count_by_state(store=any_sample_store) == {"bounced": 3}
    assert smtp_sink.received == []


def test_transient_refusals_are_retried_then_given_up(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    settings = mail_settings.model_copy(update={"digest_max_attempts": 3})
    subs.subscribe(
        store=sample_store,
        settings=settings,
        email="later@example.org",
        spec=subs.make_spec(categories=["hep-ph"]),
        confirmed=True,
    )
    first = run_pass(store=sample_store, settings=settings, force=True)
    assert first.delivery.retried == 1
    [pending] = list_messages(store=sample_store, state="pending")
    assert pending.attempts == 1 and "451" in (pending.last_error or "")
    run_pass(store=sample_store, settings=settings)  # retry_seconds=0: due again at once
    last = run_pass(store=sample_store, settings=settings)
    assert last.delivery.bounced == 1
    [failed] = list_messages(store=sample_store, state="failed")
    assert failed.attempts == 3


def test_an_unreachable_server_keeps_the_mail_for_later(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    down = mail_settings.model_copy(update={"smtp_port": closed_port})
    subs.subscribe(
        store=sample_store,
        settings=down,
        email="x@example.org",
        spec=subs.make_spec(categories=["hep-ph"]),
        confirmed=True,
    )
    report = run_pass(store=sample_store, settings=down, force=True)
    assert report.delivery.stopped and "cannot reach SMTP server" in report.delivery.stopped
    [pending] = list_messages(store=sample_store, state="pending")
    assert pending.attempts == 1
    subscriber = get_subscriber(store=sample_store, email="x@example.org")
    assert subscriber is not None and subscriber.bounce_count == 0  # not the address's fault
    # once the server is back the same message goes out
    later = run_pass(store=sample_store, settings=mail_settings)
    assert later.delivery.sent == 1
    assert smtp_sink.to("x@example.org")[0].message["Message-ID"] == pending.message_id


def test_strangers_cannot_add_subscriptions_to_a_proven_address(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    own = subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="v@example.org",
        spec=subs.make_spec(categories=["hep-ph"]),
        confirmed=True,
    )
    # someone else types the same address into the public form
    stranger = subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="v@example.org",
        spec=subs.make_spec(trending="week"),
    )
    assert stranger.subscription.confirmed_at is None and stranger.confirmation_queued
    run_pass(store=sample_store, settings=mail_settings, force=True)
    mails = smtp_sink.to("v@example.org")
    subjects = sorted(m.message["Subject"] for m in mails)
    assert len(mails) == 2 and subjects[0].startswith("Confirm")  # the digest + a question
    digest = next(m for m in mails if "digest" in m.message["Subject"])
    _, text = _html_and_text(digest)
    assert "Trending" not in text  # only what the owner subscribed to

    # after "unsubscribe from everything", a re-subscription revives nothing old
    from paperscope.store.subscriptions import set_subscriber_state

    set_subscriber_state(
        store=sample_store,
        subscriber_id=own.subscriber.subscriber_id,
        state="unsubscribed",
        now=datetime.now(UTC),
    )
    subs.subscribe(
        store=sample_store,
        settings=mail_settings,
        email="v@example.org",
        spec=subs.make_spec(categories=["hep-ph"]),
    )
    later = run_pass(
        store=sample_store,
        settings=mail_settings,
        force=True,
        now=datetime.now(UTC) + timedelta(days=1),
    )
    assert later.build.due == 0
    old = get_subscription(store=sample_store, subscription_id=own.subscription.subscription_id)
    assert old is not None and not old.active


def test_a_confirmed_address_belongs_to_the_account_that_proved_it(
    store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    from paperscope.feeds.signing import LinkClaim, make_token
    from paperscope.store.accounts import create_user

    now = datetime.now(UTC)
    owner = create_user(store=store, username="owner", email=None, password_hash=None, now=now)
    other = create_user(store=store, username="other", email=None, password_hash=None, now=now)
    first = subs.subscribe(
        store=store,
        settings=mail_settings,
        email="me@example.org",
        spec=subs.make_spec(trending="day"),
        user_id=owner.user_id,
    )
    assert first.subscription.confirmed_at is None
    token = make_token(
        mail_settings,
        "confirm",
        LinkClaim(
            first.subscriber.subscriber_id, "me@example.org", first.subscription.subscription_id
        ),
    )
    confirmed = subs.confirm(store=store, settings=mail_settings, token=token)
    assert confirmed is not None and confirmed.user_id == owner.user_id
    # the owner, signed in, adds more without another round trip; nobody else can
    again = subs.subscribe(
        store=store,
        settings=mail_settings,
        email="me@example.org",
        spec=subs.make_spec(trending="week"),
        user_id=owner.user_id,
    )
    assert again.subscription.confirmed_at is not None
    foreign = subs.subscribe(
        store=store,
        settings=mail_settings,
        email="me@example.org",
        spec=subs.make_spec(trending="week"),
        user_id=other.user_id,
    )
    assert foreign.subscription.confirmed_at is None


def test_trending_narrowed_to_a_category_sends_only_its_papers(
    any_sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    """The fixture's first 20 papers trend in snapshot order (0704.0001 hep-ph first);
    the math archive's are 0704.0002, 0704.0004 and 0704.0005 among them."""
    for email, category in (("whole@example.org", None), ("math@example.org", "MATH")):
        spec = subs.make_spec(trending="day", trending_limit=3, trending_category=category)
        subs.subscribe(
            store=any_sample_store, settings=mail_settings, email=email, spec=spec, confirmed=True
        )
    report = run_pass(store=any_sample_store, settings=mail_settings, force=True)
    assert (report.build.built, report.delivery.sent) == (2, 2)

    def listed(email: str) -> tuple[str, list[str]]:
        [mail] = smtp_sink.to(email)
        html, text = _html_and_text(mail)
        return html, re.findall(r"https://papers\.example\.org/papers/([\d.]+)\r\n", text)

    html, papers = listed("math@example.org")
    assert papers == ["0704.0002", "0704.0004", "0704.0005"]
    assert "Trending in math today" in html
    assert 'href="https://papers.example.org/trending?window=day&amp;category=math"' in html
    html, papers = listed("whole@example.org")
    assert papers == ["0704.0001", "0704.0002", "0704.0003"]
    assert "Trending today" in html


def test_a_trending_category_is_checked_like_the_others(
    sample_store: Store, mail_settings: Settings
) -> None:
    assert subs.make_spec(trending="week", trending_category=" CS.lg ").trending_category == (
        "cs.LG"
    )
    assert subs.make_spec(trending="day", trending_category="  ").trending_category is None
    with pytest.raises(subs.InvalidSubscription, match=r"trending in cs\.LG: choose the top"):
        subs.make_spec(search="graphs", trending_category="cs.LG")
    with pytest.raises(subs.InvalidSubscription, match="longer than 32 characters"):
        subs.make_spec(trending="day", trending_category="x" * 33)
    spec = subs.make_spec(trending="day", trending_category="zz.ZZ")
    with pytest.raises(subs.InvalidSubscription, match=r"'zz\.ZZ'.*not an arXiv category"):
        subs.subscribe(store=sample_store, settings=mail_settings, email="a@example.org", spec=spec)
    assert subs.describe(subs.make_spec(trending="week", trending_category="hep-th")) == (
        "a digest of trending papers of the week in hep-th, every day at 08:00 UTC"
    )
