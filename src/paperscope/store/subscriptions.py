"""Subscriber and subscription rows. Callers pass normalised e-mail addresses and
validated choices (feeds/subscriptions.py does both); this module only stores them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from paperscope.store.database import Store
from paperscope.store.papers import author_key, in_categories
from paperscope.store.schema import paper_authors, papers
from paperscope.store.schema_accounts import library_items, library_tags
from paperscope.store.schema_subscriptions import public_tags, subscribers, subscriptions


@dataclass(frozen=True, slots=True)
class Subscriber:
    subscriber_id: int
    email: str
    user_id: int | None
    confirmed_at: datetime | None
    state: str  # active | paused | unsubscribed
    bounce_count: int
    last_error: str | None
    created_at: datetime

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """What a subscription delivers and when: the part a reader chooses."""

    trending: str | None = None  # day | week
    trending_limit: int = 10
    trending_category: str | None = None  # a category or archive; None: the whole site
    search_query: str | None = None
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    min_score: float | None = None
    recommendations: bool = False
    frequency: str = "daily"  # daily | weekdays | weekly
    send_hour: int = 8
    send_minute: int = 0
    weekly_day: int = 0  # Monday
    time_zone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Subscription:
    subscription_id: int
    subscriber_id: int
    email: str
    spec: SubscriptionSpec
    active: bool
    last_period: str | None
    covered_until: datetime | None
    last_paper_ids: tuple[str, ...]
    created_at: datetime
    confirmed_at: datetime | None  # this subscription's confirmation
    address_confirmed_at: datetime | None  # the subscriber's (double opt-in)
    subscriber_state: str
    user_id: int | None  # the account the address belongs to, if proven
    created_by: int | None


# ---------------------------------------------------------------- subscribers


def _subscriber(row: Any) -> Subscriber:
    return Subscriber(
        subscriber_id=row.subscriber_id,
        email=row.email,
        user_id=row.user_id,
        confirmed_at=row.confirmed_at,
        state=row.state,
        bounce_count=row.bounce_count,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def get_subscriber(
    *, store: Store, subscriber_id: int | None = None, email: str | None = None
) -> Subscriber | None:
    q = select(subscribers)
    if subscriber_id is not None:
        q = q.where(subscribers.c.subscriber_id == subscriber_id)
    elif email is not None:
        q = q.where(subscribers.c.email == email)
    else:
        raise ValueError("get_subscriber needs subscriber_id or email")
    with store.read() as conn:
        row = conn.execute(q).first()
    return _subscriber(row) if row else None


def subscribers_of_user(*, store: Store, user_id: int) -> list[Subscriber]:
    with store.read() as conn:
        rows = conn.execute(
            select(subscribers)
            .where(subscribers.c.user_id == user_id)
            .order_by(subscribers.c.subscriber_id)
        )
        return [_subscriber(r) for r in rows]


def ensure_subscriber(
    *, store: Store, email: str, now: datetime, user_id: int | None = None, confirmed: bool = False
) -> Subscriber:
    """The subscriber for ``email``, created if new (``user_id``: the signed-in creator).
    An existing address is never re-activated nor linked to an account here: only a
    proof (``confirmed`` by an operator, or a confirmation link) may do that."""
    with store.write() as conn:
        row = conn.execute(select(subscribers).where(subscribers.c.email == email)).first()
        if row is None:
            values: dict[str, Any] = {
                "email": email,
                "user_id": user_id if confirmed else None,
                "state": "active",
                "confirmed_at": now if confirmed else None,
                "created_at": now,
                "updated_at": now,
            }
            conn.execute(insert(subscribers).values(values))
        elif confirmed:
            conn.execute(
                update(subscribers)
                .where(subscribers.c.email == email)
                .values(state="active", confirmed_at=row.confirmed_at or now, updated_at=now)
            )
        fresh = conn.execute(select(subscribers).where(subscribers.c.email == email)).one()
    return _subscriber(fresh)


def confirm_subscription(
    *, store: Store, subscriber_id: int, subscription_id: int, now: datetime
) -> bool:
    """A confirmation link was followed: the address is proven, the subscription starts,
    a bounce pause is lifted (the mailbox works) and the address is linked to the
    account that created the subscription (or unlinked when nobody was signed in).
    False when the subscription no longer belongs to this subscriber."""
    with store.write() as conn:
        sub = conn.execute(
            select(subscriptions.c.created_by, subscriptions.c.confirmed_at).where(
                and_(
                    subscriptions.c.subscription_id == subscription_id,
                    subscriptions.c.subscriber_id == subscriber_id,
                )
            )
        ).first()
        if sub is None:
            return False
        conn.execute(
            update(subscriptions)
            .where(subscriptions.c.subscription_id == subscription_id)
            .values(confirmed_at=sub.confirmed_at or now, active=True, updated_at=now)
        )
        address = conn.execute(
            select(subscribers.c.confirmed_at).where(subscribers.c.subscriber_id == subscriber_id)
        ).one()
        conn.execute(
            update(subscribers)
            .where(subscribers.c.subscriber_id == subscriber_id)
            .values(
                confirmed_at=address.confirmed_at or now,
                state="active",
                bounce_count=0,
                user_id=sub.created_by,
                updated_at=now,
            )
        )
    return True


def set_subscriber_state(*, store: Store, subscriber_id: int, state: str, now: datetime) -> None:
    """Leaving (``unsubscribed``) also stops every subscription of the address, so a
    later re-subscription by anyone never revives the old ones."""
    with store.write() as conn:
        conn.execute(
            update(subscribers)
            .where(subscribers.c.subscriber_id == subscriber_id)
            .values(state=state, updated_at=now)
        )
        if state == "unsubscribed":
            conn.execute(
                update(subscriptions)
                .where(subscriptions.c.subscriber_id == subscriber_id)
                .values(active=False, updated_at=now)
            )


# ---------------------------------------------------------------- subscriptions


def _spec_values(spec: SubscriptionSpec) -> dict[str, Any]:
    return {
        "trending": spec.trending,
        "trending_limit": spec.trending_limit,
        "trending_category": spec.trending_category,
        "search_query": spec.search_query,
        "categories": orjson.dumps(list(spec.categories)).decode(),
        "authors": orjson.dumps(list(spec.authors)).decode(),
        "min_score": spec.min_score,
        "recommendations": spec.recommendations,
        "frequency": spec.frequency,
        "send_hour": spec.send_hour,
        "send_minute": spec.send_minute,
        "weekly_day": spec.weekly_day,
        "time_zone": spec.time_zone,
    }


def _subscription(row: Any) -> Subscription:
    spec = SubscriptionSpec(
        trending=row.trending,
        trending_limit=row.trending_limit,
        trending_category=row.trending_category,
        search_query=row.search_query,
        categories=tuple(orjson.loads(row.categories)),
        authors=tuple(orjson.loads(row.authors)),
        min_score=row.min_score,
        recommendations=bool(row.recommendations),
        frequency=row.frequency,
        send_hour=row.send_hour,
        send_minute=row.send_minute,
        weekly_day=row.weekly_day,
        time_zone=row.time_zone,
    )
    return Subscription(
        subscription_id=row.subscription_id,
        subscriber_id=row.subscriber_id,
        email=row.email,
        spec=spec,
        active=bool(row.active),
        last_period=row.last_period,
        covered_until=row.covered_until,
        last_paper_ids=tuple(orjson.loads(row.last_paper_ids)),
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        address_confirmed_at=row.address_confirmed_at,
        subscriber_state=row.state,
        user_id=row.user_id,
        created_by=row.created_by,
    )


def _joined() -> Any:
    return select(
        subscriptions,
        subscribers.c.email,
        subscribers.c.confirmed_at.label("address_confirmed_at"),
        subscribers.c.state,
        subscribers.c.user_id,
    ).join(subscribers, subscribers.c.subscriber_id == subscriptions.c.subscriber_id)


def add_subscription(
    *,
    store: Store,
    subscriber_id: int,
    spec: SubscriptionSpec,
    now: datetime,
    confirmed: bool = False,
    created_by: int | None = None,
) -> Subscription:
    with store.write() as conn:
        result = conn.execute(
            insert(subscriptions).values(
                _spec_values(spec)
                | {
                    "subscriber_id": subscriber_id,
                    "active": True,
                    "confirmed_at": now if confirmed else None,
                    "created_by": created_by,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        )
        new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        row = conn.execute(_joined().where(subscriptions.c.subscription_id == new_id)).one()
    return _subscription(row)


def set_subscription_active(
    *, store: Store, subscription_id: int, active: bool, now: datetime
) -> bool:
    with store.write() as conn:
        done = conn.execute(
            update(subscriptions)
            .where(subscriptions.c.subscription_id == subscription_id)
            .values(active=active, updated_at=now)
        )
    return done.rowcount > 0


def delete_subscription(*, store: Store, subscription_id: int) -> bool:
    with store.write() as conn:
        done = conn.execute(
            delete(subscriptions).where(subscriptions.c.subscription_id == subscription_id)
        )
    return done.rowcount > 0


def get_subscription(*, store: Store, subscription_id: int) -> Subscription | None:
    with store.read() as conn:
        row = conn.execute(
            _joined().where(subscriptions.c.subscription_id == subscription_id)
        ).first()
    return _subscription(row) if row else None


def list_subscriptions(
    *,
    store: Store,
    subscriber_id: int | None = None,
    email: str | None = None,
    created_by: int | None = None,
) -> list[Subscription]:
    q = _joined()
    if created_by is not None:
        q = q.where(subscriptions.c.created_by == created_by)
    if subscriber_id is not None:
        q = q.where(subscriptions.c.subscriber_id == subscriber_id)
    if email is not None:
        q = q.where(subscribers.c.email == email)
    with store.read() as conn:
        return [_subscription(r) for r in conn.execute(q.order_by(subscriptions.c.subscription_id))]


def iter_deliverable_subscriptions(
    *, store: Store, batch_size: int = 500
) -> Iterator[list[Subscription]]:
    """Active subscriptions of confirmed, active subscribers, in id order and batches
    (keyset pagination, so a long run never holds one read transaction open)."""
    after = 0
    while True:
        with store.read() as conn:
            rows = conn.execute(
                _joined()
                .where(
                    and_(
                        subscriptions.c.subscription_id > after,
                        subscriptions.c.active.is_(True),
                        subscriptions.c.confirmed_at.is_not(None),
                        subscribers.c.confirmed_at.is_not(None),
                        subscribers.c.state == "active",
                    )
                )
                .order_by(subscriptions.c.subscription_id)
                .limit(batch_size)
            ).all()
        if not rows:
            return
        yield [_subscription(r) for r in rows]
        after = rows[-1].subscription_id


def mark_period_done(
    conn: Connection,
    *,
    subscription_id: int,
    period: str,
    covered_until: datetime | None,
    paper_ids: tuple[str, ...] | None,
    now: datetime,
) -> None:
    """Record that ``period`` is handled; ``paper_ids`` (what the digest showed, so
    trending does not repeat itself) only change when a digest was recorded."""
    values: dict[str, Any] = {"last_period": period, "updated_at": now}
    if covered_until is not None:
        values["covered_until"] = covered_until
    if paper_ids is not None:
        values["last_paper_ids"] = orjson.dumps(list(paper_ids)).decode()
    conn.execute(
        update(subscriptions)
        .where(subscriptions.c.subscription_id == subscription_id)
        .values(values)
    )


# ---------------------------------------------------------------- digest content


def papers_arrived(
    *,
    store: Store,
    since: datetime,
    until: datetime,
    categories: tuple[str, ...] = (),
    authors: tuple[str, ...] = (),
    by_upvotes: bool = False,
    limit: int = 5000,
) -> list[str]:
    """Ids of papers that entered the store in (since, until], newest first (or most
    upvoted first), optionally only those in ``categories`` (a category or a whole
    archive, as papers.in_categories reads them) or by one of ``authors``."""
    q = select(papers.c.paper_id).where(
        and_(papers.c.created_at > since, papers.c.created_at <= until)
    )
    wanted = []
    if categories:
        wanted.append(in_categories(categories))
    if authors:
        wanted.append(
            papers.c.paper_id.in_(
                select(paper_authors.c.paper_id).where(
                    paper_authors.c.name_key.in_([author_key(a) for a in authors])
                )
            )
        )
    if wanted:
        q = q.where(or_(*wanted))
    order = [papers.c.created_at.desc(), papers.c.paper_id]
    if by_upvotes:
        order.insert(0, func.coalesce(papers.c.external_upvotes, 0).desc())
    with store.read() as conn:
        return list(conn.scalars(q.order_by(*order).limit(limit)))


# ---------------------------------------------------------------- public tags


def set_tag_public(*, store: Store, user_id: int, tag: str, public: bool, now: datetime) -> None:
    """Publish (or withdraw) one of a reader's library tags as a feed."""
    with store.write() as conn:
        conn.execute(
            delete(public_tags).where(
                and_(public_tags.c.user_id == user_id, public_tags.c.tag == tag)
            )
        )
        if public:
            conn.execute(insert(public_tags).values(user_id=user_id, tag=tag, published_at=now))


def public_tags_of(*, store: Store, user_id: int) -> set[str]:
    with store.read() as conn:
        return set(conn.scalars(select(public_tags.c.tag).where(public_tags.c.user_id == user_id)))


def public_tag_papers(*, store: Store, tag: str, limit: int = 50) -> list[str]:
    """Papers filed under ``tag`` by readers who made that tag public, latest saved
    first. A tag nobody published gives nothing, whatever private libraries hold."""
    q = (
        select(library_tags.c.paper_id, func.max(library_items.c.saved_at).label("saved"))
        .join(
            public_tags,
            and_(
                public_tags.c.user_id == library_tags.c.user_id,
                public_tags.c.tag == library_tags.c.tag,
            ),
        )
        .join(
            library_items,
            and_(
                library_items.c.user_id == library_tags.c.user_id,
                library_items.c.paper_id == library_tags.c.paper_id,
            ),
        )
        .where(library_tags.c.tag == tag)
        .group_by(library_tags.c.paper_id)
        .order_by(func.max(library_items.c.saved_at).desc(), library_tags.c.paper_id)
        .limit(limit)
    )
    with store.read() as conn:
        return [row.paper_id for row in conn.execute(q)]
