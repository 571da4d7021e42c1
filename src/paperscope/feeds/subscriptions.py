"""Subscribing, confirming (double opt-in), unsubscribing and managing: the service the
web pages and the CLI both call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from paperscope import emails
from paperscope.config import Settings
from paperscope.feeds.mail_queue import queue_mail
from paperscope.feeds.mail_render import render_confirmation, site_url
from paperscope.feeds.schedule import FREQUENCIES, zone
from paperscope.feeds.signing import LinkClaim, make_token, read_token
from paperscope.search.categories import unknown_categories, unknown_categories_notice
from paperscope.search.query import MAX_QUERY_CHARS, parse_query
from paperscope.sources.arxiv_categories import arxiv_spelling, category_filter
from paperscope.store import Store
from paperscope.store.feedback import papers_in_categories
from paperscope.store.outbox import count_messages
from paperscope.store.subscriptions import (
    Subscriber,
    Subscription,
    SubscriptionSpec,
    add_subscription,
    confirm_subscription,
    ensure_subscriber,
    get_subscriber,
    get_subscription,
    set_subscription_active,
)

# Someone can type a stranger's address into the form: cap the confirmation mails an
# address gets, so the form cannot be used to flood a mailbox.
MAX_CONFIRMATIONS = 5
CONFIRMATION_WINDOW = timedelta(days=1)
# Bounds of what one subscription may ask for: each is shown on the settings page and in
# every mail, and run on every send.
MAX_LIST_ITEMS = 50
MAX_ITEM_CHARS = 200
MAX_CATEGORY_CHARS = 32  # as long as a stored paper category can be


class InvalidSubscription(ValueError):
    """Input a reader or operator can fix; the message says what and how."""


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    subscriber: Subscriber
    subscription: Subscription
    confirmation_queued: bool


def normalise_email(text: str) -> str:
    try:
        return emails.normalise_email(text)
    except emails.InvalidEmail as exc:
        shown = text.strip()
        shown = shown if len(shown) <= 80 else shown[:77] + "…"
        raise InvalidSubscription(f"{shown!r} is not a valid e-mail address: {exc}") from exc


def _clean(values: Iterable[str], field: str) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    if len(cleaned) > MAX_LIST_ITEMS:
        raise InvalidSubscription(
            f"{field}: {len(cleaned)} given, at most {MAX_LIST_ITEMS} per subscription"
        )
    long = next((value for value in cleaned if len(value) > MAX_ITEM_CHARS), None)
    if long is not None:
        raise InvalidSubscription(
            f"{field}: {long[:40]!r}… is longer than {MAX_ITEM_CHARS} characters"
        )
    return cleaned


def make_spec(
    *,
    search: str | None = None,
    trending: str | None = None,
    trending_limit: int = 10,
    trending_category: str | None = None,
    categories: Iterable[str] = (),
    authors: Iterable[str] = (),
    min_score: float | None = None,
    recommendations: bool = False,
    frequency: str = "daily",
    send_time: str = "08:00",
    weekly_day: int = 0,
    time_zone: str = "UTC",
) -> SubscriptionSpec:
    """A validated subscription; every refusal names the field and the fix."""
    if frequency not in FREQUENCIES:
        raise InvalidSubscription(f"frequency must be one of {', '.join(FREQUENCIES)}")
    if trending not in (None, "day", "week"):
        raise InvalidSubscription("trending must be 'day' or 'week'")
    if not 1 <= trending_limit <= 50:
        raise InvalidSubscription("the number of trending papers must be between 1 and 50")
    trending_category = category_filter(trending_category)
    if trending_category and not trending:
        raise InvalidSubscription(
            f"trending in {trending_category}: choose the top papers of the day or of the week"
        )
    if trending_category and len(trending_category) > MAX_CATEGORY_CHARS:
        raise InvalidSubscription(
            f"trending category {trending_category[:40]!r} is longer than "
            f"{MAX_CATEGORY_CHARS} characters: give one category (cs.LG) or archive (cs)"
        )
    if not 0 <= weekly_day <= 6:
        raise InvalidSubscription("weekly day must be 0 (Monday) to 6 (Sunday)")
    if min_score is not None and not -1.0 <= min_score <= 1.0:
        raise InvalidSubscription("the relevance threshold must be between -1 and 1")
    search = (search or "").strip()
    if len(search) > MAX_QUERY_CHARS:
        raise InvalidSubscription(
            f"the search is {len(search)} characters long; at most {MAX_QUERY_CHARS}, "
            "as in the search box"
        )
    if search and parse_query(search).is_empty:
        raise InvalidSubscription(
            f"the search {search!r} has nothing to look for: give words, or a field with "
            "its value (au:hinton, ti:transformer)"
        )
    hour, minute = _parse_time(send_time)
    try:
        zone(time_zone)
    except ValueError as exc:
        raise InvalidSubscription(str(exc)) from exc
    spec = SubscriptionSpec(
        trending=trending,
        trending_limit=trending_limit,
        trending_category=trending_category,
        search_query=search or None,
        categories=tuple(
            dict.fromkeys(_arxiv_spelling(c) for c in _clean(categories, "categories"))
        ),
        authors=_clean(authors, "authors"),
        min_score=min_score,
        recommendations=recommendations,
        frequency=frequency,
        send_hour=hour,
        send_minute=minute,
        weekly_day=weekly_day,
        time_zone=time_zone,
    )
    if not (
        spec.trending
        or spec.search_query
        or spec.categories
        or spec.authors
        or spec.recommendations
    ):
        raise InvalidSubscription(
            "a subscription needs something to deliver: trending papers, a search, "
            "categories, authors or recommendations"
        )
    return spec


def _arxiv_spelling(category: str) -> str:
    """An arXiv category as arXiv spells it ("CS.lg" -> "cs.LG"): papers are matched
    to followed categories as stored. Other names are kept as given."""
    return arxiv_spelling(category) or category


def check_categories(store: Store, spec: SubscriptionSpec) -> None:
    """Refuse a category that can never match: neither arXiv's (a category, or a whole
    archive such as cs) nor one that papers here have (text imports may carry their
    own)."""

    def held(name: str) -> bool:
        return bool(papers_in_categories(store=store, categories=[name], per_category=1).get(name))

    named = (*spec.categories, *([spec.trending_category] if spec.trending_category else []))
    said = unknown_categories_notice(unknown_categories(named, held))
    if said:
        raise InvalidSubscription(said)


def _parse_time(text: str) -> tuple[int, int]:
    try:
        hour_text, minute_text = text.strip().split(":")
        hour, minute = int(hour_text), int(minute_text)
    except ValueError:
        raise InvalidSubscription(f"send time {text!r} must look like 08:00") from None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidSubscription(f"send time {text!r} is not a time of day")
    return hour, minute


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def describe(spec: SubscriptionSpec) -> str:
    """One line for humans: 'daily: trending today, alerts for "x", new in cs.LG'."""
    parts = []
    if spec.trending:
        where = f" in {spec.trending_category}" if spec.trending_category else ""
        parts.append(f"trending papers of the {spec.trending}{where}")
    # the categories and authors narrow a saved search, or are followed on their own
    narrowed = ([f"in {', '.join(spec.categories)}"] if spec.categories else []) + (
        [f"by {', '.join(spec.authors)}"] if spec.authors else []
    )
    if spec.search_query:
        parts.append(" ".join([f"new papers matching “{spec.search_query}”", *narrowed]))
    elif narrowed:
        parts.append(" ".join(["new papers", *narrowed]))
    if spec.recommendations:
        parts.append("personal recommendations")
    when = {
        "daily": "every day",
        "weekdays": "on weekdays",
        "weekly": f"every {_WEEKDAYS[spec.weekly_day]}",
    }[spec.frequency]
    at = f"{spec.send_hour:02d}:{spec.send_minute:02d} {spec.time_zone}"
    return f"a digest of {', '.join(parts)}, {when} at {at}"


def subscribe(
    *,
    store: Store,
    settings: Settings,
    email: str,
    spec: SubscriptionSpec,
    user_id: int | None = None,
    confirmed: bool = False,
    now: datetime | None = None,
) -> SubscribeResult:
    """Add a subscription (InvalidSubscription for a category that can never match:
    check_categories). It starts at once only when ``confirmed`` (an operator) or
    when ``user_id`` is the signed-in owner of this already proven address; otherwise a
    confirmation mail goes out and nothing is sent until its link is followed, so
    nobody can subscribe someone else's address to anything."""
    now = now or datetime.now(UTC)
    address = normalise_email(email)
    check_categories(store, spec)
    subscriber = ensure_subscriber(
        store=store, email=address, now=now, user_id=user_id, confirmed=confirmed
    )
    owner = user_id is not None and subscriber.user_id == user_id and subscriber.is_confirmed
    subscription = add_subscription(
        store=store,
        subscriber_id=subscriber.subscriber_id,
        spec=spec,
        now=now,
        confirmed=confirmed or owner,
        created_by=user_id,
    )
    queued = False
    if subscription.confirmed_at is None:
        queued = queue_confirmation(
            store=store, settings=settings, subscription=subscription, now=now
        )
    return SubscribeResult(subscriber, subscription, queued)


