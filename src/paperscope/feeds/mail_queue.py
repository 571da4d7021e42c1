"""One rendered mail into the outbox: the mails that go out one at a time (confirmation
links, password resets, address checks, replies) are all queued this way. Digests go
in with their period instead (store.outbox.record_period)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from paperscope.store import Store
from paperscope.store.outbox import NewMessage, enqueue_message


def queue_mail(
    *,
    store: Store,
    mail: EmailMessage,
    key: str,
    kind: str,
    subscriber_id: int,
    recipient: str,
    now: datetime,
) -> bool:
    """Add ``mail`` under the idempotency ``key``; False when that key is already there."""
    return enqueue_message(
        store=store,
        message=NewMessage(
            idempotency_key=key,
            kind=kind,
            subscriber_id=subscriber_id,
            subscription_id=None,
            recipient=recipient,
            message_id=str(mail["Message-ID"]),
            body=mail.as_bytes(),
        ),
        now=now,
    )
