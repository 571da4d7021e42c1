"""The session lookup every signed-in request makes (a statement built once, with bound
parameters): the right account, never past its expiry, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from paperscope.store import Store
from paperscope.store.accounts import create_session, create_user, user_for_session

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def test_a_session_names_its_account_until_it_expires(any_store: Store) -> None:
    alice = create_user(store=any_store, username="alice", email=None, password_hash=None, now=NOW)
    bob = create_user(store=any_store, username="bob", email=None, password_hash=None, now=NOW)
    for user, secret in ((alice, "a" * 64), (bob, "b" * 64)):
        create_session(
            store=any_store,
            user_id=user.user_id,
            session_hash=secret,
            now=NOW,
            lifetime=timedelta(hours=1),
        )
    found = user_for_session(store=any_store, session_hash="a" * 64, now=NOW)
    assert found is not None and found.username == "alice"
    later = NOW + timedelta(minutes=59, seconds=59)
    found = user_for_session(store=any_store, session_hash="b" * 64, now=later)
    assert found is not None and found.username == "bob"
    assert (
        user_for_session(store=any_store, session_hash="b" * 64, now=NOW + timedelta(hours=1))
        is None
    )
    assert user_for_session(store=any_store, session_hash="c" * 64, now=NOW) is None
