"""Whether an account's e-mail address is proven: users.email_verified_at is set when
its owner follows a signed link mailed to that address, and cleared by nothing but a
change of address (which this module's callers compare against)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from paperscope.store.database import Store
from paperscope.store.schema_accounts import users


def mark_email_verified(*, store: Store, user_id: int, email: str, now: datetime) -> bool:
    """Record the proof, only if the account still has ``email`` (a link mailed to an
    old address proves nothing about the new one). True when recorded."""
    with store.write() as conn:
        changed = conn.execute(
            update(users)
            .where(users.c.user_id == user_id, users.c.email == email)
            .values(email_verified_at=now)
        ).rowcount
    return bool(changed)


def verified_email(*, store: Store, user_id: int) -> tuple[str, datetime] | None:
    """(address, when it was proven) of the account, or None when it has no proven one."""
    with store.read() as conn:
        row = conn.execute(
            select(users.c.email, users.c.email_verified_at).where(users.c.user_id == user_id)
        ).first()
    if row is None or not row.email or row.email_verified_at is None:
        return None
    return str(row.email), row.email_verified_at