def queue_confirmation(
    *, store: Store, settings: Settings, subscription: Subscription, now: datetime
) -> bool:
    """Queue the confirmation mail of ``subscription``; False when the address already
    got MAX_CONFIRMATIONS of them in the last day (a flood guard)."""
    recent = count_messages(
        store=store,
        subscriber_id=subscription.subscriber_id,
        kind="confirm",
        since=now - CONFIRMATION_WINDOW,
    )
    if recent >= MAX_CONFIRMATIONS:
        return False
    claim = LinkClaim(subscription.subscriber_id, subscription.email, subscription.subscription_id)
    token = make_token(settings, "confirm", claim)
    key = f"confirm:{subscription.subscription_id}"
    mail = render_confirmation(
        settings=settings,
        email=subscription.email,
        summary=describe(subscription.spec),
        idempotency_key=key,
        confirm_url=site_url(settings, f"/subscribe/confirm/{token}"),
        sent=now,
    )
    return queue_mail(
        store=store,
        mail=mail,
        key=key,
        kind="confirm",
        subscriber_id=subscription.subscriber_id,
        recipient=subscription.email,
        now=now,
    )


def _verified_subscriber(store: Store, claim: LinkClaim | None) -> Subscriber | None:
    if claim is None:
        return None
    subscriber = get_subscriber(store=store, subscriber_id=claim.subscriber_id)
    # The address is in the token: a reused id or a changed address makes it void.
    if subscriber is None or subscriber.email != claim.email:
        return None
    return subscriber


