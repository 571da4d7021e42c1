"""Building due digests: the ONE implementation the CLI, the worker, the benchmark and
the tests use. For each due subscription it gathers what is new, renders the mail and
records it in the outbox together with the subscription's progress (one transaction);
sending is feeds/outbox.py's job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from paperscope.config import Settings
from paperscope.feeds.content import (
    MAX_PER_SECTION,
    ContentSource,
    ContentUnavailable,
    Digest,
    DigestItem,
    DigestSection,
)
from paperscope.feeds.mail_render import MailLinks, render_digest, site_url
from paperscope.feeds.schedule import due_period, period_length
from paperscope.feeds.signing import LinkClaim, make_token
from paperscope.site_paths import author_url, category_url
from paperscope.store import Store
from paperscope.store.outbox import NewMessage, record_period
from paperscope.store.subscriptions import Subscription, iter_deliverable_subscriptions

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    due: int = 0
    built: int = 0
    empty: int = 0  # due, but nothing new: not sent
    already_recorded: int = 0
    papers: int = 0
    problems: list[str] = field(default_factory=list)


def build_due_digests(
    *, store: Store, settings: Settings, now: datetime | None = None, force: bool = False
) -> BuildReport:
    """Record a digest in the outbox for every subscription due at ``now``."""
    now = now or datetime.now(UTC)
    source = ContentSource(store=store, settings=settings, now=now)
    report = BuildReport()
    for batch in iter_deliverable_subscriptions(store=store):
        for subscription in batch:
            period = due_period(subscription.spec, subscription.last_period, now, force=force)
            if period is None:
                continue
            report.due += 1
            try:
                _build_one(source, subscription, period, report)
            except ContentUnavailable as exc:
                report.problems.append(_problem(subscription, str(exc)))
            except Exception as exc:  # one broken subscription must not stop the others
                log.exception("digest for subscription %s failed", subscription.subscription_id)
                report.problems.append(_problem(subscription, f"{type(exc).__name__}: {exc}"))
    return report


def _problem(subscription: Subscription, reason: str) -> str:
    return (
        f"subscription {subscription.subscription_id} ({subscription.email}): {reason}; "
        "it will be tried again on the next run"
    )


def _build_one(
    source: ContentSource, subscription: Subscription, period: str, report: BuildReport
) -> None:
    digest = build_digest(source=source, subscription=subscription, period=period)
    key = f"digest:{subscription.subscription_id}:{period}"
    message = None
    if digest.paper_count:
        rendered = render_digest(
            settings=source.settings,
            digest=digest,
            links=mail_links(source.settings, subscription),
            idempotency_key=key,
        )
        message = NewMessage(
            idempotency_key=key,
            kind="digest",
            subscriber_id=subscription.subscriber_id,
            subscription_id=subscription.subscription_id,
            recipient=subscription.email,
            message_id=str(rendered["Message-ID"]),
            body=rendered.as_bytes(),
            paper_count=digest.paper_count,
        )
    fresh = record_period(
        store=source.store,
        subscription_id=subscription.subscription_id,
        period=period,
        message=message,
        covered_until=source.now,
        paper_ids=digest.paper_ids,
        now=source.now,
    )
    if message is None:
        report.empty += 1
    elif fresh:
        report.built += 1
        report.papers += digest.paper_count
    else:
        report.already_recorded += 1


def mail_links(settings: Settings, subscription: Subscription) -> MailLinks:
    unsubscribe = make_token(
        settings,
        "unsubscribe",
        LinkClaim(subscription.subscriber_id, subscription.email, subscription.subscription_id),
    )
    manage = make_token(
        settings, "manage", LinkClaim(subscription.subscriber_id, subscription.email)
    )
    return MailLinks(
        unsubscribe=site_url(settings, f"/unsubscribe/{unsubscribe}"),
        manage=site_url(settings, f"/subscriptions/manage/{manage}"),
    )


def build_digest(*, source: ContentSource, subscription: Subscription, period: str) -> Digest:
    """What ``subscription`` gets for ``period``: sections in a fixed order, each paper
    at most once across the mail."""
    spec = subscription.spec
    since = subscription.covered_until or (source.now - period_length(spec))
    sections: list[DigestSection] = []
    shown: set[str] = set()

    def add(
        key: str,
        title: str,
        ranked: list[tuple[str, float | None]],
        limit: int,
        more_path: str | None = None,
    ) -> None:
        fresh = [(pid, score) for pid, score in ranked if pid not in shown]
        papers = {p.paper_id: p for p in source.papers([pid for pid, _ in fresh[:limit]])}
        items = tuple(
            DigestItem(papers[pid], score) for pid, score in fresh[:limit] if pid in papers
        )
        if items:
            shown.update(i.paper.paper_id for i in items)
            more = max(0, len(fresh) - limit)
            sections.append(
                DigestSection(key, title, items, more=more, more_url=more_path if more else None)
            )

    if spec.trending:
        already = set(subscription.last_paper_ids)
        category = spec.trending_category
        # All of them, so that the section says how many more the trending page has.
        ranked = source.trending(spec.trending, category)
        top = [(t.paper_id, t.score) for t in ranked if t.paper_id not in already]
        label = "today" if spec.trending == "day" else "this week"
        page = {"window": spec.trending, **({"category": category} if category else {})}
        add(
            "trending",
            f"Trending in {category} {label}" if category else f"Trending {label}",
            list(top),
            spec.trending_limit,
            "/trending?" + urlencode(page),
        )
    if spec.search_query:
        hits = source.search(subscription, since)
        title = f"New for “{spec.search_query}”"
        add("search", title, list(hits), MAX_PER_SECTION, _search_path(subscription))
    elif spec.categories or spec.authors:
        ids = source.arrived(since, spec.categories, spec.authors)
        title = _follow_title(subscription)
        add("follow", title, [(i, None) for i in ids], MAX_PER_SECTION, _follow_path(subscription))
    if spec.recommendations:
        _add_followed(source, subscription, since, add)
    if spec.recommendations:
        already = set(subscription.last_paper_ids)
        ids = [i for i in source.recommended(subscription, MAX_PER_SECTION * 2) if i not in already]
        add(
            "recommended",
            "Recommended for you",
            [(i, None) for i in ids],
            MAX_PER_SECTION,
            "/for-you",
        )
    return Digest(subscription, period, tuple(sections), source.now)


def _add_followed(
    source: ContentSource,
    subscription: Subscription,
    since: datetime,
    add: Callable[[str, str, list[tuple[str, float | None]], int], None],
) -> None:
    """One section per followed author or account, titled with the reason, for the
    personal digests of an account (those with recommendations)."""
    groups: dict[str, list[tuple[str, float | None]]] = {}
    for item in source.followed(subscription, since):
        groups.setdefault(item.reason, []).append((item.paper_id, None))
    for reason, ids in groups.items():
        add("followed", reason, ids, MAX_PER_SECTION)


def _search_path(subscription: Subscription) -> str:
    """The site's search for a saved search's matches, newest first (the search page
    takes one category and one author: the first of each)."""
    spec = subscription.spec
    params = {"q": spec.search_query or "", "sort": "newest"}
    if spec.categories:
        params["category"] = spec.categories[0]
    if spec.authors:
        params["author"] = spec.authors[0]
    return "/search?" + urlencode(params)


def _follow_path(subscription: Subscription) -> str | None:
    """Where the rest of a followed category or author is listed: its page when there is
    one of them alone."""
    spec = subscription.spec
    if len(spec.categories) == 1 and not spec.authors:
        return category_url(spec.categories[0])
    if len(spec.authors) == 1 and not spec.categories:
        return author_url(spec.authors[0])
    return None


def _follow_title(subscription: Subscription) -> str:
    parts = []
    if subscription.spec.categories:
        parts.append("in " + ", ".join(subscription.spec.categories))
    if subscription.spec.authors:
        parts.append("by " + ", ".join(subscription.spec.authors))
    return "New " + " · ".join(parts)
