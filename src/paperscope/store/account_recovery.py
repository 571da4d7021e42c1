"""What a password reset needs of the accounts: the accounts behind an address, an
account's current password hash, and signing it out everywhere."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from paperscope.models import User
from paperscope.store.database import Store
from paperscope.store.schema_accounts import sessions, users


def _user(row: object) -> User:
    return User(
        user_id=row.user_id,  # type: ignore[attr-defined]
        username=row.username,  # type: ignore[attr-defined]
        email=row.email,  # type: ignore[attr-defined]
        is_admin=bool(row.is_admin),  # type: ignore[attr-defined]
        created_at=row.created_at,  # type: ignore[attr-defined]
    )


_COLUMNS = (
    users.c.user_id,
    users.c.username,
    users.c.email,
    users.c.is_admin,
    users.c.created_at,
    users.c.password_hash,
)


def users_with_email(*, store: Store, email: str) -> list[tuple[User, str | None]]:
    """The accounts whose address is ``email`` (any case), with their password hashes."""
    with store.read() as conn:
        rows = conn.execute(
            select(*_COLUMNS)
            .where(func.lower(users.c.email) == email.strip().lower())
            .order_by(users.c.user_id)
        )
        return [(_user(r), r.password_hash) for r in rows]


def user_with_hash(*, store: Store, user_id: int) -> tuple[User, str | None] | None:
    with store.read() as conn:
        row = conn.execute(select(*_COLUMNS).where(users.c.user_id == user_id)).first()
    return (_user(row), row.password_hash) if row else None


def delete_all_sessions(*, store: Store, user_id: int) -> int:
    with store.write() as conn:
        return conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount
