"""Users, sign-in sessions, personal API tokens and the sign-in throttle.

Callers hash secrets before they get here (web/auth.py): this module stores and
compares hashes only."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from paperscope.models import ApiToken, User
from paperscope.store.database import Store
from paperscope.store.schema_accounts import api_tokens, login_throttle, sessions, users

# A token's last use is written at most this often, so API reads stay reads.
_TOKEN_TOUCH_INTERVAL = timedelta(hours=1)


class DuplicateUsername(Exception):
    """The username is taken (compared case-insensitively)."""


# Who may be named what: the sign-up page, `paperscope users add` and the Python API.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,31}")
USERNAME_RULE = (
    "Usernames are 2–32 letters, digits, '.', '_' or '-', starting with a letter or digit."
)


def _user(row: Any) -> User:
    return User(
        user_id=row.user_id,
        username=row.username,
        email=row.email,
        is_admin=bool(row.is_admin),
        created_at=row.created_at,
    )


_USER_COLUMNS = (
    users.c.user_id,
    users.c.username,
    users.c.email,
    users.c.is_admin,
    users.c.created_at,
)


def create_user(
    *,
    store: Store,
    username: str,
    email: str | None,
    password_hash: str | None,
    now: datetime,
    is_admin: bool = False,
) -> User:
    """Add an account. Usernames are unique regardless of case ("Ada" blocks "ada")."""
    with store.write() as conn:
        taken = conn.scalar(
            select(users.c.user_id).where(func.lower(users.c.username) == username.lower())
        )
        if taken is not None:
            raise DuplicateUsername(username)
        try:
            user_id = conn.execute(
                insert(users).values(
                    username=username,
                    email=email,
                    password_hash=password_hash,
                    is_admin=is_admin,
                    created_at=now,
                )
            ).inserted_primary_key
        except IntegrityError as exc:  # a concurrent sign-up won the race
            raise DuplicateUsername(username) from exc
        assert user_id is not None
    return User(user_id[0], username, email, is_admin, now)


def get_user(*, store: Store, user_id: int) -> User | None:
    with store.read() as conn:
        row = conn.execute(select(*_USER_COLUMNS).where(users.c.user_id == user_id)).first()
    return _user(row) if row else None


def find_user(*, store: Store, username: str) -> tuple[User, str | None] | None:
    """The account named ``username`` (any case) and its password hash."""
    with store.read() as conn:
        row = conn.execute(
            select(*_USER_COLUMNS, users.c.password_hash).where(
                func.lower(users.c.username) == username.strip().lower()
            )
        ).first()
    return (_user(row), row.password_hash) if row else None


def list_users(*, store: Store) -> list[User]:
    with store.read() as conn:
        return [_user(r) for r in conn.execute(select(*_USER_COLUMNS).order_by(users.c.user_id))]


def set_password_hash(*, store: Store, user_id: int, password_hash: str) -> None:
    with store.write() as conn:
        conn.execute(
            update(users).where(users.c.user_id == user_id).values(password_hash=password_hash)
        )


def set_email(*, store: Store, user_id: int, email: str) -> User | None:
    """Give the account a new address, not yet proven: a proof of the old address says
    nothing about the new one. The account as it now is, None when it is gone."""
    with store.write() as conn:
        conn.execute(
            update(users)
            .where(users.c.user_id == user_id, users.c.email.is_distinct_from(email))
            .values(email=email, email_verified_at=None)
        )
        row = conn.execute(select(*_USER_COLUMNS).where(users.c.user_id == user_id)).first()
    return _user(row) if row else None


def has_password(*, store: Store, user_id: int) -> bool:
    """False for the password-less account of single-user mode."""
    with store.read() as conn:
        hashed = conn.scalar(select(users.c.password_hash).where(users.c.user_id == user_id))
    return bool(hashed)


def ensure_user(*, store: Store, username: str, now: datetime) -> User:
    """The account named ``username``, created without a password if missing."""
    found = find_user(store=store, username=username)
    if found:
        return found[0]
    try:
        return create_user(store=store, username=username, email=None, password_hash=None, now=now)
    except DuplicateUsername:  # created concurrently by another worker
        again = find_user(store=store, username=username)
        assert again is not None
        return again[0]


# ---------------------------------------------------------------- sessions


def create_session(
    *, store: Store, user_id: int, session_hash: str, now: datetime, lifetime: timedelta
) -> None:
    with store.write() as conn:
        conn.execute(
            insert(sessions).values(
                session_hash=session_hash,
                user_id=user_id,
                created_at=now,
                expires_at=now + lifetime,
            )
        )


# Read by every signed-in request: built once, as building a statement costs more
# than running it (docs/performance.md).
_SESSION_USER = (
    select(*_USER_COLUMNS)
    .join(sessions, sessions.c.user_id == users.c.user_id)
    .where(
        sessions.c.session_hash == bindparam("session_hash"),
        sessions.c.expires_at > bindparam("now"),
    )
)


def user_for_session(*, store: Store, session_hash: str, now: datetime) -> User | None:
    with store.read() as conn:
        row = conn.execute(_SESSION_USER, {"session_hash": session_hash, "now": now}).first()
    return _user(row) if row else None


def delete_session(*, store: Store, session_hash: str) -> None:
    with store.write() as conn:
        conn.execute(delete(sessions).where(sessions.c.session_hash == session_hash))


def delete_other_sessions(
    *, store: Store, user_id: int, keep_hash: str | None, now: datetime
) -> int:
    """End every session of a user but ``keep_hash`` (after a password change), and
    drop expired sessions of everyone while at it."""
    with store.write() as conn:
        q = delete(sessions).where(sessions.c.user_id == user_id)
        if keep_hash:
            q = q.where(sessions.c.session_hash != keep_hash)
        ended = conn.execute(q).rowcount
        conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
    return int(ended)


# ---------------------------------------------------------------- API tokens


def _token(row: Any) -> ApiToken:
    return ApiToken(row.token_id, row.user_id, row.name, row.created_at, row.last_used_at)


def create_api_token(
    *, store: Store, user_id: int, name: str, token_hash: str, now: datetime
) -> ApiToken:
    with store.write() as conn:
        key = conn.execute(
            insert(api_tokens).values(
                user_id=user_id, name=name, token_hash=token_hash, created_at=now
            )
        ).inserted_primary_key
    assert key is not None
    return ApiToken(key[0], user_id, name, now)


def list_api_tokens(*, store: Store, user_id: int) -> list[ApiToken]:
    with store.read() as conn:
        rows = conn.execute(
            select(api_tokens)
            .where(api_tokens.c.user_id == user_id)
            .order_by(api_tokens.c.token_id)
        )
        return [_token(r) for r in rows]


def revoke_api_token(*, store: Store, user_id: int, token_id: int) -> bool:
    with store.write() as conn:
        gone = conn.execute(
            delete(api_tokens).where(
                api_tokens.c.token_id == token_id, api_tokens.c.user_id == user_id
            )
        ).rowcount
    return bool(gone)


def user_for_token(*, store: Store, token_hash: str, now: datetime) -> User | None:
    with store.read() as conn:
        row = conn.execute(
            select(*_USER_COLUMNS, api_tokens.c.token_id, api_tokens.c.last_used_at)
            .join(api_tokens, api_tokens.c.user_id == users.c.user_id)
            .where(api_tokens.c.token_hash == token_hash)
        ).first()
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at > _TOKEN_TOUCH_INTERVAL:
        with store.write() as conn:
            conn.execute(
                update(api_tokens)
                .where(api_tokens.c.token_id == row.token_id)
                .values(last_used_at=now)
            )
    return _user(row)


# ---------------------------------------------------------------- sign-in throttle


def login_locked_until(*, store: Store, keys: Sequence[str], now: datetime) -> datetime | None:
    """The latest lock-out still running on any of ``keys``, if any."""
    with store.read() as conn:
        until = conn.scalar(
            select(func.max(login_throttle.c.locked_until)).where(
                login_throttle.c.key.in_(list(keys)), login_throttle.c.locked_until > now
            )
        )
    return until if isinstance(until, datetime) else None


def record_login_failure(
    *, store: Store, key: str, limit: int, window: timedelta, now: datetime
) -> datetime | None:
    """Count a failed sign-in against ``key``; returns the lock-out end when this
    failure reaches ``limit`` within ``window``."""
    with store.write() as conn:
        row = conn.execute(select(login_throttle).where(login_throttle.c.key == key)).first()
        if row is None or now - row.window_start > window:
            _reset_window(conn, key, now, exists=row is not None)
            failures = 1
        else:
            failures = row.failures + 1
            conn.execute(
                update(login_throttle).where(login_throttle.c.key == key).values(failures=failures)
            )
        if failures < limit:
            return None
        until = now + window
        conn.execute(
            update(login_throttle).where(login_throttle.c.key == key).values(locked_until=until)
        )
        return until


def _reset_window(conn: Connection, key: str, now: datetime, *, exists: bool) -> None:
    values = {"failures": 1, "window_start": now, "locked_until": None}
    if exists:
        conn.execute(update(login_throttle).where(login_throttle.c.key == key).values(**values))
    else:
        conn.execute(insert(login_throttle).values(key=key, **values))


def clear_login_failures(*, store: Store, key: str) -> None:
    with store.write() as conn:
        conn.execute(delete(login_throttle).where(login_throttle.c.key == key))
