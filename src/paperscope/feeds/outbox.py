"""Sending what the outbox holds. Per message: claim (lease) -> record the attempt
(fenced on the lease) -> SMTP -> commit ``sent``. See docs/digests.md for exactly what
this guarantees when a sender crashes."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from paperscope.config import Settings
from paperscope.feeds.mail_render import envelope_sender
from paperscope.feeds.smtp_delivery import DeliveryError, SmtpConnection
from paperscope.store import Store
from paperscope.store.outbox import (
    OutboxMessage,
    begin_attempt,
    claim_batch,
    mark_bounced,
    mark_retry,
    mark_sent,
    release_leases,
)

MAX_BACKOFF = timedelta(hours=6)
CLAIM_BATCH = 50


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # transient failure, will be tried again
    bounced: int = 0  # permanent failure or retries used up
    paused: int = 0  # addresses paused after repeated bounces
    stopped: str | None = None  # why delivery stopped early, if it did
    errors: list[str] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_owner() -> str:
    """Who holds a lease: readable in the database when debugging a stuck row."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def backoff(settings: Settings, attempts: int) -> timedelta:
    wait = timedelta(seconds=settings.digest_retry_seconds * 2 ** max(0, attempts - 1))
    return min(wait, MAX_BACKOFF)


def deliver_pending(
    *,
    store: Store,
    settings: Settings,
    clock: Callable[[], datetime] = _utcnow,
    limit: int | None = None,
) -> DeliveryReport:
    """Send due outbox messages until none is left (or ``limit`` were tried)."""
    report = DeliveryReport()
    owner = new_owner()
    started = clock()
    tried = 0
    try:
        with SmtpConnection(settings) as smtp:
            while limit is None or tried < limit:
                batch = claim_batch(
                    store=store,
                    owner=owner,
                    now=clock(),
                    lease_seconds=settings.digest_lease_seconds,
                    limit=CLAIM_BATCH,
                    pass_started=started,
                )
                if not batch:
                    break
                for message in batch:
                    if limit is not None and tried >= limit:
                        break
                    tried += 1
                    _deliver_one(store, settings, smtp, message, owner, clock, report)
                    if report.stopped:
                        return report
    finally:
        release_leases(store=store, owner=owner)
    return report


def _deliver_one(
    store: Store,
    settings: Settings,
    smtp: SmtpConnection,
    message: OutboxMessage,
    owner: str,
    clock: Callable[[], datetime],
    report: DeliveryReport,
) -> None:
    if not begin_attempt(
        store=store,
        outbox_id=message.outbox_id,
        owner=owner,
        now=clock(),
        lease_seconds=settings.digest_lease_seconds,
    ):
        return  # another sender took it over after our lease ran out
    try:
        smtp.send(sender=envelope_sender(settings), recipient=message.recipient, body=message.body)
    except DeliveryError as exc:
        _failed(store, settings, message, exc, clock(), report)
        return
    mark_sent(store=store, message=message, now=clock())
    report.sent += 1


def _failed(
    store: Store,
    settings: Settings,
    message: OutboxMessage,
    exc: DeliveryError,
    now: datetime,
    report: DeliveryReport,
) -> None:
    attempts = message.attempts + 1
    where = f"message {message.outbox_id} to {message.recipient}"
    if exc.kind == "fatal":
        # Our configuration is at fault, not the address: nothing counts against it.
        mark_retry(store=store, outbox_id=message.outbox_id, next_attempt_at=now, error=str(exc))
        report.stopped = str(exc)
        return
    if exc.kind == "transient" and attempts < settings.digest_max_attempts:
        mark_retry(
            store=store,
            outbox_id=message.outbox_id,
            next_attempt_at=now + backoff(settings, attempts),
            error=str(exc),
        )
        report.retried += 1
        if exc.connection_lost:
            report.stopped = f"{exc}; the rest waits for the next run"
        return
    state = "bounced" if exc.kind == "permanent" else "failed"
    paused = mark_bounced(
        store=store,
        message=message,
        state=state,
        error=str(exc),
        now=now,
        max_bounces=settings.digest_max_bounces,
    )
    report.bounced += 1
    report.paused += int(paused)
    report.errors.append(f"{where}: {exc}")