def confirm(
    *, store: Store, settings: Settings, token: str, now: datetime | None = None
) -> Subscriber | None:
    """Start the subscription a confirmation link names (and prove its address); None
    for a forged, altered or expired link, or a subscription since removed."""
    claim = read_token(settings, "confirm", token)
    subscriber = _verified_subscriber(store, claim)
    if subscriber is None or claim is None or claim.subscription_id is None:
        return None
    done = confirm_subscription(
        store=store,
        subscriber_id=subscriber.subscriber_id,
        subscription_id=claim.subscription_id,
        now=now or datetime.now(UTC),
    )
    return get_subscriber(store=store, subscriber_id=subscriber.subscriber_id) if done else None


def unsubscribe(
    *, store: Store, settings: Settings, token: str, now: datetime | None = None
) -> Subscription | None:
    """Stop the subscription an unsubscribe link names (idempotent); None if invalid."""
    claim = read_token(settings, "unsubscribe", token)
    subscriber = _verified_subscriber(store, claim)
    if subscriber is None or claim is None or claim.subscription_id is None:
        return None
    subscription = get_subscription(store=store, subscription_id=claim.subscription_id)
    if subscription is None or subscription.subscriber_id != subscriber.subscriber_id:
        return None
    set_subscription_active(
        store=store,
        subscription_id=subscription.subscription_id,
        active=False,
        now=now or datetime.now(UTC),
    )
    return get_subscription(store=store, subscription_id=subscription.subscription_id)


def subscriber_from_manage_token(
    *, store: Store, settings: Settings, token: str
) -> Subscriber | None:
    return _verified_subscriber(store, read_token(settings, "manage", token))


def manage_url(settings: Settings, subscriber: Subscriber) -> str:
    token = make_token(settings, "manage", LinkClaim(subscriber.subscriber_id, subscriber.email))
    return site_url(settings, f"/subscriptions/manage/{token}")
