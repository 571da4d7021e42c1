"""The outbox's concurrency rules on both databases: one digest per key, leases that
keep two senders apart, fenced attempts, take-over after a crash, bounce pausing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from paperscope.store import Store
from paperscope.store.outbox import (
    NewMessage,
    begin_attempt,
    claim_batch,
    enqueue_message,
    list_messages,
    mark_bounced,
    mark_sent,
    record_period,
)
from paperscope.store.subscriptions import (
    SubscriptionSpec,
    add_subscription,
    ensure_subscriber,
    get_subscriber,
    get_subscription,
)

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _message(subscriber_id: int, subscription_id: int, key: str) -> NewMessage:
    return NewMessage(
        idempotency_key=key,
        kind="digest",
        subscriber_id=subscriber_id,
        subscription_id=subscription_id,
        recipient="a@example.org",
        message_id=f"<{key}@x>",
        body=b"Subject: hi\r\n\r\nbody\r\n",
    )


def _subscription(store: Store) -> tuple[int, int]:
    subscriber = ensure_subscriber(store=store, email="a@example.org", now=NOW, confirmed=True)
    sub = add_subscription(
        store=store,
        subscriber_id=subscriber.subscriber_id,
        spec=SubscriptionSpec(trending="day"),
        now=NOW,
    )
    return subscriber.subscriber_id, sub.subscription_id


def test_a_period_is_recorded_once(any_store: Store) -> None:
    subscriber_id, sub_id = _subscription(any_store)
    message = _message(subscriber_id, sub_id, f"digest:{sub_id}:2026-11-27")
    first = record_period(
        store=any_store,
        subscription_id=sub_id,
        period="2026-11-27",
        message=message,
        covered_until=NOW,
        paper_ids=("1",),
        now=NOW,
    )
    again = record_period(
        store=any_store,
        subscription_id=sub_id,
        period="2026-11-27",
        message=message,
        covered_until=NOW,
        paper_ids=("1",),
        now=NOW,
    )
    assert (first, again) == (True, False)
    assert enqueue_message(store=any_store, message=message, now=NOW) is False
    [stored] = list_messages(store=any_store)
    assert stored.body == message.body  # stored compressed, read back intact
    sub = get_subscription(store=any_store, subscription_id=sub_id)
    assert sub is not None and sub.last_period == "2026-11-27" and sub.last_paper_ids == ("1",)


def test_leases_keep_senders_apart_and_expire(any_store: Store) -> None:
    subscriber_id, sub_id = _subscription(any_store)
    for day in ("2026-11-25", "2026-11-26"):
        enqueue_message(store=any_store, message=_message(subscriber_id, sub_id, day), now=NOW)
    a = claim_batch(store=any_store, owner="a", now=NOW, lease_seconds=60, limit=1)
    b = claim_batch(store=any_store, owner="b", now=NOW, lease_seconds=600, limit=10)
    assert len(a) == 1 and len(b) == 1 and a[0].outbox_id != b[0].outbox_id
    assert claim_batch(store=any_store, owner="c", now=NOW, lease_seconds=60, limit=10) == []
    # "a" crashes; after its lease "c" takes the row over, and "a" may no longer send it
    later = NOW + timedelta(seconds=61)
    [taken] = claim_batch(store=any_store, owner="c", now=later, lease_seconds=60, limit=10)
    assert taken.outbox_id == a[0].outbox_id
    assert not begin_attempt(
        store=any_store, outbox_id=taken.outbox_id, owner="a", now=later, lease_seconds=60
    )
    assert begin_attempt(
        store=any_store, outbox_id=taken.outbox_id, owner="c", now=later, lease_seconds=60
    )
    mark_sent(store=any_store, message=taken, now=later)
    [sent] = list_messages(store=any_store, state="sent")
    assert sent.attempts == 1 and sent.sent_at == later


def test_repeated_bounces_pause_the_address(any_store: Store) -> None:
    subscriber_id, sub_id = _subscription(any_store)
    for n in range(3):
        enqueue_message(store=any_store, message=_message(subscriber_id, sub_id, f"k{n}"), now=NOW)
    paused = []
    for message in claim_batch(store=any_store, owner="a", now=NOW, lease_seconds=60, limit=10):
        paused.append(
            mark_bounced(
                store=any_store,
                message=message,
                state="bounced",
                error="550 no such user",
                now=NOW,
                max_bounces=3,
            )
        )
    assert paused == [False, False, True]
    subscriber = get_subscriber(store=any_store, subscriber_id=subscriber_id)
    assert subscriber is not None and subscriber.state == "paused"
    assert subscriber.bounce_count == 3 and subscriber.last_error == "550 no such user"
