"""Setting a new password without the old one: through a reset link from the mail
(feeds/password_reset.py) or by an admin on the command line. Either way every
session of the account ends and a sign-in lock-out is lifted."""

from __future__ import annotations

from paperscope.config import Settings
from paperscope.feeds.password_reset import user_for_reset_token
from paperscope.models import User
from paperscope.store import Store, accounts
from paperscope.store.account_recovery import delete_all_sessions
from paperscope.web.auth import AuthError, check_password_rules
from paperscope.web.passwords import hash_password

INVALID_LINK = (
    "This reset link is not valid any more: it expired, was already used, or was "
    "mistyped. Ask for a new one."
)


def set_new_password(*, store: Store, user: User, password: str) -> None:
    """Store the new password, sign the account out everywhere, lift the lock-out."""
    check_password_rules(password, "password")
    accounts.set_password_hash(
        store=store, user_id=user.user_id, password_hash=hash_password(password)
    )
    delete_all_sessions(store=store, user_id=user.user_id)
    accounts.clear_login_failures(store=store, key=f"user:{user.username.strip().lower()}")


def reset_with_token(*, store: Store, settings: Settings, token: str, password: str) -> User:
    user = user_for_reset_token(store=store, settings=settings, token=token)
    if user is None:
        raise AuthError(INVALID_LINK, "token", status=400)
    set_new_password(store=store, user=user, password=password)
    return user


def reset_by_admin(*, store: Store, username: str, password: str) -> User:
    found = accounts.find_user(store=store, username=username)
    if found is None:
        raise AuthError(f"There is no user {username!r}.", "username", status=404)
    set_new_password(store=store, user=found[0], password=password)
    return found[0]
