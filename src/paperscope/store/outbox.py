"""The mail outbox: every message is a row before it is handed to SMTP.

State machine of a row: pending -> sent | bounced | failed | cancelled. A sender
*claims* pending rows with a lease (owner + expiry), *records each attempt* (fenced on
its lease) before talking to the server, and commits ``sent`` right after the server
accepted the message. feeds/outbox.py drives it; docs/digests.md explains the guarantee.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from paperscope.store.database import Store
from paperscope.store.schema_subscriptions import outbox, subscribers, subscriptions
from paperscope.store.subscriptions import mark_period_done

# Mails a person asked for just now (confirm a subscription, reset a password): sent
# whatever the state of the address's subscriptions.
TRANSACTIONAL_KINDS = ("confirm", "password_reset")


@dataclass(frozen=True, slots=True)
class NewMessage:
    idempotency_key: str
    kind: str  # digest | confirm | password_reset
    subscriber_id: int
    subscription_id: int | None
    recipient: str
    message_id: str
    body: bytes
    paper_count: int = 0


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    outbox_id: int
    idempotency_key: str
    kind: str
    subscriber_id: int
    subscription_id: int | None
    recipient: str
    message_id: str
    body: bytes
    paper_count: int
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        outbox_id=row.outbox_id,
        idempotency_key=row.idempotency_key,
        kind=row.kind,
        subscriber_id=row.subscriber_id,
        subscription_id=row.subscription_id,
        recipient=row.recipient,
        message_id=row.message_id,
        body=zlib.decompress(bytes(row.body)),
        paper_count=row.paper_count,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


def _row_values(message: NewMessage, now: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": message.idempotency_key,
        "kind": message.kind,
        "subscriber_id": message.subscriber_id,
        "subscription_id": message.subscription_id,
        "recipient": message.recipient,
        "message_id": message.message_id,
        # Digests are repetitive HTML: zlib keeps the outbox ~6x smaller.
        "body": zlib.compress(message.body, 6),
        "paper_count": message.paper_count,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue_message(*, store: Store, message: NewMessage, now: datetime) -> bool:
    """Add a message; False when its idempotency key is already there."""
    try:
        with store.write() as conn:
            if _key_exists(conn, message.idempotency_key):
                return False
            conn.execute(insert(outbox).values(_row_values(message, now)))
    except IntegrityError:  # a concurrent writer recorded the same key first
        return False
    return True


def record_period(
    *,
    store: Store,
    subscription_id: int,
    period: str,
    message: NewMessage | None,
    covered_until: datetime,
    paper_ids: tuple[str, ...],
    now: datetime,
) -> bool:
    """In ONE transaction: the digest for ``period`` (if any) goes into the outbox and
    the subscription moves past the period and past the papers considered (an empty
    digest means nothing up to ``covered_until`` was worth sending). A crash leaves
    either both or neither. False when the digest was already recorded."""
    try:
        with store.write() as conn:
            fresh = message is not None and not _key_exists(conn, message.idempotency_key)
            if message is not None and fresh:
                conn.execute(insert(outbox).values(_row_values(message, now)))
            mark_period_done(
                conn,
                subscription_id=subscription_id,
                period=period,
                covered_until=covered_until,
                paper_ids=paper_ids if fresh else None,
                now=now,
            )
    except IntegrityError:  # a concurrent builder recorded this period first
        return False
    return fresh


def _key_exists(conn: Any, key: str) -> bool:
    found = conn.scalar(select(outbox.c.outbox_id).where(outbox.c.idempotency_key == key))
    return found is not None


def claim_batch(
    *,
    store: Store,
    owner: str,
    now: datetime,
    lease_seconds: float,
    limit: int,
    pass_started: datetime | None = None,
) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for ``owner`` until the lease runs out. Rows
    another sender holds under a live lease are skipped; expired leases (a crashed
    sender) are taken over. Messages whose reader left meanwhile are cancelled. Rows
    attempted since ``pass_started`` are left for the next pass (one try per pass)."""
    due = and_(
        outbox.c.state == "pending",
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now),
    )
    if pass_started is not None:
        due = and_(
            due,
            or_(outbox.c.last_attempt_at.is_(None), outbox.c.last_attempt_at < pass_started),
        )
    with store.write() as conn:
        ids = list(
            conn.scalars(
                select(outbox.c.outbox_id)
                .where(due)
                .order_by(outbox.c.outbox_id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        _cancel_undeliverable(conn, ids)
        conn.execute(
            update(outbox)
            .where(and_(outbox.c.outbox_id.in_(ids), due))
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
        )
        rows = conn.execute(
            select(outbox)
            .where(and_(outbox.c.outbox_id.in_(ids), outbox.c.lease_owner == owner))
            .where(outbox.c.state == "pending")
            .order_by(outbox.c.outbox_id)
        )
        return [_message(r) for r in rows]


def _cancel_undeliverable(conn: Any, ids: list[int]) -> None:
    gone_subscriber = select(subscribers.c.subscriber_id).where(
        or_(subscribers.c.state != "active", subscribers.c.confirmed_at.is_(None))
    )
    inactive_subscription = select(subscriptions.c.subscription_id).where(
        subscriptions.c.active.is_(False)
    )
    conn.execute(
        update(outbox)
        .where(outbox.c.outbox_id.in_(ids))
        .where(
            or_(
                and_(
                    outbox.c.kind.not_in(TRANSACTIONAL_KINDS),
                    outbox.c.subscriber_id.in_(gone_subscriber),
                ),
                outbox.c.subscription_id.in_(inactive_subscription),
            )
        )
        .values(state="cancelled", lease_owner=None, lease_until=None, last_error=None)
    )


def begin_attempt(
    *, store: Store, outbox_id: int, owner: str, now: datetime, lease_seconds: float
) -> bool:
    """Record an attempt BEFORE talking to the server and renew the lease. Fenced:
    False if the lease was lost (another sender took the row over), then do not send."""
    with store.write() as conn:
        done = conn.execute(
            update(outbox)
            .where(
                and_(
                    outbox.c.outbox_id == outbox_id,
                    outbox.c.lease_owner == owner,
                    outbox.c.state == "pending",
                )
            )
            .values(
                attempts=outbox.c.attempts + 1,
                last_attempt_at=now,
                lease_until=now + timedelta(seconds=lease_seconds),
            )
        )
    return done.rowcount == 1


def mark_sent(*, store: Store, message: OutboxMessage, now: datetime) -> None:
    """The server accepted the message: commit that at once (the only window in which a
    crash can cause a resend is between the server's 250 and this commit)."""
    with store.write() as conn:
        conn.execute(
            update(outbox)
            .where(and_(outbox.c.outbox_id == message.outbox_id, outbox.c.state == "pending"))
            .values(state="sent", sent_at=now, lease_owner=None, lease_until=None, last_error=None)
        )
        conn.execute(
            update(subscribers)
            .where(
                and_(
                    subscribers.c.subscriber_id == message.subscriber_id,
                    subscribers.c.bounce_count > 0,
                )
            )
            .values(bounce_count=0, updated_at=now)
        )


def mark_retry(*, store: Store, outbox_id: int, next_attempt_at: datetime, error: str) -> None:
    """A transient failure: leave the row pending, free it, try again later."""
    with store.write() as conn:
        conn.execute(
            update(outbox)
            .where(and_(outbox.c.outbox_id == outbox_id, outbox.c.state == "pending"))
            .values(
                next_attempt_at=next_attempt_at,
                lease_owner=None,
                lease_until=None,
                last_error=error[:2000],
            )
        )


def mark_bounced(
    *, store: Store, message: OutboxMessage, state: str, error: str, now: datetime, max_bounces: int
) -> bool:
    """A permanent failure (``state`` bounced) or retries used up (``failed``): stop
    trying this message and count a bounce against the address. True when the address
    reached ``max_bounces`` in a row and was paused."""
    with store.write() as conn:
        conn.execute(
            update(outbox)
            .where(and_(outbox.c.outbox_id == message.outbox_id, outbox.c.state == "pending"))
            .values(state=state, lease_owner=None, lease_until=None, last_error=error[:2000])
        )
        conn.execute(
            update(subscribers)
            .where(subscribers.c.subscriber_id == message.subscriber_id)
            .values(
                bounce_count=subscribers.c.bounce_count + 1,
                last_bounce_at=now,
                last_error=error[:2000],
                updated_at=now,
            )
        )
        count = conn.scalar(
            select(subscribers.c.bounce_count).where(
                subscribers.c.subscriber_id == message.subscriber_id
            )
        )
        if count is not None and count >= max_bounces:
            conn.execute(
                update(subscribers)
                .where(
                    and_(
                        subscribers.c.subscriber_id == message.subscriber_id,
                        subscribers.c.state == "active",
                    )
                )
                .values(state="paused", updated_at=now)
            )
            return True
    return False


def release_leases(*, store: Store, owner: str) -> int:
    """Give back rows claimed but not finished (a clean stop), so others need not wait
    for the lease to run out."""
    with store.write() as conn:
        done = conn.execute(
            update(outbox)
            .where(and_(outbox.c.lease_owner == owner, outbox.c.state == "pending"))
            .values(lease_owner=None, lease_until=None)
        )
    return done.rowcount


def count_by_state(*, store: Store) -> dict[str, int]:
    with store.read() as conn:
        rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
        return {state: int(n) for state, n in rows}


def list_messages(
    *,
    store: Store,
    subscriber_id: int | None = None,
    kind: str | None = None,
    state: str | None = None,
    limit: int = 100,
) -> list[OutboxMessage]:
    q = select(outbox)
    if subscriber_id is not None:
        q = q.where(outbox.c.subscriber_id == subscriber_id)
    if kind is not None:
        q = q.where(outbox.c.kind == kind)
    if state is not None:
        q = q.where(outbox.c.state == state)
    with store.read() as conn:
        return [_message(r) for r in conn.execute(q.order_by(outbox.c.outbox_id).limit(limit))]


def count_messages(
    *, store: Store, subscriber_id: int, kind: str, since: datetime | None = None
) -> int:
    q = (
        select(func.count())
        .select_from(outbox)
        .where(and_(outbox.c.subscriber_id == subscriber_id, outbox.c.kind == kind))
    )
    if since is not None:
        q = q.where(outbox.c.created_at >= since)
    with store.read() as conn:
        return int(conn.scalar(q) or 0)
