"""Subscribing on the web: the form, double opt-in through the mail actually sent,
one-click unsubscribe (RFC 8058 POST) and the signed manage-preferences page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from feeds_helpers import SmtpSink

from paperscope.config import Settings
from paperscope.feeds.runner import run_pass
from paperscope.feeds.subscriptions import make_spec, subscribe
from paperscope.store import Store
from paperscope.store.subscriptions import get_subscriber, list_subscriptions
from paperscope.web.app import create_app


@pytest.fixture
def web(sample_store: Store, mail_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(mail_settings, store=sample_store)) as client:
        yield client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found
    return found.group(1)


def _subscribe(web: TestClient, email: str) -> None:
    form = web.get("/subscribe?category=hep-ph")
    assert form.status_code == 200 and 'value="hep-ph"' in form.text
    r = web.post(
        "/subscribe",
        data={
            "csrf_token": _csrf(form.text),
            "email": email,
            "categories": "hep-ph",
            "trending": "day",
            "frequency": "daily",
            "send_time": "07:30",
            "time_zone": "Europe/Paris",
        },
    )
    assert r.status_code == 200 and "Check your inbox" in r.text


def test_double_opt_in_digest_and_one_click_unsubscribe(
    web: TestClient, sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    _subscribe(web, "web.reader@example.org")
    run_pass(store=sample_store, settings=mail_settings, force=True)
    [confirmation] = smtp_sink.to("web.reader@example.org")  # only the confirmation
    text = confirmation.message.get_body(("plain",)).get_content()
    link = re.search(r"https://papers\.example\.org(/subscribe/confirm/\S+)", text).group(1)  # type: ignore[union-attr]
    assert web.get(link).status_code == 200
    assert web.get(link[:-3] + "abc").status_code == 400

    run_pass(store=sample_store, settings=mail_settings, force=True)
    digest = smtp_sink.to("web.reader@example.org")[-1].message
    unsubscribe = digest["List-Unsubscribe"].strip("<>").removeprefix("https://papers.example.org")
    page = web.get(unsubscribe)
    assert page.status_code == 200 and "Unsubscribe?" in page.text
    [sub] = list_subscriptions(store=sample_store, email="web.reader@example.org")
    assert sub.active and sub.spec.time_zone == "Europe/Paris" and sub.spec.send_hour == 7
    # what a mail provider sends for RFC 8058: no cookie, no CSRF token
    fresh = TestClient(web.app)
    r = fresh.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and "Unsubscribed" in r.text
    [sub] = list_subscriptions(store=sample_store, email="web.reader@example.org")
    assert not sub.active


def test_manage_page_is_only_reachable_with_a_signed_link(
    web: TestClient, sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    from paperscope.feeds.subscriptions import make_spec, manage_url, subscribe

    result = subscribe(
        store=sample_store,
        settings=mail_settings,
        email="m@example.org",
        spec=make_spec(trending="week"),
        confirmed=True,
    )
    path = manage_url(mail_settings, result.subscriber).removeprefix("https://papers.example.org")
    page = web.get(path)
    assert page.status_code == 200 and "m@example.org" in page.text
    assert web.get(path + "x").status_code == 400
    assert web.get(path + "?format=json").status_code == 200
    r = web.post(
        path,
        data={"action": "pause", "subscription_id": str(result.subscription.subscription_id)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    [sub] = list_subscriptions(store=sample_store, email="m@example.org")
    assert not sub.active
    # another subscriber's subscription cannot be touched with this link
    other = subscribe(
        store=sample_store,
        settings=mail_settings,
        email="o@example.org",
        spec=make_spec(trending="week"),
        confirmed=True,
    )
    r = web.post(
        path, data={"action": "delete", "subscription_id": str(other.subscription.subscription_id)}
    )
    assert r.status_code == 404
    assert list_subscriptions(store=sample_store, email="o@example.org")
    web.post(path, data={"action": "unsubscribe_all"})
    subscriber = get_subscriber(store=sample_store, email="m@example.org")
    assert subscriber is not None and subscriber.state == "unsubscribed"


def test_settings_page_needs_sign_in(web: TestClient) -> None:
    r = web.get("/settings/subscriptions", follow_redirects=False)
    assert r.status_code in (303, 401)


def test_signed_in_reader_manages_subscriptions_on_the_settings_page(
    web: TestClient, sample_store: Store
) -> None:
    signup = web.get("/signup").text
    r = web.post(
        "/signup",
        data={
            "username": "reader",
            "email": "reader@example.org",
            "password": "correct horse battery",
            "csrf_token": _csrf(signup),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = web.get("/settings/subscriptions")
    assert page.status_code == 200 and 'value="reader@example.org"' in page.text
    r = web.post(
        "/settings/subscriptions",
        follow_redirects=False,
        data={
            "csrf_token": _csrf(page.text),
            "email": "reader@example.org",
            "q": "diphoton production",
            "frequency": "weekly",
            "time_zone": "Asia/Tokyo",
        },
    )
    assert r.status_code == 303
    listed = web.get("/settings/subscriptions?format=json").json()
    [sub] = listed["subscriptions"]
    assert "diphoton production" in sub["summary"] and sub["frequency"] == "weekly"
    r = web.post(
        "/settings/subscriptions/change",
        follow_redirects=False,
        data={
            "csrf_token": _csrf(page.text),
            "action": "delete",
            "subscription_id": str(sub["subscription_id"]),
        },
    )
    assert r.status_code == 303
    assert web.get("/settings/subscriptions?format=json").json()["subscriptions"] == []


def test_the_form_prefills_a_readers_address_and_never_none(web: TestClient) -> None:
    token = _csrf(web.get("/signup").text)
    web.post(
        "/signup",
        data={"username": "noaddress", "email": "", "password": "correct horse battery",
              "csrf_token": token},
    )  # fmt: skip
    form = web.get("/subscribe?q=surgical+segmentation").text
    assert 'name="email" value=""' in form and 'value="None"' not in form


def test_a_refused_alert_keeps_the_form_and_says_why(web: TestClient) -> None:
    token = _csrf(web.get("/signup").text)
    web.post(
        "/signup",
        data={"username": "alerts", "email": "alerts@example.org",
              "password": "correct horse battery", "csrf_token": token},
    )  # fmt: skip
    page = web.get("/settings/subscriptions")
    cases = [
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"send_time": "25:99"}, "Send time &#39;25:99&#39; is not a time of day"),
        ({"q": "x" * 30_000}, "The search is 30000 characters long; at most 1000"),
        ({"authors": ", ".join(f"Author {i}" for i in range(60))}, "Authors: 60 given"),
    ]
    for changed, message in cases:
        form = {"csrf_token": _csrf(page.text), "q": "diphoton production", **changed}
        r = web.post("/settings/subscriptions", data=form, follow_redirects=False)
        assert r.status_code == 400, changed
        assert message in r.text, (changed, r.text[:300])
        if "time_zone" in changed:  # what the reader typed is still there
            assert 'value="Mars/Olympus"' in r.text and 'value="diphoton production"' in r.text
    assert web.get("/settings/subscriptions?format=json").json()["subscriptions"] == []


def test_the_confirmation_mail_describes_the_whole_subscription(
    sample_store: Store, mail_settings: Settings, smtp_sink: SmtpSink
) -> None:
    spec = make_spec(search="diphoton", categories=["hep-ph"], frequency="weekly", weekly_day=2)
    subscribe(store=sample_store, settings=mail_settings, email="c@example.org", spec=spec)
    run_pass(store=sample_store, settings=mail_settings, force=True)
    [confirmation] = smtp_sink.to("c@example.org")
    text = " ".join(confirmation.message.get_body(("plain",)).get_content().split())
    assert "new papers matching “diphoton” in hep-ph, every Wednesday at 08:00 UTC" in text


def test_the_form_subscribes_to_trending_in_one_category(
    web: TestClient, sample_store: Store
) -> None:
    form = web.get("/subscribe?trending=week&trending_category=math")
    assert re.search(r'name="trending_category"[^>]*value="math"', form.text)
    fields = {"csrf_token": _csrf(form.text), "email": "maths@example.org", "trending": "week"}
    r = web.post("/subscribe", data=fields | {"trending_category": "Math"})
    assert r.status_code == 200 and "Check your inbox" in r.text
    [sub] = list_subscriptions(store=sample_store, email="maths@example.org")
    assert (sub.spec.trending, sub.spec.trending_category) == ("week", "math")
    # A trending category without trending is refused in words, the form kept.
    r = web.post("/subscribe", data=fields | {"trending": "", "trending_category": "math"})
    assert r.status_code == 400
    assert "Trending in math: choose the top papers of the day or of the week" in r.text
    assert re.search(r'name="trending_category"[^>]*value="math"', r.text)
